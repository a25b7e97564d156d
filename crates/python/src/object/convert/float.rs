//! `float`, `double` and the `_Complex` types.

use pyo3::ffi;
use pyo3::prelude::*;

use crate::cdata;
use crate::ctype::{CType, Conv};

/// The float value of a Python number or a primitive cdata.
pub fn extract(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    // SAFETY: type check, then a read of an exact float's value.
    unsafe {
        if ffi::PyFloat_CheckExact(obj.as_ptr()) != 0 {
            return Ok(ffi::PyFloat_AS_DOUBLE(obj.as_ptr()));
        }
    }
    if let Some(cd) = cdata::as_cdata(py, obj) {
        return cdata_as_f64(cd);
    }
    // SAFETY: type checks on a live object.
    if unsafe { ffi::PyFloat_Check(obj.as_ptr()) == 0 && ffi::PyLong_Check(obj.as_ptr()) == 0 } {
        // `__float__` or `__index__` runs
        crate::stack::check_before_python_method()?;
    }
    // SAFETY: PyFloat_AsDouble accepts any object.
    let v = unsafe { ffi::PyFloat_AsDouble(obj.as_ptr()) };
    if v == -1.0 {
        if let Some(e) = PyErr::take(py) {
            return Err(e);
        }
    }
    Ok(v)
}

/// `float(cdata)` for primitive cdata.
pub fn cdata_as_f64(cd: &cdata::CDataObject) -> PyResult<f64> {
    let ct = cd.ctype();
    // SAFETY: primitive cdata point at their value, never NULL (also after
    // `ffi.release` of a gc of one: lifetime::release_gc_value).
    unsafe {
        Ok(match ct.conv {
            Conv::Float => (cd.ptr.get() as *const f32).read_unaligned() as f64,
            Conv::Double => (cd.ptr.get() as *const f64).read_unaligned(),
            Conv::LongDouble => super::longdouble::load(cd.ptr.get()),
            Conv::Int { size, signed } => super::integer::load(size, signed, cd.ptr.get()) as f64,
            Conv::Bool | Conv::Char => *cd.ptr.get() as f64,
            Conv::WideChar { size } => super::integer::load(size, ct.signed_wide(), cd.ptr.get()) as f64,
            _ => {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "float() not supported on cdata '{}'",
                    ct.cname
                )));
            }
        })
    }
}

/// # Safety
/// `dst` points to the complex type's storage.
pub unsafe fn store_complex(py: Python<'_>, obj: &Bound<'_, PyAny>, ct: &CType, dst: *mut u8) -> PyResult<()> { unsafe {
    let (re, im) = if let Some(cd) = cdata::as_cdata(py, obj) {
        match cd.ctype().conv {
            Conv::FloatComplex => {
                let p = cd.ptr.get() as *const f32;
                (p.read_unaligned() as f64, p.add(1).read_unaligned() as f64)
            }
            Conv::DoubleComplex => {
                let p = cd.ptr.get() as *const f64;
                (p.read_unaligned(), p.add(1).read_unaligned())
            }
            // others through `__complex__`, which refuses them (cffi)
            _ => complex_of(py, obj)?,
        }
    } else {
        complex_of(py, obj)?
    };
    if ct.conv == Conv::FloatComplex {
        let p = dst as *mut f32;
        p.write_unaligned(re as f32);
        p.add(1).write_unaligned(im as f32);
    } else {
        let p = dst as *mut f64;
        p.write_unaligned(re);
        p.add(1).write_unaligned(im);
    }
    Ok(())
}}

/// `complex(obj)` as C parts: Python's protocol (`__complex__`, then
/// `__float__`, then `__index__`).
fn complex_of(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<(f64, f64)> {
    // SAFETY: type checks on a live object.
    if unsafe { ffi::PyComplex_Check(obj.as_ptr()) == 0 && ffi::PyFloat_Check(obj.as_ptr()) == 0 && ffi::PyLong_Check(obj.as_ptr()) == 0 } {
        crate::stack::check_before_python_method()?;
    }
    // SAFETY: PyComplex_AsCComplex accepts any object.
    let c = unsafe { ffi::PyComplex_AsCComplex(obj.as_ptr()) };
    if c.real == -1.0 {
        if let Some(e) = PyErr::take(py) {
            return Err(e);
        }
    }
    Ok((c.real, c.imag))
}
