//! `ffi.callback()` as a method of the FFI object: the type is resolved
//! here, in the FFI layer; callback.rs (the calls layer) builds the
//! closure.

use pyo3::prelude::*;

use crate::ctype::{function_pointer, Kind};
use crate::ffi_obj::FFIBase;

#[pymethods]
impl FFIBase {
    fn _callback<'py>(
        &self,
        py: Python<'py>,
        cdecl: &Bound<'py, PyAny>,
        python_callable: &Bound<'py, PyAny>,
        error: Option<&Bound<'py, PyAny>>,
        onerror: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut ct = self.resolve(py, cdecl, false)?;
        if ct.get().kind == Kind::Function {
            ct = function_pointer(py, &ct)?;
        }
        crate::callback::new_callback(py, ct, python_callable, error, onerror)
    }
}
