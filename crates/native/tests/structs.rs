//! Structs by value: in registers, in memory, nested, with array fields,
//! and layouts libffi cannot reproduce.

mod common;

use std::ffi::c_void;
use std::mem::{align_of, size_of};

use common::{arg, call};
use native::abi::NativeType as T;
use native::call::CallPlan;

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct P {
    x: i32,
    y: i32,
}

/// 24 bytes of doubles: returned in memory on x86-64 SysV.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct D3 {
    a: f64,
    b: f64,
    c: f64,
}

/// Padding between and after fields.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct Mixed {
    c: i8,
    d: f64,
    s: i16,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct Nested {
    p: P,
    z: f32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct WithArray {
    v: [u8; 3],
    w: u16,
}

/// Larger than the call's inline return scratch.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct Big {
    v: [i64; 12],
}

fn p_type() -> T {
    T::Struct {
        size: size_of::<P>(),
        align: align_of::<P>(),
        elements: vec![T::I32, T::I32],
    }
}
fn d3_type() -> T {
    T::Struct {
        size: size_of::<D3>(),
        align: align_of::<D3>(),
        elements: vec![T::F64; 3],
    }
}

extern "C" fn p_sum(p: P) -> i32 {
    p.x + p.y
}
extern "C" fn p_swap(p: P) -> P {
    P { x: p.y, y: p.x }
}
extern "C" fn d3_make(a: f64, b: f64, c: f64) -> D3 {
    D3 { a, b, c }
}
extern "C" fn d3_scale(k: i32, d: D3) -> D3 {
    let k = k as f64;
    D3 {
        a: d.a * k,
        b: d.b * k,
        c: d.c * k,
    }
}
extern "C" fn mixed_bump(m: Mixed) -> Mixed {
    Mixed {
        c: m.c - 1,
        d: m.d * 2.0,
        s: m.s + 1,
    }
}
extern "C" fn nested_flip(n: Nested) -> Nested {
    Nested {
        p: P {
            x: -n.p.x,
            y: -n.p.y,
        },
        z: -n.z,
    }
}
extern "C" fn with_array_sum(a: WithArray) -> u32 {
    a.v.iter().map(|&b| b as u32).sum::<u32>() + a.w as u32
}
extern "C" fn big_iota(start: i64) -> Big {
    let mut v = [0; 12];
    for (i, x) in v.iter_mut().enumerate() {
        *x = start + i as i64;
    }
    Big { v }
}

#[test]
fn small_struct_argument() {
    let plan = CallPlan::new(&[p_type()], T::I32).unwrap();
    let mut p = P { x: 40, y: 2 };
    let r: i32 = unsafe { call(&plan, p_sum as *const c_void, &mut [arg(&mut p)]) };
    assert_eq!(r, 42);
}

#[test]
fn small_struct_return() {
    let plan = CallPlan::new(&[p_type()], p_type()).unwrap();
    assert_eq!(plan.ret_buffer_size(), 8);
    let mut p = P { x: -1, y: 9 };
    let r: P = unsafe { call(&plan, p_swap as *const c_void, &mut [arg(&mut p)]) };
    assert_eq!(r, P { x: 9, y: -1 });
}

#[test]
fn three_doubles_returned_in_memory() {
    let plan = CallPlan::new(&[T::F64, T::F64, T::F64], d3_type()).unwrap();
    let (mut a, mut b, mut c) = (1.0f64, -2.5f64, 1e300f64);
    let r: D3 = unsafe {
        call(
            &plan,
            d3_make as *const c_void,
            &mut [arg(&mut a), arg(&mut b), arg(&mut c)],
        )
    };
    assert_eq!(
        r,
        D3 {
            a: 1.0,
            b: -2.5,
            c: 1e300
        }
    );
}

#[test]
fn memory_struct_argument_and_return() {
    let plan = CallPlan::new(&[T::I32, d3_type()], d3_type()).unwrap();
    let (mut k, mut d) = (
        3i32,
        D3 {
            a: 1.0,
            b: 2.0,
            c: -0.5,
        },
    );
    let r: D3 = unsafe {
        call(
            &plan,
            d3_scale as *const c_void,
            &mut [arg(&mut k), arg(&mut d)],
        )
    };
    assert_eq!(
        r,
        D3 {
            a: 3.0,
            b: 6.0,
            c: -1.5
        }
    );
}

#[test]
fn padded_struct() {
    let t = T::Struct {
        size: size_of::<Mixed>(),
        align: align_of::<Mixed>(),
        elements: vec![T::I8, T::F64, T::I16],
    };
    let plan = CallPlan::new(std::slice::from_ref(&t), t.clone()).unwrap();
    let mut m = Mixed {
        c: -100,
        d: 0.75,
        s: 32000,
    };
    let r: Mixed = unsafe { call(&plan, mixed_bump as *const c_void, &mut [arg(&mut m)]) };
    assert_eq!(
        r,
        Mixed {
            c: -101,
            d: 1.5,
            s: 32001
        }
    );
}

#[test]
fn nested_struct() {
    let t = T::Struct {
        size: size_of::<Nested>(),
        align: align_of::<Nested>(),
        elements: vec![p_type(), T::F32],
    };
    let plan = CallPlan::new(std::slice::from_ref(&t), t.clone()).unwrap();
    let mut n = Nested {
        p: P { x: 5, y: -6 },
        z: 1.25,
    };
    let r: Nested = unsafe { call(&plan, nested_flip as *const c_void, &mut [arg(&mut n)]) };
    assert_eq!(
        r,
        Nested {
            p: P { x: -5, y: 6 },
            z: -1.25
        }
    );
}

#[test]
fn array_field_flattened() {
    let t = T::Struct {
        size: size_of::<WithArray>(),
        align: align_of::<WithArray>(),
        elements: vec![T::U8, T::U8, T::U8, T::U16],
    };
    let plan = CallPlan::new(&[t], T::U32).unwrap();
    let mut a = WithArray {
        v: [1, 2, 250],
        w: 1000,
    };
    let r: u32 = unsafe { call(&plan, with_array_sum as *const c_void, &mut [arg(&mut a)]) };
    assert_eq!(r, 1253);
}

#[test]
fn big_struct_return_uses_heap_scratch() {
    let t = T::Struct {
        size: size_of::<Big>(),
        align: align_of::<Big>(),
        elements: vec![T::I64; 12],
    };
    let plan = CallPlan::new(&[T::I64], t).unwrap();
    let mut start = -3i64;
    let r: Big = unsafe { call(&plan, big_iota as *const c_void, &mut [arg(&mut start)]) };
    assert_eq!(r.v, [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn packed_layout_is_refused() {
    // struct __attribute__((packed)) { char c; int i; }: size 5, align 1.
    let t = T::Struct {
        size: 5,
        align: 1,
        elements: vec![T::I8, T::I32],
    };
    let err = CallPlan::new(&[t], T::Void).err().unwrap();
    assert!(
        err.contains("struct layout not supported by libffi"),
        "{err}"
    );
}

#[test]
fn over_aligned_layout_is_refused() {
    // struct { int x; } __attribute__((aligned(16))): size 16, align 16.
    let t = T::Struct {
        size: 16,
        align: 16,
        elements: vec![T::I32],
    };
    let err = CallPlan::new(&[], t).err().unwrap();
    assert!(
        err.contains("struct layout not supported by libffi"),
        "{err}"
    );
}

#[test]
fn empty_struct_is_refused() {
    let t = T::Struct {
        size: 0,
        align: 1,
        elements: vec![],
    };
    let err = CallPlan::new(&[t], T::Void).err().unwrap();
    assert!(err.contains("empty struct"), "{err}");
}
