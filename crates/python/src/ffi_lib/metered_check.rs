//! Error contracts (python/rcffi/contracts.py) checked on the call path of
//! a boundary function (metered.rs), without a Python frame for the
//! built-in conventions: a NULL result, a comparison of the result with a
//! constant (`error_if=-1`, `error_if=rcffi.contracts.lt(0)`), and errno
//! cleared before the call and read after it. An arbitrary predicate
//! (`error_if=lambda rc: ...`) is called from here with the result. Only
//! a failing call reaches Python for its exception: `failure(rc, errno or
//! None)`, which builds it with the function name, result and errno.

use std::ffi::c_int;
use std::ptr;

use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;

use crate::cdata;

/// What makes a result an error.
enum Test {
    /// A NULL pointer cdata.
    Null,
    /// `result <op> value` (a `Py_LT`... code, a strong reference, and
    /// the value itself when it is an int that fits 64 bits: an int
    /// result is then compared without a Python comparison).
    Compare(c_int, *mut ffi::PyObject, Option<i64>),
    /// `bool(predicate(result))` (a strong reference).
    Predicate(*mut ffi::PyObject),
}

/// The contract of one function.
pub struct Check {
    test: Test,
    /// errno is cleared before the call and passed to `failure` after it.
    pub errno: bool,
    /// `failure(rc, errno or None)` -> the exception (strong reference).
    failure: *mut ffi::PyObject,
}

impl Check {
    /// `kind`: "null", "call" (`value` is the predicate) or one of "lt",
    /// "le", "eq", "ne", "gt", "ge" (`value` is the constant).
    pub fn new(kind: &str, value: Bound<'_, PyAny>, errno: bool, failure: Bound<'_, PyAny>) -> PyResult<Check> {
        let op = match kind {
            "lt" => Some(ffi::Py_LT),
            "le" => Some(ffi::Py_LE),
            "eq" => Some(ffi::Py_EQ),
            "ne" => Some(ffi::Py_NE),
            "gt" => Some(ffi::Py_GT),
            "ge" => Some(ffi::Py_GE),
            _ => None,
        };
        let test = match (kind, op) {
            ("null", _) => Test::Null,
            ("call", _) => {
                if !value.is_callable() {
                    return Err(PyValueError::new_err("_boundary_function(): a 'call' check needs a callable"));
                }
                Test::Predicate(value.into_ptr())
            }
            (_, Some(op)) => {
                let exact = value.is_exact_instance_of::<pyo3::types::PyInt>();
                let small = if exact { value.extract::<i64>().ok() } else { None };
                Test::Compare(op, value.into_ptr(), small)
            }
            _ => return Err(PyValueError::new_err(format!("_boundary_function(): unknown check kind {kind:?}"))),
        };
        Ok(Check { test, errno, failure: failure.into_ptr() })
    }

    /// `result` (a new reference, not NULL), or NULL with the contract's
    /// exception (or the test's own) set and `result` released.
    ///
    /// # Safety
    /// The GIL is held; called right after the foreign call, so that the
    /// saved errno is the call's.
    pub unsafe fn apply(&self, result: *mut ffi::PyObject) -> *mut ffi::PyObject {
        let err = if self.errno { Some(crate::call::saved_errno()) } else { None };
        // SAFETY: the GIL is held (our contract); every pointer is a live
        // object: `result` owned by us, the others by `self`.
        unsafe {
            let bad = match self.test {
                Test::Null => {
                    let py = Python::assume_attached();
                    c_int::from(cdata::is_cdata(py, result) && (*(result as *const cdata::CDataObject)).ptr.get().is_null())
                }
                Test::Compare(op, value, small) => match small.and_then(|c| small_int(result).map(|v| (v, c))) {
                    Some((v, c)) => c_int::from(match op {
                        ffi::Py_LT => v < c,
                        ffi::Py_LE => v <= c,
                        ffi::Py_EQ => v == c,
                        ffi::Py_NE => v != c,
                        ffi::Py_GT => v > c,
                        _ => v >= c,
                    }),
                    None => ffi::PyObject_RichCompareBool(result, value, op),
                },
                Test::Predicate(f) => {
                    let r = ffi::PyObject_CallOneArg(f, result);
                    if r.is_null() {
                        -1
                    } else {
                        let t = ffi::PyObject_IsTrue(r);
                        ffi::Py_DECREF(r);
                        t
                    }
                }
            };
            match bad {
                0 => result,
                1 => {
                    self.raise(result, err);
                    ffi::Py_DECREF(result);
                    ptr::null_mut()
                }
                _ => {
                    ffi::Py_DECREF(result);
                    ptr::null_mut()
                }
            }
        }
    }

    /// Set the exception `failure(result, err)` builds (or the one it raised).
    ///
    /// # Safety
    /// The GIL is held; `result` is a live object.
    unsafe fn raise(&self, result: *mut ffi::PyObject, err: Option<i32>) {
        // SAFETY: see the function's contract; new references are released
        // here, once.
        unsafe {
            let errobj = match err {
                Some(e) => ffi::PyLong_FromLong(e.into()),
                None => {
                    let none = ffi::Py_None();
                    ffi::Py_INCREF(none);
                    none
                }
            };
            if errobj.is_null() {
                return;
            }
            let argv = [result, errobj];
            let exc = ffi::PyObject_Vectorcall(self.failure, argv.as_ptr(), 2, ptr::null_mut());
            ffi::Py_DECREF(errobj);
            if exc.is_null() {
                return;
            }
            if ffi::PyExceptionInstance_Check(exc) != 0 {
                ffi::PyErr_SetObject(ffi::Py_TYPE(exc) as *mut ffi::PyObject, exc);
            } else {
                ffi::PyErr_SetString(ffi::PyExc_TypeError, c"error contract: failure() did not return an exception".as_ptr());
            }
            ffi::Py_DECREF(exc);
        }
    }
}

/// The value of an exact int that fits 64 bits.
///
/// # Safety
/// The GIL is held; `obj` is a live object.
unsafe fn small_int(obj: *mut ffi::PyObject) -> Option<i64> {
    // SAFETY: see the function's contract; no exception is left set (an
    // overflow is reported through `overflow`, not raised).
    unsafe {
        if ffi::PyLong_CheckExact(obj) == 0 {
            return None;
        }
        let mut overflow: c_int = 0;
        let v = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
        // -1 with an exception set is a failure (none is expected: the
        // type is an exact int)
        let failed = v == -1 && !ffi::PyErr_Occurred().is_null();
        (overflow == 0 && !failed).then_some(v)
    }
}

impl Drop for Check {
    fn drop(&mut self) {
        // SAFETY: the references are ours; a Check is dropped by its
        // boundary function's dealloc or by `_boundary_function` failing,
        // both with the GIL held.
        unsafe {
            match self.test {
                Test::Null => {}
                Test::Compare(_, v, _) | Test::Predicate(v) => ffi::Py_DECREF(v),
            }
            ffi::Py_DECREF(self.failure);
        }
    }
}
