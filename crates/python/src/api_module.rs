//! API mode at run time: what `PyInit_<module>` of a compiled module calls.
//!
//! The generated C (crates/codegen) hands over a `struct _rcffi_module_s`
//! in a capsule; [`init_api_module`] rebuilds the declarations from the
//! embedded cdef texts in a fresh `FFI` (a `rcffi._cffi_backend.FFI`),
//! applies what the compiler measured (`cdecl::resolve`), and builds the
//! `lib` object (`rcffi/_apimode.py`) over an [`ApiModule`] handle, whose
//! methods give functions (calls through the module's trampolines, see
//! `call::trampoline_vectorcall`), global variables, constants and
//! `extern "Python"` definitions.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::Mutex;

use cdecl::resolve::{CompilerFacts, RecordFact, TypeFact, TypeFactKind};
use cdecl::{ConstValue, DeclKind};
use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyList, PyTuple};

use crate::callback::CallbackData;
use crate::cdata::{self, CDataObject, Owner};
use crate::convert;
use crate::ctype::{ctype_for, CType, Kind};
use crate::errors;
use crate::ffi_obj::FFIBase;
use crate::state::arena;

// ---- the C protocol (mirror of codegen::PROTOCOL) -------------------------

type CFn = Option<unsafe extern "C" fn()>;

#[repr(C)]
struct CdefC {
    text: *const c_char,
    /// `codegen::CDEF_OVERRIDE | codegen::CDEF_DLLEXPORT`
    flags: c_int,
    pack: c_int,
}

#[repr(C)]
struct FuncC {
    name: *const c_char,
    address: CFn,
    trampoline: Option<crate::call::Trampoline>,
}

#[repr(C)]
struct GlobalC {
    name: *const c_char,
    address_getter: Option<unsafe extern "C" fn() -> *mut c_void>,
}

#[repr(C)]
struct IntC {
    name: *const c_char,
    get: unsafe extern "C" fn(*mut u64) -> c_int,
}

#[repr(C)]
struct ConstC {
    name: *const c_char,
    get: unsafe extern "C" fn(*mut c_void),
}

#[repr(C)]
struct RecordC {
    name: *const c_char,
    size: usize,
    align: usize,
    nfields: usize,
    fields: *const usize,
}

#[repr(C)]
struct TypeC {
    name: *const c_char,
    kind: c_int,
    size: usize,
    is_signed: c_int,
}

#[repr(C)]
struct LengthC {
    name: *const c_char,
    length: usize,
}

#[repr(C)]
pub struct ExternPyC {
    name: *const c_char,
    size_of_result: usize,
    reserved1: *mut c_void,
    reserved2: *mut c_void,
}

#[repr(C)]
struct ExternC {
    name: *const c_char,
    info: *mut ExternPyC,
}

type CallPython = unsafe extern "C" fn(*mut ExternPyC, *mut *mut c_void, *mut c_void);

#[repr(C)]
struct ModuleC {
    version: u32,
    module_name: *const c_char,
    cdefs: *const CdefC,
    ncdefs: usize,
    funcs: *const FuncC,
    nfuncs: usize,
    globals: *const GlobalC,
    nglobals: usize,
    ints: *const IntC,
    nints: usize,
    consts: *const ConstC,
    nconsts: usize,
    records: *const RecordC,
    nrecords: usize,
    types: *const TypeC,
    ntypes: usize,
    lengths: *const LengthC,
    nlengths: usize,
    externs: *const ExternC,
    nexterns: usize,
    call_python: *mut Option<CallPython>,
    snapshot: *const u8,
    snapshot_len: usize,
}

unsafe fn slice<'a, T>(p: *const T, n: usize) -> &'a [T] {
    if p.is_null() || n == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(p, n)
    }
}

unsafe fn cstr(p: *const c_char) -> String {
    CStr::from_ptr(p).to_string_lossy().into_owned()
}

// ---- build time: the generator ------------------------------------------

/// `_rcffi._generate_c(module_name, preamble, [(text, override, pack[,
/// dllexport]), ...], included_modules=[], included_cdefs=[],
/// embedding=None)`: the C source of a compiled module (`included_*`: what
/// `ffi.include()` of other compiled modules brought, see
/// `codegen::Includes`; `embedding`: `(init_code, runtime_dir, version)`
/// for a library made with `ffi.embedding_api()`).
#[pyfunction]
#[pyo3(signature = (module_name, preamble, cdefs, included_modules=Vec::new(), included_cdefs=Vec::new(), embedding=None))]
fn _generate_c(
    py: Python<'_>,
    module_name: &str,
    preamble: &str,
    cdefs: Vec<Bound<'_, PyTuple>>,
    included_modules: Vec<String>,
    included_cdefs: Vec<Bound<'_, PyTuple>>,
    embedding: Option<(String, String, String)>,
) -> PyResult<String> {
    let inputs = |cdefs: Vec<Bound<'_, PyTuple>>| -> PyResult<Vec<codegen::CdefInput>> {
        cdefs.iter().map(cdef_input).collect()
    };
    let src = codegen::ModuleSource {
        module_name: module_name.to_string(),
        preamble: preamble.to_string(),
        cdefs: inputs(cdefs)?,
        embedding: embedding.map(|(init_code, runtime_dir, version)| codegen::Embedding { init_code, runtime_dir, version }),
    };
    let includes = codegen::Includes { modules: included_modules, cdefs: inputs(included_cdefs)? };
    py.detach(|| codegen::generate_including(&src, &includes)).map_err(|e| generator_error(py, e))
}

fn generator_error(py: Python<'_>, e: codegen::GenError) -> PyErr {
    match e {
        codegen::GenError::Cdef(e) => errors::from_cdecl(py, e),
        codegen::GenError::Unsupported(m) => verification_error(py, m),
        codegen::GenError::Type(m) => PyTypeError::new_err(m),
        codegen::GenError::NotImplemented(m) => pyo3::exceptions::PyNotImplementedError::new_err(m),
    }
}

/// `_rcffi._snapshot_of([(text, override, pack), ...])`: the declarations
/// of these cdef texts as `cdecl::snapshot` bytes (what an out-of-line
/// `.py` module embeds, see `FFIBase._load_snapshot`).
#[pyfunction]
fn _snapshot_of<'py>(py: Python<'py>, cdefs: Vec<(String, bool, u32)>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    let inputs: Vec<codegen::CdefInput> = cdefs
        .into_iter()
        .map(|(source, override_existing, pack)| codegen::CdefInput { source, override_existing, pack, ..Default::default() })
        .collect();
    let bytes = py.detach(|| codegen::snapshot_of(&inputs)).map_err(|e| generator_error(py, e))?;
    Ok(pyo3::types::PyBytes::new(py, &bytes))
}

/// One recorded declaration call: `(text, override, pack)`, plus `True`
/// as a fourth item for `ffi.embedding_api()` text.
fn cdef_input(t: &Bound<'_, PyTuple>) -> PyResult<codegen::CdefInput> {
    if !(3..=4).contains(&t.len()) {
        return Err(PyTypeError::new_err("a cdef call is (text, override, pack[, dllexport])"));
    }
    Ok(codegen::CdefInput {
        source: t.get_item(0)?.extract()?,
        override_existing: t.get_item(1)?.extract()?,
        pack: t.get_item(2)?.extract()?,
        dllexport: t.len() == 4 && t.get_item(3)?.extract()?,
    })
}

fn verification_error(py: Python<'_>, msg: String) -> PyErr {
    match py.import("rcffi.error").and_then(|m| m.getattr("VerificationError")) {
        Ok(cls) => PyErr::from_value(cls.call1((msg,)).unwrap_or_else(|e| e.into_value(py).into_bound(py).into_any())),
        Err(e) => e,
    }
}

// ---- import time ----------------------------------------------------------

/// The compiled module's tables, kept by the `lib` object. Each table is
/// sorted by name (see `codegen::PROTOCOL`): a row is found by binary
/// search when first needed, nothing is indexed at import.
#[pyclass(frozen, module = "rcffi", name = "ApiModule")]
pub struct ApiModule {
    module: &'static ModuleC,
    name: String,
    /// The declarations are read lazily from the snapshot, each with the
    /// compiler's answers (`ModuleFacts`): a constant the compiler
    /// contradicts is found when it is read.
    lazy: bool,
    /// Constants whose cdef value the compiler contradicts: reading them
    /// raises this message (cffi checks lazily).
    bad_constants: HashMap<String, String>,
    /// `typedef float... t;` that the compiler contradicts: fetching a
    /// declaration whose type mentions one raises this message.
    bad_types: HashMap<String, String>,
    /// Every `@ffi.def_extern()` definition stays alive (C may still be
    /// running an older one on another thread).
    definitions: Mutex<Vec<Box<CallbackData>>>,
}

// SAFETY: the tables are static data of a loaded extension module.
unsafe impl Send for ApiModule {}
unsafe impl Sync for ApiModule {}

/// The row of `items` (sorted by name, bytewise) named `name`.
///
/// # Safety
/// `name_of` gives each row's NUL-terminated name (static module data).
unsafe fn find<'a, T>(items: &'a [T], name: &str, name_of: impl Fn(&T) -> *const c_char) -> Option<&'a T> {
    items
        .binary_search_by(|it| unsafe { CStr::from_ptr(name_of(it)) }.to_bytes().cmp(name.as_bytes()))
        .ok()
        .map(|i| &items[i])
}

/// What the compiled module measured, read row by row as declarations are
/// loaded lazily (`cdecl::Registry::from_snapshot`).
struct ModuleFacts {
    module: &'static ModuleC,
}

// SAFETY: static data of a loaded extension module, and functions that
// only compute constants.
unsafe impl Send for ModuleFacts {}
unsafe impl Sync for ModuleFacts {}

impl cdecl::resolve::Facts for ModuleFacts {
    fn int(&self, name: &str) -> Option<i128> {
        // SAFETY: the module's sorted table; the getter writes one value.
        unsafe { find(slice(self.module.ints, self.module.nints), name, |i| i.name).map(|i| int_value(i)) }
    }

    fn type_fact(&self, name: &str) -> Option<TypeFact> {
        // SAFETY: the module's sorted table.
        unsafe { find(slice(self.module.types, self.module.ntypes), name, |t| t.name).map(type_fact) }
    }

    fn length(&self, key: &str) -> Option<u64> {
        // SAFETY: the module's sorted table.
        unsafe { find(slice(self.module.lengths, self.module.nlengths), key, |l| l.name).map(|l| l.length as u64) }
    }

    fn record(&self, name: &str) -> Option<RecordFact> {
        // SAFETY: the module's sorted table and its field cells.
        unsafe { find(slice(self.module.records, self.module.nrecords), name, |r| r.name).map(|r| record_fact(r)) }
    }
}

/// Whether every compiler answer of `module` concerns one item only, so
/// that its declarations can be read lazily with them (see
/// `Registry::from_snapshot`): no `typedef int... t;` or `typedef
/// float... t;` (substituted through every type using them) and no
/// `[...]` length (types built on them are rebuilt).
fn facts_are_local(module: &ModuleC) -> bool {
    // SAFETY: the module's static table.
    let types = unsafe { slice(module.types, module.ntypes) };
    module.nlengths == 0 && types.iter().all(|t| t.kind == 2)
}

/// `_rcffi._init_api_module(capsule)` -> `(ffi, lib)`, called by `PyInit_<module>`.
#[pyfunction]
fn _init_api_module<'py>(py: Python<'py>, capsule: &Bound<'py, PyCapsule>) -> PyResult<Bound<'py, PyTuple>> {
    let name = std::ffi::CString::new(codegen::CAPSULE_NAME).expect("no NUL");
    // SAFETY: the capsule was made by generated code around a static struct.
    let module: &'static ModuleC = unsafe {
        let p = ffi::PyCapsule_GetPointer(capsule.as_ptr(), name.as_ptr());
        if p.is_null() {
            return Err(PyErr::fetch(py));
        }
        &*(p as *const ModuleC)
    };
    if module.version != codegen::PROTOCOL_VERSION {
        return Err(errors::ffi_error(
            py,
            format!(
                "this module was generated by another version of rcffi (protocol {}, this rcffi speaks {}): rebuild it",
                module.version,
                codegen::PROTOCOL_VERSION
            ),
        ));
    }
    let module_name = unsafe { cstr(module.module_name) };
    let apimode = PyModule::import(py, "rcffi._apimode")?;
    // an instance of `_cffi_backend.FFI`, as cffi's compiled `ffi`
    let ffi_obj = apimode.getattr("BackendFFI")?.call0()?;
    // Replay the cdefs without their warnings (they were shown at build
    // time). With a snapshot (no includes) the texts are only wanted by
    // `ffi.include()` of this module and by the verifier: `_cdefsources`
    // and `_cdef_calls` are then read from the module when first asked
    // for (`CompiledFFI.__getattr__`, `ApiModule.cdef_calls`).
    let calls = PyList::empty(py);
    let sources = PyList::empty(py);
    let included = PyList::empty(py);
    let included_libs = PyList::empty(py);
    let texts_later = !module.snapshot.is_null();
    unsafe {
        for c in slice(module.cdefs, module.ncdefs).iter().filter(|_| !texts_later) {
            let text = cstr(c.text);
            if c.pack == codegen::INCLUDE_ROW {
                // `ffi.include()` of another compiled module: share its
                // types (its registry entries) and, through `lib`, its
                // functions, globals and constants
                let other = PyModule::import(py, text.as_str())?;
                let (other_ffi, other_lib) = (other.getattr("ffi")?, other.getattr("lib")?);
                ffi_obj.call_method1("_include", (&other_ffi,))?;
                sources.append("[")?;
                for s in other_ffi.getattr("_cdefsources")?.try_iter()? {
                    sources.append(s?)?;
                }
                sources.append("]")?;
                for s in other_ffi.getattr("_cdef_calls")?.try_iter()? {
                    calls.append(s?)?;
                }
                included.append(&other_ffi)?;
                included_libs.append(&other_lib)?;
                continue;
            }
            let pack = if c.pack != 0 { Some(c.pack as u32) } else { None };
            let override_existing = c.flags & codegen::CDEF_OVERRIDE != 0;
            let dllexport = c.flags & codegen::CDEF_DLLEXPORT != 0;
            if module.snapshot.is_null() {
                ffi_obj.call_method1("_cdef", (&text, override_existing, false, pack, dllexport))?;
            }
            sources.append(&text)?;
            if dllexport {
                calls.append((&text, override_existing, c.pack, true))?;
            } else {
                calls.append((&text, override_existing, c.pack))?;
            }
        }
    }
    if texts_later {
        ffi_obj.call_method0("_cdef_texts_later")?;
    } else {
        ffi_obj.setattr("_cdefsources", sources)?;
        ffi_obj.setattr("_cdef_calls", calls)?;
    }
    ffi_obj.setattr("_included_ffis", included)?;
    let base = ffi_obj.cast::<FFIBase>()?.get();
    // the declarations as the generator parsed them, read lazily: no
    // parsing, and nothing built before it is used
    let lazy = !module.snapshot.is_null() && facts_are_local(module);
    if !module.snapshot.is_null() {
        // SAFETY: the module's static data, alive as long as the process.
        let bytes: &'static [u8] = unsafe { slice(module.snapshot, module.snapshot_len) };
        let facts: Option<std::sync::Arc<dyn cdecl::resolve::Facts + Send + Sync>> =
            if lazy { Some(std::sync::Arc::new(ModuleFacts { module })) } else { None };
        let reg = cdecl::Registry::from_snapshot(cdecl::snapshot::SnapshotBytes::Static(bytes), facts)
            .map_err(|e| errors::from_cdecl(py, e))?;
        base.set_lazy_registry(py, reg)?;
    }
    let mismatches = if lazy {
        cdecl::resolve::Mismatches::default()
    } else {
        // answers that change other types too: all of them applied now
        let facts = unsafe { collect_facts(module) };
        let result = {
            let mut reg = base.registry.lock().unwrap_or_else(|e| e.into_inner());
            let mut a = arena();
            // first, so that the compiler's complaints name them as cffi's do
            cdecl::names::name_by_tag(&reg, &mut a);
            cdecl::resolve::apply(&mut reg, &mut a, &facts)
        };
        base.type_cache.bind(py).clear();
        // ffi.verify() checks (in cffi's words) when it applies the same
        // facts to the caller's ffi: a disagreement must not fail the import
        let verifying = apimode.getattr("_verify_loading")?.call0()?.is_truthy()?;
        match result {
            Ok(m) => m,
            Err(_) if verifying => cdecl::resolve::Mismatches::default(),
            Err(e) => return Err(errors::from_cdecl(py, e)),
        }
    };
    ffi_obj.call_method0("_set_api_mode")?;
    unsafe {
        if !module.call_python.is_null() {
            *module.call_python = Some(call_python);
        }
    }
    let handle = Bound::new(
        py,
        ApiModule {
            module,
            name: module_name.clone(),
            lazy,
            bad_constants: mismatches.constants.into_iter().map(|(k, e)| (k, e.message)).collect(),
            bad_types: mismatches.types.into_iter().map(|(k, e)| (k, e.message)).collect(),
            definitions: Mutex::new(Vec::new()),
        },
    )?;
    ffi_obj.setattr("_api_module", &handle)?;
    let included_libs = included_libs.iter().map(|l| l.unbind()).collect();
    let lib = crate::lib_obj::_make_lib(py, ffi_obj.cast::<FFIBase>()?, module_name, &handle, included_libs, None)?;
    PyTuple::new(py, [ffi_obj, lib.into_any()])
}

/// The value of an integer constant (cffi's `(X) <= 0` trick: the getter
/// says whether it is negative).
///
/// # Safety
/// A row of a module's table.
unsafe fn int_value(i: &IntC) -> i128 {
    let mut v: u64 = 0;
    let neg = (i.get)(&mut v);
    if neg != 0 && v != 0 {
        v as i64 as i128
    } else {
        v as i128
    }
}

fn type_fact(t: &TypeC) -> TypeFact {
    let kind = match t.kind {
        0 => TypeFactKind::Int,
        1 => TypeFactKind::Float,
        _ => TypeFactKind::Enum,
    };
    TypeFact { kind, size: t.size as u64, signed: t.is_signed != 0 }
}

/// # Safety
/// A row of a module's table (`fields` has `nfields` pairs of cells).
unsafe fn record_fact(r: &RecordC) -> RecordFact {
    let cells = slice(r.fields, r.nfields * 2);
    let fields = cells.chunks(2).map(|c| if c[0] == usize::MAX { None } else { Some((c[0] as u64, c[1] as u64)) }).collect();
    RecordFact { size: r.size as u64, align: r.align as u64, fields }
}

/// Every answer of the compiler at once (for `resolve::apply`).
unsafe fn collect_facts(module: &ModuleC) -> CompilerFacts {
    let mut facts = CompilerFacts::default();
    for i in slice(module.ints, module.nints) {
        facts.ints.insert(cstr(i.name), int_value(i));
    }
    for t in slice(module.types, module.ntypes) {
        facts.types.insert(cstr(t.name), type_fact(t));
    }
    for l in slice(module.lengths, module.nlengths) {
        facts.lengths.insert(cstr(l.name), l.length as u64);
    }
    for r in slice(module.records, module.nrecords) {
        facts.records.push((cstr(r.name), record_fact(r)));
    }
    facts
}

/// `double sin(double)`: the declaration cffi puts in a lib function's
/// `__doc__` (cffi's type names, no space after a `*`).
fn function_declaration(a: &cdecl::TypeArena, fty: cdecl::TypeId, name: &str) -> String {
    let full = cdecl::names::type_name(a, fty);
    if let cdecl::Type::Function(f) = a.get(fty) {
        let result = cdecl::names::type_name(a, f.result);
        if let Some(args) = full.strip_prefix(result.as_str()).and_then(|r| r.strip_prefix("()")) {
            let sep = if result.ends_with('*') { "" } else { " " };
            return format!("{result}{sep}{name}{args}");
        }
    }
    cdecl::names::type_name_around(a, fty, name)
}

impl ApiModule {
    /// The row of global variable `name`.
    fn global(&self, name: &str) -> PyResult<&'static GlobalC> {
        // SAFETY: the module's sorted table.
        unsafe { find(slice(self.module.globals, self.module.nglobals), name, |g| g.name) }.ok_or_else(|| no_such_name(&self.name, name))
    }

    /// The descriptor of the global variable `name` (of type `ty`) for
    /// the module's `lib` (`lib_obj.rs`).
    pub(crate) fn global_var(&self, py: Python<'_>, name: &str, ty: cdecl::TypeId) -> PyResult<crate::lib_obj::GlobalVar> {
        let g = self.global(name)?;
        self.check_types(py, ty)?;
        let ptr_ty = arena().pointer(ty);
        crate::lib_obj::GlobalVar::new(py, name, ctype_for(py, ptr_ty)?, g.address_getter)
    }

    /// The global's address from the module's getter; NULL (a macro
    /// whose pointer-returning function failed) is an `ffi.error`.
    fn address_of(&self, py: Python<'_>, g: &GlobalC, name: &str) -> PyResult<*mut u8> {
        // SAFETY: the generated getter returns the address of the global.
        let addr = unsafe { g.address_getter.map_or(std::ptr::null_mut(), |f| f()) } as *mut u8;
        if addr.is_null() {
            return Err(errors::ffi_error(py, format!("global variable '{name}' is at address NULL")));
        }
        Ok(addr)
    }

    /// cffi's error for a declaration whose type uses a `typedef float...`
    /// the compiler contradicted.
    fn check_types(&self, py: Python<'_>, ty: cdecl::TypeId) -> PyResult<()> {
        if self.bad_types.is_empty() {
            return Ok(());
        }
        let a = arena();
        let mut stack = vec![ty];
        while let Some(t) = stack.pop() {
            match a.get(a.strip_top_quals(t)) {
                cdecl::Type::UnknownFloat(n) => {
                    if let Some(msg) = self.bad_types.get(n) {
                        return Err(errors::ffi_error(py, msg.clone()));
                    }
                }
                cdecl::Type::Pointer(to) => stack.push(*to),
                cdecl::Type::Array { item, .. } => stack.push(*item),
                cdecl::Type::Function(f) => {
                    stack.push(f.result);
                    stack.extend(f.args.iter().copied());
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn no_such_name(module: &str, name: &str) -> PyErr {
    PyAttributeError::new_err(format!(
        "cffi library '{module}' has no function, constant or global variable named '{name}'"
    ))
}

#[pymethods]
impl ApiModule {
    /// The function `name` as a function-pointer cdata whose calls go
    /// through the module's trampoline (libffi for variadic functions).
    pub(crate) fn function<'py>(&self, py: Python<'py>, ffi_obj: &Bound<'py, FFIBase>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        // SAFETY: the module's sorted table.
        let f = unsafe { find(slice(self.module.funcs, self.module.nfuncs), name, |f| f.name) }.ok_or_else(|| no_such_name(&self.name, name))?;
        let decl = ffi_obj.get().declaration(py, name)?;
        let (ty, is_extern_python) = match decl.map(|d| d.kind) {
            Some(DeclKind::Function { ty, .. }) => (ty, false),
            Some(DeclKind::ExternPython { ty, .. }) => (ty, true),
            _ => return Err(no_such_name(&self.name, name)),
        };
        self.check_types(py, ty)?;
        let (ptr_ty, c_decl) = {
            let mut a = arena();
            let u = a.unqualified(ty);
            let c_decl = function_declaration(&a, u, name);
            (a.pointer(u), c_decl)
        };
        let ct = ctype_for(py, ptr_ty)?;
        let addr = f.address.map_or(std::ptr::null_mut(), |p| p as *mut u8);
        if f.trampoline.is_none() {
            // variadic: called through libffi, which cannot pass some
            // records; as cffi, the error comes when it is called
            if let Some(msg) = variadic_unsupported(py, &ct)? {
                // SAFETY: as below; the vectorcall only raises.
                unsafe {
                    let obj = cdata::new_cdata(py, &ct, addr, Owner::Borrowed);
                    if !obj.is_null() {
                        let cd = obj as *mut CDataObject;
                        (*cd).vectorcall = Some(raise_not_implemented);
                        UNSUPPORTED.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(HashMap::new).insert(ct.get().id, msg);
                    }
                    return cdata::wrap(py, obj);
                }
            }
            crate::call::check_callable(py, &ct)?;
        }
        // SAFETY: a function address of the loaded module (or what it links to).
        unsafe {
            let obj = cdata::new_cdata(py, &ct, addr, Owner::Borrowed);
            if let (false, Some(t)) = (obj.is_null(), f.trampoline) {
                let cd = obj as *mut CDataObject;
                (*cd).inline[0] = t as usize as u64;
                (*cd).vectorcall = Some(crate::call::trampoline_vectorcall);
            }
            let fnptr = cdata::wrap(py, obj)?;
            if is_extern_python {
                // cffi gives these as function pointers, to pass to C
                return Ok(fnptr);
            }
            crate::lib_function::make(py, fnptr, name, &self.name, &c_decl)
        }
    }

    /// A pointer cdata to the global variable `name` (`T *`, or for an
    /// array global `T[n] *`); with `unresolved`, still NULL (for
    /// `refresh` to point at each access).
    #[pyo3(signature = (ffi_obj, name, unresolved=false))]
    fn variable<'py>(&self, py: Python<'py>, ffi_obj: &Bound<'py, FFIBase>, name: &str, unresolved: bool) -> PyResult<Bound<'py, PyAny>> {
        let g = self.global(name)?;
        let decl = ffi_obj.get().declaration(py, name)?;
        let Some(DeclKind::Variable { ty }) = decl.map(|d| d.kind) else {
            return Err(no_such_name(&self.name, name));
        };
        self.check_types(py, ty)?;
        let ptr_ty = arena().pointer(ty);
        let ct = ctype_for(py, ptr_ty)?;
        let addr = if unresolved { std::ptr::null_mut() } else { self.address_of(py, g, name)? };
        unsafe { cdata::wrap(py, cdata::new_cdata(py, &ct, addr, Owner::Borrowed)) }
    }

    /// Point `ptr` (made by `variable(ffi, name)`) at where the global is
    /// now: the address is asked again at every access, as in cffi, since
    /// the "global" may be a macro like `(*get_value())`.
    fn refresh(&self, py: Python<'_>, ptr: &Bound<'_, PyAny>, name: &str) -> PyResult<()> {
        let g = self.global(name)?;
        let addr = self.address_of(py, g, name)?;
        let cd = cdata::as_cdata(py, ptr).ok_or_else(|| PyTypeError::new_err("expected a cdata"))?;
        // SAFETY: the pointer cdata of one lib property, never shared.
        unsafe { (*(cd as *const CDataObject as *mut CDataObject)).ptr = addr };
        Ok(())
    }

    /// The value of the constant `name`.
    pub(crate) fn constant<'py>(&self, py: Python<'py>, ffi_obj: &Bound<'py, FFIBase>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        if let Some(msg) = self.bad_constants.get(name) {
            return Err(errors::ffi_error(py, msg.clone()));
        }
        let decl = ffi_obj.get().declaration(py, name)?;
        if let (true, Some(DeclKind::Constant { value, .. })) = (self.lazy, decl.as_ref().map(|d| &d.kind)) {
            if let Some(e) = cdecl::resolve::constant_mismatch(name, value, &ModuleFacts { module: self.module }) {
                return Err(errors::ffi_error(py, e.message));
            }
        }
        match decl.map(|d| d.kind) {
            Some(DeclKind::Constant { value: ConstValue::Int(v), .. }) | Some(DeclKind::EnumConstant { value: v, .. }) => {
                crate::convert::integer::to_py(py, v)
            }
            Some(DeclKind::Constant { ty, .. }) => {
                // SAFETY: the module's sorted table.
                let c = unsafe { find(slice(self.module.consts, self.module.nconsts), name, |c| c.name) }
                    .ok_or_else(|| no_such_name(&self.name, name))?;
                let id = {
                    let mut a = arena();
                    let s = a.strip_top_quals(ty);
                    a.unqualified(s)
                };
                let ct = ctype_for(py, id)?;
                let size = ct.get().size(py)?;
                let mut buf = vec![0u64; size.div_ceil(8).max(2)];
                // SAFETY: the getter writes one value of the constant's type.
                unsafe {
                    (c.get)(buf.as_mut_ptr() as *mut c_void);
                    if matches!(ct.get().kind, Kind::Struct | Kind::Union) {
                        let obj = crate::ffi_obj::new_owned(py, &{
                            let p = arena().pointer(id);
                            ctype_for(py, p)?
                        }, None)?;
                        let dst = (*(obj.as_ptr() as *const CDataObject)).ptr;
                        std::ptr::copy_nonoverlapping(buf.as_ptr() as *const u8, dst, size);
                        return obj.get_item(0);
                    }
                    convert::read(py, &ct, buf.as_ptr() as *const u8)
                }
            }
            _ => Err(no_such_name(&self.name, name)),
        }
    }

    /// `ffi.verify()`: what the compiler measured, applied to another
    /// `ffi` declaring the same cdefs (the caller's, which cffi's verify()
    /// completes in place) so its partial types become usable.
    /// With `verify=True`, first refuse (unchanged) a cdef whose constants
    /// or complete enums disagree with the compiler, as cffi's verify().
    #[pyo3(signature = (ffi_obj, verify=false))]
    fn apply_facts(&self, py: Python<'_>, ffi_obj: &Bound<'_, FFIBase>, verify: bool) -> PyResult<()> {
        let facts = unsafe { collect_facts(self.module) };
        let base = ffi_obj.get();
        let result = {
            let mut reg = base.registry_full(py)?;
            let mut a = arena();
            if verify {
                cdecl::verify_check::check_values(&reg, &a, &facts)
            } else {
                Ok(())
            }
            .and_then(|()| cdecl::resolve::apply(&mut reg, &mut a, &facts))
            // verify() refuses a disagreement now, where API mode waits
            // for the first use
            .and_then(|m| match (verify, m.first()) {
                (true, Some(e)) => {
                    m.unmark_records(&mut a);
                    Err(e.clone())
                }
                _ => Ok(()),
            })
        };
        base.type_cache.bind(py).clear();
        result.map_err(|e| errors::from_cdecl(py, e))
    }

    /// Names of everything `lib` gives, for `dir(lib)`.
    fn names<'py>(&self, py: Python<'py>, ffi_obj: &Bound<'py, FFIBase>) -> PyResult<Bound<'py, PyList>> {
        let names: Vec<String> = ffi_obj.get().registry_full(py)?.declarations().iter().map(|d| d.name.clone()).collect();
        PyList::new(py, names)
    }

    /// `@ffi.def_extern()`: attach `python_callable` to the
    /// `extern "Python"` function `name`.
    #[pyo3(signature = (ffi_obj, name, python_callable, error=None, onerror=None))]
    fn def_extern<'py>(
        &self,
        py: Python<'py>,
        ffi_obj: &Bound<'py, FFIBase>,
        name: &str,
        python_callable: &Bound<'py, PyAny>,
        error: Option<&Bound<'py, PyAny>>,
        onerror: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<()> {
        let not_found = || errors::ffi_error(py, format!("ffi.def_extern('{name}'): no 'extern \"Python\"' function with this name"));
        // SAFETY: the module's sorted table.
        let e = unsafe { find(slice(self.module.externs, self.module.nexterns), name, |e| e.name) }.ok_or_else(not_found)?;
        let decl = ffi_obj.get().declaration(py, name)?;
        let Some(DeclKind::ExternPython { ty, .. }) = decl.map(|d| d.kind) else {
            return Err(not_found());
        };
        if !python_callable.is_callable() {
            return Err(PyTypeError::new_err("the 'python_callable' argument is not callable"));
        }
        if let Some(o) = onerror {
            if !o.is_none() && !o.is_callable() {
                return Err(PyTypeError::new_err(format!(
                    "expected a callable object for 'onerror', not {}",
                    convert::describe(py, o)
                )));
            }
        }
        let fid = {
            let mut a = arena();
            let s = a.strip_top_quals(ty);
            a.unqualified(s)
        };
        let fct = ctype_for(py, fid)?;
        let rc = fct.get().func.as_ref().expect("function type").result.clone_ref(py);
        let rc = rc.get();
        let err_bytes = crate::callback::error_bytes(py, rc, error)?;
        let data = Box::new(CallbackData {
            callable: python_callable.clone().unbind(),
            fct,
            error: err_bytes,
            onerror: onerror.filter(|o| !o.is_none()).map(|o| o.clone().unbind()),
        });
        let ptr = &*data as *const CallbackData as *mut c_void;
        self.definitions.lock().unwrap_or_else(|e| e.into_inner()).push(data);
        // SAFETY: `info` points to the module's static descriptor; the
        // store is a single pointer write (read by call_python).
        unsafe {
            std::ptr::write_volatile(&mut (*e.info).reserved1, ptr);
        }
        Ok(())
    }

    /// The module's `ffi.cdef()` calls, as `FFI.cdef` records them:
    /// `(text, override, pack)`, plus `True` for `ffi.embedding_api()`
    /// text (not those of included modules).
    fn cdef_calls<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let calls = PyList::empty(py);
        // SAFETY: the module's static table of NUL-terminated texts.
        for c in unsafe { slice(self.module.cdefs, self.module.ncdefs) } {
            if c.pack == codegen::INCLUDE_ROW {
                continue;
            }
            let text = unsafe { CStr::from_ptr(c.text) }.to_str().map_err(|e| PyTypeError::new_err(e.to_string()))?;
            let override_existing = c.flags & codegen::CDEF_OVERRIDE != 0;
            if c.flags & codegen::CDEF_DLLEXPORT != 0 {
                calls.append((text, override_existing, c.pack, true))?;
            } else {
                calls.append((text, override_existing, c.pack))?;
            }
        }
        Ok(calls)
    }

    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    fn __repr__(&self) -> String {
        format!("<rcffi compiled module '{}'>", self.name)
    }
}

/// Called by the C definition of every `extern "Python"` function.
/// `errno` is handed to and taken back from `ffi.errno` by the callback
/// trampoline; the message for a missing definition leaves it unchanged.
unsafe extern "C" fn call_python(ext: *mut ExternPyC, args: *mut *mut c_void, result: *mut c_void) {
    let data = std::ptr::read_volatile(&(*ext).reserved1);
    if data.is_null() {
        let saved_errno = native::errno::get_errno();
        let name = cstr((*ext).name);
        let gil = ffi::PyGILState_Ensure();
        eprintln!(
            "extern \"Python\": function {name}() called, but no code was attached to it yet with @ffi.def_extern().  Returning 0."
        );
        ffi::PyGILState_Release(gil);
        if !result.is_null() {
            std::ptr::write_bytes(result as *mut u8, 0, (*ext).size_of_result);
        }
        native::errno::set_errno(saved_errno);
    } else {
        crate::callback::trampoline(data, result, args as *const *const c_void);
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ApiModule>()?;
    // what compiled modules must speak; part of ffi.verify()'s module names
    m.add("_API_PROTOCOL", codegen::PROTOCOL_VERSION)?;
    m.add_function(wrap_pyfunction!(_generate_c, m)?)?;
    m.add_function(wrap_pyfunction!(_snapshot_of, m)?)?;
    m.add_function(wrap_pyfunction!(_init_api_module, m)?)?;
    Ok(())
}


/// Why libffi cannot call a variadic function of this pointer type, in
/// cffi's words (a struct or union by value that only API-mode non-variadic
/// functions, called through their trampoline, can pass).
fn variadic_unsupported(py: Python<'_>, ptr_ct: &Py<CType>) -> PyResult<Option<String>> {
    let fct = ptr_ct.get().item().get();
    let Some(f) = fct.func.as_ref() else { return Ok(None) };
    for a in &f.args {
        if let Some(m) = record_unsupported(py, a.get(), "argument")? {
            return Ok(Some(m));
        }
    }
    record_unsupported(py, f.result.get(), "return value")
}

fn record_unsupported(_py: Python<'_>, ct: &CType, place: &str) -> PyResult<Option<String>> {
    let api = format!(
        " are only supported as {place} if the function is 'API mode' and non-variadic (i.e. declared inside \
         ffibuilder.cdef()+ffibuilder.set_source() and not taking a final '...' argument)"
    );
    let Some(rid) = ct.record else { return Ok(None) };
    if ct.kind == Kind::Union {
        return Ok(Some(format!("ctype '{}' not supported as {place} by libffi.  Unions{api}", ct.cname)));
    }
    let a = arena();
    let rec = a.record(rid);
    let Some(fields) = rec.fields.as_ref() else { return Ok(None) };
    let detail = if rec.partial || fields.iter().any(|f| f.name.is_empty() && f.bitsize.is_none()) {
        "It is a struct declared with \"...;\", but the C calling convention may depend on the missing fields; \
         or, it contains anonymous struct/unions"
    } else if rec.packing != cdecl::Packing::Natural {
        "It is a 'packed' structure, with a different layout than expected by libffi"
    } else if fields.iter().any(|f| f.bitsize.is_some()) {
        "It is a struct with bit fields, which libffi does not support"
    } else if fields.iter().any(|f| {
        let mut t = a.strip_top_quals(f.ty);
        let mut flat = 1u64;
        while let cdecl::Type::Array { item, len } = a.get(t) {
            // saturating: a product of huge lengths must not wrap to 0
            flat = flat.saturating_mul(match len {
                cdecl::ArrayLen::Fixed(n) => *n,
                _ => 0,
            });
            t = a.strip_top_quals(*item);
        }
        flat == 0
    }) {
        "It is a struct with a zero-length array, which libffi does not support"
    } else {
        return Ok(None);
    };
    Ok(Some(format!("ctype '{}' not supported as {place}.  {detail}.  Such structs{api}", ct.cname)))
}

/// Messages of `raise_not_implemented`, by function pointer type.
static UNSUPPORTED: Mutex<Option<HashMap<cdecl::TypeId, String>>> = Mutex::new(None);

unsafe extern "C" fn raise_not_implemented(
    callable: *mut ffi::PyObject,
    _args: *const *mut ffi::PyObject,
    _nargsf: usize,
    _kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    crate::entry::attached_obj(|py| {
        let cd = &*(callable as *const CDataObject);
        let id = cd.ctype().id;
        let msg = UNSUPPORTED.lock().unwrap_or_else(|e| e.into_inner()).as_ref().and_then(|m| m.get(&id).cloned());
        pyo3::exceptions::PyNotImplementedError::new_err(msg.unwrap_or_default()).restore(py);
        std::ptr::null_mut()
    })
}
