//! Integers (all widths and signs, enums): range-checked like cffi.

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;

use crate::cdata;
use crate::ctype::{CType, Conv};

/// A Python int for any value the cdef language computes (enum values,
/// constants, bitfields). Values within 64 bits go through
/// `PyLong_FromLongLong`: quicker than PyO3's 128-bit path, whose
/// `_PyLong_FromByteArray` also reads an unset digit for 0 on CPython 3.11
/// (harmless, but every later use of the int is a valgrind report).
pub fn to_py(py: Python<'_>, v: i128) -> PyResult<Bound<'_, PyAny>> {
    if let Ok(small) = i64::try_from(v) {
        return Ok(small.into_pyobject(py)?.into_any());
    }
    Ok(v.into_pyobject(py)?.into_any())
}

/// # Safety
/// `src` points to `size` readable bytes.
#[inline]
pub unsafe fn read(py: Python<'_>, size: u8, signed: bool, src: *const u8) -> PyResult<Bound<'_, PyAny>> { unsafe {
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
}}

/// The integer value of `obj` for storing into `target`, taken as cffi
/// takes it: a Python int, a primitive integer cdata, or an object whose
/// type defines `__int__` (`Decimal`, numpy scalars). Floats, float cdata
/// and objects with only `__index__` are refused, as cffi refuses them.
pub fn extract(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<i128> {
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
            // SAFETY: a primitive cdata's ptr points at its value, never
            // NULL (also after `ffi.release` of a gc of one:
            // lifetime::release_gc_value); no Python code since `as_cdata`.
            Conv::Int { size, signed } => Ok(unsafe { load(size, signed, cd.ptr.get()) }),
            Conv::Bool | Conv::Char => Ok(unsafe { *cd.ptr.get() } as i128),
            Conv::WideChar { size } => Ok(unsafe { load(size, ct.signed_wide(), cd.ptr.get()) }),
            Conv::Float | Conv::Double | Conv::LongDouble => Err(PyTypeError::new_err("an integer is required")),
            _ => Err(PyTypeError::new_err(format!("int() not supported on cdata '{}'", ct.cname))),
        };
    }
    if obj.is_instance_of::<pyo3::types::PyFloat>() {
        return Err(PyTypeError::new_err("an integer is required"));
    }
    // SAFETY: the object's type is live; `nb_int` is called as CPython
    // would (a new reference or NULL with an exception set).
    unsafe {
        let numbers = (*ffi::Py_TYPE(ptr)).tp_as_number;
        let nb_int = if numbers.is_null() { None } else { (*numbers).nb_int };
        let Some(nb_int) = nb_int else {
            return Err(PyTypeError::new_err("an integer is required"));
        };
        crate::stack::check_before_python_method()?;
        let int = Bound::from_owned_ptr_or_err(py, nb_int(ptr))?;
        if ffi::PyLong_Check(int.as_ptr()) == 0 {
            return Err(PyTypeError::new_err("integer conversion failed"));
        }
        long_value(py, int.as_ptr())
    }
}

/// # Safety
/// `ptr` is a Python int.
unsafe fn long_value(py: Python<'_>, ptr: *mut ffi::PyObject) -> PyResult<i128> { unsafe {
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
}}

/// # Safety
/// `src` points to `size` readable bytes.
#[inline]
pub unsafe fn load(size: u8, signed: bool, src: *const u8) -> i128 { unsafe {
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
}}

#[inline]
pub fn range(size: u8, signed: bool) -> (i128, i128) {
    let bits = size as u32 * 8;
    if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    }
}

/// `OverflowError` (with cffi's message) unless `v` fits the C type.
#[inline]
pub fn check_range(v: i128, size: u8, signed: bool, ct: &CType) -> PyResult<()> {
    let (lo, hi) = range(size, signed);
    if v < lo || v > hi {
        return Err(if !signed && v < 0 {
            PyOverflowError::new_err("can't convert negative number to unsigned")
        } else {
            overflow(v, ct)
        });
    }
    Ok(())
}

/// `check_range` for a value `extract` took from `obj`: cffi's message
/// names the object as `str()` prints it (`Decimal('300')` is `300`).
pub fn check_range_of(obj: &Bound<'_, PyAny>, v: i128, size: u8, signed: bool, ct: &CType) -> PyResult<()> {
    check_range(v, size, signed, ct).map_err(|e| naming(obj, v, signed, ct, e))
}

/// `OverflowError` unless `v` is 0 or 1 (a `_Bool`), named as above.
pub fn check_bool_of(obj: &Bound<'_, PyAny>, v: i128, ct: &CType) -> PyResult<()> {
    check_range_of(obj, v, 1, false, ct)?;
    if v > 1 {
        return Err(naming(obj, v, false, ct, overflow(v, ct)));
    }
    Ok(())
}

/// The "integer N does not fit" error of `check_range` with `obj`'s text
/// for N; its other errors (negative to unsigned, beyond 64 bits) as they are.
fn naming(obj: &Bound<'_, PyAny>, v: i128, signed: bool, ct: &CType, e: PyErr) -> PyErr {
    // SAFETY: type check on a live object.
    let is_int = unsafe { ffi::PyLong_Check(obj.as_ptr()) } != 0;
    if is_int || (!signed && v < 0) || v == i128::MAX || v == i128::MIN {
        return e;
    }
    match obj.str() {
        Ok(s) => PyOverflowError::new_err(format!("integer {s} does not fit '{}'", ct.cname)),
        Err(e2) => e2,
    }
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
pub unsafe fn store_wrapping(v: i128, size: u8, dst: *mut u8) { unsafe {
    match size {
        1 => *dst = v as u8,
        2 => (dst as *mut u16).write_unaligned(v as u16),
        4 => (dst as *mut u32).write_unaligned(v as u32),
        _ => (dst as *mut u64).write_unaligned(v as u64),
    }
}}
