//! A specialised vectorcall entry for functions whose arguments and result
//! are all C integers (`int abs(int)`, `long f(long, int)`, ...), the most
//! common foreign calls. A function-pointer cdata starts on the generic
//! entry (`call::cdata_vectorcall`); on its first call, if the signature
//! qualifies, the instance switches to this one. Anything unusual (keyword
//! arguments, a wrong count, a non-`int` argument, a value out of range)
//! goes back to the generic entry, which raises cffi's errors.

use std::ffi::c_void;

use pyo3::ffi;

use crate::call::{cdata_vectorcall, foreign_call, CallSpec};
use crate::cdata::CDataObject;
use crate::ctype::{CType, Conv};

/// Argument ranges and result shape of an all-integer signature.
pub struct IntSig {
    /// Inclusive range each argument must fit, as i64.
    args: Vec<(i64, i64)>,
    /// `(size, signed)` of the result; `None` for `void`.
    result: Option<(u8, bool)>,
}

impl IntSig {
    /// The integer signature of `args -> result`, if it is one (at most
    /// the direct-call register count, no 64-bit unsigned arguments, whose
    /// upper half needs the generic path's conversion).
    pub fn of(args: &[pyo3::Py<CType>], result: &CType) -> Option<IntSig> {
        if args.len() > native::direct::MAX_ARGS {
            return None;
        }
        let mut ranges = Vec::with_capacity(args.len());
        for a in args {
            match a.get().conv {
                Conv::Int { size, signed } if signed || size < 8 => {
                    let (lo, hi) = crate::convert::integer::range(size, signed);
                    ranges.push((lo as i64, hi as i64));
                }
                _ => return None,
            }
        }
        let result = match result.conv {
            Conv::Void => None,
            Conv::Int { size, signed } => Some((size, signed)),
            _ => return None,
        };
        Some(IntSig { args: ranges, result })
    }
}

/// The specialised entry (see the module comment).
pub(crate) unsafe extern "C" fn int_vectorcall(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let cd = &*(callable as *const CDataObject);
    let spec: &CallSpec = match cd.ctype().item().get().call_spec.get() {
        Some(s) => s,
        None => return cdata_vectorcall(callable, args, nargsf, kwnames),
    };
    let Some(sig) = spec.int_sig.as_ref() else {
        return cdata_vectorcall(callable, args, nargsf, kwnames);
    };
    let nargs = ffi::PyVectorcall_NARGS(nargsf) as usize;
    if !kwnames.is_null() || nargs != sig.args.len() {
        return cdata_vectorcall(callable, args, nargsf, kwnames);
    }
    let mut words = [0u64; native::direct::MAX_ARGS];
    for (k, &(lo, hi)) in sig.args.iter().enumerate() {
        let obj = *args.add(k);
        if ffi::PyLong_CheckExact(obj) == 0 {
            return cdata_vectorcall(callable, args, nargsf, kwnames);
        }
        let mut overflow = 0;
        let v = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
        if overflow != 0 || v < lo || v > hi {
            return cdata_vectorcall(callable, args, nargsf, kwnames);
        }
        words[k] = v as u64;
    }
    let fnptr = cd.ptr as *const c_void;
    let r = foreign_call(|| native::direct::call(fnptr, &words[..nargs], native::direct::DirectRet::Word));
    match sig.result {
        None => ffi::Py_NewRef(ffi::Py_None()),
        Some((size, signed)) => crate::call::int_result(r.word, size, signed),
    }
}
