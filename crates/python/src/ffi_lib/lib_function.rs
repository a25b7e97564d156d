//! `lib.f` of a compiled module: a `builtin_function_or_method`, as in
//! cffi (`__name__`, `__module__`, a `__doc__` giving the C declaration,
//! not an instance of `ffi.CData`). Its `__self__` is the function-pointer
//! cdata that does the calling, and its vectorcall entry is replaced by
//! [`lib_function_vectorcall`], which checks the argument count (with
//! cffi's messages, naming the function) and jumps straight to that
//! cdata's own vectorcall (`call::trampoline_vectorcall` and the entries it
//! switches to). `ffi.typeof()`, `ffi.cast()`, `ffi.addressof(lib, "f")` and
//! pointer conversions see through it to the cdata ([`unwrap`]).

use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::os::raw::c_int;
use std::sync::Mutex;

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::cdata::CDataObject;
use crate::ctype::CType;

/// The vectorcall entry of every lib function.
// SAFETY: a vectorcall entry: GIL held, `callable` a lib function (a
// PyCFunction made by `make`, whose `m_self` is its function-pointer cdata,
// held by it while the caller holds `callable`), `args` its arguments.
unsafe extern "C" fn lib_function_vectorcall(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    let f = callable as *mut ffi::PyCFunctionObject;
    let cd = (*f).m_self as *mut CDataObject;
    let n = ffi::PyVectorcall_NARGS(nargsf) as usize;
    let sig = (*cd).ctype().item().get().func.as_ref();
    let count_ok = sig.is_some_and(|s| n == s.args.len() || (s.variadic && n > s.args.len()));
    let has_keywords = !kwnames.is_null() && ffi::PyTuple_GET_SIZE(kwnames) > 0;
    if !count_ok || has_keywords {
        return crate::entry::attached_obj(|py| {
        let name = CStr::from_ptr((*(*f).m_ml).ml_name).to_string_lossy();
        let module = Bound::from_borrowed_ptr(py, (*f).m_module).to_string();
        let qualname = format!("{module}.Lib.{name}");
        let msg = match sig {
            _ if has_keywords => format!("{qualname}() takes no keyword arguments"),
            Some(s) => count_message(&name, &qualname, s.args.len(), s.variadic, n),
            None => format!("{qualname}() cannot be called"),
        };
        PyTypeError::new_err(msg).restore(py);
        std::ptr::null_mut()
        });
    }
    match (*cd).vectorcall.get() {
        Some(vc) => vc(cd as *mut ffi::PyObject, args, nargsf, std::ptr::null_mut()),
        None => ffi::PyObject_Vectorcall(cd as *mut ffi::PyObject, args, nargsf, std::ptr::null_mut()),
    }
}}

/// The method definition's entry, for callers that bypass vectorcall
/// (CPython's specialised calls of builtins do, from the second call on;
/// `self` is the cdata; the checks are the cdata's own): straight to the
/// cdata's vectorcall entry.
// SAFETY: a METH_FASTCALL entry: GIL held, `slf` the function's cdata
// (`m_self`, held by the function), `args` `nargs` live arguments.
unsafe extern "C" fn call_through_method_def(
    slf: *mut ffi::PyObject,
    args: *mut *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject { unsafe {
    match (*(slf as *const CDataObject)).vectorcall.get() {
        Some(vc) => vc(slf, args, nargs as usize, std::ptr::null_mut()),
        None => ffi::PyObject_Vectorcall(slf, args, nargs as usize, std::ptr::null_mut()),
    }
}}

/// The method definition's entry of a function of exactly one fixed
/// argument (`METH_O`, as cffi's generated wrappers of such functions are:
/// CPython 3.11's specialised call of a `METH_O` builtin is shorter than
/// that of a `METH_FASTCALL` one; it calls this only with one argument).
// SAFETY: a METH_O entry: GIL held, `slf` the function's cdata, `arg` live.
unsafe extern "C" fn call_one_through_method_def(slf: *mut ffi::PyObject, arg: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let args = [arg];
    // `args` lives until the call returns; no PY_VECTORCALL_ARGUMENTS_OFFSET,
    // so the callee does not write before it
    match (*(slf as *const CDataObject)).vectorcall.get() {
        // the integer entry's body in place: one call less
        Some(vc) if crate::call_int::is_int_entry(vc) => crate::call_int::int_entry(slf, args.as_ptr(), 1, std::ptr::null_mut()),
        Some(vc) => vc(slf, args.as_ptr(), 1, std::ptr::null_mut()),
        None => ffi::PyObject_Vectorcall(slf, args.as_ptr(), 1, std::ptr::null_mut()),
    }
}}

/// The method definition's entry of a function of no argument
/// (`METH_NOARGS`; CPython passes `NULL` as the argument).
// SAFETY: a METH_NOARGS entry: GIL held, `slf` the function's cdata.
unsafe extern "C" fn call_none_through_method_def(slf: *mut ffi::PyObject, _unused: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let args: [*mut ffi::PyObject; 0] = [];
    match (*(slf as *const CDataObject)).vectorcall.get() {
        Some(vc) => vc(slf, args.as_ptr(), 0, std::ptr::null_mut()),
        None => ffi::PyObject_Vectorcall(slf, args.as_ptr(), 0, std::ptr::null_mut()),
    }
}}

/// cffi's wording (CPython's for builtins of no or one argument).
fn count_message(name: &str, qualname: &str, nfixed: usize, variadic: bool, given: usize) -> String {
    match (nfixed, variadic) {
        (_, true) => format!("{name} expected at least {nfixed} arguments, got {given}"),
        (0, false) => format!("{qualname}() takes no arguments ({given} given)"),
        (1, false) => format!("{qualname}() takes exactly one argument ({given} given)"),
        (k, false) => format!("{name} expected {k} arguments, got {given}"),
    }
}

/// A method definition's name, doc and calling convention.
type DefKey = (CString, CString, c_int);

/// The method definitions made so far (addresses of leaked
/// `PyMethodDef`s), by name, doc and calling convention.
static DEFS: Mutex<Option<HashMap<DefKey, usize>>> = Mutex::new(None);

/// The method definition of a lib function. CPython keeps a pointer to it
/// in each function object and never frees it, so it lives as long as the
/// process; equal ones are shared, so there is one per distinct
/// (name, C declaration, module name) however often a function is made
/// again (a module's `lib` made anew, its names forgotten and fetched
/// again: before, each time leaked the definition and its two strings,
/// about 170 bytes). The entry point is determined by the declaration.
fn method_def(name: CString, ml_meth: ffi::PyMethodDefPointer, ml_flags: c_int, doc: CString) -> *mut ffi::PyMethodDef {
    let mut guard = DEFS.lock().unwrap_or_else(|e| e.into_inner());
    let map = guard.get_or_insert_with(HashMap::new);
    *map.entry((name, doc, ml_flags)).or_insert_with_key(|(name, doc, _)| {
        let def = Box::leak(Box::new(ffi::PyMethodDef {
            // the key's strings live as long as the map: never removed
            ml_name: name.as_ptr(),
            ml_meth,
            ml_flags,
            ml_doc: doc.as_ptr(),
        }));
        def as *mut ffi::PyMethodDef as usize
    }) as *mut ffi::PyMethodDef
}

/// `lib.NAME` for the function-pointer cdata `fnptr` (of C type `decl`,
/// e.g. `double sin(double)`) of module `module_name`.
pub fn make<'py>(py: Python<'py>, fnptr: Bound<'py, PyAny>, name: &str, module_name: &str, decl: &str) -> PyResult<Bound<'py, PyAny>> {
    if crate::cdata::as_cdata(py, &fnptr).is_none() {
        return Err(PyTypeError::new_err("expected a function cdata"));
    }
    let c = |s: String| CString::new(s).map_err(|_| PyTypeError::new_err("name contains a NUL character"));
    // The entry CPython's specialised calls of a builtin use (from the
    // second call on): by the fixed argument count, as cffi's wrappers;
    // a call of any other count goes through the vectorcall slot below,
    // which raises cffi's message.
    let fixed = crate::cdata::as_cdata(py, &fnptr)
        .and_then(|cd| cd.ctype().item().get().func.as_ref().map(|s| (s.args.len(), s.variadic)));
    let (ml_meth, ml_flags) = match fixed {
        Some((0, false)) => (ffi::PyMethodDefPointer { PyCFunction: call_none_through_method_def }, ffi::METH_NOARGS),
        Some((1, false)) => (ffi::PyMethodDefPointer { PyCFunction: call_one_through_method_def }, ffi::METH_O),
        _ => (ffi::PyMethodDefPointer { PyCFunctionFast: call_through_method_def }, ffi::METH_FASTCALL),
    };
    let def = method_def(c(name.to_string())?, ml_meth, ml_flags, c(format!("{decl};\n\nCFFI C function from {module_name}.lib"))?);
    let module = PyString::new(py, module_name);
    // SAFETY: `def` lives forever (`method_def`); the function keeps references to
    // `fnptr` (its `__self__`) and `module`; the vectorcall slot of a
    // PyCFunction is its own field, read at every call.
    unsafe {
        let f = ffi::PyCFunction_NewEx(def, fnptr.as_ptr(), module.as_ptr());
        if !f.is_null() {
            (*(f as *mut ffi::PyCFunctionObject)).vectorcall = Some(lib_function_vectorcall);
        }
        Bound::from_owned_ptr_or_err(py, f)
    }
}

/// The function-pointer cdata behind `obj` if it is a lib function.
pub fn unwrap<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    // SAFETY: the type is checked before the fields are read.
    unsafe {
        let p = obj.as_ptr();
        // exact: lib functions are plain PyCFunction objects, and this
        // check is on the path of every `ffi.cast`
        if ffi::PyCFunction_CheckExact(p) == 0 {
            // a library function behind metrics or an error contract (metered.rs)
            let raw = crate::metered::unwrap(py, obj)?;
            return unwrap(py, &raw).or(Some(raw));
        }
        let f = p as *mut ffi::PyCFunctionObject;
        if (*f).vectorcall.map(|v| v as usize) != Some(lib_function_vectorcall as *const () as usize) {
            return None;
        }
        Some(Bound::from_borrowed_ptr(py, (*f).m_self))
    }
}

/// The function ctype of an isolated library's function
/// (`IsolatedFunction._rcffi_function_ctype`, python/rcffi/isolation/library.py),
/// for `ffi.typeof(lib.f)`. Asked only once every other reading of the
/// argument failed, so no ordinary `typeof` pays for it.
pub fn isolated_function_ctype(obj: &Bound<'_, PyAny>) -> Option<Py<CType>> {
    let ct = obj.getattr(pyo3::intern!(obj.py(), "_rcffi_function_ctype")).ok()?;
    ct.cast_into::<CType>().ok().map(Bound::unbind)
}

/// `_rcffi._lib_function_pointer(f)`: the cdata behind a lib function, or None.
#[pyfunction]
pub fn _lib_function_pointer<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    unwrap(py, obj)
}
