//! Declarations: specifiers, declarators, struct/union/enum bodies.

use super::{common, is_integer_type, Parser, TagKind};
use crate::error::{ErrorKind, Syntax, Unsupported};
use crate::lexer::{Kw, Tok};
use crate::registry::{ConstValue, DeclKind};
use crate::types::{Abi, ArrayLen, EnumDef, Field, FuncType, Packing, Prim, Quals, RecordKind, Type, TypeId};
use crate::{Error, Span};

/// 32-bit Windows has a `__stdcall` calling convention of its own.
const STDCALL_IS_DISTINCT: bool = cfg!(all(windows, target_pointer_width = "32"));

/// `...` used as (part of) a type in a typedef.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dots {
    /// `typedef ... foo_t;`
    Plain,
    /// `typedef int... foo_t;`
    Int,
    /// `typedef float... foo_t;`
    Float,
}

/// Counts of the primitive type keywords seen.
#[derive(Clone, Copy, Debug, Default)]
struct Words {
    signed: u8,
    unsigned: u8,
    short: u8,
    long: u8,
    int: u8,
    char: u8,
    float: u8,
    double: u8,
    void: u8,
    bool_: u8,
    complex: u8,
}

impl Words {
    fn any(&self) -> bool {
        self.signed + self.unsigned + self.short + self.long + self.int + self.char + self.float + self.double + self.void + self.bool_ + self.complex
            > 0
    }

    fn int_like(&self) -> bool {
        self.signed + self.unsigned + self.short + self.long + self.int + self.char > 0
    }

    /// cffi's spelling of the combination: `unsigned`, `short`, `long`
    /// prefixes first (`signed` dropped), then the base word.
    fn spelling(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        for (n, w) in [(self.unsigned, "unsigned"), (self.short, "short"), (self.long, "long")] {
            for _ in 0..n {
                parts.push(w);
            }
        }
        for (n, w) in [
            (self.char, "char"),
            (self.int, "int"),
            (self.float, "float"),
            (self.double, "double"),
            (self.void, "void"),
            (self.bool_, "_Bool"),
            (self.complex, "_Complex"),
        ] {
            for _ in 0..n {
                parts.push(w);
            }
        }
        if parts.is_empty() {
            parts.push("int");
        }
        parts.join(" ")
    }

    /// The type these keywords name, or `None` for an invalid mix.
    fn resolve(&self) -> Option<Result<Prim, ()>> {
        let w = self;
        let sign = w.signed + w.unsigned;
        if sign > 1 || w.short > 1 || w.long > 2 || (w.short > 0 && w.long > 0) || w.int > 1 || w.complex > 1 {
            return None;
        }
        let base = w.char + w.int + w.float + w.double + w.void + w.bool_;
        if base > 1 {
            return None;
        }
        let uns = w.unsigned > 0;
        if w.void > 0 {
            return if sign + w.short + w.long + w.complex == 0 { Some(Err(())) } else { None };
        }
        if w.bool_ > 0 {
            return if sign + w.short + w.long + w.complex == 0 { Some(Ok(Prim::Bool)) } else { None };
        }
        if w.char > 0 {
            if w.short + w.long + w.complex > 0 {
                return None;
            }
            return Some(Ok(if w.signed > 0 {
                Prim::SChar
            } else if uns {
                Prim::UChar
            } else {
                Prim::Char
            }));
        }
        if w.float > 0 || w.double > 0 {
            if sign + w.short > 0 || (w.float > 0 && w.long > 0) || w.long > 1 {
                return None;
            }
            return Some(Ok(match (w.float > 0, w.long > 0, w.complex > 0) {
                (true, _, false) => Prim::Float,
                (true, _, true) => Prim::FloatComplex,
                (false, false, false) => Prim::Double,
                (false, false, true) => Prim::DoubleComplex,
                (false, true, false) => Prim::LongDouble,
                (false, true, true) => return None,
            }));
        }
        if w.complex > 0 {
            return None;
        }
        Some(Ok(match (w.short, w.long, uns) {
            (1, _, false) => Prim::Short,
            (1, _, true) => Prim::UShort,
            (_, 1, false) => Prim::Long,
            (_, 1, true) => Prim::ULong,
            (_, 2, false) => Prim::LongLong,
            (_, 2, true) => Prim::ULongLong,
            (_, _, false) => Prim::Int,
            (_, _, true) => Prim::UInt,
        }))
    }
}

/// Declaration specifiers: storage class, qualifiers and the base type.
#[derive(Clone, Debug, Default)]
pub(crate) struct Specs {
    pub storage: Option<Kw>,
    pub quals: Quals,
    words: Words,
    /// The base type when named (typedef, struct/union/enum, built-in name).
    named: Option<TypeId>,
    /// `named` came from a struct/union/enum specifier (a typedef of it
    /// may give the record its name).
    pub from_tag_spec: bool,
    /// The struct/union/enum specifier had a body.
    pub defines_body: bool,
    pub dots: Option<Dots>,
    pub abi: Abi,
    /// Span of the type specifier words.
    pub type_span: Span,
    /// The base type, resolved (qualifiers not applied).
    pub base: Option<TypeId>,
}

/// One step of a declarator, applied to the base type in order.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Ptr(Quals),
    Array(ArrayLen, Span),
    Func { args: Vec<TypeId>, variadic: bool, span: Span },
}

/// A parsed declarator: its name (if any) and the type derivation.
#[derive(Clone, Debug, Default)]
pub(crate) struct Declarator {
    pub name: Option<Span>,
    pub ops: Vec<Op>,
    pub abi: Abi,
    pub span: Span,
    /// `aligned(N)` in attributes after the name (`T name
    /// __attribute__((aligned(N)))`): for typedefs in cdef() text.
    pub aligned: Option<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A declaration: a name is expected.
    Named,
    /// A type name: no name allowed.
    Abstract,
    /// A parameter: either.
    Either,
}

/// Where specifiers are being parsed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    Global,
    Field,
    Param,
    TypeName,
}

fn join(a: Span, b: Span) -> Span {
    Span { start: a.start.min(b.start), end: a.end.max(b.end) }
}

impl<'a> Parser<'a> {
    // ------------------------------------------------------- declaration

    /// One top-level declaration, up to and including its `;`.
    pub(super) fn declaration(&mut self) -> Result<(), Error> {
        let start = self.peek().span;
        if let Tok::Kw(Kw::Statement) = self.peek_kind() {
            return Err(self.cdef_err(
                start,
                Syntax::Statement { keyword: self.text(start).to_string() },
            ));
        }
        if self.header_mode {
            self.hdr.aligned = None;
            self.hdr.packed = false;
            self.hdr.mode = None;
        }
        let specs = self.specifiers(Ctx::Global)?;
        let is_typedef = specs.storage == Some(Kw::Typedef);
        if self.peek_kind() == Tok::Semi {
            let semi = self.bump();
            // `typedef struct s {...};` declares the struct, as cffi accepts
            if is_typedef && !specs.from_tag_spec {
                return Err(self.cdef_err(join(start, semi.span), Syntax::TypedefWithoutName));
            }
            if !specs.from_tag_spec {
                return Err(self.cdef_err(
                    join(start, semi.span),
                    Syntax::DeclaresNothing,
                ));
            }
            self.check_partial_has_name(&specs, start)?;
            return Ok(());
        }
        let mut first = true;
        loop {
            self.partial_len_ok = true;
            self.saw_partial_len = false;
            let d = self.declarator(Mode::Named);
            self.partial_len_ok = false;
            let mut d = d?;
            if specs.abi == Abi::Stdcall {
                d.abi = Abi::Stdcall;
            }
            let Some(name_span) = d.name else {
                if d.ops.is_empty() {
                    // nothing that can be a declarator: `struct s {...}`
                    // without its ';', a stray '}' or ')'
                    let after = self.text(self.prev_span());
                    return Err(self.unexpected_in("Invalid declaration: ", &format!("a name or ';' after '{after}'")));
                }
                return Err(self.cdef_err(d.span, Syntax::NameExpected));
            };
            let name = self.text(name_span);
            let (_, aligned) = self.skip_attributes()?;
            let asm_name = self.asm_label()?;
            let (_, aligned_after) = self.skip_attributes()?;
            if is_typedef {
                self.typedef_declarator(&specs, &d, name, name_span, first)?;
                if let (false, Some(n)) = (self.header_mode, d.aligned.max(aligned).max(aligned_after)) {
                    // the form `cdef_header` prints (headers handle it in typedef_attributes)
                    let ty = self.lookup_typedef(name).expect("just declared");
                    self.typedef_alignment(&specs, &d, name, ty, n, name_span)?;
                }
            } else {
                self.object_declarator(&specs, &d, name, name_span, asm_name)?;
            }
            first = false;
            match self.peek_kind() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::Semi => {
                    self.bump();
                    break;
                }
                Tok::LBrace if matches!(d.ops.last(), Some(Op::Func { .. })) && self.header_mode => {
                    // An inline function's body: the prototype is all we need.
                    return self.skip_braces();
                }
                Tok::LBrace if matches!(d.ops.last(), Some(Op::Func { .. })) => {
                    let brace = self.peek().span;
                    return Err(self
                        .cdef_err(brace, Syntax::FunctionBody)
                        .with_help(format!("declare only the prototype of '{name}', ending with ';'")));
                }
                _ => return Err(self.unexpected_in("Invalid declaration: ", &format!("',' or ';' after '{name}'"))),
            }
        }
        self.check_partial_has_name(&specs, start)
    }

    /// cffi refuses a partial struct that has no C name (not typedef'd).
    fn check_partial_has_name(&self, specs: &Specs, at: Span) -> Result<(), Error> {
        if !specs.from_tag_spec {
            return Ok(());
        }
        if let Some(Type::Record(rid)) = specs.named.map(|t| self.arena.get(t)) {
            let r = self.arena.record(*rid);
            if r.partial && r.cname.contains('$') {
                return Err(self.error(
                    ErrorKind::NotImplemented,
                    at,
                    Unsupported::PartialWithoutName { cname: r.cname.clone() },
                ));
            }
        }
        Ok(())
    }

    fn typedef_declarator(&mut self, specs: &Specs, d: &Declarator, name: &str, span: Span, first: bool) -> Result<(), Error> {
        let ty = match specs.dots {
            Some(Dots::Plain) => match d.ops.as_slice() {
                [] => {
                    let (rid, ty) = self.arena.new_record(RecordKind::Struct, None, Some(span));
                    self.arena.record_mut(rid).cname = name.to_string();
                    ty
                }
                [Op::Ptr(q)] => {
                    // cffi's unknown_ptr_type: a pointer to an opaque struct
                    let (rid, ty) = self.arena.new_record(RecordKind::Struct, None, Some(span));
                    self.arena.record_mut(rid).cname = format!("struct $${name}");
                    let p = self.arena.pointer(ty);
                    self.arena.qualified(p, *q)
                }
                _ => return Err(self.ffi_err(specs.type_span, Unsupported::DotsTypedefShape)),
            },
            Some(dots) => {
                if !d.ops.is_empty() {
                    return Err(self.ffi_err(specs.type_span, Unsupported::DotsInTypedef));
                }
                let t = if dots == Dots::Int { Type::UnknownInt(name.to_string()) } else { Type::UnknownFloat(name.to_string()) };
                self.arena.intern(t)
            }
            None => {
                let base = specs.base.expect("resolved base");
                if first && d.ops.is_empty() && specs.from_tag_spec {
                    self.force_name(base, name);
                }
                let base = self.arena.qualified(base, specs.quals);
                self.apply_ops(base, d)?
            }
        };
        let ty = if self.header_mode { self.typedef_attributes(specs, d, name, ty, span)? } else { ty };
        self.check_not_a_non_typedef(name, span)?;
        // A plain `typedef T name;` reuses T's object: cffi accepts it again.
        let same_ok = d.ops.is_empty() && specs.dots.is_none();
        self.declare_typedef(name, ty, span, same_ok)
    }

    /// `typedef struct s2 s2_t;`: the record prints as `s2_t` from now on,
    /// unless it already got a name that way.
    fn force_name(&mut self, base: TypeId, name: &str) {
        // In headers a public name beats an internal one (`FILE`, not `__FILE`).
        let better = |old: &str| old.contains(' ') || (self.header_mode && super::header::is_reserved(old) && !super::header::is_reserved(name));
        match *self.arena.get(base) {
            Type::Record(rid) if better(&self.arena.record(rid).cname) => {
                self.touch_record(rid);
                let old = std::mem::replace(&mut self.arena.record_mut(rid).cname, name.to_string());
                self.arena.give_back_anonymous_name(&old);
            }
            Type::Enum(eid) if better(&self.arena.enum_def(eid).cname) => {
                self.touch_enum(eid);
                let old = std::mem::replace(&mut self.arena.enum_def_mut(eid).cname, name.to_string());
                self.arena.give_back_anonymous_name(&old);
            }
            _ => {}
        }
    }

    /// A function, variable or constant.
    fn object_declarator(&mut self, specs: &Specs, d: &Declarator, name: &str, span: Span, asm_name: Option<String>) -> Result<(), Error> {
        self.check_not_a_typedef(name, span)?;
        if specs.dots.is_some() {
            return Err(self.ffi_err(specs.type_span, Unsupported::DotsOutsideTypedef));
        }
        let base = specs.base.expect("resolved base");
        let base = self.arena.qualified(base, specs.quals);
        let ty = self.apply_ops(base, d)?;
        let ty = self.apply_mode(ty, span)?;
        let same_ok = d.ops.is_empty();
        if let Type::Function(_) = self.arena.get(ty) {
            if self.peek_kind() == Tok::Assign {
                return Err(self.cdef_err(self.peek().span, Syntax::FunctionInitializer { name: name.to_string() }));
            }
            if self.header_mode && specs.storage == Some(Kw::Static) {
                // A static function is not in any library.
                return Ok(());
            }
            let kind = match self.extern_python {
                _ if self.options.is_some_and(|o| o.dllexport) => DeclKind::ExternPython { ty, plus_c: true, dllexport: true },
                Some(plus_c) => DeclKind::ExternPython { ty, plus_c, dllexport: false },
                None => DeclKind::Function { ty, asm_name },
            };
            return self.declare(name, kind, span, false);
        }
        if self.extern_python.is_some() {
            return Err(self.cdef_err(span, Syntax::ExternPythonData));
        }
        if self.peek_kind() == Tok::Assign {
            let eq = self.bump();
            if is_integer_type(self.arena, ty) {
                let value = self.const_expr()?;
                self.add_int_constant(name, value, span)?;
                return self.declare(name, DeclKind::Constant { ty, value: ConstValue::Int(value) }, span, true);
            }
            // cffi ignores other initializers; skip the expression.
            self.skip_initializer(eq.span)?;
        }
        if self.header_mode && specs.storage == Some(Kw::Static) {
            // Only `static const` integers with a value are usable (above).
            return Ok(());
        }
        let is_const = self.arena.quals_of(ty).is_const;
        let is_array = matches!(self.arena.get(self.arena.strip_top_quals(ty)), Type::Array { .. });
        if is_const && !is_array && specs.storage == Some(Kw::Static) {
            return self.declare(name, DeclKind::Constant { ty, value: ConstValue::Unknown }, span, same_ok);
        }
        if specs.storage.is_none() && !is_const && !self.header_mode {
            self.warnings.push(format!(
                "Global variable '{name}' in cdef(): for consistency with C it should have a storage class specifier (usually 'extern')"
            ));
        }
        self.declare(name, DeclKind::Variable { ty }, span, same_ok)
    }

    fn skip_initializer(&mut self, eq: Span) -> Result<(), Error> {
        let mut depth = 0u32;
        loop {
            match self.peek_kind() {
                Tok::LParen | Tok::LBrace | Tok::LBracket => depth += 1,
                Tok::RParen | Tok::RBrace | Tok::RBracket => {
                    if depth == 0 {
                        return Err(self.unexpected("an initializer expression"));
                    }
                    depth -= 1
                }
                Tok::Comma | Tok::Semi if depth == 0 => return Ok(()),
                Tok::Eof => return Err(self.cdef_err(eq, Syntax::UnterminatedInitializer)),
                _ => {}
            }
            self.bump();
        }
    }

    /// `__asm__("symbol")` after a declarator.
    fn asm_label(&mut self) -> Result<Option<String>, Error> {
        if self.peek_kind() != Tok::Kw(Kw::Asm) {
            return Ok(None);
        }
        self.bump();
        self.expect(Tok::LParen, "'(' after '__asm__'")?;
        let mut name = String::new();
        while self.peek_kind() == Tok::Str {
            let t = self.bump();
            let s = self.tok_text(t);
            name.push_str(s.trim_start_matches(['L', 'u', 'U', '8']).trim_matches('"'));
        }
        self.expect(Tok::RParen, "')' to close '__asm__('")?;
        Ok(Some(name))
    }

    /// Skip `__attribute__((...))` and `__declspec(...)`; report `packed`
    /// and `aligned(N)` for records.
    pub(super) fn skip_attributes(&mut self) -> Result<(bool, Option<u64>), Error> {
        if self.header_mode {
            return self.header_attributes();
        }
        let mut packed = false;
        let mut aligned = None;
        loop {
            match self.peek_kind() {
                Tok::Kw(Kw::Attribute) | Tok::Kw(Kw::Declspec) => {
                    self.bump();
                    let open = self.expect(Tok::LParen, "'(' after '__attribute__'")?;
                    let mut depth = 1u32;
                    while depth > 0 {
                        let t = self.bump();
                        match t.kind {
                            Tok::LParen => depth += 1,
                            Tok::RParen => depth -= 1,
                            Tok::Eof => return Err(self.cdef_err(open.span, Syntax::UnbalancedAttribute)),
                            Tok::Ident => {
                                let w = self.tok_text(t);
                                let w = w.trim_start_matches("__").trim_end_matches("__");
                                if matches!(w, "mode" | "vector_size" | "scalar_storage_order" | "transparent_union") {
                                    // ignoring these would declare another type than
                                    // C's (`int __attribute__((mode(QI)))` is one byte)
                                    return Err(self.cdef_err(
                                        t.span,
                                        Unsupported::TypeAttributeInCdef { name: w.to_string() },
                                    ));
                                } else if w == "packed" {
                                    packed = true;
                                } else if w == "aligned" && self.peek_kind() == Tok::LParen && self.peek_nth(1).kind == Tok::Int {
                                    let n = self.peek_nth(1);
                                    // as gcc: a power of 2, at most 2^28 (layout relies on both)
                                    if !(n.value > 0 && n.value & (n.value - 1) == 0 && n.value <= 1 << 28) {
                                        return Err(self.cdef_err(
                                            n.span,
                                            Syntax::BadAlignment { value: self.tok_text(n).to_string() },
                                        ));
                                    }
                                    aligned = Some(n.value as u64);
                                } else if w == "aligned" {
                                    aligned = Some(super::header::BIGGEST_ALIGNMENT);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                Tok::Kw(Kw::Extension) => {
                    self.bump();
                }
                _ => return Ok((packed, aligned)),
            }
        }
    }

    // -------------------------------------------------------- specifiers

    /// Whether the current token can begin a type (for casts, `sizeof`
    /// and parameter lists).
    pub(crate) fn starts_type(&self) -> bool {
        match self.peek_kind() {
            Tok::Kw(k) => matches!(
                k,
                Kw::Const
                    | Kw::Volatile
                    | Kw::Restrict
                    | Kw::Void
                    | Kw::Char
                    | Kw::Short
                    | Kw::Int
                    | Kw::Long
                    | Kw::Float
                    | Kw::Double
                    | Kw::Signed
                    | Kw::Unsigned
                    | Kw::Bool
                    | Kw::Complex
                    | Kw::Struct
                    | Kw::Union
                    | Kw::Enum
                    | Kw::Unsupported
                    | Kw::Extension
            ),
            Tok::Ident => self.is_type_name(self.tok_text(self.peek())),
            _ => false,
        }
    }

    pub(crate) fn specifiers(&mut self, ctx: Ctx) -> Result<Specs, Error> {
        let mut s = Specs::default();
        let mut type_span: Option<Span> = None;
        let start = self.peek().span;
        loop {
            let t = self.peek();
            let widen = |ts: &mut Option<Span>| *ts = Some(ts.map_or(t.span, |s| join(s, t.span)));
            match t.kind {
                Tok::Kw(k @ (Kw::Typedef | Kw::Extern | Kw::Static | Kw::Auto | Kw::Register)) => {
                    let allowed = match ctx {
                        Ctx::Global => true,
                        Ctx::Param => k == Kw::Register,
                        _ => false,
                    };
                    if !allowed {
                        return Err(self.cdef_err(t.span, Syntax::StorageClassNotAllowed { word: self.tok_text(t).to_string() }));
                    }
                    if s.storage.is_some_and(|old| old != k) {
                        return Err(self.cdef_err(t.span, Syntax::MultipleStorageClasses));
                    }
                    s.storage = Some(k);
                    self.bump();
                }
                Tok::Kw(Kw::Inline) | Tok::Kw(Kw::Cdecl) | Tok::Kw(Kw::Extension) => {
                    self.bump();
                }
                Tok::Kw(Kw::Stdcall) => {
                    s.abi = Abi::Stdcall;
                    self.bump();
                }
                Tok::Kw(Kw::Const) => {
                    s.quals.is_const = true;
                    self.bump();
                }
                Tok::Kw(Kw::Volatile) => {
                    s.quals.is_volatile = true;
                    self.bump();
                }
                Tok::Kw(Kw::Restrict) => {
                    s.quals.is_restrict = true;
                    self.bump();
                }
                Tok::Kw(Kw::Attribute) | Tok::Kw(Kw::Declspec) => {
                    self.skip_attributes()?;
                }
                Tok::Kw(
                    k @ (Kw::Void
                    | Kw::Char
                    | Kw::Short
                    | Kw::Int
                    | Kw::Long
                    | Kw::Float
                    | Kw::Double
                    | Kw::Signed
                    | Kw::Unsigned
                    | Kw::Bool
                    | Kw::Complex),
                ) => {
                    if s.named.is_some() || s.dots.is_some() {
                        return Err(self.cdef_err(t.span, crate::Message::TwoDataTypes));
                    }
                    let w = &mut s.words;
                    let slot = match k {
                        Kw::Void => &mut w.void,
                        Kw::Char => &mut w.char,
                        Kw::Short => &mut w.short,
                        Kw::Int => &mut w.int,
                        Kw::Long => &mut w.long,
                        Kw::Float => &mut w.float,
                        Kw::Double => &mut w.double,
                        Kw::Signed => &mut w.signed,
                        Kw::Unsigned => &mut w.unsigned,
                        Kw::Bool => &mut w.bool_,
                        _ => &mut w.complex,
                    };
                    *slot = slot.saturating_add(1);
                    widen(&mut type_span);
                    self.bump();
                }
                Tok::Kw(Kw::Unsupported) if self.header_mode && self.float_n_words(t).is_some() => {
                    if s.named.is_some() || s.dots.is_some() {
                        return Err(self.cdef_err(t.span, crate::Message::TwoDataTypes));
                    }
                    for w in self.float_n_words(t).unwrap_or_default() {
                        match w {
                            Kw::Float => s.words.float += 1,
                            Kw::Long => s.words.long += 1,
                            _ => s.words.double += 1,
                        }
                    }
                    widen(&mut type_span);
                    self.bump();
                }
                Tok::Kw(Kw::Unsupported) => {
                    let mut spelled = if s.words.any() { s.words.spelling() + " " } else { String::new() };
                    if s.words.int > 0 && s.words.short + s.words.long > 0 {
                        spelled = spelled.replace(" int", "");
                    }
                    let what = format!("{spelled}{}", self.tok_text(t));
                    return Err(self.ffi_err(join(type_span.unwrap_or(t.span), t.span), crate::Message::UnsupportedType { spelling: what }));
                }
                Tok::Kw(k @ (Kw::Struct | Kw::Union | Kw::Enum)) => {
                    if s.named.is_some() || s.words.any() || s.dots.is_some() {
                        return Err(self.cdef_err(t.span, crate::Message::TwoDataTypes));
                    }
                    let kind = match k {
                        Kw::Struct => TagKind::Struct,
                        Kw::Union => TagKind::Union,
                        _ => TagKind::Enum,
                    };
                    let (ty, has_body) = if kind == TagKind::Enum { self.enum_spec()? } else { self.record_spec(kind)? };
                    s.named = Some(ty);
                    s.from_tag_spec = true;
                    s.defines_body = has_body;
                    type_span = Some(join(t.span, self.prev_span()));
                }
                Tok::Ellipsis => {
                    if s.named.is_some() || s.dots.is_some() {
                        return Err(self.ffi_err(t.span, crate::Message::BadDots));
                    }
                    let w = s.words;
                    s.dots = Some(if !w.any() {
                        Dots::Plain
                    } else if w.float + w.double > 0 && !w.int_like() && w.complex + w.void + w.bool_ == 0 {
                        if w.long > 0 {
                            return Err(self.ffi_err(t.span, Unsupported::DotsLongDouble));
                        }
                        Dots::Float
                    } else if w.int_like() && w.float + w.double + w.complex + w.void + w.bool_ == 0 {
                        Dots::Int
                    } else {
                        return Err(self.ffi_err(t.span, crate::Message::BadDots));
                    });
                    s.words = Words::default();
                    widen(&mut type_span);
                    self.bump();
                }
                Tok::Ident if self.header_mode && self.gnu_specifier(&mut s.named)? => {
                    if s.named.is_some() && type_span.is_none() {
                        type_span = Some(join(t.span, self.prev_span()));
                    }
                }
                Tok::Ident => {
                    if s.named.is_some() || s.words.any() || s.dots.is_some() {
                        break; // the declarator's name
                    }
                    let name = self.tok_text(t);
                    match self.resolve_type_name(name, t.span)? {
                        Some(ty) => {
                            s.named = Some(ty);
                            type_span = Some(t.span);
                            self.bump();
                        }
                        None => return Err(self.unknown_type(t.span)),
                    }
                }
                _ => break,
            }
        }
        s.type_span = type_span.unwrap_or(start);
        if s.dots.is_some() {
            return Ok(s);
        }
        if let Some(ty) = s.named {
            s.base = Some(ty);
            return Ok(s);
        }
        if !s.words.any() {
            let what = match ctx {
                Ctx::Global => "a declaration (a type name)",
                Ctx::Field => "a field declaration (a type name) or '}'",
                Ctx::Param => "a parameter type",
                Ctx::TypeName => "a type name",
            };
            return Err(self.unexpected(what));
        }
        s.base = Some(match s.words.resolve() {
            Some(Ok(p)) => self.arena.prim(p),
            Some(Err(())) => self.arena.void(),
            None => return Err(self.ffi_err(s.type_span, crate::Message::UnsupportedType { spelling: s.words.spelling() })),
        });
        Ok(s)
    }

    /// "unknown type name 'x'" at an identifier used as a type.
    fn unknown_type(&self, span: Span) -> Error {
        let name = self.text(span);
        if let Some(msg) = self.skipped_type_msg(name) {
            return self.unrepresentable(span, msg);
        }
        let next = self.peek_nth(1);
        let msg = Syntax::UnknownTypeName {
            name: name.to_string(),
            declared: self.lookup_decl(name).is_some(),
            before: (self.type_mode && next.kind != Tok::Eof).then(|| self.tok_text(next).to_string()),
        };
        self.cdef_err(span, msg).as_syntax()
    }

    /// A typedef name, then the names cffi knows without a declaration.
    fn resolve_type_name(&mut self, name: &str, span: Span) -> Result<Option<TypeId>, Error> {
        if let Some(t) = self.lookup_typedef(name) {
            return Ok(Some(t));
        }
        common::resolve(self, name, span)
    }

    // -------------------------------------------------------- declarators

    pub(crate) fn declarator(&mut self, mode: Mode) -> Result<Declarator, Error> {
        let mut d = Declarator { span: self.peek().span, ..Declarator::default() };
        self.declarator_into(mode, &mut d)?;
        d.span = join(d.span, self.prev_span());
        Ok(d)
    }

    fn declarator_into(&mut self, mode: Mode, out: &mut Declarator) -> Result<(), Error> {
        self.enter()?;
        let mut ptrs: Vec<Quals> = Vec::new();
        loop {
            match self.peek_kind() {
                Tok::Star => {
                    self.bump();
                    let mut q = Quals::NONE;
                    loop {
                        match self.peek_kind() {
                            Tok::Kw(Kw::Const) => q.is_const = true,
                            Tok::Kw(Kw::Volatile) => q.is_volatile = true,
                            Tok::Kw(Kw::Restrict) => q.is_restrict = true,
                            Tok::Kw(Kw::Stdcall) => out.abi = Abi::Stdcall,
                            Tok::Kw(Kw::Cdecl) | Tok::Kw(Kw::Extension) => {}
                            Tok::Kw(Kw::Attribute) | Tok::Kw(Kw::Declspec) => {
                                self.skip_attributes()?;
                                continue;
                            }
                            _ => break,
                        }
                        self.bump();
                    }
                    ptrs.push(q);
                }
                Tok::Kw(Kw::Stdcall) => {
                    out.abi = Abi::Stdcall;
                    self.bump();
                }
                Tok::Kw(Kw::Cdecl) => {
                    self.bump();
                }
                Tok::Kw(Kw::Attribute) | Tok::Kw(Kw::Declspec) => {
                    self.skip_attributes()?;
                }
                Tok::Kw(Kw::Const | Kw::Volatile | Kw::Restrict) if !ptrs.is_empty() => {
                    // `int * __restrict const p` handled above; stray qualifiers here
                    self.bump();
                }
                _ => break,
            }
        }
        // direct declarator
        let mut nested: Option<Declarator> = None;
        let t = self.peek();
        match t.kind {
            Tok::Ident if mode != Mode::Abstract => {
                out.name = Some(t.span);
                self.bump();
            }
            Tok::LParen if self.paren_starts_declarator(mode) => {
                self.bump();
                let mut inner = Declarator { span: self.peek().span, ..Declarator::default() };
                self.declarator_into(mode, &mut inner)?;
                self.expect(Tok::RParen, "')' to close the declarator")?;
                if inner.name.is_some() {
                    out.name = inner.name;
                }
                if inner.abi == Abi::Stdcall {
                    out.abi = Abi::Stdcall;
                }
                nested = Some(inner);
            }
            _ => {}
        }
        // suffixes
        let mut suffixes: Vec<Op> = Vec::new();
        loop {
            match self.peek_kind() {
                Tok::LBracket => {
                    let op = self.array_suffix()?;
                    suffixes.push(op);
                }
                Tok::LParen => {
                    let fname = out.name.map(|s| self.text(s).to_string());
                    let op = self.params(fname.as_deref())?;
                    suffixes.push(op);
                }
                Tok::Kw(Kw::Attribute) => {
                    let (_, aligned) = self.skip_attributes()?;
                    out.aligned = out.aligned.max(aligned);
                }
                _ => break,
            }
        }
        out.ops.extend(ptrs.into_iter().map(Op::Ptr));
        out.ops.extend(suffixes.into_iter().rev());
        if let Some(inner) = nested {
            out.ops.extend(inner.ops);
        }
        self.leave();
        Ok(())
    }

    /// After a `(` in a declarator: a nested declarator, or a parameter list?
    fn paren_starts_declarator(&self, mode: Mode) -> bool {
        let next = self.peek_nth(1);
        match next.kind {
            Tok::Star | Tok::LParen | Tok::LBracket => true,
            Tok::Kw(Kw::Stdcall | Kw::Cdecl | Kw::Attribute | Kw::Declspec) => true,
            Tok::Ident => mode != Mode::Abstract && !self.is_type_name(self.tok_text(next)),
            _ => false,
        }
    }

    fn array_suffix(&mut self) -> Result<Op, Error> {
        let open = self.bump();
        // C99 parameter forms: `[static 3]`, `[const]`
        while matches!(self.peek_kind(), Tok::Kw(Kw::Static | Kw::Const | Kw::Volatile | Kw::Restrict)) {
            self.bump();
        }
        let len = match self.peek_kind() {
            Tok::RBracket => ArrayLen::Open,
            Tok::Ellipsis => {
                let t = self.bump();
                if !self.partial_len_ok {
                    return Err(self.ffi_err(
                        join(open.span, t.span),
                        Unsupported::PartialArrayLength,
                    ));
                }
                self.saw_partial_len = true;
                self.arena.new_unknown_length()
            }
            Tok::Star if self.peek_nth(1).kind == Tok::RBracket => {
                return Err(self.cdef_err(self.peek().span, Syntax::VariableLengthArray));
            }
            _ if self.header_mode && self.hdr.in_params > 0 => {
                // A parameter array decays to a pointer: its length (C99
                // `[n]` naming another parameter, `[static 4]`) is unused.
                let mut depth = 0u32;
                while !(depth == 0 && self.peek_kind() == Tok::RBracket) && self.peek_kind() != Tok::Eof {
                    match self.bump().kind {
                        Tok::LBracket => depth += 1,
                        Tok::RBracket => depth -= 1,
                        _ => {}
                    }
                }
                ArrayLen::Open
            }
            _ => {
                let expr_start = self.peek().span;
                let saved = std::mem::replace(&mut self.partial_len_ok, false);
                let v = self.const_expr();
                self.partial_len_ok = saved;
                let v = v?;
                if v < 0 {
                    // cffi: a CDefError in cdef(), a ValueError in type strings.
                    let kind = if self.type_mode { ErrorKind::Value } else { ErrorKind::CDef };
                    return Err(self.error(kind, join(expr_start, self.prev_span()), Syntax::NegativeArrayLength { length: v }));
                }
                ArrayLen::Fixed(u64::try_from(v).map_err(|_| self.cdef_err(expr_start, Syntax::ArrayLengthTooLarge))?)
            }
        };
        let close = self.expect(Tok::RBracket, "']' to close the array length")?;
        Ok(Op::Array(len, join(open.span, close.span)))
    }

    /// A parameter list, the current token being `(`.
    fn params(&mut self, fname: Option<&str>) -> Result<Op, Error> {
        let open = self.bump();
        let who = fname.unwrap_or("in expression").to_string();
        let mut args = Vec::new();
        let mut variadic = false;
        if self.peek_kind() == Tok::Kw(Kw::Void) && self.peek_nth(1).kind == Tok::RParen {
            self.bump();
        } else if self.peek_kind() != Tok::RParen {
            let saved = std::mem::replace(&mut self.partial_len_ok, false);
            self.hdr.in_params += 1;
            let r = self.param_list(&who, &mut args, &mut variadic);
            self.hdr.in_params -= 1;
            self.partial_len_ok = saved;
            r?;
        }
        let what = if variadic { "')' after '...' (it ends the parameter list)" } else { "',' or ')' in the parameter list" };
        let close = self.expect(Tok::RParen, what)?;
        Ok(Op::Func { args, variadic, span: join(open.span, close.span) })
    }

    fn param_list(&mut self, who: &str, args: &mut Vec<TypeId>, variadic: &mut bool) -> Result<(), Error> {
        loop {
            let t = self.peek();
            if t.kind == Tok::Ellipsis {
                self.bump();
                if args.is_empty() {
                    return Err(self.cdef_err(t.span, Syntax::OnlyEllipsis { who: who.to_string() }));
                }
                *variadic = true;
                return Ok(());
            }
            if t.kind == Tok::Ident
                && matches!(self.peek_nth(1).kind, Tok::Comma | Tok::RParen)
                && !self.is_type_name(self.tok_text(t))
            {
                return Err(self.cdef_err(
                    t.span,
                    Syntax::UntypedArgument { who: who.to_string(), index: args.len() + 1, name: self.tok_text(t).to_string() },
                ));
            }
            let specs = self.specifiers(Ctx::Param)?;
            if specs.dots.is_some() {
                return Err(self.ffi_err(specs.type_span, crate::Message::BadDots));
            }
            let d = self.declarator(Mode::Either)?;
            let base = specs.base.expect("resolved base");
            let base = self.arena.qualified(base, specs.quals);
            let mut d = d;
            if specs.abi == Abi::Stdcall {
                d.abi = Abi::Stdcall;
            }
            let ty = self.apply_ops(base, &d)?;
            let ty = self.arena.strip_top_quals(ty);
            let ty = match self.arena.get(ty).clone() {
                // cffi drops a lone void parameter even when typedef'd: `f(void_t)`
                Type::Void if args.is_empty() && self.peek_kind() == Tok::RParen => return Ok(()),
                // `int g(void` / `int g(void;`: the list is what is wrong
                Type::Void if args.is_empty() && self.peek_kind() != Tok::Comma => {
                    return Err(self.unexpected("',' or ')' in the parameter list"));
                }
                Type::Void => {
                    return Err(self.cdef_err(
                        join(specs.type_span, d.span),
                        Syntax::VoidNotAlone { who: who.to_string(), index: args.len() + 1 },
                    ))
                }
                // arrays decay to pointers, functions to function pointers
                Type::Array { item, .. } => self.arena.pointer(item),
                Type::Function(_) => self.arena.pointer(ty),
                _ => ty,
            };
            args.push(ty);
            if self.peek_kind() == Tok::Comma {
                self.bump();
            } else {
                return Ok(());
            }
        }
    }

    /// Apply a declarator's steps to the base type.
    pub(crate) fn apply_ops(&mut self, base: TypeId, d: &Declarator) -> Result<TypeId, Error> {
        let mut ty = base;
        let mut abi = d.abi;
        for op in &d.ops {
            ty = match op {
                Op::Ptr(q) => {
                    let p = self.arena.pointer(ty);
                    self.arena.qualified(p, *q)
                }
                Op::Array(len, span) => {
                    match self.arena.get(self.arena.strip_top_quals(ty)) {
                        Type::Function(_) => {
                            return Err(self.cdef_err(*span, Syntax::ArrayOfFunctions))
                        }
                        // a type string: cffi's backend refuses an item of
                        // unknown size with a ValueError
                        Type::Void if self.type_mode => {
                            return Err(self.error(ErrorKind::Value, *span, Syntax::ArrayItemUnknownSize { ctype: "void".to_string() }))
                        }
                        Type::Void => return Err(self.cdef_err(*span, Syntax::ArrayOfVoid)),
                        Type::Array { len: ArrayLen::Open, .. } if self.type_mode => {
                            let name = crate::names::type_name(self.arena, ty);
                            return Err(self.error(ErrorKind::Value, *span, Syntax::ArrayItemUnknownSize { ctype: name }));
                        }
                        _ => {}
                    }
                    self.arena.array(ty, *len)
                }
                Op::Func { args, variadic, span } => {
                    let result = self.arena.strip_top_quals(ty);
                    match self.arena.get(result) {
                        Type::Function(_) => {
                            return Err(self.cdef_err(*span, Syntax::FunctionReturningFunction))
                        }
                        Type::Array { .. } if self.type_mode => {
                            // cffi's backend refuses it with a TypeError
                            let name = crate::names::type_name(self.arena, result);
                            return Err(self.error(ErrorKind::Type, *span, Syntax::InvalidResultType { ctype: name }));
                        }
                        Type::Array { .. } => {
                            return Err(self.cdef_err(*span, Syntax::FunctionReturningArray))
                        }
                        _ => {}
                    }
                    let abi = std::mem::take(&mut abi);
                    // as cffi: `__stdcall` only makes a distinct function
                    // type where it is a distinct calling convention
                    let abi = if STDCALL_IS_DISTINCT { abi } else { Abi::Default };
                    let f = FuncType { args: args.clone(), result, variadic: *variadic, abi };
                    self.arena.intern(Type::Function(f))
                }
            };
            if self.arena.depth(ty) > crate::types::MAX_TYPE_DEPTH {
                let span = self.peek().span;
                return Err(self.cdef_err(
                    span,
                    Syntax::TypeTooDeep { limit: crate::types::MAX_TYPE_DEPTH },
                ));
            }
        }
        Ok(ty)
    }

    /// A type name as in casts and `sizeof` (no declarator name).
    pub(crate) fn type_name(&mut self) -> Result<TypeId, Error> {
        self.type_name_in(Mode::Abstract)
    }

    /// A type name; `Mode::Either` for `ffi.typeof()` strings, which cffi
    /// parses as a parameter, so `"int f(int)"` names its declarator.
    pub(crate) fn type_name_in(&mut self, mode: Mode) -> Result<TypeId, Error> {
        let specs = self.specifiers(Ctx::TypeName)?;
        if specs.dots.is_some() {
            return Err(self.ffi_err(specs.type_span, crate::Message::BadDots));
        }
        let mut d = self.declarator(mode)?;
        if specs.abi == Abi::Stdcall {
            d.abi = Abi::Stdcall;
        }
        let base = specs.base.expect("resolved base");
        let base = self.arena.qualified(base, specs.quals);
        self.apply_ops(base, &d)
    }

    // --------------------------------------------------- struct and union

    /// `struct tag`, `struct tag { ... }`, `struct { ... }` (same for
    /// `union`). Returns the type and whether a body was given.
    fn record_spec(&mut self, kind: TagKind) -> Result<(TypeId, bool), Error> {
        let kw = self.bump();
        let (mut packed, mut aligned) = self.skip_attributes()?;
        let rkind = if kind == TagKind::Struct { RecordKind::Struct } else { RecordKind::Union };
        let tag = match self.peek_kind() {
            Tok::Ident => Some(self.bump()),
            _ => None,
        };
        if self.peek_kind() != Tok::LBrace {
            let Some(tag) = tag else {
                return Err(self.unexpected_in(
                    "Invalid struct/union declaration: ",
                    &format!("a tag name or '{{' after '{}'", kind.keyword()),
                ));
            };
            let name = self.tok_text(tag);
            if let Some(ty) = self.lookup_tag(kind, name) {
                if self.options.is_some() {
                    // an implicit tag used by a cdef becomes a declared one
                    self.declare_tag(kind, name, ty);
                }
                return Ok((ty, false));
            }
            let (_, ty) = self.arena.new_record(rkind, Some(name.to_string()), Some(tag.span));
            self.new_implicit_tag(kind, name, ty);
            return Ok((ty, false));
        }
        // a definition
        let mut keep_first: Option<TypeId> = None;
        let (rid, ty) = match tag {
            Some(tag) => {
                let name = self.tok_text(tag);
                match self.lookup_tag(kind, name) {
                    Some(ty) => {
                        let Type::Record(rid) = *self.arena.get(ty) else { unreachable!("tag of a non-record") };
                        if self.arena.record(rid).fields.is_some() && self.header_mode && !self.tag_is_staged(kind, name) {
                            // Defined by an earlier cdef_header (a shared
                            // header): keep that definition, parse this one aside.
                            keep_first = Some(ty);
                            self.arena.new_record(rkind, None, Some(tag.span))
                        } else if self.arena.record(rid).fields.is_some() {
                            return Err(self.cdef_err(tag.span, crate::Message::DuplicateTag { keyword: kind.keyword(), tag: name.to_string() }));
                        } else {
                            if self.options.is_some() {
                                self.declare_tag(kind, name, ty);
                            }
                            (rid, ty)
                        }
                    }
                    None => {
                        let (rid, ty) = self.arena.new_record(rkind, Some(name.to_string()), Some(tag.span));
                        if self.options.is_some() {
                            self.declare_tag(kind, name, ty);
                        }
                        (rid, ty)
                    }
                }
            }
            None => self.arena.new_record(rkind, None, Some(kw.span)),
        };
        let outer_packed_fields = std::mem::take(&mut self.hdr.packed_fields);
        let body = self.record_body();
        let packed_fields = std::mem::replace(&mut self.hdr.packed_fields, outer_packed_fields);
        let (fields, partial, has_bitfields) = body?;
        let (p2, a2) = self.skip_attributes()?;
        packed |= p2;
        // gcc takes the largest alignment asked for; plain cdef keeps the first.
        aligned = if self.header_mode { aligned.max(a2) } else { aligned.or(a2) };
        self.touch_record(rid);
        let cname = self.arena.record(rid).cname.clone();
        if partial && has_bitfields && kind == TagKind::Struct {
            return Err(self.error(
                ErrorKind::NotImplemented,
                kw.span,
                Unsupported::BitfieldsAndDots { cname },
            ));
        }
        let packing = match self.options.map(|o| o.packing) {
            // #pragma pack and __attribute__((packed)) in headers
            _ if self.header_mode && packed => Packing::Pack(1),
            _ if self.header_mode && self.pack_at(self.pos).is_some() => Packing::Pack(self.pack_at(self.pos).unwrap_or(1)),
            Some(Packing::Pack(n)) => Packing::Pack(n),
            _ if packed => Packing::Pack(1),
            _ => Packing::Natural,
        };
        if let Some((span, field)) = packed_fields.first().filter(|_| packing != Packing::Pack(1)) {
            return Err(self.error(
                ErrorKind::NotImplemented,
                *span,
                Unsupported::PackedField { field: field.clone(), cname },
            ));
        }
        let r = self.arena.record_mut(rid);
        r.fields = Some(fields);
        r.partial = partial;
        r.packing = packing;
        if aligned.is_some() {
            r.forced_align = aligned;
        }
        r.layout = None;
        if let Some(first) = keep_first {
            return Ok((first, true));
        }
        self.log_item(super::header::Item::Record(rid));
        Ok((ty, true))
    }

    /// `{ fields }`: returns the fields, whether the body is partial, and
    /// whether it has bitfields.
    fn record_body(&mut self) -> Result<(Vec<Field>, bool, bool), Error> {
        let open = self.bump();
        self.enter()?;
        let mut fields: Vec<Field> = Vec::new();
        let mut partial = false;
        let mut bitfields = false;
        let mut names: crate::fxhash::FxHashSet<&'a str> = Default::default();
        loop {
            match self.peek_kind() {
                Tok::RBrace => {
                    self.bump();
                    break;
                }
                Tok::Eof => return Err(self.cdef_err(open.span, crate::Message::UnterminatedBody { what: "struct/union" })),
                Tok::Semi | Tok::Directive => {
                    self.bump();
                    continue;
                }
                Tok::Ellipsis => {
                    self.bump();
                    self.expect(Tok::Semi, "';' after '...' in a struct/union body")?;
                    partial = true;
                    continue;
                }
                Tok::Ident if self.header_mode && self.tok_text(self.peek()) == "_Static_assert" => {
                    self.pos = self.declaration_end(self.pos);
                    continue;
                }
                _ => {}
            }
            if self.header_mode {
                self.hdr.aligned = None;
                self.hdr.packed = false;
                self.hdr.mode = None;
            }
            let specs = self.specifiers(Ctx::Field)?;
            let spec_attrs = (self.hdr.aligned, self.hdr.packed);
            if specs.dots.is_some() {
                return Err(self.ffi_err(specs.type_span, Unsupported::DotsInField));
            }
            let base = specs.base.expect("resolved base");
            if self.peek_kind() == Tok::Semi {
                // anonymous nested struct/union
                let semi = self.bump();
                let is_record = matches!(self.arena.get(base), Type::Record(_));
                if !(specs.from_tag_spec && is_record) {
                    return Err(self.cdef_err(join(specs.type_span, semi.span), Syntax::FieldNameMissing));
                }
                if let Type::Record(rid) = *self.arena.get(base) {
                    if self.arena.record(rid).partial {
                        partial = true;
                    }
                }
                let ty = self.arena.qualified(base, specs.quals);
                fields.push(Field { name: String::new(), ty, bitsize: None, span: specs.type_span });
                continue;
            }
            let qbase = self.arena.qualified(base, specs.quals);
            loop {
                (self.hdr.aligned, self.hdr.packed) = spec_attrs;
                let d = if self.peek_kind() == Tok::Colon {
                    Declarator { span: self.peek().span, ..Declarator::default() }
                } else {
                    self.partial_len_ok = true;
                    self.saw_partial_len = false;
                    let d = self.declarator(Mode::Named);
                    self.partial_len_ok = false;
                    d?
                };
                if self.saw_partial_len {
                    partial = true;
                    self.saw_partial_len = false;
                }
                let bitsize = if self.eat(Tok::Colon) {
                    let wstart = self.peek().span;
                    let w = self.const_expr()?;
                    let wspan = join(wstart, self.prev_span());
                    if w < 0 {
                        return Err(self.cdef_err(wspan, Syntax::NegativeBitWidth { width: w }));
                    }
                    if w > 128 {
                        return Err(self.cdef_err(wspan, Syntax::BitWidthTooLarge { width: w }));
                    }
                    bitfields = true;
                    Some(w as u32)
                } else {
                    None
                };
                self.skip_attributes()?;
                let ty = self.apply_ops(qbase, &d)?;
                let ty = self.apply_mode(ty, d.span)?;
                if let Type::Function(_) = self.arena.get(ty) {
                    return Err(self.cdef_err(d.span, Syntax::FieldIsFunction));
                }
                if let Type::Record(rid) = *self.arena.get(self.arena.strip_top_quals(ty)) {
                    if self.arena.record(rid).partial {
                        partial = true;
                    }
                }
                let name = d.name.map_or("", |s| self.text(s));
                if d.name.is_none() && bitsize.is_none() {
                    return Err(self.cdef_err(d.span, Syntax::FieldNameExpected));
                }
                if !name.is_empty() && !names.insert(name) {
                    return Err(self.cdef_err(d.name.unwrap_or(d.span), Syntax::DuplicateField { name: name.to_string() }));
                }
                if self.header_mode {
                    self.check_field_attributes(name, ty, d.name.unwrap_or(d.span))?;
                }
                fields.push(Field { name: name.to_string(), ty, bitsize, span: d.name.unwrap_or(d.span) });
                match self.peek_kind() {
                    Tok::Comma => {
                        self.bump();
                    }
                    Tok::Semi => {
                        self.bump();
                        break;
                    }
                    _ => return Err(self.unexpected("',' or ';' after a field")),
                }
            }
        }
        // A flexible array member must be last, except in a partial record:
        // there the compiler measures it (cffi's varsized field).
        let open_at = fields.iter().position(|f| matches!(self.arena.get(f.ty), Type::Array { len: ArrayLen::Open, .. }));
        if let (Some(pos), false) = (open_at, partial) {
            if pos + 1 != fields.len() {
                let f = &fields[pos];
                return Err(self.cdef_err(f.span, Syntax::FlexibleArrayNotLast { name: f.name.clone() }));
            }
        }
        self.leave();
        Ok((fields, partial, bitfields))
    }

    // --------------------------------------------------------------- enum

    fn enum_spec(&mut self) -> Result<(TypeId, bool), Error> {
        let kw = self.bump();
        let (packed_before, _) = self.skip_attributes()?;
        let mut keep_first: Option<TypeId> = None;
        if self.peek_kind() == Tok::Ellipsis {
            return Err(self.cdef_err(self.peek().span, Syntax::EnumWithDots));
        }
        let tag = match self.peek_kind() {
            Tok::Ident => Some(self.bump()),
            _ => None,
        };
        if self.peek_kind() != Tok::LBrace {
            let Some(tag) = tag else {
                return Err(self.unexpected("a tag name or '{' after 'enum'"));
            };
            let name = self.tok_text(tag);
            if let Some(ty) = self.lookup_tag(TagKind::Enum, name) {
                if self.options.is_some() {
                    self.declare_tag(TagKind::Enum, name, ty);
                }
                return Ok((ty, false));
            }
            let base = crate::layout::enum_base_type(&[]).map_err(|e| self.locate(e, tag.span))?;
            let def = EnumDef { tag: Some(name.to_string()), cname: format!("enum {name}"), values: Vec::new(), partial: false, declared_partial: false, base, span: Some(tag.span) };
            let (_, ty) = self.arena.new_enum(def);
            self.new_implicit_tag(TagKind::Enum, name, ty);
            return Ok((ty, false));
        }
        if let Some(tag) = tag {
            let name = self.tok_text(tag);
            let existing = self.lookup_tag(TagKind::Enum, name);
            if self.header_mode && existing.is_some() && !self.tag_is_staged(TagKind::Enum, name) {
                // defined by an earlier cdef_header: keep it
                keep_first = existing;
            } else if existing.is_some() {
                return Err(self.error(
                    ErrorKind::NotImplemented,
                    tag.span,
                    Unsupported::EnumBodyLater { name: name.to_string() },
                ));
            }
        }
        let open = self.bump();
        let mut values: Vec<(String, i128)> = Vec::new();
        let mut spans: Vec<Span> = Vec::new();
        let mut partial = false;
        let mut next: i128 = 0;
        loop {
            let t = self.peek();
            match t.kind {
                Tok::RBrace => {
                    self.bump();
                    break;
                }
                Tok::Ellipsis => {
                    self.bump();
                    partial = true;
                }
                Tok::Ident => {
                    self.bump();
                    let name = self.tok_text(t);
                    self.skip_attributes()?;
                    if self.eat(Tok::Assign) {
                        if self.peek_kind() == Tok::Ellipsis {
                            // `A = ...`: the value is only known to the compiler
                            self.bump();
                            partial = true;
                        } else {
                            // A header's enumerators are computed in C's types (`1 << 31` is negative).
                            next = if self.header_mode { self.typed_const_expr()?.v } else { self.const_expr()? };
                        }
                    }
                    // enumerators are usable in the following values
                    self.add_int_constant(name, next, t.span)?;
                    values.push((name.to_string(), next));
                    spans.push(t.span);
                    next = next.checked_add(1).ok_or_else(|| self.cdef_err(t.span, Syntax::EnumValueOverflow))?;
                }
                Tok::Eof => return Err(self.cdef_err(open.span, crate::Message::UnterminatedBody { what: "enum" })),
                _ => return Err(self.unexpected("an enumerator name or '}'")),
            }
            match self.peek_kind() {
                Tok::Comma => {
                    self.bump();
                }
                Tok::RBrace => {}
                _ => return Err(self.unexpected("',' or '}' after an enumerator")),
            }
        }
        let (packed_after, _) = self.skip_attributes()?;
        if self.header_mode && (packed_before || packed_after) {
            // gcc then gives the enum the smallest integer type that fits
            return Err(self.error(ErrorKind::NotImplemented, kw.span, Unsupported::PackedEnum));
        }
        let ints: Vec<i128> = values.iter().map(|v| v.1).collect();
        let base = crate::layout::enum_base_type(&ints).map_err(|e| self.locate(e, kw.span))?;
        let cname = match tag {
            Some(t) => format!("enum {}", self.tok_text(t)),
            None => format!("enum {}", self.arena.next_anonymous_name()),
        };
        let def = EnumDef {
            tag: tag.map(|t| self.tok_text(t).to_string()),
            cname,
            values: values.clone(),
            partial,
            declared_partial: partial,
            base,
            span: Some(tag.map_or(kw.span, |t| t.span)),
        };
        let (eid, ty) = self.arena.new_enum(def);
        if let Some(first) = keep_first {
            return Ok((first, true));
        }
        self.log_item(super::header::Item::Enum(eid));
        if let Some(t) = tag {
            if self.options.is_some() {
                let name = self.tok_text(t);
                self.declare_tag(TagKind::Enum, name, ty);
            }
        }
        if self.options.is_some() {
            for ((name, value), span) in values.into_iter().zip(spans) {
                self.check_not_a_typedef(&name, span)?;
                let exists = matches!(self.lookup_decl(&name).map(|d| &d.kind), Some(DeclKind::EnumConstant { .. } | DeclKind::Constant { .. }));
                if !exists {
                    self.declare(&name, DeclKind::EnumConstant { ty, value }, span, true)?;
                }
            }
        }
        Ok((ty, true))
    }

    /// Give an error from another module a location if it has none.
    pub(crate) fn locate(&self, mut e: Error, span: Span) -> Error {
        if e.location.is_none() {
            e.location = Some(self.location_of(span));
        }
        e
    }

}

