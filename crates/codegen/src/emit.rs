//! Writes the C file of one module: see the crate documentation.

use std::fmt::Write as _;

use cdecl::{ArrayLen, ConstValue, DeclKind, Prim, Registry, Type, TypeArena, TypeId};

use crate::cspell::{self, declare, record_name};
use crate::{protocol, GenError, ModuleSource, PROTOCOL_VERSION};

pub struct Emitter<'a> {
    arena: &'a mut TypeArena,
    reg: &'a Registry,
    src: &'a ModuleSource,
    out: String,
    /// Table rows, as C initializers.
    funcs: Rows,
    globals: Rows,
    ints: Rows,
    consts: Rows,
    records: Rows,
    types: Rows,
    lengths: Rows,
    externs: Rows,
    /// The names of the sorted tables' rows (`ModuleC::names`).
    names: NamePool,
    /// The cells of every record's fields (`ModuleC::fields`).
    field_cells: Vec<String>,
    included: Included,
    /// `typedef int t[...];`: the array types only their typedef names spell.
    array_typedefs: cspell::Names,
    snapshot: Option<&'a [u8]>,
}

/// What came from `ffi.include()`d modules: theirs to compile and measure,
/// so skipped here (see `crate::generate_including`).
#[derive(Default)]
pub struct Included {
    modules: Vec<String>,
    names: std::collections::HashSet<String>,
    typedefs: std::collections::HashSet<String>,
    /// The types their names reach (records and enums among them).
    reached: Option<cdecl::types::Reachable>,
}

impl Included {
    /// `reg` holds our declarations and theirs; `includes` says which
    /// names are theirs.
    pub fn new(arena: &TypeArena, reg: &Registry, includes: &crate::Includes) -> Included {
        let mut roots: Vec<TypeId> = includes.declarations.iter().filter_map(|n| reg.lookup(n)).map(|d| d.kind.ty()).collect();
        roots.extend(includes.typedefs.iter().filter_map(|n| reg.typedef(n)));
        roots.extend(includes.struct_tags.iter().filter_map(|t| reg.struct_tag(t)));
        roots.extend(includes.union_tags.iter().filter_map(|t| reg.union_tag(t)));
        roots.extend(includes.enum_tags.iter().filter_map(|t| reg.enum_tag(t)));
        Included {
            modules: includes.modules.clone(),
            names: includes.declarations.clone(),
            typedefs: includes.typedefs.clone(),
            reached: (!roots.is_empty()).then(|| arena.reachable(roots)),
        }
    }

    /// Whether the record was declared by an included FFI.
    fn has_record(&self, rid: cdecl::RecordId) -> bool {
        self.reached.as_ref().is_some_and(|r| r.has_record(rid))
    }

    /// Whether the enum was declared by an included FFI.
    fn has_enum(&self, eid: cdecl::EnumId) -> bool {
        self.reached.as_ref().is_some_and(|r| r.has_enum(eid))
    }
}

/// A C string literal.
pub fn c_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut col = 0;
    for b in s.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => {
                out.push_str("\\n\"\n\"");
                col = 0;
                continue;
            }
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'?' => out.push_str("\\?"), // no trigraphs
            0x20..=0x7e => out.push(b as char),
            other => {
                let _ = write!(out, "\\{other:03o}");
            }
        }
        col += 1;
        if col > 500 {
            out.push_str("\"\n\"");
            col = 0;
        }
    }
    out.push('"');
    out
}

/// The `flags` of a row of the table of cdefs.
fn cdef_flags(c: &crate::CdefInput) -> i32 {
    let mut flags = 0;
    if c.override_existing {
        flags |= crate::CDEF_OVERRIDE;
    }
    if c.dllexport {
        flags |= crate::CDEF_DLLEXPORT;
    }
    flags
}

/// Rows of a table the runtime searches by name: (name, the C initializer
/// of the row's other members).
type Rows = Vec<(String, String)>;

fn row(rows: &mut Rows, name: &str, rest: String) {
    rows.push((name.to_string(), rest));
}

/// The names of a module's rows, each ended by a NUL, once each.
#[derive(Default)]
struct NamePool {
    bytes: Vec<u8>,
    at: std::collections::HashMap<String, u32>,
}

impl NamePool {
    /// Where `name` starts in the pool (added if not there yet).
    fn offset(&mut self, name: &str) -> Result<u32, GenError> {
        if let Some(&at) = self.at.get(name) {
            return Ok(at);
        }
        let at = u32::try_from(self.bytes.len()).map_err(|_| GenError::Unsupported("more than 4 GB of declaration names".to_string()))?;
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.push(0);
        self.at.insert(name.to_string(), at);
        Ok(at)
    }
}

/// `bytes` as the initializer of a `static const unsigned char NAME[]`.
fn byte_array(out: &mut String, name: &str, bytes: &[u8]) {
    let _ = write!(out, "static const unsigned char {name}[] = {{");
    for (i, b) in bytes.iter().enumerate() {
        let sep = match (i, i % 24) {
            (0, _) => "\n    ",
            (_, 0) => ",\n    ",
            _ => ",",
        };
        let _ = write!(out, "{sep}{b}");
    }
    out.push_str("\n};\n\n");
}

/// A table sorted by name (bytewise, as `strcmp`): the runtime finds a
/// row by binary search instead of indexing the table at import. Each row
/// names itself by where its name is in `names`.
fn sorted_table(out: &mut String, names: &mut NamePool, ctype: &str, name: &str, rows: &mut Rows) -> Result<String, GenError> {
    rows.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut lines = Vec::with_capacity(rows.len());
    for (n, rest) in rows.iter() {
        lines.push(format!("{{ {}u, {rest} }}", names.offset(n)?));
    }
    Ok(table(out, ctype, name, &lines))
}

/// A table sorted by name whose rows hold only their name, and the function
/// (`static RESULT FNAME(size_t i, PARAMS)`) whose case `i` runs row `i`'s
/// statement (`rest`); after the switch, `fallback`. Both as the module
/// struct's initializers (`NULL` when there is no row).
#[allow(clippy::too_many_arguments)]
fn dispatch_table(
    out: &mut String,
    names: &mut NamePool,
    ctype: &str,
    tname: &str,
    rows: &mut Rows,
    head: &str,
    fname: &str,
    fallback: &str,
) -> Result<(String, String), GenError> {
    rows.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut lines = Vec::with_capacity(rows.len());
    for (n, _) in rows.iter() {
        lines.push(format!("{{ {}u }}", names.offset(n)?));
    }
    let t = table(out, ctype, tname, &lines);
    if rows.is_empty() {
        return Ok((t, "NULL".to_string()));
    }
    let _ = writeln!(out, "static {}\n{{\n    switch (i) {{", head.replace("@", fname));
    for (i, (_, rest)) in rows.iter().enumerate() {
        let _ = writeln!(out, "    case {i}: {rest}");
    }
    let _ = writeln!(out, "    }}\n    {fallback}\n}}\n");
    Ok((t, fname.to_string()))
}

fn table<T: AsRef<str>>(out: &mut String, ctype: &str, name: &str, rows: &[T]) -> String {
    if rows.is_empty() {
        return "NULL, 0".to_string();
    }
    let _ = writeln!(out, "static const struct {ctype} {name}[] = {{");
    for r in rows {
        let _ = writeln!(out, "    {},", r.as_ref());
    }
    out.push_str("};\n\n");
    format!("{name}, {}", rows.len())
}

impl<'a> Emitter<'a> {
    pub fn new(arena: &'a mut TypeArena, reg: &'a Registry, src: &'a ModuleSource) -> Self {
        Emitter {
            arena,
            reg,
            src,
            out: String::new(),
            funcs: Vec::new(),
            globals: Vec::new(),
            ints: Vec::new(),
            consts: Vec::new(),
            records: Vec::new(),
            types: Vec::new(),
            lengths: Vec::new(),
            externs: Vec::new(),
            names: NamePool::default(),
            field_cells: Vec::new(),
            included: Included::default(),
            array_typedefs: cspell::Names::new(),
            snapshot: None,
        }
    }

    pub fn including(mut self, included: Included) -> Self {
        self.included = included;
        self
    }

    /// The declarations as `cdecl::snapshot` bytes, embedded for the
    /// runtime to load instead of parsing the cdefs again.
    pub fn with_snapshot(mut self, snapshot: Option<&'a [u8]>) -> Self {
        self.snapshot = snapshot;
        self
    }

    fn spell(&self, ty: TypeId, inner: &str) -> Result<String, GenError> {
        if self.array_typedefs.is_empty() {
            return Ok(declare(self.arena, ty, inner)?);
        }
        Ok(cspell::declare_named(self.arena, &self.array_typedefs, ty, inner)?)
    }

    /// Is `ty` an integer type (the kind of constant `int (*)(unsigned long long *)` reads)?
    fn is_integer(&self, ty: TypeId) -> bool {
        match self.arena.get(self.arena.strip_top_quals(ty)) {
            Type::Primitive(p) => p.is_integer(),
            Type::Enum(_) | Type::UnknownInt(_) => true,
            _ => false,
        }
    }

    pub fn run(mut self) -> Result<String, GenError> {
        let name = &self.src.module_name;
        let last = name.rsplit('.').next().unwrap_or(name);
        let _ = writeln!(self.out, "/* Generated by rcffi for the module '{name}'. Do not edit. */");
        self.out.push_str(DEFINES);
        if self.src.embedding.is_none() {
            self.out.push_str(&crate::limited_api::guard());
        }
        self.out.push_str(HEADER);
        self.out.push_str(&protocol::c_declarations());
        self.out.push_str(&protocol::layout_asserts());
        if self.src.embedding.is_some() {
            self.out.push_str(crate::embedding::PRELUDE);
        }
        self.out.push_str("\n/************************************************************/\n\n");
        self.out.push_str(&self.src.preamble);
        self.out.push_str("\n\n/************************************************************/\n\n");

        let mut tnames = self.reg.typedef_names().to_vec();
        tnames.sort();
        for tname in tnames {
            if let Some(ty) = self.reg.typedef(&tname) {
                if self.has_unknown_dim(ty) {
                    let bare = self.arena.strip_top_quals(ty);
                    // its inner dimensions, which a parameter of this type
                    // decays to, have no C name but GNU C's `__typeof__`
                    let mut inner = bare;
                    let mut expr = format!("*({tname} *)0");
                    while let Type::Array { item, .. } = *self.arena.get(inner) {
                        inner = self.arena.strip_top_quals(item);
                        expr = format!("({expr})[0]");
                        if self.has_unknown_dim(inner) {
                            self.array_typedefs.entry(inner).or_insert(format!("__typeof__({expr})"));
                        }
                    }
                    self.array_typedefs.entry(bare).or_insert(tname);
                }
            }
        }
        let included = &self.included.names;
        let decls: Vec<_> = self.reg.declarations().iter().filter(|d| !included.contains(&d.name)).cloned().collect();
        let has_externs = decls.iter().any(|d| matches!(d.kind, DeclKind::ExternPython { .. }));
        if self.src.embedding.is_some() {
            self.out.push_str(crate::embedding::DECLARATIONS);
        } else if has_externs {
            self.out.push_str(CALL_PYTHON_MISSING);
        }
        for d in &decls {
            match &d.kind {
                DeclKind::Function { ty, .. } => self.function(&d.name, *ty, None)?,
                DeclKind::ExternPython { ty, plus_c, dllexport } => {
                    let storage = match (*dllexport, *plus_c) {
                        (true, _) => "CFFI_DLLEXPORT ",
                        (false, true) => "",
                        (false, false) => "static ",
                    };
                    self.extern_python(&d.name, *ty, storage)?
                }
                DeclKind::Variable { ty } => self.variable(&d.name, *ty)?,
                DeclKind::Constant { ty, value } => self.constant(&d.name, *ty, value)?,
                DeclKind::EnumConstant { .. } => self.int_getter(&d.name),
            }
        }
        self.typedefs()?;
        self.record_layouts()?;

        // tables
        let mut t = String::new();
        let cdef_rows: Vec<String> = (self.included.modules.iter())
            .map(|m| format!("{{ {}, 0, {} }}", c_string(m), crate::INCLUDE_ROW))
            .chain(
                (self.src.cdefs.iter())
                    .map(|c| format!("{{ {}, {}, {} }}", c_string(&c.source), cdef_flags(c), c.pack)),
            )
            .collect();
        let cdefs = table(&mut t, "_rcffi_cdef_s", "_rcffi_cdefs", &cdef_rows);
        let (funcs, funcs_get) = dispatch_table(
            &mut t,
            &mut self.names,
            "_rcffi_func_s",
            "_rcffi_funcs",
            &mut self.funcs,
            "void @(size_t i, _rcffi_fn *a, void (**t)(void **, void *))",
            "_rcffi_funcs_get",
            "*a = NULL;\n    *t = NULL;",
        )?;
        let globals = sorted_table(&mut t, &mut self.names, "_rcffi_global_s", "_rcffi_globals", &mut self.globals)?;
        let (ints, ints_get) = dispatch_table(
            &mut t,
            &mut self.names,
            "_rcffi_int_s",
            "_rcffi_ints",
            &mut self.ints,
            "int @(size_t i, unsigned long long *o)",
            "_rcffi_ints_get",
            "*o = 0;\n    return 0;",
        )?;
        let consts = sorted_table(&mut t, &mut self.names, "_rcffi_const_s", "_rcffi_consts", &mut self.consts)?;
        let records = sorted_table(&mut t, &mut self.names, "_rcffi_record_s", "_rcffi_records", &mut self.records)?;
        let types = sorted_table(&mut t, &mut self.names, "_rcffi_type_s", "_rcffi_types", &mut self.types)?;
        let lengths = sorted_table(&mut t, &mut self.names, "_rcffi_length_s", "_rcffi_lengths", &mut self.lengths)?;
        let externs = sorted_table(&mut t, &mut self.names, "_rcffi_extern_s", "_rcffi_externs", &mut self.externs)?;
        self.out.push_str(&t);
        // an embedding library's functions start Python first (embedding.rs),
        // then call the runtime through `_rcffi_call_python_rt`
        let call_python = match (self.src.embedding.is_some(), has_externs) {
            (true, _) => "&_rcffi_call_python_rt",
            (false, true) => "&_rcffi_call_python",
            (false, false) => "NULL",
        };
        let snapshot = match self.snapshot {
            Some(bytes) => {
                byte_array(&mut self.out, "_rcffi_snapshot", bytes);
                format!("_rcffi_snapshot, {}", bytes.len())
            }
            None => "NULL, 0".to_string(),
        };
        let fields = if self.field_cells.is_empty() {
            "NULL, 0".to_string()
        } else {
            let _ = writeln!(self.out, "static const size_t _rcffi_fields[] = {{\n    {}\n}};\n", self.field_cells.join(",\n    "));
            // (each entry is a field's two cells)
            format!("_rcffi_fields, {}", self.field_cells.len() * 2)
        };
        let names = if self.names.bytes.is_empty() {
            "NULL, 0".to_string()
        } else {
            byte_array(&mut self.out, "_rcffi_names", &self.names.bytes);
            format!("_rcffi_names, {}", self.names.bytes.len())
        };
        let _ = write!(
            self.out,
            "static const struct _rcffi_module_s _rcffi_module = {{\n    {PROTOCOL_VERSION}u, {},\n    {cdefs},\n    {funcs},\n    {globals},\n    {ints},\n    {consts},\n    {records},\n    {types},\n    {lengths},\n    {externs},\n    {call_python},\n    {snapshot},\n    {names},\n    {funcs_get},\n    {ints_get},\n    {fields}\n}};\n\n",
            c_string(name)
        );
        let (reuse, keep) = if self.src.embedding.is_some() {
            (crate::embedding::INIT_REUSE, crate::embedding::INIT_KEEP)
        } else {
            ("", "")
        };
        let init = INIT.replace("@REUSE@", reuse).replace("@KEEP@", keep);
        let _ = write!(self.out, "{}", init.replace("@LAST@", last).replace("@NAME@", &c_string(name)));
        if let Some(emb) = &self.src.embedding {
            self.out.push_str(&crate::embedding::support(name, last, emb));
        }
        Ok(self.out)
    }

    /// Is `ty` (or, with `through_arrays`, its array items) a struct or
    /// union declared without a body?
    fn is_opaque_record(&self, ty: TypeId, through_arrays: bool) -> bool {
        let mut t = self.arena.strip_top_quals(ty);
        loop {
            match self.arena.get(t) {
                Type::Array { item, .. } if through_arrays => t = self.arena.strip_top_quals(*item),
                Type::Record(rid) => return self.arena.record(*rid).fields.is_none(),
                _ => return false,
            }
        }
    }

    fn function(&mut self, name: &str, ty: TypeId, _extern: Option<()>) -> Result<(), GenError> {
        let fty = self.arena.strip_top_quals(ty);
        let Type::Function(f) = self.arena.get(fty).clone() else {
            return Err(GenError::Unsupported(format!("'{name}' is not a function")));
        };
        for (t, what) in f.args.iter().map(|&a| (a, "argument")).chain([(f.result, "result")]) {
            if self.is_opaque_record(t, false) {
                let cname = cdecl::names::type_name(self.arena, self.arena.strip_top_quals(t));
                return Err(GenError::Type(format!("function {name}: '{cname}' is used as {what} type, but is opaque")));
            }
        }
        // an unnamed record has no C spelling: say where it is used (the
        // words of cffi's "in argument of f: unknown type name")
        for (t, what) in f.args.iter().map(|&a| (a, "argument")).chain([(f.result, "result")]) {
            if let Err(GenError::Unsupported(m)) = self.spell(t, "") {
                return Err(GenError::Unsupported(format!("in {what} of {name}: unknown type name ({m})")));
            }
        }
        if f.variadic {
            // called through libffi by the runtime, with the real address;
            // the cast to the declared type picks the right overload in C++
            let fptr = self.arena.pointer(fty);
            let address = format!("(_rcffi_fn)({})&{name}", self.spell(fptr, "")?);
            row(&mut self.funcs, name, format!("*a = {address}; *t = NULL; return;"));
            return Ok(());
        }
        let result = self.arena.strip_top_quals(f.result);
        let is_void = matches!(self.arena.get(result), Type::Void);
        // The address Python sees (`ffi.addressof(lib, "f")`, and what the
        // runtime may call directly): a function of exactly the declared
        // type calling the real one, as cffi's `_cffi_d_` functions.  The
        // real function may differ (`float sin(double);` is a valid
        // declaration of `double sin(double)`, converted by the compiler),
        // and taking its address through a cast would call it with the
        // wrong types (and warn with -Wcast-function-type).
        let mut params = Vec::with_capacity(f.args.len());
        let mut names = Vec::with_capacity(f.args.len());
        for (i, &a) in f.args.iter().enumerate() {
            params.push(self.spell(a, &format!("x{i}"))?);
            names.push(format!("x{i}"));
        }
        let params = if params.is_empty() { "void".to_string() } else { params.join(", ") };
        let head = self.spell(f.result, &format!("_rcffi_d_{name}({params})"))?;
        let ret = if is_void { "" } else { "return " };
        let _ = writeln!(self.out, "static {head}\n{{\n    {ret}{name}({});\n}}\n", names.join(", "));
        let address = format!("(_rcffi_fn)_rcffi_d_{name}");
        self.trampoline(name, &f.args, result, is_void)?;
        row(&mut self.funcs, name, format!("*a = {address}; *t = _rcffi_t_{name}; return;"));
        Ok(())
    }

    /// `static void _rcffi_t_NAME(void **a, void *r)`: calls `name` with
    /// C's own types, arguments and result passed by address (what the
    /// runtime calls when it does not call the function directly).
    fn trampoline(&mut self, name: &str, args: &[TypeId], result: TypeId, is_void: bool) -> Result<(), GenError> {
        let mut call_args = Vec::with_capacity(args.len());
        for (i, &a) in args.iter().enumerate() {
            call_args.push(format!("*({})a[{i}]", self.spell(a, "*")?));
        }
        let call = format!("{name}({})", call_args.join(", "));
        let _ = writeln!(self.out, "static void _rcffi_t_{name}(void **a, void *r)\n{{");
        if args.is_empty() {
            self.out.push_str("    (void)a;\n");
        }
        if is_void {
            let _ = writeln!(self.out, "    (void)r;\n    {call};");
        } else {
            let _ = writeln!(self.out, "    *({})r = {call};", self.spell(result, "*")?);
        }
        self.out.push_str("}\n\n");
        Ok(())
    }

    /// `storage`: `static ` (`extern "Python"`), nothing (`"Python+C"`) or
    /// `CFFI_DLLEXPORT ` (`ffi.embedding_api()`).
    fn extern_python(&mut self, name: &str, ty: TypeId, storage: &str) -> Result<(), GenError> {
        let fty = self.arena.strip_top_quals(ty);
        let Type::Function(f) = self.arena.get(fty).clone() else {
            return Err(GenError::Unsupported(format!("'{name}' is not a function")));
        };
        if f.variadic {
            return Err(GenError::NotImplemented(format!("{name}: a vararg function is extern \"Python\"")));
        }
        let result = self.arena.strip_top_quals(f.result);
        let is_void = matches!(self.arena.get(result), Type::Void);
        let size = if is_void { "0".to_string() } else { format!("sizeof({})", self.spell(result, "")?) };
        let full = format!("{}.{name}", self.src.module_name);
        let _ = writeln!(
            self.out,
            "static struct _rcffi_externpy_s _rcffi_externpy_{name} = {{ {}, {size}, NULL, NULL }};\n",
            c_string(&full)
        );
        let mut params = Vec::new();
        for (i, &a) in f.args.iter().enumerate() {
            params.push(self.spell(a, &format!("a{i}"))?);
        }
        let params = if params.is_empty() { "void".to_string() } else { params.join(", ") };
        let head = self.spell(f.result, &format!("{name}({params})"))?;
        let _ = writeln!(self.out, "{storage}{head}\n{{");
        let n = f.args.len().max(1);
        let _ = writeln!(self.out, "    void *args[{n}];");
        if !is_void {
            let decl = self.spell(result, "result")?;
            let _ = writeln!(self.out, "    {decl};\n    memset(&result, 0, sizeof(result));");
        }
        if f.args.is_empty() {
            self.out.push_str("    args[0] = NULL;\n");
        }
        for i in 0..f.args.len() {
            let _ = writeln!(self.out, "    args[{i}] = (void *)&a{i};");
        }
        let res = if is_void { "NULL" } else { "(void *)&result" };
        let call = if self.src.embedding.is_some() { "_rcffi_embedding_call" } else { "_rcffi_call_python" };
        let _ = writeln!(self.out, "    {call}(&_rcffi_externpy_{name}, args, {res});");
        if !is_void {
            self.out.push_str("    return result;\n");
        }
        self.out.push_str("}\n\n");
        row(&mut self.externs, name, format!("&_rcffi_externpy_{name}"));
        // also callable and addressable from Python, like any function
        self.trampoline(name, &f.args, result, is_void)?;
        let fptr = self.arena.pointer(fty);
        let address = format!("(_rcffi_fn)({})&{name}", self.spell(fptr, "")?);
        row(&mut self.funcs, name, format!("*a = {address}; *t = _rcffi_t_{name}; return;"));
        Ok(())
    }

    fn variable(&mut self, name: &str, ty: TypeId) -> Result<(), GenError> {
        let bare = self.arena.strip_top_quals(ty);
        let getter = format!("_rcffi_v_{name}");
        // the array dimensions, outermost first; each `[...]` is measured
        let mut dims = Vec::new();
        let mut t = bare;
        while let Type::Array { item, len } = self.arena.get(t).clone() {
            dims.push(len);
            t = self.arena.strip_top_quals(item);
        }
        let mut expr = format!("({name})");
        let mut key = name.to_string();
        for len in &dims {
            if matches!(len, ArrayLen::Unknown(_)) {
                row(&mut self.lengths, &key, format!("sizeof({expr}) / sizeof(({expr})[0])"));
            }
            expr = format!("({expr})[0]");
            key.push_str("[0]");
        }
        let inner_unknown = dims.iter().skip(1).any(|l| matches!(l, ArrayLen::Unknown(_)));
        match self.arena.get(bare).clone() {
            Type::Array { len, .. } if inner_unknown => {
                // `T x[N][...]`: no C spelling of the declared type; the
                // runtime builds it with the measured lengths
                let addr = if matches!(len, ArrayLen::Fixed(_)) { format!("&({name})") } else { format!("({name})") };
                let _ = writeln!(self.out, "static void *{getter}(void)\n{{\n    return (void *){addr};\n}}\n");
            }
            Type::Array { item, len } if !matches!(len, ArrayLen::Fixed(_)) => {
                // `T x[]` / `T x[...]`: the address of the first item
                let ptr = self.arena.pointer(item);
                let head = self.spell(ptr, &format!("{getter}(void)"))?;
                let _ = writeln!(self.out, "static {head}\n{{\n    return ({name});\n}}\n");
            }
            _ if self.arena.quals_of(ty).is_const => {
                // `const T x;` is a constant for cffi (and may be a macro
                // or an rvalue in C): a copy of its value, read by value
                let ptr = self.arena.pointer(bare);
                let head = self.spell(ptr, &format!("{getter}(void)"))?;
                let copy = self.spell(bare, "v")?;
                let _ = writeln!(self.out, "static {head}\n{{\n    static {copy};\n    v = ({name});\n    return &v;\n}}\n");
            }
            _ => {
                let ptr = self.arena.pointer(ty);
                let head = self.spell(ptr, &format!("{getter}(void)"))?;
                let _ = writeln!(self.out, "static {head}\n{{\n    return &({name});\n}}\n");
            }
        }
        row(&mut self.globals, name, format!("(_rcffi_fn){getter}"));
        Ok(())
    }

    fn int_getter(&mut self, name: &str) {
        let _ = writeln!(
            self.out,
            "static int _rcffi_i_{name}(unsigned long long *o)\n{{\n    int n = ({name}) <= 0;\n    *o = (unsigned long long)(({name}) | 0);\n    return n;\n}}\n"
        );
        row(&mut self.ints, name, format!("return _rcffi_i_{name}(o);"));
    }

    fn constant(&mut self, name: &str, ty: TypeId, _value: &ConstValue) -> Result<(), GenError> {
        if self.is_integer(ty) {
            self.int_getter(name);
            return Ok(());
        }
        // any other type: copied out by a typed getter
        let bare = self.arena.strip_top_quals(ty);
        let ptr = self.arena.pointer(bare);
        let p = self.spell(ptr, "")?;
        let _ = writeln!(self.out, "static void _rcffi_c_{name}(void *o)\n{{\n    *({p})o = {name};\n}}\n");
        row(&mut self.consts, name, format!("_rcffi_c_{name}"));
        Ok(())
    }

    fn has_unknown_dim(&self, ty: TypeId) -> bool {
        let mut t = self.arena.strip_top_quals(ty);
        while let Type::Array { item, len } = self.arena.get(t) {
            if matches!(len, ArrayLen::Unknown(_)) {
                return true;
            }
            t = self.arena.strip_top_quals(*item);
        }
        false
    }

    /// `typedef int... t;`, `typedef float... t;` and partial enums.
    fn typedefs(&mut self) -> Result<(), GenError> {
        let mut done = std::collections::HashSet::new();
        for tname in self.reg.typedef_names().to_vec() {
            if self.included.typedefs.contains(&tname) {
                continue;
            }
            let Some(ty) = self.reg.typedef(&tname) else { continue };
            match self.arena.get(self.arena.strip_top_quals(ty)).clone() {
                Type::UnknownInt(n) if done.insert(n.clone()) => {
                    row(&mut self.types, &n, format!("0, sizeof({n}), ((({n})-1) < (({n})1))"));
                    // a compile error if it is no integer type (as cffi)
                    let _ = writeln!(
                        self.out,
                        "_RCFFI_UNUSED_FN static void _rcffi_check_int_{n}(void)\n{{\n    (void)((({n})0) << 1);  /* an integer type */\n}}\n"
                    );
                }
                Type::UnknownFloat(n) if done.insert(n.clone()) => {
                    // the "signed" cell says whether it is a floating type at all
                    row(&mut self.types, &n, format!("1, sizeof({n}), ((({n})1) / 2 != 0)"));
                }
                Type::Array { .. } if self.has_unknown_dim(ty) => {
                    // `typedef int t[...][...];`: keyed "typedef t", "typedef t[0]", ...
                    let bare = self.arena.strip_top_quals(ty);
                    self.measure_dims(bare, &format!("*({tname} *)0"), &format!("typedef {tname}"));
                }
                _ => {}
            }
        }
        // an enumerator of two enums (cffi's compile-time complaint: the
        // compiler could give it only one value)
        let mut seen = std::collections::HashSet::new();
        for i in 0..self.arena.enum_count() {
            let eid = cdecl::EnumId(i as u32);
            if self.included.has_enum(eid) {
                continue;
            }
            let def = self.arena.enum_def(eid);
            for (name, _) in &def.values {
                if !seen.insert(name.clone()) {
                    return Err(GenError::Unsupported(format!("{}: duplicate declaration of const '{name}'", def.cname)));
                }
            }
        }
        // partial enums
        let mut enums = Vec::new();
        for d in self.reg.declarations() {
            if let DeclKind::EnumConstant { ty, .. } = d.kind {
                if let Type::Enum(eid) = *self.arena.get(self.arena.strip_top_quals(ty)) {
                    if !self.included.has_enum(eid) && !enums.contains(&eid) {
                        enums.push(eid);
                    }
                }
            }
        }
        for eid in enums {
            let def = self.arena.enum_def(eid);
            if !def.partial {
                continue;
            }
            // the key the runtime looks for (cdecl::resolve)
            let key = match &def.tag {
                Some(t) => format!("enum {t}"),
                None => def.cname.clone(),
            };
            let ety = self.arena.intern(Type::Enum(eid));
            let Some(cname) = record_name(self.arena, ety) else {
                // an anonymous enum: only its values are needed
                continue;
            };
            row(&mut self.types, &key, format!("2, sizeof({cname}), _RCFFI_ENUM_SIGNED({cname})"));
        }
        Ok(())
    }

    /// The fields of a record as C reaches them: anonymous struct/union
    /// members replaced (recursively) by their own fields, as `p->leaf`
    /// names them. `cdecl::resolve` flattens in the same order.
    fn leaves(&self, fields: &[cdecl::Field], out: &mut Vec<cdecl::Field>) {
        for f in fields {
            if f.name.is_empty() && f.bitsize.is_none() {
                if let Type::Record(rid) = *self.arena.get(self.arena.strip_top_quals(f.ty)) {
                    if let Some(inner) = self.arena.record(rid).fields.clone() {
                        self.leaves(&inner, out);
                        continue;
                    }
                }
            }
            out.push(f.clone());
        }
    }

    /// A bitfield whose bits the generated code can find by setting it in
    /// a zeroed record: named, not const, of an integer (not enum) type.
    fn probe_kind(&self, f: &cdecl::Field) -> Option<bool> {
        if f.name.is_empty() || self.arena.quals_of(f.ty).is_const {
            return None;
        }
        match self.arena.get(self.arena.strip_top_quals(f.ty)) {
            Type::Primitive(Prim::Bool) => Some(true),
            Type::Primitive(p) if p.is_integer() => Some(false),
            _ => None,
        }
    }

    fn record_layouts(&mut self) -> Result<(), GenError> {
        let count = self.arena.record_count();
        for i in 0..count {
            let rid = cdecl::RecordId(i as u32);
            if self.included.has_record(rid) {
                continue;
            }
            let r = self.arena.record(rid).clone();
            let Some(fields) = &r.fields else { continue };
            let rty = self.arena.intern(Type::Record(rid));
            let Some(sname) = record_name(self.arena, rty) else { continue };
            if sname.starts_with('$') {
                continue;
            }
            if let cdecl::Packing::Pack(n) = r.packing {
                if n > 1 {
                    return Err(GenError::NotImplemented(format!(
                        "{sname} is declared with 'pack={n}'; only 0 or 1 are supported in API mode \
                         (try to use \"...;\", which does not require a 'pack' declaration)"
                    )));
                }
            }
            let mut leaves = Vec::new();
            self.leaves(fields, &mut leaves);
            let check = crate::field_check::check_function(
                self.arena,
                &self.array_typedefs,
                &format!("_rcffi_checkfld_{i}"),
                &sname,
                &leaves,
            );
            let mut cells = Vec::new();
            for (k, f) in leaves.iter().enumerate() {
                if self.is_opaque_record(f.ty, true) {
                    // cffi's words: its declaration key, then the record's own name
                    let (key, short) = match &r.tag {
                        Some(tag) => (format!("{} {tag}", r.kind.keyword()), tag.clone()),
                        None => (format!("anonymous {}", r.cname), format!("${}", r.cname)),
                    };
                    return Err(GenError::Type(format!(
                        "{key}: field '{short}.{}' is of an opaque type (not declared in cdef())",
                        f.name
                    )));
                }
                if f.bitsize.is_some() {
                    // no offsetof: where its bits are is measured by
                    // setting it in a zeroed record (key "NAME.FIELD:bits",
                    // value first bit * 256 + number of bits)
                    cells.push("(size_t)-1, (size_t)-1".to_string());
                    if let Some(is_bool) = self.probe_kind(f) {
                        self.bitfield_probe(i, k, &sname, &f.name, is_bool);
                    }
                    continue;
                }
                let bare = self.arena.strip_top_quals(f.ty);
                let open = matches!(self.arena.get(bare), Type::Array { len: ArrayLen::Open, .. });
                let size = if open { "(size_t)-1".to_string() } else { format!("sizeof((({sname} *)0)->{})", f.name) };
                cells.push(format!("offsetof({sname}, {}), {size}", f.name));
                // each `[...]` dimension: keyed "NAME.FIELD", "NAME.FIELD[0]", ...
                let expr = format!("(({sname} *)0)->{}", f.name);
                self.measure_dims(bare, &expr, &format!("{sname}.{}", f.name));
            }
            self.out.push_str(&check);
            // (into the module's one array of cells: an array of its own
            // would be a pointer in the row, relocated at import)
            let start = self.field_cells.len() * 2;
            self.field_cells.extend(cells);
            row(&mut self.records, &sname, format!("sizeof({sname}), _RCFFI_ALIGNOF({sname}), {}, {start}u", leaves.len()));
        }
        Ok(())
    }

    /// A lengths row for each `[...]` dimension of the array type `ty`,
    /// `expr` being an expression of that type: `key`, `key[0]`, ...
    fn measure_dims(&mut self, ty: TypeId, expr: &str, key: &str) {
        let mut t = self.arena.strip_top_quals(ty);
        let mut expr = format!("({expr})");
        let mut key = key.to_string();
        while let Type::Array { item, len } = self.arena.get(t).clone() {
            if matches!(len, ArrayLen::Unknown(_)) {
                row(&mut self.lengths, &key, format!("sizeof({expr}) / sizeof(({expr})[0])"));
            }
            expr = format!("({expr})[0]");
            key.push_str("[0]");
            t = self.arena.strip_top_quals(item);
        }
    }

    /// An int getter reporting where bitfield `field` of `sname` lies:
    /// the record is zeroed, the field set to all ones (decremented from 0;
    /// a `_Bool` set to 1), and the set bits found.
    fn bitfield_probe(&mut self, i: usize, k: usize, sname: &str, field: &str, is_bool: bool) {
        let fname = format!("_rcffi_bf_{i}_{k}");
        let set = if is_bool { format!("p->{field} = 1;") } else { format!("p->{field}--;") };
        let _ = writeln!(
            self.out,
            "static int {fname}(unsigned long long *o)\n{{\n    static long double buf[sizeof({sname}) / sizeof(long double) + 1];\n    \
             {sname} *p = ({sname} *)(void *)buf;\n    const unsigned char *b = (const unsigned char *)(void *)buf;\n    \
             size_t i, first = (size_t)-1, n = 0;\n    memset(buf, 0, sizeof(buf));\n    {set}\n    \
             for (i = 0; i < sizeof({sname}) * 8; i++) {{\n        if ((b[i / 8] >> (i % 8)) & 1) {{\n            \
             if (first == (size_t)-1)\n                first = i;\n            n++;\n        }}\n    }}\n    \
             *o = (unsigned long long)first * 256u + (unsigned long long)n;\n    return 0;\n}}\n"
        );
        row(&mut self.ints, &format!("{sname}.{field}:bits"), format!("return {fname}(o);"));
    }
}

/// Before `Python.h` (and the limited-API guard, see `limited_api.rs`).
const DEFINES: &str = "#define _CFFI_\n#define PY_SSIZE_T_CLEAN\n";

const HEADER: &str = r#"#include <Python.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <wchar.h>
#ifndef _WIN32
#include <sys/types.h>
#endif
#if defined(__GNUC__) || defined(__clang__)
#define _RCFFI_UNUSED_FN __attribute__((unused))
#else
#define _RCFFI_UNUSED_FN
#endif
#ifdef __cplusplus
#ifndef _Bool
typedef bool _Bool;   /* C++ has no _Bool: cdef's 'bool' is spelled so */
#endif
#define _RCFFI_ALIGNOF(t) alignof(t)
#include <type_traits>
/* an enum's sign is its underlying type's (casting -1 to it is not C++) */
#define _RCFFI_ENUM_SIGNED(t) (std::is_signed<std::underlying_type<t>::type>::value)
#else
#include <uchar.h>
#define _RCFFI_ALIGNOF(t) _Alignof(t)
#define _RCFFI_ENUM_SIGNED(t) (((t)-1) < ((t)1))
#endif
"#;

const CALL_PYTHON_MISSING: &str = r#"static void _rcffi_call_python_missing(struct _rcffi_externpy_s *e, void **args, void *result)
{
    (void)args;
    fprintf(stderr, "extern \"Python\": function %s() called, but the module was not imported yet.  Returning 0.\n", e->name);
    if (result != NULL)
        memset(result, 0, e->size_of_result);
}

static _rcffi_call_python_fn _rcffi_call_python = _rcffi_call_python_missing;

"#;

const INIT: &str = r#"static struct PyModuleDef _rcffi_moduledef = {
    PyModuleDef_HEAD_INIT, @NAME@, NULL, -1, NULL, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit_@LAST@(void)
{
    PyObject *backend, *capsule, *pair, *m;
@REUSE@    /* rcffi's extension, which is the package's __init__: one file found
       on sys.path, no Python run (`rcffi._rcffi` is the same module) */
    backend = PyImport_ImportModule("rcffi");
    if (backend == NULL)
        return NULL;
    capsule = PyCapsule_New((void *)&_rcffi_module, "rcffi._api_module", NULL);
    if (capsule == NULL) {
        Py_DECREF(backend);
        return NULL;
    }
    pair = PyObject_CallMethod(backend, "_init_api_module", "O", capsule);
    Py_DECREF(capsule);
    Py_DECREF(backend);
    if (pair == NULL)
        return NULL;
    m = PyModule_Create(&_rcffi_moduledef);
    if (m == NULL || PyObject_SetAttrString(m, "ffi", PyTuple_GetItem(pair, 0)) < 0
            || PyObject_SetAttrString(m, "lib", PyTuple_GetItem(pair, 1)) < 0) {
        Py_XDECREF(m);
        Py_DECREF(pair);
        return NULL;
    }
    Py_DECREF(pair);
    /* as cffi: the module is also sys.modules[<set_source() name>], even
       when imported as part of a package (setup(ext_package=...)) */
    if (PyDict_SetItemString(PyImport_GetModuleDict(), @NAME@, m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
@KEEP@    return m;
}
"#;
