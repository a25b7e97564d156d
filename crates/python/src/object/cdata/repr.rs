//! `repr(cdata)`, exactly as cffi prints it.

use pyo3::ffi;
use pyo3::prelude::*;

use super::{CDataObject, Owner};
use crate::convert;
use crate::ctype::{Conv, Kind};

// SAFETY: tp_repr: GIL held, `slf` a live cdata.
pub(crate) unsafe extern "C" fn repr(slf: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| repr_attached(py, slf))
}}

// SAFETY: as `repr`; a value read for the repr (a primitive, `char`
// bytes) is read as `primitive_value` does (slots.rs), with no Python code
// between reading `ptr` and the read.
unsafe fn repr_attached(py: Python<'_>, slf: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let c = super::slots::cd(slf);
    match repr_string(py, c) {
        Ok(s) => pyo3::types::PyString::new(py, &s).into_ptr(),
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}}

pub fn repr_string(py: Python<'_>, c: &CDataObject) -> PyResult<String> {
    let ct = c.ctype();
    let name = &ct.cname;
    let body = match c.owner.get() {
        Owner::Malloc { size } => format!("owning {size} bytes"),
        // a custom allocator's struct pointer owns its struct (in cffi an
        // owning pointer to the allocator's memory); other results are
        // the memory itself, shown by address
        Owner::Custom { size, .. } if ct.is_record_ptr() => format!("owning {size} bytes"),
        // cffi's `p[0]` of a pointer made by `ffi.new()` owns the memory
        // (of an allocator's pointer it is that memory: shown by address)
        Owner::View { .. }
            if super::lifetime::is_owning_item(c)
                && super::lifetime::view_root(c).is_some_and(|r| matches!(r.owner.get(), Owner::Malloc { .. })) =>
        {
            let size = super::var_byte_size(py, c).or_else(|| ct.size_opt(py)).unwrap_or(0);
            format!("owning {size} bytes")
        }
        // (the object's `repr` is Python code: run on a reference of its
        // own, not through the owner, see `OwnerCell`)
        Owner::Handle(obj) => format!("handle to {}", obj.clone_ref(py).bind(py).repr()?),
        Owner::Buffer(view) => {
            // the exporter's `tp_name`, as cffi prints it: qualified by
            // its module for extension types (`_cffi_backend.buffer`)
            // SAFETY: the view holds a reference to its exporter, whose
            // type's tp_name is a NUL-terminated string living as long.
            let tname = unsafe {
                std::ffi::CStr::from_ptr((*ffi::Py_TYPE(view.obj)).tp_name).to_string_lossy().into_owned()
            };
            if ct.kind == Kind::Array {
                format!("buffer len {} from '{tname}' object", c.length.get())
            } else {
                format!("buffer from '{tname}' object")
            }
        }
        Owner::ReleasedBuffer => "buffer RELEASED".to_string(),
        // Python code (the function's `repr`) runs with the holder
        // borrowed: only the collector's `tp_clear` changes a callback's
        // owner, and never of a cdata someone holds, as the caller does
        Owner::Callback(holder) => format!("calling {}", holder.callable_repr(py)?),
        _ if ct.kind == Kind::Array && ct.length.is_none() => format!("sliced length {}", c.length.get()),
        _ if matches!(ct.kind, Kind::Struct | Kind::Union) => return Ok(format!("<cdata '{name} &' {}>", value_part(py, c)?)),
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
                Conv::LongDouble => convert::longdouble_fmt::format_e_bits(&*(c.ptr.get() as *const [u8; 16])),
                Conv::Unknown => "?".into(),
                _ => {
                    let v = convert::read(py, &c.ctype_obj(py), c.ptr.get())?;
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
                if c.ptr.get().is_null() {
                    "NULL".into()
                } else {
                    format!("{:#x}", c.ptr.get() as usize)
                }
            }
        })
    }
}
