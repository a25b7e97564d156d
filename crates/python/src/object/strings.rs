//! `ffi.string()` and `ffi.unpack()`.

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::cdata;
use crate::convert;
use crate::ctype::{Conv, Kind};

pub fn string<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>, maxlen: isize) -> PyResult<Bound<'py, PyAny>> {
    let cd = cdata::as_cdata(py, obj).ok_or_else(|| crate::errors::not_a_cdata_argument("string", obj))?;
    let ct = cd.ctype();
    match ct.kind {
        Kind::Pointer | Kind::Array => {
            let item = ct.item().get();
            // as cffi: items of one byte (char and the 8-bit integers, not
            // _Bool) give bytes, wide characters str; anything else is
            // refused before the address is looked at (a NULL `void *` too)
            if !matches!(item.conv, Conv::Char | Conv::Int { size: 1, .. } | Conv::WideChar { .. }) {
                return Err(PyTypeError::new_err(format!("string(): unexpected cdata '{}' argument", ct.cname)));
            }
            let mut limit = if maxlen < 0 { usize::MAX } else { maxlen as usize };
            if ct.kind == Kind::Array && cd.length.get() >= 0 {
                limit = limit.min(cd.length.get() as usize);
            }
            if cd.ptr.get().is_null() {
                return Err(PyRuntimeError::new_err(format!("cannot use string() on {}", cdata::repr::repr_string(py, cd)?)));
            }
            // never past the memory a root owns, NUL or not (extent.rs); an
            // array's length already keeps it inside
            if let Some(e) = if ct.kind == Kind::Pointer { cdata::extent::of(py, cd) } else { None } {
                let unit = if let Conv::WideChar { size } = item.conv { size as usize } else { 1 };
                limit = limit.min(e.room_from(cd.ptr.get() as usize) / unit);
            }
            // SAFETY: reads stop at the first NUL or the known length, as C would.
            unsafe {
                match item.conv {
                    Conv::Char | Conv::Int { size: 1, .. } => {
                        let n = byte_string_len(cd.ptr.get(), limit);
                        Ok(convert::new_bytes(py, crate::convert::bytes_at(cd.ptr.get(), n))?.into_any())
                    }
                    Conv::WideChar { size } => {
                        let n = wide_string_len(cd.ptr.get(), limit, size);
                        Ok(wide_str(py, cd.ptr.get(), n, size)?.into_any())
                    }
                    _ => Err(PyTypeError::new_err(format!("string(): unexpected cdata '{}' argument", ct.cname))),
                }
            }
        }
        Kind::Primitive | Kind::Enum => {
            // SAFETY: primitive cdata point at their value.
            unsafe {
                match ct.conv {
                    Conv::Char => Ok(PyBytes::new(py, std::slice::from_raw_parts(cd.ptr.get(), 1)).into_any()),
                    // a one-byte integer is a character too (cffi)
                    Conv::Int { size: 1, .. } if ct.kind != Kind::Enum => {
                        Ok(PyBytes::new(py, std::slice::from_raw_parts(cd.ptr.get(), 1)).into_any())
                    }
                    Conv::WideChar { size } => convert::character::read_wide(py, size, cd.ptr.get()),
                    Conv::Int { size, signed } if ct.kind == Kind::Enum => {
                        let v = convert::integer::load(size, signed, cd.ptr.get());
                        let values = ct.enum_values.as_ref().expect("enum values");
                        match values.iter().find(|(_, x)| *x == v) {
                            Some((name, _)) => Ok(PyString::new(py, name).into_any()),
                            None => Ok(PyString::new(py, &v.to_string()).into_any()),
                        }
                    }
                    _ => Err(PyTypeError::new_err(format!("string(): unexpected cdata '{}' argument", ct.cname))),
                }
            }
        }
        _ => Err(PyTypeError::new_err(format!("string(): unexpected cdata '{}' argument", ct.cname))),
    }
}

pub fn unpack<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>, length: isize) -> PyResult<Bound<'py, PyAny>> {
    let cd = cdata::as_cdata(py, obj).ok_or_else(|| crate::errors::not_a_cdata_argument("unpack", obj))?;
    let ct = cd.ctype();
    if !matches!(ct.kind, Kind::Pointer | Kind::Array) || ct.is_function_pointer() {
        return Err(PyTypeError::new_err(format!("expected a pointer or array, got '{}'", ct.cname)));
    }
    if length < 0 {
        return Err(PyValueError::new_err("'length' cannot be negative"));
    }
    let n = length as usize;
    if cd.is_released() {
        return Err(cdata::lifetime::released_error(ct));
    }
    if cd.ptr.get().is_null() {
        return Err(PyRuntimeError::new_err(format!("cannot use unpack() on {}", cdata::repr::repr_string(py, cd)?)));
    }
    let item = ct.item();
    let ic = item.get();
    if let Some(size) = ic.size_opt(py) {
        let bytes = n.checked_mul(size).ok_or_else(|| pyo3::exceptions::PyMemoryError::new_err(format!("unpack(): {n} items of '{}' is too many bytes", ic.cname)))?;
        cdata::extent::check_size(py, cd, bytes, "ffi.unpack")?;
    }
    // SAFETY: the caller vouches for `length` items at the address, as in
    // cffi, except inside memory rcffi owns, checked above. The bytes and
    // str paths read `cd.ptr` and copy with no Python code in between; the
    // list path checks it again after the list (a tracked allocation) was
    // made, and makes only untracked objects (numbers, views) per item.
    unsafe {
        match ic.conv {
            Conv::Char => Ok(convert::new_bytes(py, crate::convert::bytes_at(cd.ptr.get(), n))?.into_any()),
            Conv::WideChar { size } => Ok(wide_str(py, cd.ptr.get(), n, size)?.into_any()),
            _ => {
                if ic.kind == Kind::Void || (ic.kind == Kind::Array && ic.length.is_none()) {
                    return Err(PyValueError::new_err(format!("'{}' points to items of unknown size", ct.cname)));
                }
                let size = ic.size(py)?;
                // the list is made first, as cffi makes it: a length no
                // list can have is a MemoryError before any item is read
                let len = isize::try_from(n).map_err(|_| pyo3::exceptions::PyMemoryError::new_err(()))?;
                let list = Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyList_New(len))?;
                // making the list may start a collection, whose `__del__`
                // may release `obj`: its address (read again at each item)
                // is then NULL, and its memory maybe given back
                let base = cd.ptr.get();
                if base.is_null() {
                    return Err(cdata::lifetime::released_error(ct));
                }
                // records and arrays come back as views, holding the
                // memory of `obj` as its items and slices do; a slot not
                // yet filled is NULL, which a list may hold while it dies
                for i in 0..n {
                    let v = convert::read_in(py, item, base.add(i * size), obj.as_ptr())?;
                    pyo3::ffi::PyList_SET_ITEM(list.as_ptr(), i as isize, v.into_ptr());
                }
                Ok(list)
            }
        }
    }
}

/// Bytes before the first NUL at `p`, at most `limit`: libc's `memchr`
/// (`strlen` without a limit), which read a word or a vector at a time.
///
/// # Safety
/// `p` is readable up to its first NUL or `limit` bytes, whichever comes first.
unsafe fn byte_string_len(p: *const u8, limit: usize) -> usize { unsafe {
    if limit == usize::MAX {
        return libc::strlen(p.cast());
    }
    let hit = libc::memchr(p.cast(), 0, limit);
    if hit.is_null() {
        limit
    } else {
        hit as usize - p as usize
    }
}}

/// Units of `size` bytes before the first zero unit at `p`, at most
/// `limit`. `wchar_t` strings use libc's `wcslen`/`wmemchr` when aligned
/// as C aligns them; others are scanned a unit at a time.
///
/// # Safety
/// `p` is readable up to its first zero unit or `limit` units.
unsafe fn wide_string_len(p: *const u8, limit: usize, size: u8) -> usize { unsafe {
    if size as usize == std::mem::size_of::<libc::wchar_t>() && p as usize % std::mem::align_of::<libc::wchar_t>() == 0 {
        let w = p as *const libc::wchar_t;
        if limit == usize::MAX {
            return libc::wcslen(w);
        }
        let hit = libc::wmemchr(w, 0, limit);
        return if hit.is_null() { limit } else { (hit as usize - w as usize) / std::mem::size_of::<libc::wchar_t>() };
    }
    let mut n = 0;
    while n < limit && convert::integer::load(size, false, p.add(n * size as usize)) != 0 {
        n += 1;
    }
    n
}}

/// From this many units on, [`wide_str`] checks that a str of them can be
/// allocated before it reads them (below, the check costs more than it
/// could save).
const PROBE_UNITS: usize = 1 << 18;

/// The str of `n` units of `size` bytes at `p`, as cffi builds it: lone
/// surrogates are kept, for `char16_t` valid pairs are combined; a unit
/// beyond U+10FFFF is a `ValueError`. UCS-4 data is handed to CPython as
/// it is (after the range check), without an intermediate copy.
///
/// # Safety
/// `p` is readable for `n * size` bytes.
unsafe fn wide_str<'py>(py: Python<'py>, p: *const u8, n: usize, size: u8) -> PyResult<Bound<'py, PyString>> { unsafe {
    if size == 4 && p as usize % 4 == 0 {
        // cffi allocates the str before reading: a length no str can have
        // is a MemoryError before the first unit is read (probed for big
        // lengths only; the str itself is made from the units below)
        if n >= PROBE_UNITS {
            drop(convert::vec_for::<u32>(n, "characters")?);
        }
        let units = std::slice::from_raw_parts(p as *const u32, n);
        if let Some(&bad) = units.iter().find(|&&u| u > 0x10ffff) {
            return Err(pyo3::exceptions::PyValueError::new_err(format!("character out of range: {bad:#x}")));
        }
        let o = pyo3::ffi::PyUnicode_FromKindAndData(pyo3::ffi::PyUnicode_4BYTE_KIND as _, p.cast(), n as _);
        return Ok(Bound::from_owned_ptr_or_err(py, o)?.cast_into_unchecked());
    }
    let mut units: Vec<u32> = convert::vec_for(n, "characters")?;
    units.extend((0..n).map(|i| convert::integer::load(size, false, p.add(i * size as usize)) as u32));
    convert::character::str_from_units(py, &units, size)
}}
