//! The native side of rcffi: libffi call plans, closures and errno.
//!
//! This crate knows nothing about Python; `crates/python` converts Python
//! objects to C bytes and hands them to the types here.

pub mod abi;
pub mod call;
pub mod closure;
pub mod direct;
pub mod errno;

mod ffi_types;
mod int_ret;
mod layout;
mod scratch;
