//! Raw entry points (type slots, vectorcall functions, `METH_FASTCALL`
//! methods that CPython calls without PyO3 in between) run their body
//! through `attached`.
//!
//! Why: PyO3 decides how to drop a `Py<T>` (inside a `PyErr`, an owner, a
//! cloned ctype) by its own per-thread attach count, not by whether the
//! GIL is held. A raw entry point starts with that count at zero, so every
//! `Py<T>` dropped in it would be queued in PyO3's global deferred-decref
//! pool, growing memory until some PyO3 method happened to drain it (issue
//! 9, item 8: +54 MB per 500,000 exceptions). `attached` raises the count
//! for the duration of the body, as PyO3's own method trampolines do, so
//! those references are released at once. It costs a thread-local
//! increment and decrement.

use std::ptr;

use pyo3::ffi;
use pyo3::impl_::trampoline::{unaryfunc, MethodDef};
use pyo3::prelude::*;

/// The body, type-erased so that one trampoline instance serves every
/// closure: `unaryfunc`'s single object argument carries a pointer to it.
type Body<'a> = &'a mut dyn FnMut(Python<'_>);

struct RunBody;

impl MethodDef<unaryfunc::Func> for RunBody {
    const METH: unaryfunc::Func = run_body;
}

/// # Safety
/// `erased` is the `*mut Body` built by `attached`, alive for this call.
unsafe fn run_body(py: Python<'_>, erased: *mut ffi::PyObject) -> PyResult<*mut ffi::PyObject> {
    // SAFETY: see the function's contract.
    let body = unsafe { &mut *(erased as *mut Body<'_>) };
    body(py);
    Ok(ptr::null_mut())
}

/// Run `f` with PyO3's attach count raised (see the module comment).
/// Returns `None` only if `f` panicked: PyO3 then raised `PanicException`.
///
/// # Safety
/// The calling thread holds the GIL (it is inside a call from CPython).
#[inline]
pub unsafe fn attached<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    let mut f = Some(f);
    let mut out = None;
    let mut run = |py: Python<'_>| {
        if let Some(f) = f.take() {
            out = Some(f(py));
        }
    };
    let mut body: Body<'_> = &mut run;
    // SAFETY: the GIL is held (our contract); `body` outlives the call, and
    // `run_body` is the only reader of the pointer.
    unsafe { unaryfunc::<RunBody>(&mut body as *mut Body<'_> as *mut ffi::PyObject) };
    out
}

/// `attached` for entry points returning a new reference or NULL with an
/// exception set.
#[inline]
pub unsafe fn attached_obj(f: impl FnOnce(Python<'_>) -> *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    attached(f).unwrap_or(ptr::null_mut())
}}

/// `attached` for entry points returning a C int (-1 with an exception set
/// on error).
#[inline]
pub unsafe fn attached_int<T: From<i8>>(f: impl FnOnce(Python<'_>) -> T) -> T { unsafe {
    attached(f).unwrap_or_else(|| T::from(-1))
}}

extern "C" {
    #[cfg(not(Py_3_13))]
    fn _Py_IsFinalizing() -> std::ffi::c_int;
    #[cfg(Py_3_13)]
    fn Py_IsFinalizing() -> std::ffi::c_int;
}

/// Whether the interpreter is shutting down (`Py_FinalizeEx` has started
/// tearing it down: module globals are being cleared, other threads may no
/// longer take the GIL) or is gone. Callable from any thread, with or
/// without the GIL: both are reads of runtime-wide flags.
pub fn interpreter_exiting() -> bool {
    // SAFETY: both functions only read a field of the runtime state, which
    // lives as long as the process (they are meant to be called from any
    // thread, before, during and after finalization).
    unsafe {
        #[cfg(not(Py_3_13))]
        let finalizing = _Py_IsFinalizing() != 0;
        #[cfg(Py_3_13)]
        let finalizing = Py_IsFinalizing() != 0;
        finalizing || ffi::Py_IsInitialized() == 0
    }
}
