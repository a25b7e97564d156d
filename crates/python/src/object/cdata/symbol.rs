//! A library's `dlopen()` handle as the cdata fetched from it see it
//! (`Owner::Symbol`): the real `dlclose()` waits for the last of them.

use std::ffi::c_void;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};

/// The `dlopen()` handle of a library, shared by its `Library` and by every
/// cdata fetched from it (its functions, its globals' addresses: each holds
/// a `LibraryUse` as its owner, and views of those hold them). `ffi.dlclose()`
/// closes the library for lookups at once, but the real `dlclose()` waits
/// until no such cdata is left: a function kept in a variable, a call in
/// progress in another thread, a pointer to a global would otherwise jump
/// into or read unmapped memory (cffi crashes there).
pub struct Handle {
    /// NULL once `ffi.dlclose()` was asked for: no more lookups.
    open: AtomicPtr<c_void>,
    users: Mutex<Users>,
}

struct Users {
    /// Live `LibraryUse`s.
    count: usize,
    /// The handle whose `dlclose()` waits for `count` to reach 0 (0: none).
    pending: usize,
}

impl Handle {
    pub fn new(h: *mut c_void) -> Arc<Handle> {
        Arc::new(Handle { open: AtomicPtr::new(h), users: Mutex::new(Users { count: 0, pending: 0 }) })
    }

    /// The handle while the library is open for lookups, else NULL.
    pub fn get(&self) -> *mut c_void {
        self.open.load(Ordering::Acquire)
    }

    /// `ffi.dlclose()`: no more lookups; the real `dlclose()` now, or when
    /// the last `LibraryUse` goes. Closing twice is harmless, as in cffi.
    pub fn close(&self) {
        let h = self.open.swap(std::ptr::null_mut(), Ordering::AcqRel);
        if h.is_null() {
            return;
        }
        let now = {
            let mut u = self.users();
            if u.count == 0 {
                true
            } else {
                u.pending = h as usize;
                false
            }
        };
        if now {
            // SAFETY: handle from dlopen, closed once (swapped out above),
            // and no cdata fetched from it is left.
            unsafe { libc::dlclose(h) };
        }
    }

    fn users(&self) -> std::sync::MutexGuard<'_, Users> {
        self.users.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One cdata's claim on a library's code and data (see `Handle`).
pub struct LibraryUse(Arc<Handle>);

impl LibraryUse {
    pub fn new(handle: &Arc<Handle>) -> LibraryUse {
        handle.users().count += 1;
        LibraryUse(handle.clone())
    }
}

impl Drop for LibraryUse {
    fn drop(&mut self) {
        let pending = {
            let mut u = self.0.users();
            u.count -= 1;
            if u.count == 0 { std::mem::replace(&mut u.pending, 0) } else { 0 }
        };
        if pending != 0 {
            // SAFETY: the handle from dlopen, whose dlclose() was asked for
            // once and deferred until now; taken out of `pending` above.
            unsafe { libc::dlclose(pending as *mut c_void) };
        }
    }
}
