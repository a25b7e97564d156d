//! C spellings of types, exactly as cffi prints them in `ctype.cname`:
//! `int *`, `int[10]`, `int(*)(int)`, `int(*[3])(char *, double)`, `foo_t *`.
//!
//! CONTRACT (used by crates/python): `type_name` and `type_name_around`.

use crate::types::{TypeArena, TypeId};

/// The cname of a type.
pub fn type_name(arena: &TypeArena, ty: TypeId) -> String {
    type_name_around(arena, ty, "")
}

/// The type's spelling with `inner` placed where a declarator name would
/// go, as `ffi.getctype(ct, replace_with)` does: `("int[5]", "*x")` gives
/// `int(*x)[5]`.
pub fn type_name_around(arena: &TypeArena, ty: TypeId, inner: &str) -> String {
    let _ = (arena, ty, inner);
    todo!("names::type_name_around")
}
