//! `Lib`: the `lib` object of a compiled module, one extension type (as
//! cffi's `_cffi_backend.Lib`), not a Python class made per module.
//!
//! What it gives comes from its [`LibSource`]. Names are fetched on first
//! use and kept in the object's cache dict: functions and constants as
//! values, each global variable as a [`GlobalVar`] descriptor that reads
//! and writes the C object in Rust at each access (the address is asked
//! again every time: a "global" may be a macro like `(*get_value())`).
//! The raw `tp_getattro` answers a cached name with one dict lookup.
//! Names not declared are looked up in the `lib` of every module this one
//! `ffi.include()`s (`lib.f is other_lib.f`, globals shared).

use std::ffi::c_void;
use std::ptr;
use std::sync::Mutex;

use cdecl::DeclKind;
use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::api_module::ApiModule;
use crate::cdata::{self, Owner};
use crate::ctype::{CType, Kind};
use crate::errors;
use crate::ffi_obj::FFIBase;
use crate::state::arena;

/// Where a `Lib`'s names come from.
pub enum LibSource {
    /// A compiled (API-mode) module's tables.
    Compiled(Py<ApiModule>),
}

#[pyclass(frozen, weakref, module = "_cffi_backend", name = "Lib")]
pub struct Lib {
    ffi: Py<FFIBase>,
    module_name: String,
    source: LibSource,
    /// The `lib` objects of the modules this one includes, searched in order.
    included: Vec<Py<PyAny>>,
    /// name -> what `lib.name` gives, or the `GlobalVar` of a global.
    cache: Py<PyDict>,
    /// Set by rcffi.metrics / contracts (`_boundary.py`): `hook(name,
    /// value)` gives what to keep for each name fetched.
    hook: Mutex<Option<Py<PyAny>>>,
    /// `ffi.verify()`'s lib: the extension module behind it (as cffi's).
    python_module: Option<Py<PyAny>>,
}

/// How a global variable is read and written.
enum Shape {
    /// `T x;`: read and written as a `T`.
    Plain,
    /// `T x[];`: read as a `T *`, written item by item (`T[]` is `array`).
    OpenArray { array: Py<CType> },
    /// `extern opaque_t x;`: only its address is usable.
    Opaque,
}

/// A global variable of a compiled module: `lib.x` reads it, `lib.x = v`
/// writes it, `ffi.addressof(lib, "x")` points at it.
#[pyclass(frozen, module = "_cffi_backend", name = "__GlobalVar")]
pub struct GlobalVar {
    name: String,
    /// `T *` (for an array global, `T[n] *`).
    ptr_ct: Py<CType>,
    getter: Option<unsafe extern "C" fn() -> *mut c_void>,
    shape: Shape,
}

impl GlobalVar {
    pub(crate) fn new(py: Python<'_>, name: &str, ptr_ct: Py<CType>, getter: Option<unsafe extern "C" fn() -> *mut c_void>) -> PyResult<Self> {
        let item = ptr_ct.get().item().get();
        let shape = if item.kind == Kind::Array && item.length.is_none() {
            Shape::OpenArray { array: ptr_ct.get().item().clone_ref(py) }
        } else if item.size(py).is_err() {
            Shape::Opaque
        } else {
            Shape::Plain
        };
        Ok(GlobalVar { name: name.to_string(), ptr_ct, getter, shape })
    }

    /// Where the global is now; NULL (a macro whose pointer-returning
    /// function failed) is an `ffi.error`.
    fn address(&self, py: Python<'_>) -> PyResult<*mut u8> {
        // SAFETY: the generated getter returns the address of the global.
        let addr = unsafe { self.getter.map_or(ptr::null_mut(), |f| f()) } as *mut u8;
        if addr.is_null() {
            return Err(errors::ffi_error(py, format!("global variable '{}' is at address NULL", self.name)));
        }
        Ok(addr)
    }

    /// `ffi.addressof(lib, name)`: a new pointer to where it is now.
    pub(crate) fn pointer<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let addr = self.address(py)?;
        // SAFETY: the address of a global of the module, of the pointed-to type.
        unsafe { cdata::wrap(py, cdata::new_cdata(py, &self.ptr_ct, addr, Owner::Borrowed)) }
    }

    fn opaque_name(&self) -> String {
        self.ptr_ct.get().item().get().cname.clone()
    }

    fn get<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Shape::Opaque = self.shape {
            return Err(PyTypeError::new_err(format!("cdata '{}' is opaque", self.opaque_name())));
        }
        let addr = self.address(py)?;
        // SAFETY: the global's address, of the item type; an open array
        // comes back as a pointer to its first item, the others by value
        // (records and arrays as cdata viewing it).
        unsafe { crate::convert::read(py, self.ptr_ct.get().item(), addr) }
    }

    fn set(&self, py: Python<'_>, ffi_obj: &Bound<'_, FFIBase>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        match &self.shape {
            Shape::Opaque => Err(PyTypeError::new_err(format!("'{}' is opaque", self.opaque_name()))),
            Shape::Plain => {
                // through the pointer's item assignment: its checks and messages
                self.pointer(py)?.set_item(0, value)
            }
            Shape::OpenArray { array } => {
                let addr = self.address(py)?;
                // as many items as given, converted as `ffi.new("T[]", value)`
                let tmp = crate::ffi_obj::new_owned(py, array, Some(value))?;
                let size: usize = ffi_obj.call_method1("sizeof", (&tmp,))?.extract()?;
                let src = cdata::as_cdata(py, &tmp).expect("ffi.new gives a cdata").ptr;
                // SAFETY: `size` bytes of the new array, into the global
                // array the C declaration says is at least that long
                // (cffi writes the same way, unchecked).
                unsafe { ptr::copy_nonoverlapping(src, addr, size) };
                Ok(())
            }
        }
    }
}

fn no_such_name(module: &str, name: &str) -> PyErr {
    PyAttributeError::new_err(format!("cffi library '{module}' has no function, constant or global variable named '{name}'"))
}

fn cannot_write(name: &str) -> PyErr {
    PyAttributeError::new_err(format!("cannot write to function or constant '{name}'"))
}

impl Lib {
    pub fn new_compiled(py: Python<'_>, ffi: Py<FFIBase>, module_name: String, api: Py<ApiModule>, included: Vec<Py<PyAny>>, python_module: Option<Py<PyAny>>) -> Self {
        Lib { ffi, module_name, source: LibSource::Compiled(api), included, cache: PyDict::new(py).unbind(), hook: Mutex::new(None), python_module }
    }

    /// What `lib.name` gives for a name not in the cache.
    fn lookup<'py>(&self, slf: &Bound<'py, Lib>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let s = name.to_str()?;
        if s.starts_with("__") && s.ends_with("__") || s.starts_with("_rcffi_") || s == "_cffi_python_module" {
            // the type's own attributes (`__class__`, `__dict__`, `__dir__`, ...)
            // SAFETY: generic lookup on a live object with a str name.
            let found = unsafe { ffi::PyObject_GenericGetAttr(slf.as_ptr(), name.as_ptr()) };
            if !found.is_null() {
                // SAFETY: a new reference.
                return Ok(unsafe { Bound::from_owned_ptr(py, found) });
            }
            let err = PyErr::fetch(py);
            if !err.is_instance_of::<PyAttributeError>(py) {
                return Err(err);
            }
            return match s {
                "__name__" => Ok(PyString::new(py, &format!("{}.lib", self.module_name)).into_any()),
                "__all__" => self.all_names(py).map(Bound::into_any),
                "__loader__" | "__spec__" => Ok(py.None().into_bound(py)),
                "_cffi_python_module" if self.python_module.is_some() => Ok(self.python_module.as_ref().expect("checked").bind(py).clone()),
                _ => Err(PyAttributeError::new_err(s.to_string())),
            };
        }
        self.fetch(py, s)
    }

    /// Fetch `name` from the source into the cache and give its value.
    fn fetch<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let ffi_obj = self.ffi.bind(py);
        let LibSource::Compiled(api) = &self.source;
        let api = api.get();
        let kind = ffi_obj.get().declaration(py, name)?.map(|d| d.kind);
        let value = match kind {
            Some(DeclKind::Function { .. } | DeclKind::ExternPython { .. }) => self.hooked(py, name, api.function(py, ffi_obj, name)?)?,
            Some(DeclKind::Constant { .. } | DeclKind::EnumConstant { .. }) => self.hooked(py, name, api.constant(py, ffi_obj, name)?)?,
            Some(DeclKind::Variable { ty }) => {
                let g = api.global_var(py, name, ty)?;
                if is_const_global(ty) {
                    // `const T x;`: a constant for cffi, read once by value
                    if let Shape::Opaque = g.shape {
                        return Err(errors::ffi_error(
                            py,
                            format!("constant '{name}' is of type '{}', whose size is not known", g.opaque_name()),
                        ));
                    }
                    g.get(py)?
                } else {
                    let g = Bound::new(py, g)?;
                    self.cache.bind(py).set_item(name, &g)?;
                    return g.get().get(py);
                }
            }
            None => return self.fetch_included(py, name),
        };
        self.cache.bind(py).set_item(name, &value)?;
        Ok(value)
    }

    /// What the metrics/contracts hook makes of a value just fetched.
    fn hooked<'py>(&self, py: Python<'py>, name: &str, value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let hook = self.hook.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(|h| h.clone_ref(py));
        match hook {
            Some(h) => h.bind(py).call1((name, value)),
            None => Ok(value),
        }
    }

    /// `name` from an included module's `lib`: its globals are shared
    /// (the same descriptor), anything else is copied into the cache.
    fn fetch_included<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        for other in &self.included {
            let other = other.bind(py);
            let value = match other.getattr(name) {
                Ok(v) => v,
                Err(e) if e.is_instance_of::<PyAttributeError>(py) => continue,
                Err(e) => return Err(e),
            };
            let shared = other.cast::<Lib>().ok().and_then(|l| l.get().cache.bind(py).get_item(name).ok().flatten()).filter(|v| v.is_instance_of::<GlobalVar>());
            self.cache.bind(py).set_item(name, shared.as_ref().unwrap_or(&value))?;
            return Ok(value);
        }
        Err(no_such_name(&self.module_name, name))
    }

    /// `from lib import *`: every name but the (non-constant) global variables.
    fn all_names<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let reg = self.ffi.get().registry_full(py)?;
        let names: Vec<&str> = reg
            .declarations()
            .iter()
            .filter(|d| !matches!(d.kind, DeclKind::Variable { ty } if !is_const_global(ty)))
            .map(|d| d.name.as_str())
            .collect();
        PyList::new(py, names)
    }

    fn declared_names(&self, py: Python<'_>) -> PyResult<Vec<(String, bool)>> {
        let reg = self.ffi.get().registry_full(py)?;
        Ok(reg.declarations().iter().map(|d| (d.name.clone(), matches!(d.kind, DeclKind::Variable { ty } if !is_const_global(ty)))).collect())
    }

    /// The global variable `name` (fetched if needed), or None.
    fn global<'py>(&self, slf: &Bound<'py, Lib>, name: &str) -> PyResult<Option<Bound<'py, GlobalVar>>> {
        let py = slf.py();
        let cached = self.cache.bind(py).get_item(name)?;
        if let Some(v) = cached {
            return Ok(v.cast_into::<GlobalVar>().ok());
        }
        let kind = self.ffi.get().declaration(py, name)?.map(|d| d.kind);
        match kind {
            Some(DeclKind::Variable { ty }) if !is_const_global(ty) => {
                // made without reading it (writing it must not read first)
                let LibSource::Compiled(api) = &self.source;
                let g = Bound::new(py, api.get().global_var(py, name, ty)?)?;
                self.cache.bind(py).set_item(name, &g)?;
                Ok(Some(g))
            }
            None if !self.included.is_empty() => {
                self.fetch_included(py, name)?;
                Ok(self.cache.bind(py).get_item(name)?.and_then(|v| v.cast_into::<GlobalVar>().ok()))
            }
            _ => Ok(None),
        }
    }

    /// `ffi.addressof(lib, name)`: a pointer to a global variable, or a
    /// function's cdata.
    pub fn address<'py>(&self, slf: &Bound<'py, Lib>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if let Some(g) = self.global(slf, name)? {
            return g.get().pointer(py);
        }
        let value = slf.getattr(name)?;
        if let Some(fnptr) = crate::lib_function::unwrap(py, &value) {
            return Ok(fnptr);
        }
        if let Some(cd) = cdata::as_cdata(py, &value) {
            if cd.ctype().kind == Kind::Function || cd.ctype().is_function_pointer() {
                // a constant function pointer (`int (*const f)(int);`)
                return Ok(value);
            }
        }
        Err(PyAttributeError::new_err(format!("cannot take the address of the constant {}", PyString::new(py, name).repr()?)))
    }
}

/// `const T x;` (not an array): a constant for cffi, read once by value.
fn is_const_global(ty: cdecl::TypeId) -> bool {
    let a = arena();
    a.quals_of(ty).is_const && !matches!(a.get(a.strip_top_quals(ty)), cdecl::Type::Array { .. })
}

#[pymethods]
impl Lib {
    fn __setattr__(slf: &Bound<'_, Self>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        if let Some(g) = this.global(slf, name)? {
            return g.get().set(py, this.ffi.bind(py), value);
        }
        let declared = this.ffi.get().declaration(py, name)?.is_some();
        if !declared && !this.included.is_empty() {
            // a constant or function of an included module
            if this.fetch_included(py, name).is_ok() {
                return Err(cannot_write(name));
            }
        }
        if !declared {
            return Err(no_such_name(&this.module_name, name));
        }
        Err(cannot_write(name))
    }

    fn __delattr__(&self, _name: &str) -> PyResult<()> {
        Err(PyAttributeError::new_err("C attribute cannot be deleted"))
    }

    /// As cffi's lib: looks like a module (which `help()` wants).
    #[getter]
    fn __class__<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        // SAFETY: a static type object.
        unsafe { Bound::from_borrowed_ptr(py, ptr::addr_of_mut!(ffi::PyModule_Type) as *mut ffi::PyObject) }
    }

    /// As cffi: a new dict of every name; a global variable is given as a
    /// pointer to it.
    #[getter]
    fn __dict__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        let this = slf.get();
        let names = PyDict::new(py);
        for (name, is_global) in this.declared_names(py)? {
            let value = if is_global { this.address(slf, &name)? } else { slf.getattr(name.as_str())? };
            names.set_item(name, value)?;
        }
        Ok(names)
    }

    fn __dir__(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let mut names: Vec<String> = self.declared_names(py)?.into_iter().map(|(n, _)| n).collect();
        names.sort();
        Ok(names)
    }

    fn __repr__(&self) -> String {
        format!("<Lib object for '{}'>", self.module_name)
    }

    /// The module's tables (read by `ffi.verify()`).
    #[getter]
    fn _rcffi_handle(&self, py: Python<'_>) -> Py<PyAny> {
        let LibSource::Compiled(api) = &self.source;
        api.clone_ref(py).into_any()
    }
}

/// The raw `tp_getattro` of `Lib`: a cached name is one dict lookup.
unsafe extern "C" fn lib_getattro(slf: *mut ffi::PyObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let py = Python::assume_attached();
    // SAFETY: `slf` is a `Lib` (this slot is only on its type); frozen:
    // shared access needs no borrow flag.
    let this = Bound::from_borrowed_ptr(py, slf).cast_into_unchecked::<Lib>();
    let found = ffi::PyDict_GetItemWithError(this.get().cache.as_ptr(), name);
    if !found.is_null() && ffi::Py_TYPE(found) != py.get_type::<GlobalVar>().as_type_ptr() {
        ffi::Py_INCREF(found);
        return found;
    }
    if found.is_null() && !ffi::PyErr_Occurred().is_null() {
        return ptr::null_mut();
    }
    crate::entry::attached_obj(|py| {
        let result = if found.is_null() {
            match Bound::from_borrowed_ptr(py, name).cast::<PyString>() {
                Ok(s) => this.get().lookup(&this, s),
                // SAFETY: as CPython's own: a non-str name raises TypeError there.
                Err(_) => Bound::from_owned_ptr_or_err(py, ffi::PyObject_GenericGetAttr(slf, name)),
            }
        } else {
            Bound::from_borrowed_ptr(py, found).cast_unchecked::<GlobalVar>().get().get(py)
        };
        match result {
            Ok(v) => v.into_ptr(),
            Err(e) => {
                e.restore(py);
                ptr::null_mut()
            }
        }
    })
}

/// `_rcffi._lib_address(lib, name)`: `ffi.addressof(lib, name)`.
#[pyfunction]
fn _lib_address<'py>(lib: &Bound<'py, Lib>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    lib.get().address(lib, name)
}

/// `_rcffi._lib_cache(lib)`: the dict of what `lib` fetched (functions
/// are replaced there by rcffi.metrics and contracts).
#[pyfunction]
fn _lib_cache<'py>(py: Python<'py>, lib: &Bound<'py, Lib>) -> Bound<'py, PyDict> {
    lib.get().cache.bind(py).clone()
}

/// `_rcffi._lib_set_hook(lib, hook)`: `hook(name, value)` gives what to
/// keep for each function or constant fetched from now on.
#[pyfunction]
fn _lib_set_hook(py: Python<'_>, lib: &Bound<'_, Lib>, hook: Py<PyAny>) {
    *lib.get().hook.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook.clone_ref(py));
}

/// `_rcffi._make_lib(ffi, module_name, api, included=(), python_module=None)`:
/// a compiled module's `lib` over `ffi`; also `sys.modules[module_name +
/// ".lib"]` (`from _foo.lib import f` works, as with cffi, which
/// replaces an earlier module's lib of the same name).
#[pyfunction]
#[pyo3(signature = (ffi_obj, module_name, api, included=Vec::new(), python_module=None))]
pub fn _make_lib<'py>(
    py: Python<'py>,
    ffi_obj: &Bound<'py, FFIBase>,
    module_name: String,
    api: &Bound<'py, ApiModule>,
    included: Vec<Py<PyAny>>,
    python_module: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, Lib>> {
    let key = format!("{module_name}.lib");
    let lib = Bound::new(py, Lib::new_compiled(py, ffi_obj.clone().unbind(), module_name, api.clone().unbind(), included, python_module))?;
    py.import("sys")?.getattr("modules")?.set_item(key, &lib)?;
    Ok(lib)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Lib>()?;
    let tp = py.get_type::<Lib>();
    // SAFETY: a heap type PyO3 just made, not used yet; the new slot is
    // announced to the type cache with PyType_Modified.
    unsafe {
        (*tp.as_type_ptr()).tp_getattro = Some(lib_getattro);
        ffi::PyType_Modified(tp.as_type_ptr());
    }
    m.add_function(wrap_pyfunction!(_lib_address, m)?)?;
    m.add_function(wrap_pyfunction!(_lib_cache, m)?)?;
    m.add_function(wrap_pyfunction!(_lib_set_hook, m)?)?;
    m.add_function(wrap_pyfunction!(_make_lib, m)?)?;
    Ok(())
}
