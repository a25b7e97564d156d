//! `ffi.string()` and `ffi.unpack()`.

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};

use crate::cdata;
use crate::convert;
use crate::ctype::{Conv, Kind};

pub fn string<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>, maxlen: isize) -> PyResult<Bound<'py, PyAny>> {
    let cd = cdata::as_cdata(py, obj).ok_or_else(|| crate::errors::not_a_cdata_argument("string", obj))?;
    let ct = cd.ctype();
    match ct.kind {
        Kind::Pointer | Kind::Array => {
            let item = ct.item().get();
            // as cffi: items of one byte (char and the 8-bit integers, not
            // _Bool) give bytes, wide characters str; anything else is
            // refused before the address is looked at (a NULL `void *` too)
            if !matches!(item.conv, Conv::Char | Conv::Int { size: 1, .. } | Conv::WideChar { .. }) {
                return Err(PyTypeError::new_err(format!("string(): unexpected cdata '{}' argument", ct.cname)));
            }
            let mut limit = if maxlen < 0 { usize::MAX } else { maxlen as usize };
            if ct.kind == Kind::Array && cd.length >= 0 {
                limit = limit.min(cd.length as usize);
            }
            if cd.ptr.is_null() {
                return Err(PyRuntimeError::new_err(format!("cannot use string() on {}", cdata::repr::repr_string(py, cd)?)));
            }
            // SAFETY: reads stop at the first NUL or the known length, as C would.
            unsafe {
                match item.conv {
                    Conv::Char | Conv::Int { size: 1, .. } => {
                        let mut n = 0;
                        while n < limit && *cd.ptr.add(n) != 0 {
                            n += 1;
                        }
                        Ok(PyBytes::new(py, crate::convert::bytes_at(cd.ptr, n)).into_any())
                    }
                    Conv::WideChar { size } => {
                        let mut units = Vec::new();
                        let mut i = 0;
                        while i < limit {
                            let u = convert::integer::load(size, false, cd.ptr.add(i * size as usize)) as u32;
                            if u == 0 {
                                break;
                            }
                            units.push(u);
                            i += 1;
                        }
                        Ok(convert::character::str_from_units(py, &units, size)?.into_any())
                    }
                    _ => Err(PyTypeError::new_err(format!("string(): unexpected cdata '{}' argument", ct.cname))),
                }
            }
        }
        Kind::Primitive | Kind::Enum => {
            // SAFETY: primitive cdata point at their value.
            unsafe {
                match ct.conv {
                    Conv::Char => Ok(PyBytes::new(py, std::slice::from_raw_parts(cd.ptr, 1)).into_any()),
                    // a one-byte integer is a character too (cffi)
                    Conv::Int { size: 1, .. } if ct.kind != Kind::Enum => {
                        Ok(PyBytes::new(py, std::slice::from_raw_parts(cd.ptr, 1)).into_any())
                    }
                    Conv::WideChar { size } => convert::character::read_wide(py, size, cd.ptr),
                    Conv::Int { size, signed } if ct.kind == Kind::Enum => {
                        let v = convert::integer::load(size, signed, cd.ptr);
                        let values = ct.enum_values.as_ref().expect("enum values");
                        match values.iter().find(|(_, x)| *x == v) {
                            Some((name, _)) => Ok(PyString::new(py, name).into_any()),
                            None => Ok(PyString::new(py, &v.to_string()).into_any()),
                        }
                    }
                    _ => Err(PyTypeError::new_err(format!("string(): unexpected cdata '{}' argument", ct.cname))),
                }
            }
        }
        _ => Err(PyTypeError::new_err(format!("string(): unexpected cdata '{}' argument", ct.cname))),
    }
}

pub fn unpack<'py>(py: Python<'py>, obj: &Bound<'py, PyAny>, length: isize) -> PyResult<Bound<'py, PyAny>> {
    let cd = cdata::as_cdata(py, obj).ok_or_else(|| crate::errors::not_a_cdata_argument("unpack", obj))?;
    let ct = cd.ctype();
    if !matches!(ct.kind, Kind::Pointer | Kind::Array) {
        return Err(PyTypeError::new_err(format!("expected a pointer or array, got '{}'", ct.cname)));
    }
    if length < 0 {
        return Err(PyValueError::new_err("'length' cannot be negative"));
    }
    let n = length as usize;
    if cd.ptr.is_null() {
        return Err(PyRuntimeError::new_err(format!("cannot use unpack() on {}", cdata::repr::repr_string(py, cd)?)));
    }
    let item = ct.item();
    let ic = item.get();
    // SAFETY: the caller vouches for `length` items at the address, as in cffi.
    unsafe {
        match ic.conv {
            Conv::Char => Ok(PyBytes::new(py, crate::convert::bytes_at(cd.ptr, n)).into_any()),
            Conv::WideChar { size } => {
                let units: Vec<u32> = (0..n).map(|i| convert::integer::load(size, false, cd.ptr.add(i * size as usize)) as u32).collect();
                Ok(convert::character::str_from_units(py, &units, size)?.into_any())
            }
            _ => {
                if ic.kind == Kind::Void {
                    return Err(PyTypeError::new_err(format!("cannot unpack a cdata '{}'", ct.cname)));
                }
                let size = ic.size(py)?;
                let list = PyList::empty(py);
                for i in 0..n {
                    list.append(convert::read(py, item, cd.ptr.add(i * size))?)?;
                }
                Ok(list.into_any())
            }
        }
    }
}
