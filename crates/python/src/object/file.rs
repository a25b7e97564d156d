//! A Python file object passed where C wants a `FILE *`: as in cffi, the
//! file is flushed and a `FILE *` over a `dup()` of its descriptor is
//! made once, kept on the file (closed with it). rcffi keeps it under
//! names of its own, `__rcffi_FILE` holding a capsule named `rcffi.FILE`:
//! cffi keeps a different object under `__cffi_FILE`/`FILE`, and one file
//! may be given to both libraries in one process, each then using its own
//! `FILE *`.

use std::ffi::{c_void, CString};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyType};

use crate::ctype::CType;

static IOBASE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The file attribute holding rcffi's `FILE *`, and its capsule's name.
const ATTR: &str = "__rcffi_FILE";
const CAPSULE: &std::ffi::CStr = c"rcffi.FILE";

/// The `FILE *` for `obj` when `ptr_ct` is `FILE *` and `obj` is a file.
pub fn as_file(py: Python<'_>, ptr_ct: &CType, obj: &Bound<'_, PyAny>) -> PyResult<Option<*mut u8>> {
    Ok(as_file_kept(py, ptr_ct, obj)?.map(|(f, _)| f))
}

/// As `as_file`, with the capsule that owns the `FILE *`: whoever passes
/// the `FILE *` to C keeps it until C is done with it. The capsule closes
/// the `FILE` when it dies, which Python code can make happen at any time
/// (`del f.__rcffi_FILE`, in a later argument's `__index__` or in another
/// thread while the GIL is released): C would use a closed `FILE`.
pub fn as_file_kept<'py>(py: Python<'py>, ptr_ct: &CType, obj: &Bound<'py, PyAny>) -> PyResult<Option<(*mut u8, Bound<'py, PyAny>)>> {
    let item = ptr_ct.item().get();
    if !matches!(item.cname.as_str(), "FILE" | "struct _IO_FILE") {
        return Ok(None);
    }
    let iobase = IOBASE.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("_io")?.getattr("_IOBase")?.cast_into::<PyType>()?.unbind())
    })?;
    if !obj.is_instance(iobase.bind(py))? {
        return Ok(None);
    }
    obj.call_method0("flush")?;
    if let Ok(cap) = obj.getattr(ATTR) {
        if let Ok(cap) = cap.cast::<PyCapsule>() {
            if let Ok(p) = cap.pointer_checked(Some(CAPSULE)) {
                // SAFETY: capsules named CAPSULE are made below and hold a
                // FilePtr, open while the capsule lives (returned with it).
                let f = unsafe { (*(p.as_ptr() as *const FilePtr)).0 } as *mut u8;
                return Ok(Some((f, cap.clone().into_any())));
            }
        }
    }
    let fd: i32 = obj.call_method0("fileno")?.extract()?;
    let mode = CString::new(obj.getattr("mode")?.extract::<String>()?)?;
    // SAFETY: plain libc calls; the FILE is owned by the capsule below.
    let f = unsafe {
        let fd2 = libc::dup(fd);
        if fd2 < 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        let f = libc::fdopen(fd2, mode.as_ptr());
        if f.is_null() {
            let e = std::io::Error::last_os_error();
            libc::close(fd2);
            return Err(e.into());
        }
        libc::setbuf(f, std::ptr::null_mut()); // unbuffered, so writes interleave
        f
    };
    let cap = PyCapsule::new_with_value_and_destructor(py, FilePtr(f), CAPSULE, |p: FilePtr, _ctx: *mut c_void| {
        // SAFETY: the capsule owns the FILE made above.
        unsafe { libc::fclose(p.0) };
    })?;
    obj.setattr(ATTR, &cap)?;
    Ok(Some((f as *mut u8, cap.into_any())))
}

struct FilePtr(*mut libc::FILE);
// SAFETY: the FILE is only used by C code the caller runs; moved, never shared.
unsafe impl Send for FilePtr {}
