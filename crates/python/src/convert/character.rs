//! `char` (bytes of length 1) and the wide characters (str of length 1).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::cdata;
use crate::ctype::{CType, Conv};

/// # Safety
/// `src` points to one readable byte.
pub unsafe fn read_char<'py>(py: Python<'py>, src: *const u8) -> PyResult<Bound<'py, PyAny>> {
    Ok(PyBytes::new(py, std::slice::from_raw_parts(src, 1)).into_any())
}

/// # Safety
/// `src` points to `size` readable bytes.
pub unsafe fn read_wide<'py>(py: Python<'py>, size: u8, src: *const u8) -> PyResult<Bound<'py, PyAny>> {
    let code = if size == 2 { (src as *const u16).read_unaligned() as u32 } else { (src as *const u32).read_unaligned() };
    wide_to_str(py, code)
}

pub fn wide_to_str(py: Python<'_>, code: u32) -> PyResult<Bound<'_, PyAny>> {
    match char::from_u32(code) {
        Some(c) => Ok(PyString::new(py, c.encode_utf8(&mut [0; 4])).into_any()),
        None => Err(PyValueError::new_err(format!("character out of range: {code:#x}"))),
    }
}

pub fn extract_char(py: Python<'_>, obj: &Bound<'_, PyAny>, ct: &CType) -> PyResult<u8> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        let bytes = b.as_bytes();
        if bytes.len() == 1 {
            return Ok(bytes[0]);
        }
    } else if let Some(cd) = cdata::as_cdata(py, obj) {
        if cd.ctype().conv == Conv::Char {
            // SAFETY: a char cdata points at its byte.
            return Ok(unsafe { *cd.ptr });
        }
    }
    Err(PyTypeError::new_err(format!(
        "initializer for ctype '{}' must be a bytes of length 1, not {}",
        ct.cname,
        super::describe(py, obj)
    )))
}

/// The code point of a one-character str (or wide-char cdata), with
/// cffi's messages: they name `char16_t`/`char32_t` by width.
pub fn extract_wide(py: Python<'_>, obj: &Bound<'_, PyAny>, size: u8) -> PyResult<u32> {
    let got = if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?;
        let mut it = s.chars();
        match (it.next(), it.next()) {
            (Some(c), None) if size == 2 && c as u32 > 0xffff => "larger-than-0xFFFF character".to_string(),
            (Some(c), None) => return Ok(c as u32),
            _ => format!("unicode string of length {}", s.chars().count()),
        }
    } else {
        if let Some(cd) = cdata::as_cdata(py, obj) {
            if let Conv::WideChar { size: from } = cd.ctype().conv {
                if from == size {
                    // SAFETY: a wide-char cdata points at its value.
                    return Ok(unsafe { super::integer::load(size, false, cd.ptr) } as u32);
                }
            }
        }
        super::describe(py, obj)
    };
    let name = if size == 2 { "char16_t" } else { "char32_t" };
    Err(PyTypeError::new_err(format!("initializer for ctype '{name}' must be a unicode string of length 1, not {got}")))
}

/// # Safety
/// `dst` points to `size` writable bytes.
pub unsafe fn store_wide(py: Python<'_>, obj: &Bound<'_, PyAny>, size: u8, dst: *mut u8) -> PyResult<()> {
    let code = extract_wide(py, obj, size)?;
    if size == 2 {
        (dst as *mut u16).write_unaligned(code as u16);
    } else {
        (dst as *mut u32).write_unaligned(code);
    }
    Ok(())
}
