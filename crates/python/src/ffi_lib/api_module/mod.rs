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

/// The row of `items` (sorted by name, bytewise) named `name`.
///
/// # Safety
/// `name_of` gives each row's NUL-terminated name (static module data).
unsafe fn find<'a, T>(items: &'a [T], name: &str, name_of: impl Fn(&T) -> *const c_char) -> Option<&'a T> {
    items
        .binary_search_by(|it| unsafe { CStr::from_ptr(name_of(it)) }.to_bytes().cmp(name.as_bytes()))
        .ok()
        .map(|i| &items[i])
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // (`ApiModule`: made on first use, lib.rs's `__getattr__`)
    // what compiled modules must speak; part of ffi.verify()'s module names
    m.add("_API_PROTOCOL", codegen::PROTOCOL_VERSION)?;
    // what every compiled module calls at import (the other functions
    // are made when first named, lib.rs's `__getattr__`)
    m.add_function(wrap_pyfunction!(import::_init_api_module, m)?)?;
    Ok(())
}

