//! Helpers shared by the integration tests: call a plan with typed values.
#![allow(dead_code)] // each test binary uses a different subset

use std::ffi::c_void;
use std::mem::MaybeUninit;

use native::call::CallPlan;

/// The address of an argument value, as `CallPlan::call` wants it.
pub fn arg<T>(v: &mut T) -> *mut c_void {
    v as *mut T as *mut c_void
}

/// Call `f` through `plan` and read the result as `R`.
///
/// # Safety
/// `f` must have the plan's signature and `R` must match its return type.
pub unsafe fn call<R>(plan: &CallPlan, f: *const c_void, args: &mut [*mut c_void]) -> R { unsafe {
    assert_eq!(args.len(), plan.arg_count());
    assert_eq!(std::mem::size_of::<R>(), plan.ret_buffer_size());
    let mut r = MaybeUninit::<R>::zeroed();
    plan.call(f, args.as_mut_ptr(), r.as_mut_ptr() as *mut c_void);
    r.assume_init()
}}

/// Call `f` into a 32-byte buffer pre-filled with 0xAA and return it, to
/// check that exactly the C-width bytes were written.
pub unsafe fn call_raw(plan: &CallPlan, f: *const c_void, args: &mut [*mut c_void]) -> [u8; 32] { unsafe {
    let mut buf = [0xAAu8; 32];
    plan.call(f, args.as_mut_ptr(), buf.as_mut_ptr() as *mut c_void);
    buf
}}
