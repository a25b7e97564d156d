//! Raising cffi's exceptions from Rust. The classes themselves are Python
//! (`rcffi/error.py`) so that they print and pickle exactly like cffi's.

use pyo3::exceptions::{PyNotImplementedError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

static ERROR_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn error_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    let module = ERROR_MODULE.get_or_try_init(py, || PyModule::import(py, "rcffi.error").map(Bound::unbind))?;
    Ok(module.bind(py).getattr(name)?.cast_into::<PyType>()?)
}

fn raise(py: Python<'_>, class: &str, msg: String) -> PyErr {
    match error_class(py, class) {
        Ok(cls) => PyErr::from_type(cls, msg),
        Err(e) => e,
    }
}

pub fn cdef_error(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    raise(py, "CDefError", msg.into())
}

pub fn verification_missing(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    raise(py, "VerificationMissing", msg.into())
}

pub fn ffi_error(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    raise(py, "FFIError", msg.into())
}

/// Turn a `cdecl::Error` into the Python exception cffi raises for it.
pub fn from_cdecl(py: Python<'_>, err: cdecl::Error) -> PyErr {
    let mut text = err.to_string();
    // cffi opens parse failures with the offending line; keep that first
    // line for code that matches on it, then give the located diagnostic.
    // (cffi says "parse error" when the position is in another file, as
    // named by a `# N "file"` line marker.)
    if let (true, Some(loc)) = (err.syntax, &err.location) {
        if loc.source_name == "<cdef source string>" || loc.source_name == "<type string>" {
            text = format!("cannot parse \"{}\"\n{text}", loc.line_text.trim());
        } else {
            text = format!("parse error\n{text}");
        }
    }
    match err.kind {
        cdecl::ErrorKind::CDef => cdef_error(py, text),
        cdecl::ErrorKind::Ffi => ffi_error(py, text),
        cdecl::ErrorKind::NotImplemented => PyNotImplementedError::new_err(text),
        cdecl::ErrorKind::Type => PyTypeError::new_err(text),
        cdecl::ErrorKind::Value => pyo3::exceptions::PyValueError::new_err(text),
    }
}

pub fn type_error(msg: impl Into<String>) -> PyErr {
    PyTypeError::new_err(msg.into())
}
