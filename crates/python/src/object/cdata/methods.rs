//! Python-level methods of cdata: the context-manager protocol, `__dir__`
//! and `__complex__`.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyList;

use super::slots::{cd, ret_obj};
use crate::ctype::{Conv, Kind};

pub fn method_defs() -> Vec<ffi::PyMethodDef> {
    vec![
        ffi::PyMethodDef {
            ml_name: c"__enter__".as_ptr(),
            ml_meth: ffi::PyMethodDefPointer { PyCFunction: enter },
            ml_flags: ffi::METH_NOARGS,
            ml_doc: std::ptr::null(),
        },
        ffi::PyMethodDef {
            ml_name: c"__exit__".as_ptr(),
            ml_meth: ffi::PyMethodDefPointer { PyCFunctionFast: exit },
            ml_flags: ffi::METH_FASTCALL,
            ml_doc: std::ptr::null(),
        },
        ffi::PyMethodDef {
            ml_name: c"__dir__".as_ptr(),
            ml_meth: ffi::PyMethodDefPointer { PyCFunction: dir },
            ml_flags: ffi::METH_NOARGS,
            ml_doc: std::ptr::null(),
        },
        ffi::PyMethodDef {
            ml_name: c"__complex__".as_ptr(),
            ml_meth: ffi::PyMethodDefPointer { PyCFunction: complex },
            ml_flags: ffi::METH_NOARGS,
            ml_doc: std::ptr::null(),
        },
        // The type is a BASETYPE only for rcffi's own gc subtypes (made by
        // PyType_FromSpecWithBases, which does not call this): a class
        // statement deriving from it is refused, as cffi's cdata types are
        // not acceptable bases.
        ffi::PyMethodDef {
            ml_name: c"__init_subclass__".as_ptr(),
            ml_meth: ffi::PyMethodDefPointer { PyCFunctionWithKeywords: init_subclass },
            ml_flags: ffi::METH_CLASS | ffi::METH_VARARGS | ffi::METH_KEYWORDS,
            ml_doc: std::ptr::null(),
        },
        ffi::PyMethodDef::zeroed(),
    ]
}

// SAFETY: a METH_VARARGS|KEYWORDS class method: GIL held; only raises.
unsafe extern "C" fn init_subclass(_cls: *mut ffi::PyObject, _args: *mut ffi::PyObject, _kw: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    ffi::PyErr_SetString(ffi::PyExc_TypeError, c"type '_cffi_backend._CDataBase' is not an acceptable base type".as_ptr());
    std::ptr::null_mut()
}}

// SAFETY: a METH_NOARGS method: GIL held, `slf` a live cdata.
unsafe extern "C" fn enter(slf: *mut ffi::PyObject, _: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    ffi::compat::Py_NewRef(slf)
}}

// SAFETY: a METH_FASTCALL method: GIL held, `slf` a live cdata; the
// arguments are not read.
unsafe extern "C" fn exit(slf: *mut ffi::PyObject, _args: *mut *mut ffi::PyObject, _n: ffi::Py_ssize_t) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| exit_attached(py, slf, _args, _n))
}}

// SAFETY: as `exit`; `lifetime::release` keeps the lifetime rules.
unsafe fn exit_attached(py: Python<'_>, slf: *mut ffi::PyObject, _args: *mut *mut ffi::PyObject, _n: ffi::Py_ssize_t) -> *mut ffi::PyObject { unsafe {
    ret_obj(py, super::lifetime::release(py, &Bound::from_borrowed_ptr(py, slf)).map(|_| py.None().into_bound(py)))
}}

// SAFETY: a METH_NOARGS method: GIL held, `slf` a live cdata.
unsafe extern "C" fn dir(slf: *mut ffi::PyObject, _: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| dir_attached(py, slf, std::ptr::null_mut()))
}}

// SAFETY: as `dir`; only the ctype's field names are read.
unsafe fn dir_attached(py: Python<'_>, slf: *mut ffi::PyObject, _: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let c = cd(slf);
    let ct = c.ctype();
    let rec = match ct.kind {
        Kind::Struct | Kind::Union => Some(ct),
        Kind::Pointer if ct.is_record_ptr() => Some(ct.item().get()),
        _ => None,
    };
    let r = (|| {
        let list = PyList::empty(py);
        if let Some(rec) = rec {
            if let Ok(info) = rec.record_info(py) {
                for f in &info.fields {
                    list.append(&f.name)?;
                }
            }
        }
        Ok(list.into_any())
    })();
    ret_obj(py, r)
}}

// SAFETY: a METH_NOARGS method: GIL held, `slf` a live cdata.
unsafe extern "C" fn complex(slf: *mut ffi::PyObject, _: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| complex_attached(py, slf))
}}

/// `complex(cdata)`: only the `_Complex` types, as cffi (a `float` or `int`
/// cdata is refused, as `float()` of an `int` cdata is).
// SAFETY: as `complex`; a complex primitive's `ptr` points at its 8 or
// 16 bytes, never NULL (see slots.rs `primitive_value`).
unsafe fn complex_attached(py: Python<'_>, slf: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let c = cd(slf);
    let ct = c.ctype();
    let r = match ct.conv {
        Conv::FloatComplex | Conv::DoubleComplex => crate::convert::read(py, &c.ctype_obj(py), c.ptr.get()),
        _ => Err(pyo3::exceptions::PyTypeError::new_err(format!("complex() not supported on cdata '{}'", ct.cname))),
    };
    ret_obj(py, r)
}}
