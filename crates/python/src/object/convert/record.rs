//! Structs and unions: fields (incl. bitfields), and initialisation from
//! lists, tuples, dicts or another cdata of the same type.

use pyo3::exceptions::{PyKeyError, PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::cdata;
use super::Room;
use crate::ctype::{CType, Conv, FieldInfo};

/// # Safety
/// `dst` points to the record's storage, of `room` bytes when that is
/// `Room::Bytes` (see `super::write_in`).
pub unsafe fn store(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>, dst: *mut u8, room: Room) -> PyResult<()> { unsafe {
    if let Some(cd) = cdata::as_cdata(py, obj) {
        if std::ptr::eq(cd.ctype(), ct) {
            let size = ct.size(py)?;
            std::ptr::copy(cd.ptr.get(), dst, size);
            return Ok(());
        }
        return Err(PyTypeError::new_err(format!(
            "initializer for ctype '{}' must be a list or tuple or dict or struct-cdata, not cdata '{}'",
            ct.cname,
            cd.ctype().cname
        )));
    }
    // each record level nested by value recurses once (write_field)
    crate::stack::check(|| format!("initializer for ctype '{}'", ct.cname))?;
    let info = ct.record_info(py)?;
    let room = if room == Room::Own { Room::Bytes(info.size) } else { room };
    let mut write = |f: &FieldInfo, value: &Bound<'_, PyAny>| -> PyResult<()> {
        if f.is_var_array() {
            let arr = f.ctype.get();
            if super::array::init_length(arr, value)?.is_none() && cdata::as_cdata(py, value).is_none() {
                return Ok(()); // just a length: the memory stays zeroed
            }
        }
        write_field(py, f, value, dst, room)
    };
    if for_each_initializer(py, ct, info, obj, &mut write)? {
        return Ok(());
    }
    Err(not_an_initializer(py, ct, obj))
}}

/// cffi's error for a value that cannot initialize the record `ct` (also a
/// struct argument given `None`, which only `ffi.new()` takes as "none").
pub fn not_an_initializer(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!(
        "initializer for ctype '{}' must be a list or tuple or dict or struct-cdata, not {}",
        ct.cname,
        super::describe(py, obj)
    ))
}

/// The bytes `ffi.new()` must allocate for a record ending in a flexible
/// array member, given its initializer (cffi's "optvarsize").
pub fn var_size(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>, fixed: usize) -> PyResult<usize> {
    let info = ct.record_info(py)?;
    let mut size = fixed;
    let mut visit = |f: &FieldInfo, value: &Bound<'_, PyAny>| -> PyResult<()> {
        let c = f.ctype.get();
        let end = if f.is_var_array() {
            let n = var_length(c, value)?;
            n.checked_mul(c.item().get().size(py)?).and_then(|b| b.checked_add(f.offset))
        } else if c.record.is_some() && c.record_info(py)?.var_array && cdata::as_cdata(py, value).is_none() {
            let inner = var_size(py, c, value, c.size(py)?)?;
            inner.checked_add(f.offset)
        } else {
            return Ok(());
        };
        let end = end.ok_or_else(|| PyOverflowError::new_err("array size would overflow a Py_ssize_t"))?;
        size = size.max(end);
        Ok(())
    };
    for_each_initializer(py, ct, info, obj, &mut visit)?;
    Ok(size)
}

/// Items a flexible array member gets from its initializer (a sequence,
/// bytes, str, or just the length).
fn var_length(arr: &CType, value: &Bound<'_, PyAny>) -> PyResult<usize> {
    if let Some(n) = super::array::init_length(arr, value)? {
        return Ok(n);
    }
    let n = super::array::index_length(value)?;
    if n < 0 {
        return Err(pyo3::exceptions::PyValueError::new_err("negative array length"));
    }
    Ok(n as usize)
}

/// Pair each initializer item with its field: lists and tuples in order
/// (a union takes one), dicts by name.
fn for_each_initializer(
    py: Python<'_>,
    ct: &CType,
    info: &crate::ctype::RecordInfo,
    obj: &Bound<'_, PyAny>,
    visit: &mut dyn FnMut(&FieldInfo, &Bound<'_, PyAny>) -> PyResult<()>,
) -> PyResult<bool> {
    let seq = super::list_or_tuple_items(obj);
    if let Some(items) = seq {
        let mut fields = info.fields.iter().filter(|f| !f.ignore_in_ctor);
        for it in &items {
            let Some(f) = fields.next() else {
                return Err(PyValueError::new_err(format!("too many initializers for '{}' (got {})", ct.cname, items.len())));
            };
            visit(f, it)?;
        }
        return Ok(true);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let by_name = info.by_name.bind(py);
        // A snapshot of the items: converting a value runs Python code
        // (`__int__`, `__float__`, ...) that may mutate the dict, and PyO3's
        // dict iterator panics on a size change (an abort, not an error).
        for item in d.items().iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            match by_name.get_item(&k)? {
                Some(idx) => visit(&info.fields[idx.extract::<usize>()?], &v)?,
                None => return Err(PyKeyError::new_err(k.unbind())),
            }
        }
        return Ok(true);
    }
    Ok(false)
}

/// # Safety
/// `base` points to the enclosing record, inside the memory of the cdata
/// `parent`.
pub unsafe fn read_field<'py>(py: Python<'py>, f: &FieldInfo, base: *mut u8, parent: *mut pyo3::ffi::PyObject) -> PyResult<Bound<'py, PyAny>> { unsafe {
    let at = base.add(f.offset);
    if f.bitsize >= 0 {
        let ct = f.ctype.get();
        let (_, signed) = int_shape(ct);
        let unit = load_bits(f, at);
        let mask = if f.bitsize >= 128 { u128::MAX } else { (1u128 << f.bitsize) - 1 };
        let mut v = ((unit >> f.bitshift) & mask) as i128;
        if signed && f.bitsize > 0 && (v >> (f.bitsize - 1)) & 1 == 1 {
            v -= 1i128 << f.bitsize;
        }
        // an int, even for a `_Bool` bitfield, as in cffi
        return super::integer::to_py(py, v);
    }
    super::read_in(py, &f.ctype, at, parent)
}}

fn int_shape(ct: &CType) -> (u8, bool) {
    match ct.conv {
        Conv::Int { size, signed } => (size, signed),
        // cffi treats `char` bitfields as unsigned, whatever the platform.
        Conv::Char => (1, false),
        Conv::WideChar { size } => (size, false),
        _ => (1, false),
    }
}

/// Write field `f` of the record at `base`; `room` is the memory from
/// `base` on (`super::Room`), which a flexible array member (or a nested
/// record ending in one) may fill.
///
/// # Safety
/// `base` points to the enclosing record, of `room` bytes when that is
/// `Room::Bytes`.
pub unsafe fn write_field(py: Python<'_>, f: &FieldInfo, obj: &Bound<'_, PyAny>, base: *mut u8, room: Room) -> PyResult<()> { unsafe {
    let at = base.add(f.offset);
    if f.bitsize < 0 {
        return super::write_in(py, f.ctype.get(), obj, at, room.after(f.offset));
    }
    let ct = f.ctype.get();
    let (_, signed) = int_shape(ct);
    // cffi takes a bitfield's value as C's `long long` (through
    // `__index__`; cdata and `__int__`-only objects are refused)
    // any live object; -1 with an exception set on failure
    let v = {
        let v = pyo3::ffi::PyLong_AsLongLong(obj.as_ptr());
        if v == -1 && !pyo3::ffi::PyErr_Occurred().is_null() {
            return Err(PyErr::fetch(py));
        }
        v as i128
    };
    let bits = f.bitsize as u32;
    let (lo, hi) = if signed {
        // cffi lets a 1-bit signed field receive 1 (it reads back as -1).
        if bits == 0 { (0, 0) } else { (-(1i128 << (bits - 1)), ((1i128 << (bits - 1)) - 1).max(1)) }
    } else {
        (0, (1i128 << bits) - 1)
    };
    if v < lo || v > hi {
        return Err(PyOverflowError::new_err(format!(
            "value {} outside the range allowed by the bit field width: {lo} <= x <= {hi}",
            obj.str()?
        )));
    }
    let mask: u128 = ((1u128 << bits) - 1) << f.bitshift;
    let unit = load_bits(f, at);
    let new = (unit & !mask) | (((v as u128) << f.bitshift) & mask);
    let span = bit_span_bytes(f);
    std::ptr::copy_nonoverlapping(new.to_le_bytes().as_ptr(), at, span);
    Ok(())
}}

/// The bytes a bitfield occupies from its offset. Only these are touched:
/// a packed bitfield's declared unit may run past the end of the record.
pub(crate) fn bit_span_bytes(f: &FieldInfo) -> usize {
    (f.bitshift as usize + f.bitsize as usize).div_ceil(8)
}

/// # Safety
/// `at` points to the bitfield's offset inside a live record.
unsafe fn load_bits(f: &FieldInfo, at: *const u8) -> u128 { unsafe {
    let mut bytes = [0u8; 16];
    std::ptr::copy_nonoverlapping(at, bytes.as_mut_ptr(), bit_span_bytes(f));
    u128::from_le_bytes(bytes)
}}
