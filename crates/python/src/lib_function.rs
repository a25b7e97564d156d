//! `lib.f` of a compiled module: a `builtin_function_or_method`, as in
//! cffi (`__name__`, `__module__`, a `__doc__` giving the C declaration,
//! not an instance of `ffi.CData`), whose `self` holds the function-pointer
//! cdata that does the calling (its per-instance vectorcall, see
//! `call::trampoline_vectorcall`). `ffi.typeof()`, `ffi.addressof(lib, "f")`
//! and pointer conversions see through it to that cdata.

use std::ffi::CString;

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::cdata::CDataObject;

/// The `self` of a lib function.
#[pyclass(frozen, module = "_cffi_backend", name = "__FFIFunctionWrapper")]
pub struct FunctionWrapper {
    /// The function-pointer cdata.
    fnptr: Py<PyAny>,
    name: String,
    /// `MODULE.Lib.NAME`, as CPython names builtins in its messages.
    qualname: String,
    nfixed: usize,
    variadic: bool,
}

unsafe extern "C" fn call_lib_function(
    slf: *mut ffi::PyObject,
    args: *mut *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    let py = Python::assume_attached();
    // SAFETY: `slf` is the FunctionWrapper this method was made with.
    let w = Bound::from_borrowed_ptr(py, slf).cast_into_unchecked::<FunctionWrapper>();
    let w = w.get();
    let n = nargs as usize;
    if n != w.nfixed && !(w.variadic && n > w.nfixed) {
        PyTypeError::new_err(count_message(&w.name, &w.qualname, w.nfixed, w.variadic, n)).restore(py);
        return std::ptr::null_mut();
    }
    let cd = w.fnptr.as_ptr();
    match (*(cd as *mut CDataObject)).vectorcall {
        Some(vc) => vc(cd, args, n, std::ptr::null_mut()),
        None => ffi::PyObject_Vectorcall(cd, args, n, std::ptr::null_mut()),
    }
}

/// cffi's wording (CPython's for builtins of no or one argument).
fn count_message(name: &str, qualname: &str, nfixed: usize, variadic: bool, given: usize) -> String {
    match (nfixed, variadic) {
        (_, true) => format!("{name} expected at least {nfixed} arguments, got {given}"),
        (0, false) => format!("{qualname}() takes no arguments ({given} given)"),
        (1, false) => format!("{qualname}() takes exactly one argument ({given} given)"),
        (k, false) => format!("{name} expected {k} arguments, got {given}"),
    }
}

/// `lib.NAME` for the function-pointer cdata `fnptr` (of C type `decl`,
/// e.g. `double sin(double)`) of module `module_name`.
pub fn make<'py>(py: Python<'py>, fnptr: Bound<'py, PyAny>, name: &str, module_name: &str, decl: &str) -> PyResult<Bound<'py, PyAny>> {
    let (nfixed, variadic) = {
        let cd = crate::cdata::as_cdata(py, &fnptr).ok_or_else(|| PyTypeError::new_err("expected a function cdata"))?;
        let f = cd.ctype().item().get().func.as_ref().ok_or_else(|| PyTypeError::new_err("expected a function cdata"))?;
        (f.args.len(), f.variadic)
    };
    let wrapper = Bound::new(py, FunctionWrapper {
            fnptr: fnptr.unbind(),
            name: name.to_string(),
            qualname: format!("{module_name}.Lib.{name}"),
            nfixed,
            variadic,
        })?;
    let c = |s: String| CString::new(s).map_err(|_| PyTypeError::new_err("name contains a NUL character"));
    // One method definition per function of a module, alive as long as
    // the process (CPython keeps a pointer to it in the function object).
    let def = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: c(name.to_string())?.into_raw(),
        ml_meth: ffi::PyMethodDefPointer { PyCFunctionFast: call_lib_function },
        ml_flags: ffi::METH_FASTCALL,
        ml_doc: c(format!("{decl};\n\nCFFI C function from {module_name}.lib"))?.into_raw(),
    }));
    let module = PyString::new(py, module_name);
    // SAFETY: `def` lives forever; the function keeps references to `wrapper` and `module`.
    unsafe {
        let f = ffi::PyCFunction_NewEx(def, wrapper.as_ptr(), module.as_ptr());
        Bound::from_owned_ptr_or_err(py, f)
    }
}

/// The function-pointer cdata behind `obj` if it is a lib function.
pub fn unwrap<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    // SAFETY: type checks before each access.
    unsafe {
        let p = obj.as_ptr();
        // exact: lib functions are plain PyCFunction objects, and this
        // check is on the path of every `ffi.cast`
        if ffi::PyCFunction_CheckExact(p) == 0 {
            return None;
        }
        let f = ffi::PyCFunction_GetFunction(p)?;
        if f as usize != call_lib_function as *const () as usize {
            return None;
        }
        let slf = Bound::from_borrowed_ptr(py, ffi::PyCFunction_GetSelf(p)).cast_into_unchecked::<FunctionWrapper>();
        Some(slf.get().fnptr.bind(py).clone())
    }
}

/// `_rcffi._lib_function_pointer(f)`: the cdata behind a lib function, or None.
#[pyfunction]
pub fn _lib_function_pointer<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    unwrap(py, obj)
}
