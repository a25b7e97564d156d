//! Conversions between Python objects and C memory, one file per kind of
//! C type (as pydantic-core keeps one serializer per type). `read` turns the
//! C value at an address into a Python object; `write` stores a Python
//! object at an address, with cffi's range and type checks.

pub mod integer;
pub mod float;
pub mod character;
pub mod pointer;
pub mod array;
pub mod record;
pub mod longdouble;
pub mod longdouble_fmt;

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::cdata::{self, Owner};
use crate::ctype::{CType, Conv};
use crate::errors;

/// The Python value of the C object of type `ct` at `src`. Arrays and
/// records come back as cdata viewing `src` (no copy).
///
/// # Safety
/// `src` must point to readable memory of `ct`'s size.
pub unsafe fn read<'py>(py: Python<'py>, ct: &Py<CType>, src: *const u8) -> PyResult<Bound<'py, PyAny>> { unsafe {
    let c = ct.get();
    match c.conv {
        Conv::Int { size, signed } => integer::read(py, size, signed, src),
        Conv::Bool => match *src {
            0 | 1 => Ok(pyo3::types::PyBool::new(py, *src != 0).to_owned().into_any()),
            // cffi refuses to guess what other bytes mean
            v => Err(pyo3::exceptions::PyValueError::new_err(format!("got a _Bool of value {v}, expected 0 or 1"))),
        },
        Conv::Char => character::read_char(py, src),
        Conv::WideChar { size } => character::read_wide(py, size, src),
        Conv::Float => Ok(pyo3::types::PyFloat::new(py, (src as *const f32).read_unaligned() as f64).into_any()),
        Conv::Double => Ok(pyo3::types::PyFloat::new(py, (src as *const f64).read_unaligned()).into_any()),
        Conv::FloatComplex => {
            let p = src as *const f32;
            Ok(pyo3::types::PyComplex::from_doubles(py, p.read_unaligned() as f64, p.add(1).read_unaligned() as f64).into_any())
        }
        Conv::DoubleComplex => {
            let p = src as *const f64;
            Ok(pyo3::types::PyComplex::from_doubles(py, p.read_unaligned(), p.add(1).read_unaligned()).into_any())
        }
        Conv::LongDouble => cdata::wrap(py, cdata::new_value_cdata(py, ct, src, 16)),
        Conv::Pointer => {
            let value = (src as *const *mut u8).read_unaligned();
            cdata::wrap(py, cdata::new_cdata(py, ct, value, Owner::Borrowed))
        }
        Conv::Array if c.length.is_none() => cdata::wrap(py, cdata::new_cdata(py, &open_array_pointer(py, c)?, src as *mut u8, Owner::Borrowed)),
        Conv::Array | Conv::Record => cdata::wrap(py, cdata::new_cdata(py, ct, src as *mut u8, Owner::Borrowed)),
        Conv::Void | Conv::Function | Conv::Unknown => {
            Err(errors::type_error(format!("cannot return a cdata '{}'", c.cname)))
        }
    }
}}

/// `T *` for an array type `T[]` (or `T[0]`): an array of unknown length
/// reads as a pointer to its first item, as in cffi.
pub fn open_array_pointer(py: Python<'_>, arr: &CType) -> PyResult<Py<CType>> {
    let id = crate::state::arena().pointer(arr.item().get().id);
    crate::ctype::ctype_for(py, id)
}

/// `read` for memory inside the cdata `parent`: arrays and records come
/// back as views holding `parent`'s memory (cdata/lifetime.rs).
///
/// # Safety
/// As `read`; `parent` is a live cdata whose memory contains `src`.
pub unsafe fn read_in<'py>(py: Python<'py>, ct: &Py<CType>, src: *const u8, parent: *mut pyo3::ffi::PyObject) -> PyResult<Bound<'py, PyAny>> { unsafe {
    match ct.get().conv {
        Conv::Array if ct.get().length.is_none() => {
            let ptr_ct = open_array_pointer(py, ct.get())?;
            // making the type may allocate, and a collection's `__del__`
            // may have released `parent` since `src` was read from it
            if (*(parent as *const cdata::CDataObject)).is_released() {
                return Err(cdata::lifetime::released_error(ct.get()));
            }
            cdata::wrap(py, cdata::new_view(py, &ptr_ct, src as *mut u8, parent))
        }
        Conv::Array | Conv::Record => cdata::wrap(py, cdata::new_view(py, ct, src as *mut u8, parent)),
        _ => read(py, ct, src),
    }
}}

/// How many bytes a write may fill at its destination. Only a record
/// ending in a flexible array member (`T items[];`) can use more than its
/// type's size: its items go as far as the memory does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Room {
    /// The type's own size (temporaries, values, slice items).
    Own,
    /// `n` bytes, up to the end of memory of known extent (`ffi.new()`,
    /// an allocator's, a buffer's): `cdata::room_at`.
    Bytes(usize),
    /// Memory from C, whose extent nobody knows: a flexible array member
    /// takes every item given, unchecked, as C (and cffi) would.
    Unchecked,
}

impl Room {
    /// The room left `offset` bytes further on.
    pub fn after(self, offset: usize) -> Room {
        match self {
            Room::Bytes(n) => Room::Bytes(n.saturating_sub(offset)),
            other => other,
        }
    }
}

/// Store `obj` as a C object of type `ct` at `dst`.
///
/// # Safety
/// `dst` must point to writable memory of `ct`'s size.
pub unsafe fn write(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>, dst: *mut u8) -> PyResult<()> { unsafe {
    write_in(py, ct, obj, dst, Room::Own)
}}

/// `write` where `room` says how far the memory at `dst` goes (it only
/// matters for records ending in a flexible array member).
///
/// # Safety
/// `dst` points to writable memory of `ct`'s size, and of `room` bytes
/// when that is `Room::Bytes` (more than the size: `cdata::room_at`).
pub unsafe fn write_in(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>, dst: *mut u8, room: Room) -> PyResult<()> { unsafe {
    match ct.conv {
        Conv::Int { size, signed } => {
            // the common case first: an exact int in range (CPython's own
            // conversion; no error to name, no Python code)
            if pyo3::ffi::PyLong_CheckExact(obj.as_ptr()) != 0 {
                let mut overflow = 0;
                let v = pyo3::ffi::PyLong_AsLongLongAndOverflow(obj.as_ptr(), &mut overflow) as i128;
                let (lo, hi) = integer::range(size, signed);
                if overflow == 0 && lo <= v && v <= hi {
                    integer::store_wrapping(v, size, dst);
                    return Ok(());
                }
            }
            let v = integer::extract(py, obj)?;
            integer::check_range_of(obj, v, size, signed, ct)?;
            integer::store_wrapping(v, size, dst);
            Ok(())
        }
        Conv::Bool => {
            let v = integer::extract(py, obj)?;
            integer::check_bool_of(obj, v, ct)?;
            *dst = v as u8;
            Ok(())
        }
        Conv::Char => {
            *dst = character::extract_char(py, obj, ct)?;
            Ok(())
        }
        Conv::WideChar { size } => character::store_wide(py, obj, size, dst),
        Conv::Float => {
            (dst as *mut f32).write_unaligned(float::extract(py, obj)? as f32);
            Ok(())
        }
        Conv::Double => {
            (dst as *mut f64).write_unaligned(float::extract(py, obj)?);
            Ok(())
        }
        Conv::FloatComplex | Conv::DoubleComplex => float::store_complex(py, obj, ct, dst),
        Conv::LongDouble => longdouble::store(py, obj, dst),
        Conv::Pointer => pointer::store(py, ct, obj, dst),
        Conv::Array if ct.length.is_none() => array::store_open(py, ct, obj, dst, room),
        Conv::Array => array::store(py, ct, obj, dst),
        Conv::Record => record::store(py, ct, obj, dst, room),
        Conv::Void | Conv::Function | Conv::Unknown => Err(errors::type_error(format!(
            "cannot initialize ctype '{}'",
            ct.cname
        ))),
    }
}}

/// A vector with room for `n` items (`what`: "characters"), or a
/// `MemoryError`: the fallible allocation that comes before reading `n`
/// items of C memory (a `Vec` that cannot grow aborts the process).
pub fn vec_for<T>(n: usize, what: &str) -> PyResult<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| pyo3::exceptions::PyMemoryError::new_err(format!("cannot allocate {n} {what}")))?;
    Ok(v)
}

/// The `n` bytes at `p` as a slice; an empty slice when `n` is 0, whatever
/// `p` is (a released cdata's NULL, an empty buffer's NULL): a slice may
/// never be made from NULL.
///
/// # Safety
/// When `n > 0`, `p` points to `n` readable bytes that outlive `'a`.
pub unsafe fn bytes_at<'a>(p: *const u8, n: usize) -> &'a [u8] { unsafe {
    if n == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(p, n)
    }
}}

/// A bytes object of a copy of `data`; `MemoryError` when CPython cannot
/// allocate it (PyO3's `PyBytes::new` panics there, and the length of C
/// data can be anything: `ffi.buffer(p, 2**62)[:]`).
pub fn new_bytes<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    // SAFETY: `data` is a valid slice (so its length fits an isize); the
    // result is a new reference or NULL with an exception set.
    unsafe {
        let o = pyo3::ffi::PyBytes_FromStringAndSize(data.as_ptr().cast(), data.len() as pyo3::ffi::Py_ssize_t);
        Ok(Bound::from_owned_ptr_or_err(py, o)?.cast_into_unchecked())
    }
}

/// `"int"`, `"str"`, `"cdata 'int *'"`: how cffi names an object in messages.
/// The items of a list or tuple initializer (the two sequences cffi takes
/// for arrays and records), or `None` for anything else.
pub fn list_or_tuple_items<'py>(obj: &Bound<'py, PyAny>) -> Option<Vec<Bound<'py, PyAny>>> {
    if let Ok(l) = obj.cast::<pyo3::types::PyList>() {
        Some(l.iter().collect())
    } else if let Ok(t) = obj.cast::<pyo3::types::PyTuple>() {
        Some(t.iter().collect())
    } else {
        None
    }
}

pub fn describe(py: Python<'_>, obj: &Bound<'_, PyAny>) -> String {
    if let Some(cd) = cdata::as_cdata(py, obj) {
        return format!("cdata '{}'", cd.ctype().cname);
    }
    // the type's C-level name, as cffi prints it: `decimal.Decimal` for a
    // type of an extension module, the bare name for a class
    // SAFETY: a live object's type has a NUL-terminated `tp_name`.
    unsafe { std::ffi::CStr::from_ptr((*pyo3::ffi::Py_TYPE(obj.as_ptr())).tp_name) }.to_string_lossy().into_owned()
}
