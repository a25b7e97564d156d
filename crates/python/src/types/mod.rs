//! Layer 1, the types: `CType` objects (one per C type, holding what the
//! hot paths need) and the collector of unused ones. Imports only the base.

pub mod ctype;
pub mod ctype_gc;
