//! Layer 3, the calls: calling C function pointers through libffi (or
//! directly, for register-only signatures), the all-integer fast entry,
//! the fast entry of API-mode trampolines,
//! and Python callbacks called from C. Imports the object model, the types
//! and the base, never the FFI object or a Lib.

pub mod by_value;
pub mod call;
pub mod call_int;
pub mod call_tramp;
pub mod callback;
