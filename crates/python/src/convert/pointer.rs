//! Pointers (data and function pointers): only cdata convert implicitly.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::cdata;
use crate::ctype::{CType, Kind};

/// Whether a cdata of type `src` may be stored into a pointer of type `dst`
/// without a cast: same pointee, an array of it, or `void *` on either side.
pub fn compatible(dst: &CType, src: &CType) -> bool {
    if !matches!(src.kind, Kind::Pointer | Kind::Array) {
        return false;
    }
    let (di, si) = (dst.item().get(), src.item().get());
    std::ptr::eq(di, si)
        || di.kind == Kind::Void
        || (si.kind == Kind::Void && src.kind == Kind::Pointer)
}

/// The address a pointer-compatible cdata stands for.
pub fn address_of(cd: &cdata::CDataObject) -> *mut u8 {
    cd.ptr
}

/// # Safety
/// `dst` points to 8 writable bytes.
pub unsafe fn store(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>, dst: *mut u8) -> PyResult<()> {
    let value = extract(py, ct, obj)?;
    (dst as *mut *mut u8).write_unaligned(value);
    Ok(())
}

/// The pointer value of `obj` for a `ct` slot, with cffi's checks.
pub fn extract(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>) -> PyResult<*mut u8> {
    if let Some(cd) = cdata::as_cdata(py, obj) {
        let src = cd.ctype();
        if compatible(ct, src) {
            return Ok(cd.ptr);
        }
        return Err(PyTypeError::new_err(format!(
            "initializer for ctype '{}' must be a {}, not cdata '{}'",
            ct.cname,
            if ct.item().get().kind == Kind::Function { "cdata function pointer".to_string() } else { format!("'{}'", ct.cname) },
            src.cname
        )));
    }
    Err(PyTypeError::new_err(format!(
        "initializer for ctype '{}' must be a cdata pointer, not {}",
        ct.cname,
        super::describe(py, obj)
    )))
}
