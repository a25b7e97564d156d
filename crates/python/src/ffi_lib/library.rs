//! `_rcffi.Library`: a dlopen()ed shared library and lookups in it for
//! `Lib` objects (functions, global variables, constants).

use std::ffi::{c_void, CStr, CString};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};

use cdecl::{ConstValue, DeclKind};
use pyo3::exceptions::{PyAttributeError, PyKeyError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::cdata::{self, Owner};
use crate::ctype::ctype_for;
use crate::errors;
use crate::ffi_obj::FFIBase;
use crate::state::arena;

#[pyclass(frozen, module = "_cffi_backend", name = "Library")]
pub struct Library {
    /// The open handle, NULL once closed (for lookups).
    handle: AtomicPtr<c_void>,
    /// What keeps the handle open: the library's own share until
    /// `ffi.dlclose()` (or until it dies, as cffi closes a library when it
    /// is collected), beside the pin of every function and global address
    /// fetched from it (`Owner::Mapped`). The real `dlclose()` runs when the
    /// last share goes: calling a function after `ffi.dlclose()` cannot jump
    /// into unmapped code, as it can in cffi.
    mapping: Mutex<Option<Arc<Mapping>>>,
    name: String,
}

/// A `dlopen()` handle that `dlclose()`s when dropped if `close` (false
/// for a handle given by the caller, `ffi.dlopen(handle)`, which cffi
/// closes only on an explicit `ffi.dlclose()`).
struct Mapping {
    handle: *mut c_void,
    close: AtomicBool,
}

// SAFETY: a dlopen() handle may be used and closed from any thread.
unsafe impl Send for Mapping {}
// SAFETY: as above; `close` is atomic.
unsafe impl Sync for Mapping {}

impl Drop for Mapping {
    fn drop(&mut self) {
        // Not while the interpreter exits: a thread the library started
        // may still run its code (CPython never unmaps extension modules
        // either); the process is ending, so nothing is lost.
        if self.close.load(Ordering::Acquire) && !crate::entry::interpreter_exiting() {
            // SAFETY: a handle from dlopen(); the last share of it goes here,
            // so nothing fetched from it is reachable from Python any more.
            unsafe { libc::dlclose(self.handle) };
        }
    }
}

impl Drop for Library {
    fn drop(&mut self) {
        // a caller's handle stays open when its Library dies (cffi's
        // `auto_close`): its share is not given back
        let mapping = self.mapping.get_mut().unwrap_or_else(|e| e.into_inner());
        if mapping.as_ref().is_some_and(|m| !m.close.load(Ordering::Acquire)) {
            std::mem::forget(mapping.take());
        }
    }
}

/// Whether `handle` is one of the process's loaded objects, as handles
/// from glibc's `dlopen()` are (a handle is the object's `struct
/// link_map`): dlsym() on anything else reads garbage as a descriptor and
/// crashes (cffi crashes). The objects of the main namespace are walked
/// from the program's own map; `RTLD_NEXT` is let through.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn is_loaded_library(handle: *mut c_void) -> bool {
    /// The public head of glibc's `struct link_map` (<link.h>).
    #[repr(C)]
    struct LinkMap {
        l_addr: usize,
        l_name: *const std::ffi::c_char,
        l_ld: *mut c_void,
        l_next: *mut LinkMap,
        l_prev: *mut LinkMap,
    }
    if handle as isize == -1 {
        return true; // RTLD_NEXT
    }
    // SAFETY: dlopen(NULL) gives the program's handle (never fails on
    // glibc; it is checked), dlinfo() writes the map pointer it is asked
    // for, and the chain of maps is glibc's, walked under no lock while
    // another thread may dlopen/dlclose: reads of `l_next` of maps that
    // stay loaded (the caller's library is loaded if the handle is valid).
    unsafe {
        let main = libc::dlopen(std::ptr::null(), libc::RTLD_NOW);
        if main.is_null() {
            return true;
        }
        let mut map: *mut LinkMap = std::ptr::null_mut();
        let ok = libc::dlinfo(main, libc::RTLD_DI_LINKMAP, &mut map as *mut *mut LinkMap as *mut c_void) == 0;
        libc::dlclose(main);
        if !ok {
            return true;
        }
        while !map.is_null() {
            if map as *mut c_void == handle {
                return true;
            }
            map = (*map).l_next;
        }
        false
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn is_loaded_library(_handle: *mut c_void) -> bool {
    true
}

fn dlerror_text() -> String {
    // SAFETY: dlerror returns a thread-local C string or NULL.
    unsafe {
        let e = libc::dlerror();
        if e.is_null() { "unknown dlopen() error".into() } else { CStr::from_ptr(e).to_string_lossy().into_owned() }
    }
}

/// What a missing symbol is reported as (cffi's exceptions and messages).
#[derive(Clone, Copy)]
pub enum Missing {
    /// a function, or the address of a global: `AttributeError`
    Function,
    /// reading or writing a global variable: `KeyError`
    Variable,
    /// anything of an out-of-line module's library: `ffi.error`, as cffi's
    OutOfLine,
}

impl Library {
    pub fn symbol_for(&self, name: &str, missing: Missing) -> PyResult<*mut c_void> {
        let h = self.handle.load(Ordering::Acquire);
        if h.is_null() {
            return Err(PyValueError::new_err(format!("library '{}' has already been closed", self.name)));
        }
        let c = CString::new(name).map_err(|_| PyValueError::new_err("symbol name contains a NUL"))?;
        // SAFETY: valid handle and C string.
        let p = unsafe {
            libc::dlerror();
            libc::dlsym(h, c.as_ptr())
        };
        if p.is_null() {
            return Err(match missing {
                Missing::Function => PyAttributeError::new_err(format!(
                    "function/symbol '{}' not found in library '{}': {}",
                    name,
                    self.name,
                    dlerror_text()
                )),
                Missing::Variable => PyKeyError::new_err(format!(
                    "variable '{}' not found in library '{}': {}",
                    name,
                    self.name,
                    dlerror_text()
                )),
                Missing::OutOfLine => Python::attach(|py| {
                    errors::ffi_error(py, format!("symbol '{}' not found in library '{}': {}", name, self.name, dlerror_text()))
                }),
            });
        }
        Ok(p)
    }

    fn open(handle: *mut c_void, name: String, close_when_dropped: bool) -> Library {
        let mapping = Mapping { handle, close: AtomicBool::new(close_when_dropped) };
        Library { handle: AtomicPtr::new(handle), mapping: Mutex::new(Some(Arc::new(mapping))), name }
    }

    /// `ffi.dlclose()`: no lookup from now on; the handle is closed now, or
    /// when the last function or global fetched from it goes (a caller's
    /// handle too, as cffi's explicit close). Closing twice is harmless.
    pub fn close_handle(&self) {
        self.handle.store(std::ptr::null_mut(), Ordering::Release);
        if let Some(share) = self.mapping.lock().unwrap_or_else(|e| e.into_inner()).take() {
            share.close.store(true, Ordering::Release);
        }
    }

    /// What keeps the library mapped, for a cdata of its code or data:
    /// taken before the symbol is looked up (a library closed after that
    /// stays mapped for it); `Borrowed` once closed, when the lookup that
    /// follows raises.
    fn pin(&self) -> Owner {
        match self.mapping.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            Some(m) => Owner::Mapped(m.clone()),
            None => Owner::Borrowed,
        }
    }

    /// Whether `dlclose()` was not called yet.
    pub fn is_open(&self) -> bool {
        !self.handle.load(Ordering::Acquire).is_null()
    }

    /// The error for a use after `ffi.dlclose()` (cffi's words differ for
    /// out-of-line modules' libraries, and so does the class).
    pub fn closed_error(&self, py: Python<'_>, out_of_line: bool) -> PyErr {
        if out_of_line {
            errors::ffi_error(py, format!("library '{}' has been closed", self.name))
        } else {
            PyValueError::new_err(format!("library '{}' has already been closed", self.name))
        }
    }

    /// `_lib_function` with the given error for a missing symbol.
    pub(crate) fn function<'py>(&self, py: Python<'py>, ffi: &FFIBase, name: &str, missing: Missing) -> PyResult<Bound<'py, PyAny>> {
        let decl = ffi.declaration(py, name)?;
        let Some(DeclKind::Function { ty, asm_name }) = decl.map(|d| d.kind) else {
            return Err(PyAttributeError::new_err(name.to_string()));
        };
        let symbol = asm_name.as_deref().unwrap_or(name);
        // pinned before dlsym(): building the type below may run Python
        // code (a warning, a collection's finalizers), and another thread
        // may `ffi.dlclose()` the library meanwhile
        let pin = self.pin();
        let addr = self.symbol_for(symbol, missing)?;
        let ptr_ty = arena().pointer(ty);
        let ct = ctype_for(py, ptr_ty)?;
        crate::call::check_callable(py, &ct)?;
        // SAFETY: a function address from dlsym, in code the pin (taken
        // before the lookup, while the library was open: symbol_for checked
        // it with the GIL held since) keeps mapped.
        unsafe { cdata::wrap(py, cdata::new_cdata(py, &ct, addr as *mut u8, pin)) }
    }

    /// `_lib_variable` with the given error for a missing symbol.
    pub(crate) fn variable<'py>(&self, py: Python<'py>, ffi: &FFIBase, name: &str, missing: Missing) -> PyResult<Bound<'py, PyAny>> {
        let decl = ffi.declaration(py, name)?;
        let Some(DeclKind::Variable { ty }) = decl.map(|d| d.kind) else {
            return Err(PyAttributeError::new_err(name.to_string()));
        };
        // pinned before dlsym(), as in `function`
        let pin = self.pin();
        let addr = self.symbol_for(name, missing)?;
        let ptr_ty = arena().pointer(ty);
        let ct = ctype_for(py, ptr_ty)?;
        // SAFETY: a data address from dlsym, in memory the pin (taken
        // before the lookup, as in `function`) keeps mapped.
        unsafe { cdata::wrap(py, cdata::new_cdata(py, &ct, addr as *mut u8, pin)) }
    }
}

#[pymethods]
impl Library {
    #[new]
    #[pyo3(signature = (path, flags=0))]
    fn py_new(path: Option<&str>, flags: i32) -> PyResult<Self> {
        // glibc needs one of RTLD_NOW and RTLD_LAZY in every mode: as cffi,
        // RTLD_NOW unless the caller chose (RTLD_GLOBAL alone is valid)
        let flags = if flags & (libc::RTLD_NOW | libc::RTLD_LAZY) == 0 { flags | libc::RTLD_NOW } else { flags };
        let cpath = path.map(CString::new).transpose().map_err(|_| PyValueError::new_err("embedded NUL in library name"))?;
        // SAFETY: plain dlopen call.
        let h = unsafe { libc::dlopen(cpath.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()), flags) };
        if h.is_null() {
            return Err(PyOSError::new_err(format!(
                "cannot load library '{}': {}",
                path.unwrap_or("<None>"),
                dlerror_text()
            )));
        }
        Ok(Library::open(h, path.unwrap_or("<None>").to_string(), true))
    }

    #[staticmethod]
    fn _from_handle(py: Python<'_>, handle: &Bound<'_, PyAny>) -> PyResult<Self> {
        let cd = cdata::as_cdata(py, handle).ok_or_else(|| PyValueError::new_err("expected a 'void *' handle"))?;
        // as cffi: only a `void *` is taken for a handle (dlsym() on a
        // pointer to anything else reads it as a library's descriptor)
        let ct = cd.ctype();
        if !(ct.kind == crate::ctype::Kind::Pointer && ct.item().get().kind == crate::ctype::Kind::Void) {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "dlopen() takes a file name or 'void *' handle, not '{}'",
                ct.cname
            )));
        }
        if cd.ptr.get().is_null() {
            return Err(pyo3::exceptions::PyRuntimeError::new_err("cannot call dlopen(NULL)"));
        }
        if !is_loaded_library(cd.ptr.get() as *mut c_void) {
            return Err(PyOSError::new_err(format!(
                "cannot load library '{:#x}': not the handle of a library loaded in this process (a 'void *' from dlopen())",
                cd.ptr.get() as usize
            )));
        }
        Ok(Library::open(cd.ptr.get() as *mut c_void, format!("{:#x}", cd.ptr.get() as usize), false))
    }

    fn close(&self) {
        self.close_handle();
    }

    /// The library's name in messages: the file name given, `<None>`, or
    /// the handle's address.
    #[getter]
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    fn check_open(&self, attr: &str) -> PyResult<()> {
        if self.handle.load(Ordering::Acquire).is_null() {
            let _ = attr;
            return Err(PyValueError::new_err(format!("library '{}' has already been closed", self.name)));
        }
        Ok(())
    }
}

#[pymethods]
impl FFIBase {
    /// The function `name` of `lib` as a callable function-pointer cdata.
    fn _lib_function<'py>(&self, py: Python<'py>, lib: &Bound<'py, Library>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        lib.get().function(py, self, name, Missing::Function)
    }

    /// A pointer cdata to the global variable `name` of `lib`. Missing, it
    /// is a `KeyError` (reading or writing it, as in cffi), or with
    /// `address=True` an `AttributeError` (`ffi.addressof`).
    #[pyo3(signature = (lib, name, address=false))]
    fn _lib_variable<'py>(&self, py: Python<'py>, lib: &Bound<'py, Library>, name: &str, address: bool) -> PyResult<Bound<'py, PyAny>> {
        lib.get().variable(py, self, name, if address { Missing::Function } else { Missing::Variable })
    }

    pub(crate) fn _lib_constant(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        let decl = self.declaration(py, name)?;
        match decl.map(|d| d.kind) {
            Some(DeclKind::EnumConstant { ty, value: v }) => {
                // cffi: the values of `enum e { A, ... }` are only known to the compiler
                let partial = {
                    let a = arena();
                    match a.get(a.strip_top_quals(ty)) {
                        cdecl::Type::Enum(eid) => Some(a.enum_def(*eid)).filter(|d| d.partial).map(|d| d.cname.clone()),
                        _ => None,
                    }
                };
                if let Some(cname) = partial {
                    return Err(errors::verification_missing(py, cname));
                }
                Ok(crate::convert::integer::to_py(py, v)?.unbind())
            }
            Some(DeclKind::Constant { value: ConstValue::Int(v), .. }) => Ok(crate::convert::integer::to_py(py, v)?.unbind()),
            Some(DeclKind::Constant { ty, value: ConstValue::Unknown }) if !is_integer(ty) => {
                Err(pyo3::exceptions::PyNotImplementedError::new_err(format!(
                    "non-integer constant '{name}' cannot be accessed from a dlopen() library"
                )))
            }
            Some(DeclKind::Constant { value: ConstValue::Unknown, .. }) => Err(errors::ffi_error(
                py,
                format!("cannot get the value of constant '{name}' in ABI mode: it was declared with '...' and only the C compiler knows it (use API mode)"),
            )),
            _ => Err(PyAttributeError::new_err(PyString::new(py, name).unbind())),
        }
    }
}

/// Whether a constant's type is an integer type (`static const float x`
/// is not: cffi cannot read it from a library).
fn is_integer(ty: cdecl::TypeId) -> bool {
    let a = arena();
    match a.get(a.strip_top_quals(ty)) {
        cdecl::Type::Primitive(p) => p.is_integer(),
        cdecl::Type::Enum(_) | cdecl::Type::UnknownInt(_) => true,
        _ => false,
    }
}
