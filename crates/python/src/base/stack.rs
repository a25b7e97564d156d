//! How much of this thread's C stack is left. Walks of a value that recurse
//! once per nesting level (an initializer of records and arrays nested by
//! value, up to the 200 levels `cdecl::layout` allows) fit the 8 MB stack
//! of the main thread and of default threads, not one made with
//! `threading.stack_size(256 * 1024)`: there they check this first, so a
//! thread with a small stack gets a `RecursionError`, not a SIGSEGV. So do
//! the two places where Python code can recurse through rcffi's own C
//! frames, which the recursion limit does not see: a callback called from
//! C (`calls/callback.rs`: a callback calling its C caller again) and a
//! conversion about to call an object's `__int__`, `__index__`,
//! `__float__` or `__complex__` (`check_before_python_method`).

use std::cell::Cell;

use pyo3::exceptions::PyRecursionError;
use pyo3::PyResult;

/// What a level must leave for the calls below it (the conversion of one
/// field, Python's `__index__` or `__int__` of a value, raising the error).
const MARGIN: usize = 64 * 1024;

thread_local! {
    /// The lowest address of this thread's stack; 0 before it is asked,
    /// `usize::MAX` where it cannot be known (no check then).
    static LOW_END: Cell<usize> = const { Cell::new(0) };
}

#[cfg(target_os = "linux")]
fn low_end() -> usize {
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread, which
    // is destroyed after its stack bounds are read; on failure nothing is
    // read from it.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return usize::MAX;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let got = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        if got != 0 || addr.is_null() {
            usize::MAX
        } else {
            addr as usize
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn low_end() -> usize {
    usize::MAX
}

/// `RecursionError` naming `what` (called only then) when less than
/// `MARGIN` bytes of this thread's stack are left.
pub fn check(what: impl FnOnce() -> String) -> PyResult<()> {
    let low = LOW_END.with(|l| {
        if l.get() == 0 {
            l.set(low_end());
        }
        l.get()
    });
    let marker = 0u8;
    // the stack grows down: the address of a local is where it is now
    let here = std::ptr::addr_of!(marker) as usize;
    if low != usize::MAX && here < low.saturating_add(MARGIN) {
        return Err(PyRecursionError::new_err(format!(
            "{}: nested too deep for this thread's C stack (less than {} KiB left; threading.stack_size() makes larger ones)",
            what(),
            MARGIN / 1024
        )));
    }
    Ok(())
}

/// Before a conversion calls an object's own Python method (`__int__`,
/// `__index__`, `__float__`, `__complex__`): that code may convert again
/// (an `__int__` casting another such object), one level of C frames
/// each, which the recursion limit counts once per level while rcffi's
/// frames take more stack than cffi's (whose Python-level `ffi.cast`
/// also counts a level): a thread with a small stack overflowed it
/// (SIGSEGV) where cffi raised `RecursionError`.
pub fn check_before_python_method() -> PyResult<()> {
    check(|| "converting an object through its Python methods".to_string())
}
