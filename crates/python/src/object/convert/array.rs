//! Arrays: initialised from lists, tuples, bytes (char arrays), str (wide
//! char arrays) or another cdata array of the same type.

use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use super::Room;
use crate::cdata;
use crate::ctype::{CType, Conv};

/// Store into a fixed-length array slot (struct field or `T[N]`).
///
/// # Safety
/// `dst` points to the array's storage.
pub unsafe fn store(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>, dst: *mut u8) -> PyResult<()> { unsafe {
    let n = ct.length.unwrap_or(0);
    store_n(py, ct, obj, dst, n)
}}

/// Store into an array of unknown length `T[]` (a flexible array member,
/// or `p[0]` of a `T(*)[]`) at `dst`: as many items as `room` (the bytes
/// from `dst` on) holds, or all given ones when the memory is C's
/// (`Room::Unchecked`); more is cffi's "too many initializers"
/// `IndexError` (cffi itself writes them past the memory).
///
/// # Safety
/// `dst` has `room` bytes behind it when that is `Room::Bytes`.
pub unsafe fn store_open(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>, dst: *mut u8, room: Room) -> PyResult<()> { unsafe {
    let n = match room {
        Room::Bytes(bytes) => bytes / ct.item().get().size(py)?.max(1),
        Room::Own => 0,
        Room::Unchecked => match (init_length(ct, obj)?, cdata::as_cdata(py, obj)) {
            (Some(n), _) => n,
            (None, Some(cd)) => cd.length.get().max(0) as usize,
            (None, None) => 0, // not an initializer: store_n says what is expected
        },
    };
    store_n(py, ct, obj, dst, n)
}}

/// How many items `obj` would initialise in `ffi.new("T[]", obj)`, as
/// cffi counts them (bytes and str get room for a terminating zero);
/// `None` when `obj` is not an initializer but a length.
pub fn init_length(ct: &CType, obj: &Bound<'_, PyAny>) -> PyResult<Option<usize>> {
    if let Ok(l) = obj.cast::<PyList>() {
        return Ok(Some(l.len()));
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return Ok(Some(t.len()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Some(b.as_bytes().len() + 1));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let size = if let Conv::WideChar { size } = ct.item().get().conv { size } else { 4 };
        return Ok(Some(super::character::str_units(s, size)?.len() + 1));
    }
    Ok(None)
}

/// # Safety
/// `dst` points to `n` items of the array's item type.
pub unsafe fn store_n(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>, dst: *mut u8, n: usize) -> PyResult<()> { unsafe {
    // each array level nested by value recurses once (an item's store)
    crate::stack::check(|| format!("initializer for ctype '{}'", ct.cname))?;
    let item_ct = ct.item();
    let item = item_ct.get();
    let isize_ = item.size(py)?;
    let seq = super::list_or_tuple_items(obj);
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
    if is_byte_item(item) {
        let Ok(b) = obj.cast::<PyBytes>() else {
            return not_convertible(py, ct, obj, n, dst, "bytes or list or tuple");
        };
        let bytes = b.as_bytes();
        if bytes.len() > n {
            return Err(PyIndexError::new_err(format!(
                "initializer bytes is too long for '{}' (got {} characters)",
                ct.cname,
                bytes.len()
            )));
        }
        if item.conv == Conv::Bool {
            check_bools(bytes)?;
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len());
        if bytes.len() < n {
            *dst.add(bytes.len()) = 0;
        }
        return Ok(());
    }
    if let Conv::WideChar { size } = item.conv {
        let Ok(s) = obj.cast::<PyString>() else {
            return not_convertible(py, ct, obj, n, dst, "unicode or list or tuple");
        };
        let units = super::character::str_units(s, size)?;
        if units.len() > n {
            return Err(PyIndexError::new_err(format!(
                "initializer unicode is too long for '{}' (got {} characters)",
                ct.cname,
                units.len()
            )));
        }
        for (i, u) in units.iter().chain(std::iter::once(&0)).take(n).enumerate() {
            super::integer::store_wrapping(*u as i128, size, dst.add(i * size as usize));
        }
        return Ok(());
    }
    not_convertible(py, ct, obj, n, dst, "list or tuple")
}}

/// Items of one byte (`char`, `signed`/`unsigned char`, `_Bool`, `int8_t`)
/// are initialised from `bytes`, as in cffi.
fn is_byte_item(item: &CType) -> bool {
    matches!(item.conv, Conv::Char | Conv::Bool | Conv::Int { size: 1, .. })
}

/// A cdata of the very same array type is copied; anything else is
/// cffi's conversion error.
///
/// # Safety
/// `dst` points to `n` items of the array's item type. (`cd.ptr` is read
/// and copied from with no Python code in between; not NULL: a released
/// source is refused.)
unsafe fn not_convertible(
    py: Python<'_>,
    ct: &CType,
    obj: &Bound<'_, PyAny>,
    n: usize,
    dst: *mut u8,
    expected: &str,
) -> PyResult<()> { unsafe {
    if let Some(cd) = cdata::as_cdata(py, obj) {
        if std::ptr::eq(cd.ctype(), ct) {
            // a released array reads as empty from NULL: its items were
            // silently not copied (cffi copies what it had)
            if cd.is_released() {
                return Err(cdata::lifetime::released_error(cd.ctype()));
            }
            // same type, so the same length, except for `T[]` (a flexible
            // array member given another's items)
            let count = cd.length.get().max(0) as usize;
            if count > n {
                return Err(PyIndexError::new_err(format!("too many initializers for '{}' (got {})", ct.cname, count)));
            }
            std::ptr::copy(cd.ptr.get(), dst, count * ct.item().get().size(py)?);
            return Ok(());
        }
    }
    Err(super::pointer::convert_error(py, ct, obj, expected))
}}

/// Bytes given as `_Bool` items: C may only see 0 or 1 there (cffi checks
/// the same).
pub fn check_bools(bytes: &[u8]) -> PyResult<()> {
    if bytes.iter().any(|&b| b > 1) {
        return Err(pyo3::exceptions::PyValueError::new_err("an array of _Bool can only contain \\x00 or \\x01"));
    }
    Ok(())
}

/// An array length given as an integer (anything with `__index__`), with
/// Python's own error for other objects; too large is `OverflowError`.
pub fn index_length(obj: &Bound<'_, PyAny>) -> PyResult<isize> {
    if !obj.is_instance_of::<pyo3::types::PyInt>() {
        // its `__index__` runs
        crate::stack::check_before_python_method()?;
    }
    // SAFETY: PyNumber_Index returns a new reference or NULL with an error set.
    let index = unsafe { Bound::from_owned_ptr_or_err(obj.py(), pyo3::ffi::PyNumber_Index(obj.as_ptr())) }.map_err(|e| {
        if e.is_instance_of::<PyTypeError>(obj.py()) {
            let tname = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            PyTypeError::new_err(format!("expected new array length or list/tuple/str, not {tname}"))
        } else {
            e
        }
    })?;
    index.extract::<isize>().map_err(|_| pyo3::exceptions::PyOverflowError::new_err("Python int too large to convert to C ssize_t"))
}
