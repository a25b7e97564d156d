//! `ffi.new` and `ffi.cast` as raw `METH_FASTCALL` methods of `FFIBase`.
//! They are the hottest `ffi` methods; a raw method skips PyO3's method
//! trampoline and argument parser (about 7 ns a call). Keyword arguments
//! and type strings not cached yet go to the PyO3 methods (`_new`,
//! `_cast`), which hold the full logic.

use std::ffi::{c_char, CStr};
use std::ptr;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::ctype::Kind;
use crate::ffi_obj::{self, FFIBase};

/// The slow path: the PyO3 method `name` with the same arguments.
// SAFETY (contract): GIL held; `slf` a live FFIBase, `args` `nargsf`
// live arguments, `kwnames` NULL or a tuple (vectorcall's contract).
unsafe fn delegate(
    slf: *mut ffi::PyObject,
    name: &CStr,
    args: *const *mut ffi::PyObject,
    nargsf: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    let method = ffi::PyObject_GetAttrString(slf, name.as_ptr());
    if method.is_null() {
        return ptr::null_mut();
    }
    let r = ffi::PyObject_Vectorcall(method, args, nargsf as usize, kwnames);
    ffi::Py_DECREF(method);
    r
}}

/// Run `f` on the `FFIBase` behind `slf` with its two positional
/// arguments, or fall back to `slow` when the call shape is unusual or
/// the type string is not cached.
// SAFETY (contract): as `delegate`. `slf` is an FFIBase: the method
// descriptor checks `self`'s type before calling (`FFIBase` is frozen, so
// `get()` needs no borrow flag); `*args` is read only when `nargs >= 1`
// (`nargs_ok` refuses 0), `*args.add(1)` only when `nargs > 1`.
unsafe fn with_two_args(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
    slow: &CStr,
    nargs_ok: impl Fn(isize) -> bool,
    f: impl for<'py> FnOnce(Python<'py>, &FFIBase, Bound<'py, crate::ctype::CType>, Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>>,
) -> *mut ffi::PyObject { unsafe {
    let nargs = ffi::PyVectorcall_NARGS(nargsf as usize);
    if !kwnames.is_null() || !nargs_ok(nargs) {
        return delegate(slf, slow, args, nargsf, kwnames);
    }
    crate::entry::attached_obj(|py| {
    // FFIBase is frozen: shared access needs no borrow flag.
    let this = Bound::from_borrowed_ptr(py, slf).cast_into_unchecked::<FFIBase>();
    let this = this.get();
    let cdecl = Bound::from_borrowed_ptr(py, *args);
    let ct = match cdecl.cast::<crate::ctype::CType>() {
        Ok(ct) => Some(ct.clone()),
        Err(_) => this.cached_type(py, &cdecl),
    };
    let Some(ct) = ct else {
        return delegate(slf, slow, args, nargsf, kwnames);
    };
    if ct.get().kind == Kind::Function {
        return delegate(slf, slow, args, nargsf, kwnames);
    }
    let second = if nargs > 1 { Some(Bound::from_borrowed_ptr(py, *args.add(1))) } else { None };
    match f(py, this, ct, second) {
        Ok(o) => o.into_ptr(),
        Err(e) => {
            e.restore(py);
            ptr::null_mut()
        }
    }
    })
}}

// SAFETY: a METH_FASTCALL|KEYWORDS method of FFIBase (see `with_two_args`).
unsafe extern "C" fn new_fast(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    with_two_args(slf, args, nargsf, kwnames, c"_new", |n| n == 1 || n == 2, |py, _, ct, init| {
        ffi_obj::new_owned(py, ct.as_unbound(), init.as_ref())
    })
}}

// SAFETY: a METH_FASTCALL|KEYWORDS method of FFIBase (see `with_two_args`).
unsafe extern "C" fn cast_fast(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    with_two_args(slf, args, nargsf, kwnames, c"_cast", |n| n == 2, |py, _, ct, source| {
        crate::cast::cast(py, ct.as_unbound(), source.as_ref().expect("two arguments"))
    })
}}

fn method_def(name: &'static CStr, f: ffi::PyCFunctionFastWithKeywords, doc: &'static CStr) -> ffi::PyMethodDef {
    ffi::PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: ffi::PyMethodDefPointer { PyCFunctionFastWithKeywords: f },
        ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: doc.as_ptr() as *const c_char,
    }
}

/// Put the raw `new` and `cast` descriptors on the `FFIBase` type.
pub fn install(py: Python<'_>, tp: &Bound<'_, PyType>) -> PyResult<()> {
    let defs: &'static mut [ffi::PyMethodDef] = Box::leak(Box::new([
        method_def(c"new", new_fast, c"new(cdecl, init=None)\n--\n\nAllocate an instance according to the specified C type and return a pointer to it."),
        method_def(c"cast", cast_fast, c"cast(cdecl, source)\n--\n\nSimilar to a C cast: returns an instance of the named C type initialized with the given 'source'."),
    ]));
    for def in defs.iter_mut() {
        // SAFETY: the definition is leaked ('static); the type is a heap type we own.
        unsafe {
            let descr = ffi::PyDescr_NewMethod(tp.as_type_ptr(), def);
            let descr = Bound::from_owned_ptr_or_err(py, descr)?;
            let name = CStr::from_ptr(def.ml_name).to_str().expect("ascii");
            tp.setattr(name, descr)?;
        }
    }
    Ok(())
}
