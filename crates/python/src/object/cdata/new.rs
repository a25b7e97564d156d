//! `ffi.new()`: the size and array length a ctype and initialiser need,
//! the zeroed allocation and the initialisation. In the object model (not
//! in ffi_obj.rs) because calls make temporary owned cdata for arguments.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use super::{CDataObject, Owner};
use crate::convert;
use crate::ctype::{CType, Kind};

/// cffi's `ValueError` for a type without a size.
pub fn sizeof_error(ct: &CType) -> PyErr {
    PyValueError::new_err(format!("ctype '{}' is of unknown size", ct.cname))
}

/// Up to this size, zeroed memory is `malloc` + a zeroing write: glibc's
/// `calloc` never takes the per-thread cache of small blocks that
/// `malloc` takes (about 130 instructions against 40 for a small block).
/// Larger blocks keep `calloc` (fresh pages come zeroed).
const SMALL_BLOCK: usize = 512;

/// `size` bytes (at least one) of zeroed memory from the C heap (freed
/// with `libc::free`), or NULL.
#[inline]
pub fn alloc_zeroed(size: usize) -> *mut u8 {
    let size = size.max(1);
    if size <= SMALL_BLOCK {
        // SAFETY: plain allocation; on success the block has `size`
        // writable bytes, all written here.
        unsafe {
            // (black_box: LLVM would fold malloc + zeroing back into calloc)
            let p = std::hint::black_box(libc::malloc(size) as *mut u8);
            if !p.is_null() {
                std::ptr::write_bytes(p, 0, size);
            }
            p
        }
    } else {
        // SAFETY: plain allocation.
        unsafe { libc::calloc(1, size) as *mut u8 }
    }
}

/// Allocate zeroed memory, raising `MemoryError` on failure.
pub fn calloc(size: usize) -> PyResult<*mut u8> {
    let p = alloc_zeroed(size);
    if p.is_null() {
        return Err(pyo3::exceptions::PyMemoryError::new_err(format!("cannot allocate {size} bytes")));
    }
    Ok(p)
}

/// The memory size and array length `ffi.new(ct, init)` needs.
pub fn new_size(py: Python<'_>, ct: &CType, init: Option<&Bound<'_, PyAny>>) -> PyResult<(usize, isize)> {
    match ct.kind {
        Kind::Pointer => {
            let item = ct.item().get();
            if item.record.is_some() && !item.is_opaque() {
                // as cffi, `new` realizes the fields: a field type that
                // cannot be built, a compiled module's complaint, cffi's
                // VerificationMissing for `...;` all raise here
                item.record_info(py)?;
            }
            match item.size_opt(py) {
                Some(s) if item.record.is_some() && init.is_some_and(|i| !i.is_none()) && item.record_info(py)?.var_array => {
                    let size = convert::record::var_size(py, item, init.expect("checked"), s)?;
                    Ok((at_most_ssize(size)?, -1))
                }
                Some(s) if item.kind != Kind::Void && item.kind != Kind::Function => Ok((s, -1)),
                _ => Err(PyTypeError::new_err(format!("cannot instantiate ctype '{}' of unknown size", item.cname))),
            }
        }
        Kind::Array => {
            let item = ct.item().get();
            let isz = item.size_opt(py).ok_or_else(|| sizeof_error(item))?;
            let n = match ct.length {
                Some(n) => n,
                None => match init {
                    None => {
                        return Err(PyTypeError::new_err(
                            "expected new array length or list/tuple/str, not NoneType",
                        ))
                    }
                    // The common `ffi.new("T[]", n)` first.
                    // SAFETY: a type check of a live object.
                    Some(i) if unsafe { pyo3::ffi::PyLong_CheckExact(i.as_ptr()) } != 0 => {
                        // SAFETY: `i` is an int; an error is only possible on overflow.
                        let n = unsafe { pyo3::ffi::PyLong_AsSsize_t(i.as_ptr()) };
                        if n == -1 && unsafe { !pyo3::ffi::PyErr_Occurred().is_null() } {
                            return Err(PyErr::fetch(py));
                        }
                        if n < 0 {
                            return Err(PyValueError::new_err("negative array length"));
                        }
                        n as usize
                    }
                    Some(i) => match convert::array::init_length(ct, i)? {
                        Some(n) => n,
                        None => {
                            let n = convert::array::index_length(i)?;
                            if n < 0 {
                                return Err(PyValueError::new_err("negative array length"));
                            }
                            n as usize
                        }
                    },
                },
            };
            let total = n.checked_mul(isz).ok_or_else(too_large)?;
            Ok((at_most_ssize(total)?, n as isize))
        }
        _ => Err(PyTypeError::new_err(format!("expected a pointer or array ctype, got '{}'", ct.cname))),
    }
}

/// cffi's `OverflowError` for an allocation larger than a `Py_ssize_t`.
fn too_large() -> PyErr {
    pyo3::exceptions::PyOverflowError::new_err("array size would overflow a Py_ssize_t")
}

/// `size` if a `Py_ssize_t` holds it (cffi's limit for `ffi.new`; larger
/// requests could never be allocated, and lengths are kept as `isize`).
fn at_most_ssize(size: usize) -> PyResult<usize> {
    if size > isize::MAX as usize {
        return Err(too_large());
    }
    Ok(size)
}

/// Initialise freshly allocated memory of `ffi.new`.
///
/// # Safety
/// `mem` is `size` bytes, as `new_size` gave for `ct` and `init`.
pub unsafe fn init_new(py: Python<'_>, ct: &CType, init: Option<&Bound<'_, PyAny>>, mem: *mut u8, size: usize, length: isize) -> PyResult<()> { unsafe {
    let Some(init) = init else { return Ok(()) };
    if init.is_none() {
        return Ok(());
    }
    match ct.kind {
        Kind::Pointer => convert::write_in(py, ct.item().get(), init, mem, convert::Room::Bytes(size)),
        _ => {
            let is_length = pyo3::ffi::PyLong_CheckExact(init.as_ptr()) != 0;
            if ct.length.is_none() && (is_length || convert::array::init_length(ct, init)?.is_none()) {
                return Ok(()); // `init` was the length
            }
            convert::array::store_n(py, ct, init, mem, length as usize)
        }
    }
}}

/// A new cdata of the record type `ct` owning a copy of the `size` bytes
/// at `src`: a struct a call returned, or a struct argument of a callback
/// (which C frees when the callback returns, while Python may keep it).
/// Returns a new reference or NULL with an exception set.
///
/// # Safety
/// `src` points to `size` readable bytes.
pub unsafe fn new_owned_copy(py: Python<'_>, ct: &Py<CType>, src: *const u8, size: usize) -> *mut pyo3::ffi::PyObject { unsafe {
    let mem = match calloc(size) {
        Ok(m) => m,
        Err(e) => {
            e.restore(py);
            return std::ptr::null_mut();
        }
    };
    std::ptr::copy_nonoverlapping(src, mem, size);
    let obj = super::new_cdata(py, ct, mem, Owner::Malloc { size });
    if obj.is_null() {
        libc::free(mem as *mut libc::c_void);
    }
    obj
}}

/// `ffi.new()` for a resolved ctype.
pub fn new_owned<'py>(py: Python<'py>, ct: &Py<CType>, init: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
    let c = ct.get();
    let (size, length) = new_size(py, c, init)?;
    let mem = calloc(size)?;
    // SAFETY: `mem` is a fresh zeroed allocation of `size` bytes, owned by the new cdata.
    unsafe {
        let obj = super::new_cdata(py, ct, mem, Owner::Malloc { size });
        if obj.is_null() {
            libc::free(mem as *mut libc::c_void);
            return Err(PyErr::fetch(py));
        }
        if length >= 0 {
            (*(obj as *mut CDataObject)).length.set(length);
        }
        let obj = Bound::from_owned_ptr(py, obj);
        init_new(py, c, init, mem, size, length)?;
        Ok(obj)
    }
}
