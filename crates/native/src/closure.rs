//! `Closure`: a C function pointer (libffi closure) that forwards each call
//! to a plain `extern "C"` handler with caller-supplied user data.

use std::ffi::c_void;
use std::sync::Arc;

use libffi::low::{ffi_arg, ffi_cif, ffi_closure};
use libffi::raw;

use crate::abi::NativeType;
use crate::call::CallPlan;
use crate::int_ret;
use crate::scratch::Scratch;

/// Called for every invocation of the closure: `ret` receives the result at
/// its C width, `args` holds one pointer per argument value.
pub type Handler =
    unsafe extern "C" fn(userdata: *mut c_void, ret: *mut c_void, args: *const *const c_void);

/// What libffi's user-data pointer refers to.
struct Target {
    /// Keeps the cif (and its types) alive while the closure exists.
    plan: Arc<CallPlan>,
    handler: Handler,
    userdata: *mut c_void,
}

pub struct Closure {
    closure: *mut ffi_closure,
    code: *const c_void,
    /// Boxed so libffi's pointer to it survives moves of the `Closure`.
    /// Dropped after `closure` is freed (fields drop after `Drop::drop`).
    _target: Box<Target>,
}

// SAFETY: the closure memory is immutable after preparation and the plan is
// Sync. `userdata` is only handed back to `handler`; whoever supplied it is
// responsible for it being usable from the threads that call the code.
unsafe impl Send for Closure {}
unsafe impl Sync for Closure {}

impl Closure {
    pub fn new(
        plan: Arc<CallPlan>,
        handler: Handler,
        userdata: *mut c_void,
    ) -> Result<Closure, String> {
        let mut code: *mut c_void = std::ptr::null_mut();
        // SAFETY: plain allocation; checked for null below.
        let closure =
            unsafe { raw::ffi_closure_alloc(std::mem::size_of::<ffi_closure>(), &mut code) }
                as *mut ffi_closure;
        if closure.is_null() || code.is_null() {
            return Err("ffi_closure_alloc failed (no executable memory)".into());
        }
        let cif = plan.cif_ptr();
        let mut target = Box::new(Target {
            plan,
            handler,
            userdata,
        });
        let tp = &mut *target as *mut Target as *mut c_void;
        // SAFETY: `cif` and `target` outlive the closure (both owned by it).
        let status = unsafe { raw::ffi_prep_closure_loc(closure, cif, Some(entry), tp, code) };
        if status != raw::ffi_status_FFI_OK {
            // SAFETY: allocated above and not yet handed out.
            unsafe { raw::ffi_closure_free(closure as *mut c_void) };
            return Err(format!("ffi_prep_closure_loc failed (status {status})"));
        }
        Ok(Closure {
            closure,
            code,
            _target: target,
        })
    }

    /// The executable address to hand to C as a function pointer.
    pub fn code_ptr(&self) -> *const c_void {
        self.code
    }
}

impl Drop for Closure {
    fn drop(&mut self) {
        // SAFETY: allocated by ffi_closure_alloc and freed exactly once.
        unsafe { raw::ffi_closure_free(self.closure as *mut c_void) };
    }
}

/// libffi's entry point: run the handler, then widen small integer returns
/// to the full `ffi_arg` libffi's return path expects.
unsafe extern "C" fn entry(
    _cif: *mut ffi_cif,
    result: *mut c_void,
    args: *mut *mut c_void,
    target: *mut c_void,
) { unsafe {
    let t = &*(target as *const Target);
    let ret = t.plan.ret_type();
    let args = args as *const *const c_void;
    let (handler, userdata) = (t.handler, t.userdata);
    if ret.is_small_int() || *ret == NativeType::Void {
        // The handler writes C width; libffi wants an ffi_arg (and for void
        // the handler gets somewhere harmless to write).
        // The handler may free this closure (the last reference to the
        // callback goes while it runs, in another thread or in the callback
        // itself): nothing of `t` is read after it. `NativeType`'s scalar
        // variants own no memory, so this copy allocates nothing.
        let ret = ret.clone();
        let mut scratch = Scratch::new(ret.size());
        handler(userdata, scratch.as_mut_ptr(), args);
        int_ret::widen(
            &ret,
            scratch.as_mut_ptr() as *const u8,
            result as *mut ffi_arg,
        );
    } else {
        // Wider scalars and structs: libffi's buffer holds exactly the C
        // value (for memory-returned structs it is the caller's buffer).
        // Zeroed so a handler that writes nothing returns zeros.
        std::ptr::write_bytes(result as *mut u8, 0, ret.size());
        // (nothing of `t` is read after the handler, as above)
        handler(userdata, result, args);
    }
}}
