//! Variadic calls: `snprintf` with an int and a double.

mod common;

use std::ffi::{c_char, c_int, c_void, CStr};

use common::{arg, call};
use native::abi::NativeType as T;
use native::call::CallPlan;

extern "C" {
    fn snprintf(buf: *mut c_char, n: usize, fmt: *const c_char, ...) -> c_int;
}

#[test]
fn snprintf_int_and_double() {
    let args = [T::Pointer, T::U64, T::Pointer, T::I32, T::F64];
    let plan = CallPlan::new_variadic(3, &args, T::I32).unwrap();
    assert_eq!(plan.arg_count(), 5);
    let mut buf = [0 as c_char; 64];
    let mut p = buf.as_mut_ptr();
    let mut n = buf.len() as u64;
    let mut fmt = c"%d|%.3f|end".as_ptr();
    let (mut i, mut d) = (-42i32, 1.234567f64);
    let r: i32 = unsafe {
        call(
            &plan,
            snprintf as *const c_void,
            &mut [
                arg(&mut p),
                arg(&mut n),
                arg(&mut fmt),
                arg(&mut i),
                arg(&mut d),
            ],
        )
    };
    let s = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
    assert_eq!(s, "-42|1.235|end");
    assert_eq!(r, s.len() as i32);
}

#[test]
fn snprintf_with_no_variadic_arguments() {
    let plan = CallPlan::new_variadic(3, &[T::Pointer, T::U64, T::Pointer], T::I32).unwrap();
    let mut buf = [0 as c_char; 16];
    let (mut p, mut n, mut fmt) = (buf.as_mut_ptr(), 16u64, c"plain".as_ptr());
    let r: i32 = unsafe {
        call(
            &plan,
            snprintf as *const c_void,
            &mut [arg(&mut p), arg(&mut n), arg(&mut fmt)],
        )
    };
    assert_eq!(r, 5);
    assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_bytes(), b"plain");
}

#[test]
fn unpromoted_variadic_arguments_are_refused() {
    let err = CallPlan::new_variadic(1, &[T::Pointer, T::F32], T::I32)
        .err()
        .unwrap();
    assert!(err.contains("promoted"), "{err}");
    let err = CallPlan::new_variadic(1, &[T::Pointer, T::I8], T::I32)
        .err()
        .unwrap();
    assert!(err.contains("promoted"), "{err}");
}

#[test]
fn too_many_fixed_arguments_is_an_error() {
    assert!(CallPlan::new_variadic(3, &[T::Pointer], T::I32).is_err());
}
