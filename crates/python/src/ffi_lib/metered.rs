//! Boundary metrics (python/rcffi/metrics.py) and the objects that stand for
//! a library function while metrics or an error contract are on:
//! `Meter`, the counters of one function, and `_boundary_function(raw,
//! call, meter, positions, out, name)`, a callable that calls `call` (the
//! library function `raw` itself, or a Python closure applying an error
//! contract to it) and, with a meter, times and counts each call.
//!
//! A library without metrics or contracts never sees any of this: enabling
//! them replaces the function objects in its instance dict, so the ordinary
//! call path carries no check. The object is a raw type with a vectorcall
//! entry, like cdata function pointers, so metering costs two clock reads
//! and a few stores, not a Python frame. Wherever rcffi takes a library
//! function as a C function pointer (`ffi.typeof`, `ffi.cast`,
//! `ffi.addressof(lib, ...)`, a function-pointer argument), `unwrap` gives
//! `raw` back (lib_function.rs asks it).

use std::ffi::{c_int, c_void};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::cdata;
use crate::ctype::{CType, Kind};

#[path = "metered_check.rs"]
mod check;
#[path = "metered_clock.rs"]
mod clock;

use check::Check;
use clock::Clock;

/// Upper bounds of the latency buckets in nanoseconds (a last bucket,
/// +Inf, follows): 1 µs to 10 s, the shape Prometheus client libraries use.
const BOUNDS_NS: [u64; 22] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000,
    10_000_000, 25_000_000, 50_000_000, 100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000,
    5_000_000_000, 10_000_000_000,
];
const NBUCKETS: usize = BOUNDS_NS.len() + 1;

/// The histogram bucket of a latency: most C calls take under a
/// microsecond, which one compare settles; the rest search 22 bounds.
#[inline(always)]
fn bucket(ns: u64) -> usize {
    if ns < BOUNDS_NS[0] {
        0
    } else {
        BOUNDS_NS.partition_point(|&b| b < ns)
    }
}

/// The counters of one function.
///
/// Invariant: every write happens with the GIL held (a metered call writes
/// after `inner` returned, the GIL re-acquired; Python's `ok`/`failed`
/// are methods), and the extension keeps the GIL even on free-threaded
/// builds (`gil_used`). So writers never race, plain relaxed loads and
/// stores suffice (no read-modify-write instruction), and a snapshot read
/// under the GIL sees one function's counters all at the same instant.
struct Counts {
    calls: AtomicU64,
    errors: AtomicU64,
    timeouts: AtomicU64,
    crashes: AtomicU64,
    sum_ns: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    buckets: [AtomicU64; NBUCKETS],
}

#[inline]
fn bump(c: &AtomicU64, n: u64) {
    c.store(c.load(Relaxed).wrapping_add(n), Relaxed);
}

impl Counts {
    fn new() -> Self {
        Counts {
            calls: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            crashes: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    /// Record one call (the GIL held: see the type's invariant).
    #[inline]
    fn record(&self, ns: u64, nin: u64, nout: u64, failed: bool) {
        bump(&self.calls, 1);
        bump(&self.sum_ns, ns);
        bump(&self.buckets[bucket(ns)], 1);
        if nin != 0 {
            bump(&self.bytes_in, nin);
        }
        if nout != 0 {
            bump(&self.bytes_out, nout);
        }
        if failed {
            bump(&self.errors, 1);
        }
    }
}

/// `rcffi._rcffi.Meter`: the counters of one function (see metrics.py).
#[pyclass(frozen, subclass, module = "rcffi._rcffi", name = "Meter")]
pub struct Meter {
    counts: Counts,
}

#[pymethods]
impl Meter {
    #[new]
    fn py_new() -> Self {
        Meter { counts: Counts::new() }
    }

    /// The bucket bounds, in nanoseconds.
    #[staticmethod]
    fn bounds() -> Vec<u64> {
        BOUNDS_NS.to_vec()
    }

    /// `(name, ns per tick)` of the clock metered calls read: `("tsc",
    /// ...)` or `("monotonic", 1.0)` (metered_clock.rs).
    #[staticmethod]
    fn clock() -> (&'static str, f64) {
        Clock::get().describe()
    }

    /// A call that returned.
    fn ok(&self, ns: u64, nin: u64, nout: u64) {
        self.counts.record(ns, nin, nout, false);
    }

    /// A call that raised; `kind` is "timeout", "crash" or None.
    #[pyo3(signature = (ns, nin, nout=0, kind=None))]
    fn failed(&self, ns: u64, nin: u64, nout: u64, kind: Option<&str>) {
        self.counts.record(ns, nin, nout, true);
        match kind {
            Some("timeout") => bump(&self.counts.timeouts, 1),
            Some("crash") => bump(&self.counts.crashes, 1),
            _ => {}
        }
    }

    /// `(calls, errors, timeouts, crashes, sum_ns, bytes_in, bytes_out, [bucket counts])`.
    fn counts(&self) -> (u64, u64, u64, u64, u64, u64, u64, Vec<u64>) {
        let c = &self.counts;
        (
            c.calls.load(Relaxed),
            c.errors.load(Relaxed),
            c.timeouts.load(Relaxed),
            c.crashes.load(Relaxed),
            c.sum_ns.load(Relaxed),
            c.bytes_in.load(Relaxed),
            c.bytes_out.load(Relaxed),
            c.buckets.iter().map(|b| b.load(Relaxed)).collect(),
        )
    }

    fn clear(&self) {
        let c = &self.counts;
        for a in [&c.calls, &c.errors, &c.timeouts, &c.crashes, &c.sum_ns, &c.bytes_in, &c.bytes_out] {
            a.store(0, Relaxed);
        }
        for b in &c.buckets {
            b.store(0, Relaxed);
        }
    }
}

/// The object `_boundary_function()` returns.
#[repr(C)]
struct MeteredObject {
    ob_base: ffi::PyObject,
    vectorcall: Option<ffi::vectorcallfunc>,
    /// What is called (strong reference).
    inner: *mut ffi::PyObject,
    /// The library's own function (strong reference): `__wrapped__`.
    raw: *mut ffi::PyObject,
    /// The `Meter` (strong reference, or NULL: no metrics); `counts`
    /// points into it.
    meter: *mut ffi::PyObject,
    counts: *const Counts,
    /// `__name__` (strong reference).
    name: *mut ffi::PyObject,
    /// Arguments carrying a payload: (index, item size or -1), boxed.
    positions: *mut Vec<(usize, isize)>,
    /// Bytes a returned value carries (a record by value), 0 otherwise.
    out: u64,
    /// The clock `counts` are timed with.
    clock: Clock,
    /// The error contract checked after each call, if any (metered_check.rs).
    check: Option<Box<Check>>,
}

unsafe extern "C" fn metered_vectorcall(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    // SAFETY: CPython calls this entry only for MeteredObject instances,
    // whose fields are set by `_boundary_function` before the object is
    // returned; the GIL is held.
    let m = &*(callable as *const MeteredObject);
    let errno = m.check.as_ref().is_some_and(|c| c.errno);
    if errno {
        crate::call::set_saved_errno(0);
    }
    if m.counts.is_null() {
        let result = ffi::PyObject_Vectorcall(m.inner, args, nargsf, kwnames);
        return match &m.check {
            Some(check) if !result.is_null() => check.apply(result),
            _ => result,
        };
    }
    let clock = m.clock;
    let t0 = clock.ticks();
    let mut result = ffi::PyObject_Vectorcall(m.inner, args, nargsf, kwnames);
    let ns = clock.elapsed_ns(t0, clock.ticks());
    if let Some(check) = &m.check {
        if !result.is_null() {
            result = check.apply(result);
        }
    }
    let positions = &*m.positions;
    let nin = if positions.is_empty() {
        0
    } else {
        let nargs = ffi::PyVectorcall_NARGS(nargsf) as usize;
        // SAFETY: CPython passes `nargs` valid argument pointers.
        let args = std::slice::from_raw_parts(args, nargs);
        payload_of_call(args, positions)
    };
    let failed = result.is_null();
    // SAFETY: `counts` lives inside `meter`, which this object keeps alive;
    // the GIL is held (see `Counts`).
    (*m.counts).record(ns, nin, if failed { 0 } else { m.out }, failed);
    result
}}

/// Payload bytes of the arguments at `positions` (see metrics.py): bytes,
/// bytearray and str their length, cdata arrays their size, pointers their
/// pointee's size where known, records their size, lists and tuples their
/// length times the item size. Never raises (an exception of the call may
/// be pending).
///
/// `size` gives a ctype's size; None from it makes the whole count None.
/// The call path first counts with the sizes already computed (no PyO3
/// object can be dropped, so no `entry::attached` frame is needed: that
/// frame alone cost more than the count), and only when one is missing
/// counts again computing them.
fn payload_in(
    py: Python<'_>,
    args: &[*mut ffi::PyObject],
    positions: &[(usize, isize)],
    size: impl Fn(&CType) -> Option<usize>,
) -> Option<u64> {
    let mut n: u64 = 0;
    for &(i, item_size) in positions {
        let Some(&obj) = args.get(i) else { break };
        // SAFETY: a live argument of the call; type checks read only its type.
        // Sizes saturate: a metric, never a reason to panic (a debug build's
        // overflow check) inside a C entry point
        let bytes = unsafe {
            if ffi::PyBytes_Check(obj) != 0 {
                ffi::PyBytes_Size(obj).max(0) as u64
            } else if ffi::PyByteArray_Check(obj) != 0 {
                ffi::PyByteArray_Size(obj).max(0) as u64
            } else if ffi::PyUnicode_Check(obj) != 0 {
                ffi::PyUnicode_GetLength(obj).max(0) as u64
            } else if cdata::is_cdata(py, obj) {
                let cd = &*(obj as *const cdata::CDataObject);
                let ct = cd.ctype();
                match ct.kind {
                    Kind::Array => (cd.length.get().max(0) as u64).saturating_mul(size(ct.item().get())? as u64),
                    Kind::Pointer if !cd.ptr.get().is_null() => size(ct.item().get())? as u64,
                    Kind::Struct | Kind::Union => size(ct)? as u64,
                    _ => 0,
                }
            } else if item_size > 0 && (ffi::PyList_Check(obj) != 0 || ffi::PyTuple_Check(obj) != 0) {
                (ffi::PyObject_Size(obj).max(0) as u64).saturating_mul(item_size as u64)
            } else {
                0
            }
        };
        n = n.saturating_add(bytes);
    }
    Some(n)
}

/// `payload_in` on the call path (see there).
///
/// # Safety
/// The GIL is held; `args` are the call's live arguments.
unsafe fn payload_of_call(args: &[*mut ffi::PyObject], positions: &[(usize, isize)]) -> u64 {
    // SAFETY: the GIL is held (our contract); nothing in the known-sizes
    // pass creates or drops a PyO3 reference.
    let py = unsafe { Python::assume_attached() };
    if let Some(n) = payload_in(py, args, positions, |ct| ct.size_opt_if_known()) {
        return n;
    }
    // an opaque or not yet laid out type: computing its size may make and
    // drop a PyErr, so in an attached frame; unknown sizes count 0
    // SAFETY: as above.
    unsafe { crate::entry::attached(|py| payload_in(py, args, positions, |ct| Some(ct.size_opt(py).unwrap_or(0)))) }
        .flatten()
        .unwrap_or(0)
}

unsafe extern "C" fn metered_dealloc(slf: *mut ffi::PyObject) { unsafe {
    let m = slf as *mut MeteredObject;
    // SAFETY: the fields were set by `_metered` and are released once here.
    ffi::Py_XDECREF((*m).inner);
    ffi::Py_XDECREF((*m).raw);
    ffi::Py_XDECREF((*m).meter);
    ffi::Py_XDECREF((*m).name);
    if !(*m).positions.is_null() {
        drop(Box::from_raw((*m).positions));
    }
    // the contract's references are released by its Drop (the GIL held)
    drop(ptr::replace(&mut (*m).check, None));
    let tp = ffi::Py_TYPE(slf);
    let free = (*tp).tp_free.expect("tp_free");
    free(slf as *mut c_void);
    ffi::Py_DECREF(tp as *mut ffi::PyObject);
}}

// SAFETY: tp_repr: GIL held, `slf` a live MeteredObject.
unsafe extern "C" fn metered_repr(slf: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let m = &*(slf as *const MeteredObject);
    // SAFETY: `name` and `raw` are live objects owned by `m`.
    let inner = ffi::PyObject_Repr(m.raw);
    if inner.is_null() {
        return ptr::null_mut();
    }
    let fmt = ffi::PyUnicode_FromString(c"<boundary function %s: %s>".as_ptr());
    if fmt.is_null() {
        ffi::Py_DECREF(inner);
        return ptr::null_mut();
    }
    let args = ffi::PyTuple_Pack(2, m.name, inner);
    ffi::Py_DECREF(inner);
    if args.is_null() {
        ffi::Py_DECREF(fmt);
        return ptr::null_mut();
    }
    let s = ffi::PyUnicode_Format(fmt, args);
    ffi::Py_DECREF(fmt);
    ffi::Py_DECREF(args);
    s
}}

static TYPE: OnceLock<Py<PyType>> = OnceLock::new();

fn metered_type(py: Python<'_>) -> PyResult<&'static Py<PyType>> {
    if let Some(t) = TYPE.get() {
        return Ok(t);
    }
    let members = Box::leak(
        vec![
            ffi::PyMemberDef {
                name: c"__vectorcalloffset__".as_ptr(),
                type_code: ffi::Py_T_PYSSIZET,
                offset: std::mem::offset_of!(MeteredObject, vectorcall) as ffi::Py_ssize_t,
                flags: ffi::Py_READONLY,
                doc: ptr::null(),
            },
            ffi::PyMemberDef {
                name: c"__wrapped__".as_ptr(),
                type_code: ffi::Py_T_OBJECT_EX,
                offset: std::mem::offset_of!(MeteredObject, raw) as ffi::Py_ssize_t,
                flags: ffi::Py_READONLY,
                doc: ptr::null(),
            },
            ffi::PyMemberDef {
                name: c"__name__".as_ptr(),
                type_code: ffi::Py_T_OBJECT_EX,
                offset: std::mem::offset_of!(MeteredObject, name) as ffi::Py_ssize_t,
                flags: ffi::Py_READONLY,
                doc: ptr::null(),
            },
            ffi::PyMemberDef { name: ptr::null(), type_code: 0, offset: 0, flags: 0, doc: ptr::null() },
        ]
        .into_boxed_slice(),
    );
    let slots = Box::leak(
        vec![
            ffi::PyType_Slot { slot: ffi::Py_tp_dealloc, pfunc: metered_dealloc as unsafe extern "C" fn(_) as *mut c_void },
            ffi::PyType_Slot { slot: ffi::Py_tp_repr, pfunc: metered_repr as unsafe extern "C" fn(_) -> _ as *mut c_void },
            ffi::PyType_Slot { slot: ffi::Py_tp_call, pfunc: ffi::PyVectorcall_Call as *mut c_void },
            ffi::PyType_Slot { slot: ffi::Py_tp_members, pfunc: members.as_mut_ptr() as *mut c_void },
            ffi::PyType_Slot { slot: 0, pfunc: ptr::null_mut() },
        ]
        .into_boxed_slice(),
    );
    const HAVE_VECTORCALL: u64 = 1 << 11;
    let spec = Box::leak(Box::new(ffi::PyType_Spec {
        name: c"rcffi._rcffi.BoundaryFunction".as_ptr(),
        basicsize: std::mem::size_of::<MeteredObject>() as c_int,
        itemsize: 0,
        // c_ulong is 32 bits on Windows: the cast is needed there
        #[allow(clippy::unnecessary_cast)]
        flags: (ffi::Py_TPFLAGS_DEFAULT as u64 | HAVE_VECTORCALL) as _,
        slots: slots.as_mut_ptr(),
    }));
    // SAFETY: the spec and what it points to are leaked ('static).
    let tp = unsafe {
        let tp = ffi::PyType_FromSpec(spec);
        if tp.is_null() {
            return Err(PyErr::fetch(py));
        }
        Bound::from_owned_ptr(py, tp).cast_into_unchecked::<PyType>().unbind()
    };
    let _ = TYPE.set(tp);
    Ok(TYPE.get().expect("set above"))
}

/// `_boundary_function(raw, call, meter, positions, out, name, check)`: a
/// callable standing for the library function `raw` that calls `call`,
/// applies the error contract `check` (`(kind, value, errno, failure)`,
/// see metered_check.rs) if not None and, if `meter` is not None, counts
/// each call in it. `positions`: `[(index, item size or -1)]` of the
/// arguments carrying a payload; `out`: bytes a result carries.
#[pyfunction]
#[pyo3(signature = (raw, call, meter, positions, out, name, check=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn _boundary_function<'py>(
    py: Python<'py>,
    raw: &Bound<'py, PyAny>,
    call: &Bound<'py, PyAny>,
    meter: Option<&Bound<'py, Meter>>,
    positions: Vec<(usize, isize)>,
    out: u64,
    name: &Bound<'py, PyAny>,
    check: Option<(String, Bound<'py, PyAny>, bool, Bound<'py, PyAny>)>,
) -> PyResult<Bound<'py, PyAny>> {
    if !call.is_callable() {
        return Err(pyo3::exceptions::PyTypeError::new_err("_boundary_function(): call must be callable"));
    }
    let check = check.map(|(kind, value, errno, failure)| Check::new(&kind, value, errno, failure)).transpose()?;
    let clock = if meter.is_some() { Clock::get() } else { Clock::monotonic() };
    let tp = metered_type(py)?.bind(py);
    // SAFETY: allocating an instance of our own type; every field is set
    // before the object is returned (the allocation is zeroed).
    unsafe {
        let alloc = (*tp.as_type_ptr()).tp_alloc.expect("tp_alloc");
        let obj = alloc(tp.as_type_ptr(), 0);
        if obj.is_null() {
            return Err(PyErr::fetch(py));
        }
        let m = obj as *mut MeteredObject;
        (*m).vectorcall = Some(metered_vectorcall);
        (*m).inner = call.clone().into_ptr();
        (*m).raw = raw.clone().into_ptr();
        if let Some(meter) = meter {
            (*m).counts = &meter.get().counts as *const Counts;
            (*m).meter = meter.clone().into_any().into_ptr();
        }
        (*m).name = name.clone().into_ptr();
        (*m).positions = Box::into_raw(Box::new(positions));
        (*m).out = out;
        (*m).clock = clock;
        // the zeroed field is a valid None: written without dropping it
        ptr::write(&mut (*m).check, check.map(Box::new));
        Ok(Bound::from_owned_ptr(py, obj))
    }
}

/// The library function a boundary function stands for, if `obj` is one.
pub fn unwrap<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    let tp = TYPE.get()?;
    // SAFETY: the type is checked before the field is read; `raw` is a live
    // object the boundary function owns.
    unsafe {
        if ffi::Py_TYPE(obj.as_ptr()) != tp.as_ptr() as *mut ffi::PyTypeObject {
            return None;
        }
        Some(Bound::from_borrowed_ptr(py, (*(obj.as_ptr() as *const MeteredObject)).raw))
    }
}

