//! Every scalar width as argument and return, including narrowing of
//! negative small integers to their exact C width.

mod common;

use std::ffi::c_void;

use common::{arg, call, call_raw};
use native::abi::NativeType as T;
use native::call::CallPlan;

extern "C" fn neg_i8(x: i8) -> i8 {
    x.wrapping_neg()
}
extern "C" fn add_u8(a: u8, b: u8) -> u8 {
    a.wrapping_add(b)
}
extern "C" fn sub_i16(a: i16, b: i16) -> i16 {
    a.wrapping_sub(b)
}
extern "C" fn mul_u16(a: u16, b: u16) -> u16 {
    a.wrapping_mul(b)
}
extern "C" fn neg_i32(x: i32) -> i32 {
    x.wrapping_neg()
}
extern "C" fn not_u32(x: u32) -> u32 {
    !x
}
extern "C" fn mix_i64(a: i64, b: i8, c: u16) -> i64 {
    a * b as i64 + c as i64
}
extern "C" fn shl_u64(x: u64, n: u32) -> u64 {
    x << n
}
extern "C" fn half_f32(x: f32) -> f32 {
    x / 2.0
}
extern "C" fn fma_f64(a: f64, b: f64, c: f64) -> f64 {
    a * b + c
}
extern "C" fn ptr_add(p: *const u32, n: usize) -> *const u32 {
    p.wrapping_add(n)
}
/// Many mixed arguments, so some go on the stack.
extern "C" fn many(
    a: i8,
    b: f32,
    c: u16,
    d: f64,
    e: i32,
    f: i64,
    g: u8,
    h: f64,
    i: i16,
    j: f32,
) -> f64 {
    a as f64 + b as f64 + c as f64 + d + e as f64 + f as f64 + g as f64 + h + i as f64 + j as f64
}

#[test]
fn i8_negative_return_is_narrowed() {
    let plan = CallPlan::new(&[T::I8], T::I8).unwrap();
    let mut x: i8 = 5;
    let r: i8 = unsafe { call(&plan, neg_i8 as *const c_void, &mut [arg(&mut x)]) };
    assert_eq!(r, -5);
    let mut x: i8 = 1;
    let buf = unsafe { call_raw(&plan, neg_i8 as *const c_void, &mut [arg(&mut x)]) };
    assert_eq!(buf[0], 0xFF, "-1 as one byte");
    assert!(
        buf[1..].iter().all(|&b| b == 0xAA),
        "only 1 byte written: {buf:?}"
    );
}

#[test]
fn u8_wraps_and_writes_one_byte() {
    let plan = CallPlan::new(&[T::U8, T::U8], T::U8).unwrap();
    let (mut a, mut b) = (200u8, 100u8);
    let buf = unsafe {
        call_raw(
            &plan,
            add_u8 as *const c_void,
            &mut [arg(&mut a), arg(&mut b)],
        )
    };
    assert_eq!(buf[0], 44);
    assert!(buf[1..].iter().all(|&b| b == 0xAA));
}

#[test]
fn i16_negative_return() {
    let plan = CallPlan::new(&[T::I16, T::I16], T::I16).unwrap();
    let (mut a, mut b) = (-30000i16, 10000i16);
    let buf = unsafe {
        call_raw(
            &plan,
            sub_i16 as *const c_void,
            &mut [arg(&mut a), arg(&mut b)],
        )
    };
    assert_eq!(
        i16::from_ne_bytes([buf[0], buf[1]]),
        (-30000i16).wrapping_sub(10000)
    );
    assert!(buf[2..].iter().all(|&b| b == 0xAA));
    let (mut a, mut b) = (3i16, 10i16);
    let r: i16 = unsafe {
        call(
            &plan,
            sub_i16 as *const c_void,
            &mut [arg(&mut a), arg(&mut b)],
        )
    };
    assert_eq!(r, -7);
}

#[test]
fn u16_return() {
    let plan = CallPlan::new(&[T::U16, T::U16], T::U16).unwrap();
    let (mut a, mut b) = (300u16, 300u16);
    let r: u16 = unsafe {
        call(
            &plan,
            mul_u16 as *const c_void,
            &mut [arg(&mut a), arg(&mut b)],
        )
    };
    assert_eq!(r, 300u16.wrapping_mul(300));
}

#[test]
fn i32_and_u32_returns() {
    let plan = CallPlan::new(&[T::I32], T::I32).unwrap();
    let mut x = 123456;
    let buf = unsafe { call_raw(&plan, neg_i32 as *const c_void, &mut [arg(&mut x)]) };
    assert_eq!(i32::from_ne_bytes(buf[..4].try_into().unwrap()), -123456);
    assert!(buf[4..].iter().all(|&b| b == 0xAA));

    let plan = CallPlan::new(&[T::U32], T::U32).unwrap();
    let mut x = 0u32;
    let r: u32 = unsafe { call(&plan, not_u32 as *const c_void, &mut [arg(&mut x)]) };
    assert_eq!(r, u32::MAX);
}

#[test]
fn i64_with_small_args() {
    let plan = CallPlan::new(&[T::I64, T::I8, T::U16], T::I64).unwrap();
    let (mut a, mut b, mut c) = (1_000_000_000_000i64, -3i8, 65535u16);
    let r: i64 = unsafe {
        call(
            &plan,
            mix_i64 as *const c_void,
            &mut [arg(&mut a), arg(&mut b), arg(&mut c)],
        )
    };
    assert_eq!(r, -3_000_000_000_000 + 65535);
}

#[test]
fn u64_return() {
    let plan = CallPlan::new(&[T::U64, T::U32], T::U64).unwrap();
    let (mut x, mut n) = (1u64, 63u32);
    let r: u64 = unsafe {
        call(
            &plan,
            shl_u64 as *const c_void,
            &mut [arg(&mut x), arg(&mut n)],
        )
    };
    assert_eq!(r, 1 << 63);
}

#[test]
fn f32_and_f64() {
    let plan = CallPlan::new(&[T::F32], T::F32).unwrap();
    let mut x = 5.0f32;
    let r: f32 = unsafe { call(&plan, half_f32 as *const c_void, &mut [arg(&mut x)]) };
    assert_eq!(r, 2.5);

    let plan = CallPlan::new(&[T::F64, T::F64, T::F64], T::F64).unwrap();
    let (mut a, mut b, mut c) = (1.5f64, -4.0f64, 0.25f64);
    let r: f64 = unsafe {
        call(
            &plan,
            fma_f64 as *const c_void,
            &mut [arg(&mut a), arg(&mut b), arg(&mut c)],
        )
    };
    assert_eq!(r, -5.75);
}

#[test]
fn pointer_round_trip() {
    let plan = CallPlan::new(&[T::Pointer, T::U64], T::Pointer).unwrap();
    let data = [10u32, 20, 30, 40];
    let (mut p, mut n) = (data.as_ptr(), 3usize);
    let r: *const u32 = unsafe {
        call(
            &plan,
            ptr_add as *const c_void,
            &mut [arg(&mut p), arg(&mut n)],
        )
    };
    assert_eq!(r, data[3..].as_ptr());
    assert_eq!(unsafe { *r }, 40);
}

#[test]
fn many_mixed_arguments_spill_to_stack() {
    let types = [
        T::I8,
        T::F32,
        T::U16,
        T::F64,
        T::I32,
        T::I64,
        T::U8,
        T::F64,
        T::I16,
        T::F32,
    ];
    let plan = CallPlan::new(&types, T::F64).unwrap();
    let (mut a, mut b, mut c, mut d, mut e) = (-1i8, 2.5f32, 3u16, 4.25f64, -5i32);
    let (mut f, mut g, mut h, mut i, mut j) = (6i64, 7u8, 8.5f64, -9i16, 10.5f32);
    let mut args = [
        arg(&mut a),
        arg(&mut b),
        arg(&mut c),
        arg(&mut d),
        arg(&mut e),
        arg(&mut f),
        arg(&mut g),
        arg(&mut h),
        arg(&mut i),
        arg(&mut j),
    ];
    let r: f64 = unsafe { call(&plan, many as *const c_void, &mut args) };
    assert_eq!(
        r,
        -1.0 + 2.5 + 3.0 + 4.25 - 5.0 + 6.0 + 7.0 + 8.5 - 9.0 + 10.5
    );
}

#[test]
fn void_return_writes_nothing() {
    extern "C" fn store(p: *mut i32, v: i32) {
        unsafe { *p = v }
    }
    let plan = CallPlan::new(&[T::Pointer, T::I32], T::Void).unwrap();
    assert_eq!(plan.ret_buffer_size(), 0);
    let mut target = 0i32;
    let (mut p, mut v) = (&mut target as *mut i32, 77i32);
    let buf = unsafe {
        call_raw(
            &plan,
            store as *const c_void,
            &mut [arg(&mut p), arg(&mut v)],
        )
    };
    assert!(buf.iter().all(|&b| b == 0xAA));
    assert_eq!(target, 77);
}

#[test]
fn void_argument_is_rejected() {
    let err = CallPlan::new(&[T::Void], T::I32).err().unwrap();
    assert!(err.contains("void"), "{err}");
}

/// x86-64 `long double` is the x87 80-bit format in 16 bytes.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
mod long_double {
    use super::*;
    use std::ffi::c_char;

    // Rust has no long double: declared without a signature, since only
    // the addresses are used; the plans describe the real signatures.
    #[link(name = "m")]
    extern "C" {
        fn strtold();
        fn fabsl();
    }

    /// Decode the x87 extended format (normal numbers only).
    fn x87_to_f64(b: &[u8]) -> f64 {
        let mant = u64::from_le_bytes(b[..8].try_into().unwrap());
        let se = u16::from_le_bytes([b[8], b[9]]);
        let sign = if se & 0x8000 != 0 { -1.0 } else { 1.0 };
        let exp = (se & 0x7FFF) as i32 - 16383 - 63;
        sign * mant as f64 * 2f64.powi(exp)
    }

    #[test]
    fn long_double_return_and_argument() {
        let parse = CallPlan::new(&[T::Pointer, T::Pointer], T::LongDouble).unwrap();
        assert_eq!(parse.ret_buffer_size(), 16);
        let (mut s, mut end) = (c"-2.5".as_ptr(), std::ptr::null_mut::<*mut c_char>());
        let v: [u8; 16] = unsafe {
            call(
                &parse,
                strtold as *const c_void,
                &mut [arg(&mut s), arg(&mut end)],
            )
        };
        assert_eq!(x87_to_f64(&v), -2.5);

        let abs = CallPlan::new(&[T::LongDouble], T::LongDouble).unwrap();
        let mut x = v;
        let r: [u8; 16] = unsafe { call(&abs, fabsl as *const c_void, &mut [arg(&mut x)]) };
        assert_eq!(x87_to_f64(&r), 2.5);
    }
}
