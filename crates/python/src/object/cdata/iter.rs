//! `iter(array)`: cffi's `__CData_iterator`, lazy as cffi's is. Each
//! `next()` reads the item it returns, at that moment: a store into a later
//! item during the loop is seen, and nothing is read ahead (an eager copy of
//! every item read `char(*)[2**62]` arrays far past their memory and
//! crashed, and showed stale values after a store).
//!
//! A raw CPython type (`PyType_FromSpec`), as the cdata type is: `next()`
//! runs once per item, and a PyO3 class's method trampoline (type check,
//! borrow flag) made `sum(int_array)` 1.2x cffi's time.

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::mem::ManuallyDrop;
use std::ptr;

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use super::{is_cdata, CDataObject};
use crate::convert;
use crate::ctype::CType;

/// The iterator object: a strong reference to the array and to its item
/// type, the item size and the index of the next item.
#[repr(C)]
struct IterObject {
    ob_base: ffi::PyObject,
    /// The array cdata; its current address and length are read at every
    /// step, so a `ffi.release()` of it mid-loop (length 0) ends the loop.
    array: ManuallyDrop<Py<PyAny>>,
    item: ManuallyDrop<Py<CType>>,
    item_size: usize,
    /// The only field that changes after `new`: a `Cell`, as `next()` may
    /// run Python code (a view's allocation may start a collection whose
    /// `__del__` calls `next()` on this iterator) while it holds `&self`.
    next: Cell<usize>,
}

static ITER_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A new iterator over the array cdata `array` of items `item`.
pub fn new<'py>(py: Python<'py>, array: &Bound<'py, PyAny>, item: &Py<CType>) -> PyResult<Bound<'py, PyAny>> {
    debug_assert!(is_cdata(py, array.as_ptr()));
    let item_size = item.get().size(py)?;
    let tp = ITER_TYPE.get_or_try_init(py, || create_type(py))?.bind(py);
    // SAFETY: `tp` is the iterator type, whose basicsize is an IterObject;
    // every field is written before the object is handed out.
    unsafe {
        let obj = ffi::PyType_GenericAlloc(tp.as_type_ptr(), 0);
        if obj.is_null() {
            return Err(PyErr::fetch(py));
        }
        let it = obj as *mut IterObject;
        ptr::addr_of_mut!((*it).array).write(ManuallyDrop::new(array.clone().unbind()));
        ptr::addr_of_mut!((*it).item).write(ManuallyDrop::new(item.clone_ref(py)));
        ptr::addr_of_mut!((*it).item_size).write(item_size);
        ptr::addr_of_mut!((*it).next).write(Cell::new(0));
        Ok(Bound::from_owned_ptr(py, obj))
    }
}

fn create_type(py: Python<'_>) -> PyResult<Py<PyType>> {
    let slots = Box::leak(Box::new([
        ffi::PyType_Slot { slot: ffi::Py_tp_new, pfunc: refuse_new as ffi::newfunc as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_dealloc, pfunc: dealloc as ffi::destructor as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_iter, pfunc: ffi::PyObject_SelfIter as ffi::getiterfunc as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_iternext, pfunc: iternext as ffi::iternextfunc as *mut c_void },
        ffi::PyType_Slot { slot: 0, pfunc: ptr::null_mut() },
    ]));
    let spec = Box::leak(Box::new(ffi::PyType_Spec {
        name: c"_cffi_backend.__CData_iterator".as_ptr(),
        basicsize: std::mem::size_of::<IterObject>() as c_int,
        itemsize: 0,
        flags: ffi::Py_TPFLAGS_DEFAULT as _,
        slots: slots.as_mut_ptr(),
    }));
    // SAFETY: the spec and its slots are leaked ('static).
    unsafe {
        let tp = ffi::PyType_FromSpec(spec);
        if tp.is_null() {
            return Err(PyErr::fetch(py));
        }
        Ok(Bound::from_owned_ptr(py, tp).cast_into_unchecked::<PyType>().unbind())
    }
}

/// `type(it)()`: refused (an iterator comes only from `iter(array)`, so
/// its fields are always set), as cffi's type cannot be instantiated.
// SAFETY: tp_new: GIL held; only raises.
unsafe extern "C" fn refuse_new(_: *mut ffi::PyTypeObject, _: *mut ffi::PyObject, _: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| {
        PyTypeError::new_err("cannot create '_cffi_backend.__CData_iterator' instances").restore(py);
        ptr::null_mut()
    })
}}

// SAFETY: tp_dealloc: GIL held, `slf` an IterObject whose last reference
// went; its fields were set by `new`.
unsafe extern "C" fn dealloc(slf: *mut ffi::PyObject) { unsafe {
    crate::entry::attached(|_py| {
        let it = slf as *mut IterObject;
        // SAFETY: both were set by `new` (the only way to make one) and
        // are dropped once, here, with the GIL held.
        ManuallyDrop::drop(&mut (*it).array);
        ManuallyDrop::drop(&mut (*it).item);
        let tp = ffi::Py_TYPE(slf);
        let free: ffi::freefunc = std::mem::transmute(ffi::PyType_GetSlot(tp, ffi::Py_tp_free));
        free(slf as *mut c_void);
        // a heap type's instances hold a reference to it
        ffi::Py_DECREF(tp as *mut ffi::PyObject);
    });
}}

/// `next(it)`: the next item, read now, or NULL without an exception set
/// (the end: CPython's iterator protocol).
// SAFETY: tp_iternext: GIL held, `slf` a live IterObject (see below).
unsafe extern "C" fn iternext(slf: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    // SAFETY: `slf` is an IterObject (this slot is its type's), its fields
    // set by `new`; the GIL is held (a call from CPython).
    let it = &*(slf as *const IterObject);
    let c = &*(it.array.as_ptr() as *const CDataObject);
    let i = it.next.get();
    if c.ptr.get().is_null() || i >= c.length.get().max(0) as usize {
        return ptr::null_mut();
    }
    it.next.set(i + 1);
    // SAFETY: `i < length` of the array as it is now (not released: the
    // address is not NULL), so the item lies inside its memory, which
    // `array` (held by the iterator) keeps alive; `i * size` fits, as the
    // array's byte size does.
    let at = c.ptr.get().add(i * it.item_size);
    // numbers and pointers: read without PyO3 (fast.rs: no `Py<T>`
    // dropped, no Python code run, nothing raised)
    if let Some(r) = super::fast::read_scalar(it.item.get(), it.item.as_ptr(), at) {
        return r;
    }
    crate::entry::attached_obj(|py| super::slots::ret_obj(py, convert::read_in(py, &it.item, at, it.array.as_ptr())))
}}
