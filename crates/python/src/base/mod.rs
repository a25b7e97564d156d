//! Layer 0, the base: process-wide state (the type arena and its lock),
//! raising cffi's exceptions, and the entry guards of raw C slots. Imports
//! no other layer of the crate.

pub mod entry;
pub mod errors;
pub mod state;
