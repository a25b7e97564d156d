//! Calling C functions through function-pointer cdata (vectorcall), and
//! cffi's saved `errno`.
//!
//! Each function type gets a `CallSpec` once (libffi cif + how to convert
//! each argument); a call converts the arguments into a stack buffer,
//! releases the GIL, restores errno, calls, saves errno, and converts the
//! result back.

use std::cell::Cell;
use std::ffi::c_void;

use native::abi::NativeType;
use native::call::CallPlan;
use native::direct::DirectRet;
use pyo3::exceptions::{PyNotImplementedError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::cdata::{self, CDataObject};
use crate::convert;
use crate::ctype::{CType, Conv, Kind};

thread_local! {
    static SAVED_ERRNO: Cell<i32> = const { Cell::new(0) };
}

/// `ffi.errno`: the errno saved right after the last foreign call.
pub fn saved_errno() -> i32 {
    SAVED_ERRNO.with(|e| e.get())
}

pub fn set_saved_errno(v: i32) {
    SAVED_ERRNO.with(|e| e.set(v))
}

/// Run a foreign call as cffi does: the GIL released, `errno` set from
/// `ffi.errno` before it and saved right after it (one thread-local
/// lookup for both).
///
/// # Safety
/// The GIL is held; `call` must not touch Python objects.
#[inline(always)]
pub(crate) unsafe fn foreign_call<R>(call: impl FnOnce() -> R) -> R { unsafe {
    let state = foreign_begin();
    let r = call();
    foreign_end(state);
    r
}}

/// What [`foreign_begin`] hands to [`foreign_end`].
pub(crate) struct Released {
    tstate: *mut ffi::PyThreadState,
    saved: *const Cell<i32>,
}

/// The first half of [`foreign_call`], for the hottest callers, which
/// make the call itself between the halves (with no closure, so nothing
/// of it is left out of line): the GIL released, `errno` set from
/// `ffi.errno`. Between the halves, touch no Python object.
///
/// # Safety
/// The GIL is held; [`foreign_end`] follows on this thread.
#[inline(always)]
pub(crate) unsafe fn foreign_begin() -> Released { unsafe {
    // The address of this thread's saved errno, taken once (the body runs
    // outside `with`, so that it is inlined into each caller rather than
    // reached through the generic `with` out of line).
    let saved: *const Cell<i32> = SAVED_ERRNO.with(|saved| saved as *const Cell<i32>);
    let tstate = ffi::PyEval_SaveThread();
    // SAFETY: a thread-local lives as long as its thread, which runs this
    // call until it returns; a `Cell` is never shared with another thread,
    // and nothing else borrows it meanwhile.
    native::errno::set_errno((*saved).get());
    Released { tstate, saved }
}}

/// The second half of [`foreign_call`]: `errno` saved, the GIL taken back.
///
/// # Safety
/// `state` is what [`foreign_begin`] gave on this thread.
#[inline(always)]
pub(crate) unsafe fn foreign_end(state: Released) { unsafe {
    // SAFETY: as in foreign_begin: this thread's own thread-local.
    (*state.saved).set(native::errno::get_errno());
    ffi::PyEval_RestoreThread(state.tstate);
}}

/// What a function type needs to be called.
pub struct CallSpec {
    plan: CallPlan,
    ret_size: usize,
    /// Set when every argument and the result travel in registers, so the
    /// call can skip libffi (`native::direct`).
    direct: Option<DirectRet>,
    /// Set for all-integer signatures: the specialised entry of call_int.rs.
    pub(crate) int_sig: Option<crate::call_int::IntSig>,
    /// Set for the other non-variadic signatures whose arguments are
    /// scalars (struct results, many arguments): the specialised entry of
    /// API-mode trampolines (call_tramp.rs).
    pub(crate) tramp_sig: Option<crate::call_tramp::TrampSig>,
}

/// Whether a value of this type is passed in an integer register.
fn is_word(c: &CType) -> bool {
    matches!(c.conv, Conv::Int { .. } | Conv::Bool | Conv::Char | Conv::WideChar { .. } | Conv::Pointer | Conv::Array)
}

/// Whether a value of this type is passed in a floating-point register.
fn is_float_register(c: &CType) -> bool {
    matches!(c.conv, Conv::Float | Conv::Double)
}

/// The direct-call shape of a non-variadic signature, if it has one.
fn direct_shape(args: &[Py<CType>], result: &CType) -> Option<DirectRet> {
    // Register shapes checked on these ABIs only; results are read as the
    // low bytes of the register.
    let supported = cfg!(all(target_endian = "little", any(target_arch = "x86_64", target_arch = "aarch64")));
    let floats = args.iter().filter(|a| is_float_register(a.get())).count();
    let words = args.iter().filter(|a| is_word(a.get())).count();
    if !supported || words > native::direct::MAX_ARGS || floats > native::direct::MAX_FLOAT_ARGS || words + floats != args.len() {
        return None;
    }
    match result.conv {
        Conv::Void => Some(DirectRet::Word),
        Conv::Float => Some(DirectRet::F32),
        Conv::Double => Some(DirectRet::F64),
        _ if is_word(result) => Some(DirectRet::Word),
        _ => None,
    }
}

/// The libffi description of a C type passed or returned by value.
/// `place` is "argument" or "return value", for cffi's messages.
pub fn native_type(py: Python<'_>, ct: &CType, place: &str) -> PyResult<NativeType> {
    Ok(match ct.conv {
        Conv::Void => NativeType::Void,
        Conv::Int { size, signed } => match (size, signed) {
            (1, true) => NativeType::I8,
            (1, false) => NativeType::U8,
            (2, true) => NativeType::I16,
            (2, false) => NativeType::U16,
            (4, true) => NativeType::I32,
            (4, false) => NativeType::U32,
            (_, true) => NativeType::I64,
            (_, false) => NativeType::U64,
        },
        Conv::Bool => NativeType::U8,
        Conv::Char => NativeType::I8,
        Conv::WideChar { size: 2 } => NativeType::U16,
        Conv::WideChar { .. } => NativeType::U32,
        Conv::Float => NativeType::F32,
        Conv::Double => NativeType::F64,
        Conv::LongDouble => NativeType::LongDouble,
        Conv::FloatComplex => NativeType::ComplexF32,
        Conv::DoubleComplex => NativeType::ComplexF64,
        Conv::Pointer | Conv::Array => NativeType::Pointer,
        Conv::Record => {
            if let Some(why) = super::by_value::problem(ct, place) {
                return Err(PyNotImplementedError::new_err(why));
            }
            let info = ct.record_info(py)?;
            if let Some(why) = super::by_value::too_large(ct, info.size) {
                return Err(PyNotImplementedError::new_err(why));
            }
            let mut elements = Vec::new();
            for f in &info.fields {
                push_flattened(py, f.ctype.get(), place, 1, &mut elements)?;
            }
            NativeType::Struct { size: info.size, align: info.align, elements }
        }
        Conv::Function | Conv::Unknown => {
            return Err(PyNotImplementedError::new_err(format!(
                "ctype '{}' (size {}) not supported as {place}",
                ct.cname,
                ct.size_opt(py).map_or(-1, |s| s as isize)
            )))
        }
    })
}

/// The libffi elements of a struct field: an array field is its items
/// (`int a[2][3]` is six `int`s, at any depth, as cffi describes it), a
/// field of any other type one element. `count`: how many times the field
/// repeats (the lengths of the arrays around it).
fn push_flattened(py: Python<'_>, fc: &CType, place: &str, count: usize, elements: &mut Vec<NativeType>) -> PyResult<()> {
    if fc.kind == Kind::Array {
        let n = fc.length.unwrap_or(0);
        let total = count.checked_mul(n).ok_or_else(|| {
            PyNotImplementedError::new_err(format!("ctype '{}' too large to be passed by value", fc.cname))
        })?;
        return push_flattened(py, fc.item().get(), place, total, elements);
    }
    let item = native_type(py, fc, place)?;
    // a huge array field is a MemoryError, not an abort
    elements.try_reserve(count).map_err(|_| {
        pyo3::exceptions::PyMemoryError::new_err(format!("ctype '{}': too many items to describe to libffi", fc.cname))
    })?;
    elements.extend(std::iter::repeat_n(item, count));
    Ok(())
}

fn spec_for(py: Python<'_>, fct: &CType, extra: &[Py<CType>]) -> PyResult<CallSpec> {
    let f = fct.func.as_ref().expect("function ctype");
    let mut args = Vec::with_capacity(f.args.len() + extra.len());
    for a in f.args.iter().chain(extra.iter()) {
        let c = a.get();
        args.push(native_type(py, c, "argument")?);
    }
    let rc = f.result.get();
    let ret = native_type(py, rc, "return value")?;
    let ret_size = if rc.kind == Kind::Void { 0 } else { rc.size(py)? };
    let plan = if f.variadic {
        CallPlan::new_variadic(f.args.len(), &args, ret)
    } else {
        CallPlan::new(&args, ret)
    }
    .map_err(|e| PyNotImplementedError::new_err(format!("ctype '{}': {e}", fct.cname)))?;
    let direct = if f.variadic { None } else { direct_shape(&f.args, rc) };
    let int_sig = if direct.is_some() && extra.is_empty() { crate::call_int::IntSig::of(&f.args, &f.result) } else { None };
    let tramp_sig = if direct.is_none() && !f.variadic && extra.is_empty() { crate::call_tramp::TrampSig::of(py, &f.args, &f.result) } else { None };
    Ok(CallSpec { plan, ret_size, direct, int_sig, tramp_sig })
}

/// Check at lookup time that a function type can be called. As in cffi,
/// what libffi cannot describe (`NotImplementedError`) is only reported
/// when the function is called.
pub fn check_callable(py: Python<'_>, ptr_ct: &Py<CType>) -> PyResult<()> {
    let fct = ptr_ct.get().item().get();
    if fct.func.as_ref().is_some_and(|f| f.variadic) {
        return Ok(());
    }
    match cached_spec(py, fct) {
        Err(e) if e.is_instance_of::<PyNotImplementedError>(py) => Ok(()),
        other => other.map(|_| ()),
    }
}

fn cached_spec<'a>(py: Python<'_>, fct: &'a CType) -> PyResult<&'a CallSpec> {
    if let Some(s) = fct.call_spec.get::<CallSpec>() {
        return Ok(s);
    }
    let spec = spec_for(py, fct, &[])?;
    Ok(fct.call_spec.get_or_set(spec).expect("a CallSpec is all call.rs keeps there"))
}

/// Argument storage: 16 bytes per scalar, or a pointer to by-value data.
#[repr(C, align(16))]
#[derive(Clone, Copy)]
struct Slot([u8; 16]);

/// Things that must outlive the call: temporary arrays for list
/// arguments, and holds on the memory of cdata arguments (a later
/// argument's conversion or a callback during the call may release them:
/// cdata/lifetime.rs).
#[derive(Default)]
struct Temps {
    owned: Vec<Bound<'static, PyAny>>,
    holds: cdata::Holds,
}

/// Convert argument `i` of type `ct` into `slot`, returning the address libffi needs.
// SAFETY (contract): GIL held; `slot` is a 16-byte, 16-aligned slot of
// this call. Python code runs in conversions (`__index__`, `__float__`,
// an initializer's items, a file's `flush`): every address stored is read
// at the moment it is stored, and what it points into is kept until the
// call returned: a cdata's memory by `temps.holds`, a temporary array or
// struct and a FILE's holder by `temps.owned`, bytes by the caller's
// argument. A struct by value is never NULL (not even a released `ffi.gc()`
// of one: lifetime::release_gc_value).
unsafe fn convert_arg(py: Python<'_>, ct: &Py<CType>, obj: &Bound<'_, PyAny>, slot: *mut Slot, temps: &mut Temps) -> PyResult<*mut c_void> { unsafe {
    let c = ct.get();
    let dst = slot as *mut u8;
    match c.conv {
        Conv::Pointer | Conv::Array => {
            let value: *mut u8 = if cdata::as_cdata(py, obj).is_some() {
                temps.holds.add(obj.as_ptr());
                convert::pointer::extract(py, c, obj)?
            } else if let Ok(b) = obj.cast::<PyBytes>() {
                let item = c.item().get();
                if matches!(item.conv, Conv::Char | Conv::Int { size: 1, .. } | Conv::Bool) || item.kind == Kind::Void {
                    if item.conv == Conv::Bool {
                        // C may not see a _Bool other than 0 or 1 (cffi checks too)
                        convert::array::check_bools(b.as_bytes())?;
                    }
                    b.as_bytes().as_ptr() as *mut u8
                } else {
                    convert::pointer::extract(py, c, obj)?
                }
            } else if (obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() || obj.is_instance_of::<PyString>())
                && c.item().get().size(py).is_ok()
            {
                // (items of unknown size, `void *`: no array; the default
                // conversion below names what a pointer argument takes)
                // cffi builds a temporary `ITEM[]` from the initializer.
                let arr_id = {
                    let mut a = crate::state::arena();
                    a.array(c.item().get().id, cdecl::ArrayLen::Open)
                };
                let arr_ct = crate::ctype::ctype_for(py, arr_id)?;
                let tmp = crate::cdata::new::new_owned(py, &arr_ct, Some(obj)).map_err(|e| named_for_parameter(py, e, arr_ct.get(), c))?;
                let p = (*(tmp.as_ptr() as *const CDataObject)).ptr.get();
                temps.owned.push(std::mem::transmute::<Bound<'_, PyAny>, Bound<'static, PyAny>>(tmp));
                p
            } else if let Some(f) = file_arg(py, c, obj, temps)? {
                f
            } else {
                convert::pointer::extract(py, c, obj)?
            };
            (dst as *mut *mut u8).write(value);
            Ok(slot as *mut c_void)
        }
        Conv::Record => {
            if let Some(cd) = cdata::as_cdata(py, obj) {
                if std::ptr::eq(cd.ctype(), c) {
                    temps.holds.add(obj.as_ptr());
                    return Ok(cd.ptr.get() as *mut c_void);
                }
            }
            // `None` is "no initializer" to ffi.new(), not a struct value
            if obj.is_none() {
                return Err(convert::record::not_an_initializer(py, c, obj));
            }
            let tmp = crate::cdata::new::new_owned(py, &pointer_to(py, c)?, Some(obj))?;
            let p = (*(tmp.as_ptr() as *const CDataObject)).ptr.get();
            temps.owned.push(std::mem::transmute::<Bound<'_, PyAny>, Bound<'static, PyAny>>(tmp));
            Ok(p as *mut c_void)
        }
        _ => {
            convert::write(py, c, obj, dst)?;
            Ok(slot as *mut c_void)
        }
    }
}}

/// A Python file given for a `FILE *` parameter (file.rs): its `FILE *`,
/// kept open until the call returned (its holder in `temps`); `None` if
/// `obj` is no file. Out of line: rare, and kept off `convert_arg`'s body.
#[cold]
#[inline(never)]
fn file_arg(py: Python<'_>, c: &CType, obj: &Bound<'_, PyAny>, temps: &mut Temps) -> PyResult<Option<*mut u8>> {
    Ok(crate::file::as_file_kept(py, c, obj)?.map(|(f, holder)| {
        // SAFETY: `temps` is dropped (with the GIL held) before the call
        // returns to Python; the 'static only lets it sit in `owned`.
        temps.owned.push(unsafe { std::mem::transmute::<Bound<'_, PyAny>, Bound<'static, PyAny>>(holder) });
        f
    }))
}

/// An error about the temporary `T[]` built for a `T *` parameter names
/// the parameter's type, as cffi's ("initializer for ctype 'char *' must
/// be a bytes or list or tuple, not str").
fn named_for_parameter(py: Python<'_>, e: PyErr, arr: &CType, param: &CType) -> PyErr {
    let prefix = format!("initializer for ctype '{}'", arr.cname);
    match e.value(py).str() {
        Ok(text) if e.is_instance_of::<PyTypeError>(py) && text.to_string().starts_with(&prefix) => {
            let rest = text.to_string()[prefix.len()..].to_string();
            PyTypeError::new_err(format!("initializer for ctype '{}'{}", param.cname, rest))
        }
        _ => e,
    }
}

fn pointer_to(py: Python<'_>, c: &CType) -> PyResult<Py<CType>> {
    let id = crate::state::arena().pointer(c.id);
    crate::ctype::ctype_for(py, id)
}


/// The vectorcall entry of every function-pointer cdata.
// SAFETY: a vectorcall entry: the GIL is held, `callable` is a live
// function-pointer cdata, `args` its `nargsf` live arguments, `kwnames`
// NULL or a tuple (CPython's contract).
pub(crate) unsafe extern "C" fn cdata_vectorcall(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| {
        raise_on_error(py, do_call(py, callable, args, ffi::PyVectorcall_NARGS(nargsf) as usize, kwnames))
    })
}}

/// A vectorcall result: the object, or NULL with the exception set.
#[inline]
fn raise_on_error(py: Python<'_>, r: PyResult<*mut ffi::PyObject>) -> *mut ffi::PyObject {
    r.unwrap_or_else(|e| {
        e.restore(py);
        std::ptr::null_mut()
    })
}

/// cffi's checks of a call's shape: no keywords, the declared count.
// SAFETY (contract): `kwnames` is NULL or a tuple (vectorcall's).
unsafe fn check_arguments(
    pct: &CType,
    f: &crate::ctype::FuncInfo,
    nargs: usize,
    kwnames: *mut ffi::PyObject,
) -> PyResult<()> { unsafe {
    if !kwnames.is_null() && ffi::PyTuple_Size(kwnames) > 0 {
        return Err(PyTypeError::new_err("a cdata function cannot be called with keyword arguments"));
    }
    let nfixed = f.args.len();
    if (!f.variadic && nargs != nfixed) || (f.variadic && nargs < nfixed) {
        return Err(PyTypeError::new_err(format!(
            "'{}' expects {}{} arguments, got {}",
            pct.cname,
            if f.variadic { "at least " } else { "" },
            nfixed,
            nargs
        )));
    }
    Ok(())
}}

/// The address to call, read after the arguments were converted: a
/// conversion runs Python code (`__index__`, `__float__`, an iterator, or
/// a collection's `__del__` started by an allocation) that may
/// `ffi.release()` an `ffi.gc()` function pointer, whose `ptr` then reads
/// NULL (it was called at address 0). (`ptr` is a `Cell`: read from
/// memory, not answered from `do_call`'s check.)
#[inline(always)]
fn function_address(cd: &CDataObject) -> PyResult<*const c_void> {
    let p = cd.ptr.get();
    if p.is_null() {
        return released_function_address(cd);
    }
    Ok(p as *const c_void)
}

/// `function_address` of a function released since `do_call` checked it.
/// Released while this call held it (an argument's conversion released it),
/// its destructor waits for the hold, and the address it had (kept in
/// `inline[0]`) is still callable: called, as in cffi. Released before the
/// hold (its destructor ran): cffi's error for a call through NULL.
#[cold]
fn released_function_address(cd: &CDataObject) -> PyResult<*const c_void> {
    if cd.release_pending.get() && cd.inline[0].get() != 0 {
        return Ok(cd.inline[0].get() as usize as *const c_void);
    }
    Err(null_function(cd.ctype()))
}

/// cffi's error for a call through NULL.
fn null_function(pct: &CType) -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err(format!("cannot call null pointer pointer from cdata '{}'", pct.cname))
}

// SAFETY (contract): as `cdata_vectorcall`. `cd.ptr` is checked non-NULL
// here for cffi's error; `libffi_call`/`direct_call` read it again after
// the conversions (`function_address`), which may have released it.
unsafe fn do_call(py: Python<'_>, callable: *mut ffi::PyObject, args: *const *mut ffi::PyObject, nargs: usize, kwnames: *mut ffi::PyObject) -> PyResult<*mut ffi::PyObject> { unsafe {
    let cd = &*(callable as *const CDataObject);
    let pct = cd.ctype();
    let fct = pct.item().get();
    let f = fct.func.as_ref().expect("function type");
    check_arguments(pct, f, nargs, kwnames)?;
    let nfixed = f.args.len();
    if cd.ptr.get().is_null() {
        return Err(null_function(pct));
    }
    if !f.variadic {
        let spec = cached_spec(py, fct)?;
        if spec.int_sig.is_some() {
            // From now on this function object takes the integer fast entry.
            crate::call_int::switch_to_int_entry(callable, spec);
        }
        if let Some(shape) = spec.direct {
            return direct_call(py, cd, f, args, nargs, shape);
        }
        return libffi_call(py, cd, f, args, nargs, spec, &[]);
    }
    // Variadic calls build a plan for the actual argument types.
    let mut extra: Vec<Py<CType>> = Vec::with_capacity(nargs - nfixed);
    let mut result = Ok(std::ptr::null_mut());
    for k in nfixed..nargs {
        let obj = Bound::from_borrowed_ptr(py, *args.add(k));
        let Some(vcd) = cdata::as_cdata(py, &obj) else {
            result = Err(PyTypeError::new_err(format!(
                "argument {} passed in the variadic part needs to be a cdata object (got {})",
                k + 1,
                convert::describe(py, &obj)
            )));
            break;
        };
        match promoted(py, vcd) {
            Ok(ct) => extra.push(ct),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    if result.is_ok() {
        result = spec_for(py, fct, &extra).and_then(|spec| libffi_call(py, cd, f, args, nargs, &spec, &extra));
    }
    // Raw entry points are not PyO3-attached: release the references now
    // rather than through PyO3's deferred pool.
    for ct in extra {
        ct.drop_ref(py);
    }
    result
}}

/// The general call: arguments converted into slots, libffi's `ffi_call`.
// SAFETY (contract): as `do_call`, `cd` is the callable. `fnptr` is read
// after the arguments were converted (`function_address`: a conversion may
// `ffi.release()` the function) and the hold on `cd` keeps a `ffi.gc()`
// function's destructor from running until the call returned. The GIL is
// released only around the foreign call, which touches no Python object.
unsafe fn libffi_call(
    py: Python<'_>,
    cd: &CDataObject,
    f: &crate::ctype::FuncInfo,
    args: *const *mut ffi::PyObject,
    nargs: usize,
    spec: &CallSpec,
    extra: &[Py<CType>],
) -> PyResult<*mut ffi::PyObject> { unsafe {
    let nfixed = f.args.len();
    let mut slots = smallvec_like::Slots::new(nargs);
    let mut ptrs_inline = [std::ptr::null_mut::<c_void>(); 8];
    let mut ptrs_heap: Vec<*mut c_void> = Vec::new();
    let ptrs: &mut [*mut c_void] = if nargs <= 8 {
        &mut ptrs_inline[..nargs]
    } else {
        ptrs_heap.resize(nargs, std::ptr::null_mut());
        &mut ptrs_heap[..]
    };
    let mut temps = Temps::default();
    temps.holds.add(cd as *const CDataObject as *mut ffi::PyObject);
    for k in 0..nargs {
        let obj = Bound::from_borrowed_ptr(py, *args.add(k));
        let ct = if k < nfixed { &f.args[k] } else { &extra[k - nfixed] };
        ptrs[k] = convert_arg(py, ct, &obj, slots.get(k), &mut temps)?;
    }
    // Small results live on the stack; big by-value structs on the heap.
    let need = spec.plan.ret_buffer_size().div_ceil(8).max(2);
    let mut ret_inline = [0u64; 8];
    let mut ret_heap: Vec<u64> = Vec::new();
    let retp = if need <= 8 {
        ret_inline.as_mut_ptr() as *mut c_void
    } else {
        ret_heap.resize(need, 0);
        ret_heap.as_mut_ptr() as *mut c_void
    };
    let fnptr = function_address(cd)?;
    foreign_call(|| spec.plan.call(fnptr, ptrs.as_mut_ptr(), retp));
    drop(temps);
    let rct = &f.result;
    let rc = rct.get();
    match rc.kind {
        Kind::Void => Ok(ffi::compat::Py_NewRef(ffi::Py_None())),
        Kind::Struct | Kind::Union => {
            let o = cdata::new::new_owned_copy(py, rct, retp as *const u8, spec.ret_size);
            if o.is_null() {
                return Err(PyErr::fetch(py));
            }
            Ok(o)
        }
        _ => Ok(convert::read(py, rct, retp as *const u8)?.into_ptr()),
    }
}}

/// The register value of one argument of a direct call: integers extended
/// to 64 bits from their C value (callers extend, as compilers expect),
/// pointers through the usual conversion.
// SAFETY (contract): as `convert_arg`.
unsafe fn arg_word(py: Python<'_>, ct: &Py<CType>, obj: &Bound<'_, PyAny>, temps: &mut Temps) -> PyResult<u64> { unsafe {
    let c = ct.get();
    if let Conv::Int { size, signed } = c.conv {
        // The common case without a round trip through memory.
        let v = convert::integer::extract(py, obj)?;
        convert::integer::check_range_of(obj, v, size, signed, c)?;
        return Ok(v as i64 as u64);
    }
    let mut slot = Slot([0; 16]);
    convert_arg(py, ct, obj, &mut slot, temps)?;
    let p = slot.0.as_ptr();
    Ok(match c.conv {
        Conv::Int { size, signed } => convert::integer::load(size, signed, p) as u64,
        Conv::Char => *p as i8 as i64 as u64,
        Conv::Bool => *p as u64,
        Conv::WideChar { size } => convert::integer::load(size, false, p) as u64,
        _ => (p as *const u64).read(),
    })
}}

/// A Python int from the low `size` bytes of a result register.
#[inline(always)]
// SAFETY (contract): the GIL is held (makes a Python int).
pub(crate) unsafe fn int_result(word: u64, size: u8, signed: bool) -> *mut ffi::PyObject { unsafe {
    let bits = u32::from(size) * 8;
    if signed {
        let v = if bits >= 64 { word as i64 } else { ((word << (64 - bits)) as i64) >> (64 - bits) };
        ffi::PyLong_FromLongLong(v)
    } else {
        let v = if bits >= 64 { word } else { word & ((1u64 << bits) - 1) };
        ffi::PyLong_FromUnsignedLongLong(v)
    }
}}

/// `do_call` for signatures `native::direct` can call without libffi.
// SAFETY (contract): as `libffi_call` (`fnptr` read after the
// conversions, by `function_address`); at most MAX_ARGS words and MAX_FLOAT_ARGS floats, as the
// spec's `direct` shape guarantees.
unsafe fn direct_call(
    py: Python<'_>,
    cd: &CDataObject,
    f: &crate::ctype::FuncInfo,
    args: *const *mut ffi::PyObject,
    nargs: usize,
    shape: DirectRet,
) -> PyResult<*mut ffi::PyObject> { unsafe {
    let mut words = [0u64; native::direct::MAX_ARGS];
    let mut floats = [0f64; native::direct::MAX_FLOAT_ARGS];
    let (mut nw, mut nf) = (0, 0);
    let mut temps = Temps::default();
    temps.holds.add(cd as *const CDataObject as *mut ffi::PyObject);
    for k in 0..nargs {
        let obj = Bound::from_borrowed_ptr(py, *args.add(k));
        let ct = f.args[k].get();
        match ct.conv {
            Conv::Double => {
                floats[nf] = convert::float::extract(py, &obj)?;
                nf += 1;
            }
            Conv::Float => {
                floats[nf] = native::direct::float_arg(convert::float::extract(py, &obj)? as f32);
                nf += 1;
            }
            _ => {
                words[nw] = arg_word(py, &f.args[k], &obj, &mut temps)?;
                nw += 1;
            }
        }
    }
    let fnptr = function_address(cd)?;
    let r = foreign_call(|| native::direct::call_mixed(fnptr, &words[..nw], &floats[..nf], shape));
    drop(temps);
    let rct = &f.result;
    if let (Conv::Int { size, signed }, DirectRet::Word) = (rct.get().conv, shape) {
        return Ok(int_result(r.word, size, signed));
    }
    let bytes = match shape {
        DirectRet::Word => r.word.to_le_bytes(),
        DirectRet::F32 => (r.f32.to_bits() as u64).to_le_bytes(),
        DirectRet::F64 => r.f64.to_bits().to_le_bytes(),
    };
    match rct.get().kind {
        Kind::Void => Ok(ffi::compat::Py_NewRef(ffi::Py_None())),
        // Little-endian: the C-width value is the low bytes of the register.
        _ => Ok(convert::read(py, rct, bytes.as_ptr())?.into_ptr()),
    }
}}

/// The type a variadic cdata argument is passed as (C's default promotions).
fn promoted(py: Python<'_>, cd: &CDataObject) -> PyResult<Py<CType>> {
    let ct = cd.ctype();
    let name = match ct.conv {
        Conv::Float => Some("double"),
        // every integer smaller than int is promoted to (signed) int
        Conv::Int { size, .. } if size < 4 => Some("int"),
        Conv::Bool | Conv::Char => Some("int"),
        Conv::Array => {
            let id = crate::state::arena().pointer(ct.item().get().id);
            return crate::ctype::ctype_for(py, id);
        }
        _ => None,
    };
    match name {
        Some(n) => {
            let id = crate::state::arena().prim(cdecl::Prim::from_name(n).expect("primitive"));
            crate::ctype::ctype_for(py, id)
        }
        None => Ok(cd.ctype_obj(py)),
    }
}

mod smallvec_like {
    use super::Slot;

    /// Argument slots: inline for up to 8 arguments, heap beyond.
    pub struct Slots {
        inline: [Slot; 8],
        heap: Vec<Slot>,
    }

    impl Slots {
        pub fn new(n: usize) -> Slots {
            Slots { inline: [Slot([0; 16]); 8], heap: if n > 8 { vec![Slot([0; 16]); n] } else { Vec::new() } }
        }

        pub fn get(&mut self, i: usize) -> *mut Slot {
            if self.heap.is_empty() {
                &mut self.inline[i]
            } else {
                &mut self.heap[i]
            }
        }
    }
}

/// API mode: the vectorcall entry of `lib` functions of a compiled module.
/// The cdata's `ptr` is the real function (what `ffi.addressof` and C see);
/// `inline[0]` holds the module's trampoline `void t(void **args, void
/// *result)`, which calls the function with C's own types, so no libffi is
/// on this path. GIL released and errno restored/saved as for other calls.
// SAFETY: as `cdata_vectorcall`; `callable` is a compiled module's
// function cdata, whose `inline[0]` holds its trampoline (runtime.rs).
pub(crate) unsafe extern "C" fn trampoline_vectorcall(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject { unsafe {
    crate::entry::attached_obj(|py| {
        raise_on_error(py, trampoline_call(py, callable, args, ffi::PyVectorcall_NARGS(nargsf) as usize, kwnames))
    })
}}

/// The C signature of an API-mode trampoline.
pub(crate) type Trampoline = unsafe extern "C" fn(*mut *mut c_void, *mut c_void);

// SAFETY (contract): as `trampoline_vectorcall`. `inline[0]` (the
// trampoline) is set once by the module and never changed: the cdata is
// Borrowed, never released (no root). What the argument slots point to is
// kept as in `convert_arg`.
unsafe fn trampoline_call(py: Python<'_>, callable: *mut ffi::PyObject, args: *const *mut ffi::PyObject, nargs: usize, kwnames: *mut ffi::PyObject) -> PyResult<*mut ffi::PyObject> { unsafe {
    let cd = &*(callable as *const CDataObject);
    let pct = cd.ctype();
    let f = pct.item().get().func.as_ref().expect("function type");
    check_arguments(pct, f, nargs, kwnames)?;
    // Register-shaped signatures call the real function directly, as in
    // ABI mode: same effect as the trampoline, without the boxing; all-int
    // ones switch to the specialised entry of call_int.rs.
    // (Signatures libffi cannot describe have no spec: the trampoline
    // handles them.)
    if direct_shape(&f.args, f.result.get()).is_none() {
        // Scalar arguments (a struct result, many arguments): later calls
        // take the specialised trampoline entry. (A signature libffi
        // cannot describe has no spec, and stays here.)
        if let Ok(spec) = cached_spec(py, pct.item().get()) {
            if spec.tramp_sig.is_some() {
                crate::call_tramp::switch_to_tramp_entry(callable, spec);
            }
        }
    } else {
        if let Ok(spec) = cached_spec(py, pct.item().get()) {
            if let Some(shape) = spec.direct {
                // Later calls take the ABI entries (the same direct call,
                // found through the cached spec) and skip this function.
                if spec.int_sig.is_some() {
                    crate::call_int::switch_to_int_entry(callable, spec);
                } else {
                    (*(callable as *mut CDataObject)).vectorcall.set(Some(cdata_vectorcall));
                }
                return direct_call(py, cd, f, args, nargs, shape);
            }
        }
    }
    let tramp: Trampoline = std::mem::transmute::<u64, Trampoline>(cd.inline[0].get());
    let mut slots = smallvec_like::Slots::new(nargs);
    let mut ptrs_inline = [std::ptr::null_mut::<c_void>(); 8];
    let mut ptrs_heap: Vec<*mut c_void> = Vec::new();
    let ptrs: &mut [*mut c_void] = if nargs <= 8 {
        &mut ptrs_inline[..nargs.max(1)]
    } else {
        ptrs_heap.resize(nargs, std::ptr::null_mut());
        &mut ptrs_heap[..]
    };
    let mut temps = Temps::default();
    for (k, ptr) in ptrs.iter_mut().enumerate().take(nargs) {
        let obj = Bound::from_borrowed_ptr(py, *args.add(k));
        *ptr = convert_arg(py, &f.args[k], &obj, slots.get(k), &mut temps)?;
    }
    let rct = &f.result;
    let rc = rct.get();
    let ret_size = if rc.kind == Kind::Void { 0 } else { rc.size(py)? };
    let mut ret_inline = [0u64; 8];
    let mut ret_heap: Vec<u64> = Vec::new();
    let retp = if ret_size <= 64 {
        ret_inline.as_mut_ptr() as *mut c_void
    } else {
        ret_heap.resize(ret_size.div_ceil(8), 0);
        ret_heap.as_mut_ptr() as *mut c_void
    };
    foreign_call(|| tramp(ptrs.as_mut_ptr(), retp));
    drop(temps);
    match rc.kind {
        Kind::Void => Ok(ffi::compat::Py_NewRef(ffi::Py_None())),
        Kind::Struct | Kind::Union => {
            let o = cdata::new::new_owned_copy(py, rct, retp as *const u8, ret_size);
            if o.is_null() {
                return Err(PyErr::fetch(py));
            }
            Ok(o)
        }
        _ => Ok(convert::read(py, rct, retp as *const u8)?.into_ptr()),
    }
}}
