//! `char` (bytes of length 1) and the wide characters (str of length 1).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::cdata;
use crate::ctype::{CType, Conv};

/// # Safety
/// `src` points to one readable byte.
pub unsafe fn read_char<'py>(py: Python<'py>, src: *const u8) -> PyResult<Bound<'py, PyAny>> { unsafe {
    Ok(PyBytes::new(py, std::slice::from_raw_parts(src, 1)).into_any())
}}

/// # Safety
/// `src` points to `size` readable bytes.
pub unsafe fn read_wide<'py>(py: Python<'py>, size: u8, src: *const u8) -> PyResult<Bound<'py, PyAny>> { unsafe {
    let code = if size == 2 { (src as *const u16).read_unaligned() as u32 } else { (src as *const u32).read_unaligned() };
    wide_to_str(py, code)
}}

pub fn wide_to_str(py: Python<'_>, code: u32) -> PyResult<Bound<'_, PyAny>> {
    Ok(str_from_units(py, &[code], 4)?.into_any())
}

/// A str from `char16_t`/`char32_t` units, as cffi builds it: lone
/// surrogates are kept, and for `char16_t` valid pairs are combined.
pub fn str_from_units<'py>(py: Python<'py>, units: &[u32], size: u8) -> PyResult<Bound<'py, PyString>> {
    let mut cps = super::vec_for(units.len(), "characters")?;
    let mut i = 0;
    while i < units.len() {
        let mut c = units[i];
        if size == 2 && (0xd800..0xdc00).contains(&c) && units.get(i + 1).is_some_and(|n| (0xdc00..0xe000).contains(n)) {
            c = (((c & 0x3ff) << 10) | (units[i + 1] & 0x3ff)) + 0x10000;
            i += 1;
        }
        if c > 0x10ffff {
            return Err(PyValueError::new_err(format!("character out of range: {c:#x}")));
        }
        cps.push(c);
        i += 1;
    }
    // SAFETY: `cps` holds `len` UCS4 code points, all <= 0x10ffff.
    unsafe {
        let o = pyo3::ffi::PyUnicode_FromKindAndData(pyo3::ffi::PyUnicode_4BYTE_KIND as _, cps.as_ptr().cast(), cps.len() as _);
        Ok(Bound::from_owned_ptr_or_err(py, o)?.cast_into_unchecked())
    }
}

/// The code points of a str (surrogates included, unlike `to_str`), split
/// into UTF-16 units for `char16_t`.
pub fn str_units(s: &Bound<'_, PyString>, size: u8) -> PyResult<Vec<u32>> {
    let py = s.py();
    // SAFETY: `s` is a live str; reading its characters by index.
    let cps: Vec<u32> = unsafe {
        let n = pyo3::ffi::PyUnicode_GetLength(s.as_ptr());
        if n < 0 {
            return Err(PyErr::fetch(py));
        }
        (0..n).map(|i| pyo3::ffi::PyUnicode_ReadChar(s.as_ptr(), i)).collect()
    };
    if size != 2 {
        return Ok(cps);
    }
    let mut out = Vec::with_capacity(cps.len());
    for c in cps {
        if c > 0xffff {
            let v = c - 0x10000;
            out.extend([0xd800 | (v >> 10), 0xdc00 | (v & 0x3ff)]);
        } else {
            out.push(c);
        }
    }
    Ok(out)
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
            return Ok(unsafe { *cd.ptr.get() });
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
        let cps = str_units(s, 4)?;
        match cps[..] {
            [c] if size == 2 && c > 0xffff => "larger-than-0xFFFF character".to_string(),
            [c] => return Ok(c),
            _ => format!("unicode string of length {}", cps.len()),
        }
    } else {
        if let Some(cd) = cdata::as_cdata(py, obj) {
            if let Conv::WideChar { size: from } = cd.ctype().conv {
                if from == size {
                    // SAFETY: a wide-char cdata points at its value.
                    return Ok(unsafe { super::integer::load(size, false, cd.ptr.get()) } as u32);
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
pub unsafe fn store_wide(py: Python<'_>, obj: &Bound<'_, PyAny>, size: u8, dst: *mut u8) -> PyResult<()> { unsafe {
    let code = extract_wide(py, obj, size)?;
    if size == 2 {
        (dst as *mut u16).write_unaligned(code as u16);
    } else {
        (dst as *mut u32).write_unaligned(code);
    }
    Ok(())
}}
