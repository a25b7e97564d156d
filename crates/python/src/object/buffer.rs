//! `ffi.buffer` (a buffer-protocol view of C memory), `ffi.from_buffer`
//! and `ffi.memmove`.

use std::ffi::c_void;

use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PySlice, PyString};

use crate::cdata::{self, Owner};
use crate::convert;
use crate::ctype::{CType, Kind};

#[pyclass(weakref, module = "_cffi_backend", name = "buffer")]
pub struct Buffer {
    ptr: *mut u8,
    size: usize,
    /// Keeps the memory (cdata/lifetime.rs): `ffi.release()` of its owner
    /// waits until this buffer, and every memoryview of it, is gone.
    _hold: Option<cdata::MemoryHold>,
}

// SAFETY: the pointer and the hold are only used with the GIL held (the
// extension declares `gil_used`, so even a free-threaded interpreter runs
// it under the GIL); a buffer may be used and dropped on any thread, as
// cffi's.
unsafe impl Send for Buffer {}
unsafe impl Sync for Buffer {}

impl Buffer {
    fn bytes(&self) -> &[u8] {
        if self.size == 0 {
            return &[]; // `ptr` may be NULL (a released array of length 0)
        }
        // SAFETY: `size` bytes at `ptr` (never NULL here: checked at creation)
        // stay alive while `_hold` holds their root.
        unsafe { std::slice::from_raw_parts(self.ptr, self.size) }
    }

    /// `store`: for an assignment (cffi's message says so).
    fn range(&self, key: &Bound<'_, PyAny>, store: bool) -> PyResult<(usize, usize, bool)> {
        if let Ok(s) = key.cast::<PySlice>() {
            let idx = s.indices(self.size as isize)?;
            if idx.step != 1 {
                return Err(PyTypeError::new_err("buffer doesn't support slicing with step != 1"));
            }
            let (a, b) = (idx.start as usize, (idx.stop.max(idx.start)) as usize);
            return Ok((a, b, true));
        }
        let mut i: isize = key.extract()?;
        if i < 0 {
            i += self.size as isize;
        }
        if i < 0 || i as usize >= self.size {
            let what = if store { "buffer assignment index" } else { "buffer index" };
            return Err(PyIndexError::new_err(format!("{what} out of range")));
        }
        Ok((i as usize, i as usize + 1, false))
    }
}

#[pymethods]
impl Buffer {
    #[new]
    #[pyo3(signature = (cdata, size=-1))]
    fn py_new(py: Python<'_>, cdata: &Bound<'_, PyAny>, size: isize) -> PyResult<Self> {
        let cd = cdata::as_cdata(py, cdata).ok_or_else(|| crate::errors::not_a_cdata_argument("buffer", cdata))?;
        let ct = cd.ctype();
        let known = if size >= 0 { Some(size as usize) } else { cdata::var_byte_size(py, cd) };
        let size = match (ct.kind, known) {
            // a function pointer (a callback's code) is no memory, as in cffi
            (Kind::Pointer, _) if ct.is_function_pointer() => {
                return Err(PyTypeError::new_err(format!("expected a pointer or array cdata, got '{}'", ct.cname)))
            }
            (Kind::Array | Kind::Pointer, Some(n)) => n,
            (Kind::Array, None) => cd.length.get().max(0) as usize * ct.item().get().size(py)?,
            (Kind::Pointer, None) => ct.item().get().size_opt(py).ok_or_else(|| {
                PyTypeError::new_err(format!("don't know the size pointed to by '{}'", ct.cname))
            })?,
            _ => return Err(PyTypeError::new_err(format!("expected a pointer or array cdata, got '{}'", ct.cname))),
        };
        if cd.is_released() {
            // even an empty one: what was released cannot be used any more
            return Err(cdata::lifetime::released_error(ct));
        }
        if cd.ptr.get().is_null() && size > 0 {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(format!("cannot make a buffer of {size} bytes at NULL (cdata '{}')", ct.cname)));
        }
        // a buffer (and every memoryview of it) reads and writes its bytes
        // unchecked: it must not leave memory rcffi knows the extent of.
        // cffi only warns ("This will crash if you access the extra
        // memory"), and only for a cdata that owns its memory.
        if size > 0 {
            cdata::extent::check_size(py, cd, size, "ffi.buffer")?;
        }
        // SAFETY: `cdata` is a live cdata (checked above); GIL held.
        let hold = unsafe { cdata::MemoryHold::for_view(cdata.as_ptr()) };
        Ok(Buffer { ptr: cd.ptr.get(), size, _hold: hold })
    }

    fn __len__(&self) -> usize {
        self.size
    }

    fn __getitem__<'py>(&self, py: Python<'py>, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let (a, b, _) = self.range(key, false)?;
        Ok(convert::new_bytes(py, &self.bytes()[a..b])?.into_any())
    }

    fn __setitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let (a, b, is_slice) = self.range(key, true)?;
        // the value's own memory, exported (so kept and not resized) until
        // the copy is done: no copy of it first (a huge buffer would be a
        // huge allocation), and no Python code runs between here and the copy
        let view = RawView::get(py, value, false)?;
        let data = view.bytes();
        if data.len() != b - a {
            // cffi: a slice of the wrong length is a ValueError, an item
            // that is not one byte a TypeError
            return Err(if is_slice {
                PyValueError::new_err("right operand length must match slice length")
            } else {
                PyTypeError::new_err(format!("must assign a bytes of length 1, not {}", value.get_type().name().map_or_else(|_| "?".into(), |n| n.to_string())))
            });
        }
        // SAFETY: in bounds of the kept-alive memory.
        unsafe { std::ptr::copy(data.as_ptr(), self.ptr.add(a), data.len()) };
        Ok(())
    }

    /// Compared as bytes with any buffer (cffi's buffers order too).
    fn __richcmp__(&self, py: Python<'_>, other: &Bound<'_, PyAny>, op: pyo3::basic::CompareOp) -> Py<PyAny> {
        match RawView::get(py, other, false) {
            Ok(o) => op.matches(self.bytes().cmp(o.bytes())).into_pyobject(py).unwrap().to_owned().into_any().unbind(),
            Err(_) => py.NotImplemented(),
        }
    }

    fn __bytes__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        convert::new_bytes(py, self.bytes())
    }

    // SAFETY: CPython's bf_getbuffer contract (`view` is writable); the view
    // names `slf` as its object, so this buffer, and the hold that keeps its
    // memory, live as long as any memoryview of it.
    unsafe fn __getbuffer__(slf: Bound<'_, Self>, view: *mut ffi::Py_buffer, flags: std::os::raw::c_int) -> PyResult<()> { unsafe {
        let (ptr, size) = {
            let b = slf.borrow();
            (b.ptr, b.size)
        };
        let r = ffi::PyBuffer_FillInfo(view, slf.as_ptr(), ptr as *mut c_void, size as ffi::Py_ssize_t, 0, flags);
        if r == -1 {
            return Err(PyErr::fetch(slf.py()));
        }
        Ok(())
    }}

    unsafe fn __releasebuffer__(&self, _view: *mut ffi::Py_buffer) {}
}

/// A contiguous view of any buffer-protocol object, whatever its item
/// format (`array.array('H')` too), released on drop.
struct RawView(Box<ffi::Py_buffer>);

impl RawView {
    fn get(py: Python<'_>, obj: &Bound<'_, PyAny>, writable: bool) -> PyResult<Self> {
        // SAFETY: zeroed is a valid initial Py_buffer; released in Drop.
        let mut view: Box<ffi::Py_buffer> = Box::new(unsafe { std::mem::zeroed() });
        let flags = if writable { ffi::PyBUF_WRITABLE } else { ffi::PyBUF_SIMPLE };
        if unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut *view, flags) } == -1 {
            return Err(PyErr::fetch(py));
        }
        Ok(RawView(view))
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: a PyBUF_SIMPLE view is `len` contiguous bytes at `buf`.
        unsafe { convert::bytes_at(self.0.buf as *const u8, self.0.len as usize) }
    }
}

impl Drop for RawView {
    fn drop(&mut self) {
        // SAFETY: obtained by PyObject_GetBuffer; dropped with the GIL held.
        unsafe { ffi::PyBuffer_Release(&mut *self.0) }
    }
}

pub fn from_buffer<'py>(py: Python<'py>, ct: &Py<CType>, obj: &Bound<'py, PyAny>, require_writable: bool) -> PyResult<Bound<'py, PyAny>> {
    let c = ct.get();
    // a function pointer is no pointer to data here (cffi's kinds differ)
    if !matches!(c.kind, Kind::Array | Kind::Pointer) || c.is_function_pointer() {
        return Err(PyTypeError::new_err(format!("expected a pointer or array ctype, got '{}'", c.cname)));
    }
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("from_buffer() cannot return the address of a unicode object"));
    }
    if cdata::as_cdata(py, obj).is_some() {
        return Err(PyTypeError::new_err("from_buffer() cannot return the address of a cdata object; use it directly"));
    }
    // SAFETY: an all-zero Py_buffer is a valid empty one, filled below.
    let mut view: Box<ffi::Py_buffer> = Box::new(unsafe { std::mem::zeroed() });
    let flags = if require_writable { ffi::PyBUF_WRITABLE } else { ffi::PyBUF_SIMPLE };
    // SAFETY: `view` is released by the cdata's owner on dealloc/release.
    unsafe {
        if ffi::PyObject_GetBuffer(obj.as_ptr(), &mut *view, flags) == -1 {
            return Err(PyErr::fetch(py));
        }
        let len = view.len as usize;
        let ptr = view.buf as *mut u8;
        // Every error below gives the view back first: a view kept by
        // mistake would keep a bytearray unresizable for good.
        let length = if c.kind == Kind::Array {
            let isz = match c.item().get().size(py) {
                Ok(s) => s.max(1),
                Err(e) => {
                    ffi::PyBuffer_Release(&mut *view);
                    return Err(e);
                }
            };
            if let Some(fixed) = c.length {
                // `int[2**62 + 1]`: the byte size overflows; wrapped, it
                // passed the check below with a length of 2**62 + 1 items
                // over 16 bytes, reads and writes far outside them
                let need = fixed.checked_mul(isz).filter(|&n| n <= isize::MAX as usize);
                let Some(need) = need else {
                    ffi::PyBuffer_Release(&mut *view);
                    return Err(pyo3::exceptions::PyOverflowError::new_err("array size would overflow a Py_ssize_t"));
                };
                if need > len {
                    ffi::PyBuffer_Release(&mut *view);
                    return Err(PyValueError::new_err(format!(
                        "buffer is too small ({len} bytes) for '{}' ({need} bytes)",
                        c.cname,
                    )));
                }
                fixed as isize
            } else {
                (len / isz) as isize
            }
        } else {
            -1
        };
        let o = cdata::new_cdata(py, ct, ptr, Owner::Buffer(view));
        if !o.is_null() && length >= 0 {
            (*(o as *mut cdata::CDataObject)).length.set(length);
        }
        cdata::wrap(py, o)
    }
}

/// Address and writability of a memmove operand.
fn operand(py: Python<'_>, obj: &Bound<'_, PyAny>, writable: bool, n: isize) -> PyResult<(*mut u8, Option<RawView>)> {
    if let Some(cd) = cdata::as_cdata(py, obj) {
        // a function pointer (a callback's code, read-only) is no memory, as in cffi
        if matches!(cd.ctype().kind, Kind::Pointer | Kind::Array) && !cd.ctype().is_function_pointer() {
            if cd.is_released() {
                return Err(cdata::lifetime::released_error(cd.ctype()));
            }
            if cd.ptr.get().is_null() && n > 0 {
                return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
                    "ffi.memmove(): cannot {} {n} bytes {} NULL (cdata '{}')",
                    if writable { "write" } else { "read" },
                    if writable { "to" } else { "from" },
                    cd.ctype().cname
                )));
            }
            cdata::extent::check_size(py, cd, n as usize, "ffi.memmove")?;
            return Ok((cd.ptr.get(), None));
        }
        return Err(PyTypeError::new_err(format!("expected a pointer or array cdata, got cdata '{}'", cd.ctype().cname)));
    }
    let buf = RawView::get(py, obj, writable)?;
    Ok((buf.0.buf as *mut u8, Some(buf)))
}

pub fn memmove(py: Python<'_>, dest: &Bound<'_, PyAny>, src: &Bound<'_, PyAny>, n: isize) -> PyResult<()> {
    if n < 0 {
        return Err(PyValueError::new_err("negative size"));
    }
    // Getting a buffer from `src` may run Python code (`__buffer__`) that
    // releases `dest`: hold both cdata's memory until the copy is done.
    let _holds = (cdata::MemoryHold::on_any(py, dest), cdata::MemoryHold::on_any(py, src));
    let (d, dbuf) = operand(py, dest, true, n)?;
    let (s, sbuf) = operand(py, src, false, n)?;
    for b in [&dbuf, &sbuf].into_iter().flatten() {
        if (b.0.len as usize) < n as usize {
            return Err(PyValueError::new_err("buffer is too small for memmove()"));
        }
    }
    // SAFETY: the caller vouches for cdata extents, as in cffi; buffers were checked.
    unsafe { std::ptr::copy(s, d, n as usize) };
    Ok(())
}
