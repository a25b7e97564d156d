//! Layer 4: the FFI object and the Libs, over the calls (layer 3), the
//! object model (2), the ctypes (1) and the base (0); lib.rs (5) makes the
//! module. Bottom-up inside it (scripts/check_layers.py enforces the
//! ranks): what stands for a library function (`metered`, `lib_function`),
//! the FFI object (`ffi_obj`), its other methods and the sources a Lib
//! reads (`allocator`, `boundary`, `cffi_tables`, `fast_methods`,
//! `ffi_callback`, `header`, `library`, `api_module`), the one Lib type
//! (`lib_obj`), and a compiled module's init (`api_module/import.rs`).

pub(crate) mod allocator;
pub(crate) mod api_module;
pub(crate) mod boundary;
pub(crate) mod cffi_tables;
pub(crate) mod fast_methods;
pub(crate) mod ffi_callback;
pub(crate) mod ffi_obj;
pub(crate) mod header;
pub(crate) mod lib_function;
pub(crate) mod lib_obj;
pub(crate) mod library;
pub(crate) mod metered;
