//! `LibBase`: the base class of the `lib` objects (python/rcffi/lib.py and
//! _apimode.py). A raw `tp_getattro` finds what is already in the
//! instance dict (functions and constants are cached there on first use)
//! and only then asks the Python class (`_rcffi_missing`), so `lib.f` skips
//! the two type lookups CPython's `__getattr__` hook makes on every access.

use std::ffi::{c_int, c_void};
use std::ptr;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

unsafe extern "C" fn lib_getattro(slf: *mut ffi::PyObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let found = ffi::PyObject_GenericGetAttr(slf, name);
    if !found.is_null() || ffi::PyErr_ExceptionMatches(ffi::PyExc_AttributeError) == 0 {
        return found;
    }
    ffi::PyErr_Clear();
    // The class's hook, looked up on the type so that a C function of the
    // same name in the instance dict cannot shadow it.
    let py = Python::assume_attached();
    let hook = ffi::PyObject_GetAttr(ffi::Py_TYPE(slf) as *mut ffi::PyObject, pyo3::intern!(py, "_rcffi_missing").as_ptr());
    if hook.is_null() {
        return ptr::null_mut();
    }
    let args = [slf, name];
    let result = ffi::PyObject_Vectorcall(hook, args.as_ptr(), 2, ptr::null_mut());
    ffi::Py_DECREF(hook);
    result
}}

/// The `LibBase` type object.
pub fn lib_base_type(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    let slots = Box::leak(
        vec![
            ffi::PyType_Slot { slot: ffi::Py_tp_getattro, pfunc: lib_getattro as ffi::getattrofunc as *mut c_void },
            ffi::PyType_Slot { slot: 0, pfunc: ptr::null_mut() },
        ]
        .into_boxed_slice(),
    );
    let spec = Box::leak(Box::new(ffi::PyType_Spec {
        name: c"_cffi_backend.LibBase".as_ptr(),
        basicsize: std::mem::size_of::<ffi::PyObject>() as c_int,
        itemsize: 0,
        flags: (ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_BASETYPE) as _,
        slots: slots.as_mut_ptr(),
    }));
    // SAFETY: the spec is leaked ('static).
    unsafe {
        let tp = ffi::PyType_FromSpec(spec);
        if tp.is_null() {
            return Err(PyErr::fetch(py));
        }
        Ok(Bound::from_owned_ptr(py, tp).cast_into_unchecked::<PyType>())
    }
}
