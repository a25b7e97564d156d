//! `ffi.new_allocator(alloc, free)`: `ffi.new()` over memory that a Python
//! `alloc(size)` returns as a cdata; the result owns that cdata and calls
//! `free(raw)` when released.

use pyo3::exceptions::{PyMemoryError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;

use crate::cdata::{self, CDataObject, Owner};
use crate::ctype::Kind;
use crate::cdata::new::{init_new, new_size};
use crate::ffi_obj::FFIBase;

#[pymethods]
impl FFIBase {
    #[pyo3(signature = (cdecl, init, alloc, free, clear))]
    fn _new_allocated<'py>(
        &self,
        py: Python<'py>,
        cdecl: &Bound<'py, PyAny>,
        init: Option<&Bound<'py, PyAny>>,
        alloc: &Bound<'py, PyAny>,
        free: Option<&Bound<'py, PyAny>>,
        clear: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ct = self.resolve(py, cdecl, false)?;
        let c = ct.get();
        let (size, length) = new_size(py, c, init)?;
        let raw = alloc.call1((size,))?;
        let Some(rcd) = cdata::as_cdata(py, &raw) else {
            // SAFETY: tp_name of a live object's type is a C string.
            let tname = unsafe { std::ffi::CStr::from_ptr((*ffi::Py_TYPE(raw.as_ptr())).tp_name) };
            return Err(PyTypeError::new_err(format!(
                "alloc() must return a cdata object (got {})",
                tname.to_string_lossy()
            )));
        };
        // a function pointer (a callback's code) is no memory either, as in cffi
        if !matches!(rcd.ctype().kind, Kind::Pointer | Kind::Array) || rcd.ctype().is_function_pointer() {
            return Err(PyTypeError::new_err(format!("alloc() must return a cdata pointer, not '{}'", rcd.ctype().cname)));
        }
        let mem = rcd.ptr.get();
        if mem.is_null() {
            return Err(PyMemoryError::new_err("alloc() returned NULL"));
        }
        // cffi trusts alloc(); where rcffi knows the memory it returned
        // (from ffi.new(), another allocator, from_buffer), it must hold
        // `size` bytes, or clearing and filling it would overflow the heap
        if let Some(e) = cdata::extent::of(py, rcd) {
            let room = e.room_from(mem as usize);
            if room < size {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "alloc() returned cdata '{}' with room for {room} bytes, but '{}' needs {size}",
                    rcd.ctype().cname,
                    c.cname
                )));
            }
        }
        // taken before anything below can run Python code (the new cdata's
        // allocation may start a collection; the initializer's conversions
        // run `__index__`): a release of `raw` meanwhile or later waits
        let hold = cdata::MemoryHold::on_any(py, &raw);
        let original = Box::new(cdata::AllocOriginal { obj: raw.clone().unbind(), hold });
        let owner = Owner::Custom { size, free: free.map(|f| f.clone().unbind()), original };
        // SAFETY: alloc() returned at least `size` bytes at `mem`: checked above
        // where rcffi knows the memory, else trusted as cffi trusts it.
        unsafe {
            if clear {
                std::ptr::write_bytes(mem, 0, size);
            }
            let obj = cdata::wrap(py, cdata::new_cdata(py, &ct, mem, owner))?;
            if length >= 0 {
                (*(obj.as_ptr() as *mut CDataObject)).length.set(length);
            }
            init_new(py, c, init, mem, size, length)?;
            Ok(obj)
        }
    }
}
