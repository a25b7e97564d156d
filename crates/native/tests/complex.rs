//! C complex numbers through libm (x86-64 Linux: the bundled libffi
//! supports complex types there).
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

mod common;

use std::ffi::c_void;

use common::{arg, call};
use native::abi::NativeType as T;
use native::call::CallPlan;

// Rust has no complex type: declared without a signature, since only the
// addresses are used; the plans describe the real signatures.
#[link(name = "m")]
extern "C" {
    fn cabs();
    fn cabsf();
    fn conj();
    fn conjf();
}

#[test]
fn complex_double_argument_and_return() {
    let plan = CallPlan::new(&[T::ComplexF64], T::F64).unwrap();
    let mut z = [3.0f64, 4.0];
    let r: f64 = unsafe { call(&plan, cabs as *const c_void, &mut [arg(&mut z)]) };
    assert_eq!(r, 5.0);

    let plan = CallPlan::new(&[T::ComplexF64], T::ComplexF64).unwrap();
    assert_eq!(plan.ret_buffer_size(), 16);
    let mut z = [1.5f64, -2.0];
    let r: [f64; 2] = unsafe { call(&plan, conj as *const c_void, &mut [arg(&mut z)]) };
    assert_eq!(r, [1.5, 2.0]);
}

#[test]
fn complex_float_argument_and_return() {
    let plan = CallPlan::new(&[T::ComplexF32], T::F32).unwrap();
    let mut z = [-6.0f32, 8.0];
    let r: f32 = unsafe { call(&plan, cabsf as *const c_void, &mut [arg(&mut z)]) };
    assert_eq!(r, 10.0);

    let plan = CallPlan::new(&[T::ComplexF32], T::ComplexF32).unwrap();
    let mut z = [0.25f32, 7.0];
    let r: [f32; 2] = unsafe { call(&plan, conjf as *const c_void, &mut [arg(&mut z)]) };
    assert_eq!(r, [0.25, -7.0]);
}
