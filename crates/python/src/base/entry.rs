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
// SAFETY (contract): as `attached`.
pub unsafe fn attached_obj(f: impl FnOnce(Python<'_>) -> *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    attached(f).unwrap_or(ptr::null_mut())
}}

/// `attached` for entry points returning a C int (-1 with an exception set
/// on error).
#[inline]
// SAFETY (contract): as `attached`.
pub unsafe fn attached_int<T: From<i8>>(f: impl FnOnce(Python<'_>) -> T) -> T { unsafe {
    attached(f).unwrap_or_else(|| T::from(-1))
}}

extern "C" {
    #[cfg(not(Py_3_13))]
    fn _Py_IsFinalizing() -> std::ffi::c_int;
    #[cfg(Py_3_13)]
    fn Py_IsFinalizing() -> std::ffi::c_int;
}

/// Set by `begin_exit` (an `atexit` handler: the interpreter is exiting).
static EXITING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// Calls from C (callbacks) in progress, from before their check of
/// `interpreter_exiting` until they gave the GIL back (`CCall`).
static IN_FLIGHT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

thread_local! {
    /// The calls of `IN_FLIGHT` made on this thread: the exiting thread
    /// does not wait for its own (one suspended in a greenlet, as gevent's
    /// hub inside a libev callback, never ends before the exit does).
    static ON_THIS_THREAD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Whether the interpreter is exiting (rcffi's `atexit` handler ran, or
/// `Py_FinalizeEx` has started tearing it down: module globals are being
/// cleared, other threads may no longer take the GIL) or is gone. Callable
/// from any thread, with or without the GIL: reads of runtime-wide flags.
pub fn interpreter_exiting() -> bool {
    if EXITING.load(std::sync::atomic::Ordering::SeqCst) {
        return true;
    }
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

/// A call from C (a callback) in progress: counted from before its check
/// of `interpreter_exiting` until it gave the GIL back, so that
/// `begin_exit` can wait for it. Without that wait a thread could pass the
/// check, be preempted, and take the GIL after the interpreter was freed
/// (a crash in `PyGILState_Ensure`); or be running Python when
/// finalization starts, where CPython ends the thread with
/// `pthread_exit()`, whose unwinding aborts the process at rcffi's frames.
pub struct CCall(());

impl CCall {
    /// `None` when the interpreter is exiting: the call must not run Python.
    pub fn enter() -> Option<CCall> {
        use std::sync::atomic::Ordering::SeqCst;
        // counted first, then the flag read (begin_exit: the flag written,
        // then the count read): one of the two sees the other (SeqCst)
        IN_FLIGHT.fetch_add(1, SeqCst);
        // SAFETY: reads of the runtime's state; PyGILState_Check only
        // while it is initialized. A thread holding the GIL (a callback
        // called by C called from Python, also while modules are torn
        // down) runs Python as before: the interpreter cannot go away
        // under it.
        let holds_gil = unsafe { ffi::Py_IsInitialized() != 0 && ffi::PyGILState_Check() == 1 };
        // nor the thread that exits the interpreter: a C function it calls
        // (without the GIL, as every call) from a later atexit handler or a
        // `__del__` during teardown calls back synchronously, as in cffi
        if !holds_gil && interpreter_exiting() && !on_exit_thread() {
            IN_FLIGHT.fetch_sub(1, SeqCst);
            return None;
        }
        ON_THIS_THREAD.with(|n| n.set(n.get() + 1));
        Some(CCall(()))
    }
}

impl Drop for CCall {
    fn drop(&mut self) {
        // a CCall ends on the thread it began on (greenlets do not move
        // between threads); `try_with`: a thread's locals may be gone
        // while it ends
        let _ = ON_THIS_THREAD.try_with(|n| n.set(n.get().saturating_sub(1)));
        IN_FLIGHT.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The thread that exits the interpreter (`PyThread_get_thread_ident`):
/// the main thread until `_begin_exit` ran, then the one that ran it.
static EXIT_THREAD: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Set by `Py_FinalizeEx` once it is done (`Py_AtExit`): from then on not
/// even the exiting thread may run Python (a C `atexit()` handler).
static FINALIZED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn mark_finalized() {
    FINALIZED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Whether this is the thread exiting the interpreter, which still exists.
fn on_exit_thread() -> bool {
    use std::sync::atomic::Ordering::SeqCst;
    // SAFETY: PyThread_get_thread_ident reads the calling thread's id,
    // with or without the GIL.
    let me = unsafe { ffi::PyThread_get_thread_ident() } as u64;
    me != 0 && !FINALIZED.load(SeqCst) && EXIT_THREAD.load(SeqCst) == me
}

/// rcffi's `atexit` handler (registered with the first callback; run by `Py_FinalizeEx`
/// with the GIL, before it tears anything down): from now on calls from C
/// return their error value without Python, and those already running
/// are let finish first (the GIL is released while waiting, at most five
/// seconds: a callback that runs longer is left to CPython's rules for
/// daemon threads).
#[pyo3::pyfunction]
pub fn _begin_exit(py: Python<'_>) {
    use std::sync::atomic::Ordering::SeqCst;
    // SAFETY: as in on_exit_thread.
    EXIT_THREAD.store(unsafe { ffi::PyThread_get_thread_ident() } as u64, SeqCst);
    // Not when a program runs the atexit handlers itself
    // (`atexit._run_exitfuncs()`) and goes on: at a real exit CPython has
    // called `threading._shutdown()` first, which sets `_SHUTTING_DOWN`
    // (Python 3.9 and later). `threading` is imported when the first
    // callback is made (`callbacks_exist`): without it there is no callback
    // the flag could stop.
    let threading = py.import("sys").and_then(|sys| sys.getattr("modules")).and_then(|m| m.get_item("threading"));
    if let Ok(threading) = threading {
        if threading.getattr("_SHUTTING_DOWN").and_then(|v| v.is_truthy()).is_ok_and(|down| !down) {
            return;
        }
    }
    EXITING.store(true, SeqCst);
    // this thread's own calls from C stay (the exit runs inside them, or
    // beside them in another greenlet): only other threads' are waited for
    let mine = ON_THIS_THREAD.with(|n| n.get());
    let others = || IN_FLIGHT.load(SeqCst).saturating_sub(mine);
    for _ in 0..5000 {
        if others() == 0 {
            return;
        }
        py.detach(|| std::thread::sleep(std::time::Duration::from_millis(1)));
    }
    // say why the exit took five seconds more
    eprintln!(
        "rcffi: at exit, {} call(s) from C into Python still running in other threads after 5 s; exiting without waiting for them",
        others()
    );
}

/// Called when a callback (or an `extern "Python"` definition) is made:
/// imports `threading` once, so that `_begin_exit` can tell a real exit
/// from a program running its atexit handlers itself.
///
/// Also registers `_begin_exit` with `atexit` then, not at import, which
/// importing `atexit` would make 10% dearer (handlers registered earlier
/// run after it: their calls from C on the exiting thread still run
/// Python, see `CCall::enter`), and takes the main thread as the exiting
/// one until `_begin_exit` says which it is.
pub fn callbacks_exist(py: Python<'_>) {
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !DONE.swap(true, std::sync::atomic::Ordering::Relaxed) {
        // a failed import leaves `_begin_exit` acting at every run
        if let Ok(threading) = py.import("threading") {
            let main = threading.call_method0("main_thread").and_then(|t| t.getattr("ident")).and_then(|i| i.extract::<u64>());
            if let Ok(ident) = main {
                EXIT_THREAD.store(ident, std::sync::atomic::Ordering::SeqCst);
            }
        }
        // SAFETY: registers a plain function, called once by Py_FinalizeEx
        // at its very end; a full table (32 functions) only loses the mark.
        unsafe {
            ffi::Py_AtExit(Some(mark_finalized));
        }
        let register = py.import("atexit").and_then(|atexit| {
            let handler = pyo3::wrap_pyfunction!(_begin_exit, py)?;
            atexit.call_method1("register", (handler,)).map(drop)
        });
        if let Err(e) = register {
            e.write_unraisable(py, None);
        }
    }
}
