//! A specialised entry for API-mode functions called through the module's
//! C trampoline (`void t(void **args, void *result)`, see
//! `call::trampoline_vectorcall`) whose arguments are C integers, data
//! pointers or `float`/`double` and whose result is a struct or union (or
//! a scalar): `struct point make_point(int, int)`, `struct s f(double,
//! struct t *)`, ... The general path runs attached (entry.rs), converts
//! each argument through the generic conversions into 16-byte slots,
//! returns the result into a stack buffer and copies it into a fresh
//! `calloc` block. This one converts the common argument shapes directly
//! (as call_int.rs), lets the trampoline write the result straight into
//! the memory the result cdata will own (one allocation, no copy), and
//! drops no `Py<T>`, so it needs no attach.
//!
//! A function-pointer cdata starts on `call::trampoline_vectorcall`; on
//! its first call, if the signature qualifies, it switches to this entry.
//! Anything unusual (keyword arguments, a wrong count, an argument of
//! another Python type, a value out of range, a pointer argument that is
//! not a cdata of exactly the parameter's type) goes back to the general
//! entry, which converts or raises cffi's errors.

use std::ffi::c_void;

use pyo3::ffi;

use crate::call::{foreign_call, CallSpec, Trampoline};
use crate::call_int::{int_arg, pointer_arg, Holds};
use crate::cdata::{CDataObject, Owner};
use crate::ctype::{CType, Conv};

/// At most this many arguments (the slots are on the stack).
const MAX_ARGS: usize = 8;

/// How one argument is taken.
enum Arg {
    /// A Python int within this inclusive range, stored sign-extended in
    /// its 8-byte slot (the trampoline reads the C type's low bytes).
    Int(i64, i64),
    /// A cdata of exactly this pointer type, or an array of its items.
    Pointer(*const CType),
    /// An exact `float`, as a C `double`.
    Double,
    /// An exact `float`, as a C `float` (the low 4 bytes of its slot).
    Float,
}

/// What the function returns.
enum Ret {
    Void,
    Int(u8, bool),
    /// A data pointer: a new borrowed cdata of this type.
    Pointer(*mut ffi::PyObject),
    Double,
    Float,
    /// A struct or union of `size` bytes: a new cdata of this type owning
    /// the memory the trampoline wrote it into.
    Record(*mut ffi::PyObject, usize),
}

/// Argument kinds and result of a trampoline signature.
pub struct TrampSig {
    args: Vec<Arg>,
    ret: Ret,
}

// SAFETY: the pointers name CType objects kept alive by the function
// type's argument list and result (ctypes are not freed while referenced);
// only read with the GIL held.
unsafe impl Send for TrampSig {}
unsafe impl Sync for TrampSig {}

impl TrampSig {
    /// The signature of `args -> result` if this entry can call it:
    /// integers (not 64-bit unsigned, whose upper half needs the general
    /// conversion), data pointers, `float`, `double`; a result of one of
    /// those, `void`, or a complete struct or union that `malloc`'s
    /// alignment suits. Little-endian only (arguments sit in the low bytes
    /// of their slot).
    pub fn of(py: pyo3::Python<'_>, args: &[pyo3::Py<CType>], result: &pyo3::Py<CType>) -> Option<TrampSig> {
        if !cfg!(target_endian = "little") || args.len() > MAX_ARGS {
            return None;
        }
        let mut kinds = Vec::with_capacity(args.len());
        for a in args {
            let c = a.get();
            kinds.push(match c.conv {
                Conv::Int { size, signed } if signed || size < 8 => {
                    let (lo, hi) = crate::convert::integer::range(size, signed);
                    Arg::Int(lo as i64, hi as i64)
                }
                Conv::Pointer if !c.is_function_pointer() => Arg::Pointer(c as *const CType),
                Conv::Double => Arg::Double,
                Conv::Float => Arg::Float,
                _ => return None,
            });
        }
        let rc = result.get();
        let ret = match rc.conv {
            Conv::Void => Ret::Void,
            Conv::Int { size, signed } if size <= 8 => Ret::Int(size, signed),
            Conv::Pointer if !rc.is_function_pointer() => Ret::Pointer(result.as_ptr()),
            Conv::Double => Ret::Double,
            Conv::Float => Ret::Float,
            Conv::Record => {
                let (size, align) = rc.size_align(py).ok()?;
                // malloc's blocks are aligned for any fundamental type
                if align > 16 || size == 0 {
                    return None;
                }
                Ret::Record(result.as_ptr(), size)
            }
            _ => return None,
        };
        Some(TrampSig { args: kinds, ret })
    }
}

/// Make `callable` (an API-mode function cdata of the function type of
/// `spec`, whose spec has a `TrampSig`) use this entry; `inline[1]`
/// remembers the spec (it lives as long as the function type, which the
/// cdata keeps alive; `inline[0]` keeps the trampoline).
///
/// # Safety
/// `callable` is such a cdata.
pub(crate) unsafe fn switch_to_tramp_entry(callable: *mut ffi::PyObject, spec: &CallSpec) { unsafe {
    let cd = callable as *mut CDataObject;
    (*cd).inline[1].set(spec as *const CallSpec as usize as u64);
    (*cd).vectorcall.set(Some(tramp_vectorcall));
}}

/// The specialised entry (see the module comment).
// SAFETY: a vectorcall entry: GIL held, `callable` a compiled module's
// function cdata switched to this entry (`switch_to_tramp_entry`), `args`
// its `nargsf` live arguments.
pub(crate) unsafe extern "C" fn tramp_vectorcall(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    crate::call_int::call_holding(tramp_call, crate::call::trampoline_vectorcall, callable, args, nargsf, kwnames)
}}

/// The call, or `None` (before anything is called) for the general entry
/// to make it or raise cffi's errors.
#[inline(always)]
// SAFETY (contract): as `tramp_vectorcall`. `int_arg`/`pointer_arg` and
// the float checks run no Python code and allocate nothing, so nothing can
// release an argument between its address being read and the call; the
// pointer arguments' memory is held (`holds`) until the call returned;
// `inline[0]` (the trampoline) and `inline[1]` (the spec) are set once.
unsafe fn tramp_call(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
    holds: &mut Option<Holds>,
) -> Option<*mut ffi::PyObject> { unsafe {
    let cd = &*(callable as *const CDataObject);
    // Set by switch_to_tramp_entry, with a spec that has a TrampSig; the
    // function type (and so the spec) lives while the cdata does.
    let spec = &*(cd.inline[1].get() as usize as *const CallSpec);
    let sig = spec.tramp_sig.as_ref()?;
    let nargs = ffi::PyVectorcall_NARGS(nargsf) as usize;
    if !kwnames.is_null() || nargs != sig.args.len() {
        return None;
    }
    let py = pyo3::Python::assume_attached();
    let mut slots = [0u64; MAX_ARGS];
    for (k, kind) in sig.args.iter().enumerate() {
        let obj = *args.add(k);
        slots[k] = match *kind {
            Arg::Int(lo, hi) => int_arg(obj, lo, hi)? as u64,
            Arg::Pointer(param) => pointer_arg(py, obj, param, holds)?,
            Arg::Double if ffi::PyFloat_CheckExact(obj) != 0 => ffi::PyFloat_AS_DOUBLE(obj).to_bits(),
            Arg::Float if ffi::PyFloat_CheckExact(obj) != 0 => u64::from((ffi::PyFloat_AS_DOUBLE(obj) as f32).to_bits()),
            _ => return None,
        };
    }
    let mut ptrs = [std::ptr::null_mut::<c_void>(); MAX_ARGS];
    for (p, slot) in ptrs.iter_mut().zip(slots.iter_mut()) {
        *p = slot as *mut u64 as *mut c_void;
    }
    // Set by the module at import: this function's trampoline.
    let tramp = std::mem::transmute::<u64, Trampoline>(cd.inline[0].get());
    if let Ret::Record(ct, size) = sig.ret {
        // The memory the result cdata owns, written by the trampoline
        // (allocated first: a failure raises before anything is called).
        let mem = crate::cdata::new::alloc_zeroed(size);
        if mem.is_null() {
            ffi::PyErr_NoMemory();
            return Some(std::ptr::null_mut());
        }
        foreign_call(|| tramp(ptrs.as_mut_ptr(), mem as *mut c_void));
        let obj = crate::cdata::new_cdata_raw(ct, crate::cdata::ctype_ref(ct), mem, Owner::Malloc { size });
        if obj.is_null() {
            libc::free(mem as *mut libc::c_void);
        }
        return Some(obj);
    }
    // Scalar results: the trampoline stores the C type's bytes.
    let mut ret = [0u64; 2];
    foreign_call(|| tramp(ptrs.as_mut_ptr(), ret.as_mut_ptr() as *mut c_void));
    let at = ret.as_ptr() as *const u8;
    Some(match sig.ret {
        Ret::Void => ffi::compat::Py_NewRef(ffi::Py_None()),
        Ret::Int(size, signed) => crate::call::int_result(ret[0], size, signed),
        Ret::Pointer(ct) => crate::cdata::new_cdata_raw(ct, crate::cdata::ctype_ref(ct), (at as *const *mut u8).read(), Owner::Borrowed),
        Ret::Double => ffi::PyFloat_FromDouble((at as *const f64).read()),
        Ret::Float => ffi::PyFloat_FromDouble(f64::from((at as *const f32).read())),
        Ret::Record(..) => unreachable!("handled above"),
    })
}}
