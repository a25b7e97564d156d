//! `Lib`: every `lib` object, one extension type (as cffi's
//! `_cffi_backend.Lib`), whose names come from its [`LibSource`]: a
//! compiled module's tables, or a `dlopen()`ed library (of in-line ABI
//! mode, or of an out-of-line module, whose errors are cffi's for those).
//!
//! Names are fetched on first use and kept in the object's cache dict:
//! functions and constants as values, each global variable as a
//! [`GlobalVar`] descriptor that reads and writes the C object in Rust at
//! each access. The raw `tp_getattro` answers a cached name with one dict
//! lookup. A compiled module's names it does not declare are looked up in
//! the `lib` of every module it `ffi.include()`s (`lib.f is other_lib.f`,
//! globals shared).
//!
//! In-line ABI mode names a `Lib` subclass per library, as cffi does
//! (`cffi.api._make_ffi_library.<locals>.FFILibrary`, python/rcffi/lib.py);
//! it adds nothing else.

use std::ffi::c_void;
use std::ptr;
use std::sync::Mutex;

use cdecl::DeclKind;
use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::api_module::{ApiModule, ApiTables};
use crate::cdata::{self, Owner};
use crate::ctype::{CType, Kind};
use crate::errors;
use crate::ffi_obj::FFIBase;
use crate::library::{Library, Missing};
use crate::state::arena;

/// Where a `Lib`'s names come from.
pub enum LibSource {
    /// A compiled (API-mode) module's tables.
    Compiled(std::sync::Arc<ApiTables>),
    /// `ffi.dlopen()`: in-line ABI mode, or (`out_of_line`) the `ffi` of
    /// an out-of-line module, whose missing symbols and closed library are
    /// `ffi.error` and whose `const` globals are constants, as cffi's.
    Dlopen { library: Py<Library>, out_of_line: bool },
}

#[pyclass(frozen, weakref, subclass, module = "_cffi_backend", name = "Lib")]
pub struct Lib {
    ffi: Py<FFIBase>,
    /// In messages: the module's name, or the library's.
    name: String,
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
    /// `extern opaque_t x;` of a compiled module: only its address is usable.
    Opaque,
}

/// Where a global variable is.
enum Place {
    /// A compiled module's getter, asked at each access (the "global" may
    /// be a macro like `(*get_value())`).
    Getter(Option<unsafe extern "C" fn() -> *mut c_void>),
    /// A `dlopen()`ed library's symbol (`ptr`: a `T *` to it), usable
    /// while the library is open.
    Symbol { ptr: Py<PyAny>, library: Py<Library>, out_of_line: bool, read_only: bool },
}

/// A global variable: `lib.x` reads it, `lib.x = v` writes it,
/// `ffi.addressof(lib, "x")` points at it.
#[pyclass(frozen, module = "_cffi_backend", name = "__GlobalVar")]
pub struct GlobalVar {
    name: String,
    /// `T *` (for an array global, `T[n] *`).
    ptr_ct: Py<CType>,
    place: Place,
    shape: Shape,
}

impl GlobalVar {
    /// A compiled module's global, whose address `getter` gives.
    pub(crate) fn new(py: Python<'_>, name: &str, ptr_ct: Py<CType>, getter: Option<unsafe extern "C" fn() -> *mut c_void>) -> PyResult<Self> {
        let item = ptr_ct.get().item().get();
        let shape = if item.kind == Kind::Array && item.length.is_none() {
            Shape::OpenArray { array: ptr_ct.get().item().clone_ref(py) }
        } else if item.size(py).is_err() {
            Shape::Opaque
        } else {
            Shape::Plain
        };
        Ok(GlobalVar { name: name.to_string(), ptr_ct, place: Place::Getter(getter), shape })
    }

    /// A library's global at `ptr` (a pointer cdata from dlsym).
    fn symbol(py: Python<'_>, name: &str, ptr: Bound<'_, PyAny>, library: Py<Library>, out_of_line: bool, read_only: bool) -> PyResult<Self> {
        let ptr_ct = cdata::as_cdata(py, &ptr).ok_or_else(|| PyTypeError::new_err("expected a cdata"))?.ctype_obj(py);
        let item = ptr_ct.get().item().get();
        let shape = if item.kind == Kind::Array && item.length.is_none() {
            Shape::OpenArray { array: ptr_ct.get().item().clone_ref(py) }
        } else {
            Shape::Plain
        };
        let place = Place::Symbol { ptr: ptr.unbind(), library, out_of_line, read_only };
        Ok(GlobalVar { name: name.to_string(), ptr_ct, place, shape })
    }

    /// Where the global is now: a compiled module's getter is asked (NULL,
    /// from a macro whose pointer-returning function failed, is an
    /// `ffi.error`); a library must still be open.
    fn address(&self, py: Python<'_>) -> PyResult<*mut u8> {
        match &self.place {
            Place::Getter(getter) => {
                // SAFETY: the generated getter returns the address of the global.
                let addr = unsafe { getter.map_or(ptr::null_mut(), |f| f()) } as *mut u8;
                if addr.is_null() {
                    return Err(errors::ffi_error(py, format!("global variable '{}' is at address NULL", self.name)));
                }
                Ok(addr)
            }
            Place::Symbol { ptr, library, .. } => {
                if !library.get().is_open() {
                    return Err(library.get().closed_error(py, false));
                }
                Ok(cdata::as_cdata(py, ptr.bind(py)).expect("a pointer cdata").ptr.get())
            }
        }
    }

    /// `T *` to its first item, for an open array `T x[]`.
    fn items<'py>(&self, py: Python<'py>, array: &Py<CType>, addr: *mut u8) -> PyResult<Bound<'py, PyAny>> {
        let items_ct = crate::convert::open_array_pointer(py, array.get())?;
        // SAFETY: the global array's address, as a pointer to its items; a
        // library's keeps the library mapped through its symbol's cdata.
        unsafe {
            match &self.place {
                Place::Symbol { ptr, .. } => cdata::wrap(py, cdata::new_view(py, &items_ct, addr, ptr.as_ptr())),
                Place::Getter(_) => cdata::wrap(py, cdata::new_cdata(py, &items_ct, addr, Owner::Borrowed)),
            }
        }
    }

    /// `ffi.addressof(lib, name)`: a compiled module's global gives a new
    /// pointer to where it is now; a `dlopen()`ed library's gives its
    /// pointer, except that in-line ABI mode gives an array itself (as
    /// `lib.name` does), as cffi's.
    pub(crate) fn pointer<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.place {
            Place::Getter(_) => {
                let addr = self.address(py)?;
                self.pointer_at(py, addr)
            }
            Place::Symbol { ptr, out_of_line: false, .. } if self.ptr_ct.get().item().get().kind == Kind::Array => match &self.shape {
                Shape::OpenArray { array } => {
                    let addr = cdata::as_cdata(py, ptr.bind(py)).expect("a pointer cdata").ptr.get();
                    self.items(py, array, addr)
                }
                _ => ptr.bind(py).get_item(0),
            },
            Place::Symbol { ptr, .. } => Ok(ptr.bind(py).clone()),
        }
    }

    /// A `T *` cdata at `addr` (where the global is).
    fn pointer_at<'py>(&self, py: Python<'py>, addr: *mut u8) -> PyResult<Bound<'py, PyAny>> {
        // SAFETY: the address of the global, of the pointed-to type.
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
        match (&self.place, &self.shape) {
            (_, Shape::OpenArray { array }) => self.items(py, array, addr),
            (Place::Symbol { ptr, .. }, _) => ptr.bind(py).get_item(0),
            // SAFETY: the global's address, of the item type (records and
            // arrays come back as cdata viewing it).
            (Place::Getter(_), _) => unsafe { crate::convert::read(py, self.ptr_ct.get().item(), addr) },
        }
    }

    fn set(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Place::Symbol { read_only: true, .. } = self.place {
            // it may live in read-only memory: writing it could crash
            return Err(cannot_write(&self.name));
        }
        match &self.shape {
            Shape::Opaque => Err(PyTypeError::new_err(format!("'{}' is opaque", self.opaque_name()))),
            Shape::Plain => {
                // (the address asked once: a getter may give another each time)
                let addr = self.address(py)?;
                // through the pointer's item assignment: its checks and messages
                match &self.place {
                    Place::Symbol { ptr, .. } => ptr.bind(py).set_item(0, value),
                    Place::Getter(_) => self.pointer_at(py, addr)?.set_item(0, value),
                }
            }
            Shape::OpenArray { array } => {
                let addr = self.address(py)?;
                // as many items as given, converted as `ffi.new("T[]", value)`
                let tmp = crate::ffi_obj::new_owned(py, array, Some(value))?;
                // the size measured here, not by `ffi.sizeof` (a subclass's
                // may say anything: 1 GiB was copied out of a 1-item array)
                let tmp_cd = cdata::as_cdata(py, &tmp).expect("ffi.new gives a cdata");
                let size = (tmp_cd.length.get().max(0) as usize).checked_mul(array.get().item().get().size(py)?).ok_or_else(|| {
                    pyo3::exceptions::PyOverflowError::new_err("array size would overflow a Py_ssize_t")
                })?;
                let src = tmp_cd.ptr.get();
                // SAFETY: `size` bytes of the new array, into the global
                // array the C declaration says is at least that long
                // (cffi writes the same way, unchecked).
                unsafe { ptr::copy_nonoverlapping(src, addr, size) };
                Ok(())
            }
        }
    }
}

/// The special attributes a compiled `lib` has, as cffi's: every other
/// `__name__` is looked up as a C name (and is missing).
const COMPILED_LIB_DUNDERS: [&str; 6] = ["__all__", "__dict__", "__class__", "__name__", "__loader__", "__spec__"];

fn no_such_name(module: &str, name: &str) -> PyErr {
    PyAttributeError::new_err(format!("cffi library '{module}' has no function, constant or global variable named '{name}'"))
}

fn cannot_write(name: &str) -> PyErr {
    PyAttributeError::new_err(format!("cannot write to function or constant '{name}'"))
}

/// `const T x;` (not an array): a constant for cffi, read once by value.
fn is_const_global(ty: cdecl::TypeId) -> bool {
    let a = arena();
    a.quals_of(ty).is_const && !matches!(a.get(a.strip_top_quals(ty)), cdecl::Type::Array { .. })
}

impl Lib {
    fn new(py: Python<'_>, ffi: Py<FFIBase>, name: String, source: LibSource, included: Vec<Py<PyAny>>, python_module: Option<Py<PyAny>>) -> Self {
        Lib { ffi, name, source, included, cache: PyDict::new(py).unbind(), hook: Mutex::new(None), python_module }
    }

    fn is_compiled(&self) -> bool {
        matches!(self.source, LibSource::Compiled(_))
    }

    /// What `lib.name` gives for a name not in the cache.
    fn lookup<'py>(&self, slf: &Bound<'py, Lib>, name: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let s = name.to_str()?;
        let dunder = s.starts_with("__") && s.ends_with("__");
        if dunder && self.is_compiled() && !COMPILED_LIB_DUNDERS.contains(&s) {
            // cffi's compiled `lib` has no other special attribute (only a
            // C name): `copy.copy(lib)` and `pickle` find no `__reduce_ex__`
            // and say the object is not copyable, `lib.__doc__` is missing
            return self.fetch(py, s);
        }
        if dunder || s.starts_with("_rcffi_") || s == "_cffi_python_module" {
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
                "__name__" if self.is_compiled() => Ok(PyString::new(py, &format!("{}.lib", self.name)).into_any()),
                "__all__" if self.is_compiled() => self.all_names(py).map(Bound::into_any),
                "__loader__" | "__spec__" if self.is_compiled() => Ok(py.None().into_bound(py)),
                "_cffi_python_module" if self.python_module.is_some() => Ok(self.python_module.as_ref().expect("checked").bind(py).clone()),
                _ => Err(PyAttributeError::new_err(s.to_string())),
            };
        }
        self.fetch(py, s)
    }

    /// Fetch `name` from the source into the cache and give its value.
    fn fetch<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let ffi_obj = self.ffi.bind(py);
        let kind = ffi_obj.get().declaration(py, name)?.map(|d| d.kind);
        // a function of a dlopen()ed library (constants are values, which
        // stay readable after a close, as in cffi)
        let from_library = matches!((&self.source, &kind), (LibSource::Dlopen { .. }, Some(DeclKind::Function { .. })));
        let value = match (&self.source, kind) {
            (LibSource::Compiled(api), Some(DeclKind::Function { .. } | DeclKind::ExternPython { .. })) => api.function(py, ffi_obj, name)?,
            (LibSource::Compiled(api), Some(DeclKind::Constant { .. } | DeclKind::EnumConstant { .. })) => api.constant(py, ffi_obj, name)?,
            (LibSource::Dlopen { .. }, Some(DeclKind::Constant { .. } | DeclKind::EnumConstant { .. })) => {
                ffi_obj.get()._lib_constant(py, name)?.into_bound(py)
            }
            (LibSource::Dlopen { library, out_of_line }, Some(DeclKind::Function { .. })) => {
                let library = library.get();
                if !library.is_open() {
                    return Err(library.closed_error(py, *out_of_line));
                }
                library.function(py, ffi_obj.get(), name, if *out_of_line { Missing::OutOfLine } else { Missing::Function })?
            }
            (LibSource::Dlopen { .. }, Some(DeclKind::ExternPython { .. })) => {
                return Err(PyAttributeError::new_err(format!("{name}: extern \"Python\" functions are only available in API mode")));
            }
            (source, Some(DeclKind::Variable { ty })) => {
                let constant = is_const_global(ty) && !matches!(source, LibSource::Dlopen { out_of_line: false, .. });
                let missing = if matches!(source, LibSource::Dlopen { out_of_line: true, .. }) { Missing::OutOfLine } else { Missing::Variable };
                let g = self.make_global(py, name, ty, missing, !constant)?;
                if !constant {
                    return g.get().get(py);
                }
                // `const T x;`: a constant for cffi, read once by value
                // (a library's global of a record type whose size is unknown
                // reads as opaque too: same message, as cffi's out-of-line)
                let item = g.get().ptr_ct.get().item();
                let opaque_record = matches!(item.get().kind, Kind::Struct | Kind::Union) && item.get().size(py).is_err();
                if matches!(g.get().shape, Shape::Opaque) || opaque_record {
                    return Err(errors::ffi_error(
                        py,
                        format!("constant '{name}' is of type '{}', whose size is not known", g.get().opaque_name()),
                    ));
                }
                let mut value = g.get().get(py)?;
                if matches!(source, LibSource::Compiled(_)) && matches!(item.get().conv, crate::ctype::Conv::Bool) {
                    // cffi's module reads an integer-typed constant as an
                    // int: `const _Bool g;` is 0 or 1, not False/True
                    value = crate::convert::integer::to_py(py, i128::from(value.is_truthy()?))?;
                }
                self.cache_put(py, name, &value)?;
                return Ok(value);
            }
            (LibSource::Compiled(_), None) => return self.fetch_included(py, name),
            (LibSource::Dlopen { .. }, None) => {
                return Err(match ffi_obj.get()._skipped_reason(name) {
                    // skipped by cdef_header(): say why
                    Some(reason) => PyAttributeError::new_err(format!("{name}: skipped by cdef_header(): {reason}")),
                    None => PyAttributeError::new_err(name.to_string()),
                });
            }
        };
        let value = self.hooked(py, name, value)?;
        if from_library {
            self.check_still_open(py)?;
        }
        self.cache_put(py, name, &value)?;
        Ok(value)
    }

    /// Before keeping a function or global a lookup fetched from a
    /// library: Python code ran since the lookup checked that the library
    /// is open (a warning while its type was built, the metrics hook),
    /// where another thread may have called `ffi.dlclose()` and emptied
    /// the cache. Kept then, the name would go on working (and pin the
    /// library) after the close; it is dropped and this lookup raises, as
    /// every later one does.
    fn check_still_open(&self, py: Python<'_>) -> PyResult<()> {
        match &self.source {
            LibSource::Dlopen { library, out_of_line } if !library.get().is_open() => {
                Err(library.get().closed_error(py, *out_of_line))
            }
            _ => Ok(()),
        }
    }

    /// The descriptor of the global variable `name` of type `ty`, made
    /// without reading it (and kept in the cache if `keep`).
    fn make_global<'py>(&self, py: Python<'py>, name: &str, ty: cdecl::TypeId, missing: Missing, keep: bool) -> PyResult<Bound<'py, GlobalVar>> {
        let g = match &self.source {
            LibSource::Compiled(api) => {
                let (ptr_ct, getter) = api.global_place(py, name, ty)?;
                GlobalVar::new(py, name, ptr_ct, getter)?
            }
            LibSource::Dlopen { library, out_of_line } => {
                if !library.get().is_open() {
                    return Err(library.get().closed_error(py, *out_of_line));
                }
                let ptr = library.get().variable(py, self.ffi.get(), name, missing)?;
                GlobalVar::symbol(py, name, ptr, library.clone_ref(py), *out_of_line, is_const_global(ty))?
            }
        };
        let g = Bound::new(py, g)?;
        if keep {
            self.check_still_open(py)?;
            self.cache_put(py, name, g.as_any())?;
        }
        Ok(g)
    }

    /// Keep `value` as `lib.name`. The key is the interned string: the
    /// names of `lib.name` in code are interned, so the raw `getattro`'s
    /// dict lookup finds its entry by identity (a fresh string key costs a
    /// hash check and a `memcmp` at every access).
    fn cache_put(&self, py: Python<'_>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.cache.bind(py).set_item(PyString::intern(py, name), value)
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
            self.cache_put(py, name, shared.as_ref().unwrap_or(&value))?;
            return Ok(value);
        }
        Err(no_such_name(&self.name, name))
    }

    /// `from lib import *`: every name but the (non-constant) global variables.
    fn all_names<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        // in the order of cffi's table of globals: sorted by name, bytewise
        let mut names: Vec<String> = self.declared_names(py)?.into_iter().filter(|(_, global)| !global).map(|(n, _)| n).collect();
        names.sort_unstable();
        PyList::new(py, names)
    }

    /// Every declared name, and whether it is a (non-constant) global variable.
    fn declared_names(&self, py: Python<'_>) -> PyResult<Vec<(String, bool)>> {
        let reg = self.ffi.get().registry_full(py)?;
        Ok(reg.declarations().iter().map(|d| (d.name.clone(), matches!(d.kind, DeclKind::Variable { ty } if !is_const_global(ty)))).collect())
    }

    /// The global variable `name` (its descriptor made if needed), or None.
    /// `for_address`: a missing symbol is an `AttributeError` (as cffi's
    /// `ffi.addressof`), not the error of reading it.
    fn global<'py>(&self, py: Python<'py>, name: &str, for_address: bool) -> PyResult<Option<Bound<'py, GlobalVar>>> {
        let cached = self.cache.bind(py).get_item(name)?;
        if let Some(v) = cached {
            return Ok(v.cast_into::<GlobalVar>().ok());
        }
        let kind = self.ffi.get().declaration(py, name)?.map(|d| d.kind);
        match (&self.source, kind) {
            (LibSource::Compiled(_), Some(DeclKind::Variable { ty })) if !is_const_global(ty) => {
                self.make_global(py, name, ty, Missing::Variable, true).map(Some)
            }
            (LibSource::Dlopen { out_of_line, .. }, Some(DeclKind::Variable { ty })) if !(*out_of_line && is_const_global(ty)) => {
                let missing = match (for_address, out_of_line) {
                    (_, true) => Missing::OutOfLine,
                    (true, false) => Missing::Function,
                    (false, false) => Missing::Variable,
                };
                self.make_global(py, name, ty, missing, true).map(Some)
            }
            (LibSource::Compiled(_), None) if !self.included.is_empty() => {
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
        if let Some(g) = self.global(py, name, true)? {
            return g.get().pointer(py);
        }
        let value = slf.getattr(name)?;
        if let Some(fnptr) = crate::lib_function::unwrap(py, &value) {
            return Ok(fnptr);
        }
        if let Some(cd) = cdata::as_cdata(py, &value) {
            if cd.ctype().kind == Kind::Function || cd.ctype().is_function_pointer() {
                // a function, or a constant function pointer (`int (*const f)(int);`)
                return Ok(value);
            }
        }
        Err(PyAttributeError::new_err(format!("cannot take the address of the constant {}", PyString::new(py, name).repr()?)))
    }
}

#[pymethods]
impl Lib {
    /// `Lib(ffi, library, out_of_line=False)`: the names of `ffi` in a
    /// `dlopen()`ed library (what `ffi.dlopen()` gives, see rcffi/lib.py).
    #[new]
    #[pyo3(signature = (ffi, library, out_of_line=false))]
    fn py_new(py: Python<'_>, ffi: Py<FFIBase>, library: Bound<'_, Library>, out_of_line: bool) -> Self {
        let name = library.get().name().to_string();
        Lib::new(py, ffi, name, LibSource::Dlopen { library: library.unbind(), out_of_line }, Vec::new(), None)
    }

    /// For the cycle collector: `ffi._libraries` holds the `lib` that holds
    /// the `ffi` (the `ffi`'s dict is what breaks such a cycle).
    fn __traverse__(&self, visit: pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        visit.call(&self.ffi)?;
        visit.call(&self.cache)?;
        for lib in &self.included {
            visit.call(lib)?;
        }
        if let Ok(hook) = self.hook.try_lock() {
            if let Some(h) = hook.as_ref() {
                visit.call(h)?;
            }
        }
        if let Some(m) = &self.python_module {
            visit.call(m)?;
        }
        match &self.source {
            // (the tables hold no Python object the collector must see:
            // their `def_extern` callables stay alive with the module)
            LibSource::Compiled(_) => Ok(()),
            LibSource::Dlopen { library, .. } => visit.call(library),
        }
    }

    fn __setattr__(slf: &Bound<'_, Self>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        if let Some(g) = this.global(py, name, false)? {
            return g.get().set(py, value);
        }
        let declared = this.ffi.get().declaration(py, name)?.is_some();
        match &this.source {
            LibSource::Dlopen { .. } if declared => Err(cannot_write(name)),
            LibSource::Dlopen { .. } => {
                Err(PyAttributeError::new_err(format!("cannot write to {}: not a global variable declared in the cdef", PyString::new(py, name).repr()?)))
            }
            // a constant or function of an included module
            LibSource::Compiled(_) if !declared && !this.included.is_empty() && this.fetch_included(py, name).is_ok() => Err(cannot_write(name)),
            LibSource::Compiled(_) if !declared => Err(no_such_name(&this.name, name)),
            LibSource::Compiled(_) => {
                // as cffi's module: the name is fetched first, so a constant
                // the compiler contradicts reports that (ffi.error)
                slf.as_any().getattr(name)?;
                Err(cannot_write(name))
            }
        }
    }

    fn __delattr__(slf: &Bound<'_, Self>, name: &str) -> PyResult<()> {
        if matches!(slf.get().source, LibSource::Compiled(_)) {
            // cffi's module fetches the name first: an unknown name or a
            // contradicted constant reports that
            slf.as_any().getattr(name)?;
        }
        Err(PyAttributeError::new_err("C attribute cannot be deleted"))
    }

    /// As cffi's compiled lib: looks like a module (which `help()` wants).
    #[getter]
    fn __class__<'py>(slf: &Bound<'py, Self>) -> Bound<'py, PyAny> {
        if !slf.get().is_compiled() {
            return slf.get_type().into_any();
        }
        // SAFETY: a static type object.
        unsafe { Bound::from_borrowed_ptr(slf.py(), ptr::addr_of_mut!(ffi::PyModule_Type) as *mut ffi::PyObject) }
    }

    /// As cffi's compiled lib: a new dict of every name, a global variable
    /// given as a pointer to it. A library's: what it fetched so far.
    #[getter]
    fn __dict__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        let this = slf.get();
        let names = PyDict::new(py);
        if !this.is_compiled() {
            // A snapshot: a collection run by an allocation here may call a
            // `__del__` that looks a name up (an insert into the cache), and
            // PyO3's dict iterator panics on a size change.
            for item in this.cache.bind(py).items().iter() {
                let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
                if !v.is_instance_of::<GlobalVar>() {
                    names.set_item(k, v)?;
                }
            }
            return Ok(names);
        }
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

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let this = slf.get();
        if let LibSource::Dlopen { out_of_line: false, .. } = this.source {
            // as cffi's: `<cffi.api._make_ffi_library.<locals>.FFILibrary object at 0x...>`
            let tp = slf.get_type();
            return Ok(format!("<{}.{} object at {:#x}>", tp.module()?, tp.qualname()?, slf.as_ptr() as usize));
        }
        Ok(format!("<Lib object for '{}'>", this.name))
    }

    /// The compiled module's tables (read by `ffi.verify()`), or the library.
    #[getter]
    fn _rcffi_handle(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(match &self.source {
            LibSource::Compiled(api) => Py::new(py, ApiModule(api.clone()))?.into_any(),
            LibSource::Dlopen { library, .. } => library.clone_ref(py).into_any(),
        })
    }
}

/// The raw `tp_getattro` of `Lib`: a cached name is one dict lookup.
// SAFETY: tp_getattro: GIL held, `slf` a live Lib, `name` a live object.
unsafe extern "C" fn lib_getattro(slf: *mut ffi::PyObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject { unsafe {
    let py = Python::assume_attached();
    // SAFETY: `slf` is a `Lib` (this slot is only on its type and
    // subclasses); frozen: shared access needs no borrow flag.
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
                // as CPython's own: a non-str name raises TypeError there
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
}}

/// `_rcffi._lib_address(lib, name)`: `ffi.addressof(lib, name)`.
#[pyfunction]
pub(crate) fn _lib_address<'py>(lib: &Bound<'py, Lib>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    if name.contains('\0') {
        // a C name has none: cffi's argument parsing says so, before the lookup
        return Err(pyo3::exceptions::PyValueError::new_err("embedded null character"));
    }
    lib.get().address(lib, name)
}

/// `_rcffi._lib_cache(lib)`: the dict of what `lib` fetched (functions
/// are replaced there by rcffi.metrics and contracts).
#[pyfunction]
pub(crate) fn _lib_cache<'py>(py: Python<'py>, lib: &Bound<'py, Lib>) -> Bound<'py, PyDict> {
    lib.get().cache.bind(py).clone()
}

/// `_rcffi._lib_set_hook(lib, hook)`: `hook(name, value)` gives what to
/// keep for each name fetched from now on.
#[pyfunction]
pub(crate) fn _lib_set_hook(lib: &Bound<'_, Lib>, hook: Py<PyAny>) {
    *lib.get().hook.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
}

/// `_rcffi._lib_close(lib)`: `ffi.dlclose(lib)`; what it fetched is
/// forgotten (using a name again says the library is closed).
#[pyfunction]
pub(crate) fn _lib_close(py: Python<'_>, lib: &Bound<'_, Lib>) -> PyResult<()> {
    // a compiled module's `lib` was not dlopen()ed: nothing to close, as
    // in cffi (its functions keep working)
    let LibSource::Dlopen { library, .. } = &lib.get().source else {
        return Ok(());
    };
    library.get().close_handle();
    lib.get().cache.bind(py).clear();
    Ok(())
}

/// `_rcffi._lib_subclass_ready(cls)`: give a Python subclass of `Lib` (in-line
/// ABI mode's class per library) the raw `tp_getattro` (CPython gives a
/// heap subclass the `__getattribute__` found in its bases' dicts, which
/// is object's).
#[pyfunction]
pub(crate) fn _lib_subclass_ready(cls: &Bound<'_, pyo3::types::PyType>) -> PyResult<()> {
    if !cls.is_subclass_of::<Lib>()? {
        return Err(PyTypeError::new_err("expected a subclass of Lib"));
    }
    // SAFETY: a live type object whose instances have `Lib`'s layout; the
    // change is announced to the type cache.
    unsafe {
        (*cls.as_type_ptr()).tp_getattro = Some(lib_getattro);
        ffi::PyType_Modified(cls.as_type_ptr());
    }
    Ok(())
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
    make_lib(py, ffi_obj, module_name, api.get().0.clone(), included, python_module)
}

/// `_make_lib` over the tables themselves (a compiled module's import).
pub fn make_lib<'py>(
    py: Python<'py>,
    ffi_obj: &Bound<'py, FFIBase>,
    module_name: String,
    api: std::sync::Arc<ApiTables>,
    included: Vec<Py<PyAny>>,
    python_module: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, Lib>> {
    let key = format!("{module_name}.lib");
    let source = LibSource::Compiled(api);
    let lib = Bound::new(py, Lib::new(py, ffi_obj.clone().unbind(), module_name, source, included, python_module))?;
    crate::state::sys_attr(py, c"modules")?.set_item(key, &lib)?;
    Ok(lib)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let tp = py.get_type::<Lib>();
    // (into the dict: `add_class` would also append to `__all__`, lib.rs)
    m.dict().set_item("Lib", &tp)?;
    // SAFETY: a heap type PyO3 just made, not used yet; the new slot is
    // announced to the type cache with PyType_Modified (subclasses made
    // later inherit it).
    unsafe {
        (*tp.as_type_ptr()).tp_getattro = Some(lib_getattro);
        ffi::PyType_Modified(tp.as_type_ptr());
    }
    Ok(())
}
