//! Direct calls for the commonest signatures: up to six arguments that
//! travel in integer registers (integers, characters, pointers) and up to
//! four in floating-point registers (`double`, `float`), returning such a
//! value or nothing. The call goes through a Rust function-pointer type of
//! the same register shape, skipping libffi's generic marshalling.
//!
//! x86-64 System V and AArch64 assign integer and floating-point argument
//! registers independently, in declaration order within each class, so
//! `f(int a, double b, int c)` is called as `f(a, c, b)` through
//! `fn(u64, u64, f64)`; declared widths do not matter either (a `float`
//! travels as the low half of its register, so it is passed as an `f64`
//! whose low 32 bits are the `float`'s bits).

use std::ffi::c_void;
use std::mem::transmute;

/// How many integer-register arguments a direct call can take.
pub const MAX_ARGS: usize = 6;
/// How many floating-point-register arguments a direct call can take.
pub const MAX_FLOAT_ARGS: usize = 4;

/// Where the result comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectRet {
    /// An integer or pointer in the first integer register (also used for
    /// `void`: the register is simply ignored).
    Word,
    F32,
    F64,
}

/// The raw result register.
#[derive(Clone, Copy)]
pub union RetValue {
    pub word: u64,
    pub f32: f32,
    pub f64: f64,
}

/// A `float` argument as the `f64` register value that carries it.
pub fn float_arg(x: f32) -> f64 {
    f64::from_bits(u64::from(x.to_bits()))
}

macro_rules! call_shape {
    ($fnptr:expr, $ints:expr, $floats:expr, $ret:ty, [$($i:tt)*], [$($j:tt)*]) => {{
        let f: extern "C" fn($(call_shape!(@word $i),)* $(call_shape!(@float $j),)*) -> $ret = transmute($fnptr);
        f($($ints[$i],)* $($floats[$j],)*)
    }};
    (@word $i:tt) => { u64 };
    (@float $j:tt) => { f64 };
}

macro_rules! dispatch {
    ($fnptr:expr, $ints:expr, $floats:expr, $ret:ty) => {
        match ($ints.len(), $floats.len()) {
            (0, 0) => call_shape!($fnptr, $ints, $floats, $ret, [], []),
            (0, 1) => call_shape!($fnptr, $ints, $floats, $ret, [], [0]),
            (0, 2) => call_shape!($fnptr, $ints, $floats, $ret, [], [0 1]),
            (0, 3) => call_shape!($fnptr, $ints, $floats, $ret, [], [0 1 2]),
            (0, 4) => call_shape!($fnptr, $ints, $floats, $ret, [], [0 1 2 3]),
            (1, 0) => call_shape!($fnptr, $ints, $floats, $ret, [0], []),
            (1, 1) => call_shape!($fnptr, $ints, $floats, $ret, [0], [0]),
            (1, 2) => call_shape!($fnptr, $ints, $floats, $ret, [0], [0 1]),
            (1, 3) => call_shape!($fnptr, $ints, $floats, $ret, [0], [0 1 2]),
            (1, 4) => call_shape!($fnptr, $ints, $floats, $ret, [0], [0 1 2 3]),
            (2, 0) => call_shape!($fnptr, $ints, $floats, $ret, [0 1], []),
            (2, 1) => call_shape!($fnptr, $ints, $floats, $ret, [0 1], [0]),
            (2, 2) => call_shape!($fnptr, $ints, $floats, $ret, [0 1], [0 1]),
            (2, 3) => call_shape!($fnptr, $ints, $floats, $ret, [0 1], [0 1 2]),
            (2, 4) => call_shape!($fnptr, $ints, $floats, $ret, [0 1], [0 1 2 3]),
            (3, 0) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2], []),
            (3, 1) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2], [0]),
            (3, 2) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2], [0 1]),
            (3, 3) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2], [0 1 2]),
            (3, 4) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2], [0 1 2 3]),
            (4, 0) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3], []),
            (4, 1) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3], [0]),
            (4, 2) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3], [0 1]),
            (4, 3) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3], [0 1 2]),
            (4, 4) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3], [0 1 2 3]),
            (5, 0) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3 4], []),
            (5, 1) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3 4], [0]),
            (5, 2) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3 4], [0 1]),
            (5, 3) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3 4], [0 1 2]),
            (5, 4) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3 4], [0 1 2 3]),
            (6, 0) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3 4 5], []),
            (6, 1) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3 4 5], [0]),
            (6, 2) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3 4 5], [0 1]),
            (6, 3) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3 4 5], [0 1 2]),
            (6, 4) => call_shape!($fnptr, $ints, $floats, $ret, [0 1 2 3 4 5], [0 1 2 3]),
            (n, m) => panic!("direct call with {n} integer and {m} floating-point arguments"),
        }
    };
}

/// Call `fnptr` with `args` in integer registers.
///
/// # Safety
/// As [`call_mixed`] with no floating-point arguments.
pub unsafe fn call(fnptr: *const c_void, args: &[u64], ret: DirectRet) -> RetValue { unsafe {
    call_mixed(fnptr, args, &[], ret)
}}

/// Call `fnptr` with `ints` in integer registers and `floats` in
/// floating-point registers.
///
/// # Safety
/// `fnptr` must be a non-variadic C function whose parameters, taken in
/// order within each class, are `ints.len()` (at most [`MAX_ARGS`])
/// integers or pointers, each already sign- or zero-extended to at least
/// 32 bits, and `floats.len()` (at most [`MAX_FLOAT_ARGS`]) `double`s or
/// `float`s (see [`float_arg`]), and whose result matches `ret`. Narrowing
/// an integer result to its C width is the caller's job.
pub unsafe fn call_mixed(fnptr: *const c_void, ints: &[u64], floats: &[f64], ret: DirectRet) -> RetValue { unsafe {
    match ret {
        DirectRet::Word => RetValue { word: dispatch!(fnptr, ints, floats, u64) },
        DirectRet::F32 => RetValue { f32: dispatch!(fnptr, ints, floats, f32) },
        DirectRet::F64 => RetValue { f64: dispatch!(fnptr, ints, floats, f64) },
    }
}}

#[cfg(test)]
mod tests {
    use super::*;

    extern "C" fn add3(a: i32, b: i8, c: i64) -> i64 {
        a as i64 + b as i64 + c
    }
    extern "C" fn half(p: *const f64) -> f64 {
        unsafe { *p / 2.0 }
    }
    extern "C" fn as_float(x: u16) -> f32 {
        x as f32
    }
    extern "C" fn six(a: u8, b: u16, c: u32, d: u64, e: i16, f: *const u8) -> u32 {
        a as u32 + b as u32 + c + d as u32 + e as u32 + unsafe { *f } as u32
    }

    extern "C" fn mixed(a: i32, x: f64, b: i8, y: f32, p: *const u8) -> f64 {
        a as f64 + x * 10.0 + b as f64 * 100.0 + y as f64 * 1000.0 + unsafe { *p } as f64 * 10000.0
    }
    extern "C" fn hyp(x: f64, y: f64) -> f64 {
        (x * x + y * y).sqrt()
    }
    extern "C" fn fsum(a: f32, b: f32, c: f64, d: f32) -> f32 {
        a + b + c as f32 + d
    }

    #[test]
    fn mixed_integer_and_floating_point_arguments() {
        unsafe {
            let byte = 3u8;
            let r = call_mixed(
                mixed as *const c_void,
                &[1, (-2i64) as u64, &byte as *const u8 as u64],
                &[0.5, float_arg(0.25)],
                DirectRet::F64,
            );
            assert_eq!(r.f64, 1.0 + 5.0 - 200.0 + 250.0 + 30000.0);
            assert_eq!(call_mixed(hyp as *const c_void, &[], &[3.0, 4.0], DirectRet::F64).f64, 5.0);
            let r = call_mixed(fsum as *const c_void, &[], &[float_arg(1.5), float_arg(2.0), 4.0, float_arg(0.5)], DirectRet::F32);
            assert_eq!(r.f32, 8.0);
        }
    }

    #[test]
    fn integer_pointer_and_float_results() {
        unsafe {
            let r = call(add3 as *const c_void, &[(-5i64) as u64, (-3i64) as u64, 100], DirectRet::Word);
            assert_eq!(r.word as i64, 92);
            let x = 9.0f64;
            let r = call(half as *const c_void, &[&x as *const f64 as u64], DirectRet::F64);
            assert_eq!(r.f64, 4.5);
            let r = call(as_float as *const c_void, &[7], DirectRet::F32);
            assert_eq!(r.f32, 7.0);
            let byte = 10u8;
            let r = call(six as *const c_void, &[1, 2, 3, 4, 5, &byte as *const u8 as u64], DirectRet::Word);
            assert_eq!(r.word as u32, 25);
        }
    }
}
