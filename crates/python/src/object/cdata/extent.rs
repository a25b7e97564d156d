//! The extent of cdata memory: the bytes a root owns, which every access
//! through a pointer into it must stay inside (docs/architecture.md,
//! "Lifetime of cdata memory").
//!
//! cffi checks an index only against an array's length, and an owning
//! pointer only for `p[i]` with `i != 0`; a slice or an item of a pointer
//! into `ffi.new()` memory (`p[0:2]` of a `double *`, `(p + 1)[7]` of an
//! `int[4]`, an `ffi.gc()` of it) reads or writes wherever the arithmetic
//! lands. rcffi knows how many bytes every root owns, so an access through
//! a pointer into that memory that would leave it raises `IndexError`
//! instead (docs/compat.md). Pointers rcffi cannot place (C's memory,
//! `ffi.cast` results) are not checked, as in cffi.

use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;

use super::{as_cdata, lifetime, CDataObject, Owner};

/// The bytes a root owns, as the addresses `start..end`.
#[derive(Clone, Copy)]
pub struct Extent {
    pub start: usize,
    pub end: usize,
}

impl Extent {
    /// Whether `len` bytes at `addr` lie inside (an empty range anywhere
    /// from `start` to `end`, so `p + n` one past the end stays usable).
    pub fn contains(&self, addr: usize, len: usize) -> bool {
        addr >= self.start && addr <= self.end && len <= self.end - addr
    }

    /// How many bytes from `addr` to the end (0 outside).
    pub fn room_from(&self, addr: usize) -> usize {
        if addr >= self.start && addr <= self.end {
            self.end - addr
        } else {
            0
        }
    }
}

/// The memory `c` points into, when a root of rcffi's owns it: the root's
/// own bytes for `ffi.new()`, an allocator's result and `ffi.from_buffer()`
/// (also after `ffi.release()` while views keep the memory), the original's
/// for `ffi.gc()`, the root's for a view. `None` for memory rcffi did not
/// allocate.
pub fn of(py: Python<'_>, c: &CDataObject) -> Option<Extent> {
    match c.owner.get() {
        Owner::View { .. } => of_root(py, lifetime::view_root(c)?),
        _ => of_root(py, c),
    }
}

/// Whether `len` bytes at `addr` lie inside the memory `c` points into,
/// decided without Python code or errors (for cdata/fast.rs): `Some(true)`
/// also for memory rcffi cannot measure (C's), `None` when only `of` can
/// tell (an `ffi.gc()` of a cdata).
pub fn inside_fast(c: &CDataObject, addr: usize, len: usize) -> Option<bool> {
    let root = match c.owner.get() {
        Owner::View { .. } => lifetime::view_root(c)?,
        _ => c,
    };
    let (start, size) = match root.owner.get() {
        Owner::Malloc { size } | Owner::Custom { size, .. } => (lifetime::resource_address(root) as usize, *size),
        Owner::Buffer(view) => (view.buf as usize, view.len as usize),
        Owner::Borrowed | Owner::Mapped(_) => return Some(true),
        _ => return None,
    };
    Some(Extent { start, end: start.checked_add(size)? }.contains(addr, len))
}

fn of_root(py: Python<'_>, root: &CDataObject) -> Option<Extent> {
    let start = lifetime::resource_address(root) as usize;
    let size = match root.owner.get() {
        Owner::Malloc { size } | Owner::Custom { size, .. } => *size,
        // the view's bytes (a buffer's length is never negative)
        Owner::Buffer(view) => view.len as usize,
        // `ffi.gc(x, d)` shows the memory `x` shows
        Owner::Gc { original, .. } => return as_cdata(py, original.bind(py)).and_then(|o| of(py, o)),
        // a handle's address is inside its own cdata object (so that
        // from_handle can find it): no byte there is memory to write, so an
        // allocator that returns a handle, or a memmove into one, is refused
        // instead of overwriting the object
        Owner::Handle(_) => 0,
        _ => return None,
    };
    Some(Extent { start, end: start.checked_add(size)? })
}

/// `IndexError` unless `len` bytes at `addr` lie inside the memory `c`
/// points into (when rcffi knows it). `what` names the access for the
/// message, e.g. "index 3", "slice [0:2]".
pub fn check(py: Python<'_>, c: &CDataObject, addr: *const u8, len: usize, what: &dyn Fn() -> String) -> PyResult<()> {
    match of(py, c) {
        Some(e) if !e.contains(addr as usize, len) => Err(PyIndexError::new_err(format!(
            "{} of cdata '{}' is outside the memory it points into ({} bytes at offset {} of {})",
            what(),
            c.ctype().cname,
            len,
            // (wrapping: `addr` may be anywhere, `ffi.addressof(a, sys.maxsize)`)
            (addr as isize).wrapping_sub(e.start as isize),
            e.end - e.start
        ))),
        _ => Ok(()),
    }
}

/// As `check`, for `ffi.memmove()` and `ffi.unpack()`: a `ValueError`, the
/// type those raise for a buffer that is too small.
pub fn check_size(py: Python<'_>, c: &CDataObject, len: usize, op: &str) -> PyResult<()> {
    match of(py, c) {
        Some(e) if !e.contains(c.ptr.get() as usize, len) => Err(PyValueError::new_err(format!(
            "{op}(): {len} bytes do not fit in the memory cdata '{}' points into ({} bytes)",
            c.ctype().cname,
            e.room_from(c.ptr.get() as usize)
        ))),
        _ => Ok(()),
    }
}
