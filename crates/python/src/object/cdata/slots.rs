//! The protocol slots of the cdata type, as raw `extern "C"` functions.

use std::ffi::{c_int, c_void};
use std::ptr;

use pyo3::exceptions::{PyAttributeError, PyIndexError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PySlice;

use super::{CDataObject, MemoryHold};
use crate::convert;
use crate::ctype::{CType, Conv, Kind};

pub fn slot_list() -> Vec<ffi::PyType_Slot> {
    macro_rules! slot {
        ($s:expr, $f:expr) => {
            ffi::PyType_Slot { slot: $s, pfunc: $f as *mut c_void }
        };
    }
    vec![
        slot!(ffi::Py_tp_dealloc, super::dealloc as unsafe extern "C" fn(_)),
        slot!(ffi::Py_tp_repr, super::repr::repr as unsafe extern "C" fn(_) -> _),
        slot!(ffi::Py_tp_getattro, getattro as unsafe extern "C" fn(_, _) -> _),
        slot!(ffi::Py_tp_setattro, setattro as unsafe extern "C" fn(_, _, _) -> _),
        slot!(ffi::Py_mp_subscript, subscript as unsafe extern "C" fn(_, _) -> _),
        slot!(ffi::Py_mp_ass_subscript, ass_subscript as unsafe extern "C" fn(_, _, _) -> _),
        slot!(ffi::Py_mp_length, length as unsafe extern "C" fn(_) -> _),
        slot!(ffi::Py_tp_richcompare, richcompare as unsafe extern "C" fn(_, _, _) -> _),
        slot!(ffi::Py_tp_hash, hash as unsafe extern "C" fn(_) -> _),
        slot!(ffi::Py_nb_bool, nb_bool as unsafe extern "C" fn(_) -> _),
        slot!(ffi::Py_nb_int, nb_int as unsafe extern "C" fn(_) -> _),
        slot!(ffi::Py_nb_float, nb_float as unsafe extern "C" fn(_) -> _),
        slot!(ffi::Py_nb_add, nb_add as unsafe extern "C" fn(_, _) -> _),
        slot!(ffi::Py_nb_subtract, nb_subtract as unsafe extern "C" fn(_, _) -> _),
        slot!(ffi::Py_tp_iter, iter as unsafe extern "C" fn(_) -> _),
        slot!(ffi::Py_tp_call, call as unsafe extern "C" fn(_, _, _) -> _),
        slot!(ffi::Py_tp_new, tp_new as unsafe extern "C" fn(_, _, _) -> _),
    ]
}

/// cdata objects are only made by the FFI; without this slot `object.__new__`
/// would be inherited and hand `dealloc` an uninitialised object.
// SAFETY: CPython calls tp_new with the GIL held and `tp` a live type
// object, whose `tp_name` is a NUL-terminated string; nothing else is read.
unsafe extern "C" fn tp_new(
    tp: *mut ffi::PyTypeObject,
    _args: *mut ffi::PyObject,
    _kwds: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| {
        let name = std::ffi::CStr::from_ptr((*tp).tp_name).to_string_lossy();
        PyTypeError::new_err(format!("cannot create '{name}' instances")).restore(py);
        ptr::null_mut()
    })
}}

/// Run `f`, turning `Err` into a raised exception and NULL.
#[inline]
pub(crate) fn ret_obj(py: Python<'_>, r: PyResult<Bound<'_, PyAny>>) -> *mut ffi::PyObject {
    match r {
        Ok(o) => o.into_ptr(),
        Err(e) => {
            e.restore(py);
            ptr::null_mut()
        }
    }
}

#[inline]
fn ret_int(py: Python<'_>, r: PyResult<()>) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => {
            e.restore(py);
            -1
        }
    }
}

#[inline]
// SAFETY (contract): `slf` is a live cdata object (every slot of this
// type gets one), and the reference is used only while the caller keeps
// it alive. Its fields may change whenever Python code runs (`ffi.release`
// nulls `ptr`, sets `length` to 0): read them after such a point, never
// before it and used after it.
pub(crate) unsafe fn cd<'a>(slf: *mut ffi::PyObject) -> &'a CDataObject { unsafe {
    &*(slf as *const CDataObject)
}}

/// The record type and base address behind `s.x` / `p.x`, if any.
fn record_target(cd: &CDataObject) -> Option<(&CType, *mut u8)> {
    let ct = cd.ctype();
    match ct.kind {
        Kind::Struct | Kind::Union => Some((ct, cd.ptr.get())),
        Kind::Pointer if ct.is_record_ptr() => Some((ct.item().get(), cd.ptr.get())),
        _ => None,
    }
}

fn null_deref(ct: &CType) -> PyErr {
    PyRuntimeError::new_err(format!("cannot dereference null pointer from cdata '{}'", ct.cname))
}

/// A flexible array member reads as an array of the allocated length when
/// the struct came from `ffi.new()`, else as a pointer to its first item.
// SAFETY (contract): `c` is a live cdata and `base` the non-NULL address of
// the record it showed when the caller checked it. The types are made
// first (making one may allocate, and a collection's `__del__` may then
// release `c`); `c` is checked again after that, and from there to
// `new_view` (which holds the root) nothing runs Python code.
unsafe fn read_var_array<'py>(
    py: Python<'py>,
    c: &CDataObject,
    field: &crate::ctype::FieldInfo,
    base: *mut u8,
) -> PyResult<Bound<'py, PyAny>> { unsafe {
    let arr = field.ctype.get();
    let shape = match crate::cdata::var_byte_size(py, c) {
        Some(size) => Ok((size, arr.item().get().size(py)?.max(1))),
        None => Err(convert::open_array_pointer(py, arr)?),
    };
    if c.is_released() {
        return Err(super::lifetime::released_error(c.ctype()));
    }
    let at = base.add(field.offset);
    let this = c as *const CDataObject as *mut ffi::PyObject;
    match shape {
        Ok((size, item_size)) => {
            let obj = crate::cdata::new_view(py, &field.ctype, at, this);
            if !obj.is_null() {
                (*(obj as *mut CDataObject)).length.set((size.saturating_sub(field.offset) / item_size) as isize);
            }
            crate::cdata::wrap(py, obj)
        }
        Err(ptr_ct) => crate::cdata::wrap(py, crate::cdata::new_view(py, &ptr_ct, at, this)),
    }
}}

// SAFETY: a slot: the GIL is held, `slf` is a live cdata, `name` a live
// object. `fast::get_field` runs no Python code (fast.rs); the rest is attached.
unsafe extern "C" fn getattro(slf: *mut ffi::PyObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    if let Some(r) = super::fast::get_field(slf, name) {
        return r;
    }
    crate::entry::attached_obj(|py| getattro_attached(py, slf, name))
}}

// SAFETY: as `getattro`. The record's address is read after its layout
// was built (which may allocate, and so run a collection's `__del__`),
// then used with no Python code in between: the extent check and the read
// run none (a field read makes values or untracked views; `read_var_array`
// checks the cdata again after making its types).
unsafe fn getattro_attached(py: Python<'_>, slf: *mut ffi::PyObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let c = cd(slf);
    if let Some((rec, _)) = record_target(c) {
        let mut fields_error = None;
        match rec.record_info(py) {
            Err(e) => fields_error = Some(e),
            Ok(info) => if let Some(i) = info.find(name) {
                // read again: building the layout may allocate, and a
                // collection's `__del__` may have released `slf` meanwhile
                let base = record_target(c).map_or(ptr::null_mut(), |(_, b)| b);
                if base.is_null() {
                    let e = if c.is_released() { super::lifetime::released_error(c.ctype()) } else { null_deref(c.ctype()) };
                    return ret_obj(py, Err(e));
                }
                let field = &info.fields[i];
                if let Err(e) = check_field_extent(py, c, field, base) {
                    return ret_obj(py, Err(e));
                }
                if field.is_empty_array() {
                    return ret_obj(py, read_var_array(py, c, field, base));
                }
                return ret_obj(py, convert::record::read_field(py, field, base, slf));
            },
        }
        let r = ffi::PyObject_GenericGetAttr(slf, name);
        if r.is_null() && ffi::PyErr_ExceptionMatches(ffi::PyExc_AttributeError) != 0 {
            ffi::PyErr_Clear();
            if let (Some(e), false) = (fields_error, rec.is_opaque()) {
                // e.g. the compiled module disagrees with the cdef
                return ret_obj(py, Err(e));
            }
            let n = Bound::from_borrowed_ptr(py, name).to_string();
            let msg = if rec.is_opaque() {
                format!("cdata '{}' points to an opaque type: cannot read fields", c.ctype().cname)
            } else {
                format!("cdata '{}' has no field '{}'", c.ctype().cname, n)
            };
            return ret_obj(py, Err(PyAttributeError::new_err(msg)));
        }
        return r;
    }
    let r = ffi::PyObject_GenericGetAttr(slf, name);
    if r.is_null() && ffi::PyErr_ExceptionMatches(ffi::PyExc_AttributeError) != 0 {
        // cffi names the cdata's type, not the internal class
        ffi::PyErr_Clear();
        let n = Bound::from_borrowed_ptr(py, name).to_string();
        let msg = format!("cdata '{}' has no attribute '{}'", c.ctype().cname, n);
        return ret_obj(py, Err(PyAttributeError::new_err(msg)));
    }
    r
}}

// SAFETY: a slot: the GIL is held, `slf` a live cdata, `value` NULL
// (delete) or a live object. `fast::set_field` stores only exact ints and
// floats: no Python code between computing the address and the store.
unsafe extern "C" fn setattro(slf: *mut ffi::PyObject, name: *mut ffi::PyObject, value: *mut ffi::PyObject) -> c_int { unsafe {
    if let Some(r) = super::fast::set_field(slf, name, value) {
        return r;
    }
    crate::entry::attached_int(|py| setattro_attached(py, slf, name, value))
}}

// SAFETY: as `setattro`. The value's conversion runs Python code
// (`__index__`, an iterator) after `base` was read: `_hold` keeps the root's
// memory until the store is done, whatever that code releases (a hold
// defers the give-back; `ffi.new()` memory lives as long as its root).
unsafe fn setattro_attached(py: Python<'_>, slf: *mut ffi::PyObject, name: *mut ffi::PyObject, value: *mut ffi::PyObject) -> c_int { unsafe {
    let c = cd(slf);
    if let Some((rec, base)) = record_target(c) {
        // As in ass_subscript: Python code may run before the store.
        let _hold = MemoryHold::on(slf);
        let r = (|| -> PyResult<()> {
            let info = rec.record_info(py)?;
            let found = info.find(name);
            let name_text = || Bound::from_borrowed_ptr(py, name).to_string();
            let Some(i) = found else {
                if let Some(e) = PyErr::take(py) {
                    return Err(e);
                }
                return Err(PyAttributeError::new_err(format!("cdata '{}' has no field '{}'", c.ctype().cname, name_text())));
            };
            if value.is_null() {
                return Err(PyAttributeError::new_err(format!("cannot delete field '{}'", name_text())));
            }
            if base.is_null() {
                return Err(null_deref(c.ctype()));
            }
            check_field_extent(py, c, &info.fields[i], base)?;
            let room = super::room_at(py, c, base);
            convert::record::write_field(py, &info.fields[i], &Bound::from_borrowed_ptr(py, value), base, room)
        })();
        return ret_int(py, r);
    }
    ffi::PyObject_GenericSetAttr(slf, name, value)
}}

/// `IndexError` unless the bytes of `field` of the record at `base` lie
/// inside the memory `c` points into (when rcffi knows it): `(p + 1).x` of
/// `ffi.new()` memory, a struct pointer over a too small `from_buffer`.
/// cffi reads and writes there unchecked. A flexible array member counts
/// as empty here: its items are checked when indexed; a bit field is the
/// bytes its bits span (in a packed struct its type's unit may not fit).
fn check_field_extent(py: Python<'_>, c: &CDataObject, field: &crate::ctype::FieldInfo, base: *mut u8) -> PyResult<()> {
    let len = if field.bitsize >= 0 {
        convert::record::bit_span_bytes(field)
    } else if field.is_empty_array() {
        0
    } else {
        field.ctype.get().size_opt(py).unwrap_or(0)
    };
    super::extent::check(py, c, base.wrapping_add(field.offset), len, &|| format!("field '{}'", field.name))
}

/// What an index error adds for an array that was released (its length
/// now reads as 0): the reason, not only the numbers.
fn released_note(c: &CDataObject) -> &'static str {
    if c.is_released() {
        ": the array was released (ffi.release() or the end of its 'with' block)"
    } else {
        ""
    }
}

/// Address of item `i` of a pointer or array cdata, with cffi's checks.
// SAFETY (contract): GIL held, `c` a live cdata, read now (no Python code
// between this and the caller's use of the address). The item type lives as
// long as `c`'s ctype, which `c` holds: the `'static` is never outlived by
// the caller, which drops it before the slot returns.
unsafe fn item_address(py: Python<'_>, c: &CDataObject, i: isize) -> PyResult<(*mut u8, &'static CType)> { unsafe {
    let ct = c.ctype();
    let item_ct: &'static CType = match ct.kind {
        // a function pointer has no items, as in cffi
        Kind::Pointer | Kind::Array if !ct.is_function_pointer() => &*(ct.item().get() as *const CType),
        _ => return Err(PyTypeError::new_err(format!("cdata of type '{}' cannot be indexed", ct.cname))),
    };
    if ct.kind == Kind::Array {
        if i < 0 {
            return Err(PyIndexError::new_err("negative index"));
        }
        if i >= c.length.get() {
            return Err(PyIndexError::new_err(format!(
                "index too large for cdata '{}' (expected {} < {}){}",
                ct.cname,
                i,
                c.length.get(),
                released_note(c)
            )));
        }
        // an array cast from 0 (`ffi.cast("int[3]", 0)`): as a NULL pointer
        if c.ptr.get().is_null() {
            return Err(null_deref(ct));
        }
    } else if c.ptr.get().is_null() {
        return Err(if c.is_released() { super::lifetime::released_error(ct) } else { null_deref(ct) });
    } else if i != 0 && c.owner.get().allocated() {
        return Err(PyIndexError::new_err(format!("cdata '{}' can only be indexed by 0", ct.cname)));
    }
    let Some(size) = item_ct.size_opt(py) else {
        if item_ct.kind == Kind::Array && item_ct.length.is_none() {
            // `p[0]` of a `T(*)[]` is the array at `p` (read as a `T *`);
            // any other item's address is unknown (cffi computes garbage)
            if i != 0 {
                return Err(PyTypeError::new_err(format!("ctype '{}' points to items of unknown size", ct.cname)));
            }
            return Ok((c.ptr.get(), item_ct));
        }
        return Err(PyTypeError::new_err(format!("cdata '{}' is opaque", item_ct.cname)));
    };
    let addr = c.ptr.get().wrapping_offset(byte_offset(ct, i, size)?);
    if ct.kind == Kind::Pointer {
        super::extent::check(py, c, addr, size, &|| format!("index {i}"))?;
    }
    Ok((addr, item_ct))
}}

/// `i * size` as a byte offset, or an `OverflowError` when it does not fit
/// a pointer's range (cffi lets it wrap around, to some other address).
fn byte_offset(ct: &CType, i: isize, size: usize) -> PyResult<isize> {
    isize::try_from(size).ok().and_then(|s| i.checked_mul(s)).ok_or_else(|| {
        pyo3::exceptions::PyOverflowError::new_err(format!(
            "index {i} of cdata '{}' is too far: its byte offset does not fit in a pointer",
            ct.cname
        ))
    })
}

/// The index `p[key]` stands for: an integer (through `__index__`), one
/// too large for a `Py_ssize_t` being an `IndexError`, as cffi.
fn item_index(py: Python<'_>, c: &CDataObject, key: &Bound<'_, PyAny>) -> PyResult<isize> {
    // SAFETY: index protocol calls on a live object.
    unsafe {
        if ffi::PyIndex_Check(key.as_ptr()) == 0 {
            return Err(PyTypeError::new_err(format!(
                "cdata of type '{}' cannot be indexed with {}",
                c.ctype().cname,
                convert::describe(py, key)
            )));
        }
        if ffi::PyLong_Check(key.as_ptr()) == 0 {
            // its `__index__` runs
            crate::stack::check_before_python_method()?;
        }
        let i = ffi::PyNumber_AsSsize_t(key.as_ptr(), ffi::PyExc_IndexError);
        if i == -1 {
            if let Some(e) = PyErr::take(py) {
                return Err(e);
            }
        }
        Ok(i)
    }
}

// SAFETY: a slot: the GIL is held, `slf` a live cdata, `key` a live object;
// `fast::get_item` takes only an exact int (no `__index__`).
unsafe extern "C" fn subscript(slf: *mut ffi::PyObject, key: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    if let Some(r) = super::fast::get_item(slf, key) {
        return r;
    }
    crate::entry::attached_obj(|py| subscript_attached(py, slf, key))
}}

// SAFETY: as `subscript`. An exact int (or subclass: PyNumber_AsSsize_t
// takes its value without calling `__index__`) runs no Python code; any
// other key's `__index__` runs in `item_index` before `item_address` reads
// `c.ptr` and `c.length`, so a release in it is seen (NULL: an error).
unsafe fn subscript_attached(py: Python<'_>, slf: *mut ffi::PyObject, key: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let c = cd(slf);
    if ffi::PyLong_Check(key) != 0 {
        // too large for a Py_ssize_t: IndexError, as cffi
        let i = ffi::PyNumber_AsSsize_t(key, ffi::PyExc_IndexError);
        if i == -1 && !ffi::PyErr_Occurred().is_null() {
            return ptr::null_mut();
        }
        // Fast path: an in-bounds integer item of an array (not one cast
        // from 0: `item_address` says so).
        let ct = c.ctype();
        if ct.kind == Kind::Array && i >= 0 && i < c.length.get() && !c.ptr.get().is_null() {
            if let Conv::Int { size, signed } = ct.item().get().conv {
                let at = c.ptr.get().add(i as usize * size as usize);
                return ret_obj(py, convert::integer::read(py, size, signed, at));
            }
        }
        let r = (|| {
            let (addr, _) = item_address(py, c, i)?;
            let item = c.ctype().item();
            let kind = item.get().kind;
            if matches!(kind, Kind::Struct | Kind::Union) && i == 0 && c.ctype().kind == Kind::Pointer && c.owner.get().allocated() {
                // cffi: p[0] of an owning pointer is the owning struct (not
                // item 0 of an owning array: a plain view)
                return super::wrap(py, super::new_item_view(py, item, addr, slf));
            }
            convert::read_in(py, item, addr, slf)
        })();
        return ret_obj(py, r);
    }
    let keyb = Bound::from_borrowed_ptr(py, key);
    if let Ok(slice) = keyb.cast::<PySlice>() {
        return ret_obj(py, get_slice(py, slf, slice));
    }
    let r = (|| -> PyResult<Bound<'_, PyAny>> {
        let i = item_index(py, c, &keyb)?;
        let (addr, _) = item_address(py, c, i)?;
        convert::read_in(py, c.ctype().item(), addr, slf)
    })();
    ret_obj(py, r)
}}

fn slice_bounds(c: &CDataObject, slice: &Bound<'_, PySlice>) -> PyResult<(isize, isize)> {
    let start = slice.getattr("start")?;
    let stop = slice.getattr("stop")?;
    let step = slice.getattr("step")?;
    if start.is_none() {
        return Err(PyIndexError::new_err("slice start must be specified"));
    }
    if stop.is_none() {
        return Err(PyIndexError::new_err("slice stop must be specified"));
    }
    if !step.is_none() {
        return Err(PyIndexError::new_err("slice with step not supported"));
    }
    let (a, b): (isize, isize) = (start.extract()?, stop.extract()?);
    if a > b {
        return Err(PyIndexError::new_err("slice start > stop"));
    }
    if b.checked_sub(a).is_none() {
        return Err(PyIndexError::new_err(format!("slice [{a}:{b}] has more items than a pointer can count")));
    }
    let ct = c.ctype();
    match ct.kind {
        Kind::Array => {
            if a < 0 {
                return Err(PyIndexError::new_err("negative index"));
            }
            if b > c.length.get() {
                return Err(PyIndexError::new_err(format!("index too large (expected {} <= {}){}", b, c.length.get(), released_note(c))));
            }
        }
        Kind::Pointer if !ct.is_function_pointer() => {}
        _ => return Err(PyTypeError::new_err(format!("cdata of type '{}' cannot be indexed", ct.cname))),
    }
    Ok((a, b))
}

/// A slice `[a:b]` of a pointer stays inside the memory it points into
/// (cdata/extent.rs); an array's slices were checked against its length.
fn check_slice_extent(py: Python<'_>, c: &CDataObject, start: *mut u8, (a, b): (isize, isize), item_size: usize) -> PyResult<()> {
    if c.ctype().kind != Kind::Pointer || a == b {
        return Ok(());
    }
    let len = byte_offset(c.ctype(), b - a, item_size)? as usize;
    super::extent::check(py, c, start, len, &|| format!("slice [{a}:{b}]"))
}

/// The `T[]` ctype for slices of a `T *` or `T[N]`.
fn open_array_of(py: Python<'_>, ct: &CType) -> PyResult<Py<CType>> {
    let id = {
        let mut a = crate::state::arena();
        let item = ct.item().get().id;
        a.array(item, cdecl::ArrayLen::Open)
    };
    crate::ctype::ctype_for(py, id)
}

// SAFETY (contract): as `subscript`. `slice_bounds` may run `__index__` of
// the bounds; `c.ptr` and `c.length` are read after it. The view made holds
// the root (`new_view`).
unsafe fn get_slice<'py>(py: Python<'py>, slf: *mut ffi::PyObject, slice: &Bound<'py, PySlice>) -> PyResult<Bound<'py, PyAny>> { unsafe {
    let c = cd(slf);
    let (a, b) = slice_bounds(c, slice)?;
    let ct = c.ctype();
    // (an array cast from 0 too: its slices would be addresses near NULL)
    if c.ptr.get().is_null() && a != b {
        return Err(null_deref(ct));
    }
    let item = ct.item().get();
    // a slice is an array of the items: as cffi's array type, none of an
    // unknown size (`void`, an open array)
    if item.kind == Kind::Void || (item.kind == Kind::Array && item.length.is_none()) {
        return Err(PyValueError::new_err(format!("array item of unknown size: '{}'", item.cname)));
    }
    let item_size = item.size(py)?;
    let arr = open_array_of(py, ct)?;
    // the size and the ctype may allocate: a collection started there may
    // run a `__del__` that released `slf` after the checks above. From
    // here to `new_view` (which holds the root) nothing runs Python code
    // even an empty slice: its address (NULL) would reach C as an array's,
    // which C reads as a string or a buffer (as `p + 0` raises)
    if c.is_released() {
        return Err(super::lifetime::released_error(ct));
    }
    let start = c.ptr.get().wrapping_offset(byte_offset(ct, a, item_size)?);
    check_slice_extent(py, c, start, (a, b), item_size)?;
    let obj = super::new_view(py, &arr, start, slf);
    if !obj.is_null() {
        (*(obj as *mut CDataObject)).length.set(b - a);
    }
    super::wrap(py, obj)
}}

// SAFETY: as `subscript`; `value` NULL (delete) or a live object.
// `fast::set_item` stores only exact ints and floats (no Python code).
unsafe extern "C" fn ass_subscript(slf: *mut ffi::PyObject, key: *mut ffi::PyObject, value: *mut ffi::PyObject) -> c_int { unsafe {
    if let Some(r) = super::fast::set_item(slf, key, value) {
        return r;
    }
    crate::entry::attached_int(|py| ass_subscript_attached(py, slf, key, value))
}}

// SAFETY: as `ass_subscript`. `_hold` is taken before anything runs
// Python code (the bounds' `__index__`, the items' conversions, a
// generator) and kept until the bytes are stored, so `dst` stays inside
// live memory; `c.ptr` is read after the bounds were converted.
unsafe fn ass_subscript_attached(py: Python<'_>, slf: *mut ffi::PyObject, key: *mut ffi::PyObject, value: *mut ffi::PyObject) -> c_int { unsafe {
    let c = cd(slf);
    if value.is_null() {
        return ret_int(py, Err(PyTypeError::new_err("'del x[n]' not supported for cdata objects")));
    }
    let val = Bound::from_borrowed_ptr(py, value);
    let keyb = Bound::from_borrowed_ptr(py, key);
    // Converting the value runs Python code (`__index__`, a generator)
    // after the destination is computed: keep the memory meanwhile.
    let _hold = MemoryHold::on(slf);
    let r = (|| -> PyResult<()> {
        if let Ok(slice) = keyb.cast::<PySlice>() {
            let (a, b) = slice_bounds(c, slice)?;
            let ct = c.ctype();
            let item = ct.item().get();
            let n = (b - a) as usize;
            let item_size = item.size(py)?;
            if c.ptr.get().is_null() && n > 0 {
                return Err(if c.is_released() { super::lifetime::released_error(ct) } else { null_deref(ct) });
            }
            let dst = c.ptr.get().wrapping_offset(byte_offset(ct, a, item_size)?);
            check_slice_extent(py, c, dst, (a, b), item_size)?;
            if let Some(src) = super::as_cdata(py, &val) {
                let sct = src.ctype();
                if sct.kind == Kind::Array && src.is_released() {
                    // it reads as empty from NULL (cffi copies its items)
                    return Err(super::lifetime::released_error(sct));
                }
                if sct.kind == Kind::Array && std::ptr::eq(sct.item().get(), item) && src.length.get() as usize == n {
                    ptr::copy(src.ptr.get(), dst, n * item_size);
                    return Ok(());
                }
            }
            if item.conv == Conv::Char {
                let raw = if let Ok(b) = val.cast::<pyo3::types::PyBytes>() {
                    Some(b.as_bytes().to_vec())
                } else if let Ok(b) = val.cast::<pyo3::types::PyByteArray>() {
                    Some(b.to_vec())
                } else {
                    None
                };
                if let Some(bytes) = raw {
                    if bytes.len() != n {
                        return Err(pyo3::exceptions::PyValueError::new_err(format!(
                            "need a string of length {}, got {}", n, bytes.len()
                        )));
                    }
                    ptr::copy_nonoverlapping(bytes.as_ptr(), dst, n);
                    return Ok(());
                }
            }
            // All or nothing: the items are converted into a copy of the
            // destination (in cffi's order, so the same error comes first),
            // copied back only when there were exactly `n` (cffi writes the
            // items it has, then raises).
            let bytes = n.checked_mul(item_size).ok_or_else(|| {
                pyo3::exceptions::PyOverflowError::new_err(format!("slice of {n} items of cdata '{}' is too large", ct.cname))
            })?;
            let mut buf: Vec<u128> = Vec::new(); // 16-aligned, as any item
            buf.try_reserve_exact(bytes.div_ceil(16)).map_err(|_| {
                pyo3::exceptions::PyMemoryError::new_err(format!("cannot allocate {bytes} bytes for a slice assignment"))
            })?;
            buf.resize(bytes.div_ceil(16), 0);
            let tmp = buf.as_mut_ptr() as *mut u8;
            // what the items hold now: a partial initializer (`[]` for a
            // struct) leaves the rest as it was, as when written in place
            ptr::copy_nonoverlapping(dst as *const u8, tmp, bytes);
            let mut it = val.try_iter()?;
            for i in 0..n {
                let Some(x) = it.next() else {
                    return Err(pyo3::exceptions::PyValueError::new_err(format!("need {n} values to unpack, got {i}")));
                };
                convert::write(py, item, &x?, tmp.add(i * item_size))?;
            }
            if let Some(extra) = it.next() {
                extra?;
                return Err(pyo3::exceptions::PyValueError::new_err(format!("got more than {n} values to unpack")));
            }
            // `dst` is still valid: `_hold` kept the memory while Python ran
            ptr::copy_nonoverlapping(tmp, dst, bytes);
            return Ok(());
        }
        let i = item_index(py, c, &keyb)?;
        let (addr, item) = item_address(py, c, i)?;
        convert::write_in(py, item, &val, addr, super::room_at(py, c, addr))
    })();
    ret_int(py, r)
}}

// SAFETY: a slot: the GIL is held and `slf` is a live cdata.
unsafe extern "C" fn length(slf: *mut ffi::PyObject) -> ffi::Py_ssize_t { unsafe {
    crate::entry::attached_int(|py| length_attached(py, slf))
}}

// SAFETY: as `length`; only fields are read.
unsafe fn length_attached(py: Python<'_>, slf: *mut ffi::PyObject) -> ffi::Py_ssize_t { unsafe {
    let c = cd(slf);
    if c.ctype().kind == Kind::Array {
        return c.length.get();
    }
    PyTypeError::new_err(format!("cdata of type '{}' has no len()", c.ctype().cname)).restore(py);
    -1
}}

/// The Python number a primitive cdata stands for.
// SAFETY (contract): `c` is a live primitive cdata: `ptr` points at its
// value, the type's size: its own `inline` bytes (`ffi.cast`, a call's
// result, a `long double` read) or, for an `ffi.gc()` of one, the
// original's, which the gc cdata keeps; never NULL (`ffi.release` of a
// gc value keeps it: lifetime::release_gc_value).
pub(crate) unsafe fn primitive_value<'py>(py: Python<'py>, c: &CDataObject) -> Option<PyResult<Bound<'py, PyAny>>> { unsafe {
    let ct = c.ctype();
    match ct.conv {
        Conv::Int { size, signed } => Some(convert::integer::read(py, size, signed, c.ptr.get())),
        Conv::Bool | Conv::Char => Some(Ok((*c.ptr.get() as i64).into_pyobject(py).unwrap().into_any())),
        Conv::WideChar { size } => Some(Ok((convert::integer::load(size, ct.signed_wide(), c.ptr.get()) as i64).into_pyobject(py).unwrap().into_any())),
        Conv::Float | Conv::Double | Conv::LongDouble => {
            Some(convert::float::cdata_as_f64(c).map(|v| pyo3::types::PyFloat::new(py, v).into_any()))
        }
        _ => None,
    }
}}

/// The Python value a primitive cdata compares and hashes as: what
/// reading it gives (`bytes` for `char`, `str` for the wide characters,
/// `bool`, `complex`), as cffi; a `long double` has none, a double would
/// lose its precision (cffi: `NotImplementedError`).
// SAFETY (contract): `obj` is a live primitive cdata (see `primitive_value`).
unsafe fn compare_value<'py>(py: Python<'py>, obj: *mut ffi::PyObject) -> PyResult<Bound<'py, PyAny>> { unsafe {
    let c = cd(obj);
    let ct = c.ctype();
    if ct.conv == Conv::LongDouble {
        return Err(pyo3::exceptions::PyNotImplementedError::new_err(format!(
            "cannot use <cdata '{}'> in a comparison",
            ct.cname
        )));
    }
    convert::read(py, &c.ctype_obj(py), c.ptr.get())
}}

// SAFETY: a slot: the GIL is held, `a` is a live cdata (CPython calls the
// slot of the left operand's type, or of the right one's with the operands
// swapped), `b` a live object.
unsafe extern "C" fn richcompare(a: *mut ffi::PyObject, b: *mut ffi::PyObject, op: c_int) -> *mut ffi::PyObject { unsafe {
    if let Some(r) = super::fast::compare_addresses(a, b, op) {
        return r;
    }
    crate::entry::attached_obj(|py| richcompare_attached(py, a, b, op))
}}

// SAFETY: as `richcompare`; `b` is read as a cdata only after `is_cdata`.
// Both values are read before `PyObject_RichCompare` runs Python code.
unsafe fn richcompare_attached(py: Python<'_>, a: *mut ffi::PyObject, b: *mut ffi::PyObject, op: c_int) -> *mut ffi::PyObject { unsafe {
    let ca = cd(a);
    let b_is_cdata = super::is_cdata(py, b);
    let a_ptrlike = !matches!(ca.ctype().kind, Kind::Primitive | Kind::Enum);
    if a_ptrlike {
        // two pointer-like cdata compare by address (fast::compare_addresses,
        // also tried before this path); nothing else compares with one
        return super::fast::compare_addresses(a, b, op).unwrap_or_else(|| ffi::compat::Py_NewRef(ffi::Py_NotImplemented()));
    }
    // a primitive and a pointer-like cdata never compare (cffi: `==` is
    // False, even for a `long double`, which compares with nothing else)
    if b_is_cdata && !matches!(cd(b).ctype().kind, Kind::Primitive | Kind::Enum) {
        return ffi::compat::Py_NewRef(ffi::Py_NotImplemented());
    }
    let va = match compare_value(py, a) {
        Ok(v) => v,
        Err(e) => return ret_obj(py, Err(e)),
    };
    let vb = if b_is_cdata {
        match compare_value(py, b) {
            Ok(v) => v,
            Err(e) => return ret_obj(py, Err(e)),
        }
    } else {
        Bound::from_borrowed_ptr(py, b)
    };
    ffi::PyObject_RichCompare(va.as_ptr(), vb.as_ptr(), op)
}}

// SAFETY: a slot: the GIL is held and `slf` is a live cdata.
unsafe extern "C" fn hash(slf: *mut ffi::PyObject) -> ffi::Py_hash_t { unsafe {
    crate::entry::attached_int(|py| hash_attached(py, slf))
}}

// SAFETY: as `hash`; a primitive's value as in `primitive_value`.
unsafe fn hash_attached(py: Python<'_>, slf: *mut ffi::PyObject) -> ffi::Py_hash_t { unsafe {
    let c = cd(slf);
    // a primitive hashes as its Python value (so equal values hash
    // equal: `hash(cast("char", 5)) == hash(b"\x05")`); a `long double`
    // and everything else by address, as cffi
    if matches!(c.ctype().kind, Kind::Primitive | Kind::Enum) && c.ctype().conv != Conv::LongDouble {
        return match convert::read(py, &c.ctype_obj(py), c.ptr.get()) {
            Ok(v) => ffi::PyObject_Hash(v.as_ptr()),
            Err(e) => {
                e.restore(py);
                -1
            }
        };
    }
    let h = ffi::PyLong_FromVoidPtr(c.identity_address() as *mut c_void);
    let r = ffi::PyObject_Hash(h);
    ffi::Py_DECREF(h);
    r
}}

// SAFETY: a slot: the GIL is held and `slf` is a live cdata.
unsafe extern "C" fn nb_bool(slf: *mut ffi::PyObject) -> c_int { unsafe {
    crate::entry::attached_int(|py| nb_bool_attached(py, slf))
}}

// SAFETY: as `nb_bool`; a primitive's bytes as in `primitive_value` (as
// many as its type's size, read unaligned).
unsafe fn nb_bool_attached(_py: Python<'_>, slf: *mut ffi::PyObject) -> c_int { unsafe {
    let c = cd(slf);
    let ct = c.ctype();
    if !matches!(ct.kind, Kind::Primitive | Kind::Enum) {
        // pointers, arrays, records: whether the address is not NULL (a
        // released cdata keeps its old address for this, as for `==`)
        return (c.identity_address() != 0) as c_int;
    }
    // C's truth of the bytes, without the checks of a read (a `_Bool`
    // holding 2 is true, as in cffi)
    let nonzero = match ct.conv {
        Conv::Float => (c.ptr.get() as *const f32).read_unaligned() != 0.0,
        Conv::Double => (c.ptr.get() as *const f64).read_unaligned() != 0.0,
        Conv::LongDouble => convert::longdouble_fmt::is_nonzero(&*(c.ptr.get() as *const [u8; 16])),
        Conv::FloatComplex => {
            let p = c.ptr.get() as *const f32;
            p.read_unaligned() != 0.0 || p.add(1).read_unaligned() != 0.0
        }
        Conv::DoubleComplex => {
            let p = c.ptr.get() as *const f64;
            p.read_unaligned() != 0.0 || p.add(1).read_unaligned() != 0.0
        }
        Conv::Int { size, .. } | Conv::WideChar { size } => convert::bytes_at(c.ptr.get(), size as usize).iter().any(|&b| b != 0),
        _ => *c.ptr.get() != 0,
    };
    nonzero as c_int
}}

// SAFETY: a slot: the GIL is held and `slf` is a live cdata.
unsafe extern "C" fn nb_int(slf: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| nb_int_attached(py, slf))
}}

// SAFETY: as `nb_int`; the value as in `primitive_value`.
unsafe fn nb_int_attached(py: Python<'_>, slf: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let c = cd(slf);
    let ct = c.ctype();
    let r = match ct.conv {
        Conv::Int { .. } | Conv::Bool | Conv::Char | Conv::WideChar { .. } => primitive_value(py, c).unwrap(),
        Conv::Float | Conv::Double | Conv::LongDouble => match convert::float::cdata_as_f64(c) {
            Ok(v) => Bound::from_owned_ptr_or_err(py, ffi::PyLong_FromDouble(v)),
            Err(e) => Err(e),
        },
        _ => Err(PyTypeError::new_err(format!("int() not supported on cdata '{}'", ct.cname))),
    };
    ret_obj(py, r)
}}

// SAFETY: a slot: the GIL is held and `slf` is a live cdata.
unsafe extern "C" fn nb_float(slf: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| nb_float_attached(py, slf))
}}

// SAFETY: as `nb_float`; the value as in `primitive_value`.
unsafe fn nb_float_attached(py: Python<'_>, slf: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let c = cd(slf);
    let ct = c.ctype();
    let r = match ct.conv {
        Conv::Float | Conv::Double | Conv::LongDouble => {
            convert::float::cdata_as_f64(c).map(|v| pyo3::types::PyFloat::new(py, v).into_any())
        }
        _ => Err(PyTypeError::new_err(format!("float() not supported on cdata '{}'", ct.cname))),
    };
    ret_obj(py, r)
}}

/// `p + n`, `n + p`, `p - n`: a `T *` moved by `n` items.
// SAFETY (contract): GIL held, `p` a live cdata, `n` a live object. `n`'s
// `__index__` runs first; `c.ptr` and the released state are read after it.
// The new address is only computed (wrapping), never read here; the view
// holds the root.
unsafe fn pointer_offset(py: Python<'_>, p: *mut ffi::PyObject, n: *mut ffi::PyObject, sign: isize) -> *mut ffi::PyObject { unsafe {
    let c = cd(p);
    let ct = c.ctype();
    // as cffi: the other operand must be an index (Python's TypeError
    // otherwise), and only pointers and arrays move
    if ffi::PyLong_Check(n) == 0 {
        // its `__index__` runs
        if let Err(e) = crate::stack::check_before_python_method() {
            e.restore(py);
            return ptr::null_mut();
        }
    }
    let i = ffi::PyNumber_AsSsize_t(n, ffi::PyExc_OverflowError);
    if i == -1 && !ffi::PyErr_Occurred().is_null() {
        return ptr::null_mut();
    }
    if !matches!(ct.kind, Kind::Pointer | Kind::Array) || ct.is_function_pointer() {
        PyTypeError::new_err(format!("cannot add a cdata '{}' and a number", ct.cname)).restore(py);
        return ptr::null_mut();
    }
    let r = (|| {
        let item = ct.item().get();
        let size = if item.kind == Kind::Void { 1 } else {
            item.size_opt(py).ok_or_else(|| {
                PyTypeError::new_err(format!("ctype '{}' points to items of unknown size", ct.cname))
            })?
        };
        let ptr_ct = if ct.kind == Kind::Array {
            let id = {
                let mut a = crate::state::arena();
                a.pointer(item.id)
            };
            crate::ctype::ctype_for(py, id)?
        } else {
            c.ctype_obj(py)
        };
        // checked after the ctype was made: making it may start a
        // collection whose `__del__` releases `p`
        if c.is_released() {
            return Err(super::lifetime::released_error(ct));
        }
        let addr = (c.ptr.get() as isize).wrapping_add(sign.wrapping_mul(i).wrapping_mul(size as isize)) as *mut u8;
        super::wrap(py, super::new_view(py, &ptr_ct, addr, p))
    })();
    ret_obj(py, r)
}}

// SAFETY: a slot: the GIL is held; one of `a`, `b` is a live cdata (the
// slot of its type), the other a live object.
unsafe extern "C" fn nb_add(a: *mut ffi::PyObject, b: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| nb_add_attached(py, a, b))
}}

// SAFETY: as `nb_add`: `pointer_offset` gets the cdata operand.
unsafe fn nb_add_attached(py: Python<'_>, a: *mut ffi::PyObject, b: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    if super::is_cdata(py, a) {
        pointer_offset(py, a, b, 1)
    } else {
        pointer_offset(py, b, a, 1)
    }
}}

fn pointer_of(py: Python<'_>, item: &Py<CType>) -> PyResult<Py<CType>> {
    let id = crate::state::arena().pointer(item.get().id);
    crate::ctype::ctype_for(py, id)
}

// SAFETY: a slot: the GIL is held; `a` and `b` are live objects, one a cdata.
unsafe extern "C" fn nb_subtract(a: *mut ffi::PyObject, b: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| nb_subtract_attached(py, a, b))
}}

// SAFETY: as `nb_subtract`; each is read as a cdata only after
// `is_cdata`; only addresses are compared, no memory is read.
unsafe fn nb_subtract_attached(py: Python<'_>, a: *mut ffi::PyObject, b: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    if !super::is_cdata(py, a) {
        return ffi::compat::Py_NewRef(ffi::Py_NotImplemented());
    }
    if super::is_cdata(py, b) {
        let (ca, cb) = (cd(a), cd(b));
        let (ta, tb) = (ca.ctype(), cb.ctype());
        // cffi: `T * - T *` or `T * - T[]`; the array on the right decays.
        let r = (|| {
            let right = if tb.kind == Kind::Array { pointer_of(py, tb.item())? } else { cb.ctype_obj(py) };
            let rt = right.get();
            let item_size = if rt.kind == Kind::Pointer { rt.item().get().size_opt(py) } else { None };
            let is_void = rt.kind == Kind::Pointer && rt.item().get().kind == Kind::Void;
            if !std::ptr::eq(rt, ta) || rt.kind != Kind::Pointer || (item_size.unwrap_or(0) == 0 && !is_void) {
                return Err(PyTypeError::new_err(format!("cannot subtract cdata '{}' and cdata '{}'", ta.cname, rt.cname)));
            }
            let size = if is_void { 1 } else { item_size.unwrap_or(1) as isize };
            // a released operand counts at its old address, as for `==`
            // and `<` (its data pointer reads NULL): the distance is a
            // number, no memory is touched
            let diff = (ca.identity_address() as isize).wrapping_sub(cb.identity_address() as isize);
            if diff % size != 0 {
                return Err(pyo3::exceptions::PyValueError::new_err(
                    "pointer subtraction: the distance between the two pointers is not a multiple of the item size",
                ));
            }
            Ok((diff / size).into_pyobject(py)?.into_any())
        })();
        return ret_obj(py, r);
    }
    pointer_offset(py, a, b, -1)
}}

// SAFETY: a slot: the GIL is held and `slf` is a live cdata.
unsafe extern "C" fn iter(slf: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| iter_attached(py, slf))
}}

// SAFETY: as `iter`; the iterator holds the array (iter.rs).
unsafe fn iter_attached(py: Python<'_>, slf: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let c = cd(slf);
    let ct = c.ctype();
    if ct.kind != Kind::Array {
        return ret_obj(py, Err(PyTypeError::new_err(format!("cdata '{}' does not support iteration", ct.cname))));
    }
    let array = Bound::from_borrowed_ptr(py, slf);
    let r = super::iter::new(py, &array, ct.item());
    ret_obj(py, r)
}}

// SAFETY: a slot: the GIL is held, `slf` a live cdata, `args` a tuple and
// `kwargs` NULL or a dict (CPython's contract).
unsafe extern "C" fn call(slf: *mut ffi::PyObject, args: *mut ffi::PyObject, kwargs: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| call_attached(py, slf, args, kwargs))
}}

// SAFETY: as `call`; PyVectorcall_Call only for a cdata that has a
// vectorcall entry (function pointers).
unsafe fn call_attached(py: Python<'_>, slf: *mut ffi::PyObject, args: *mut ffi::PyObject, kwargs: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let c = cd(slf);
    if c.vectorcall.get().is_some() {
        return ffi::PyVectorcall_Call(slf, args, kwargs);
    }
    ret_obj(py, Err(PyTypeError::new_err(format!("cdata '{}' is not callable", c.ctype().cname))))
}}
