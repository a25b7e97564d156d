//! A specialised vectorcall entry for functions whose arguments are C
//! integers or pointers and whose result is an integer, a data pointer or
//! `void` (`int abs(int)`, `int f(struct s *, long)`, `struct node
//! *next(struct node *)`, ...), the most common foreign calls. A function-pointer cdata starts on the generic
//! entry (`call::cdata_vectorcall`); on its first call, if the signature
//! qualifies, the instance switches to this one. Anything unusual (keyword
//! arguments, a wrong count, a non-`int` argument, a value out of range, a
//! pointer argument that is not a cdata of exactly the parameter's type or
//! an array of its items)
//! goes back to the generic entry, which raises cffi's errors.

use std::ffi::c_void;

use pyo3::ffi;

use crate::call::{cdata_vectorcall, foreign_begin, foreign_end, CallSpec};
use crate::cdata::CDataObject;
use crate::ctype::{CType, Conv};

/// How one argument of a specialised signature is taken.
enum ArgKind {
    /// A Python int within this inclusive range.
    Int(i64, i64),
    /// A cdata of exactly this pointer type (the common case of passing
    /// back a pointer the library gave, or `ffi.new("T *")`), or an array
    /// of its items.
    Pointer(*const CType),
}

// SAFETY: the pointer names a CType kept alive by the function type's
// argument list (ctypes are never freed while referenced); only compared.
unsafe impl Send for ArgKind {}
unsafe impl Sync for ArgKind {}

/// What a specialised signature returns.
enum ResultKind {
    Void,
    /// An integer of `size` bytes.
    Int(u8, bool),
    /// A data pointer: a new cdata of this type (the CType object, kept
    /// alive by the function type's result, as above).
    Pointer(*mut ffi::PyObject),
}

/// Argument kinds and result shape of an integer/pointer signature.
pub struct IntSig {
    args: Vec<ArgKind>,
    result: ResultKind,
}

// SAFETY: as `ArgKind`: a CType object kept alive by the function type,
// only used with the GIL held.
unsafe impl Send for ResultKind {}
unsafe impl Sync for ResultKind {}

impl IntSig {
    /// The integer signature of `args -> result`, if it is one (at most
    /// the direct-call register count, no 64-bit unsigned arguments, whose
    /// upper half needs the generic path's conversion).
    pub fn of(args: &[pyo3::Py<CType>], result: &pyo3::Py<CType>) -> Option<IntSig> {
        if args.len() > native::direct::MAX_ARGS {
            return None;
        }
        let mut ranges = Vec::with_capacity(args.len());
        for a in args {
            let c = a.get();
            match c.conv {
                Conv::Int { size, signed } if signed || size < 8 => {
                    let (lo, hi) = crate::convert::integer::range(size, signed);
                    ranges.push(ArgKind::Int(lo as i64, hi as i64));
                }
                Conv::Pointer => ranges.push(ArgKind::Pointer(c as *const CType)),
                _ => return None,
            }
        }
        let rc = result.get();
        let result = match rc.conv {
            Conv::Void => ResultKind::Void,
            Conv::Int { size, signed } => ResultKind::Int(size, signed),
            // a function pointer result has its own call entry: general path
            Conv::Pointer if !rc.is_function_pointer() => ResultKind::Pointer(result.as_ptr()),
            _ => return None,
        };
        Some(IntSig { args: ranges, result })
    }
}

/// Whether ints have CPython 3.9–3.11's layout with 30-bit digits (checked
/// once at import against `sys.int_info`), so small ones can be read from
/// their digit without a call.
static DIGITS_30: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn init(py: pyo3::Python<'_>) {
    use pyo3::prelude::*;
    let layout_known = cfg!(not(any(Py_3_12, Py_LIMITED_API, PyPy)));
    let info = crate::state::sys_attr(py, c"int_info");
    let digits_30 = info.is_ok_and(|i| {
        i.getattr("bits_per_digit").and_then(|b| b.extract::<u32>()).ok() == Some(30)
            && i.getattr("sizeof_digit").and_then(|b| b.extract::<u32>()).ok() == Some(4)
    });
    DIGITS_30.store(layout_known && digits_30, std::sync::atomic::Ordering::Relaxed);
}

/// The value of an exact `int` of at most one digit, read directly.
#[inline]
// SAFETY (contract): `obj` is an exact int and DIGITS_30 says the layout
// is 3.9-3.11's (ob_size, then 30-bit digits in u32): one digit is read
// only when ob_size is -1, 0 or 1. A zero (0) reads digit[0] and
// multiplies it by 0: the small-int zero has that digit; a zero built
// with no digit storage (rare on 3.9-3.10) has its 4 bytes inside its
// pymalloc block (24 bytes of header in a 16-byte-multiple block).
unsafe fn one_digit_int(obj: *mut ffi::PyObject) -> Option<i64> { unsafe {
    if !DIGITS_30.load(std::sync::atomic::Ordering::Relaxed) {
        return None;
    }
    let size = (*(obj as *mut ffi::PyVarObject)).ob_size;
    if !(-1..=1).contains(&size) {
        return None;
    }
    let digit = *((obj as *const u8).add(std::mem::size_of::<ffi::PyVarObject>()) as *const u32);
    Some(size as i64 * digit as i64)
}}

/// An integer argument: an exact `int` within `lo..=hi`, or `None` (the
/// generic entry converts it, or raises). Runs no Python code.
///
/// # Safety
/// GIL held; `obj` is a live object.
#[inline(always)]
pub(crate) unsafe fn int_arg(obj: *mut ffi::PyObject, lo: i64, hi: i64) -> Option<i64> { unsafe {
    if ffi::PyLong_CheckExact(obj) == 0 {
        return None;
    }
    let v = match one_digit_int(obj) {
        Some(v) => v,
        None => {
            let mut overflow = 0;
            let v = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
            if overflow != 0 {
                return None;
            }
            v
        }
    };
    if v < lo || v > hi {
        return None;
    }
    Some(v)
}}

/// A pointer argument: a cdata of exactly the parameter's type `param`
/// (or an array of its items), not released, its memory held in `holds`
/// for the call; `None` otherwise (the generic entry converts or raises).
/// Runs no Python code.
///
/// # Safety
/// GIL held; `obj` is a live object; `param` a live CType.
#[inline(always)]
pub(crate) unsafe fn pointer_arg(py: pyo3::Python<'_>, obj: *mut ffi::PyObject, param: *const CType, holds: &mut Option<Holds>) -> Option<u64> { unsafe {
    if !crate::cdata::is_cdata(py, obj) {
        return None;
    }
    let arg = &*(obj as *const CDataObject);
    let act = arg.ctype();
    // the parameter's type, or an array of its items (which
    // decays to it, as in C: `char buf[]` for `const char *`)
    let same = std::ptr::eq(act, param)
        || (act.kind == crate::ctype::Kind::Array && std::ptr::eq(act.item().get(), (*param).item().get()));
    if !same || arg.is_released() {
        return None;
    }
    if !hold(holds, obj) {
        return None;
    }
    Some(arg.ptr.get() as u64)
}}

/// Make `callable` (a function-pointer cdata whose spec has an `IntSig`)
/// use the specialised entry; `inline[1]` remembers the spec (it lives as
/// long as the function type, which the cdata keeps alive).
///
/// # Safety
/// `callable` is a function-pointer cdata of the function type of `spec`.
pub(crate) unsafe fn switch_to_int_entry(callable: *mut ffi::PyObject, spec: &CallSpec) { unsafe {
    let cd = callable as *mut CDataObject;
    (*cd).inline[1].set(spec as *const CallSpec as usize as u64);
    (*cd).vectorcall.set(Some(int_vectorcall));
}}

/// The specialised entry (see the module comment).
// SAFETY: a vectorcall entry (see `int_entry`).
pub(crate) unsafe extern "C" fn int_vectorcall(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    int_entry(callable, args, nargsf, kwnames)
}}

/// Whether `vc` is the specialised entry: a caller holding the cdata's
/// entry may then run [`int_entry`] in place (a call less; lib_function.rs).
#[inline(always)]
pub(crate) fn is_int_entry(vc: ffi::vectorcallfunc) -> bool {
    vc as usize == int_vectorcall as *const () as usize
}

/// The body of [`int_vectorcall`], for callers that checked `is_int_entry`.
///
/// # Safety
/// As a vectorcall function: GIL held, `callable` a function-pointer cdata
/// whose entry is `int_vectorcall`, `args` its `nargsf` arguments.
#[inline(always)]
// SAFETY (contract): see the doc comment above.
pub(crate) unsafe fn int_entry(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    call_holding(int_call, cdata_vectorcall, callable, args, nargsf, kwnames)
}}

/// A fast entry's call (`fast`: `None`, before anything is called, when it
/// cannot make it) with the holds it took released once it returns, or
/// else the general entry's (`general`: converts or raises cffi's errors).
/// A callback during the call (or another thread while the GIL is
/// released) may release a cdata argument or the function itself: their
/// memory is held until the call returns (cdata/lifetime.rs); the holds
/// are made for the first argument that is some root's memory: most calls
/// hold nothing, and pay nothing for it.
///
/// # Safety
/// As a vectorcall function, for both entries.
#[inline(always)]
// SAFETY (contract): see the doc comment above. `holds` outlives the
// foreign call and is dropped before the general entry runs.
pub(crate) unsafe fn call_holding(
    fast: unsafe fn(*mut ffi::PyObject, *const *mut ffi::PyObject, usize, *mut ffi::PyObject, &mut Option<Holds>) -> Option<*mut ffi::PyObject>,
    general: unsafe extern "C" fn(*mut ffi::PyObject, *const *mut ffi::PyObject, usize, *mut ffi::PyObject) -> *mut ffi::PyObject,
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    let mut holds: Option<Holds> = None;
    let r = fast(callable, args, nargsf, kwnames, &mut holds);
    if let Some(h) = holds {
        h.release();
    }
    match r {
        Some(result) => result,
        None => general(callable, args, nargsf, kwnames),
    }
}}

/// Holds of one call: its arguments and the function.
pub(crate) type Holds = crate::cdata::FewHolds<{ native::direct::MAX_ARGS + 1 }>;

/// Hold the memory of `obj` if it is some root's; `false` if it could not.
#[inline(always)]
// SAFETY (contract): GIL held, `obj` a live cdata.
pub(crate) unsafe fn hold(holds: &mut Option<Holds>, obj: *mut ffi::PyObject) -> bool { unsafe {
    if crate::cdata::lifetime::memory_root(obj).is_none() {
        return true;
    }
    holds.get_or_insert_with(Holds::new).add(obj)
}}

/// The call, or `None` for the generic entry to make it (and raise
/// cffi's errors).
#[inline(always)]
// SAFETY (contract): as `int_entry`. No Python code runs between reading
// `cd.ptr` (checked non-NULL) and the call: `int_arg`/`pointer_arg` only
// read objects; the GIL is released only around the foreign call.
unsafe fn int_call(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
    holds: &mut Option<Holds>,
) -> Option<*mut ffi::PyObject> { unsafe {
    let cd = &*(callable as *const CDataObject);
    // Set by switch_to_int_entry, with a spec that has an IntSig.
    let spec = &*(cd.inline[1].get() as usize as *const CallSpec);
    let sig = spec.int_sig.as_ref()?;
    let nargs = ffi::PyVectorcall_NARGS(nargsf) as usize;
    if !kwnames.is_null() || nargs != sig.args.len() {
        return None;
    }
    if cd.ptr.get().is_null() {
        // released: the generic entry raises
        return None;
    }
    let mut words = [0u64; native::direct::MAX_ARGS];
    if !hold(holds, callable) {
        return None;
    }
    let py = pyo3::Python::assume_attached();
    for (k, kind) in sig.args.iter().enumerate() {
        let obj = *args.add(k);
        words[k] = match *kind {
            ArgKind::Int(lo, hi) => int_arg(obj, lo, hi)? as u64,
            ArgKind::Pointer(param) => pointer_arg(py, obj, param, holds)?,
        };
    }
    let fnptr = cd.ptr.get() as *const c_void;
    let released = foreign_begin();
    let r = native::direct::call(fnptr, &words[..nargs], native::direct::DirectRet::Word);
    foreign_end(released);
    Some(match sig.result {
        ResultKind::Void => ffi::compat::Py_NewRef(ffi::Py_None()),
        ResultKind::Int(size, signed) => crate::call::int_result(r.word, size, signed),
        // a borrowed pointer cdata: its owner holds no Python object, so
        // it is made here without PyO3 (cdata::new_cdata_raw)
        ResultKind::Pointer(ct) => {
            crate::cdata::new_cdata_raw(ct, crate::cdata::ctype_ref(ct), r.word as usize as *mut u8, crate::cdata::Owner::Borrowed)
        }
    })
}}
