//! Layer 2, the object model: the cdata object and its slots (cdata/),
//! conversions between Python objects and C memory (convert/, which
//! imports cdata and is imported by it), `ffi.cast`, strings, buffers and
//! `FILE *`. Imports the types and the base, never calls or the FFI: what
//! it needs from above (the vectorcall of function pointers, `lib.f`'s
//! function pointer) is a hook that lib.rs sets at module init.

pub mod buffer;
pub mod cast;
pub mod cdata;
pub mod convert;
pub mod file;
pub mod strings;
