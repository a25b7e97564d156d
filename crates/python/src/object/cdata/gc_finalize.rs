//! Destructors (`ffi.gc`, an allocator's `free`) of cdata the cycle
//! collector found in garbage.
//!
//! A destructor normally runs when its cdata dies (lifetime.rs,
//! `give_back`), in reference order: a child whose destructor holds its
//! parent (`ffi.gc(body, lambda o, sp=space: lib.destroy_body(sp, o))`)
//! dies before the parent. In a garbage cycle that order comes from the
//! collector clearing objects, and clearing empties what destructors need:
//! a bound method's `self.__dict__`, a closure's cells, a module's globals
//! at interpreter exit (the destructor then fails with `AttributeError` or
//! `NameError`, and the resource is never given back). cffi runs them from
//! `tp_finalize`, before anything is cleared, in the collector's order.
//!
//! rcffi does both: the finalizer (called by the collector, never by a
//! plain deallocation) keeps the cdata in `PENDING`, which resurrects it
//! and everything it reaches, so this collection clears none of it; when
//! the collection ends (a `gc.callbacks` entry), the pending destructors run,
//! each before the destructors of the cdata it captures (its defaults,
//! closure cells, bound `self` and its attributes, `functools.partial`
//! arguments), else last found first; the cdata then read as released
//! (`ffi.release()`), and the next collection frees them. While the
//! interpreter is exiting (no callback is run any more) a finalizer runs
//! its destructor at once, in the collector's order, as cffi.

use std::collections::{HashMap, HashSet};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict, PyList, PyTuple};

use super::{CDataObject, Owner};

/// The cdata whose finalizer ran in the current collection, in that order.
static PENDING: PyOnceLock<Py<PyList>> = PyOnceLock::new();
/// Whether the `gc.callbacks` entry that runs them is in place.
static CALLBACK: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The destructor of a cdata's owner, if it has one to run.
fn destructor(owner: &Owner) -> Option<&Py<PyAny>> {
    match owner {
        Owner::Gc { destructor: Some(d), .. } => Some(d),
        Owner::Custom { free: Some(f), .. } => Some(f),
        _ => None,
    }
}

/// `tp_finalize` of the `ffi.gc`/allocator cdata type.
///
/// # Safety
/// Called by CPython's cycle collector with the GIL held, on a live cdata.
pub(super) unsafe extern "C" fn finalize(slf: *mut ffi::PyObject) { unsafe {
    let py = Python::assume_attached();
    let obj = &*(slf as *const CDataObject);
    if destructor(obj.owner.get()).is_none() || obj.release_pending.get() {
        return;
    }
    // a finalizer must leave the exception state as it found it
    let saved = PyErr::take(py);
    let cd = Bound::from_borrowed_ptr(py, slf);
    // exiting: rcffi's atexit handler ran or Py_FinalizeEx is tearing the
    // interpreter down, whose collections run no `gc.callbacks`
    let deferred = !crate::entry::interpreter_exiting() && defer(py, &cd).is_ok();
    if !deferred {
        // the destructor's errors are reported as unraisable by give_back
        let _ = super::lifetime::release(py, &cd);
    }
    if let Some(e) = saved {
        e.restore(py);
    }
}}

/// Keep `cd` in `PENDING` until the collection ends.
fn defer(py: Python<'_>, cd: &Bound<'_, PyAny>) -> PyResult<()> {
    CALLBACK.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let cb = PyCFunction::new_closure(py, Some(c"_rcffi_gc_destructors"), None, |args: &Bound<'_, PyTuple>, _kw: Option<&Bound<'_, PyDict>>| {
            let py = args.py();
            if args.get_item(0).and_then(|phase| phase.extract::<String>()).is_ok_and(|p| p == "stop") {
                run_pending(py);
            }
            Ok::<_, PyErr>(py.None())
        })?;
        py.import("gc")?.getattr("callbacks")?.call_method1("append", (&cb,))?;
        Ok(cb.into_any().unbind())
    })?;
    PENDING.get_or_init(py, || PyList::empty(py).unbind()).bind(py).append(cd)
}

/// Run the destructors kept during the collection that just ended.
fn run_pending(py: Python<'_>) {
    let Some(list) = PENDING.get(py) else { return };
    let list = list.bind(py);
    if list.is_empty() {
        return;
    }
    let items: Vec<Bound<'_, PyAny>> = list.iter().collect();
    // emptied first: a destructor may make garbage that is found again
    let _ = list.del_slice(0, items.len());
    for cd in in_destruction_order(py, &items) {
        // reads as released from now on; errors reported as unraisable
        let _ = super::lifetime::release(py, cd);
    }
}

/// `items` ordered so that a cdata comes before the cdata its destructor
/// captures; otherwise the last found first.
fn in_destruction_order<'a, 'py>(py: Python<'py>, items: &'a [Bound<'py, PyAny>]) -> Vec<&'a Bound<'py, PyAny>> {
    let index: HashMap<usize, usize> = items.iter().enumerate().map(|(i, o)| (o.as_ptr() as usize, i)).collect();
    let get_referents = py.import("gc").and_then(|gc| gc.getattr("get_referents")).ok();
    // captured_by[i]: the items item i's destructor captures (they wait for
    // it); waits_for[j]: how many destructors item j waits for
    let mut waits_for = vec![0usize; items.len()];
    let mut captured_by: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for (i, cd) in items.iter().enumerate() {
        // SAFETY: every item is a cdata of the gcp type (finalize put it there).
        let d = unsafe { destructor((*(cd.as_ptr() as *const CDataObject)).owner.get()).map(|d| d.bind(py).clone()) };
        let (Some(d), Some(get_referents)) = (d, get_referents.as_ref()) else { continue };
        for j in captured(get_referents, &d, &index) {
            if j != i {
                captured_by[i].push(j);
                waits_for[j] += 1;
            }
        }
    }
    let mut order = Vec::with_capacity(items.len());
    let mut done = vec![false; items.len()];
    // Kahn's algorithm, always taking the latest ready item; a capture
    // cycle leaves items never ready: they follow, latest first
    while let Some(i) = (0..items.len()).rev().find(|&i| !done[i] && waits_for[i] == 0) {
        done[i] = true;
        order.push(&items[i]);
        for &j in &captured_by[i] {
            waits_for[j] -= 1;
        }
    }
    order.extend((0..items.len()).rev().filter(|&i| !done[i]).map(|i| &items[i]));
    order
}

/// The pending items a destructor reaches through what it captures, a few
/// levels deep: not through module globals, classes or code (which reach
/// everything).
/// (`get_referents`: `gc.get_referents`, looked up once per batch)
fn captured(get_referents: &Bound<'_, PyAny>, d: &Bound<'_, PyAny>, index: &HashMap<usize, usize>) -> Vec<usize> {
    const DEPTH: usize = 4;
    const NODES: usize = 2000;
    let mut seen: HashSet<usize> = HashSet::new();
    let mut found = Vec::new();
    let mut level = vec![d.clone()];
    for _ in 0..DEPTH {
        let mut next = Vec::new();
        for o in level {
            let Ok(refs) = get_referents.call1((&o,)) else { continue };
            let Ok(refs) = refs.try_iter() else { continue };
            for r in refs.flatten() {
                let key = r.as_ptr() as usize;
                if !seen.insert(key) || seen.len() > NODES {
                    continue;
                }
                if let Some(&j) = index.get(&key) {
                    found.push(j);
                    continue;
                }
                if followed(&r) {
                    next.push(r);
                }
            }
        }
        level = next;
    }
    found
}

/// Whether the capture walk goes through `o`: not a module's globals (a
/// dict holding `__builtins__`), a module, a class or a code object.
fn followed(o: &Bound<'_, PyAny>) -> bool {
    // SAFETY: `o` is a live object; these checks only read its type.
    unsafe {
        let p = o.as_ptr();
        if ffi::PyModule_Check(p) != 0 || ffi::PyType_Check(p) != 0 || ffi::PyCode_Check(p) != 0 {
            return false;
        }
        if ffi::PyDict_Check(p) != 0 {
            return ffi::PyDict_GetItemString(p, c"__builtins__".as_ptr()).is_null();
        }
    }
    true
}
