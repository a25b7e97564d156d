//! The type collector: gives back the types, records and enums only dead
//! `FFI`s reached, and the `CType` objects made for them.
//!
//! Every `FFI` shares one arena and one `CType` cache (equal types are the
//! same object across instances, as in cffi), so without this a program
//! that makes an `FFI` per task grows forever (cffi frees them: its types
//! are refcounted objects in a weak cache). What is kept:
//! - every type a live registry names, and what those types reach (a tag
//!   first met in a type string, `ffi.typeof("struct foo *")`, only while
//!   something else reaches its type: the registry then forgets it);
//! - every cached `CType` referenced from outside the cache (a cdata, a
//!   user's variable, a live FFI's type-string cache, a field object), every
//!   `CType` such a one references (its item, arguments, fields), and the
//!   types they stand for.
//!
//! The rest is garbage: removed from the cache, its record layout emptied
//! (records are where `CType`s form cycles), and its arena slots reused.
//!
//! It runs only at a safe point (`FFI()` creation, see `collect_if_grown`),
//! never while some code holds arena ids not rooted yet
//! (`state::TypeIdsInHand`), and never waits for a lock: if the arena, the
//! cache or a registry is held — possibly by this thread, further down the
//! stack — it tries again at the next safe point.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use pyo3::prelude::*;

use crate::ctype::{CType, CACHE};
use crate::state;

/// Live types after the last collection: the next one waits until the
/// arena has grown past twice that (amortised cost: O(1) per type made).
static LIVE_AFTER_LAST: AtomicUsize = AtomicUsize::new(0);

/// Least growth between two collections.
const MIN_GROWTH: usize = 4096;

/// Collect if the arena grew enough since the last collection (or always,
/// with `RCFFI_TYPE_GC_STRESS=1` in the environment: the suites run that
/// way too, so every `FFI()` tests the collector against live code).
pub fn collect_if_grown(py: Python<'_>) {
    collect_if_grown_by(py, |last| last.max(MIN_GROWTH));
}

/// Least growth before [`collect_after_error`] collects: an error path
/// (a failed `cdef()`) repeated in a loop then keeps at most this many
/// garbage types (tens of KB) instead of up to the arena's size again.
const MIN_GROWTH_AFTER_ERROR: usize = 256;

/// Collect if the arena grew by a few hundred types since the last
/// collection: after an operation that failed and left only garbage (or
/// an FFI's type-string cache emptied at its bound).
pub fn collect_after_error(py: Python<'_>) {
    collect_if_grown_by(py, |_| MIN_GROWTH_AFTER_ERROR);
}

/// [`collect_after_error`] for a type string that failed: the same bound,
/// but not at every one under `RCFFI_TYPE_GC_STRESS=1` (a loop of failing
/// type strings, frequent in the suites, would make each a full
/// collection; the stress mode collects at every `FFI()` and `cdef()`).
pub fn collect_after_failed_type_string(py: Python<'_>) {
    if let Some(arena) = state::try_arena() {
        let live = arena.live_len();
        drop(arena);
        if live >= LIVE_AFTER_LAST.load(Ordering::Relaxed) + MIN_GROWTH_AFTER_ERROR {
            collect(py);
        }
    }
}

/// Collect if the arena holds `growth(live after the last collection)`
/// more types than then (always under `RCFFI_TYPE_GC_STRESS=1`).
fn collect_if_grown_by(py: Python<'_>, growth: impl FnOnce(usize) -> usize) {
    static STRESS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let stress = *STRESS.get_or_init(|| std::env::var_os("RCFFI_TYPE_GC_STRESS").is_some_and(|v| v == "1"));
    let Some(arena) = state::try_arena() else { return };
    let live = arena.live_len();
    drop(arena);
    let last = LIVE_AFTER_LAST.load(Ordering::Relaxed);
    if stress || live >= last + growth(last) {
        collect(py);
    }
}

/// What one collection did (for `_rcffi._collect_types`, used by tests).
#[derive(Default)]
pub struct Outcome {
    pub ran: bool,
    pub freed_types: usize,
    pub freed_ctypes: usize,
    pub live_types: usize,
}

/// Collect now, unless a lock is held or ids are in hand.
pub fn collect(py: Python<'_>) -> Outcome {
    let garbage = {
        if state::TypeIdsInHand::any() {
            return Outcome::default();
        }
        let Some(mut arena) = state::try_arena() else { return Outcome::default() };
        // the arena first: a registry only changes with it held
        let mut roots = Vec::new();
        let live = state::live_registries();
        // held to the sweep: each forgets its unreached implicit tags first
        let mut registries = Vec::with_capacity(live.len());
        for reg in &live {
            let reg = match reg.try_lock() {
                Ok(r) => r,
                Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => return Outcome::default(),
            };
            let Some(named) = reg.type_roots() else { return Outcome::default() };
            roots.extend(named);
            registries.push(reg);
        }
        let mut cache = match CACHE.try_lock() {
            Ok(c) => c,
            Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return Outcome::default(),
        };
        let Some(map) = cache.as_mut() else { return Outcome::default() };

        let used_from_outside = referenced_from_outside(py, map);
        let mut kept: HashSet<*mut pyo3::ffi::PyObject> = HashSet::new();
        let mut pending: Vec<&Py<CType>> = map.values().filter(|c| used_from_outside.contains(&c.as_ptr())).collect();
        let reached = loop {
            // the CTypes kept so far keep the CTypes they reference
            while let Some(c) = pending.pop() {
                if kept.insert(c.as_ptr()) {
                    roots.push(c.get().id);
                    c.get().for_each_ctype_ref(|r| pending.push(map.get(&r.get().id).unwrap_or(r)));
                }
            }
            let reached = arena.reachable(roots.iter().copied());
            // a CType whose type is reached is kept, with what it references
            pending.extend(map.values().filter(|c| !kept.contains(&c.as_ptr()) && reached.contains(c.get().id)));
            if pending.is_empty() {
                break reached;
            }
        };
        // tags first met in type strings are weak: one nothing else
        // reached names a type about to be freed
        for reg in &registries {
            reg.forget_unreached_implicit_tags(&reached);
        }
        drop(registries);
        let done = arena.sweep(&reached);
        LIVE_AFTER_LAST.store(done.live_types, Ordering::Relaxed);
        let dead: Vec<_> = map.keys().filter(|id| !reached.contains(**id)).copied().collect();
        let garbage: Vec<Py<CType>> = dead.iter().filter_map(|id| map.remove(id)).collect();
        (garbage, done)
    };
    let (garbage, done) = garbage;
    let freed_ctypes = garbage.len();
    // Break the cycles between garbage CTypes, then let them go. Nothing
    // else holds them, so their records' layouts can be emptied.
    let layouts: Vec<_> = garbage
        .iter()
        // SAFETY: `garbage` is referenced only by the cache (just removed
        // from it), by other garbage and by this vector: no live CType and
        // nothing outside reaches it, and the GIL is held throughout.
        .filter_map(|c| unsafe { c.get().record_info_slot().take() })
        .collect();
    drop(layouts);
    drop(garbage);
    Outcome { ran: true, freed_types: done.freed_types, freed_ctypes, live_types: done.live_types }
}

/// The cached `CType`s with a reference from outside the cache and from
/// outside every other cached `CType`: their reference count is more than
/// the references the cache and the cached `CType`s hold on them. A
/// reference missed here only keeps more alive.
fn referenced_from_outside(_py: Python<'_>, map: &HashMap<cdecl::TypeId, Py<CType>>) -> HashSet<*mut pyo3::ffi::PyObject> {
    let mut inside: HashMap<*mut pyo3::ffi::PyObject, isize> = HashMap::new();
    for c in map.values() {
        *inside.entry(c.as_ptr()).or_default() += 1; // the cache's own
        c.get().for_each_ctype_ref(|r| *inside.entry(r.as_ptr()).or_default() += 1);
    }
    map.values()
        // SAFETY: a live object (the cache holds it), GIL held
        .filter(|c| unsafe { pyo3::ffi::Py_REFCNT(c.as_ptr()) } > inside.get(&c.as_ptr()).copied().unwrap_or(0))
        .map(|c| c.as_ptr())
        .collect()
}

/// `_rcffi._collect_types()`: collect now; what it did, as a dict (tests
/// and diagnostics; `ran` is False when a lock or an id in hand said wait).
#[pyfunction]
pub fn _collect_types(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let o = collect(py);
    let d = pyo3::types::PyDict::new(py);
    d.set_item("ran", o.ran)?;
    d.set_item("freed_types", o.freed_types)?;
    d.set_item("freed_ctypes", o.freed_ctypes)?;
    d.set_item("live_types", o.live_types)?;
    Ok(d)
}
