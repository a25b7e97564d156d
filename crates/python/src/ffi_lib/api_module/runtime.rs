//! Run time: the tables of a compiled module, from which its `lib`
//! (`lib_obj.rs`) fetches functions, globals and constants, and
//! `extern "Python"` definitions.

use std::collections::HashMap;
use std::ffi::{c_void, CStr};
use std::sync::Mutex;

use codegen::protocol::{ExternPyC, GlobalC, ModuleC};
use cdecl::{ConstValue, DeclKind};
use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyList;

use super::facts::{collect_facts, ModuleFacts};
use super::{cstr, find, find_index, slice};
use crate::callback::CallbackData;
use crate::cdata::{self, CDataObject, Owner};
use crate::convert;
use crate::ctype::{ctype_for, CType, Kind};
use crate::errors;
use crate::ffi_obj::FFIBase;
use crate::state::arena;

/// The compiled module's tables, kept by the `lib` object and the `ffi`
/// (shared, not a Python object: a class costs each import 25,000
/// instructions). Each table is sorted by name (see `codegen::protocol`): a
/// row is found by binary search when first needed, nothing is indexed at
/// import.
pub struct ApiTables {
    pub(super) module: &'static ModuleC,
    pub(super) name: String,
    /// The declarations are read lazily from the snapshot, each with the
    /// compiler's answers (`ModuleFacts`): a constant the compiler
    /// contradicts is found when it is read.
    pub(super) lazy: bool,
    /// Constants whose cdef value the compiler contradicts: reading them
    /// raises this message (cffi checks lazily).
    pub(super) bad_constants: HashMap<String, cdecl::Message>,
    /// `typedef float... t;` that the compiler contradicts: fetching a
    /// declaration whose type mentions one raises this message.
    pub(super) bad_types: HashMap<String, cdecl::Message>,
    /// Every `@ffi.def_extern()` definition stays alive (C may still be
    /// running an older one on another thread).
    // boxed: C holds pointers to each CallbackData, which must not move when the Vec grows
    #[allow(clippy::vec_box)]
    pub(super) definitions: Mutex<Vec<Box<CallbackData>>>,
}

// SAFETY: the tables are static data of a loaded extension module.
unsafe impl Send for ApiTables {}
unsafe impl Sync for ApiTables {}

/// `rcffi.ApiModule`: a compiled module's tables as Python sees them
/// (`ffi._api_module`, `lib._rcffi_handle`, read by `def_extern` and
/// `ffi.verify()`), made when asked for.
#[pyclass(frozen, module = "rcffi", name = "ApiModule")]
pub struct ApiModule(pub std::sync::Arc<ApiTables>);

impl std::ops::Deref for ApiModule {
    type Target = ApiTables;
    fn deref(&self) -> &ApiTables {
        &self.0
    }
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

impl ApiTables {
    /// The module's `ffi.cdef()` calls, as `FFI.cdef` records them:
    /// `(text, override, pack)`, plus `True` for `ffi.embedding_api()`
    /// text (not those of included modules).
    pub(crate) fn cdef_calls<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
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

    /// The row of global variable `name`.
    fn global(&self, name: &str) -> PyResult<&'static GlobalC> {
        // SAFETY: the module's sorted table.
        unsafe { find(self.module, slice(self.module.globals, self.module.nglobals), name, |g| g.name) }.ok_or_else(|| no_such_name(&self.name, name))
    }

    /// Where the global variable `name` (of type `ty`) is: its pointer
    /// ctype and the module's getter of its address (the module's `lib`,
    /// `lib_obj.rs`, makes its descriptor of them).
    pub(crate) fn global_place(&self, py: Python<'_>, name: &str, ty: cdecl::TypeId) -> PyResult<(Py<CType>, Option<unsafe extern "C" fn() -> *mut c_void>)> {
        let g = self.global(name)?;
        self.check_types(py, ty)?;
        let ptr_ty = arena().pointer(ty);
        Ok((ctype_for(py, ptr_ty)?, g.address_getter))
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
                        let msg = msg.to_string();
                        drop(a); // no Python error under the arena lock
                        return Err(errors::ffi_error(py, msg));
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

/// Whether the enum type `ty` (an enumerator's) was declared with `...`.
fn enum_declared_partial(ty: cdecl::TypeId) -> bool {
    let a = arena();
    match *a.get(a.strip_top_quals(ty)) {
        cdecl::Type::Enum(eid) => a.enum_def(eid).declared_partial,
        _ => false,
    }
}

fn no_such_name(module: &str, name: &str) -> PyErr {
    PyAttributeError::new_err(format!(
        "cffi library '{module}' has no function, constant or global variable named '{name}'"
    ))
}

impl ApiTables {
    /// The function `name` as a function-pointer cdata whose calls go
    /// through the module's trampoline (libffi for variadic functions).
    pub(crate) fn function<'py>(&self, py: Python<'py>, ffi_obj: &Bound<'py, FFIBase>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        // SAFETY: the module's sorted table.
        let row = unsafe { find_index(self.module, slice(self.module.funcs, self.module.nfuncs), name, |f| f.name) }
            .ok_or_else(|| no_such_name(&self.name, name))?;
        let (mut address, mut trampoline): (codegen::protocol::CFn, Option<codegen::protocol::Trampoline>) = (None, None);
        if let Some(get) = self.module.funcs_get {
            // SAFETY: `row` is a row of the module's table of functions;
            // the module's function stores that row's two pointers.
            unsafe { get(row, &mut address, &mut trampoline) };
        }
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
        let addr = address.map_or(std::ptr::null_mut(), |p| p as *mut u8);
        if trampoline.is_none() {
            // variadic: called through libffi, which cannot pass some
            // records; as cffi, the error comes when it is called
            if let Some(msg) = variadic_unsupported(py, &ct)? {
                // SAFETY: as below; the vectorcall only raises.
                unsafe {
                    let obj = cdata::new_cdata(py, &ct, addr, Owner::Borrowed);
                    if !obj.is_null() {
                        let cd = obj as *mut CDataObject;
                        (*cd).vectorcall.set(Some(raise_not_implemented));
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
            if let (false, Some(t)) = (obj.is_null(), trampoline) {
                let cd = obj as *mut CDataObject;
                (*cd).inline[0].set(t as usize as u64);
                (*cd).vectorcall.set(Some(crate::call::trampoline_vectorcall));
            }
            let fnptr = cdata::wrap(py, obj)?;
            let variadic = ct.get().item().get().func.as_ref().is_some_and(|s| s.variadic);
            if is_extern_python || variadic {
                // cffi gives these as function pointers: extern "Python"
                // ones to pass to C, variadic ones because its module has
                // no wrapper for them (a constant holding the address)
                return Ok(fnptr);
            }
            crate::lib_function::make(py, fnptr, name, &self.name, &c_decl)
        }
    }

    /// The value of the constant `name`.
    pub(crate) fn constant<'py>(&self, py: Python<'py>, ffi_obj: &Bound<'py, FFIBase>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        if let Some(msg) = self.bad_constants.get(name) {
            return Err(errors::ffi_error(py, msg.to_string()));
        }
        let decl = ffi_obj.get().declaration(py, name)?;
        if let (true, Some(DeclKind::Constant { value, .. })) = (self.lazy, decl.as_ref().map(|d| &d.kind)) {
            if let Some(e) = cdecl::resolve::constant_mismatch(name, value, &ModuleFacts { module: self.module }) {
                return Err(errors::ffi_error(py, e.into_diagnostic().message.to_string()));
            }
        }
        // an integer `#define X ...` the declarations leave unknown (an ffi
        // shared by several verify() modules): this module's value
        if let Some(DeclKind::Constant { value: ConstValue::Unknown, .. }) = decl.as_ref().map(|d| &d.kind) {
            if let Some(v) = cdecl::resolve::Facts::int(&ModuleFacts { module: self.module }, name) {
                return crate::convert::integer::to_py(py, v);
            }
        }
        // an enumerator of an enum declared with `...`: a later verify() on
        // the same ffi may have given the shared declaration other values,
        // and each `lib` keeps its own module's, as in cffi
        if let Some(DeclKind::EnumConstant { ty, .. }) = decl.as_ref().map(|d| &d.kind) {
            if enum_declared_partial(*ty) {
                if let Some(v) = cdecl::resolve::Facts::int(&ModuleFacts { module: self.module }, name) {
                    return crate::convert::integer::to_py(py, v);
                }
            }
        }
        match decl.map(|d| d.kind) {
            Some(DeclKind::Constant { value: ConstValue::Int(v), ty }) => {
                // `static const char K;` (or a wide character): the
                // character, as cffi gives it (bytes / str), not its code
                let id = {
                    let mut a = arena();
                    let s = a.strip_top_quals(ty);
                    a.unqualified(s)
                };
                let ct = ctype_for(py, id)?;
                if matches!(ct.get().conv, crate::ctype::Conv::Char | crate::ctype::Conv::WideChar { .. }) {
                    let bytes = (v as u64).to_le_bytes();
                    // SAFETY: 8 bytes, more than a character type's size.
                    return unsafe { convert::read(py, &ct, bytes.as_ptr()) };
                }
                crate::convert::integer::to_py(py, v)
            }
            Some(DeclKind::EnumConstant { value: v, .. }) => crate::convert::integer::to_py(py, v),
            Some(DeclKind::Constant { ty, .. }) => {
                // SAFETY: the module's sorted table.
                let c = unsafe { find(self.module, slice(self.module.consts, self.module.nconsts), name, |c| c.name) }
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
                        let dst = (*(obj.as_ptr() as *const CDataObject)).ptr.get();
                        std::ptr::copy_nonoverlapping(buf.as_ptr() as *const u8, dst, size);
                        return obj.get_item(0);
                    }
                    let v = convert::read(py, &ct, buf.as_ptr() as *const u8)?;
                    if matches!(ct.get().conv, crate::ctype::Conv::Bool) {
                        // an integer constant to cffi (`static const _Bool
                        // K;`, `const _Bool g;`): an int, not a bool
                        return crate::convert::integer::to_py(py, i128::from(v.is_truthy()?));
                    }
                    Ok(v)
                }
            }
            _ => Err(no_such_name(&self.name, name)),
        }
    }

}

#[pymethods]
impl ApiModule {
    /// `ffi.verify()`: what the compiler measured, applied to another
    /// `ffi` declaring the same cdefs (the caller's, which cffi's verify()
    /// completes in place) so its partial types become usable.
    /// With `verify=True`, first refuse (unchanged) a cdef whose constants
    /// or complete enums disagree with the compiler, as cffi's verify().
    #[pyo3(signature = (ffi_obj, verify=false))]
    fn apply_facts(&self, py: Python<'_>, ffi_obj: &Bound<'_, FFIBase>, verify: bool) -> PyResult<()> {
        // SAFETY: this module's descriptor (see `collect_facts`).
        let mut facts = unsafe { collect_facts(self.module) };
        let base = ffi_obj.get();
        let result = {
            let mut reg = base.registry_full(py)?;
            let mut a = arena();
            if verify {
                cdecl::verify_check::keep_values_per_module(&reg, &mut facts);
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
        result.map_err(|e| errors::from_cdecl(py, if verify { e.worded_for_verify() } else { e }))
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
        let e = unsafe { find(self.module, slice(self.module.externs, self.module.nexterns), name, |e| e.name) }.ok_or_else(not_found)?;
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
            // kept in `definitions` for the module's life: no owner to hold
            owner: std::sync::atomic::AtomicPtr::new(std::ptr::null_mut()),
        });
        crate::entry::callbacks_exist(py);
        let ptr = &*data as *const CallbackData as *mut c_void;
        self.definitions.lock().unwrap_or_else(|e| e.into_inner()).push(data);
        // SAFETY: `info` points to the module's static descriptor, whose
        // `reserved1` is a pointer-aligned pointer field that only this
        // store and `call_python`'s load touch, both atomically. Release:
        // a C thread that loads the pointer (Acquire) sees the finished
        // `CallbackData`, on any CPU (a plain or volatile store orders
        // nothing on aarch64).
        unsafe {
            std::sync::atomic::AtomicPtr::from_ptr(&raw mut (*e.info).reserved1).store(ptr, std::sync::atomic::Ordering::Release);
        }
        Ok(())
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
// SAFETY (contract): called by the module's C stub of an extern "Python"
// function, on any thread, GIL held or not: `ext` is that function's static
// descriptor; `reserved1` is NULL or a `CallbackData` that `definitions`
// keeps for the life of the module's tables (never removed); `args` and
// `result` are the C signature's.
pub(super) unsafe extern "C" fn call_python(ext: *mut ExternPyC, args: *mut *mut c_void, result: *mut c_void) { unsafe {
    // pairs with the Release store of `def_extern` (see there)
    let data = std::sync::atomic::AtomicPtr::from_ptr(&raw mut (*ext).reserved1).load(std::sync::atomic::Ordering::Acquire);
    if data.is_null() {
        let saved_errno = native::errno::get_errno();
        // no Python (and no message) while the interpreter exits: the
        // thread would end inside C code, or crash once it is gone
        let Some(on_the_way) = crate::entry::CCall::enter() else {
            if !result.is_null() {
                std::ptr::write_bytes(result as *mut u8, 0, (*ext).size_of_result);
            }
            return;
        };
        let name = cstr((*ext).name);
        let gil = ffi::PyGILState_Ensure();
        eprintln!(
            "extern \"Python\": function {name}() called, but no code was attached to it yet with @ffi.def_extern().  Returning 0."
        );
        ffi::PyGILState_Release(gil);
        drop(on_the_way);
        if !result.is_null() {
            std::ptr::write_bytes(result as *mut u8, 0, (*ext).size_of_result);
        }
        native::errno::set_errno(saved_errno);
    } else {
        crate::callback::trampoline(data, result, args as *const *const c_void);
    }
}}

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
    Ok(crate::calls::by_value::problem(ct, place))
}

/// Messages of `raise_not_implemented`, by function pointer type.
static UNSUPPORTED: Mutex<Option<HashMap<cdecl::TypeId, String>>> = Mutex::new(None);

// SAFETY: a vectorcall entry: GIL held, `callable` a live cdata.
unsafe extern "C" fn raise_not_implemented(
    callable: *mut ffi::PyObject,
    _args: *const *mut ffi::PyObject,
    _nargsf: usize,
    _kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| {
        let cd = &*(callable as *const CDataObject);
        let id = cd.ctype().id;
        let msg = UNSUPPORTED.lock().unwrap_or_else(|e| e.into_inner()).as_ref().and_then(|m| m.get(&id).cloned());
        pyo3::exceptions::PyNotImplementedError::new_err(msg.unwrap_or_default()).restore(py);
        std::ptr::null_mut()
    })
}}
