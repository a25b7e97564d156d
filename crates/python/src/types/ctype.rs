//! `CType` objects: one per (unqualified) type, shared process-wide, holding
//! everything the hot paths need so they never touch the arena lock.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use cdecl::{ArrayLen, Prim, PrimKind, RecordId, RecordKind, Type, TypeId};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::errors;
use crate::state::arena;

/// How values of a type cross between Python and C: the dispatch key of
/// every conversion (one file per kind under `convert/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conv {
    Void,
    /// Signed or unsigned integer of `size` bytes (also enums).
    Int { size: u8, signed: bool },
    Bool,
    /// `char`: bytes of length 1.
    Char,
    /// `wchar_t` / `char16_t` / `char32_t`: str of length 1.
    WideChar { size: u8 },
    Float,
    Double,
    LongDouble,
    FloatComplex,
    DoubleComplex,
    Pointer,
    Array,
    Record,
    Function,
    /// `typedef int... t;` / `typedef float... t;`: unusable in ABI mode.
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Void,
    Primitive,
    Pointer,
    Array,
    Struct,
    Union,
    Enum,
    Function,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Void => "void",
            Kind::Primitive => "primitive",
            Kind::Pointer => "pointer",
            Kind::Array => "array",
            Kind::Struct => "struct",
            Kind::Union => "union",
            Kind::Enum => "enum",
            Kind::Function => "function",
        }
    }
}

/// A field as the runtime uses it: absolute offset within the outermost
/// record (anonymous members are flattened, as cffi's `fields` shows).
pub struct FieldInfo {
    pub name: String,
    pub ctype: Py<CType>,
    pub offset: usize,
    pub bitshift: i32,
    pub bitsize: i32,
    /// A union member after the first: list initializers skip it.
    pub ignore_in_ctor: bool,
}

impl FieldInfo {
    /// A flexible array member `T name[];`.
    pub fn is_var_array(&self) -> bool {
        let c = self.ctype.get();
        c.kind == Kind::Array && c.length.is_none()
    }

    /// `T[]` or `T[0]`: cffi reads such a field as a `T *` (or, in a
    /// var-sized struct, as an array of the allocated length).
    pub fn is_empty_array(&self) -> bool {
        let c = self.ctype.get();
        c.kind == Kind::Array && matches!(c.length, None | Some(0))
    }
}

pub struct RecordInfo {
    pub size: usize,
    pub align: usize,
    pub fields: Vec<FieldInfo>,
    /// interned field name -> index into `fields`
    pub by_name: Py<PyDict>,
    /// Ends in a C99 flexible array member (`T data[];`), possibly inside
    /// a nested record: `ffi.new()` then sizes it from the initializer.
    pub var_array: bool,
    /// The interned name object of each field (kept alive by `by_name`):
    /// attribute names arrive interned, so a pointer comparison finds
    /// the field of a small struct faster than a dict lookup.
    keys: Vec<InternedName>,
}

/// A borrowed pointer to an interned field name owned by `by_name`.
struct InternedName(*mut pyo3::ffi::PyObject);

// SAFETY: only compared by address; the object is kept alive by `by_name`.
unsafe impl Send for InternedName {}
unsafe impl Sync for InternedName {}

impl RecordInfo {
    /// The index of the field called `name` (a `str` object).
    ///
    /// # Safety
    /// The GIL is held and `name` is a live object.
    #[inline]
    pub unsafe fn find(&self, name: *mut pyo3::ffi::PyObject) -> Option<usize> { unsafe {
        if let Some(i) = self.keys.iter().position(|k| k.0 == name) {
            return Some(i);
        }
        let idx = pyo3::ffi::PyDict_GetItemWithError(self.by_name.as_ptr(), name);
        if idx.is_null() {
            return None;
        }
        Some(pyo3::ffi::PyLong_AsSsize_t(idx) as usize)
    }}
}

pub struct FuncInfo {
    pub args: Vec<Py<CType>>,
    pub result: Py<CType>,
    pub variadic: bool,
    pub stdcall: bool,
}

#[pyclass(frozen, weakref, module = "_cffi_backend", name = "CType")]
pub struct CType {
    pub id: TypeId,
    pub kind: Kind,
    pub conv: Conv,
    pub cname: String,
    pub prim: Option<Prim>,
    /// Pointer target or array item.
    pub item: Option<Py<CType>>,
    /// Fixed array length (`None` for `T[]`).
    pub length: Option<usize>,
    pub func: Option<FuncInfo>,
    pub record: Option<RecordId>,
    pub enum_values: Option<Vec<(String, i128)>>,
    /// Size and alignment, once the type is complete.
    layout: OnceLock<(usize, usize)>,
    record_info: RecordInfoSlot,
    /// How to call a function type (built on first call by call.rs).
    pub call_spec: CallCache,
}

/// What the calls layer keeps on a function type: its libffi plan
/// (call.rs's `CallSpec`), built on first call. Held without naming that
/// type, so this layer does not depend on the one above it; a read checks
/// the type by its `TypeId` (a compare, no virtual call).
#[derive(Default)]
pub struct CallCache(OnceLock<(std::any::TypeId, Box<dyn std::any::Any + Send + Sync>)>);

impl CallCache {
    /// The value kept, if there is one and it is a `T`.
    #[inline]
    pub fn get<T: std::any::Any + Send + Sync>(&self) -> Option<&T> {
        let (id, value) = self.0.get()?;
        if *id != std::any::TypeId::of::<T>() {
            return None;
        }
        // SAFETY: `set` records the TypeId of the value's own type, checked
        // equal to T's just above: the box holds a T (what `downcast_ref`
        // does, without its virtual call).
        Some(unsafe { &*(&**value as *const (dyn std::any::Any + Send + Sync) as *const T) })
    }

    /// Keep `value` unless a value is kept already (another thread built
    /// the same plan first), then give what is kept. Its address is stable
    /// from then on (call_int.rs keeps it in a cdata).
    pub fn get_or_set<T: std::any::Any + Send + Sync>(&self, value: T) -> Option<&T> {
        let _ = self.0.set((std::any::TypeId::of::<T>(), Box::new(value)));
        self.get()
    }
}

/// The struct/union layout of a record `CType`, built on first use. It is
/// where `CType`s reference each other in cycles (`struct node { struct
/// node *next; }`), so the type collector may empty it (`ctype_gc.rs`).
#[derive(Default)]
pub struct RecordInfoSlot(std::cell::UnsafeCell<OnceLock<RecordInfo>>);

// SAFETY: shared access only reads through `&OnceLock` (which is Sync);
// `take` is the one mutation and requires that no reference exists.
unsafe impl Sync for RecordInfoSlot {}

impl RecordInfoSlot {
    fn get(&self) -> &OnceLock<RecordInfo> {
        // SAFETY: see `take`: no `&mut` exists while a `&` can be made.
        unsafe { &*self.0.get() }
    }

    /// Empty the slot.
    ///
    /// # Safety
    /// Nothing can reach this `CType` except the caller: it is garbage for
    /// the type collector (no reference from outside the cache or from a
    /// live `CType`), the GIL is held and no `&RecordInfo` of it exists.
    pub(crate) unsafe fn take(&self) -> Option<RecordInfo> {
        unsafe { (*self.0.get()).take() }
    }
}

/// Every `CType` made, by type. The type collector (`ctype_gc.rs`) removes
/// the ones nothing uses any more.
pub(crate) static CACHE: Mutex<Option<HashMap<TypeId, Py<CType>>>> = Mutex::new(None);

fn cached(id: TypeId) -> Option<Py<CType>> {
    let guard = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    guard.as_ref().and_then(|m| m.get(&id)).map(|c| Python::attach(|py| c.clone_ref(py)))
}

/// The `CType` of an arena type (qualifiers stripped), created once.
/// The pointer type to the function type `ct` (what cffi makes of a
/// function type where a function pointer is expected).
pub fn function_pointer(py: Python<'_>, ct: &Py<CType>) -> PyResult<Py<CType>> {
    let id = arena().pointer(ct.get().id);
    ctype_for(py, id)
}

pub fn ctype_for(py: Python<'_>, id: TypeId) -> PyResult<Py<CType>> {
    // `id` and what it reaches are rooted by nothing until the `CType` is
    // cached, and building it may run Python code (a warning, a finalizer)
    let _in_hand = crate::state::TypeIdsInHand::take();
    let id = arena().unqualified(id);
    if let Some(c) = cached(id) {
        return Ok(c);
    }
    let (ty, cname) = {
        let a = arena();
        (a.get(id).clone(), cdecl::names::type_name(&a, id))
    };
    let mut ct = CType {
        id,
        kind: Kind::Void,
        conv: Conv::Void,
        cname,
        prim: None,
        item: None,
        length: None,
        func: None,
        record: None,
        enum_values: None,
        layout: OnceLock::new(),
        record_info: RecordInfoSlot::default(),
        call_spec: CallCache::default(),
    };
    match ty {
        Type::Void => {}
        Type::Primitive(p) => {
            ct.kind = Kind::Primitive;
            ct.prim = Some(p);
            ct.conv = prim_conv(p);
        }
        Type::UnknownInt(_) | Type::UnknownFloat(_) => {
            ct.kind = Kind::Primitive;
            ct.conv = Conv::Unknown;
        }
        Type::Pointer(to) => {
            ct.kind = Kind::Pointer;
            ct.conv = Conv::Pointer;
            ct.item = Some(ctype_for(py, to)?);
        }
        Type::Array { item, len } => {
            ct.kind = Kind::Array;
            ct.conv = Conv::Array;
            let item_ct = ctype_for(py, item)?;
            if let Some(l) = array_layout(py, item_ct.get(), id, len)? {
                let _ = ct.layout.set(l);
            }
            ct.item = Some(item_ct);
            ct.length = match len {
                ArrayLen::Fixed(n) => Some(n as usize),
                ArrayLen::Open => None,
                ArrayLen::Unknown(_) => {
                    return Err(errors::ffi_error(py, format!("unknown length in array type '{}'", ct.cname)))
                }
            };
        }
        Type::Function(f) => {
            ct.kind = Kind::Function;
            ct.conv = Conv::Function;
            let args = f.args.iter().map(|&a| ctype_for(py, a)).collect::<PyResult<Vec<_>>>()?;
            let result = ctype_for(py, f.result)?;
            // as cffi: a record passed or returned by value must be complete
            // (cffi checks the result first, in its own words)
            if result.get().is_opaque() {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!("result type '{}' is opaque", result.get().cname)));
            }
            for t in &args {
                if t.get().is_opaque() {
                    return Err(pyo3::exceptions::PyTypeError::new_err(format!("ctype '{}' has incomplete type", t.get().cname)));
                }
            }
            ct.func = Some(FuncInfo { args, result, variadic: f.variadic, stdcall: f.abi == cdecl::Abi::Stdcall });
        }
        Type::Record(rid) => {
            let kind = arena().record(rid).kind;
            ct.kind = if kind == RecordKind::Struct { Kind::Struct } else { Kind::Union };
            ct.conv = Conv::Record;
            ct.record = Some(rid);
        }
        Type::Enum(eid) => {
            let def = arena().enum_def(eid).clone();
            if def.partial {
                // `enum e { A, ... }`: its values and size are the compiler's
                // (ffi.verify() or API mode), unknown until then, as in cffi
                return Err(crate::errors::verification_missing(
                    py,
                    format!(
                        "'{}' has '...' in its values: they are only known once a compiler gave them \
                         (ffi.verify(), or API mode with ffi.set_source())",
                        ct.cname
                    ),
                ));
            }
            // warned for cdef text only (it has a span): cffi warns when it
            // reads the text, not when loading the tables it generated from it
            if def.values.is_empty() && def.span.is_some() {
                let msg = format!(
                    "'{}' has no values explicitly defined; guessing that it is equivalent to '{}'",
                    ct.cname,
                    def.base.name()
                );
                PyErr::warn(py, &py.get_type::<pyo3::exceptions::PyUserWarning>(), &std::ffi::CString::new(msg)?, 1)?;
            }
            ct.kind = Kind::Enum;
            ct.prim = Some(def.base);
            ct.conv = prim_conv(def.base);
            ct.enum_values = Some(def.values);
        }
        Type::Qualified(..) => unreachable!("unqualified() removes qualifiers"),
    }
    let obj = Py::new(py, ct)?;
    let mut guard = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let map = guard.get_or_insert_with(HashMap::new);
    // A recursive build may have inserted it meanwhile: keep the first.
    Ok(map.entry(id).or_insert(obj).clone_ref(py))
}

/// What cffi checks when it makes an array type (`new_array_type`): an
/// item of unknown size (an opaque record, an open array) is a
/// `ValueError`, and a fixed array of more than `isize::MAX` bytes an
/// `OverflowError`, raised here rather than left to the array's first use,
/// since the paths that index, iterate, slice or measure an array cdata
/// multiply its length by its item's size and read what they compute.
/// Returns the array's layout when it is known. An item whose layout fails
/// otherwise (a record a compiler has not laid out yet) keeps that error
/// for the array's first use, as before.
fn array_layout(py: Python<'_>, item: &CType, id: TypeId, len: ArrayLen) -> PyResult<Option<(usize, usize)>> {
    let open_item = item.kind == Kind::Array && item.length.is_none();
    if item.is_opaque() || open_item {
        return Err(pyo3::exceptions::PyValueError::new_err(format!("array item of unknown size: '{}'", item.cname)));
    }
    if !matches!(len, ArrayLen::Fixed(_)) || item.layout().is_err() {
        return Ok(None);
    }
    // the guard is dropped at the end of the statement, before any Python
    // error is made from what it gave
    let layout = cdecl::layout::size_align(&mut arena(), id);
    match layout {
        Ok((size, align)) => Ok(Some((size as usize, align as usize))),
        Err(e) => Err(errors::from_cdecl(py, e)),
    }
}

fn prim_conv(p: Prim) -> Conv {
    match p.kind() {
        PrimKind::Char => Conv::Char,
        PrimKind::WideChar => Conv::WideChar { size: p.size() as u8 },
        PrimKind::Bool => Conv::Bool,
        PrimKind::SignedInt => Conv::Int { size: p.size() as u8, signed: true },
        PrimKind::UnsignedInt => Conv::Int { size: p.size() as u8, signed: false },
        PrimKind::Float => {
            if p == Prim::Float {
                Conv::Float
            } else {
                Conv::Double
            }
        }
        PrimKind::LongDouble => Conv::LongDouble,
        PrimKind::Complex => {
            if p == Prim::FloatComplex {
                Conv::FloatComplex
            } else {
                Conv::DoubleComplex
            }
        }
    }
}

impl CType {
    /// `wchar_t` is a signed 32-bit int on Linux; `char16_t`/`char32_t`
    /// are unsigned (what `int()` of such a cdata gives).
    pub fn signed_wide(&self) -> bool {
        self.cname == "wchar_t"
    }

    /// `(size, align)`, or the cffi error for an incomplete type.
    pub fn size_align(&self, py: Python<'_>) -> PyResult<(usize, usize)> {
        self.layout().map_err(|e| errors::from_cdecl(py, e))
    }

    /// `(size, align)`, or why the type has none (typed: no Python error
    /// is made, the caller decides).
    pub fn layout(&self) -> Result<(usize, usize), cdecl::Error> {
        if let Some(&l) = self.layout.get() {
            return Ok(l);
        }
        let (s, al) = cdecl::layout::size_align(&mut arena(), self.id)?;
        let l = (s as usize, al as usize);
        // a race with another thread computes the same value: either wins
        let _ = self.layout.set(l);
        Ok(l)
    }

    pub fn size(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.size_align(py)?.0)
    }

    /// Size if known, without raising (for repr and checks).
    pub fn size_opt(&self, _py: Python<'_>) -> Option<usize> {
        // the typed error is dropped, not a Python one made for nothing
        self.layout().ok().map(|l| l.0)
    }

    /// The size, if it was computed already (no arena lock, no error):
    /// for paths that must not do more than read (cdata/fast.rs).
    pub fn size_opt_if_known(&self) -> Option<usize> {
        self.layout.get().map(|l| l.0)
    }


    pub fn item(&self) -> &Py<CType> {
        self.item.as_ref().expect("pointer or array ctype has an item")
    }

    pub fn is_record_ptr(&self) -> bool {
        self.kind == Kind::Pointer && matches!(self.item().get().kind, Kind::Struct | Kind::Union)
    }

    /// The struct/union layout with flattened fields (cached once complete).
    pub fn record_info(&self, py: Python<'_>) -> PyResult<&RecordInfo> {
        let slot = self.record_info.get();
        if let Some(info) = slot.get() {
            return Ok(info);
        }
        let rid = self.record.expect("record ctype");
        let info = build_record_info(py, rid, &self.cname)?;
        let _ = slot.set(info);
        Ok(slot.get().expect("just set"))
    }

    /// The record layout, if it was built already (see `size_opt_if_known`).
    pub fn record_info_if_built(&self) -> Option<&RecordInfo> {
        self.record_info.get().get()
    }

    /// The slot itself, for the type collector.
    pub(crate) fn record_info_slot(&self) -> &RecordInfoSlot {
        &self.record_info
    }

    /// Every `CType` this one holds a reference to.
    pub(crate) fn for_each_ctype_ref<'a>(&'a self, mut f: impl FnMut(&'a Py<CType>)) {
        if let Some(item) = &self.item {
            f(item);
        }
        if let Some(func) = &self.func {
            func.args.iter().for_each(&mut f);
            f(&func.result);
        }
        if let Some(info) = self.record_info_if_built() {
            info.fields.iter().for_each(|field| f(&field.ctype));
        }
    }

    /// Whether the struct/union has a body yet.
    pub fn is_opaque(&self) -> bool {
        match self.record {
            Some(rid) => arena().record(rid).fields.is_none(),
            None => false,
        }
    }

    pub fn is_function_pointer(&self) -> bool {
        self.kind == Kind::Pointer && self.item().get().kind == Kind::Function
    }

    /// The signature of a function or function-pointer type.
    pub fn signature(&self) -> Option<&FuncInfo> {
        if self.is_function_pointer() {
            return self.item().get().func.as_ref();
        }
        self.func.as_ref()
    }

    pub fn repr_string(&self) -> String {
        format!("<ctype '{}'>", self.cname)
    }
}

fn build_record_info(py: Python<'_>, rid: RecordId, cname: &str) -> PyResult<RecordInfo> {
    let laid_out = {
        let mut a = arena();
        if a.record(rid).fields.is_none() {
            None
        } else {
            // the Python error, if any, is made after the arena is unlocked
            Some(cdecl::layout::record_layout(&mut a, rid).cloned().and_then(|layout| {
                let mut flat = Vec::new();
                flatten(&mut a, rid, 0, false, &layout, &mut flat)?;
                Ok((layout.size as usize, layout.align as usize, flat))
            }))
        }
    };
    let Some(laid_out) = laid_out else {
        return Err(errors::ffi_error(py, format!("'{cname}' is opaque or not completed yet")));
    };
    let (size, align, flat) = laid_out.map_err(|e| errors::from_cdecl(py, e))?;
    let by_name = PyDict::new(py);
    let mut fields = Vec::with_capacity(flat.len());
    let mut keys = Vec::with_capacity(flat.len());
    for (name, ty, offset, bitshift, bitsize, ignore_in_ctor) in flat {
        let key = pyo3::types::PyString::intern(py, &name);
        if !name.is_empty() && !by_name.contains(&key)? {
            by_name.set_item(&key, fields.len())?;
        }
        // The dict keeps the first object of each name alive; point at it.
        let kept = by_name.get_item(&key)?.map_or(std::ptr::null_mut(), |_| key.as_ptr());
        keys.push(InternedName(kept));
        fields.push(FieldInfo { name, ctype: ctype_for(py, ty)?, offset: offset as usize, bitshift, bitsize, ignore_in_ctor });
    }
    let var_array = fields.iter().any(|f| {
        let c = f.ctype.get();
        f.is_var_array() || (c.record.is_some() && c.record_info(py).is_ok_and(|r| r.var_array))
    });
    Ok(RecordInfo { size, align, fields, by_name: by_name.unbind(), var_array, keys })
}

/// name, type, offset, bitshift, bitsize, skipped by list initializers
type FlatField = (String, TypeId, u64, i32, i32, bool);

fn flatten(
    a: &mut cdecl::TypeArena,
    rid: RecordId,
    base: u64,
    ignored: bool,
    layout: &cdecl::RecordLayout,
    out: &mut Vec<FlatField>,
) -> Result<(), cdecl::Error> {
    let fields = a.record(rid).fields.clone().unwrap_or_default();
    let is_union = a.record(rid).kind == cdecl::RecordKind::Union;
    for (i, (f, fl)) in fields.iter().zip(layout.fields.iter()).enumerate() {
        let ignored = ignored || (is_union && i > 0);
        let inner = a.strip_top_quals(f.ty);
        if f.name.is_empty() && f.bitsize.is_none() {
            if let Type::Record(sub) = a.get(inner).clone() {
                let sub_layout = cdecl::layout::record_layout(a, sub)?.clone();
                flatten(a, sub, base + fl.offset, ignored, &sub_layout, out)?;
                continue;
            }
        }
        if f.name.is_empty() {
            continue; // unnamed bitfield: padding only
        }
        out.push((f.name.clone(), f.ty, base + fl.offset, fl.bitshift, fl.bitsize, ignored));
    }
    Ok(())
}

/// `ffi.CField`: what `ctype.fields` lists.
#[pyclass(frozen, module = "_cffi_backend", name = "CField")]
pub struct CField {
    #[pyo3(get)]
    pub r#type: Py<CType>,
    #[pyo3(get)]
    pub offset: usize,
    #[pyo3(get)]
    pub bitshift: i32,
    #[pyo3(get)]
    pub bitsize: i32,
    #[pyo3(get)]
    pub flags: i32,
}

#[pymethods]
impl CType {
    #[getter]
    fn kind(&self) -> &'static str {
        if self.is_function_pointer() {
            return "function"; // cffi shows function pointers as functions
        }
        self.kind.name()
    }

    #[getter]
    fn cname(&self) -> &str {
        &self.cname
    }

    #[getter(item)]
    fn py_item(&self, py: Python<'_>) -> PyResult<Py<CType>> {
        if self.is_function_pointer() {
            return Err(pyo3::exceptions::PyAttributeError::new_err("item"));
        }
        match (&self.item, self.kind) {
            (Some(i), Kind::Pointer | Kind::Array) => Ok(i.clone_ref(py)),
            _ => Err(pyo3::exceptions::PyAttributeError::new_err("item")),
        }
    }

    #[getter(length)]
    fn py_length(&self) -> PyResult<Option<usize>> {
        match self.kind {
            Kind::Array => Ok(self.length),
            _ => Err(pyo3::exceptions::PyAttributeError::new_err("length")),
        }
    }

    #[getter]
    fn fields(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.kind {
            Kind::Struct | Kind::Union => {
                if self.is_opaque() {
                    return Ok(py.None());
                }
                let info = self.record_info(py)?;
                let list = PyList::empty(py);
                for f in &info.fields {
                    let ft = f.ctype.get();
                    // cffi's BS_EMPTY_ARRAY: a field `T x[]` or `T x[0]` shows bitshift -2
                    let empty_array = ft.kind == Kind::Array && matches!(ft.length, None | Some(0));
                    let field = CField {
                        r#type: f.ctype.clone_ref(py),
                        offset: f.offset,
                        bitshift: if f.bitsize < 0 && empty_array { -2 } else { f.bitshift },
                        bitsize: f.bitsize,
                        // cffi's BF_IGNORE_IN_CTOR: not the first member of a union
                        flags: f.ignore_in_ctor as i32,
                    };
                    list.append((f.name.as_str(), Py::new(py, field)?))?;
                }
                Ok(list.into_any().unbind())
            }
            _ => Err(pyo3::exceptions::PyAttributeError::new_err("fields")),
        }
    }

    #[getter]
    fn args(&self, py: Python<'_>) -> PyResult<Py<PyTuple>> {
        match self.signature() {
            Some(f) => Ok(PyTuple::new(py, f.args.iter().map(|a| a.clone_ref(py)))?.unbind()),
            None => Err(pyo3::exceptions::PyAttributeError::new_err("args")),
        }
    }

    #[getter]
    fn result(&self, py: Python<'_>) -> PyResult<Py<CType>> {
        match self.signature() {
            Some(f) => Ok(f.result.clone_ref(py)),
            None => Err(pyo3::exceptions::PyAttributeError::new_err("result")),
        }
    }

    #[getter]
    fn ellipsis(&self) -> PyResult<bool> {
        match self.signature() {
            Some(f) => Ok(f.variadic),
            None => Err(pyo3::exceptions::PyAttributeError::new_err("ellipsis")),
        }
    }

    #[getter]
    fn abi(&self) -> PyResult<i32> {
        match self.signature() {
            Some(f) => Ok(if f.stdcall { crate::FFI_STDCALL } else { crate::FFI_DEFAULT_ABI }),
            None => Err(pyo3::exceptions::PyAttributeError::new_err("abi")),
        }
    }

    #[getter]
    fn elements(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        let values = self.enum_values.as_ref().ok_or_else(|| pyo3::exceptions::PyAttributeError::new_err("elements"))?;
        let d = PyDict::new(py);
        // values through rcffi's int conversion: PyO3's 128-bit one reads
        // an unset digit of 0 in CPython 3.11 (memcheck's only rcffi frames)
        for (name, v) in values.iter().rev() {
            d.set_item(crate::convert::integer::to_py(py, *v)?, name)?;
        }
        Ok(d.unbind())
    }

    #[getter]
    fn relements(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        let values = self.enum_values.as_ref().ok_or_else(|| pyo3::exceptions::PyAttributeError::new_err("relements"))?;
        let d = PyDict::new(py);
        // last enumerator first, as cffi builds it (and `elements`)
        for (name, v) in values.iter().rev() {
            d.set_item(name, crate::convert::integer::to_py(py, *v)?)?;
        }
        Ok(d.unbind())
    }

    fn __repr__(&self) -> String {
        self.repr_string()
    }

    fn __dir__(&self) -> Vec<&'static str> {
        let mut v = vec!["kind", "cname"];
        if self.is_function_pointer() {
            v.extend(["args", "result", "ellipsis", "abi"]);
            return v;
        }
        match self.kind {
            Kind::Pointer => v.push("item"),
            Kind::Array => v.extend(["item", "length"]),
            Kind::Struct | Kind::Union => v.push("fields"),
            Kind::Enum => v.extend(["elements", "relements"]),
            Kind::Function => v.extend(["args", "result", "ellipsis", "abi"]),
            _ => {}
        }
        v
    }
}
