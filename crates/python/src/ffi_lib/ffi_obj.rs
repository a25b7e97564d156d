//! `FFIBase`: the Rust half of `rcffi.FFI` (the Python class in
//! `rcffi/api.py` subclasses it and adds the build-time methods). Everything
//! on a hot path (`new`, `cast`, `typeof`, `sizeof`, ...) lives here.

use std::sync::MutexGuard;

use cdecl::{CdefOptions, ConstValue, DeclKind, ErrorKind, Packing, Registry};
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyList, PyString, PyTuple};

use crate::cdata::new::sizeof_error;
// api_module.rs and fast_methods.rs make owned cdata through here
pub use crate::cdata::new::new_owned;
use crate::cdata::{self, CDataObject, Owner};
use crate::convert;
use crate::ctype::{ctype_for, function_pointer, CType, Kind};
use crate::errors;
use crate::state::arena;

/// Most type strings an FFI's type-string cache holds: past that it is
/// emptied before the next is added (a program naming types by strings it
/// formats, `"int[%d]" % n`, would otherwise grow by the string, its
/// `CType` and its arena type each time: about 0.5 KB). Identity does not
/// depend on it (equal types are one `CType`, `ctype::CACHE`); a program
/// using more strings than this in turn parses them again.
pub(crate) const TYPE_CACHE_LIMIT: usize = 1024;

#[pyclass(frozen, subclass, module = "rcffi", name = "FFIBase")]
pub struct FFIBase {
    pub registry: crate::state::SharedRegistry,
    /// type string -> CType, cleared by every cdef(); at most
    /// `TYPE_CACHE_LIMIT` entries
    pub(crate) type_cache: Py<PyDict>,
    /// The `ffi` of a compiled module: as cffi's, its type strings name
    /// only declared structs/unions and their errors are `ffi.error`.
    pub(crate) api_mode: std::sync::atomic::AtomicBool,
}

/// `e` as a Python error, made once the registry's lock is given back:
/// making it may run Python code (`rcffi.error`), and that code may use
/// this registry, or wait for a thread that waits for the lock.
fn error_unlocked(py: Python<'_>, reg: MutexGuard<'_, Registry>, e: cdecl::Error) -> PyErr {
    drop(reg);
    errors::from_cdecl(py, e)
}

impl FFIBase {
    /// What follows every change of the registry by cdef text (`cdef()`,
    /// `cdef_header()`), at a safe point (no lock held, no id in hand): the
    /// type-string cache is stale, and what `override=True` replaced, or
    /// all a failed one parsed, is garbage in the shared arena, which a
    /// long-lived FFI would otherwise keep growing (a failure collects
    /// sooner: its growth is all garbage).
    pub(crate) fn after_cdef(&self, py: Python<'_>, failed: bool) {
        self.type_cache.bind(py).clear();
        if failed {
            crate::ctype_gc::collect_after_error(py);
        } else {
            crate::ctype_gc::collect_if_grown(py);
        }
    }

    /// The CType for a type string, a CType, or (when `allow_cdata`) the type of a cdata.
    pub fn resolve(&self, py: Python<'_>, cdecl: &Bound<'_, PyAny>, allow_cdata: bool) -> PyResult<Py<CType>> {
        if let Some(ct) = self.cached_type(py, cdecl) {
            return Ok(ct.unbind());
        }
        if let Ok(s) = cdecl.cast::<PyString>() {
            let cache = self.type_cache.bind(py);
            let text = s.to_cow()?;
            let api_mode = self.api_mode.load(std::sync::atomic::Ordering::Relaxed);
            // the Python errors are made after the arena is unlocked
            enum Failed {
                Load(cdecl::Error),
                Parse(cdecl::Error),
                Undeclared(String),
            }
            let id = {
                let mut reg = self.registry.lock().unwrap_or_else(|e| e.into_inner());
                let mut a = arena();
                // a module's declarations still in its snapshot: the names
                // the text uses are read now
                match reg.load_type_text(&mut a, &text) {
                    Err(e) => Err(Failed::Load(e)),
                    Ok(()) => match reg.parse_type(&mut a, &text) {
                        Err(e) => Err(Failed::Parse(e)),
                        Ok(id) => match api_mode.then(|| undeclared_record(&mut reg, &mut a, id)).flatten() {
                            Some(what) => Err(Failed::Undeclared(what)),
                            None => Ok(id),
                        },
                    },
                }
            }
            .map_err(|failed| {
                let err = match failed {
                    Failed::Load(e) => errors::from_cdecl(py, e),
                    Failed::Undeclared(what) => errors::ffi_error(py, format!("undefined {what}\n{text}")),
                    Failed::Parse(e) if api_mode => errors::from_cdecl_api(py, e),
                    Failed::Parse(e) => errors::from_cdecl_parse(py, e),
                };
                // what the text made before it failed (types, a tag first
                // named here: `"struct s%d ]"`, an undeclared struct of a
                // compiled module's ffi) is garbage, and nothing else may
                // come to collect it: a loop of such errors grew without end
                crate::ctype_gc::collect_after_failed_type_string(py);
                err
            })?;
            let ct = ctype_for(py, id)?;
            if cache.len() >= TYPE_CACHE_LIMIT {
                // distinct type strings without end (`"int[%d]" % n`):
                // start again; the types only the cache kept are garbage
                // now, as after a failed cdef(): the type collector gives
                // them back once a few hundred piled up (`ct` is held: it
                // stays)
                cache.clear();
                crate::ctype_gc::collect_after_error(py);
            }
            cache.set_item(s, &ct)?;
            return Ok(ct);
        }
        if let Ok(ct) = cdecl.cast::<CType>() {
            return Ok(ct.clone().unbind());
        }
        if allow_cdata {
            if let Some(cd) = cdata::as_cdata(py, cdecl) {
                return Ok(cd.ctype_obj(py));
            }
        }
        Err(PyTypeError::new_err(format!(
            "expected a cdecl string or a ctype object, not {}",
            convert::describe(py, cdecl)
        )))
    }

    /// `resolve` for `new`/`cast`: as in cffi, a type string naming a bare
    /// function type is a CDefError there (only `callback` accepts one).
    /// A type string already in the cache, as a borrowed-lifetime object
    /// (raw slots drop it with a plain decref, not through PyO3's pool).
    pub fn cached_type<'py>(&self, py: Python<'py>, cdecl: &Bound<'py, PyAny>) -> Option<Bound<'py, CType>> {
        // SAFETY: a borrowed lookup in a dict of CType objects, GIL held.
        unsafe {
            if ffi::PyUnicode_CheckExact(cdecl.as_ptr()) == 0 {
                return None;
            }
            let ct = ffi::PyDict_GetItemWithError(self.type_cache.as_ptr(), cdecl.as_ptr());
            if ct.is_null() {
                ffi::PyErr_Clear();
                return None;
            }
            Some(Bound::from_borrowed_ptr(py, ct).cast_into_unchecked::<CType>())
        }
    }

    fn resolve_object_type(&self, py: Python<'_>, cdecl: &Bound<'_, PyAny>) -> PyResult<Py<CType>> {
        let ct = self.resolve(py, cdecl, false)?;
        if ct.get().kind == Kind::Function && cdecl.is_instance_of::<PyString>() {
            return Err(self.function_type_error(py, cdecl));
        }
        Ok(ct)
    }

    /// cffi's error for a bare function type where an object type is
    /// wanted: a `CDefError`, or `ffi.error` for a compiled module's `ffi`.
    fn function_type_error(&self, py: Python<'_>, cdecl: &Bound<'_, PyAny>) -> PyErr {
        let text = cdecl.str().map(|s| s.to_string()).unwrap_or_default();
        let msg = format!("the type '{text}' is a function type, not a pointer-to-function type");
        if self.api_mode.load(std::sync::atomic::Ordering::Relaxed) {
            errors::ffi_error(py, msg)
        } else {
            errors::cdef_error(py, msg)
        }
    }

    /// The registry with every declaration read (`Registry::load_all`):
    /// for what lists or changes them.
    pub fn registry_full(&self, py: Python<'_>) -> PyResult<MutexGuard<'_, Registry>> {
        let mut reg = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        if reg.is_lazy() {
            // (the arena's guard goes at the end of this statement)
            let loaded = reg.load_all(&mut arena());
            if let Err(e) = loaded {
                return Err(error_unlocked(py, reg, e));
            }
        }
        Ok(reg)
    }

    /// The declaration of `name`, if any.
    pub fn declaration(&self, py: Python<'_>, name: &str) -> PyResult<Option<cdecl::Declaration>> {
        let mut reg = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        if reg.is_lazy() {
            // (the arena's guard goes at the end of this statement)
            let loaded = reg.load_declaration(&mut arena(), name);
            if let Err(e) = loaded {
                return Err(error_unlocked(py, reg, e));
            }
        }
        Ok(reg.lookup(name).cloned())
    }

    /// An FFI that declares nothing (what `FFIBase()` makes).
    pub fn empty(py: Python<'_>) -> Self {
        // give back what dead FFIs declared (it skips itself when some
        // operation further down this stack holds ids or locks)
        crate::ctype_gc::collect_if_grown(py);
        FFIBase {
            registry: crate::state::new_registry(),
            type_cache: PyDict::new(py).unbind(),
            api_mode: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Replace the declarations by a registry read lazily from a snapshot
    /// (`_load_snapshot`, compiled modules); only into an FFI that
    /// declares nothing yet.
    pub fn set_lazy_registry(&self, py: Python<'_>, loaded: Registry) -> PyResult<()> {
        {
            let mut reg = self.registry.lock().unwrap_or_else(|e| e.into_inner());
            if reg.is_lazy() || !reg.declarations().is_empty() || !reg.typedef_names().is_empty() {
                return Err(errors::ffi_error(py, "a snapshot is only loaded into an FFI that declares nothing yet"));
            }
            *reg = loaded;
        }
        self.type_cache.bind(py).clear();
        Ok(())
    }
}

static NULL: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();

/// `ffi.NULL`: one `<cdata 'void *' NULL>` for every FFI (compiled modules'
/// and `rcffi.FFI`'s), made on first use.
pub fn null_pointer(py: Python<'_>) -> PyResult<&Py<PyAny>> {
    NULL.get_or_try_init(py, || {
        let id = {
            let mut a = arena();
            let void = a.void();
            a.pointer(void)
        };
        let ct = ctype_for(py, id)?;
        Ok(crate::cast::cast(py, &ct, 0i32.into_pyobject(py)?.as_any())?.unbind())
    })
}

/// `_rcffi._null()`: `null_pointer`, for `rcffi.FFI.NULL`.
#[pyfunction]
pub fn _null(py: Python<'_>) -> PyResult<Py<PyAny>> {
    null_pointer(py).map(|n| n.clone_ref(py))
}

/// `_rcffi._error_classes()`: `(FFIError, ffi.error)` (made in Rust:
/// `errors::ffi_error_class`).
#[pyfunction]
pub fn _error_classes(py: Python<'_>) -> PyResult<(Py<pyo3::types::PyType>, Py<pyo3::types::PyType>)> {
    Ok((errors::ffi_error_class(py)?.clone_ref(py), errors::error_class_of_ffi(py)?.clone_ref(py)))
}

/// A struct or union with a tag that `ty` mentions (through pointers,
/// arrays and function types) but that the registry never declared:
/// `"struct/union name 'struct baz'"`, as cffi's compiled `ffi` says.
fn undeclared_record(reg: &mut Registry, a: &mut cdecl::TypeArena, ty: cdecl::TypeId) -> Option<String> {
    let mut stack = vec![ty];
    let mut seen = 0;
    while let Some(t) = stack.pop() {
        seen += 1;
        if seen > 1000 {
            return None;
        }
        match a.get(a.strip_top_quals(t)).clone() {
            cdecl::Type::Pointer(inner) => stack.push(inner),
            cdecl::Type::Array { item, .. } => stack.push(item),
            cdecl::Type::Function(f) => {
                stack.push(f.result);
                stack.extend(f.args.iter().copied());
            }
            cdecl::Type::Record(rid) => {
                let r = a.record(rid).clone();
                // (a record named by a typedef, such as the built-in FILE,
                // is declared by that typedef)
                let by_tag = r.cname.starts_with("struct ") || r.cname.starts_with("union ");
                if let (Some(tag), true) = (&r.tag, by_tag) {
                    // its tag may be in the snapshot still (damage there
                    // shows as an undeclared record)
                    let _ = reg.load(a, tag);
                    let known = match r.kind {
                        cdecl::RecordKind::Struct => reg.struct_tag(tag).is_some(),
                        cdecl::RecordKind::Union => reg.union_tag(tag).is_some(),
                    };
                    if !known {
                        return Some(format!("struct/union name '{}'", r.cname));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Distance between a handle cdata and the `void *` value it carries.
const HANDLE_OFFSET: usize = 42;

fn unknown_size(py: Python<'_>, ct: &CType, api_mode: bool) -> PyErr {
    if api_mode {
        errors::ffi_error(py, format!("don't know the size of ctype '{}'", ct.cname))
    } else {
        sizeof_error(ct)
    }
}

/// `ffi.sizeof()` of a type. When it has none: a compiled module's
/// complaint about a record (`Record::broken`), cffi's
/// `VerificationMissing` for a record with `...;` not completed by a
/// compiler yet, else "unknown size" (a `ValueError`; for the `ffi` of a
/// compiled module `ffi.error`, in its words, as cffi).
fn sizeof_type(py: Python<'_>, ct: &CType, api_mode: bool) -> PyResult<usize> {
    match ct.layout() {
        Ok((size, _)) => Ok(size),
        Err(e) => Err(layout_error(py, ct, e, || unknown_size(py, ct, api_mode))),
    }
}

/// The exception for a type without a layout (`e` says why): `e` itself
/// where cffi says what is wrong too, else `generic` (cffi's "unknown
/// size" or "unknown alignment") with `e` as its `__cause__`: the
/// original error is never dropped.
fn layout_error(py: Python<'_>, ct: &CType, e: cdecl::Error, generic: impl FnOnce() -> PyErr) -> PyErr {
    let broken = ct.record.is_some_and(|rid| arena().record(rid).broken.is_some());
    // what is wrong with a record's fields (a bad bitfield, a field of
    // unknown size), a size beyond a Py_ssize_t, a struct containing
    // itself: cffi says it too
    let cffi_says_it = broken
        || matches!(
            e.kind,
            ErrorKind::Missing | ErrorKind::Type | ErrorKind::Overflow | ErrorKind::NotImplemented | ErrorKind::Recursion
        );
    let original = errors::from_cdecl(py, e);
    if cffi_says_it {
        return original;
    }
    // cffi's words, with what rcffi knows as the cause
    let err = generic();
    err.set_cause(py, Some(original));
    err
}

#[pymethods]
impl FFIBase {
    #[new]
    #[pyo3(signature = (*_args, **kwargs))]
    fn py_new(py: Python<'_>, _args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        // `copy.copy(ffi)` (rcffi.FFI.__copy__): a new FFI sharing the
        // declarations and the type-string cache, as cffi's shallow copy
        // shares its parser and caches
        if let Some(kwargs) = kwargs {
            if let Some(original) = kwargs.get_item(pyo3::intern!(py, "_rcffi_copy_of"))? {
                let original = original.cast::<FFIBase>()?.get();
                return Ok(FFIBase {
                    registry: original.registry.clone(),
                    type_cache: original.type_cache.clone_ref(py),
                    api_mode: std::sync::atomic::AtomicBool::new(original.api_mode.load(std::sync::atomic::Ordering::Relaxed)),
                });
            }
        }
        Ok(Self::empty(py))
    }

    /// Declare what a `cdecl::snapshot` holds (made by `_rcffi._snapshot_of`
    /// or the generator) instead of parsing cdef text; only into an FFI
    /// that declares nothing yet. Damaged bytes are an `ffi.error`.
    pub(crate) fn _load_snapshot(&self, py: Python<'_>, data: &[u8]) -> PyResult<()> {
        // read lazily: what the program uses, when it first uses it
        let loaded = Registry::from_snapshot(cdecl::snapshot::SnapshotBytes::Owned(data.into()), None)
            .map_err(|e| errors::from_cdecl(py, e))?;
        self.set_lazy_registry(py, loaded)
    }

    /// `dllexport`: text of `ffi.embedding_api()` (its functions are
    /// exported `extern "Python"` functions).
    #[pyo3(signature = (csource, override_=false, packed=false, pack=None, dllexport=false))]
    pub(crate) fn _cdef(&self, py: Python<'_>, csource: &Bound<'_, PyAny>, override_: bool, packed: bool, pack: Option<i64>, dllexport: bool) -> PyResult<Vec<String>> {
        let text: String = csource
            .extract()
            .map_err(|_| PyTypeError::new_err("cdef() argument must be a string"))?;
        let packing = if packed {
            Packing::Pack(1)
        } else {
            Packing::from_pack(pack.unwrap_or(0)).map_err(PyValueError::new_err)?
        };
        let options = CdefOptions { override_existing: override_, packing, dllexport, ..CdefOptions::default() };
        let report = py.detach(|| {
            let mut reg = self.registry.lock().unwrap_or_else(|e| e.into_inner());
            let mut a = arena();
            reg.cdef(&mut a, &text, &options)
        });
        self.after_cdef(py, report.is_err());
        report.map(|r| r.warnings).map_err(|e| errors::from_cdecl_parse(py, e))
    }

    /// cffi's private `ffi._typeof(cdecl, consider_function_as_funcptr)`,
    /// which code written for cffi calls (cffi's own demos do): the ctype
    /// `cdecl` names; a function type is an error, or with
    /// `consider_function_as_funcptr` the pointer to it.
    #[pyo3(signature = (cdecl, consider_function_as_funcptr=false))]
    fn _typeof(&self, py: Python<'_>, cdecl: &Bound<'_, PyAny>, consider_function_as_funcptr: bool) -> PyResult<Py<CType>> {
        let ct = self.resolve(py, cdecl, false)?;
        if ct.get().kind != Kind::Function {
            return Ok(ct);
        }
        if !consider_function_as_funcptr {
            return Err(self.function_type_error(py, cdecl));
        }
        function_pointer(py, &ct)
    }

    #[pyo3(name = "typeof")]
    fn type_of(&self, py: Python<'_>, cdecl: &Bound<'_, PyAny>) -> PyResult<Py<CType>> {
        if let Ok(ct) = cdecl.cast::<CType>() {
            return Err(PyTypeError::new_err(format!("typeof() takes a cdecl string or a cdata, not {}", ct.get().repr_string())));
        }
        if let Some(fnptr) = crate::lib_function::unwrap(py, cdecl) {
            return self.resolve(py, &fnptr, true);
        }
        let ct = match self.resolve(py, cdecl, true) {
            Ok(ct) => ct,
            // a function of an isolated library
            Err(e) => return crate::lib_function::isolated_function_ctype(cdecl).ok_or(e),
        };
        if ct.get().kind == Kind::Function && cdecl.is_instance_of::<PyString>() {
            return Err(self.function_type_error(py, cdecl));
        }
        Ok(ct)
    }

    fn sizeof(&self, py: Python<'_>, cdecl: &Bound<'_, PyAny>) -> PyResult<usize> {
        let api_mode = self.api_mode.load(std::sync::atomic::Ordering::Relaxed);
        if !cdecl.is_instance_of::<PyString>() && !cdecl.is_instance_of::<CType>() && cdata::as_cdata(py, cdecl).is_none() {
            return Err(PyTypeError::new_err("expected a 'cdata' or 'ctype' object"));
        }
        if let Some(cd) = cdata::as_cdata(py, cdecl) {
            let ct = cd.ctype();
            if ct.kind == Kind::Array {
                return Ok(cd.length.get().max(0) as usize * ct.item().get().size(py)?);
            }
            if ct.record.is_some() {
                if let Some(size) = cdata::var_byte_size(py, cd) {
                    return Ok(size);
                }
            }
            return sizeof_type(py, ct, api_mode);
        }
        let ct = self.resolve(py, cdecl, false)?;
        let ct = ct.get();
        match ct.kind {
            Kind::Void | Kind::Function => Err(unknown_size(py, ct, api_mode)),
            _ => sizeof_type(py, ct, api_mode),
        }
    }

    fn alignof(&self, py: Python<'_>, cdecl: &Bound<'_, PyAny>) -> PyResult<usize> {
        let ct = self.resolve(py, cdecl, true)?;
        let ct = ct.get();
        match ct.kind {
            Kind::Void | Kind::Function => Err(PyValueError::new_err(format!("ctype '{}' is of unknown alignment", ct.cname))),
            // `T[]`: unknown size, but the alignment of its items (cffi)
            Kind::Array if ct.length.is_none() => self.alignof(py, ct.item().bind(py).as_any()),
            _ => ct.layout().map(|l| l.1).map_err(|e| {
                layout_error(py, ct, e, || PyValueError::new_err(format!("ctype '{}' is of unknown alignment", ct.cname)))
            }),
        }
    }

    #[pyo3(signature = (cdecl, *fields_or_indexes))]
    fn offsetof(&self, py: Python<'_>, cdecl: &Bound<'_, PyAny>, fields_or_indexes: &Bound<'_, PyTuple>) -> PyResult<isize> {
        let ct = self.resolve(py, cdecl, false)?;
        let (_, off) = field_path(py, &ct, fields_or_indexes, true)?;
        Ok(off)
    }

    /// `ffi.new` (the raw method in fast_methods.rs delegates here).
    #[pyo3(signature = (cdecl, init=None))]
    fn _new<'py>(&self, py: Python<'py>, cdecl: &Bound<'py, PyAny>, init: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let ct = self.resolve_object_type(py, cdecl)?;
        new_owned(py, &ct, init)
    }

    /// `ffi.cast` (the raw method in fast_methods.rs delegates here).
    fn _cast<'py>(&self, py: Python<'py>, cdecl: &Bound<'py, PyAny>, source: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let ct = self.resolve_object_type(py, cdecl)?;
        crate::cast::cast(py, &ct, source)
    }

    #[pyo3(signature = (cdata, maxlen=-1))]
    fn string<'py>(&self, py: Python<'py>, cdata: &Bound<'py, PyAny>, maxlen: isize) -> PyResult<Bound<'py, PyAny>> {
        crate::strings::string(py, cdata, maxlen)
    }

    fn unpack<'py>(&self, py: Python<'py>, cdata: &Bound<'py, PyAny>, length: isize) -> PyResult<Bound<'py, PyAny>> {
        crate::strings::unpack(py, cdata, length)
    }

    #[pyo3(signature = (cdata, *fields_or_indexes))]
    pub(crate) fn addressof<'py>(&self, py: Python<'py>, cdata: &Bound<'py, PyAny>, fields_or_indexes: &Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        let cd = cdata::as_cdata(py, cdata).ok_or_else(|| PyTypeError::new_err("expected a 'cdata' object"))?;
        let ct = cd.ctype_obj(py);
        let c = ct.get();
        if !matches!(c.kind, Kind::Struct | Kind::Union | Kind::Array | Kind::Pointer) {
            return Err(PyTypeError::new_err("expected a cdata struct/union/array/pointer object"));
        }
        if c.kind == Kind::Pointer && fields_or_indexes.is_empty() {
            return Err(PyTypeError::new_err(format!(
                "expected a cdata struct/union/array object, got cdata '{}'",
                c.cname
            )));
        }
        let (target, off) = if fields_or_indexes.is_empty() {
            (ct.clone_ref(py), 0)
        } else {
            field_path(py, &ct, fields_or_indexes, c.kind == Kind::Pointer)?
        };
        let ptr_id = {
            let mut a = arena();
            a.pointer(target.get().id)
        };
        let pct = ctype_for(py, ptr_id)?;
        // Checked after the path and the pointer type were made (making one
        // may allocate, and a collection's `__del__` may release `cdata`),
        // just before `cd.ptr` is read: nothing that runs Python code may
        // come between this check and the read (the address of a root
        // released meanwhile would be NULL + offset, holding nothing).
        if cd.is_released() {
            return Err(cdata::lifetime::released_error(c));
        }
        // An index may point outside the object (C's `&a[n]`, as cffi): the
        // address is only computed here (wrapping, no access), any access
        // through it is the caller's, as for `p + n`.
        // SAFETY: new_view stores the address and holds `cdata`'s memory.
        unsafe { cdata::wrap(py, cdata::new_view(py, &pct, cd.ptr.get().wrapping_offset(off), cdata.as_ptr())) }
    }

    #[pyo3(signature = (cdata, destructor, size=0))]
    fn gc<'py>(&self, py: Python<'py>, cdata: &Bound<'py, PyAny>, destructor: &Bound<'py, PyAny>,
        // cffi's API takes it (a hint for its GC accounting); rcffi needs none
        #[allow(unused_variables)] size: isize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cd = cdata::as_cdata(py, cdata).ok_or_else(|| errors::not_a_cdata_argument("gc", cdata))?;
        if destructor.is_none() {
            // ffi.gc(p, None): detach the destructor of a previous ffi.gc().
            // The destructor is moved out and dropped after the owner is
            // no longer borrowed: dropping it may run Python code (its
            // `__del__`), which may release `p` and so replace the owner.
            let record_ptr = cd.ctype().is_record_ptr();
            let gcp = cdata::cdata_gcp_type_ptr(py);
            let detached = cd.owner.update(|owner| match owner {
                Owner::Gc { destructor, .. } => Ok(destructor.take()),
                // an allocator's result (but a struct pointer) is in
                // cffi an ffi.gc() object whose destructor is `free`
                Owner::Custom { free, .. } if !record_ptr => Ok(free.take()),
                // one released already (its destructor ran, or runs
                // now and detaches itself): nothing is left to detach,
                // as in cffi, which decides by the object's type
                // SAFETY: `cdata` is a live object.
                Owner::Released if !record_ptr && unsafe { ffi::Py_TYPE(cdata.as_ptr()) } == gcp => Ok(None),
                _ => Err(PyTypeError::new_err("Can remove destructor only on a object previously returned by ffi.gc()")),
            })?;
            drop(detached);
            return Ok(py.None().into_bound(py));
        }
        // `size` was converted before this body ran, and its `__index__`
        // may have released `cdata`: its address is NULL now, and the new
        // cdata (not released itself) would give it to C, as an array's
        // too. Checked here, after the last Python code (as ffi.cast does).
        if cd.is_released() {
            return Err(cdata::lifetime::released_error(cd.ctype()));
        }
        // SAFETY: `cdata` is a live cdata; GIL held. Taken before anything
        // below can run Python code (the new cdata's allocation may start
        // a collection, whose `__del__` may release `cdata`): a release
        // meanwhile or later waits for the new cdata, which uses `cd.ptr`
        // (a from_buffer's bytearray stays exported, not resized or freed).
        let hold = unsafe { cdata::MemoryHold::for_gc(cdata.as_ptr()) };
        let ptr = cd.ptr.get();
        let ct = cd.ctype_obj(py);
        // SAFETY: new cdata sharing the address of a cdata not released
        // (checked above, its memory held since).
        unsafe {
            let obj = cdata::new_cdata(
                py,
                &ct,
                ptr,
                Owner::Gc { original: cdata.clone().unbind(), destructor: Some(destructor.clone().unbind()), hold },
            );
            if !obj.is_null() {
                (*(obj as *mut CDataObject)).length.set(cd.length.get());
            }
            cdata::wrap(py, obj)
        }
    }

    fn new_handle<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let ct = self.resolve(py, pyo3::intern!(py, "void *").as_any(), false)?;
        // As in cffi, the pointer value is derived from the handle cdata's
        // own address, so two handles to one object differ and
        // `from_handle` can find the cdata again.
        // SAFETY: GIL held; the pointer value is never read as memory (a
        // handle owns 0 bytes: extent.rs), only looked up in the registry.
        unsafe {
            let obj = cdata::new_cdata(py, &ct, std::ptr::null_mut(), Owner::Handle(x.clone().unbind()));
            if !obj.is_null() {
                (*(obj as *mut cdata::CDataObject)).ptr.set((obj as *mut u8).add(HANDLE_OFFSET));
                cdata::handles::register(obj);
            }
            cdata::wrap(py, obj)
        }
    }

    #[allow(clippy::wrong_self_convention)] // cffi's method name: ffi.from_handle
    fn from_handle<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let cd = cdata::as_cdata(py, x).ok_or_else(|| PyTypeError::new_err("expected a 'cdata' object"))?;
        // as cffi: a `void *` or `char *` (what new_handle() gave, or a
        // cast of it)
        let voidchar = |c: &CType| matches!(c.kind, Kind::Void) || matches!(c.conv, crate::ctype::Conv::Char);
        if cd.ctype().kind != Kind::Pointer || !voidchar(cd.ctype().item().get()) {
            return Err(PyTypeError::new_err(format!("expected a 'cdata' object with a 'void *' out of new_handle(), got '{}'", cd.ctype().cname)));
        }
        if cd.ptr.get().is_null() {
            return Err(pyo3::exceptions::PyRuntimeError::new_err("cannot use from_handle() on NULL pointer"));
        }
        // Where cffi reads the memory (and aborts if it is no handle), the
        // address is looked up among the live handles first.
        let original = cd.ptr.get().wrapping_sub(HANDLE_OFFSET) as *mut ffi::PyObject;
        if cdata::handles::is_live(original) {
            // SAFETY: a live handle cdata is at `original` (registered by
            // new_handle, forgotten when it is deallocated; GIL held).
            if let Owner::Handle(obj) = unsafe { (*(original as *const cdata::CDataObject)).owner.get() } {
                return Ok(obj.bind(py).clone());
            }
        }
        Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "ffi.from_handle(): {} is not a live handle from ffi.new_handle() (never one, or its handle cdata was already freed)",
            cdata::repr::repr_string(py, cd)?
        )))
    }

    fn release(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<()> {
        cdata::lifetime::release(py, x)
    }

    #[pyo3(signature = (cdecl, replace_with=""))]
    fn _getcname(&self, py: Python<'_>, cdecl: &Bound<'_, PyAny>, replace_with: &str) -> PyResult<String> {
        // cffi takes `replace_with` as a C string: a NUL in it is an error
        // (with it, the name would be cut short in C)
        if replace_with.contains('\0') {
            return Err(PyValueError::new_err("embedded null character"));
        }
        let ct = self.resolve(py, cdecl, true)?;
        let a = arena();
        Ok(cdecl::names::type_name_around(&a, ct.get().id, replace_with))
    }

    /// `[(name, "int" | "float"), ...]`: the typedefs declared as
    /// `typedef int... t;` / `typedef float... t;` (sizes only a compiler
    /// knows), in declaration order.
    fn _dots_typedefs(&self, py: Python<'_>) -> PyResult<Vec<(String, &'static str)>> {
        let reg = self.registry_full(py)?;
        Ok({
            let a = arena();
            reg.typedef_names()
                .iter()
                .filter_map(|name| {
                    let ty = reg.typedef(name)?;
                    match a.get(a.strip_top_quals(ty)) {
                        cdecl::Type::UnknownInt(_) => Some((name.clone(), "int")),
                        cdecl::Type::UnknownFloat(_) => Some((name.clone(), "float")),
                        _ => None,
                    }
                })
                .collect()
        })
    }

    fn list_types(&self, py: Python<'_>) -> PyResult<Py<PyTuple>> {
        let (mut t, mut s, mut u) = {
            let reg = self.registry_full(py)?;
            (
                reg.typedef_names().to_vec(),
                reg.struct_tag_names().cloned().collect::<Vec<_>>(),
                reg.union_tag_names().cloned().collect::<Vec<_>>(),
            )
        };
        t.sort();
        s.sort();
        u.sort();
        Ok(PyTuple::new(py, [PyList::new(py, t)?, PyList::new(py, s)?, PyList::new(py, u)?])?.unbind())
    }

    fn integer_const<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let decl = self.declaration(py, name)?;
        match decl.map(|d| d.kind) {
            Some(DeclKind::Constant { value: ConstValue::Int(v), .. }) | Some(DeclKind::EnumConstant { value: v, .. }) => {
                convert::integer::to_py(py, v)
            }
            _ => Err(errors::ffi_error(py, format!("integer constant '{name}' not found"))),
        }
    }

    fn memmove(&self, py: Python<'_>, dest: &Bound<'_, PyAny>, src: &Bound<'_, PyAny>, n: isize) -> PyResult<()> {
        crate::buffer::memmove(py, dest, src, n)
    }

    #[pyo3(signature = (cdecl, python_buffer=None, require_writable=false))]
    #[allow(clippy::wrong_self_convention)] // cffi's method name: ffi.from_buffer
    fn from_buffer<'py>(&self, py: Python<'py>, cdecl: &Bound<'py, PyAny>, python_buffer: Option<&Bound<'py, PyAny>>, require_writable: bool) -> PyResult<Bound<'py, PyAny>> {
        let (ct, obj) = match python_buffer {
            Some(b) => (self.resolve(py, cdecl, false)?, b.clone()),
            None => (self.resolve(py, pyo3::intern!(py, "char[]").as_any(), false)?, cdecl.clone()),
        };
        crate::buffer::from_buffer(py, &ct, &obj, require_writable)
    }

    #[getter]
    fn get_errno(&self) -> i32 {
        crate::call::saved_errno()
    }

    #[setter]
    fn set_errno(&self, value: i64) -> PyResult<()> {
        // cffi's words (a C `long` beyond an int)
        let v = i32::try_from(value).map_err(|_| PyOverflowError::new_err("errno value too large"))?;
        crate::call::set_saved_errno(v);
        Ok(())
    }

    /// Names and kinds of every declaration, for `Lib` objects.
    fn _lookup_kind(&self, py: Python<'_>, name: &str) -> PyResult<Option<&'static str>> {
        Ok(self.declaration(py, name)?.map(|d| match d.kind {
            DeclKind::Function { .. } => "function",
            DeclKind::Variable { .. } => "variable",
            DeclKind::Constant { .. } => "constant",
            DeclKind::EnumConstant { .. } => "enum",
            DeclKind::ExternPython { .. } => "extern_python",
        }))
    }

    /// `(kind, ctype, value)` of a declaration, for typed stubs
    /// (`rcffi._stubs`): a function's function type, the type of a
    /// variable, constant or enumerator, and the integer value when the
    /// cdef text gives it (not for `#define X ...` nor `enum e { A, ... }`,
    /// whose ctype is None too: only a compiler completes it).
    #[allow(clippy::type_complexity)]
    fn _decl_type(&self, py: Python<'_>, name: &str) -> Option<(&'static str, Option<Py<CType>>, Option<i128>)> {
        let kind = self.declaration(py, name).ok().flatten()?.kind;
        let (k, ty, value) = match kind {
            DeclKind::Function { ty, .. } => ("function", ty, None),
            DeclKind::ExternPython { ty, .. } => ("extern_python", ty, None),
            DeclKind::Variable { ty } => ("variable", ty, None),
            DeclKind::Constant { ty, value: ConstValue::Int(v) } => ("constant", ty, Some(v)),
            DeclKind::Constant { ty, value: ConstValue::Unknown } => ("constant", ty, None),
            DeclKind::EnumConstant { ty, value } => {
                let a = arena();
                let partial = match a.get(a.strip_top_quals(ty)) {
                    cdecl::Type::Enum(eid) => a.enum_def(*eid).partial,
                    _ => false,
                };
                ("enum", ty, (!partial).then_some(value))
            }
        };
        Some((k, ctype_for(py, ty).ok(), value))
    }

    /// Is `name` a global variable whose type is `const` at the top (and
    /// not an array)?  cffi makes such declarations constants of `lib`:
    /// read once, by value, and never written.
    fn _is_const_global(&self, py: Python<'_>, name: &str) -> PyResult<bool> {
        let ty = match self.declaration(py, name)?.map(|d| d.kind) {
            Some(DeclKind::Variable { ty }) => ty,
            _ => return Ok(false),
        };
        let a = crate::state::arena();
        Ok(a.quals_of(ty).is_const && !matches!(a.get(a.strip_top_quals(ty)), cdecl::Type::Array { .. }))
    }

    /// Called once for the `ffi` of a compiled module (see `api_mode`).
    pub(crate) fn _set_api_mode(&self, py: Python<'_>) {
        self.api_mode.store(true, std::sync::atomic::Ordering::Relaxed);
        self.type_cache.bind(py).clear();
    }

    fn _declared_names(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        Ok(self.registry_full(py)?.declarations().iter().map(|d| d.name.clone()).collect())
    }

    pub(crate) fn _include(&self, other: PyRef<'_, FFIBase>) -> PyResult<()> {
        let py = other.py();
        let theirs = other.registry_full(py)?.clone();
        // the registry is unlocked before the error is made (see `errors::from_cdecl`)
        let included = self.registry_full(py)?.include(&theirs);
        included.map_err(|e| errors::from_cdecl(py, e))?;
        self.type_cache.bind(py).clear();
        Ok(())
    }
}

/// Follow `fields_or_indexes` from `ct`: the final type and byte offset.
/// `deref_first`: a field name as first step walks into a pointer's
/// pointee (as C's `p->x`); later steps never follow a pointer, the
/// offset would belong to another object. An index is C's `&a[i]`: any
/// `Py_ssize_t`, one past the end and negative ones included (as cffi),
/// the offset arithmetic checked.
fn field_path(py: Python<'_>, ct: &Py<CType>, path: &Bound<'_, PyTuple>, deref_first: bool) -> PyResult<(Py<CType>, isize)> {
    let overflow = || PyOverflowError::new_err("array offset would overflow a Py_ssize_t");
    let mut cur = ct.clone_ref(py);
    let mut off = 0isize;
    for (i, step) in path.iter().enumerate() {
        let c = cur.get();
        if let Ok(name) = step.cast::<PyString>() {
            let rec = match c.kind {
                Kind::Struct | Kind::Union => cur.clone_ref(py),
                Kind::Pointer if c.is_record_ptr() && i == 0 && deref_first => c.item().clone_ref(py),
                _ => return Err(PyTypeError::new_err(format!("expected a struct or union ctype, got '{}'", c.cname))),
            };
            if rec.get().is_opaque() {
                // cffi's TypeError (not the `ffi.error` of a layout that fails)
                return Err(PyTypeError::new_err(format!("'{}' is opaque: it has no fields", rec.get().cname)));
            }
            let info = rec.get().record_info(py)?;
            let idx = info.by_name.bind(py).get_item(name)?.ok_or_else(|| {
                pyo3::exceptions::PyKeyError::new_err(format!("'{}' has no field '{}'", rec.get().cname, name))
            })?;
            let f = &info.fields[idx.extract::<usize>()?];
            if f.bitsize >= 0 {
                return Err(PyTypeError::new_err(format!("not supported for bitfield '{}'", f.name)));
            }
            let field_off = isize::try_from(f.offset).map_err(|_| overflow())?;
            off = off.checked_add(field_off).ok_or_else(overflow)?;
            cur = f.ctype.clone_ref(py);
        } else {
            // An exact int (or subclass) as in cffi: no `__index__`, so no
            // Python code runs while the path is computed.
            let n: isize = step
                .cast::<PyInt>()
                .ok()
                .and_then(|i| i.extract().ok())
                .ok_or_else(|| PyTypeError::new_err("field name or array index expected"))?;
            if !matches!(c.kind, Kind::Array | Kind::Pointer) {
                return Err(PyTypeError::new_err(format!("expected an array or pointer ctype, got '{}'", c.cname)));
            }
            let item = c.item().clone_ref(py);
            let size = item.get().size(py).map_err(|_| {
                PyTypeError::new_err(format!(
                    "with an integer argument, expected an array ctype or a pointer to non-opaque, got '{}'",
                    c.cname
                ))
            })?;
            let size = isize::try_from(size).map_err(|_| overflow())?;
            let item_off = n.checked_mul(size).ok_or_else(overflow)?;
            off = off.checked_add(item_off).ok_or_else(overflow)?;
            cur = item;
        }
    }
    Ok((cur, off))
}
