//! `ffi.callback()`: Python callables as C function pointers, over libffi
//! closures. The closure's user data owns the callable, the `error` bytes
//! and `onerror`; the cdata owns the closure.

use std::ffi::c_void;
use std::mem::ManuallyDrop;
use std::sync::Arc;

use native::closure::Closure;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;

use crate::cdata::{self, Owner};
use crate::convert;
use crate::ctype::{CType, Kind};

pub(crate) struct CallbackData {
    pub(crate) callable: Py<PyAny>,
    /// The function type (not the pointer).
    pub(crate) fct: Py<CType>,
    /// The C bytes returned when the callable raises.
    pub(crate) error: Vec<u8>,
    pub(crate) onerror: Option<Py<PyAny>>,
    /// The callback cdata that owns this data (and the closure), not
    /// counted: each call holds a reference on it while it runs, as cffi
    /// holds its callback's data, since the last other reference may go
    /// meanwhile (in another thread, or in the callable itself). NULL for
    /// `extern "Python"` definitions, which are kept for the module's life.
    pub(crate) owner: std::sync::atomic::AtomicPtr<ffi::PyObject>,
}

/// A reference on a callback's cdata for the length of one call (see
/// `CallbackData::owner`).
struct CallInProgress(*mut ffi::PyObject);

impl CallInProgress {
    /// # Safety
    /// The GIL is held; `data` is alive (the call has just entered it).
    unsafe fn hold(data: &CallbackData) -> CallInProgress { unsafe {
        let owner = data.owner.load(std::sync::atomic::Ordering::Acquire);
        if !owner.is_null() {
            ffi::Py_INCREF(owner);
        }
        CallInProgress(owner)
    }}
}

impl Drop for CallInProgress {
    fn drop(&mut self) {
        // SAFETY: dropped with the GIL still held (inside `invoke`'s
        // `Python::attach`), after the last use of the callback's data:
        // the cdata, its closure and its data may be freed here.
        unsafe {
            if !self.0.is_null() {
                ffi::Py_DECREF(self.0);
            }
        }
    }
}

/// What the callback cdata owns: the closure first, so it is freed before
/// the data it points to.
struct CallbackHolder {
    closure: ManuallyDrop<Closure>,
    data: ManuallyDrop<Box<CallbackData>>,
}

impl Drop for CallbackHolder {
    fn drop(&mut self) {
        // While the interpreter exits, module globals (and the callbacks they
        // hold) die while threads of C may still call them: C keeps the
        // function pointer for the life of the process (a thread it started,
        // an atexit() handler). Freeing the closure would have such a call
        // jump into freed code; kept, the call reaches `invoke`, which
        // returns the error value without Python. The process is ending:
        // nothing is lost by not freeing.
        if crate::entry::interpreter_exiting() {
            return;
        }
        // SAFETY: each field is dropped exactly once, here, the closure
        // first (it points to `data`); nothing uses them afterwards.
        unsafe {
            ManuallyDrop::drop(&mut self.closure);
            ManuallyDrop::drop(&mut self.data);
        }
    }
}

// SAFETY: only touched with the GIL held (Python objects) or read-only.
unsafe impl Send for CallbackHolder {}

impl cdata::CallbackOwner for CallbackHolder {
    fn visit_refs(&self, each: &mut dyn FnMut(*mut ffi::PyObject)) {
        each(self.data.callable.as_ptr());
        if let Some(o) = &self.data.onerror {
            each(o.as_ptr());
        }
    }

    fn clear_refs(&mut self, py: Python<'_>) {
        let old = std::mem::replace(&mut self.data.callable, py.None());
        let onerror = self.data.onerror.take();
        // Drop with the GIL accounted for, so the references go now.
        old.drop_ref(py);
        if let Some(o) = onerror {
            o.drop_ref(py);
        }
    }

    fn callable_repr(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.data.callable.bind(py).repr()?.to_string())
    }
}

/// The C bytes a callback returns when its Python function raises: the
/// `error` value converted to the result type (zeros when not given).
pub(crate) fn error_bytes(py: Python<'_>, rc: &CType, error: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<u8>> {
    let error = error.filter(|e| !e.is_none());
    if rc.kind == Kind::Void {
        if error.is_some() {
            return Err(PyTypeError::new_err("callback with the return type 'void' must return None"));
        }
        return Ok(Vec::new());
    }
    let mut bytes = vec![0u8; rc.size(py)?];
    if let Some(e) = error {
        // SAFETY: the buffer has the result type's size.
        unsafe { convert::write(py, rc, e, bytes.as_mut_ptr())? };
    }
    Ok(bytes)
}

/// Entry of every callback called from C (libffi closures and `extern
/// "Python"`). As in cffi, C's `errno` is what the Python code sees as
/// `ffi.errno`, and whatever `ffi.errno` holds when it returns is C's
/// `errno` afterwards.
// SAFETY (contract): called by libffi's closure (or a compiled module's
// extern "Python" stub) on any thread, GIL held or not: `userdata` is the
// closure's data, alive while its callback cdata or def_extern entry lives
// (as in cffi, C calling a freed callback is undefined); `ret` and `args`
// are the result slot and argument pointers of the C signature.
pub(crate) unsafe extern "C" fn trampoline(userdata: *mut c_void, ret: *mut c_void, args: *const *const c_void) { unsafe {
    crate::call::set_saved_errno(native::errno::get_errno());
    invoke(userdata, ret, args);
    native::errno::set_errno(crate::call::saved_errno());
}}

// SAFETY (contract): as `trampoline`; struct arguments are copied
// (`new_owned_copy`) before Python sees them, C frees them on return.
unsafe fn invoke(userdata: *mut c_void, ret: *mut c_void, args: *const *const c_void) { unsafe {
    let data = &*(userdata as *const CallbackData);
    // A call from a thread of C while the interpreter exits (or after it
    // is gone: an atexit() handler) cannot run Python: taking the GIL would
    // end the thread inside C code, or crash once the interpreter is freed.
    // It returns the error value (zeros unless `error=` was given), as a
    // callback that raised does. `data.error` is plain bytes, kept alive
    // with the closure (`CallbackHolder`), read without the GIL.
    let Some(on_the_way) = crate::entry::CCall::enter() else {
        if !data.error.is_empty() {
            std::ptr::copy_nonoverlapping(data.error.as_ptr(), ret as *mut u8, data.error.len());
        }
        return;
    };
    // A call made from inside another callback released the GIL with
    // PyEval_SaveThread, which PyO3's own attach count does not see: take
    // the GIL through CPython first so nested callbacks really hold it.
    let gil = gil_for_c_call();
    Python::attach(|py| {
        // declared first, so dropped last: nothing below reads `data` after it
        let _in_progress = CallInProgress::hold(data);
        let fct = data.fct.get();
        let f = fct.func.as_ref().expect("function type");
        let rc = f.result.get();
        let result = (|| -> PyResult<()> {
            // C calling back into Python that calls C again (a callback
            // calling the function that called it) puts C frames on the
            // stack at each level, which the recursion limit does not see
            // (rcffi's calls count no level; cffi's count one, so it stops
            // at half the depth): below a margin the callback raises, as
            // any callback error is reported, instead of overflowing a
            // thread's stack or the main one under a raised limit
            crate::stack::check(|| "cffi callback".to_string())?;
            let mut pyargs = Vec::with_capacity(f.args.len());
            for (i, a) in f.args.iter().enumerate() {
                let p = *args.add(i) as *const u8;
                // a struct or union by value lives in libffi's argument
                // space, gone when the callback returns: the callback gets
                // its own copy, which it may keep (cffi's points there)
                let arg = if matches!(a.get().kind, Kind::Struct | Kind::Union) {
                    crate::cdata::wrap(py, crate::cdata::new::new_owned_copy(py, a, p, a.get().size(py)?))?
                } else {
                    convert::read(py, a, p)?
                };
                pyargs.push(arg);
            }
            let tuple = pyo3::types::PyTuple::new(py, pyargs)?;
            let r = data.callable.bind(py).call1(tuple)?;
            if rc.kind == Kind::Void && !r.is_none() {
                CONVERT_ERR.with(|c| c.set(true));
                return Err(PyTypeError::new_err("callback with the return type 'void' must return None"));
            }
            if rc.kind != Kind::Void {
                convert::write(py, rc, &r, ret as *mut u8).inspect_err(|_| {
                    // cffi distinguishes errors converting the result.
                    CONVERT_ERR.with(|c| c.set(true));
                })?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            if !data.error.is_empty() {
                std::ptr::copy_nonoverlapping(data.error.as_ptr(), ret as *mut u8, data.error.len());
            }
            let extra = if CONVERT_ERR.with(|c| c.replace(false)) { ", trying to convert the result back to C" } else { "" };
            let what = format!("from cffi callback {}", data.callable.bind(py).repr().map(|r| r.to_string()).unwrap_or_default());
            match &data.onerror {
                None => crate::errors::report_unraisable(py, e, &what, extra),
                Some(onerror) => {
                    let (t, v, tb) = (e.get_type(py), e.value(py).clone(), e.traceback(py));
                    // as cffi: a result of `onerror` that cannot be the
                    // callback's (any but None for `void`) is a second
                    // error, reported after the callback's own
                    let handled = onerror.bind(py).call1((t, v, tb)).and_then(|r| {
                        if r.is_none() {
                            Ok(())
                        } else if rc.kind == Kind::Void {
                            Err(PyTypeError::new_err("callback with the return type 'void' must return None"))
                        } else {
                            convert::write(py, rc, &r, ret as *mut u8)
                        }
                    });
                    match handled {
                        Ok(()) => {}
                        Err(e2) => {
                            crate::errors::report_unraisable(py, e, &what, extra);
                            crate::errors::report_unraisable(py, e2, "during handling of the above exception by 'onerror'", "");
                        }
                    }
                }
            }
        }
    });
    ffi::PyGILState_Release(gil);
    // counted until here: `begin_exit` waits for running callbacks
    drop(on_the_way);
}}

thread_local! {
    static CONVERT_ERR: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static KEPT_STATE: std::cell::RefCell<Option<KeptThreadState>> = const { std::cell::RefCell::new(None) };
}

/// Take the GIL for a call coming from C (release it with
/// `PyGILState_Release`). A thread Python has no state for (a thread of
/// the host program) gets one that it keeps until it exits, as with cffi:
/// `threading.local()` data survives from one call to the next, and a
/// thread calling often does not build and destroy a state every time.
// SAFETY (contract): a C thread, GIL not held; returns the state to give
// back with PyGILState_Release.
unsafe fn gil_for_c_call() -> ffi::PyGILState_STATE { unsafe {
    let known = !ffi::PyGILState_GetThisThreadState().is_null();
    let gil = ffi::PyGILState_Ensure();
    if !known {
        // one more count on the new state: the matching release is at exit
        let _ = ffi::PyGILState_Ensure();
        KEPT_STATE.with(|k| *k.borrow_mut() = Some(KeptThreadState));
    }
    gil
}}

/// Gives back, when its thread exits, the count `gil_for_c_call` kept on
/// the thread's Python state, which deletes it.
struct KeptThreadState;

impl Drop for KeptThreadState {
    fn drop(&mut self) {
        // SAFETY: only while the interpreter lives; this thread's state is
        // the one counted (nothing else deletes a state with a count left).
        unsafe {
            if crate::entry::interpreter_exiting() || ffi::PyGILState_GetThisThreadState().is_null() {
                return;
            }
            let gil = ffi::PyGILState_Ensure();
            ffi::PyGILState_Release(ffi::PyGILState_STATE::PyGILState_LOCKED);
            ffi::PyGILState_Release(gil);
        }
    }
}

/// `ffi.callback()` for a resolved ctype (ffi_callback.rs resolves it):
/// a function-pointer cdata whose C calls run `python_callable`.
pub fn new_callback<'py>(
    py: Python<'py>,
    ct: Py<CType>,
    python_callable: &Bound<'py, PyAny>,
    error: Option<&Bound<'py, PyAny>>,
    onerror: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let c = ct.get();
    if !(c.kind == Kind::Pointer && c.item().get().kind == Kind::Function) {
        return Err(PyTypeError::new_err(format!("expected a function ctype, got '{}'", c.cname)));
    }
    if let Some(onerror) = onerror {
        if !onerror.is_none() && !onerror.is_callable() {
            return Err(PyTypeError::new_err(format!(
                "expected a callable object for 'onerror', not {}",
                convert::describe(py, onerror)
            )));
        }
    }
    let fct_obj = c.item().clone_ref(py);
    let fct = fct_obj.get();
    let f = fct.func.as_ref().expect("function type");
    // `error=` is converted first, then the signature is checked (cffi's order)
    let rc = f.result.get();
    let err_bytes = crate::callback::error_bytes(py, rc, error)?;
    if f.variadic {
        return Err(pyo3::exceptions::PyNotImplementedError::new_err(format!(
            "{}: callback with unsupported argument or return type or with '...'",
            c.cname
        )));
    }
    // cffi builds no libffi description for such function types, and a
    // callback then fails with one generic message.
    let unsupported = |e: PyErr| {
        if e.is_instance_of::<pyo3::exceptions::PyNotImplementedError>(py) {
            pyo3::exceptions::PyNotImplementedError::new_err(format!(
                "{}: callback with unsupported argument or return type or with '...'",
                c.cname
            ))
        } else {
            e
        }
    };
    let mut args = Vec::with_capacity(f.args.len());
    for a in &f.args {
        args.push(crate::call::native_type(py, a.get(), "argument").map_err(unsupported)?);
    }
    let result = crate::call::native_type(py, rc, "return value").map_err(unsupported)?;
    // what libffi cannot lay out as C does (call.rs says why in its
    // NotImplementedError) gets the same generic message
    // said as it is (not in cffi's generic words below): cffi crashes there
    native::call::check_argument_bytes(&args, &result)
        .map_err(|e| pyo3::exceptions::PyNotImplementedError::new_err(format!("ctype '{}': {e}", c.cname)))?;
    let plan = native::call::CallPlan::new(&args, result)
        .map_err(|e| unsupported(pyo3::exceptions::PyNotImplementedError::new_err(e)))?;
    let data = Box::new(CallbackData {
        callable: python_callable.clone().unbind(),
        fct: fct_obj.clone_ref(py),
        error: err_bytes,
        onerror: onerror.filter(|o| !o.is_none()).map(|o| o.clone().unbind()),
        owner: std::sync::atomic::AtomicPtr::new(std::ptr::null_mut()),
    });
    crate::entry::callbacks_exist(py);
    let userdata = &*data as *const CallbackData as *mut c_void;
    let owner_slot: *const std::sync::atomic::AtomicPtr<ffi::PyObject> = &data.owner;
    let closure = Closure::new(Arc::new(plan), trampoline, userdata)
        .map_err(|e| pyo3::exceptions::PyMemoryError::new_err(format!("cannot create a callback: {e}")))?;
    let code = closure.code_ptr() as *mut u8;
    let holder: Box<dyn cdata::CallbackOwner> =
        Box::new(CallbackHolder { closure: ManuallyDrop::new(closure), data: ManuallyDrop::new(data) });
    // SAFETY: the cdata owns the closure; its code pointer stays valid while
    // it lives. `owner_slot` is in the boxed data the cdata now owns (on
    // failure nothing was made and the data is gone: not written then).
    unsafe {
        let o = cdata::new_cdata(py, &ct, code, Owner::Callback(holder));
        if !o.is_null() {
            (*owner_slot).store(o, std::sync::atomic::Ordering::Release);
        }
        cdata::wrap(py, o)
    }
}
