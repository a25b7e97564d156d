//! `cdecl`: the C declaration language of cffi, in pure Rust.
//!
//! Text passed to `ffi.cdef()` becomes [`Declaration`]s in a [`Registry`]
//! whose types live in a shared [`TypeArena`]; [`layout`] computes sizes,
//! alignments and field offsets exactly as the platform C compiler does.
//! Nothing here knows about Python.
//!
//! ```
//! use cdecl::{Registry, TypeArena, CdefOptions};
//! let mut arena = TypeArena::new();
//! let mut reg = Registry::new();
//! reg.cdef(&mut arena, "struct point { int x, y; }; int abs(int);", &CdefOptions::default()).unwrap();
//! let t = reg.parse_type(&mut arena, "struct point").unwrap();
//! assert_eq!(cdecl::layout::size_align(&mut arena, t).unwrap(), (8, 4));
//! ```

#![warn(missing_docs)]

pub mod types;
pub mod error;
pub mod layout;
pub mod names;
mod lexer;
mod parser;
mod consteval;
mod registry;
mod fxhash;
pub mod preprocess;
pub mod header;
pub mod resolve;
pub mod verify_check;
pub mod snapshot;
pub mod cffi_tables;
pub mod counters;

pub use error::{Diagnostic, Error, ErrorKind, Location, Message, Origin};
pub use registry::{CdefOptions, CdefReport, ConstValue, DeclKind, Declaration, Registry};
pub use types::{
    Abi, ArrayLen, EnumDef, EnumId, Field, FieldLayout, FuncType, Packing, Prim, PrimKind, Quals, Record,
    RecordId, RecordKind, RecordLayout, Type, TypeArena, TypeId,
};

/// A byte range in one cdef source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The range `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: start as u32, end: end as u32 }
    }
}
