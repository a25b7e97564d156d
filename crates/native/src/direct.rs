//! Direct calls for the commonest signatures: up to six arguments that all
//! travel in integer registers (integers, characters, pointers), returning
//! such a value, `float`, `double` or nothing. The call goes through a Rust
//! function-pointer type of the same register shape, skipping libffi's
//! generic argument marshalling (x86-64 System V and AArch64 pass these
//! arguments identically, whatever their declared width).

use std::ffi::c_void;
use std::mem::transmute;

/// How many register arguments a direct call can take.
pub const MAX_ARGS: usize = 6;

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

macro_rules! call_shape {
    ($fnptr:expr, $args:expr, $ret:ty, $($i:tt)*) => {{
        let f: extern "C" fn($(call_shape!(@word $i)),*) -> $ret = transmute($fnptr);
        f($($args[$i]),*)
    }};
    (@word $i:tt) => { u64 };
}

macro_rules! dispatch {
    ($fnptr:expr, $args:expr, $ret:ty) => {
        match $args.len() {
            0 => call_shape!($fnptr, $args, $ret,),
            1 => call_shape!($fnptr, $args, $ret, 0),
            2 => call_shape!($fnptr, $args, $ret, 0 1),
            3 => call_shape!($fnptr, $args, $ret, 0 1 2),
            4 => call_shape!($fnptr, $args, $ret, 0 1 2 3),
            5 => call_shape!($fnptr, $args, $ret, 0 1 2 3 4),
            6 => call_shape!($fnptr, $args, $ret, 0 1 2 3 4 5),
            n => panic!("direct call with {n} arguments (at most {MAX_ARGS})"),
        }
    };
}

/// Call `fnptr` with `args` in integer registers.
///
/// # Safety
/// `fnptr` must be a non-variadic C function whose parameters are all
/// integers or pointers (`args.len()` of them, at most [`MAX_ARGS`], each
/// already sign- or zero-extended to at least 32 bits) and whose result
/// matches `ret`. Narrowing an integer result to its C width is the
/// caller's job.
pub unsafe fn call(fnptr: *const c_void, args: &[u64], ret: DirectRet) -> RetValue {
    match ret {
        DirectRet::Word => RetValue { word: dispatch!(fnptr, args, u64) },
        DirectRet::F32 => RetValue { f32: dispatch!(fnptr, args, f32) },
        DirectRet::F64 => RetValue { f64: dispatch!(fnptr, args, f64) },
    }
}

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
