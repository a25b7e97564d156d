//! `ffi.callback()`: Python callables as C function pointers.

use pyo3::prelude::*;

use crate::cdata::CDataObject;

pub fn callback_repr(py: Python<'_>, c: &CDataObject) -> PyResult<String> {
    let _ = (py, c);
    Ok("<callback>".into())
}
