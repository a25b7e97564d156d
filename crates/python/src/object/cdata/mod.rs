//! The cdata object: a raw CPython type (built with `PyType_FromSpec`) so
//! the hot protocol slots (`tp_getattro`, `mp_subscript`, vectorcall) are
//! plain `extern "C"` functions with no PyO3 trampoline in between.

mod slots;
mod fast;
mod methods;
mod iter;
pub mod repr;
pub mod lifetime;
mod gc_finalize;
pub mod extent;
pub mod handles;
pub mod new;

pub use lifetime::{FewHolds, Holds, MemoryHold};

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::ptr;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyTuple, PyType};

use crate::convert::Room;
use crate::ctype::CType;

/// What a callback cdata owns (callback.rs's closure and Python callable),
/// seen from the object model: the calls layer implements it, so this
/// layer does not depend on that one.
pub trait CallbackOwner: Send {
    /// Report the Python objects it holds to the cycle collector.
    fn visit_refs(&self, each: &mut dyn FnMut(*mut ffi::PyObject));
    /// Break a reference cycle through it (its Python function becomes
    /// `None`; the C function pointer stays valid).
    fn clear_refs(&mut self, py: Python<'_>);
    /// The repr of the Python function, for the cdata's repr.
    fn callable_repr(&self, py: Python<'_>) -> PyResult<String>;
}

/// The vectorcall entry of function-pointer cdata (call.rs's
/// `cdata_vectorcall`), set once when the module is initialised (lib.rs):
/// the calls layer sits above the object model.
static FUNCTION_POINTER_CALL: std::sync::OnceLock<ffi::vectorcallfunc> = std::sync::OnceLock::new();

/// Set the vectorcall entry of function-pointer cdata (at module init).
pub fn set_function_pointer_call(entry: ffi::vectorcallfunc) {
    // a second module init (subinterpreters) sets the same function
    let _ = FUNCTION_POINTER_CALL.set(entry);
}

/// What an allocator's `alloc()` returned (`obj`), and `hold`: its memory,
/// when a root of rcffi's owns it (`ffi.from_buffer()`, `ffi.gc()`, another
/// allocator's): an `ffi.release()` of that root waits until the
/// allocator's cdata is given back, as for a view (its buffer was given
/// back under it). Boxed: `Owner`, in every cdata, stays as small as it was.
pub struct AllocOriginal {
    pub obj: Py<PyAny>,
    #[allow(dead_code, reason = "held, never read: dropping it lets the root give its memory back")]
    pub hold: Option<MemoryHold>,
}

/// What keeps the memory behind `ptr` alive, and how to give it back
/// (`lifetime.rs` has the rules).
pub enum Owner {
    /// Memory owned by C (or static): nothing to keep or give back.
    Borrowed,
    /// `ffi.new()`: memory from `calloc`, freed when given back.
    Malloc { size: usize },
    /// `ffi.new_allocator(alloc, free)`: `free(cdata)` is called when given back.
    Custom { size: usize, free: Option<Py<PyAny>>, original: Box<AllocOriginal> },
    /// A view into a root's memory (`p[0]`, `p.field`, a slice, `p + n`,
    /// `ffi.addressof`): holds the root (see `lifetime.rs`). `item`: it is
    /// `p[0]` of a root `p = ffi.new("struct s *")`, which cffi treats as
    /// owning the memory (its repr, its var-sized length).
    View { hold: MemoryHold, item: bool },
    /// `ffi.gc(cdata, destructor)`. `hold`: on the memory `original`
    /// shows when `ffi.release()` of its root would give it back at once
    /// (`from_buffer`, an allocator's, another `ffi.gc`'s): this cdata
    /// uses the same address, so that release waits for it as for a view.
    Gc { original: Py<PyAny>, destructor: Option<Py<PyAny>>, hold: Option<MemoryHold> },
    /// `ffi.new_handle(obj)`.
    Handle(Py<PyAny>),
    /// `ffi.from_buffer(obj)`: the buffer view, released when given back.
    Buffer(Box<ffi::Py_buffer>),
    /// `ffi.callback(...)`: the closure and its Python callable.
    Callback(Box<dyn CallbackOwner>),
    /// A function or a global of a `dlopen()`ed library: the pin keeps the
    /// library mapped while this cdata, or a view of it, lives, so that
    /// `ffi.dlclose()` cannot unmap code or data Python still reaches
    /// (library.rs). Otherwise as `Borrowed`: nothing to give back, its
    /// extent unknown, not a root for `ffi.release()`.
    Mapped(#[allow(dead_code, reason = "held, never read: dropping the last pin unmaps")] std::sync::Arc<dyn std::any::Any + Send + Sync>),
    /// Given back (after `ffi.release()`).
    Released,
    /// A given-back `ffi.from_buffer()` cdata (its repr says so).
    ReleasedBuffer,
}

/// `owner`, which changes while `&CDataObject`s are live: `ffi.release()`
/// and the last hold going give the resource back (`lifetime::give_back`),
/// `ffi.gc(p, None)` detaches a destructor, the cycle collector clears a
/// callback or handle. An `UnsafeCell`, so that a shared reference to the
/// cdata promises nothing about it (docs/architecture.md, "Lifetime of cdata
/// memory").
///
/// The invariant, with the GIL held (every access is): no reference into
/// the owner is alive at a point where Python code can run, unless nothing
/// that runs there writes it. Readers (`get`) look and copy out what they
/// need before running Python code (a view's root pointer stays valid: a
/// `View` owner is never replaced while its cdata lives; a callback's
/// owner is changed only by the collector's `tp_clear`, which never runs on
/// a cdata someone holds). Writers (`replace`, `update`) run no Python code
/// while they hold the owner: what they take out (a destructor, a handle's
/// object) is returned and dropped by the caller afterwards, when nothing
/// borrows the cell.
#[repr(transparent)]
pub struct OwnerCell(std::cell::UnsafeCell<Owner>);

impl OwnerCell {
    /// The owner, to look at (see the type's invariant: not kept across
    /// Python code).
    #[inline(always)]
    pub fn get(&self) -> &Owner {
        // SAFETY: GIL held; writers hold no borrow while Python code runs,
        // and readers keep none across it (the type's invariant), so no
        // write happens while this reference is used.
        unsafe { &*self.0.get() }
    }

    /// Put `new` in place; the old owner is returned, for the caller to
    /// give back or drop (which may run Python code) when this has returned.
    #[inline]
    pub fn replace(&self, new: Owner) -> Owner {
        // SAFETY: the type's invariant: no other reference into the owner
        // is in use, and `mem::replace` runs no Python code.
        unsafe { std::mem::replace(&mut *self.0.get(), new) }
    }

    /// Change the owner in place with `f`, which must run no Python code:
    /// it moves out what it removes (a destructor) and returns it, to be
    /// dropped by the caller afterwards.
    #[inline]
    pub fn update<R>(&self, f: impl FnOnce(&mut Owner) -> R) -> R {
        // SAFETY: the type's invariant: no other reference into the owner
        // is in use, and `f` runs no Python code (its contract) that could
        // make one.
        unsafe { f(&mut *self.0.get()) }
    }
}

/// The C struct behind every cdata. The fields that change after the cdata
/// is made are `Cell`s (`owner` an `OwnerCell`): they change through other
/// pointers while code holds a `&CDataObject` across Python code (an
/// `__index__`, a `__del__` run by a collection an allocation started, a
/// callback, another thread taking the GIL), which a plain field would let
/// the compiler answer from an earlier read. `Cell::get` is one load.
/// Who changes what: docs/architecture.md, "Lifetime of cdata memory".
#[repr(C)]
pub struct CDataObject {
    /// The reference count (and type): changed by every `Py_INCREF`, also
    /// through pointers made from a `&CDataObject`.
    pub ob_base: std::cell::UnsafeCell<ffi::PyObject>,
    /// Per-instance vectorcall entry (function pointers only): read by
    /// CPython; a function pointer's first call switches it to a
    /// specialised entry (call.rs, call_int.rs, call_tramp.rs).
    pub vectorcall: Cell<Option<ffi::vectorcallfunc>>,
    /// Strong reference to the `CType` object. Never changes after
    /// `new_cdata_raw`.
    pub ctype: *mut ffi::PyObject,
    /// Pointers and function pointers: the pointer value. Everything else:
    /// the address of the data. NULL after `ffi.release()`.
    pub ptr: Cell<*mut u8>,
    /// Number of items of an array cdata (also open `T[]`), else -1; 0
    /// after `ffi.release()`.
    pub length: Cell<isize>,
    /// CPython's weak reference list (it writes it when a weakref is made).
    pub weakrefs: Cell<*mut ffi::PyObject>,
    pub owner: OwnerCell,
    /// Storage for primitive values made by `ffi.cast` or returned by calls;
    /// after `ffi.release()`, `inline[0]` keeps the old address. A function
    /// pointer's first call puts its trampoline and spec here.
    pub inline: [Cell<u64>; 2],
    /// Live `MemoryHold`s on this cdata's memory (views, buffers, calls).
    pub exports: Cell<usize>,
    /// `ffi.release()` was called while `exports > 0`: the resource is
    /// given back when the last hold goes.
    pub release_pending: Cell<bool>,
}

impl CDataObject {
    /// The start of `inline`, as storage for a value's bytes.
    #[inline(always)]
    pub fn inline_ptr(&self) -> *mut u8 {
        // a pointer to `Cell`s: writes through it are allowed while `&self`
        // is live (`ptr` points here for values)
        self.inline.as_ptr() as *mut u8
    }

    /// The address compared and hashed: after `ffi.release()` the data
    /// pointer is NULL (so that later use fails cleanly) but the cdata
    /// still compares equal to others at its old address, as in cffi.
    #[inline]
    pub fn identity_address(&self) -> usize {
        if self.is_released() {
            self.inline[0].get() as usize
        } else {
            self.ptr.get() as usize
        }
    }

    /// Whether `ffi.release()` was called on this cdata (its resource may
    /// still be held by views).
    #[inline]
    pub fn is_released(&self) -> bool {
        self.release_pending.get() || matches!(self.owner.get(), Owner::Released | Owner::ReleasedBuffer)
    }

    /// The `CType` of this cdata.
    #[inline]
    pub fn ctype(&self) -> &CType {
        // SAFETY: `ctype` is always a live CType object (strong ref held).
        unsafe { ctype_ref(self.ctype) }
    }

    /// A new strong reference to the ctype object.
    #[inline]
    pub fn ctype_obj(&self, py: Python<'_>) -> Py<CType> {
        // SAFETY: `ctype` is a CType object.
        unsafe { Bound::from_borrowed_ptr(py, self.ctype).cast_into_unchecked::<CType>().unbind() }
    }
}

/// The Rust payload of a CType object, for as long as the caller keeps it alive.
#[inline]
pub unsafe fn ctype_ref<'a>(obj: *mut ffi::PyObject) -> &'a CType { unsafe {
    let py = Python::assume_attached();
    let b = Borrowed::from_ptr(py, obj).cast_unchecked::<CType>();
    &*(b.get() as *const CType)
}}

static CDATA_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CDATA_GC_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CDATA_GCP_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The `_CDataBase` type object (`ffi.CData`).
pub fn cdata_type(py: Python<'_>) -> &Bound<'_, PyType> {
    CDATA_TYPE
        .get_or_init(py, || create_type(py).expect("cannot create the cdata type"))
        .bind(py)
}

pub fn cdata_type_ptr(py: Python<'_>) -> *mut ffi::PyTypeObject {
    cdata_type(py).as_type_ptr()
}

/// The subtype for cdata whose owner holds Python objects (callbacks,
/// handles, `ffi.gc`, allocators): tracked by the cycle collector, as in
/// cffi, so `obj -> callback -> bound method -> obj` cycles are freed.
/// Plain cdata stay untracked, which keeps `ffi.new` cheap.
pub fn cdata_gc_type_ptr(py: Python<'_>) -> *mut ffi::PyTypeObject {
    CDATA_GC_TYPE
        .get_or_init(py, || create_gc_type(py).expect("cannot create the cdata gc type"))
        .bind(py)
        .as_type_ptr()
}

/// The subtype for `ffi.gc()` and allocator cdata (cffi's `__CDataGCP`):
/// tracked by the cycle collector but never cleared by it, as in cffi, so
/// that a destructor runs only when its cdata dies, with the cdata and the
/// destructor intact (see `clear`).
pub fn cdata_gcp_type_ptr(py: Python<'_>) -> *mut ffi::PyTypeObject {
    CDATA_GCP_TYPE
        .get_or_init(py, || create_gcp_type(py).expect("cannot create the cdata gcp type"))
        .bind(py)
        .as_type_ptr()
}

#[inline]
pub fn is_cdata(py: Python<'_>, obj: *mut ffi::PyObject) -> bool {
    // SAFETY: obj is a live object.
    let tp = unsafe { ffi::Py_TYPE(obj) };
    // a subtype not made yet has no instances: asking must not make it
    // (each costs a class's creation, 23,000 instructions)
    let made_is = |lock: &PyOnceLock<Py<PyType>>| lock.get(py).is_some_and(|t| t.bind(py).as_type_ptr() == tp);
    tp == cdata_type_ptr(py) || made_is(&CDATA_GC_TYPE) || made_is(&CDATA_GCP_TYPE)
}

impl Owner {
    /// Whether this owner makes its cdata a root: it owns a resource that
    /// `ffi.release()` gives back (cdata/lifetime.rs).
    pub fn is_root(&self) -> bool {
        matches!(self, Owner::Malloc { .. } | Owner::Custom { .. } | Owner::Gc { .. } | Owner::Buffer(_))
    }

    /// Whether the memory itself was allocated for this cdata (`ffi.new()`
    /// or an allocator): cffi's "owning" pointers.
    pub fn allocated(&self) -> bool {
        matches!(self, Owner::Malloc { .. } | Owner::Custom { .. })
    }

    /// The cdata type for this owner: cycle-collected if it keeps Python
    /// objects alive (and so may be part of a reference cycle); cleared by
    /// the collector only where that is safe (handles, callbacks).
    fn cdata_type(&self, py: Python<'_>) -> *mut ffi::PyTypeObject {
        match self {
            Owner::Custom { .. } | Owner::Gc { .. } => cdata_gcp_type_ptr(py),
            Owner::Handle(_) | Owner::Callback(_) => cdata_gc_type_ptr(py),
            _ => cdata_type_ptr(py),
        }
    }
}

/// `obj` as a cdata, if it is one.
#[inline]
pub fn as_cdata<'a>(py: Python<'_>, obj: &'a Bound<'_, PyAny>) -> Option<&'a CDataObject> {
    if is_cdata(py, obj.as_ptr()) {
        // SAFETY: checked the type above.
        Some(unsafe { &*(obj.as_ptr() as *const CDataObject) })
    } else {
        None
    }
}

const HAVE_VECTORCALL: u64 = 1 << 11;

fn leaked_members() -> *mut ffi::PyMemberDef {
    let members = vec![
        ffi::PyMemberDef {
            name: c"__vectorcalloffset__".as_ptr(),
            type_code: ffi::Py_T_PYSSIZET,
            offset: std::mem::offset_of!(CDataObject, vectorcall) as ffi::Py_ssize_t,
            flags: ffi::Py_READONLY,
            doc: ptr::null(),
        },
        ffi::PyMemberDef {
            name: c"__weaklistoffset__".as_ptr(),
            type_code: ffi::Py_T_PYSSIZET,
            offset: std::mem::offset_of!(CDataObject, weakrefs) as ffi::Py_ssize_t,
            flags: ffi::Py_READONLY,
            doc: ptr::null(),
        },
        ffi::PyMemberDef { name: ptr::null(), type_code: 0, offset: 0, flags: 0, doc: ptr::null() },
    ];
    Box::leak(members.into_boxed_slice()).as_mut_ptr()
}

/// The classes' docstrings (`help(p)`, `p.__doc__`; cffi has one too, in
/// its words).
const BASE_DOC: &std::ffi::CStr =
    c"The type of C data objects (ffi.CData). Some cdata are of a subtype: check with isinstance(x, ffi.CData).";
const SUBTYPE_DOC: &std::ffi::CStr =
    c"A subtype of _CDataBase for cdata that keep Python objects alive. Check with isinstance(x, ffi.CData).";

// the type flags are c_ulong: 32 bits on Windows, so the `as u64` casts stay
#[allow(clippy::unnecessary_cast)]
fn create_type(py: Python<'_>) -> PyResult<Py<PyType>> {
    let methods = Box::leak(methods::method_defs().into_boxed_slice());
    let mut slots = slots::slot_list();
    slots.push(ffi::PyType_Slot { slot: ffi::Py_tp_members, pfunc: leaked_members() as *mut c_void });
    slots.push(ffi::PyType_Slot { slot: ffi::Py_tp_methods, pfunc: methods.as_mut_ptr() as *mut c_void });
    slots.push(ffi::PyType_Slot { slot: ffi::Py_tp_doc, pfunc: BASE_DOC.as_ptr() as *mut c_void });
    // BASETYPE only so that the gc subtype can derive from it; its tp_new
    // refuses to build instances from Python anyway.
    let tp = make_type(py, c"_cffi_backend._CDataBase", ffi::Py_TPFLAGS_BASETYPE as u64, slots, None)?;
    set_instance_name(py, tp.bind(py))?;
    Ok(tp)
}

/// `"<cdata>"` as `__name__` in the type's dict, as cffi puts it there: an
/// instance's `x.__name__` is then `"<cdata>"` (pytest names a parameter
/// from it, `test[<cdata>]`), while the class keeps its own `__name__`
/// (`type`'s descriptor wins for the class); a struct field of that name
/// still wins for a struct pointer (the field lookup comes first).
fn set_instance_name(py: Python<'_>, tp: &Bound<'_, PyType>) -> PyResult<()> {
    let value = pyo3::types::PyString::new(py, "<cdata>");
    // SAFETY: a heap type made just above and not used yet, whose tp_dict is
    // its real attribute dict (not the limited API); the change is announced
    // to the type cache with PyType_Modified.
    unsafe {
        let dict = (*tp.as_type_ptr()).tp_dict;
        if dict.is_null() || ffi::PyDict_SetItemString(dict, c"__name__".as_ptr(), value.as_ptr()) < 0 {
            return Err(PyErr::fetch(py));
        }
        ffi::PyType_Modified(tp.as_type_ptr());
    }
    Ok(())
}

// the type flags are c_ulong: 32 bits on Windows, so the `as u64` casts stay
#[allow(clippy::unnecessary_cast)]
fn create_gc_type(py: Python<'_>) -> PyResult<Py<PyType>> {
    let slots = vec![
        ffi::PyType_Slot { slot: ffi::Py_tp_members, pfunc: leaked_members() as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_traverse, pfunc: traverse as ffi::traverseproc as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_clear, pfunc: clear as ffi::inquiry as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_doc, pfunc: SUBTYPE_DOC.as_ptr() as *mut c_void },
    ];
    make_type(py, c"_cffi_backend.__CDataOwnGC", ffi::Py_TPFLAGS_HAVE_GC as u64, slots, Some(cdata_type(py)))
}

// the type flags are c_ulong: 32 bits on Windows, so the `as u64` casts stay
#[allow(clippy::unnecessary_cast)]
fn create_gcp_type(py: Python<'_>) -> PyResult<Py<PyType>> {
    let slots = vec![
        ffi::PyType_Slot { slot: ffi::Py_tp_members, pfunc: leaked_members() as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_traverse, pfunc: traverse as ffi::traverseproc as *mut c_void },
        // called by the cycle collector only: a destructor in garbage runs
        // before anything is cleared. The type's own dealloc, not the
        // `subtype_dealloc` a heap type gets by default, which would call
        // the finalizer at every deallocation (gc_finalize.rs)
        ffi::PyType_Slot { slot: ffi::Py_tp_finalize, pfunc: gc_finalize::finalize as ffi::destructor as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_dealloc, pfunc: dealloc as ffi::destructor as *mut c_void },
        ffi::PyType_Slot { slot: ffi::Py_tp_doc, pfunc: SUBTYPE_DOC.as_ptr() as *mut c_void },
    ];
    make_type(py, c"_cffi_backend.__CDataGCP", ffi::Py_TPFLAGS_HAVE_GC as u64, slots, Some(cdata_type(py)))
}

/// A heap type with the cdata object layout and vectorcall support.
// the type flags are c_ulong: 32 bits on Windows, so the `as u64` casts stay
#[allow(clippy::unnecessary_cast)]
fn make_type(
    py: Python<'_>,
    name: &'static std::ffi::CStr,
    extra_flags: u64,
    mut slots: Vec<ffi::PyType_Slot>,
    base: Option<&Bound<'_, PyType>>,
) -> PyResult<Py<PyType>> {
    if let Some(b) = base {
        // a type with the vectorcall flag must have its own tp_call when
        // it is readied (inherited only afterwards): a debug CPython
        // asserts it (`type_ready_pre_checks`) and aborts
        // SAFETY: a readied type object, GIL held.
        let call = unsafe { (*b.as_type_ptr()).tp_call };
        if let Some(call) = call {
            slots.push(ffi::PyType_Slot { slot: ffi::Py_tp_call, pfunc: call as *mut c_void });
        }
    }
    slots.push(ffi::PyType_Slot { slot: 0, pfunc: ptr::null_mut() });
    let slots = Box::leak(slots.into_boxed_slice());
    let spec = Box::leak(Box::new(ffi::PyType_Spec {
        name: name.as_ptr(),
        basicsize: std::mem::size_of::<CDataObject>() as c_int,
        itemsize: 0,
        flags: (ffi::Py_TPFLAGS_DEFAULT as u64 | HAVE_VECTORCALL | extra_flags) as _,
        slots: slots.as_mut_ptr(),
    }));
    // SAFETY: the spec and everything it points to are leaked ('static).
    unsafe {
        let tp = match base {
            Some(b) => {
                // a 1-tuple: CPython 3.9 takes only a tuple here (3.10+ also a type)
                let bases = PyTuple::new(py, [b])?;
                ffi::PyType_FromSpecWithBases(spec, bases.as_ptr())
            }
            None => ffi::PyType_FromSpec(spec),
        };
        if tp.is_null() {
            return Err(PyErr::fetch(py));
        }
        Ok(Bound::from_owned_ptr(py, tp).cast_into_unchecked::<PyType>().unbind())
    }
}

/// `tp_traverse` of the gc subtype: the Python objects the owner holds.
// SAFETY: tp_traverse: called by the collector with the GIL held on a
// live cdata of a gc subtype; only the owner's references are visited.
unsafe extern "C" fn traverse(slf: *mut ffi::PyObject, visit: ffi::visitproc, arg: *mut c_void) -> c_int { unsafe {
    let mut result = 0;
    let mut each = |obj: *mut ffi::PyObject| {
        if result == 0 && !obj.is_null() {
            result = visit(obj, arg);
        }
    };
    match (*(slf as *const CDataObject)).owner.get() {
        Owner::Custom { free, original, .. } => {
            if let Some(f) = free {
                each(f.as_ptr());
            }
            each(original.obj.as_ptr());
        }
        Owner::Gc { original, destructor, .. } => {
            each(original.as_ptr());
            if let Some(d) = destructor {
                each(d.as_ptr());
            }
        }
        Owner::Handle(obj) => each(obj.as_ptr()),
        Owner::Callback(holder) => holder.visit_refs(&mut each),
        _ => {}
    }
    result
}}

/// `tp_clear` of the handle/callback subtype, as cffi's: a callback
/// forgets its Python function (C may still call its closure) and a handle
/// its object. `ffi.gc()` and allocator cdata have their own type with no
/// `tp_clear`: running a destructor from here (while other objects of the
/// same cycle, maybe used by it, are already gone) crashed real programs.
// SAFETY: tp_clear: called by the collector with the GIL held on a live
// cdata; a callback's or handle's references are replaced, not freed
// while used (the C closure stays valid).
unsafe extern "C" fn clear(slf: *mut ffi::PyObject) -> c_int { unsafe {
    crate::entry::attached_int(|py| {
        let owner = &(*(slf as *const CDataObject)).owner;
        match owner.get() {
            // taken out while its references go (which may run Python
            // code: no borrow of the cell is held then), and put back
            Owner::Callback(_) => {
                let mut taken = owner.replace(Owner::Borrowed);
                if let Owner::Callback(holder) = &mut taken {
                    holder.clear_refs(py);
                }
                drop(owner.replace(taken));
            }
            Owner::Handle(_) => {
                let old = owner.update(|o| match o {
                    Owner::Handle(x) => Some(std::mem::replace(x, py.None())),
                    _ => None,
                });
                drop(old);
            }
            _ => {}
        }
        0
    })
}}

/// Allocate a cdata of `ctype` (a `CType` object) pointing at `ptr`.
/// Returns a new reference or NULL with an exception set.
// SAFETY (contract): GIL held; `ptr` is valid for as long as `owner`
// keeps it (or is C's, as in cffi).
pub unsafe fn new_cdata(_py: Python<'_>, ctype: &Py<CType>, ptr: *mut u8, owner: Owner) -> *mut ffi::PyObject { unsafe {
    new_cdata_raw(ctype.as_ptr(), ctype.get(), ptr, owner)
}}

/// `new_cdata` from the CType object `ctype_obj` (borrowed; its payload
/// `ct`). Drops no `Py<T>` unless allocation fails (then `owner` goes),
/// so it may run outside `entry::attached` with an owner that holds no
/// Python object (cdata/fast.rs, call_int.rs).
///
/// # Safety
/// GIL held; `ctype_obj` is a live CType object and `ct` its payload.
pub unsafe fn new_cdata_raw(ctype_obj: *mut ffi::PyObject, ct: &CType, ptr: *mut u8, owner: Owner) -> *mut ffi::PyObject { unsafe {
    let py = Python::assume_attached();
    let tp = owner.cdata_type(py);
    let obj = if tp == cdata_type_ptr(py) {
        // the plain type is not tracked by the cycle collector: a bare
        // allocation (every field is set below), as cffi's PyObject_New,
        // instead of PyType_GenericAlloc's generic sizing and zeroing
        let o = ffi::PyObject_Malloc(std::mem::size_of::<CDataObject>()) as *mut ffi::PyObject;
        if o.is_null() {
            ffi::PyErr_NoMemory();
            drop(owner);
            return ptr::null_mut();
        }
        ffi::PyObject_Init(o, tp) as *mut CDataObject
    } else {
        let alloc = (*tp).tp_alloc.unwrap_or(ffi::PyType_GenericAlloc);
        let o = alloc(tp, 0) as *mut CDataObject;
        if o.is_null() {
            drop(owner);
            return ptr::null_mut();
        }
        o
    };
    // the fields of a new object (allocated, not initialised): written
    // in place, nothing to drop
    ptr::write(ptr::addr_of_mut!((*obj).owner), OwnerCell(std::cell::UnsafeCell::new(owner)));
    ffi::Py_INCREF(ctype_obj);
    ptr::write(ptr::addr_of_mut!((*obj).ctype), ctype_obj);
    ptr::write(ptr::addr_of_mut!((*obj).ptr), Cell::new(ptr));
    let length = match ct.length {
        Some(n) => n as isize,
        None if ct.kind == crate::ctype::Kind::Array => 0,
        None => -1,
    };
    ptr::write(ptr::addr_of_mut!((*obj).length), Cell::new(length));
    ptr::write(ptr::addr_of_mut!((*obj).weakrefs), Cell::new(ptr::null_mut()));
    ptr::write(ptr::addr_of_mut!((*obj).inline), [Cell::new(0), Cell::new(0)]);
    ptr::write(ptr::addr_of_mut!((*obj).exports), Cell::new(0));
    ptr::write(ptr::addr_of_mut!((*obj).release_pending), Cell::new(false));
    let vectorcall = if ct.kind == crate::ctype::Kind::Pointer && ct.item().get().kind == crate::ctype::Kind::Function {
        FUNCTION_POINTER_CALL.get().copied()
    } else {
        None
    };
    ptr::write(ptr::addr_of_mut!((*obj).vectorcall), Cell::new(vectorcall));
    obj as *mut ffi::PyObject
}}

/// A cdata holding a copy of the primitive value at `src` (`ffi.cast`,
/// `long double` reads, call results).
// SAFETY (contract): GIL held; `src` points to `size` readable bytes
// (at most 16 are copied into the cdata's own `inline`).
pub unsafe fn new_value_cdata(py: Python<'_>, ctype: &Py<CType>, src: *const u8, size: usize) -> *mut ffi::PyObject { unsafe {
    let obj = new_cdata(py, ctype, ptr::null_mut(), Owner::Borrowed) as *mut CDataObject;
    if obj.is_null() {
        return ptr::null_mut();
    }
    let dst = (*obj).inline_ptr();
    ptr::copy_nonoverlapping(src, dst, size.min(16));
    (*obj).ptr.set(dst);
    obj as *mut ffi::PyObject
}}

/// Wrap a new-reference-or-NULL pointer into a `PyResult`.
// SAFETY (contract): GIL held; `obj` a new reference or NULL with an
// exception set.
pub unsafe fn wrap(py: Python<'_>, obj: *mut ffi::PyObject) -> PyResult<Bound<'_, PyAny>> { unsafe {
    if obj.is_null() {
        Err(PyErr::fetch(py))
    } else {
        Ok(Bound::from_owned_ptr(py, obj))
    }
}}

// SAFETY: tp_dealloc: GIL held, `slf` a cdata whose last reference went.
pub(crate) unsafe extern "C" fn dealloc(slf: *mut ffi::PyObject) { unsafe {
    // An owner holding Python objects (`Py<T>`) runs attached (see
    // entry.rs) so that they are released now rather than queued in
    // PyO3's pool; not possible (nor needed) while the interpreter is
    // finalizing. The others (memory, views, buffers) release nothing
    // through PyO3: a view's hold decrefs its root directly.
    let holds_python = matches!(
        (*(slf as *const CDataObject)).owner.get(),
        Owner::Custom { .. } | Owner::Gc { .. } | Owner::Handle(_) | Owner::Callback(_)
    );
    if holds_python && ffi::Py_IsInitialized() != 0 {
        crate::entry::attached(|py| dealloc_attached(py, slf));
    } else {
        dealloc_attached(Python::assume_attached(), slf)
    }
}}

// SAFETY: as `dealloc`. No hold remains (a hold owns a reference);
// `give_back` may run a destructor, which is handed the original, never
// this dying object (its weak references are cleared first).
unsafe fn dealloc_attached(py: Python<'_>, slf: *mut ffi::PyObject) { unsafe {
    let tp = ffi::Py_TYPE(slf);
    if tp != cdata_type_ptr(py) {
        ffi::PyObject_GC_UnTrack(slf as *mut c_void);
    }
    let obj = slf as *mut CDataObject;
    if !(*obj).weakrefs.get().is_null() {
        ffi::PyObject_ClearWeakRefs(slf);
    }
    if matches!((*obj).owner.get(), Owner::Handle(_)) {
        handles::forget(slf);
    }
    // Holds keep their root alive, so none is left on a dying root.
    (*obj).release_pending.set(false);
    lifetime::give_back(py, obj);
    ptr::drop_in_place(&mut (*obj).owner);
    ffi::Py_DECREF((*obj).ctype);
    let free = (*tp).tp_free.expect("tp_free");
    free(slf as *mut c_void);
    ffi::Py_DECREF(tp as *mut ffi::PyObject);
}}

/// The allocated size of a struct (or struct pointer) made by `ffi.new()`
/// whose type ends in a flexible array member; `None` otherwise. `p[0]`
/// of such a pointer is a view sharing its memory.
pub fn var_byte_size(py: Python<'_>, c: &CDataObject) -> Option<usize> {
    let ct = c.ctype();
    let rec = if ct.is_record_ptr() { ct.item().get() } else { ct };
    if rec.record.is_none() || !rec.record_info(py).is_ok_and(|r| r.var_array) {
        return None;
    }
    match c.owner.get() {
        Owner::Malloc { size } | Owner::Custom { size, .. } => Some(*size),
        Owner::View { item: true, .. } => {
            let root = lifetime::view_root(c)?;
            if lifetime::resource_address(root) != c.ptr.get() {
                return None;
            }
            match root.owner.get() {
                Owner::Malloc { size } | Owner::Custom { size, .. } => Some(*size),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The memory at `addr` (an address inside what `c` shows) that a write
/// may fill: up to the end of the allocation or buffer behind `c`, or
/// `Room::Unchecked` when the memory is C's (its extent is unknown).
pub fn room_at(py: Python<'_>, c: &CDataObject, addr: *const u8) -> Room {
    let root = match c.owner.get() {
        Owner::View { .. } => match lifetime::view_root(c) {
            Some(r) => r,
            None => return Room::Own,
        },
        _ => c,
    };
    let (start, size) = match root.owner.get() {
        // where the block is, also after `ffi.release(root)` nulled `ptr`
        // while a view (`c`) keeps the block: from 0 the room was none
        Owner::Malloc { size } | Owner::Custom { size, .. } => (lifetime::resource_address(root) as usize, *size),
        Owner::Buffer(view) => (view.buf as usize, view.len.max(0) as usize),
        Owner::Gc { original, .. } => {
            // `ffi.gc(p, ...)` shows the memory of `p`, whose extent may be known
            return match as_cdata(py, original.bind(py)) {
                Some(o) if o.ptr.get() == root.ptr.get() && !std::ptr::eq(o, root) => room_at(py, o, addr),
                _ => Room::Unchecked,
            };
        }
        Owner::Borrowed | Owner::Mapped(_) => return Room::Unchecked,
        _ => return Room::Own,
    };
    let addr = addr as usize;
    if addr < start {
        return Room::Bytes(0);
    }
    Room::Bytes(size.saturating_sub(addr - start))
}

/// `p[0]` of a root `p` (a pointer made by `ffi.new()` or an allocator):
/// a view that cffi treats as owning the memory (`lifetime::is_owning_item`).
///
/// # Safety
/// `root` is a live root cdata; `addr` is its address.
pub unsafe fn new_item_view(py: Python<'_>, ctype: &Py<CType>, addr: *mut u8, root: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    match MemoryHold::on(root) {
        Some(hold) => new_cdata(py, ctype, addr, Owner::View { hold, item: true }),
        None => new_cdata(py, ctype, addr, Owner::Borrowed),
    }
}}

/// A cdata of `ctype` at `addr`, inside the memory that `parent` (a cdata)
/// shows: it holds that memory's root, if it has one (`lifetime.rs`).
///
/// # Safety
/// `parent` is a live cdata; `addr` lies in its memory (or is a pointer
/// value read from it, for which no hold is taken: use `new_cdata`).
pub unsafe fn new_view(py: Python<'_>, ctype: &Py<CType>, addr: *mut u8, parent: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let owner = match MemoryHold::for_view(parent) {
        Some(hold) => Owner::View { hold, item: false },
        None => Owner::Borrowed,
    };
    new_cdata(py, ctype, addr, owner)
}}
