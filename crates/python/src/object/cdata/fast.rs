//! The common cases of the field and item slots, done before (and instead
//! of) the general path that runs in `entry::attached`.
//!
//! Each function here answers `None` unless the case is one it knows to be
//! safe without PyO3's attach count and without holding memory:
//!
//! - it drops no `Py<T>` (only borrowed references and raw
//!   `Py_INCREF`/new references handed to CPython), so nothing can reach
//!   PyO3's deferred-decref pool (entry.rs);
//! - it runs no Python code between computing an address and using it:
//!   stores take only an exact `int` (or `float`) whose conversion is
//!   CPython's own C code, so no `__index__` can release the memory
//!   meanwhile (the reason the general path holds it, cdata/lifetime.rs);
//! - it raises nothing: a NULL pointer, a value out of range, a bitfield,
//!   a record not laid out yet, anything else goes to the general path,
//!   which raises cffi's errors.

use std::ffi::c_int;

use pyo3::ffi;

use super::{new_cdata_raw, CDataObject, Owner};
use crate::ctype::{CType, Conv, FieldInfo, Kind};

/// The plain field `name` of the record `slf` is or points to, with the
/// record's address: laid out already, not a bitfield.
// SAFETY (contract): GIL held, `slf` a live cdata, `name` a live object.
// Runs no Python code (record_info_if_built and find only read), so the
// address returned is used before anything can release the memory.
unsafe fn plain_field(slf: *mut ffi::PyObject, name: *mut ffi::PyObject) -> Option<(&'static FieldInfo, *mut u8)> { unsafe {
    let c = &*(slf as *const CDataObject);
    let ct = c.ctype();
    let rec: &CType = match ct.kind {
        Kind::Struct | Kind::Union => ct,
        Kind::Pointer if ct.is_record_ptr() => ct.item().get(),
        _ => return None,
    };
    if c.ptr.get().is_null() {
        return None;
    }
    let info = rec.record_info_if_built()?;
    let field = &info.fields[info.find(name)?];
    if field.bitsize >= 0 {
        return None;
    }
    // outside the memory it points into (`(p + 1).x` of `ffi.new()`
    // memory, a struct pointer over a too small `from_buffer`): the
    // general path raises. Settled at once for the usual cases: C's memory,
    // and the record at the start of the `ffi.new()` block it owns (not
    // released: its address would be NULL) when the block holds the record
    let inside = match c.owner.get() {
        Owner::Borrowed | Owner::Mapped(_) => true,
        Owner::Malloc { size } if rec.size_opt_if_known().is_some_and(|r| r <= *size) => true,
        _ => {
            let len = field.ctype.get().size_opt_if_known()?;
            super::extent::inside_fast(c, (c.ptr.get() as usize).wrapping_add(field.offset), len) == Some(true)
        }
    };
    if !inside {
        return None;
    }
    // SAFETY (of the lifetime): the field lives in the record info of a
    // ctype that `slf` keeps alive for the duration of the slot call.
    Some((&*(field as *const FieldInfo), c.ptr.get()))
}}

/// A new reference to the Python value of the scalar at `at`, of type
/// `ct` (integers, floating point, data pointers), or `None`.
pub(super) unsafe fn read_scalar(ct: &CType, ct_obj: *mut ffi::PyObject, at: *const u8) -> Option<*mut ffi::PyObject> { unsafe {
    let obj = match ct.conv {
        Conv::Int { size, signed } => {
            let v = crate::convert::integer::load(size, signed, at);
            if signed {
                ffi::PyLong_FromLongLong(v as i64)
            } else {
                ffi::PyLong_FromUnsignedLongLong(v as u64)
            }
        }
        Conv::Double => ffi::PyFloat_FromDouble((at as *const f64).read_unaligned()),
        Conv::Float => ffi::PyFloat_FromDouble((at as *const f32).read_unaligned() as f64),
        Conv::Pointer => {
            let value = (at as *const *mut u8).read_unaligned();
            new_cdata_raw(ct_obj, ct, value, Owner::Borrowed)
        }
        _ => return None,
    };
    // NULL only when out of memory: the general path reports it
    if obj.is_null() {
        ffi::PyErr_Clear();
        return None;
    }
    Some(obj)
}}

/// Store `value` at `at` as a C scalar of type `ct` if it is an exact
/// `int` in range (integers) or an exact `float` (floating point).
// SAFETY (contract): `at` is the address of a scalar of type `ct` in live
// memory (the caller's checks); `value` a live object. Exact ints and
// floats only: CPython's own conversion, no Python code.
unsafe fn write_scalar(ct: &CType, value: *mut ffi::PyObject, at: *mut u8) -> bool { unsafe {
    match ct.conv {
        Conv::Int { size, signed } if ffi::PyLong_CheckExact(value) != 0 => {
            let mut overflow = 0;
            // an exact int: CPython's conversion, no Python code, no error
            let v = ffi::PyLong_AsLongLongAndOverflow(value, &mut overflow) as i128;
            if overflow != 0 {
                return false;
            }
            let (lo, hi) = crate::convert::integer::range(size, signed);
            if v < lo || v > hi {
                return false;
            }
            crate::convert::integer::store_wrapping(v, size, at);
            true
        }
        Conv::Double if ffi::PyFloat_CheckExact(value) != 0 => {
            (at as *mut f64).write_unaligned(ffi::PyFloat_AS_DOUBLE(value));
            true
        }
        Conv::Float if ffi::PyFloat_CheckExact(value) != 0 => {
            (at as *mut f32).write_unaligned(ffi::PyFloat_AS_DOUBLE(value) as f32);
            true
        }
        _ => false,
    }
}}

/// `p.x` (see the module comment).
// SAFETY (contract): as `plain_field`.
pub unsafe fn get_field(slf: *mut ffi::PyObject, name: *mut ffi::PyObject) -> Option<*mut ffi::PyObject> { unsafe {
    let (field, base) = plain_field(slf, name)?;
    let ct = field.ctype.get();
    if ct.kind == Kind::Array {
        return None;
    }
    read_scalar(ct, field.ctype.as_ptr(), base.add(field.offset))
}}

/// `p.x = v` (see the module comment); `None` if not handled (nothing
/// was written).
// SAFETY (contract): as `plain_field`; `value` NULL or a live object.
pub unsafe fn set_field(slf: *mut ffi::PyObject, name: *mut ffi::PyObject, value: *mut ffi::PyObject) -> Option<c_int> { unsafe {
    if value.is_null() {
        return None;
    }
    let (field, base) = plain_field(slf, name)?;
    write_scalar(field.ctype.get(), value, base.add(field.offset)).then_some(0)
}}

/// The address of item `key` (an exact `int`) of the array or pointer
/// `slf`, when cffi's checks pass without a message: in bounds for an
/// array; for a pointer, not NULL and pointing into C's memory or item 0
/// of `ffi.new()` memory (other indices are errors or checked against the
/// memory's extent, in the general path).
// SAFETY (contract): GIL held, `slf` a live cdata, `key` a live object.
// An exact int only: no `__index__`, nothing runs between reading
// `c.ptr`/`c.length` and the caller's use of the address. A released
// array has length 0 and a released pointer NULL: both fall through, as
// does an array cast from 0.
unsafe fn item_at(slf: *mut ffi::PyObject, key: *mut ffi::PyObject) -> Option<(&'static CType, *mut ffi::PyObject, *mut u8)> { unsafe {
    if ffi::PyLong_CheckExact(key) == 0 {
        return None;
    }
    let c = &*(slf as *const CDataObject);
    let ct = c.ctype();
    let mut overflow = 0;
    let i = ffi::PyLong_AsLongLongAndOverflow(key, &mut overflow);
    if overflow != 0 {
        return None;
    }
    match ct.kind {
        Kind::Array if i >= 0 && (i as isize) < c.length.get() && !c.ptr.get().is_null() => {}
        // C's memory, or item 0 of `ffi.new()` memory: nothing to check
        // (other pointers into a root's memory stay inside it: extent.rs)
        Kind::Pointer if !c.ptr.get().is_null() && (matches!(c.owner.get(), Owner::Borrowed | Owner::Mapped(_)) || (i == 0 && c.owner.get().allocated())) => {}
        _ => return None,
    }
    let item_obj = ct.item();
    let item: &'static CType = &*(item_obj.get() as *const CType);
    let size = item.size_opt_if_known()?;
    let offset = isize::try_from(size).ok()?.checked_mul(isize::try_from(i).ok()?)?;
    Some((item, item_obj.as_ptr(), c.ptr.get().wrapping_offset(offset)))
}}

/// `a[i]` (see the module comment).
// SAFETY (contract): as `item_at`.
pub unsafe fn get_item(slf: *mut ffi::PyObject, key: *mut ffi::PyObject) -> Option<*mut ffi::PyObject> { unsafe {
    let (item, item_obj, at) = item_at(slf, key)?;
    read_scalar(item, item_obj, at)
}}

/// `a[i] = v` (see the module comment).
// SAFETY (contract): as `item_at`; `value` NULL or a live object.
pub unsafe fn set_item(slf: *mut ffi::PyObject, key: *mut ffi::PyObject, value: *mut ffi::PyObject) -> Option<c_int> { unsafe {
    if value.is_null() {
        return None;
    }
    let (item, _, at) = item_at(slf, key)?;
    write_scalar(item, value, at).then_some(0)
}}

/// `a == b`, `a != b`, ... of two pointer-like cdata (pointers, arrays,
/// records, functions): their addresses compared, as in the general path.
// SAFETY (contract): GIL held; `a` and `b` live objects, read as cdata
// only after `is_cdata`; only addresses are compared.
pub unsafe fn compare_addresses(a: *mut ffi::PyObject, b: *mut ffi::PyObject, op: c_int) -> Option<*mut ffi::PyObject> { unsafe {
    let py = pyo3::Python::assume_attached();
    if !super::is_cdata(py, a) || !super::is_cdata(py, b) {
        return None;
    }
    let (ca, cb) = (&*(a as *const CDataObject), &*(b as *const CDataObject));
    let scalar = |c: &CDataObject| matches!(c.ctype().kind, Kind::Primitive | Kind::Enum);
    if scalar(ca) || scalar(cb) {
        return None;
    }
    let (x, y) = (ca.identity_address(), cb.identity_address());
    let res = match op {
        ffi::Py_EQ => x == y,
        ffi::Py_NE => x != y,
        ffi::Py_LT => x < y,
        ffi::Py_LE => x <= y,
        ffi::Py_GT => x > y,
        _ => x >= y,
    };
    Some(ffi::compat::Py_NewRef(if res { ffi::Py_True() } else { ffi::Py_False() }))
}}
