//! `repr(cdata)`, exactly as cffi prints it.

use pyo3::ffi;
use pyo3::prelude::*;

use super::{CDataObject, Owner};
use crate::convert;
use crate::ctype::{Conv, Kind};

pub(crate) unsafe extern "C" fn repr(slf: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let py = Python::assume_attached();
    let c = super::slots::cd(slf);
    match repr_string(py, c) {
        Ok(s) => pyo3::types::PyString::new(py, &s).into_ptr(),
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

pub fn repr_string(py: Python<'_>, c: &CDataObject) -> PyResult<String> {
    let ct = c.ctype();
    let name = &ct.cname;
    let body = match &c.owner {
        Owner::Malloc { size } | Owner::Custom { size, .. } => format!("owning {size} bytes"),
        Owner::Keep(owner) if matches!(ct.kind, Kind::Struct | Kind::Union) => {
            let _ = owner;
            format!("owning {} bytes", ct.size_opt(py).unwrap_or(0))
        }
        Owner::Handle(obj) => format!("handle to {}", obj.bind(py).repr()?),
        Owner::Buffer(view) => {
            let tname = unsafe {
                let o = view.obj;
                if o.is_null() { "?".to_string() } else { Bound::from_borrowed_ptr(py, o).get_type().name()?.to_string() }
            };
            format!("buffer len {} from '{}' object", view.len, tname)
        }
        Owner::Callback(_) => {
            let f = crate::callback::callback_repr(py, c)?;
            format!("calling {f}")
        }
        _ if c.inline[0] == super::slots::SLICED_MARK && ct.kind == Kind::Array && c.ptr != c.inline.as_ptr() as *mut u8 => {
            format!("sliced length {}", c.length)
        }
        _ => value_part(py, c)?,
    };
    Ok(format!("<cdata '{name}' {body}>"))
}

fn value_part(py: Python<'_>, c: &CDataObject) -> PyResult<String> {
    let ct = c.ctype();
    // SAFETY: primitive cdata point at their value.
    unsafe {
        Ok(match ct.kind {
            Kind::Primitive | Kind::Enum => match ct.conv {
                Conv::LongDouble => convert::longdouble::format_e(convert::longdouble::load(c.ptr)),
                Conv::Unknown => "?".into(),
                _ => {
                    let v = convert::read(py, &c.ctype_obj(py), c.ptr)?;
                    let mut s = v.repr()?.to_string();
                    if let (Some(values), Conv::Int { .. }) = (&ct.enum_values, ct.conv) {
                        let n: i128 = v.extract()?;
                        if let Some((name, _)) = values.iter().find(|(_, x)| *x == n) {
                            s = format!("{s}: {name}");
                        }
                    }
                    s
                }
            },
            _ => {
                if c.ptr.is_null() {
                    "NULL".into()
                } else {
                    format!("{:#x}", c.ptr as usize)
                }
            }
        })
    }
}
