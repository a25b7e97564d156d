//! Pointers (data and function pointers): only cdata convert implicitly.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::cdata;
use crate::ctype::{CType, Conv, Kind};

/// cffi's rule for storing a `src` cdata into a `dst` pointer slot; the
/// error names what was expected.
fn check(dst: &CType, src: &CType) -> Result<(), &'static str> {
    if !matches!(src.kind, Kind::Pointer | Kind::Array) {
        return Err("pointer or array");
    }
    let (di, si) = (dst.item().get(), src.item().get());
    if std::ptr::eq(di, si) || di.kind == Kind::Void || si.kind == Kind::Void {
        return Ok(());
    }
    // cffi accepts `char *` against any pointer to items of one byte: an
    // integer, a `char[1]`, a one-byte struct (their size, not their kind)
    let voidchar = |c: &CType| c.conv == Conv::Char;
    if voidchar(di) || voidchar(si) {
        let byte_sized = |c: &CType| matches!(c.layout(), Ok((1, _)));
        if dst.kind == Kind::Pointer && byte_sized(di) && byte_sized(si) {
            return Ok(());
        }
        return Err(if voidchar(di) { IMPLICIT_TO_CHAR } else { IMPLICIT_FROM_CHAR });
    }
    Err("pointer to same type")
}

const IMPLICIT_TO_CHAR: &str = "implicit cast to 'char *' from a different pointer type.(check that the types are as you expect; use an explicit ffi.cast() if they are correct)";
const IMPLICIT_FROM_CHAR: &str = "implicit cast from 'char *' to a different pointer type: (check that the types are as you expect; use an explicit ffi.cast() if they are correct)";

/// # Safety
/// `dst` points to 8 writable bytes.
pub unsafe fn store(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>, dst: *mut u8) -> PyResult<()> { unsafe {
    let value = extract(py, ct, obj)?;
    (dst as *mut *mut u8).write_unaligned(value);
    Ok(())
}}

/// What finds the function-pointer cdata a compiled module's `lib.f`
/// stands for (lib_function.rs's `unwrap`).
pub type LibFunctionPointer = for<'py> fn(Python<'py>, &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>>;

/// Set once when the module is initialised (lib.rs): the Lib layer sits
/// above the object model, which reaches it only through here.
static LIB_FUNCTION_POINTER: std::sync::OnceLock<LibFunctionPointer> = std::sync::OnceLock::new();

/// Set what `lib_function_pointer` asks (at module init).
pub fn set_lib_function_pointer(find: LibFunctionPointer) {
    // a second module init (subinterpreters) sets the same function
    let _ = LIB_FUNCTION_POINTER.set(find);
}

/// The function-pointer cdata behind `obj` if it is a compiled module's
/// `lib.f`.
#[inline]
pub fn lib_function_pointer<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    LIB_FUNCTION_POINTER.get().and_then(|find| find(py, obj))
}

/// The pointer value of `obj` for a `ct` slot, with cffi's checks.
pub fn extract(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>) -> PyResult<*mut u8> {
    let Some(cd) = cdata::as_cdata(py, obj) else {
        // a compiled module's `lib.f` stands for its function pointer
        if let Some(fnptr) = lib_function_pointer(py, obj) {
            return extract(py, ct, &fnptr);
        }
        return Err(convert_error(py, ct, obj, "cdata pointer"));
    };
    match check(ct, cd.ctype()) {
        // its NULL would reach C, which would use it where cffi's
        // (never freed) memory was still valid
        Ok(()) if cd.is_released() => Err(cdata::lifetime::released_error(cd.ctype())),
        Ok(()) => Ok(cd.ptr.get()),
        Err(msg @ (IMPLICIT_TO_CHAR | IMPLICIT_FROM_CHAR)) => Err(PyTypeError::new_err(msg)),
        Err(expected) => Err(convert_error(py, ct, obj, expected)),
    }
}

/// cffi's `initializer for ctype 'T' must be a EXPECTED, not GOT`.
pub fn convert_error(py: Python<'_>, ct: &CType, obj: &Bound<'_, PyAny>, expected: &str) -> PyErr {
    let got = match cdata::as_cdata(py, obj) {
        Some(cd) if cd.ctype().cname == ct.cname => {
            return PyTypeError::new_err(format!(
                "initializer for ctype '{0}' appears indeed to be '{0}', but the types are different (check that you are not e.g. mixing up different ffi instances)",
                ct.cname
            ))
        }
        Some(cd) => format!("cdata '{}'", cd.ctype().cname),
        None => super::describe(py, obj),
    };
    PyTypeError::new_err(format!("initializer for ctype '{}' must be a {expected}, not {got}", ct.cname))
}
