//! Closures: C function pointers that run a handler with user data.

mod common;

use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{arg, call};
use native::abi::NativeType as T;
use native::call::CallPlan;
use native::closure::Closure;

extern "C" {
    fn qsort(
        base: *mut c_void,
        n: usize,
        size: usize,
        cmp: unsafe extern "C" fn(*const c_void, *const c_void) -> i32,
    );
}

/// qsort comparator over i32; userdata counts the calls.
unsafe extern "C" fn compare_i32(
    userdata: *mut c_void,
    ret: *mut c_void,
    args: *const *const c_void,
) { unsafe {
    let calls = &*(userdata as *const AtomicUsize);
    calls.fetch_add(1, Ordering::Relaxed);
    let a = **(*args.add(0) as *const *const i32);
    let b = **(*args.add(1) as *const *const i32);
    *(ret as *mut i32) = a.cmp(&b) as i32;
}}

#[test]
fn qsort_with_closure_comparator() {
    let plan = Arc::new(CallPlan::new(&[T::Pointer, T::Pointer], T::I32).unwrap());
    let calls = AtomicUsize::new(0);
    let closure = Closure::new(
        plan,
        compare_i32,
        &calls as *const AtomicUsize as *mut c_void,
    )
    .unwrap();
    let cmp = unsafe {
        std::mem::transmute::<
            *const c_void,
            unsafe extern "C" fn(*const c_void, *const c_void) -> i32,
        >(closure.code_ptr())
    };
    let mut v = [5i32, -3, 99, 0, -3, 42, 7, -100, 8];
    unsafe { qsort(v.as_mut_ptr() as *mut c_void, v.len(), 4, cmp) };
    assert_eq!(v, [-100, -3, -3, 0, 5, 7, 8, 42, 99]);
    assert!(calls.load(Ordering::Relaxed) >= v.len() - 1);
}

/// Writes the i64 in userdata to `ret` at the width given by the plan.
unsafe extern "C" fn return_constant(
    userdata: *mut c_void,
    ret: *mut c_void,
    _args: *const *const c_void,
) { unsafe {
    let (ty, value) = &*(userdata as *const (T, i64));
    match ty {
        T::I8 | T::U8 => *(ret as *mut u8) = *value as u8,
        T::I16 | T::U16 => *(ret as *mut u16) = *value as u16,
        T::I32 | T::U32 => *(ret as *mut u32) = *value as u32,
        _ => unreachable!(),
    }
}}

fn constant_closure(data: &(T, i64)) -> Closure {
    let plan = Arc::new(CallPlan::new(&[], data.0.clone()).unwrap());
    Closure::new(
        plan,
        return_constant,
        data as *const (T, i64) as *mut c_void,
    )
    .unwrap()
}

#[test]
fn closure_returning_i8_minus_one() {
    let data = (T::I8, -1i64);
    let c = constant_closure(&data);
    // Through libffi, as rcffi calls function pointers.
    let plan = CallPlan::new(&[], T::I8).unwrap();
    let r: i8 = unsafe { call(&plan, c.code_ptr(), &mut []) };
    assert_eq!(r, -1);
    // Directly, as C would.
    let f = unsafe { std::mem::transmute::<*const c_void, extern "C" fn() -> i8>(c.code_ptr()) };
    assert_eq!(f(), -1);
    // Compilers assume callees sign-extend small returns to 32 bits on x86-64.
    #[cfg(target_arch = "x86_64")]
    {
        let g =
            unsafe { std::mem::transmute::<*const c_void, extern "C" fn() -> i32>(c.code_ptr()) };
        assert_eq!(g(), -1);
    }
}

#[test]
fn closure_small_unsigned_returns_zero_extend() {
    for (ty, value, want) in [
        (T::U8, 0xFFi64, 255i64),
        (T::U16, 0xFFFF, 65535),
        (T::I16, -2, -2),
        (T::U32, 0xFFFF_FFFF, 0xFFFF_FFFF),
    ] {
        let data = (ty.clone(), value);
        let c = constant_closure(&data);
        let plan = CallPlan::new(&[], ty.clone()).unwrap();
        let got = unsafe {
            match ty {
                T::U8 => call::<u8>(&plan, c.code_ptr(), &mut []) as i64,
                T::U16 => call::<u16>(&plan, c.code_ptr(), &mut []) as i64,
                T::I16 => call::<i16>(&plan, c.code_ptr(), &mut []) as i64,
                T::U32 => call::<u32>(&plan, c.code_ptr(), &mut []) as i64,
                _ => unreachable!(),
            }
        };
        assert_eq!(got, want, "{ty:?}");
        #[cfg(target_arch = "x86_64")]
        if ty == T::U8 || ty == T::U16 {
            let g = unsafe {
                std::mem::transmute::<*const c_void, extern "C" fn() -> u32>(c.code_ptr())
            };
            assert_eq!(g() as i64, want, "{ty:?} zero-extended");
        }
    }
}

/// (i8, f64, u16, f32) -> f64: the handler sees every argument at its width.
unsafe extern "C" fn sum_mixed(_u: *mut c_void, ret: *mut c_void, args: *const *const c_void) { unsafe {
    let a = *(*args.add(0) as *const i8) as f64;
    let b = *(*args.add(1) as *const f64);
    let c = *(*args.add(2) as *const u16) as f64;
    let d = *(*args.add(3) as *const f32) as f64;
    *(ret as *mut f64) = a + b + c + d;
}}

#[test]
fn closure_with_mixed_arguments() {
    let plan = Arc::new(CallPlan::new(&[T::I8, T::F64, T::U16, T::F32], T::F64).unwrap());
    let c = Closure::new(plan, sum_mixed, std::ptr::null_mut()).unwrap();
    let f = unsafe {
        std::mem::transmute::<*const c_void, extern "C" fn(i8, f64, u16, f32) -> f64>(c.code_ptr())
    };
    assert_eq!(f(-7, 0.5, 60000, 2.25), -7.0 + 0.5 + 60000.0 + 2.25);
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct D3 {
    a: f64,
    b: f64,
    c: f64,
}

/// (D3) -> D3 reversed: struct argument and memory-returned struct.
unsafe extern "C" fn reverse_d3(_u: *mut c_void, ret: *mut c_void, args: *const *const c_void) { unsafe {
    let d = *(*args.add(0) as *const D3);
    *(ret as *mut D3) = D3 {
        a: d.c,
        b: d.b,
        c: d.a,
    };
}}

#[test]
fn closure_with_struct_argument_and_memory_return() {
    let t = T::Struct {
        size: 24,
        align: 8,
        elements: vec![T::F64; 3],
    };
    let plan = Arc::new(CallPlan::new(std::slice::from_ref(&t), t.clone()).unwrap());
    let c = Closure::new(Arc::clone(&plan), reverse_d3, std::ptr::null_mut()).unwrap();
    let f = unsafe { std::mem::transmute::<*const c_void, extern "C" fn(D3) -> D3>(c.code_ptr()) };
    assert_eq!(
        f(D3 {
            a: 1.0,
            b: 2.0,
            c: 3.0
        }),
        D3 {
            a: 3.0,
            b: 2.0,
            c: 1.0
        }
    );
    // And through a call plan, as rcffi would call it.
    let mut d = D3 {
        a: -1.0,
        b: 0.0,
        c: 8.0,
    };
    let r: D3 = unsafe { call(&plan, c.code_ptr(), &mut [arg(&mut d)]) };
    assert_eq!(
        r,
        D3 {
            a: 8.0,
            b: 0.0,
            c: -1.0
        }
    );
}

/// (i32, i32) -> struct { i32, i32 } in registers.
unsafe extern "C" fn make_pair(_u: *mut c_void, ret: *mut c_void, args: *const *const c_void) { unsafe {
    let x = *(*args.add(0) as *const i32);
    let y = *(*args.add(1) as *const i32);
    *(ret as *mut [i32; 2]) = [x * 10, y * 10];
}}

#[test]
fn closure_returning_small_struct() {
    #[repr(C)]
    #[derive(Debug, PartialEq)]
    struct P {
        x: i32,
        y: i32,
    }
    let t = T::Struct {
        size: 8,
        align: 4,
        elements: vec![T::I32, T::I32],
    };
    let plan = Arc::new(CallPlan::new(&[T::I32, T::I32], t).unwrap());
    let c = Closure::new(plan, make_pair, std::ptr::null_mut()).unwrap();
    let f =
        unsafe { std::mem::transmute::<*const c_void, extern "C" fn(i32, i32) -> P>(c.code_ptr()) };
    assert_eq!(f(4, -5), P { x: 40, y: -50 });
}

/// (f32) -> void: stores into the f32 userdata points to.
unsafe extern "C" fn store_f32(
    userdata: *mut c_void,
    _ret: *mut c_void,
    args: *const *const c_void,
) { unsafe {
    *(userdata as *mut f32) = *(*args.add(0) as *const f32);
}}

#[test]
fn void_closure_sees_its_userdata() {
    let mut slot = 0.0f32;
    let plan = Arc::new(CallPlan::new(&[T::F32], T::Void).unwrap());
    let c = Closure::new(plan, store_f32, &mut slot as *mut f32 as *mut c_void).unwrap();
    let f = unsafe { std::mem::transmute::<*const c_void, extern "C" fn(f32)>(c.code_ptr()) };
    f(6.5);
    assert_eq!(slot, 6.5);
}

#[test]
fn closures_are_freed_and_usable_from_other_threads() {
    fn assert_send_sync<X: Send + Sync>() {}
    assert_send_sync::<Closure>();
    let plan = Arc::new(CallPlan::new(&[T::Pointer, T::Pointer], T::I32).unwrap());
    let calls = Box::leak(Box::new(AtomicUsize::new(0)));
    // Many create/drop cycles exercise ffi_closure_free.
    for _ in 0..2000 {
        let c = Closure::new(
            Arc::clone(&plan),
            compare_i32,
            calls as *const AtomicUsize as *mut c_void,
        )
        .unwrap();
        drop(c);
    }
    let c = Arc::new(
        Closure::new(
            plan,
            compare_i32,
            calls as *const AtomicUsize as *mut c_void,
        )
        .unwrap(),
    );
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = Arc::clone(&c);
            std::thread::spawn(move || {
                let f = unsafe {
                    std::mem::transmute::<
                        *const c_void,
                        extern "C" fn(*const *const i32, *const *const i32) -> i32,
                    >(c.code_ptr())
                };
                let (a, b) = (1i32, 2i32);
                let (pa, pb) = (&a as *const i32, &b as *const i32);
                (f(&pa, &pb), f(&pb, &pa), f(&pa, &pa))
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), (-1, 1, 0));
    }
    assert_eq!(calls.load(Ordering::Relaxed), 12);
}
