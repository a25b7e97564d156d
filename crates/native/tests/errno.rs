//! errno: round trip, per-thread, and observing what a C call set.

mod common;

use std::ffi::{c_char, c_void};

use common::{arg, call};
use native::abi::NativeType as T;
use native::call::CallPlan;
use native::errno::{get_errno, set_errno};

extern "C" {
    fn strtol(s: *const c_char, end: *mut *mut c_char, base: i32) -> i64;
}

#[test]
fn set_then_get() {
    set_errno(42);
    assert_eq!(get_errno(), 42);
    set_errno(0);
    assert_eq!(get_errno(), 0);
}

#[test]
fn errno_is_per_thread() {
    set_errno(7);
    let other = std::thread::spawn(|| {
        set_errno(99);
        get_errno()
    })
    .join()
    .unwrap();
    assert_eq!(other, 99);
    assert_eq!(get_errno(), 7);
}

#[test]
fn errno_set_by_foreign_call_is_seen() {
    let plan = CallPlan::new(&[T::Pointer, T::Pointer, T::I32], T::I64).unwrap();
    let (mut s, mut end, mut base) = (
        c"99999999999999999999999".as_ptr(),
        std::ptr::null_mut::<c_char>(),
        10i32,
    );
    set_errno(0);
    let r: i64 = unsafe {
        call(
            &plan,
            strtol as *const c_void,
            &mut [arg(&mut s), arg(&mut end), arg(&mut base)],
        )
    };
    assert_eq!(r, i64::MAX);
    assert_eq!(get_errno(), libc::ERANGE);
}
