//! Calling C functions through function-pointer cdata (vectorcall), and
//! cffi's saved `errno`.

use std::cell::Cell;

use pyo3::ffi;
use pyo3::prelude::*;

thread_local! {
    static SAVED_ERRNO: Cell<i32> = const { Cell::new(0) };
}

/// `ffi.errno`: the errno saved right after the last foreign call.
pub fn saved_errno() -> i32 {
    SAVED_ERRNO.with(|e| e.get())
}

pub fn set_saved_errno(v: i32) {
    SAVED_ERRNO.with(|e| e.set(v))
}

pub(crate) unsafe extern "C" fn cdata_vectorcall(
    callable: *mut ffi::PyObject,
    _args: *const *mut ffi::PyObject,
    _nargsf: usize,
    _kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let py = Python::assume_attached();
    let _ = callable;
    pyo3::exceptions::PyNotImplementedError::new_err("calls are not implemented yet").restore(py);
    std::ptr::null_mut()
}

/// Check at lookup time that a function type can be called (cffi raises
/// when the function is fetched from the library, not when called).
pub fn check_callable(py: Python<'_>, ct: &Py<crate::ctype::CType>) -> PyResult<()> {
    let _ = (py, ct);
    Ok(())
}
