//! The lifetime of cdata memory: one model for every access path
//! (docs/architecture.md, "Lifetime of cdata memory").
//!
//! - A **root** is a cdata that owns a resource: `ffi.new()` memory
//!   (`Owner::Malloc`), an allocator's (`Custom`), a C pointer with an
//!   `ffi.gc()` destructor (`Gc`), a buffer view (`Buffer`).
//! - A **hold** (`MemoryHold`) is a strong reference to a root plus one count
//!   in its `exports`. Everything that can reach a root's memory without
//!   going through the root itself takes one: views (`p[0]`, `p.field`,
//!   slices, `p + n`, `ffi.addressof` of it: `Owner::View`; not `ffi.cast`,
//!   which holds nothing, as in cffi),
//!   `ffi.buffer` objects, and operations during which Python code may run
//!   (a slice assignment from a generator, a value's `__index__`, a call
//!   whose callback runs, another thread while the GIL is released).
//! - `ffi.release(root)` makes the root itself unusable at once (its
//!   address reads as NULL, its length as 0, so a later access through it
//!   raises). The resource is given back at once if nothing holds it, or
//!   else when the last hold goes; `ffi.new()` memory only when the root
//!   dies, as in cffi (`gives_back_on_release`). So no access path ever sees memory that
//!   was given back; the price is that memory someone still uses is
//!   returned later.
//! - A root that is deallocated gives its resource back (holds keep it
//!   alive, so none remain then).
//!
//! All of it runs with the GIL held; the fields it changes are `Cell`s
//! (`owner` an `OwnerCell`), as code elsewhere holds a `&CDataObject`
//! while Python code that may change them runs (mod.rs).

use std::ffi::c_void;
use std::ptr;

use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;

use super::{as_cdata, CDataObject, Owner};

/// The root whose memory `obj` (a cdata) shows, if its memory has one.
///
/// # Safety
/// `obj` is a live cdata object; the GIL is held.
pub unsafe fn memory_root(obj: *mut ffi::PyObject) -> Option<*mut ffi::PyObject> { unsafe {
    let c = &*(obj as *const CDataObject);
    if c.release_pending.get() {
        return None;
    }
    match c.owner.get() {
        Owner::View { hold, .. } => Some(hold.root()),
        owner if owner.is_root() => Some(obj),
        _ => None,
    }
}}

/// What a view of `obj` (or an `ffi.buffer` of it) keeps: the root of its
/// memory, or a library's function or global itself (`Owner::Mapped`),
/// never released but kept so that the library stays mapped (library.rs). Operations need no
/// hold on the latter: their caller keeps it alive while they run.
///
/// # Safety
/// As `memory_root`.
unsafe fn kept_by_views(obj: *mut ffi::PyObject) -> Option<*mut ffi::PyObject> { unsafe {
    let c = &*(obj as *const CDataObject);
    match c.owner.get() {
        Owner::Mapped(_) => Some(obj),
        _ => memory_root(obj),
    }
}}

/// A strong reference to a root and one count in its `exports`: while it
/// lives, the root's resource is not given back (see the module comment).
pub struct MemoryHold {
    root: ptr::NonNull<ffi::PyObject>,
}

impl MemoryHold {
    /// A hold on the memory `obj` shows, or `None` when no root owns it
    /// (C's memory, a value, a released cdata).
    ///
    /// # Safety
    /// `obj` is a live cdata object; the GIL is held, and stays held for as
    /// long as the hold lives (it is dropped on this thread).
    pub unsafe fn on(obj: *mut ffi::PyObject) -> Option<MemoryHold> { unsafe {
        MemoryHold::of_root(memory_root(obj)?)
    }}

    /// The hold a view of `obj` takes (`kept_by_views`).
    ///
    /// # Safety
    /// As `on`.
    pub unsafe fn for_view(obj: *mut ffi::PyObject) -> Option<MemoryHold> { unsafe {
        MemoryHold::of_root(kept_by_views(obj)?)
    }}

    /// # Safety
    /// As `on`; `root` is a live cdata.
    unsafe fn of_root(root: *mut ffi::PyObject) -> Option<MemoryHold> { unsafe {
        ffi::Py_INCREF(root);
        let r = &*(root as *const CDataObject);
        r.exports.set(r.exports.get() + 1);
        Some(MemoryHold { root: ptr::NonNull::new_unchecked(root) })
    }}

    /// The hold an `ffi.gc()` of `obj` takes: on its root's memory when a
    /// `ffi.release()` of that root gives it back before the root dies
    /// (not `ffi.new()` memory, which the `ffi.gc()` keeps by keeping
    /// `obj`).
    ///
    /// # Safety
    /// As `on`.
    pub unsafe fn for_gc(obj: *mut ffi::PyObject) -> Option<MemoryHold> { unsafe {
        let root = memory_root(obj)?;
        if !gives_back_on_release((*(root as *const CDataObject)).owner.get()) {
            return None;
        }
        MemoryHold::of_root(root)
    }}

    /// A hold on the memory of `obj` if it is a cdata.
    pub fn on_any(py: Python<'_>, obj: &Bound<'_, PyAny>) -> Option<MemoryHold> {
        // SAFETY: checked to be a cdata; `obj` proves the GIL is held.
        as_cdata(py, obj).and_then(|_| unsafe { MemoryHold::on(obj.as_ptr()) })
    }

    /// The root cdata this hold keeps.
    pub fn root(&self) -> *mut ffi::PyObject {
        self.root.as_ptr()
    }
}

impl Drop for MemoryHold {
    fn drop(&mut self) {
        // SAFETY: holds are made and dropped with the GIL held (`on`'s
        // contract); `root` is alive: this hold owns a reference to it.
        unsafe {
            let r = self.root.as_ptr() as *mut CDataObject;
            let exports = (*r).exports.get() - 1;
            (*r).exports.set(exports);
            if exports == 0 && (*r).release_pending.get() && gives_back_on_release((*r).owner.get()) {
                (*r).release_pending.set(false);
                // may run Python code (a destructor): attached, entry.rs
                crate::entry::attached(|py| give_back(py, r));
            }
            ffi::Py_DECREF(self.root.as_ptr());
        }
    }
}

/// Holds for the arguments of one operation (a call), inline for the
/// usual few. Counted, and with no drop glue of its own beyond that count,
/// so that a call holding nothing (arguments that are no root's memory)
/// pays a compare: this is on every call's path.
pub struct Holds {
    len: usize,
    inline: [std::mem::MaybeUninit<MemoryHold>; 8],
    /// Beyond `inline`: allocated only then (dropped by hand, see `Drop`).
    more: std::mem::ManuallyDrop<Vec<MemoryHold>>,
}

impl Default for Holds {
    #[inline(always)]
    fn default() -> Holds {
        Holds { len: 0, inline: [const { std::mem::MaybeUninit::uninit() }; 8], more: std::mem::ManuallyDrop::new(Vec::new()) }
    }
}

impl Holds {
    /// Hold the memory of `obj` (a cdata) until `self` is dropped.
    ///
    /// # Safety
    /// As `MemoryHold::on`.
    #[inline]
    pub unsafe fn add(&mut self, obj: *mut ffi::PyObject) { unsafe {
        let Some(hold) = MemoryHold::on(obj) else { return };
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                slot.write(hold);
                self.len += 1;
            }
            None => self.more.push(hold),
        }
    }}

    #[cold]
    fn drop_more(&mut self) {
        // SAFETY: dropped once, here; `more` is not used afterwards.
        unsafe { std::mem::ManuallyDrop::drop(&mut self.more) }
    }
}

impl Drop for Holds {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the first `len` inline slots were written by `add`, and
        // are dropped once, here.
        for slot in &mut self.inline[..self.len] {
            unsafe { slot.assume_init_drop() };
        }
        if self.more.capacity() != 0 {
            self.drop_more();
        }
    }
}

/// Holds for an operation on at most `N` cdata (the integer call entry:
/// its arguments and the function), inline, with nothing to construct and
/// nothing to drop beyond the count.
pub struct FewHolds<const N: usize> {
    len: usize,
    held: [std::mem::MaybeUninit<MemoryHold>; N],
}

impl<const N: usize> FewHolds<N> {
    #[inline(always)]
    pub fn new() -> Self {
        FewHolds { len: 0, held: [const { std::mem::MaybeUninit::uninit() }; N] }
    }

    /// Hold the memory of `obj` (a cdata) until `self` is dropped; `false`
    /// (and nothing held) if `N` holds are taken already.
    ///
    /// # Safety
    /// As `MemoryHold::on`.
    #[inline(always)]
    pub unsafe fn add(&mut self, obj: *mut ffi::PyObject) -> bool { unsafe {
        if memory_root(obj).is_none() {
            return true;
        }
        let Some(slot) = self.held.get_mut(self.len) else { return false };
        if let Some(hold) = MemoryHold::on(obj) {
            slot.write(hold);
            self.len += 1;
        }
        true
    }}
}

impl<const N: usize> FewHolds<N> {
    /// Let go of the holds now. The same as dropping `self`, without the
    /// out-of-line drop call the compiler makes for it (this is on every
    /// call's path): callers end with this; `Drop` covers other exits.
    #[inline(always)]
    pub fn release(mut self) {
        self.release_held();
        std::mem::forget(self);
    }

    #[inline(always)]
    fn release_held(&mut self) {
        let n = std::mem::replace(&mut self.len, 0);
        // SAFETY: the first `n` slots were written by `add`; `len` is 0
        // from now on, so each is dropped once.
        for slot in &mut self.held[..n] {
            unsafe { slot.assume_init_drop() };
        }
    }
}

impl<const N: usize> Drop for FewHolds<N> {
    fn drop(&mut self) {
        self.release_held();
    }
}

/// `ffi.release(x)` and `with ... as x:` (see the module comment).
pub fn release(py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<()> {
    let cd = as_cdata(py, x).ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("expected a 'cdata' object"))?;
    if cd.release_pending.get() {
        return Ok(());
    }
    // A record by value (a call's or a callback's struct result, a
    // constant) owns its memory too, but is none of what cffi releases:
    // and its bytes are passed on by value, which a released one could
    // not give (a NULL read)
    let by_value_record = matches!(cd.owner.get(), Owner::Malloc { .. })
        && matches!(cd.ctype().kind, crate::ctype::Kind::Struct | crate::ctype::Kind::Union);
    match cd.owner.get() {
        owner if owner.is_root() && !by_value_record => {}
        Owner::Released | Owner::ReleasedBuffer => return Ok(()),
        _ => {
            return Err(PyValueError::new_err(
                "only 'cdata' object from ffi.new(), ffi.gc(), ffi.from_buffer() or ffi.new_allocator()() can be used with the 'with' keyword or ffi.release()",
            ))
        }
    }
    if let Owner::Gc { .. } = cd.owner.get() {
        if !matches!(cd.ctype().kind, crate::ctype::Kind::Pointer | crate::ctype::Kind::Array) {
            return release_gc_value(py, x.as_ptr() as *mut CDataObject);
        }
    }
    let obj = x.as_ptr() as *mut CDataObject;
    // From now on the cdata itself reads as NULL / empty; comparisons and
    // hash keep the old address.
    cd.inline[0].set(cd.ptr.get() as usize as u64);
    cd.ptr.set(ptr::null_mut());
    cd.length.set(if cd.length.get() >= 0 { 0 } else { -1 });
    if cd.exports.get() == 0 && gives_back_on_release(cd.owner.get()) {
        // SAFETY: GIL held; `obj` is a cdata nothing holds.
        unsafe { give_back(py, obj) };
    } else {
        cd.release_pending.set(true);
    }
    Ok(())
}

/// `ffi.release()` of an `ffi.gc()` of a value (a primitive, an enum, a
/// struct or union by value): the destructor runs now and is detached, as
/// in cffi, and nothing else changes. Such a cdata is its bytes, which
/// every read, comparison, hash, conversion and by-value argument takes
/// from `ptr` without a NULL check; nulling it, as for memory roots,
/// made each of them read address 0. The bytes are the original's,
/// which `Owner::Gc` keeps alive until this cdata dies (cffi lets the
/// original go here and reads them dangling), so `ptr` stays valid.
fn release_gc_value(py: Python<'_>, obj: *mut CDataObject) -> PyResult<()> {
    // SAFETY: GIL held; `obj` is a live cdata (the caller's `x`) whose
    // owner is `Gc`. The destructor and its argument are taken out of the
    // owner before any Python code runs (the destructor itself may
    // release, `ffi.gc(x, None)` or drop `x` again: it finds no destructor).
    let taken = unsafe {
        (*obj).owner.update(|owner| match owner {
            Owner::Gc { original, destructor, .. } => destructor.take().map(|d| (d, original.clone_ref(py))),
            _ => None,
        })
    };
    let Some((destructor, original)) = taken else { return Ok(()) };
    call_keeping_error(py, &destructor, &original);
    Ok(())
}

/// Whether `ffi.release()` gives the resource back before the root dies.
/// `ffi.new()` memory is kept until then, as cffi keeps it on CPython: an
/// address that left Python as an integer (`ffi.cast("size_t", p)` and
/// back) stays valid for as long as `p` lives, exactly as in cffi. An
/// allocator's `free`, a `ffi.gc` destructor and a buffer view are given
/// back as soon as nothing holds them, as their owners expect.
fn gives_back_on_release(owner: &Owner) -> bool {
    !matches!(owner, Owner::Malloc { .. })
}

/// Where the resource of `obj` lives: its address, or the address it had
/// before `ffi.release()` nulled it.
pub(crate) fn resource_address(obj: &CDataObject) -> *mut u8 {
    let p = obj.ptr.get();
    if p.is_null() {
        obj.inline[0].get() as usize as *mut u8
    } else {
        p
    }
}

/// Give back what the owner of `obj` holds: free the memory, call the
/// allocator's `free` or the `ffi.gc` destructor, release the buffer view.
/// A pending Python exception is kept intact around Python code.
///
/// # Safety
/// GIL held; `obj` is a cdata nothing holds any more (`exports == 0`).
pub(crate) unsafe fn give_back(py: Python<'_>, obj: *mut CDataObject) { unsafe {
    debug_assert_eq!((*obj).exports.get(), 0);
    let owner = (*obj).owner.replace(Owner::Released);
    match owner {
        Owner::Malloc { .. } => libc::free(resource_address(&*obj) as *mut c_void),
        Owner::Custom { free, original, .. } => {
            if let Some(f) = free {
                call_keeping_error(py, &f, &original.obj);
            }
            // (then `original` goes, and its hold: a root released
            // meanwhile gives its memory back now)
        }
        Owner::Gc { original, destructor, hold } => {
            if let Some(d) = destructor {
                call_keeping_error(py, &d, &original);
            }
            // (then the hold goes: a root released meanwhile gives its
            // memory back now, after the destructor used it)
            drop(hold);
        }
        Owner::Buffer(mut view) => {
            ffi::PyBuffer_Release(&mut *view);
            (*obj).owner.replace(Owner::ReleasedBuffer);
        }
        // Nothing of their own to give back: a view's hold (or a handle's
        // object) goes when the caller drops the owner with the cdata.
        other @ (Owner::View { .. }
        | Owner::Borrowed
        | Owner::Mapped(_)
        | Owner::Handle(_)
        | Owner::Callback(_)
        | Owner::Released
        | Owner::ReleasedBuffer) => {
            (*obj).owner.replace(other);
        }
    }
}}

/// `f(arg)`, its exception reported as unraisable; an exception already
/// being raised is kept.
fn call_keeping_error(py: Python<'_>, f: &Py<PyAny>, arg: &Py<PyAny>) {
    let saved = PyErr::take(py);
    let result = if cleared_by_collector(f.bind(py)) {
        Err(pyo3::exceptions::PyRuntimeError::new_err(
            "destructor not called: the cycle collector had already cleared it (it was part of the same garbage)",
        ))
    } else {
        f.bind(py).call1((arg.bind(py),)).map(drop)
    };
    if let Err(e) = result {
        // cffi's heading: "Exception ignored from callback for ffi.gc <cdata ...>"
        let what = arg.bind(py).repr().map(|r| r.to_string()).unwrap_or_else(|_| "?".into());
        crate::errors::report_unraisable(py, e, &format!("from callback for ffi.gc {what}"), "");
    }
    if let Some(e) = saved {
        e.restore(py);
    }
}

/// Whether `f` is a Python function (or a method of one) that the cycle
/// collector has cleared: its globals are gone, and calling it would crash
/// the interpreter. It happens when the destructor and its cdata are
/// garbage of one collection and the collector clears the function first.
fn cleared_by_collector(f: &Bound<'_, PyAny>) -> bool {
    let func = match f.getattr(pyo3::intern!(f.py(), "__func__")) {
        Ok(inner) => inner, // a bound method
        Err(_) => f.clone(),
    };
    // SAFETY: `func` is a live object; PyFunction_GetGlobals only reads it.
    unsafe { ffi::PyFunction_Check(func.as_ptr()) != 0 && ffi::PyFunction_GetGlobals(func.as_ptr()).is_null() }
}

/// Whether `c` is `p[0]` of a root `p = ffi.new("struct s *")` (cffi's
/// owning struct: its repr says "owning", it has the var-sized length).
pub fn is_owning_item(c: &CDataObject) -> bool {
    matches!(c.owner.get(), Owner::View { item: true, .. })
}

/// The root of a `View` cdata, if `c` is one.
pub fn view_root(c: &CDataObject) -> Option<&CDataObject> {
    match c.owner.get() {
        // SAFETY: the hold keeps the root alive for as long as `c` lives.
        Owner::View { hold, .. } => Some(unsafe { &*(hold.root() as *const CDataObject) }),
        _ => None,
    }
}

/// The error for any use of a released cdata that would otherwise compute
/// an address from its NULL (pointer arithmetic, `ffi.addressof`, passing
/// it to C, storing it).
pub fn released_error(ct: &crate::ctype::CType) -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err(format!(
        "cdata '{}' was released (ffi.release() or the end of its 'with' block): it cannot be used any more",
        ct.cname
    ))
}
