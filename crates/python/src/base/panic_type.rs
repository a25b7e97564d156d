//! PyO3's `pyo3_runtime.PanicException`, made by `PyType_FromSpec`
//! instead of a `type()` call.
//!
//! The runtime makes that class at its import (lib.rs says why: a first
//! error fetched at the recursion limit could deadlock PyO3). PyO3 makes it
//! with `PyErr_NewExceptionWithDoc`, that is `type(name, (BaseException,),
//! {...})`: 65,000 instructions, a twelfth of `import rcffi`, most of them
//! `type()` looking up every special method name along the new class's MRO.
//! On Linux with glibc the extension is linked with
//! `--wrap=PyErr_NewExceptionWithDoc` (build.rs), so that PyO3's call
//! reaches [`__wrap_PyErr_NewExceptionWithDoc`]: for that one class it
//! makes the same class from a spec (about 10,000 instructions); every
//! other call goes to CPython's function unchanged.
//!
//! The class is what `type()` made: a heap subclass of `BaseException`
//! named `PanicException` in module `pyo3_runtime`, with PyO3's docstring,
//! an instance `__dict__` (BaseException's) and weak references (the
//! `__weakref__` slot `type()` adds), subclassable from Python.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::mem::size_of;
use std::ptr;

use pyo3::ffi;

extern "C" {
    /// CPython's own function (the linker's `--wrap` name for it).
    fn __real_PyErr_NewExceptionWithDoc(
        name: *const c_char,
        doc: *const c_char,
        base: *mut ffi::PyObject,
        dict: *mut ffi::PyObject,
    ) -> *mut ffi::PyObject;
}

const NAME: &CStr = c"pyo3_runtime.PanicException";

/// The docstring `type()` gives `__weakref__`.
#[cfg(Py_3_11)]
const WEAKREF_DOC: &CStr = c"list of weak references to the object";
#[cfg(not(Py_3_11))]
const WEAKREF_DOC: &CStr = c"list of weak references to the object (if defined)";

/// What every call of `PyErr_NewExceptionWithDoc` in the extension (PyO3's
/// `PyErr::new_type`) reaches.
///
/// # Safety
/// As `PyErr_NewExceptionWithDoc`: attached to the interpreter, `name` a C
/// string, `doc` one or null, `base` and `dict` objects or null.
#[no_mangle]
pub unsafe extern "C" fn __wrap_PyErr_NewExceptionWithDoc(
    name: *const c_char,
    doc: *const c_char,
    base: *mut ffi::PyObject,
    dict: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: the caller's contract; `name` is a C string when not null,
    // and `PyExc_BaseException` is the interpreter's static type.
    unsafe {
        if dict.is_null() && !doc.is_null() && !name.is_null() && CStr::from_ptr(name) == NAME && base == ffi::PyExc_BaseException {
            return panic_exception(doc);
        }
        __real_PyErr_NewExceptionWithDoc(name, doc, base, dict)
    }
}

/// `PanicException` from a spec: `BaseException`'s layout plus a weak
/// reference list, as `type()` lays it out.
///
/// # Safety
/// Attached to the interpreter; `doc` a C string.
unsafe fn panic_exception(doc: *const c_char) -> *mut ffi::PyObject {
    // SAFETY: `PyExc_BaseException` is a readied static type object;
    // `tp_basicsize` is read, not changed.
    let base_size = unsafe { (*ffi::PyExc_BaseException.cast::<ffi::PyTypeObject>()).tp_basicsize };
    let mut members = [
        ffi::PyMemberDef {
            name: c"__weaklistoffset__".as_ptr(),
            type_code: ffi::Py_T_PYSSIZET,
            offset: base_size,
            flags: ffi::Py_READONLY,
            doc: ptr::null(),
        },
        // what `type()` names the slot (there a getter of the same value:
        // the first weak reference, or None; `Py_T_OBJECT_EX` would raise)
        #[allow(deprecated)]
        ffi::PyMemberDef {
            name: c"__weakref__".as_ptr(),
            type_code: ffi::_Py_T_OBJECT,
            offset: base_size,
            flags: ffi::Py_READONLY,
            doc: WEAKREF_DOC.as_ptr(),
        },
        ffi::PyMemberDef { name: ptr::null(), type_code: 0, offset: 0, flags: 0, doc: ptr::null() },
    ];
    let mut slots = [
        ffi::PyType_Slot { slot: ffi::Py_tp_doc, pfunc: doc as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_dealloc, pfunc: dealloc as ffi::destructor as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_members, pfunc: members.as_mut_ptr().cast() },
        ffi::PyType_Slot { slot: 0, pfunc: ptr::null_mut() },
    ];
    let mut spec = ffi::PyType_Spec {
        // (kept by the type as its `tp_name`: a static string)
        name: NAME.as_ptr(),
        basicsize: (base_size as usize + size_of::<*mut ffi::PyObject>()) as c_int,
        itemsize: 0,
        // BaseException's GC flag and slots are inherited
        flags: (ffi::Py_TPFLAGS_DEFAULT | ffi::Py_TPFLAGS_BASETYPE) as _,
        slots: slots.as_mut_ptr(),
    };
    // SAFETY: the spec, its slots and members are read during the call only
    // (the docstring is copied; the name is static); the base is a type.
    unsafe {
        let bases = ffi::PyTuple_Pack(1, ffi::PyExc_BaseException);
        if bases.is_null() {
            return ptr::null_mut();
        }
        let tp = ffi::PyType_FromSpecWithBases(&mut spec, bases);
        ffi::Py_DECREF(bases);
        tp
    }
}

/// `tp_dealloc`: untracked by the collector and the weak references
/// cleared (their callbacks may run), tracked again, then `BaseException`'s own
/// deallocation, then the reference an instance of a heap type holds on
/// its type released (what `type()`'s classes do in `subtype_dealloc`).
///
/// # Safety
/// Called by the interpreter on an instance of `PanicException` (or of a
/// Python subclass, through `subtype_dealloc`) whose refcount reached zero.
unsafe extern "C" fn dealloc(obj: *mut ffi::PyObject) {
    // SAFETY: `obj` is a dying instance laid out by `panic_exception`
    // (a subclass keeps the layout); BaseException's tp_dealloc frees it,
    // after which only the type pointer read before is used.
    unsafe {
        let tp = ffi::Py_TYPE(obj);
        ffi::PyObject_GC_UnTrack(obj.cast());
        ffi::PyObject_ClearWeakRefs(obj);
        // tracked again before BaseException's deallocation, as
        // `subtype_dealloc` does: up to 3.10 it unlinks the object from the
        // collector's list without looking (an untracked one: SIGSEGV)
        ffi::PyObject_GC_Track(obj.cast());
        if let Some(base_dealloc) = (*ffi::PyExc_BaseException.cast::<ffi::PyTypeObject>()).tp_dealloc {
            base_dealloc(obj);
        }
        ffi::Py_DECREF(tp.cast());
    }
}
