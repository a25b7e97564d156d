//! Exact sizes, alignments, field offsets and bitfield placement, following
//! the System V ABI as gcc implements it (x86-64 and aarch64), including
//! `packed` and `pack=N`.
//!
//! CONTRACT (used by crates/python): `size_align` and `record_layout`.

use crate::types::{RecordId, RecordLayout, TypeArena, TypeId};
use crate::Error;

/// Size and alignment of a complete type. Errors (kind `Ffi`) for `void`,
/// functions, opaque records, open arrays and `...` types, naming the type.
pub fn size_align(arena: &mut TypeArena, ty: TypeId) -> Result<(u64, u64), Error> {
    let _ = (arena, ty);
    todo!("layout::size_align")
}

/// The layout of a struct or union, computed on first use and cached in
/// the arena. Errors (kind `Ffi`) if the record is opaque or contains an
/// incomplete field type.
pub fn record_layout(arena: &mut TypeArena, rid: RecordId) -> Result<&RecordLayout, Error> {
    let _ = (arena, rid);
    todo!("layout::record_layout")
}

/// The integer type gcc (and cffi) give an enum with these values: `int`
/// if they all fit, else `unsigned int`, else `long`, else `unsigned long`
/// (cffi's exact rule; see its model.py `EnumType.build_baseinttype`).
/// Errors (kind `CDef`) if a value fits none of them.
pub fn enum_base_type(values: &[i128]) -> Result<crate::types::Prim, Error> {
    let _ = values;
    todo!("layout::enum_base_type")
}
