//! The handle cdata alive now (`ffi.new_handle()`), so that
//! `ffi.from_handle(p)` can tell a handle from any other `void *` without
//! reading the memory `p` points to. cffi reads it (and aborts the process
//! or crashes when it is not a live handle); rcffi raises instead.

use std::collections::HashSet;
use std::sync::Mutex;

/// Addresses of the live handle cdata objects. Locked only for an insert,
/// a remove or a lookup: no Python code runs while it is held.
static LIVE: Mutex<Option<HashSet<usize>>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut HashSet<usize>) -> R) -> R {
    let mut guard = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(HashSet::new))
}

/// `obj` (a new handle cdata) is alive from now on.
pub fn register(obj: *mut pyo3::ffi::PyObject) {
    with(|s| s.insert(obj as usize));
}

/// `obj` (a handle cdata) is being deallocated.
pub fn forget(obj: *mut pyo3::ffi::PyObject) {
    with(|s| s.remove(&(obj as usize)));
}

/// Whether `obj` is the address of a live handle cdata.
pub fn is_live(obj: *const pyo3::ffi::PyObject) -> bool {
    with(|s| s.contains(&(obj as usize)))
}
