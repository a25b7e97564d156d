//! `ffi.cast(ctype, value)`: C's cast, between all kinds cffi allows.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFloat, PyString};

use crate::cdata::{self, Owner};
use crate::convert;
use crate::ctype::{CType, Conv, Kind};

/// The integer a cast source stands for (ints truncate later, like C).
fn int_source(py: Python<'_>, src: &Bound<'_, PyAny>) -> PyResult<i128> {
    // The common case first: a Python int of any size keeps its low 64
    // bits, as a C cast would.
    // SAFETY: type check and mask conversion on a live object.
    unsafe {
        if pyo3::ffi::PyLong_Check(src.as_ptr()) != 0 {
            let v = pyo3::ffi::PyLong_AsUnsignedLongLongMask(src.as_ptr());
            if v == u64::MAX && !pyo3::ffi::PyErr_Occurred().is_null() {
                return Err(PyErr::fetch(py));
            }
            return Ok(v as i128);
        }
    }
    if let Some(cd) = cdata::as_cdata(py, src) {
        let ct = cd.ctype();
        return match ct.kind {
            Kind::Pointer | Kind::Array | Kind::Function => Ok(cd.ptr.get() as usize as i128),
            _ => match ct.conv {
                Conv::Float | Conv::Double | Conv::LongDouble => {
                    let f = pyo3::types::PyFloat::new(py, convert::float::cdata_as_f64(cd)?);
                    float_source_as_int(py, f.as_any())
                }
                _ => convert::integer::extract(py, src),
            },
        };
    }
    if let Ok(b) = src.cast::<PyBytes>() {
        if b.as_bytes().len() == 1 {
            return Ok(b.as_bytes()[0] as i128);
        }
    }
    if let Ok(s) = src.cast::<PyString>() {
        let s = s.to_cow()?;
        let mut it = s.chars();
        if let (Some(c), None) = (it.next(), it.next()) {
            return Ok(c as i128);
        }
    }
    if src.is_instance_of::<PyFloat>() {
        return float_source_as_int(py, src);
    }
    // an object with `__int__` (not only `__index__`), as cffi accepts
    if let Some(i) = via_dunder_int(src)? {
        return int_source(py, &i);
    }
    // Python ints of any size: keep the low 64 bits, as C would.
    let masked = src.call_method1("__and__", (u64::MAX,));
    match masked {
        Ok(m) if !m.is_none() && !m.is(py.NotImplemented()) => Ok(m.extract::<u64>()? as i128),
        _ => Err(PyTypeError::new_err(format!("an integer is required, not {}", convert::describe(py, src)))),
    }
}

/// A cast to a pointer (or array) type of a one-character `bytes` or
/// `str`: a number only for casts to integer types, refused here as in
/// cffi (it gave the character's code as an address, `ffi.cast("char *",
/// b"x")` a pointer to 0x78). One test of the type's flags, inlined: this
/// is on the path of every pointer cast (of a pointer cdata, mostly).
#[inline(always)]
fn refuse_character(py: Python<'_>, src: &Bound<'_, PyAny>) -> PyResult<()> {
    // SAFETY: the type of a live object.
    let flags = unsafe { (*pyo3::ffi::Py_TYPE(src.as_ptr())).tp_flags };
    if flags & (pyo3::ffi::Py_TPFLAGS_BYTES_SUBCLASS | pyo3::ffi::Py_TPFLAGS_UNICODE_SUBCLASS) != 0 {
        return Err(character_as_address(py, src));
    }
    Ok(())
}

#[cold]
fn character_as_address(py: Python<'_>, src: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!("an integer is required, not {}", convert::describe(py, src)))
}

/// A pointer cast of `src`. As in cffi it holds nothing (cffi's own tests
/// rely on `del p` freeing the memory while a cast of it lives); a cast
/// of a released cdata is refused, its NULL would reach C.
///
/// # Safety
/// GIL held; `addr` is the address `src` stands for.
unsafe fn pointer_into(py: Python<'_>, ct: &Py<CType>, addr: *mut u8, src: &Bound<'_, PyAny>) -> *mut pyo3::ffi::PyObject { unsafe {
    if let Some(c) = cdata::as_cdata(py, src) {
        if c.is_released() {
            // its NULL would reach C where cffi's memory was still valid
            cdata::lifetime::released_error(c.ctype()).restore(py);
            return std::ptr::null_mut();
        }
    }
    cdata::new_cdata(py, ct, addr, Owner::Borrowed)
}}

pub fn cast<'py>(py: Python<'py>, ct: &Py<CType>, src: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if let Some(fnptr) = convert::pointer::lib_function_pointer(py, src) {
        // a compiled module's `lib.f` casts as its function pointer
        return cast(py, ct, &fnptr);
    }
    let c = ct.get();
    let mut buf = [0u8; 16];
    let dst = buf.as_mut_ptr();
    // SAFETY: every branch writes at most 16 bytes into `buf`.
    unsafe {
        match c.kind {
            Kind::Pointer => {
                // `ffi.cast("FILE *", python_file)`: the FILE over its descriptor
                if let Some(f) = crate::file::as_file(py, c, src)? {
                    return cdata::wrap(py, cdata::new_cdata(py, ct, f, Owner::Borrowed));
                }
                refuse_character(py, src)?;
                let addr = int_source(py, src)? as u64 as usize as *mut u8;
                return cdata::wrap(py, pointer_into(py, ct, addr, src));
            }
            Kind::Array if c.length.is_none() => {
                return Err(PyTypeError::new_err(format!("cannot cast to ctype '{}'", c.cname)));
            }
            Kind::Array => {
                // cffi casts to an array type as to a pointer to its items.
                let addr = match cdata::as_cdata(py, src) {
                    Some(cd) if matches!(cd.ctype().kind, Kind::Pointer | Kind::Array) => cd.ptr.get(),
                    _ => {
                        refuse_character(py, src)?;
                        int_source(py, src)? as u64 as usize as *mut u8
                    }
                };
                return cdata::wrap(py, pointer_into(py, ct, addr, src));
            }
            Kind::Primitive | Kind::Enum => {}
            _ => return Err(PyTypeError::new_err(format!("cannot cast to ctype '{}'", c.cname))),
        }
        match c.conv {
            Conv::Int { size, .. } | Conv::WideChar { size } => convert::integer::store_wrapping(int_source(py, src)?, size, dst),
            Conv::Char => *dst = int_source(py, src)? as u8,
            Conv::Bool => *dst = bool_source(py, src)? as u8,
            Conv::Float => (dst as *mut f32).write_unaligned(float_source(py, src, c)? as f32),
            Conv::Double => (dst as *mut f64).write_unaligned(float_source(py, src, c)?),
            Conv::LongDouble => match cdata::as_cdata(py, src) {
                // long double to long double: every bit kept
                Some(cd) if cd.ctype().conv == Conv::LongDouble => std::ptr::copy_nonoverlapping(cd.ptr.get(), dst, 16),
                _ => {
                    let v = float_source(py, src, c)?;
                    std::ptr::copy_nonoverlapping(convert::longdouble::encode(v).as_ptr(), dst, 16);
                }
            },
            Conv::FloatComplex | Conv::DoubleComplex => {
                let v = number_source(py, src, c)?;
                convert::float::store_complex(py, &v, c, dst)?
            }
            _ => return Err(PyTypeError::new_err(format!("cannot cast to ctype '{}'", c.cname))),
        }
        cdata::wrap(py, cdata::new_value_cdata(py, ct, dst, 16))
    }
}

/// A float cast to an integer type: `int(f)` (NaN is `ValueError`, an
/// infinity `OverflowError`, as in cffi), then its low 64 bits.
fn float_source_as_int(py: Python<'_>, f: &Bound<'_, PyAny>) -> PyResult<i128> {
    match via_dunder_int(f)? {
        Some(i) => int_source(py, &i),
        None => Err(PyTypeError::new_err("an integer is required")),
    }
}

fn cannot_cast(py: Python<'_>, src: &Bound<'_, PyAny>, to: &CType) -> PyErr {
    match cdata::as_cdata(py, src) {
        Some(cd) => PyTypeError::new_err(format!("cannot cast ctype '{}' to ctype '{}'", cd.ctype().cname, to.cname)),
        None => PyTypeError::new_err(format!(
            "cannot cast {} object to ctype '{}'",
            src.get_type().name().map(|n| n.to_string()).unwrap_or_default(),
            to.cname
        )),
    }
}

/// The Python number a cast to a floating or complex type starts from, as
/// cffi: a primitive cdata's value (no pointer, array or record: a cast
/// of an address to a float is refused), a one-character `bytes`/`str` as
/// its ordinal, anything else as given.
fn number_source<'py>(py: Python<'py>, src: &Bound<'py, PyAny>, to: &CType) -> PyResult<Bound<'py, PyAny>> {
    let value = match cdata::as_cdata(py, src) {
        Some(cd) if matches!(cd.ctype().kind, Kind::Primitive | Kind::Enum) => {
            // SAFETY: a primitive cdata points at its value, never NULL
            // (see integer.rs `extract`).
            unsafe { convert::read(py, &cd.ctype_obj(py), cd.ptr.get())? }
        }
        Some(_) => return Err(cannot_cast(py, src, to)),
        None => src.clone(),
    };
    if value.is_instance_of::<PyBytes>() || value.is_instance_of::<PyString>() {
        let ordinal = match value.cast::<PyBytes>() {
            Ok(b) => match b.as_bytes() {
                [c] => Some(*c as u32),
                _ => None,
            },
            // code points, lone surrogates included
            // SAFETY: `value` is a str; length and read on a live object.
            Err(_) => unsafe {
                match pyo3::ffi::PyUnicode_GetLength(value.as_ptr()) {
                    1 => Some(pyo3::ffi::PyUnicode_ReadChar(value.as_ptr(), 0)),
                    _ => None,
                }
            },
        };
        return match ordinal {
            Some(o) => Ok(PyFloat::new(py, o as f64).into_any()),
            None => Err(cannot_cast(py, src, to)),
        };
    }
    Ok(value)
}

fn float_source(py: Python<'_>, src: &Bound<'_, PyAny>, to: &CType) -> PyResult<f64> {
    convert::float::extract(py, &number_source(py, src, to)?)
}

/// The truth a cast to `_Bool` gives `src`, as cffi: an address, a
/// number's nonzeroness (a float's, however small, not its integer
/// part's), and for other objects `float()` when they have it, else
/// `int()`.
fn bool_source(py: Python<'_>, src: &Bound<'_, PyAny>) -> PyResult<bool> {
    if let Some(cd) = cdata::as_cdata(py, src) {
        return match cd.ctype().conv {
            Conv::LongDouble => {
                // nonzero however small (1E-500 is 0.0 as a double)
                // SAFETY: a long double cdata points at its 16 bytes.
                let bits = unsafe { &*(cd.ptr.get() as *const [u8; 16]) };
                Ok(convert::longdouble_fmt::is_nonzero(bits))
            }
            Conv::Float | Conv::Double => Ok(convert::float::cdata_as_f64(cd)? != 0.0),
            _ => Ok(int_source(py, src)? != 0),
        };
    }
    if src.is_instance_of::<pyo3::types::PyInt>() {
        // whether it is nonzero, whatever its size
        return src.is_truthy();
    }
    if src.is_instance_of::<PyFloat>() {
        return Ok(convert::float::extract(py, src)? != 0.0);
    }
    if src.is_instance_of::<PyBytes>() || src.is_instance_of::<PyString>() {
        return Ok(int_source(py, src)? != 0);
    }
    let ty = src.get_type();
    crate::stack::check_before_python_method()?;
    // SAFETY: PyNumber_Float / PyNumber_Long on a live object; a new
    // reference or NULL.
    let converted = unsafe {
        if ty.hasattr("__float__")? {
            pyo3::ffi::PyNumber_Float(src.as_ptr())
        } else if ty.hasattr("__int__")? {
            pyo3::ffi::PyNumber_Long(src.as_ptr())
        } else {
            return Err(PyTypeError::new_err("integer/float expected"));
        }
    };
    // SAFETY: `converted` is a new reference or NULL with an exception set.
    let converted = unsafe { Bound::from_owned_ptr_or_err(py, converted)? };
    bool_source(py, &converted)
}

/// `int(src)` when `src`'s type defines `__int__` (cffi's casts call it).
fn via_dunder_int<'py>(src: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    if src.is_instance_of::<pyo3::types::PyInt>() || !src.get_type().hasattr("__int__")? {
        return Ok(None);
    }
    crate::stack::check_before_python_method()?;
    // SAFETY: PyNumber_Long on a live object; a new reference or NULL.
    unsafe {
        let r = pyo3::ffi::PyNumber_Long(src.as_ptr());
        if r.is_null() {
            return Err(PyErr::fetch(src.py()));
        }
        Ok(Some(Bound::from_owned_ptr(src.py(), r)))
    }
}
