//! `rcffi`: the PyO3 extension, which is the `rcffi` package itself (its
//! `__init__`, `rcffi/__init__.<abi>.so`), also named `rcffi._rcffi`. Thin
//! glue over the pure-Rust crates `cdecl` (declarations and layouts) and
//! `native` (dlopen, calls).
//!
//! Being the package's `__init__`, it is what a compiled module imports at
//! start, alone: one file found on `sys.path`, as cffi's `_cffi_backend`,
//! no Python read or run (docs/architecture.md, "Layout of the package").
//! The package's Python names (`FFI`, the errors, the boundary tools,
//! cffi's submodules) come on first use from `rcffi/_names.py`.

use pyo3::prelude::*;
use pyo3::types::PyCFunction;

// The layers, bottom-up (docs/architecture.md has the diagram); a file
// imports only from its own layer and the ones below
// (scripts/check_layers.py checks it).
mod base; // 0: state, errors, entry
mod types; // 1: ctype, ctype_gc
mod object; // 2: cdata, convert, cast, strings, buffer, file
mod calls; // 3: call, call_int, call_tramp, callback

use base::{entry, errors, stack, state};
use calls::{call, call_int, call_tramp, callback};
use object::{buffer, cast, cdata, convert, file, strings};
use types::{ctype, ctype_gc};

mod ffi_lib; // 4: the FFI object and the Libs
use ffi_lib::{api_module, fast_methods, ffi_obj, header, lib_function, lib_obj, library, metered};

/// libffi's default ABI number on this platform (what `ctype.abi` reports).
pub const FFI_DEFAULT_ABI: i32 = native::abi::DEFAULT_ABI;
/// `__stdcall` only means something on 32-bit Windows, which rcffi does
/// not build for: elsewhere cffi gives such functions the default ABI.
pub const FFI_STDCALL: i32 = FFI_DEFAULT_ABI;

/// The module's `__getattr__` (PEP 562): the classes and functions it does
/// not make at import, made and kept when first named. Each costs (about
/// 25,000-65,000 instructions a class, 2,500 a function), and a compiled
/// module's import makes only the classes it uses, from Rust
/// (docs/performance.md, "What the runtime makes at import").
#[pyfunction(name = "__getattr__", pass_module)]
fn module_getattr(m: &Bound<'_, PyModule>, name: &str) -> PyResult<Py<PyAny>> {
    let py = m.py();
    let value = match name {
        "CField" => py.get_type::<ctype::CField>().into_any(),
        "Library" => py.get_type::<library::Library>().into_any(),
        "Meter" => py.get_type::<metered::Meter>().into_any(),
        "ApiModule" => py.get_type::<api_module::ApiModule>().into_any(),
        "CType" => py.get_type::<ctype::CType>().into_any(),
        "buffer" => py.get_type::<buffer::Buffer>().into_any(),
        "CData" => cdata::cdata_type(py).clone().into_any(),
        _ => match module_function(m, name)? {
            Some(f) => f.into_any(),
            // the package's names given on first use (`FFI`, the errors,
            // the submodules cffi has, ...), or cffi's AttributeError
            None => return Ok(names_module(py)?.call_method1("attribute", (name,))?.unbind()),
        },
    };
    m.setattr(name, &value)?;
    Ok(value.unbind())
}

/// `rcffi/_names.py`: the package's Python names, read on first use.
fn names_module(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    PyModule::import(py, "rcffi._names")
}

/// The module's `__dir__`: what it holds and what it gives on first use.
#[pyfunction(name = "__dir__", pass_module)]
fn module_dir(m: &Bound<'_, PyModule>) -> PyResult<Py<PyAny>> {
    Ok(names_module(m.py())?.call_method1("names", (m.dict(),))?.unbind())
}

/// `rcffi.__all__`: cffi's.
const ALL: [&str; 6] = ["FFI", "CDefError", "FFIError", "VerificationError", "VerificationMissing", "PkgConfigError"];

/// The module's functions but `__getattr__` and `_init_api_module`, made
/// when first named.
fn module_function<'py>(m: &Bound<'py, PyModule>, name: &str) -> PyResult<Option<Bound<'py, PyCFunction>>> {
    Ok(Some(match name {
        "_lib_function_pointer" => wrap_pyfunction!(lib_function::_lib_function_pointer, m)?,
        "_collect_types" => wrap_pyfunction!(ctype_gc::_collect_types, m)?,
        "_null" => wrap_pyfunction!(ffi_obj::_null, m)?,
        "_error_classes" => wrap_pyfunction!(ffi_obj::_error_classes, m)?,
        "header_cdef_text" => wrap_pyfunction!(header::header_cdef_text, m)?,
        "_boundary_function" => wrap_pyfunction!(metered::_boundary_function, m)?,
        "_lib_address" => wrap_pyfunction!(lib_obj::_lib_address, m)?,
        "_lib_cache" => wrap_pyfunction!(lib_obj::_lib_cache, m)?,
        "_lib_set_hook" => wrap_pyfunction!(lib_obj::_lib_set_hook, m)?,
        "_lib_close" => wrap_pyfunction!(lib_obj::_lib_close, m)?,
        "_lib_subclass_ready" => wrap_pyfunction!(lib_obj::_lib_subclass_ready, m)?,
        "_make_lib" => wrap_pyfunction!(lib_obj::_make_lib, m)?,
        "_generate_c" => wrap_pyfunction!(api_module::_generate_c, m)?,
        "_snapshot_of" => wrap_pyfunction!(api_module::_snapshot_of, m)?,
        "_parse_counts" => wrap_pyfunction!(api_module::_parse_counts, m)?,
        "_compiled_ffi_type" => wrap_pyfunction!(api_module::_compiled_ffi_type, m)?,
        "_out_of_line_ffi" => wrap_pyfunction!(api_module::_out_of_line_ffi, m)?,
        _ => return Ok(None),
    }))
}

/// rcffi: the C Foreign Function Interface for Python, with a Rust core.
/// ``import rcffi as cffi``: code written for cffi runs unchanged.
// (The module's docstring, above. `name = "rcffi"`: `PyInit_rcffi`, the
// package's `__init__`. `gil_used = true`: cdata fields, the ctype caches
// and the lifetime counts (cdata/lifetime.rs) are plain fields protected by
// the GIL, so a free-threaded interpreter must keep the GIL on for this
// module. Generated API-mode modules use single-phase init, which a
// free-threaded interpreter also treats as needing the GIL.)
#[pymodule(name = "rcffi", gil_used = true)]
fn _rcffi(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    // names are put in the module's dict directly: PyO3's `add` would also
    // append each to `__all__` (1,400 instructions a name), which is set to
    // cffi's list at the end
    let names = m.dict();
    // one module under two names: `rcffi._rcffi` (what rcffi's Python
    // modules and the modules compiled by earlier rcffi versions import)
    // is the package itself
    m.setattr("_rcffi", m)?;
    state::sys_attr(py, c"modules")?.set_item("rcffi._rcffi", m)?;
    names.set_item("__version__", env!("CARGO_PKG_VERSION"))?;
    // The version of cffi whose API rcffi implements: what `cffi.__version__`
    // and `_cffi_backend.__version__` report when rcffi stands in for cffi
    // (version gates in setup scripts). `rcffi.__version__` is rcffi's own.
    names.set_item("CFFI_API_VERSION", "2.0.0")?;
    call_int::init(py);
    // PyO3 makes its PanicException type on the first PyErr::take(); if that
    // first take is at the recursion limit (an allocator's alloc() calling
    // itself), making the type fails, and fetching that failure re-enters
    // the type's half-done once-cell: a deadlock. Made now, it cannot fail so.
    py.get_type::<pyo3::panic::PanicException>();
    // the lower layers reach these higher ones only through hooks set here
    cdata::set_function_pointer_call(call::cdata_vectorcall);
    convert::pointer::set_lib_function_pointer(lib_function::unwrap);
    names.set_item("FFIBase", py.get_type::<ffi_obj::FFIBase>())?;
    fast_methods::install(py, &py.get_type::<ffi_obj::FFIBase>())?;
    // `CType`, `buffer`, `CData`, `CField`, `Library`, `Meter`, `ApiModule`
    // and the functions but `_init_api_module`: made when first named
    // (`__getattr__` above), the classes also when Rust first uses them
    names.set_item("__getattr__", wrap_pyfunction!(module_getattr, m)?)?;
    names.set_item("__dir__", wrap_pyfunction!(module_dir, m)?)?;
    for (name, value) in [("RTLD_LAZY", libc::RTLD_LAZY), ("RTLD_NOW", libc::RTLD_NOW), ("RTLD_GLOBAL", libc::RTLD_GLOBAL), ("RTLD_LOCAL", libc::RTLD_LOCAL), ("RTLD_NODELETE", libc::RTLD_NODELETE), ("RTLD_NOLOAD", libc::RTLD_NOLOAD), ("RTLD_DEEPBIND", libc::RTLD_DEEPBIND)] {
        names.set_item(name, value)?;
    }
    names.set_item("FFI_DEFAULT_ABI", FFI_DEFAULT_ABI)?;
    api_module::register(m)?;
    lib_obj::register(m)?;
    m.setattr("__all__", pyo3::types::PyList::new(py, ALL)?)?;
    Ok(())
}

/// maturin checks that the extension defines `PyInit_` + the last part of
/// its `module-name`, here `rcffi.__init__`, and else warns that Python
/// will fail to import it: Python imports the package's `__init__` as
/// `rcffi` (`PyInit_rcffi`) and never looks this name up. It is the same
/// function, so that the build says nothing misleading. (A module named
/// `__init__` made from it would be a second initialization, which PyO3
/// refuses with an ImportError.)
///
/// # Safety
/// As any module init function: called by the import system, the GIL held.
#[no_mangle]
#[allow(non_snake_case)]
pub unsafe extern "C" fn PyInit___init__() -> *mut pyo3::ffi::PyObject {
    // SAFETY: `PyInit_rcffi` itself (PyO3's, made by `#[pymodule]` above),
    // called as Python calls it: by the import system, the GIL held
    unsafe { _rcffi::__pyo3_init() }
}
