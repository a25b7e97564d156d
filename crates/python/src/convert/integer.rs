//! Integers (all widths and signs, enums): range-checked like cffi.

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;

use crate::cdata;
use crate::ctype::{CType, Conv};

/// # Safety
/// `src` points to `size` readable bytes.
#[inline]
pub unsafe fn read(py: Python<'_>, size: u8, signed: bool, src: *const u8) -> PyResult<Bound<'_, PyAny>> {
    let obj = if signed {
        let v: i64 = match size {
            1 => (src as *const i8).read() as i64,
            2 => (src as *const i16).read_unaligned() as i64,
            4 => (src as *const i32).read_unaligned() as i64,
            _ => (src as *const i64).read_unaligned(),
        };
        ffi::PyLong_FromLongLong(v)
    } else {
        let v: u64 = match size {
            1 => *src as u64,
            2 => (src as *const u16).read_unaligned() as u64,
            4 => (src as *const u32).read_unaligned() as u64,
            _ => (src as *const u64).read_unaligned(),
        };
        ffi::PyLong_FromUnsignedLongLong(v)
    };
    cdata::wrap(py, obj)
}

/// The integer value of `obj` for storing into `target`: a Python int,
/// an object with `__index__` (not a float), or a primitive integer cdata.
pub fn extract(py: Python<'_>, obj: &Bound<'_, PyAny>, target: &CType) -> PyResult<i128> {
    let ptr = obj.as_ptr();
    // SAFETY: type checks on a live object.
    unsafe {
        if ffi::PyLong_Check(ptr) != 0 {
            return long_value(py, ptr);
        }
    }
    if let Some(cd) = cdata::as_cdata(py, obj) {
        let ct = cd.ctype();
        return match ct.conv {
            // SAFETY: a primitive cdata's ptr points at its value.
            Conv::Int { size, signed } => Ok(unsafe { load(size, signed, cd.ptr) }),
            Conv::Bool | Conv::Char => Ok(unsafe { *cd.ptr } as i128),
            Conv::WideChar { size } => Ok(unsafe { load(size, ct.signed_wide(), cd.ptr) }),
            _ => Err(PyTypeError::new_err(format!("int() not supported on cdata '{}'", ct.cname))),
        };
    }
    let _ = target;
    if obj.is_instance_of::<pyo3::types::PyFloat>() || !obj.hasattr("__index__").unwrap_or(false) {
        return Err(PyTypeError::new_err("an integer is required"));
    }
    let idx = obj.call_method0("__index__")?;
    // SAFETY: __index__ returned an int.
    unsafe { long_value(py, idx.as_ptr()) }
}

/// # Safety
/// `ptr` is a Python int.
unsafe fn long_value(py: Python<'_>, ptr: *mut ffi::PyObject) -> PyResult<i128> {
    let mut overflow = 0;
    let v = ffi::PyLong_AsLongLongAndOverflow(ptr, &mut overflow);
    if overflow == 0 {
        if v == -1 && !ffi::PyErr_Occurred().is_null() {
            return Err(PyErr::fetch(py));
        }
        return Ok(v as i128);
    }
    if overflow > 0 {
        let u = ffi::PyLong_AsUnsignedLongLong(ptr);
        if u == u64::MAX && !ffi::PyErr_Occurred().is_null() {
            ffi::PyErr_Clear();
            return Ok(i128::MAX);
        }
        return Ok(u as i128);
    }
    Ok(i128::MIN)
}

/// # Safety
/// `src` points to `size` readable bytes.
#[inline]
pub unsafe fn load(size: u8, signed: bool, src: *const u8) -> i128 {
    if signed {
        (match size {
            1 => (src as *const i8).read() as i64,
            2 => (src as *const i16).read_unaligned() as i64,
            4 => (src as *const i32).read_unaligned() as i64,
            _ => (src as *const i64).read_unaligned(),
        }) as i128
    } else {
        (match size {
            1 => *src as u64,
            2 => (src as *const u16).read_unaligned() as u64,
            4 => (src as *const u32).read_unaligned() as u64,
            _ => (src as *const u64).read_unaligned(),
        }) as i128
    }
}

pub fn range(size: u8, signed: bool) -> (i128, i128) {
    let bits = size as u32 * 8;
    if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    }
}

/// Store with a range check (`OverflowError` names the value and the type).
///
/// # Safety
/// `dst` points to `size` writable bytes.
#[inline]
pub unsafe fn store(v: i128, size: u8, signed: bool, dst: *mut u8, ct: &CType) -> PyResult<()> {
    check_range(v, size, signed, ct)?;
    store_wrapping(v, size, dst);
    Ok(())
}

/// `OverflowError` (with cffi's message) unless `v` fits the C type.
#[inline]
pub fn check_range(v: i128, size: u8, signed: bool, ct: &CType) -> PyResult<()> {
    let (lo, hi) = range(size, signed);
    if v < lo || v > hi {
        return Err(if !signed && v < 0 && v != i128::MIN {
            PyOverflowError::new_err("can't convert negative number to unsigned")
        } else {
            overflow(v, ct)
        });
    }
    Ok(())
}

/// cffi's messages: the value and the type, or Python's own for values
/// beyond 64 bits (`extract` saturates those to the i128 extremes).
pub fn overflow(v: i128, ct: &CType) -> PyErr {
    if v == i128::MAX || v == i128::MIN {
        return PyOverflowError::new_err("int too big to convert");
    }
    PyOverflowError::new_err(format!("integer {v} does not fit '{}'", ct.cname))
}

/// Store the low `size` bytes of `v` (casts truncate, as C does).
///
/// # Safety
/// `dst` points to `size` writable bytes.
#[inline]
pub unsafe fn store_wrapping(v: i128, size: u8, dst: *mut u8) {
    match size {
        1 => *dst = v as u8,
        2 => (dst as *mut u16).write_unaligned(v as u16),
        4 => (dst as *mut u32).write_unaligned(v as u32),
        _ => (dst as *mut u64).write_unaligned(v as u64),
    }
}
