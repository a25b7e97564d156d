//! Raising cffi's exceptions from Rust. `FFIError` and `ffi.error` are
//! made here (a compiled module's `ffi` needs them without importing any of
//! rcffi's Python); the others are Python (`rcffi/error.py`), made when
//! first used. All print as cffi's (`cffi.FFIError`, `ffi.error`, ...).

use pyo3::exceptions::{PyNotImplementedError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use cdecl::Origin;

static ERROR_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
static FFI_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `cffi.FFIError` (`rcffi.FFIError`): made on first use.
pub fn ffi_error_class(py: Python<'_>) -> PyResult<&Py<PyType>> {
    FFI_ERROR.get_or_try_init(py, || {
        let base = py.get_type::<pyo3::exceptions::PyException>();
        PyErr::new_type(py, c"cffi.FFIError", None, Some(&base), None)
    })
}

/// `ffi.error` of compiled and out-of-line modules, named as cffi's
/// (`<class 'ffi.error'>`); a subclass of `FFIError` (cffi's two are
/// unrelated), so that `except FFIError` catches it too.
pub fn error_class_of_ffi(py: Python<'_>) -> PyResult<&Py<PyType>> {
    ERROR.get_or_try_init(py, || {
        let base = ffi_error_class(py)?.bind(py).clone();
        let doc = c"What the ffi object of a compiled or out-of-line module raises (cffi's ffi.error).";
        PyErr::new_type(py, c"ffi.error", Some(doc), Some(&base), None)
    })
}

fn error_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    match name {
        "FFIError" => return Ok(ffi_error_class(py)?.bind(py).clone()),
        "error" => return Ok(error_class_of_ffi(py)?.bind(py).clone()),
        _ => {}
    }
    // the first call imports rcffi.error: Python code, which may need the arena
    debug_assert!(!crate::state::arena_held_here(), "a Python error raised while the arena lock is held");
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

/// `ffi.error` (`error_class_of_ffi`, a subclass of `FFIError`).
pub fn ffi_error(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    raise(py, "error", msg.into())
}

/// Turn a `cdecl::Error` into the Python exception cffi raises for it.
///
/// In `cdef()` text, a rule broken by parsed text keeps cffi's exact
/// message (`<cdef source string>:LINE: ...`, or no location where cffi
/// gives none), and the column, the caret excerpt and any help go into an
/// exception note, which tracebacks print under the message. Parse
/// failures open with cffi's `cannot parse "LINE"` and give the located
/// diagnostic in the message itself (cffi's `parse error` where a `# N
/// "file"` marker moved the position). Headers and type strings get the
/// full diagnostic as the message.
pub fn from_cdecl(py: Python<'_>, err: cdecl::Error) -> PyErr {
    from_cdecl_as(py, err, "CDefError", "error")
}

/// `from_cdecl` for errors of parsing (`cdef()`, type strings): what cffi's
/// parser raises there is `FFIError` itself, not the backend's `ffi.error`.
pub fn from_cdecl_parse(py: Python<'_>, err: cdecl::Error) -> PyErr {
    from_cdecl_as(py, err, "CDefError", "FFIError")
}

/// `from_cdecl` for a type string given to a compiled module's `ffi`: a
/// `CDefError` there is `ffi.error` (same text, same note), as in cffi.
/// A negative array length (`int[-1]`) is `ffi.error` there too: cffi's
/// compiled parser refuses it as it parses, where its in-line one raises
/// `ValueError` (an array of `void` stays a `ValueError` in both: it is
/// refused when the type is made).
pub fn from_cdecl_api(py: Python<'_>, mut err: cdecl::Error) -> PyErr {
    if matches!(err.message, cdecl::Message::Syntax(cdecl::error::Syntax::NegativeArrayLength { .. })) {
        err.kind = cdecl::ErrorKind::CDef;
    }
    from_cdecl_as(py, err, "error", "error")
}

fn from_cdecl_as(py: Python<'_>, err: cdecl::Error, cdef_class: &str, ffi_class: &str) -> PyErr {
    // The rule: a `cdecl::Error` becomes a Python exception only after the
    // arena lock is released (making it may import `rcffi.error` and add a
    // note: Python code that may need the arena). Code that fails under the
    // lock keeps the typed error and converts it once the guard is dropped;
    // debug builds (the test suite's) check it here.
    debug_assert!(!crate::state::arena_held_here(), "a Python error raised while the arena lock is held");
    let mut note = None;
    let text = match &err.location {
        Some(loc) if err.syntax => {
            if !loc.from_line_marker && matches!(loc.origin, Origin::Cdef | Origin::TypeString) {
                format!("cannot parse \"{}\"\n{err}", loc.line_text.trim())
            } else {
                // cffi's wording when a `# N "file"` marker moved the position
                format!("parse error\n{err}")
            }
        }
        // cdef() text, also where a `# N "file"` marker moved the position
        Some(loc) if loc.origin == Origin::Cdef => {
            note = Some(err.excerpt());
            match err.kind {
                cdecl::ErrorKind::NotImplemented => err.message.to_string(),
                _ => format!("{}:{}: {}", loc.source_name, loc.line, err.message),
            }
        }
        _ => err.to_string(),
    };
    let e = match err.kind {
        cdecl::ErrorKind::CDef => raise(py, cdef_class, text),
        cdecl::ErrorKind::Ffi => raise(py, ffi_class, text),
        cdecl::ErrorKind::NotImplemented => PyNotImplementedError::new_err(text),
        cdecl::ErrorKind::Type => PyTypeError::new_err(text),
        cdecl::ErrorKind::Value => pyo3::exceptions::PyValueError::new_err(text),
        cdecl::ErrorKind::Overflow => pyo3::exceptions::PyOverflowError::new_err(text),
        cdecl::ErrorKind::Missing => verification_missing(py, text),
        cdecl::ErrorKind::Recursion => pyo3::exceptions::PyRecursionError::new_err(text),
    };
    if let Some(note) = note {
        // `add_note` exists from Python 3.11; on 3.9/3.10 the note is set
        // as `__notes__` (what add_note makes), readable though not printed
        // by those versions' tracebacks.
        let value = e.value(py);
        if value.call_method1("add_note", (&note,)).is_err() {
            if let Ok(notes) = pyo3::types::PyList::new(py, [&note]) {
                let _ = value.setattr("__notes__", notes);
            }
        }
    }
    e
}

pub fn type_error(msg: impl Into<String>) -> PyErr {
    PyTypeError::new_err(msg.into())
}

/// cffi's `TypeError` for a non-cdata first argument of `gc()`, `buffer()`,
/// `string()`, `unpack()` (CPython's argument parsing words it).
pub fn not_a_cdata_argument(func: &str, obj: &Bound<'_, PyAny>) -> PyErr {
    let tname = if obj.is_none() {
        "None".to_string()
    } else {
        // SAFETY: tp_name of a live object's type is a C string.
        unsafe { std::ffi::CStr::from_ptr((*pyo3::ffi::Py_TYPE(obj.as_ptr())).tp_name) }.to_string_lossy().into_owned()
    };
    PyTypeError::new_err(format!("{func}() argument 1 must be _cffi_backend._CDataBase, not {tname}"))
}

extern "C" {
    #[cfg(not(Py_3_13))]
    fn _PyErr_WriteUnraisableMsg(err_msg: *const std::ffi::c_char, obj: *mut pyo3::ffi::PyObject);
    #[cfg(Py_3_13)]
    fn PyErr_FormatUnraisable(format: *const std::ffi::c_char, ...);
}

/// Print `err` as cffi does for an error nothing can raise (a callback
/// called from C, an `ffi.gc` destructor): "Exception ignored from cffi
/// callback <function f at 0x...>:" (`what`, then `extra`) and the
/// traceback, via sys.unraisablehook.
pub(crate) fn report_unraisable(py: Python<'_>, err: PyErr, what: &str, extra: &str) {
    err.restore(py);
    let msg = std::ffi::CString::new(format!("{what}{extra}")).unwrap_or_default();
    // SAFETY: an exception is set; both functions consume it.
    unsafe {
        #[cfg(not(Py_3_13))]
        _PyErr_WriteUnraisableMsg(msg.as_ptr(), std::ptr::null_mut());
        #[cfg(Py_3_13)]
        PyErr_FormatUnraisable(c"Exception ignored %s".as_ptr(), msg.as_ptr());
        pyo3::ffi::PyErr_Clear();
    }
}
