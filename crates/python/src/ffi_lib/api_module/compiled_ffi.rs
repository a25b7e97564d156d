//! `_cffi_backend.FFI`: the class of a compiled module's `ffi` (and of the
//! `ffi` of an out-of-line module real cffi generated), an extension type
//! as cffi's is.
//!
//! Importing a compiled module runs no Python code of rcffi but the
//! package's `__init__`: everything used per call (`new`, `cast`,
//! `typeof`, `sizeof`, `string`, `buffer`, ...) is `FFIBase`'s, in Rust;
//! `NULL` is a struct member (read by the interpreter directly). The rare
//! methods whose code is Python (`dlopen`, `callback`, `include`,
//! `init_once`, `def_extern`, ...) import `rcffi._apimode` on their first
//! call and run there, as `rcffi.FFI`'s methods; the state those methods
//! keep (`_libraries`, `_init_once_cache`, ...) goes into the instance
//! `__dict__`, which exists only from then on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

use super::runtime::{ApiModule, ApiTables};
use crate::ffi_obj::{null_pointer, FFIBase};

/// `(_cdefsources, _cdef_calls)`, each unset until set or asked for.
type CdefTexts = (Option<Py<PyAny>>, Option<Py<PyAny>>);

#[pyclass(frozen, extends = FFIBase, dict, weakref, module = "_cffi_backend", name = "FFI")]
pub struct CompiledFFI {
    /// `ffi.NULL` (cffi's name; a member the interpreter reads directly)
    #[pyo3(get, name = "NULL")]
    null: Py<PyAny>,
    /// The compiled module's tables (`None` for `FFI()` and for the
    /// out-of-line modules of real cffi)
    api_module: std::sync::OnceLock<std::sync::Arc<ApiTables>>,
    /// `(_cdefsources, _cdef_calls)`: read from the module's table when
    /// first asked for (by `ffi.include()` of this module, the verifier)
    cdef_texts: Mutex<CdefTexts>,
    /// `_included_ffis`
    included: Py<PyList>,
    /// `_rcffi_out_of_line`: the `ffi` of an out-of-line module (its
    /// `dlopen()` libraries behave as cffi's out-of-line ones, rcffi.lib)
    out_of_line: AtomicBool,
}

static HELPERS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// Whether [`class_attributes`] ran (each run puts the same values).
static CLASS_ATTRIBUTES: AtomicBool = AtomicBool::new(false);

/// The class's constant attributes (`CData`, `CType`, `RTLD_*`, as cffi's
/// `FFI` has them), put in its dict once, before its first instance is
/// made or the class is handed out: PyO3's `#[classattr]` sets each
/// through the type's `__setattr__` (an MRO walk and a cache reset each,
/// 1,500 instructions; 500 this way).
fn class_attributes(py: Python<'_>) -> PyResult<()> {
    if CLASS_ATTRIBUTES.load(Ordering::Acquire) {
        return Ok(());
    }
    let cls = py.get_type::<CompiledFFI>();
    let values: [(&std::ffi::CStr, Bound<'_, PyAny>); 9] = [
        (c"CData", crate::cdata::cdata_type(py).clone().into_any()),
        (c"CType", py.get_type::<crate::ctype::CType>().into_any()),
        (c"RTLD_LAZY", libc::RTLD_LAZY.into_pyobject(py)?.into_any()),
        (c"RTLD_NOW", libc::RTLD_NOW.into_pyobject(py)?.into_any()),
        (c"RTLD_GLOBAL", libc::RTLD_GLOBAL.into_pyobject(py)?.into_any()),
        (c"RTLD_LOCAL", libc::RTLD_LOCAL.into_pyobject(py)?.into_any()),
        (c"RTLD_NODELETE", libc::RTLD_NODELETE.into_pyobject(py)?.into_any()),
        (c"RTLD_NOLOAD", libc::RTLD_NOLOAD.into_pyobject(py)?.into_any()),
        (c"RTLD_DEEPBIND", libc::RTLD_DEEPBIND.into_pyobject(py)?.into_any()),
    ];
    // SAFETY: a readied heap type of this (not limited-API) build, whose
    // tp_dict is its attribute dict; changed with the GIL held, as
    // `type.__setattr__` changes it, and the type's attribute cache is told
    // (PyType_Modified). Another thread doing the same puts the same values.
    unsafe {
        let tp = cls.as_type_ptr();
        let dict = (*tp).tp_dict;
        if dict.is_null() {
            return Err(PyErr::fetch(py));
        }
        for (name, value) in &values {
            if pyo3::ffi::PyDict_SetItemString(dict, name.as_ptr(), value.as_ptr()) < 0 {
                return Err(PyErr::fetch(py));
            }
        }
        pyo3::ffi::PyType_Modified(tp);
    }
    CLASS_ATTRIBUTES.store(true, Ordering::Release);
    Ok(())
}

/// `rcffi._apimode.<name>(ffi, *args, **kwargs)`: the Python half, imported
/// on the first call of a method that needs it.
fn call_helper<'py>(
    slf: &Bound<'py, CompiledFFI>,
    name: &str,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = slf.py();
    let module = HELPERS.get_or_try_init(py, || PyModule::import(py, "rcffi._apimode").map(Bound::unbind))?;
    let f = module.bind(py).getattr(name)?;
    let mut all = Vec::with_capacity(args.len() + 1);
    all.push(slf.clone().into_any());
    all.extend(args.iter());
    f.call(PyTuple::new(py, all)?, kwargs)
}

impl CompiledFFI {
    /// A new `ffi` that declares nothing yet.
    pub fn new_bound(py: Python<'_>) -> PyResult<Bound<'_, CompiledFFI>> {
        class_attributes(py)?;
        let init = PyClassInitializer::from(FFIBase::empty(py)).add_subclass(CompiledFFI {
            null: null_pointer(py)?.clone_ref(py),
            api_module: std::sync::OnceLock::new(),
            cdef_texts: Mutex::new((None, None)),
            included: PyList::empty(py).unbind(),
            out_of_line: AtomicBool::new(false),
        });
        Bound::new(py, init)
    }

    /// Attach the module's tables (once, at import).
    pub fn set_api_module(&self, api: std::sync::Arc<ApiTables>) {
        let _ = self.api_module.set(api);
    }

    /// The cdef texts as known now (a module without a snapshot sets them
    /// at import).
    pub fn set_cdef_texts(&self, sources: Py<PyAny>, calls: Py<PyAny>) {
        *self.cdef_texts.lock().unwrap_or_else(|e| e.into_inner()) = (Some(sources), Some(calls));
    }

    pub fn included_ffis<'py>(&self, py: Python<'py>) -> &Bound<'py, PyList> {
        self.included.bind(py)
    }

    /// `_cdefsources` (`which` 0) or `_cdef_calls` (1), read from the
    /// module when first asked for.
    fn cdef_text(&self, py: Python<'_>, which: usize) -> PyResult<Py<PyAny>> {
        let pick = |t: &CdefTexts| {
            if which == 0 { t.0.as_ref().map(|v| v.clone_ref(py)) } else { t.1.as_ref().map(|v| v.clone_ref(py)) }
        };
        if let Some(v) = pick(&self.cdef_texts.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(v);
        }
        // (no lock held while this runs Python code)
        let calls = match self.api_module.get() {
            Some(api) => api.cdef_calls(py)?,
            None => PyList::empty(py),
        };
        let sources = PyList::empty(py);
        for c in calls.iter() {
            sources.append(c.get_item(0)?)?;
        }
        let mut t = self.cdef_texts.lock().unwrap_or_else(|e| e.into_inner());
        if t.0.is_none() {
            t.0 = Some(sources.into_any().unbind());
        }
        if t.1.is_none() {
            t.1 = Some(calls.into_any().unbind());
        }
        Ok(pick(&t).expect("just set"))
    }

    fn set_cdef_text(&self, which: usize, value: Option<Py<PyAny>>) -> PyResult<()> {
        let value = value.ok_or_else(|| pyo3::exceptions::PyAttributeError::new_err("cannot delete this attribute"))?;
        let mut t = self.cdef_texts.lock().unwrap_or_else(|e| e.into_inner());
        if which == 0 {
            t.0 = Some(value);
        } else {
            t.1 = Some(value);
        }
        Ok(())
    }
}

#[pymethods]
impl CompiledFFI {
    /// `_cffi_backend.FFI()`: an empty `ffi`; called as the out-of-line
    /// modules real cffi generates call it (`FFI(name, _version=...,
    /// _types=b'...', ...)`), it declares what their tables describe
    /// (`rcffi._apimode._init_from_tables`).
    #[new]
    #[pyo3(signature = (*args, **kwargs))]
    fn py_new<'py>(py: Python<'py>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, CompiledFFI>> {
        let ffi = Self::new_bound(py)?;
        if !args.is_empty() || kwargs.is_some_and(|k| !k.is_empty()) {
            call_helper(&ffi, "_init_from_tables", args, kwargs)?;
        }
        Ok(ffi)
    }

    /// `ffi.error`. Making an exception class costs as much as a tenth of
    /// a compiled module's import, so it is made when first named or
    /// raised; `_compiled_ffi_type()` (what `_cffi_backend.FFI` is) puts
    /// it on the class itself.
    #[getter]
    fn error(&self, py: Python<'_>) -> PyResult<Py<PyType>> {
        crate::errors::error_class_of_ffi(py).map(|c| c.clone_ref(py))
    }

    /// `ffi.buffer`, the buffer class: making it costs a compiled
    /// module's import 37,000 instructions, so it is made when first named
    /// (as `error` above; `_compiled_ffi_type()` puts it on the class).
    #[getter]
    fn buffer(&self, py: Python<'_>) -> Py<PyType> {
        py.get_type::<crate::buffer::Buffer>().unbind()
    }

    #[getter]
    fn _api_module(&self, py: Python<'_>) -> PyResult<Option<Py<ApiModule>>> {
        self.api_module.get().map(|a| Py::new(py, ApiModule(a.clone()))).transpose()
    }

    #[getter(_cdefsources)]
    fn get_cdefsources(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.cdef_text(py, 0)
    }

    #[setter(_cdefsources)]
    fn set_cdefsources(&self, value: Option<Py<PyAny>>) -> PyResult<()> {
        self.set_cdef_text(0, value)
    }

    #[getter(_cdef_calls)]
    fn get_cdef_calls(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.cdef_text(py, 1)
    }

    #[setter(_cdef_calls)]
    fn set_cdef_calls(&self, value: Option<Py<PyAny>>) -> PyResult<()> {
        self.set_cdef_text(1, value)
    }

    #[getter(_rcffi_out_of_line)]
    fn get_rcffi_out_of_line(&self) -> bool {
        self.out_of_line.load(Ordering::Relaxed)
    }

    #[setter(_rcffi_out_of_line)]
    fn set_rcffi_out_of_line(&self, value: bool) {
        self.out_of_line.store(value, Ordering::Relaxed)
    }

    #[getter]
    fn _included_ffis(&self, py: Python<'_>) -> Py<PyList> {
        self.included.clone_ref(py)
    }

    /// `ffi.addressof()`: of a cdata here; of a `lib`'s function or
    /// global in `rcffi.FFI.addressof`.
    #[pyo3(signature = (cdata, *fields_or_indexes))]
    fn addressof<'py>(slf: &Bound<'py, Self>, cdata: &Bound<'py, PyAny>, fields_or_indexes: &Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if crate::cdata::as_cdata(py, cdata).is_some() {
            return slf.as_super().get().addressof(py, cdata, fields_or_indexes);
        }
        let mut args = vec![cdata.clone()];
        args.extend(fields_or_indexes.iter());
        call_helper(slf, "addressof", &PyTuple::new(py, args)?, None)
    }
}

/// Methods whose code is Python (`rcffi.FFI`'s), run by `rcffi._apimode`
/// (imported on the first call of one of them): `name(self, *args,
/// **kwargs)` calls `_apimode.name(self, *args, **kwargs)`.
macro_rules! python_methods {
    ($($name:ident),* $(,)?) => {
        #[pymethods]
        impl CompiledFFI {
            $(
                #[pyo3(signature = (*args, **kwargs))]
                fn $name<'py>(slf: &Bound<'py, Self>, args: &Bound<'py, PyTuple>, kwargs: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
                    call_helper(slf, stringify!($name), args, kwargs)
                }
            )*
        }
    };
}

python_methods!(dlopen, dlclose, callback, def_extern, getctype, include, init_once, new_allocator, getwinerror);

/// The formats of the out-of-line modules rcffi generates that this one
/// reads (1: cdef texts only; 2: also their snapshot).
const OUT_OF_LINE_VERSIONS: [i64; 2] = [1, 2];

/// `_rcffi._out_of_line_ffi(name, version, cdefs, snapshot=None)`: the
/// `ffi` of an out-of-line ABI module (`ffi.set_source(name, None)`), as
/// the generated `.py` file makes it: its declarations loaded from the
/// snapshot of their parse made when the file was generated (read lazily,
/// as a compiled module's), or, from a file without one or with one of
/// another rcffi's format, parsed from the cdef texts `(text, override,
/// pack)`.
#[pyfunction]
#[pyo3(signature = (module_name, version, cdefs, snapshot=None))]
pub(crate) fn _out_of_line_ffi<'py>(
    py: Python<'py>,
    module_name: &str,
    version: i64,
    cdefs: &Bound<'py, PyAny>,
    snapshot: Option<&[u8]>,
) -> PyResult<Bound<'py, CompiledFFI>> {
    if !OUT_OF_LINE_VERSIONS.contains(&version) {
        return Err(pyo3::exceptions::PyImportError::new_err(format!(
            "rcffi out-of-line Python module '{module_name}' has unknown version {version} (regenerate it with this rcffi)"
        )));
    }
    let ffi = CompiledFFI::new_bound(py)?;
    let (compiled, base) = (ffi.get(), ffi.as_super().get());
    let mut replay = snapshot.is_none();
    if let Some(bytes) = snapshot {
        if let Err(e) = base._load_snapshot(py, bytes) {
            // written by another rcffi (an `ffi.error`): parse the texts
            if !e.is_instance(py, crate::errors::ffi_error_class(py)?.bind(py)) {
                return Err(e);
            }
            replay = true;
        }
    }
    let (sources, calls) = (PyList::empty(py), PyList::empty(py));
    for call in cdefs.try_iter()? {
        let (text, override_existing, pack): (Bound<'py, PyAny>, bool, i64) = call?.extract()?;
        if replay {
            // (warnings were given when the module was generated)
            base._cdef(py, &text, override_existing, false, (pack != 0).then_some(pack), false)?;
        }
        sources.append(&text)?;
        calls.append((&text, override_existing, pack))?;
    }
    compiled.set_cdef_texts(sources.into_any().unbind(), calls.into_any().unbind());
    compiled.out_of_line.store(true, Ordering::Relaxed);
    // `struct foo`, not its typedef name, as cffi's tables name it
    base._name_by_tag(py);
    Ok(ffi)
}

/// `_rcffi._compiled_ffi_type()`: the class (made on first use: a program
/// that imports no compiled module never builds it), with its `error` and
/// `buffer`.
#[pyfunction]
pub(crate) fn _compiled_ffi_type(py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
    class_attributes(py)?;
    let cls = py.get_type::<CompiledFFI>();
    // `_cffi_backend.FFI.error` is the class, as cffi's (instances reach it
    // through the `error` getter until then)
    if !cls.getattr("error")?.is_instance_of::<PyType>() {
        cls.setattr("error", crate::errors::error_class_of_ffi(py)?)?;
    }
    if !cls.getattr("buffer")?.is_instance_of::<PyType>() {
        cls.setattr("buffer", py.get_type::<crate::buffer::Buffer>())?;
    }
    Ok(cls)
}
