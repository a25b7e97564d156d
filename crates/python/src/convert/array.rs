//! Arrays: initialised from lists, tuples, bytes (char arrays), str (wide
//! char arrays) or another cdata array of the same type.

use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::cdata;
use crate::ctype::{CType, Conv};

/// Store into a fixed-length array slot (struct field or `T[N]`).
///
/// # Safety
/// `dst` points to the array's storage.
pub unsafe fn store(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>, dst: *mut u8) -> PyResult<()> {
    let n = ct.length.unwrap_or(0);
    store_n(py, ct, obj, dst, n)
}

/// How many items `obj` would initialise (`ffi.new("T[]", init)`).
pub fn init_length(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>) -> PyResult<Option<usize>> {
    let item = ct.item().get();
    if let Ok(l) = obj.cast::<PyList>() {
        return Ok(Some(l.len()));
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return Ok(Some(t.len()));
    }
    if item.conv == Conv::Char {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Some(b.as_bytes().len() + 1));
        }
    }
    if let Conv::WideChar { size } = item.conv {
        if let Ok(s) = obj.cast::<PyString>() {
            let s = s.to_cow()?;
            let units: usize = if size == 2 { s.encode_utf16().count() } else { s.chars().count() };
            return Ok(Some(units + 1));
        }
    }
    let _ = py;
    Ok(None)
}

/// # Safety
/// `dst` points to `n` items of the array's item type.
pub unsafe fn store_n(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>, dst: *mut u8, n: usize) -> PyResult<()> {
    let item_ct = ct.item();
    let item = item_ct.get();
    let isize_ = item.size(py)?;
    let seq: Option<Vec<Bound<'_, PyAny>>> = if let Ok(l) = obj.cast::<PyList>() {
        Some(l.iter().collect())
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        Some(t.iter().collect())
    } else {
        None
    };
    if let Some(items) = seq {
        if items.len() > n {
            return Err(PyIndexError::new_err(format!(
                "too many initializers for '{}' (got {})",
                ct.cname,
                items.len()
            )));
        }
        for (i, it) in items.iter().enumerate() {
            super::write(py, item, it, dst.add(i * isize_))?;
        }
        return Ok(());
    }
    if item.conv == Conv::Char {
        if let Ok(b) = obj.cast::<PyBytes>() {
            let bytes = b.as_bytes();
            if bytes.len() > n {
                return Err(PyIndexError::new_err(format!(
                    "initializer string is too long for '{}' (got {} characters)",
                    ct.cname,
                    bytes.len()
                )));
            }
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len());
            if bytes.len() < n {
                *dst.add(bytes.len()) = 0;
            }
            return Ok(());
        }
    }
    if let Conv::WideChar { size } = item.conv {
        if let Ok(s) = obj.cast::<PyString>() {
            let s = s.to_cow()?;
            let units: Vec<u32> =
                if size == 2 { s.encode_utf16().map(|u| u as u32).collect() } else { s.chars().map(|c| c as u32).collect() };
            if units.len() > n {
                return Err(PyIndexError::new_err(format!(
                    "initializer string is too long for '{}' (got {} characters)",
                    ct.cname,
                    units.len()
                )));
            }
            for (i, u) in units.iter().chain(std::iter::once(&0)).take(n).enumerate() {
                super::integer::store_wrapping(*u as i128, size, dst.add(i * size as usize));
            }
            return Ok(());
        }
    }
    if let Some(cd) = cdata::as_cdata(py, obj) {
        let src = cd.ctype();
        if src.kind == crate::ctype::Kind::Array && std::ptr::eq(src.item().get(), item) {
            let count = (cd.length.max(0) as usize).min(n);
            std::ptr::copy(cd.ptr, dst, count * isize_);
            return Ok(());
        }
    }
    let what = match item.conv {
        Conv::Char => "a bytes or list or tuple",
        Conv::WideChar { .. } => "a str or list or tuple",
        _ => "a list or tuple",
    };
    Err(PyTypeError::new_err(format!(
        "initializer for ctype '{}' must be {what}, not {}",
        ct.cname,
        super::describe(py, obj)
    )))
}
