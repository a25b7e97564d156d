//! API mode at run time: what `PyInit_<module>` of a compiled module calls,
//! split by phase.
//!
//! - `generate.rs`: build time, the C source of a module (`crates/codegen`).
//! - `import.rs`: import time, `_init_api_module`: the structures handed
//!   over in a capsule (`codegen::protocol`, defined once there) become an
//!   `FFI` (`compiled_ffi.rs`, `_cffi_backend.FFI`) whose declarations are read
//!   lazily from the module's snapshot with what the compiler measured,
//!   and a `lib` (`lib_obj.rs`) over an [`ApiModule`].
//! - `facts.rs`: the compiler's answers in the module's tables, as
//!   `cdecl::resolve` takes them (at import, and for `ffi.verify()`).
//! - `runtime.rs`: the [`ApiModule`] the `lib` fetches from: functions
//!   (calls through the module's trampolines, see
//!   `call::trampoline_vectorcall`), global variables, constants and
//!   `extern "Python"` definitions.

use std::ffi::{c_char, CStr};

use codegen::protocol::ModuleC;
use pyo3::prelude::*;

mod compiled_ffi;
mod facts;
mod generate;
mod import;
mod runtime;

pub use runtime::{ApiModule, ApiTables};
// module functions made when first named (lib.rs's `__getattr__`)
pub(crate) use compiled_ffi::{_compiled_ffi_type, _out_of_line_ffi};
pub(crate) use generate::{_generate_c, _parse_counts, _snapshot_of};

// SAFETY (contract): `p` is NULL or points to `n` initialised `T` that
// live for `'a`: the module's static tables, laid out by codegen for the
// protocol version checked at import (import.rs).
unsafe fn slice<'a, T>(p: *const T, n: usize) -> &'a [T] { unsafe {
    if p.is_null() || n == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(p, n)
    }
}}

// SAFETY (contract): `p` is a NUL-terminated string (the module's static
// tables).
unsafe fn cstr(p: *const c_char) -> String { unsafe {
    CStr::from_ptr(p).to_string_lossy().into_owned()
}}

/// The name a row of `module`'s sorted tables has, from where it starts in
/// the module's `names` (up to its NUL; bounded by the pool: an offset past
/// it, which no generated module has, reads as the empty name).
///
/// # Safety
/// `module` is a module's static table (`names` points to `names_len` bytes).
unsafe fn row_name(module: &ModuleC, at: u32) -> &'static [u8] { unsafe {
    let pool: &'static [u8] = slice(module.names, module.names_len);
    let rest = pool.get(at as usize..).unwrap_or_default();
    &rest[..rest.iter().position(|&b| b == 0).unwrap_or(rest.len())]
}}

/// The row of `items` (sorted by name, bytewise) named `name`.
///
/// # Safety
/// `items` is a table of `module`, `name_of` gives each row's name offset.
unsafe fn find<'a, T>(module: &ModuleC, items: &'a [T], name: &str, name_of: impl Fn(&T) -> u32) -> Option<&'a T> { unsafe {
    find_index(module, items, name, name_of).map(|i| &items[i])
}}

/// The index of the row of `items` named `name` (as `find`).
///
/// # Safety
/// As `find`.
unsafe fn find_index<T>(module: &ModuleC, items: &[T], name: &str, name_of: impl Fn(&T) -> u32) -> Option<usize> {
    items.binary_search_by(|it| unsafe { row_name(module, name_of(it)) }.cmp(name.as_bytes())).ok()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // (`ApiModule`: made on first use, lib.rs's `__getattr__`)
    // what compiled modules must speak; part of ffi.verify()'s module names
    m.dict().set_item("_API_PROTOCOL", codegen::PROTOCOL_VERSION)?;
    // what every compiled module calls at import (the other functions
    // are made when first named, lib.rs's `__getattr__`)
    m.dict().set_item("_init_api_module", wrap_pyfunction!(import::_init_api_module, m)?)?;
    Ok(())
}

