//! Calling real libc functions through call plans.

mod common;

use std::ffi::{c_char, c_int, c_long, c_void};
use std::sync::Arc;

use common::{arg, call};
use native::abi::NativeType as T;
use native::call::CallPlan;

extern "C" {
    fn abs(x: c_int) -> c_int;
    fn labs(x: c_long) -> c_long;
    fn strlen(s: *const c_char) -> usize;
    fn memcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int;
}

#[test]
fn abs_of_negative_int() {
    let plan = CallPlan::new(&[T::I32], T::I32).unwrap();
    for (x, want) in [(-42i32, 42i32), (7, 7), (0, 0), (-i32::MAX, i32::MAX)] {
        let mut x = x;
        let r: i32 = unsafe { call(&plan, abs as *const c_void, &mut [arg(&mut x)]) };
        assert_eq!(r, want);
    }
}

#[test]
fn labs_of_large_negative_long() {
    let plan = CallPlan::new(&[T::I64], T::I64).unwrap();
    let mut x: i64 = -5_000_000_000;
    let r: i64 = unsafe { call(&plan, labs as *const c_void, &mut [arg(&mut x)]) };
    assert_eq!(r, 5_000_000_000);
}

#[test]
fn strlen_of_c_string() {
    let plan = CallPlan::new(&[T::Pointer], T::U64).unwrap();
    let mut s = c"hello, world".as_ptr();
    let r: u64 = unsafe { call(&plan, strlen as *const c_void, &mut [arg(&mut s)]) };
    assert_eq!(r, 12);
}

#[test]
fn memcmp_orders_buffers() {
    let plan = CallPlan::new(&[T::Pointer, T::Pointer, T::U64], T::I32).unwrap();
    let a = *b"abcdef";
    let b = *b"abcxef";
    let run = |x: &[u8], y: &[u8], n: u64| -> i32 {
        let (mut px, mut py, mut n) = (x.as_ptr(), y.as_ptr(), n);
        unsafe {
            call(
                &plan,
                memcmp as *const c_void,
                &mut [arg(&mut px), arg(&mut py), arg(&mut n)],
            )
        }
    };
    assert_eq!(run(&a, &b, 3), 0);
    assert!(run(&a, &b, 6) < 0);
    assert!(run(&b, &a, 6) > 0);
}

#[test]
fn plan_is_shared_across_threads() {
    fn assert_send_sync<X: Send + Sync>() {}
    assert_send_sync::<CallPlan>();
    let plan = Arc::new(CallPlan::new(&[T::I32], T::I32).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let plan = Arc::clone(&plan);
            std::thread::spawn(move || {
                (0..1000).all(|i| {
                    let mut x = -(t * 1000 + i);
                    let r: i32 = unsafe { call(&plan, abs as *const c_void, &mut [arg(&mut x)]) };
                    r == t * 1000 + i
                })
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap());
    }
}

#[test]
fn arg_count_and_types_are_kept() {
    let plan = CallPlan::new(&[T::Pointer, T::I32], T::F64).unwrap();
    assert_eq!(plan.arg_count(), 2);
    assert_eq!(plan.arg_types(), &[T::Pointer, T::I32]);
    assert_eq!(plan.ret_type(), &T::F64);
    assert_eq!(plan.ret_buffer_size(), 8);
}
