//! Layer 0, the base: process-wide state (the type arena and its lock),
//! raising cffi's exceptions, the entry guards of raw C slots, and the
//! stack room of recursive walks. Imports
//! no other layer of the crate.

pub mod entry;
pub mod errors;
#[cfg(rcffi_wrapped_new_exception)]
pub mod panic_type;
pub mod stack;
pub mod state;
