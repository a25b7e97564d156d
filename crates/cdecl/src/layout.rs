//! Exact sizes, alignments, field offsets and bitfield placement, following
//! the System V ABI as gcc implements it (x86-64 and aarch64), including
//! `packed` and `pack=N`.
//!
//! CONTRACT (used by crates/python): `size_align` and `record_layout`.
//!
//! Records are laid out bit by bit, the way gcc's `stor-layout.c` does:
//! a running bit position, fields aligned to their (possibly capped)
//! alignment, and bitfields placed so that each fits inside one naturally
//! aligned unit of its declared type. `pack=N` (gcc's `#pragma pack(N)`)
//! caps every member's alignment at N and lets bitfields cross unit
//! boundaries, as gcc does; `packed=True` is `pack=1`.

use crate::names::type_name;
use crate::types::{ArrayLen, FieldLayout, Packing, Prim, RecordId, RecordLayout, Type, TypeArena, TypeId, MAX_TYPE_DEPTH};
use crate::error::Layout;
use crate::{Error, ErrorKind};

const POINTER_SIZE: u64 = std::mem::size_of::<*const u8>() as u64;

/// The largest size of any type: what a `Py_ssize_t` (C's `PTRDIFF_MAX`)
/// holds. cffi refuses larger arrays with `OverflowError`; a record whose
/// fields add up to more is refused the same way.
pub const MAX_SIZE: u64 = isize::MAX as u64;

/// aarch64 (AAPCS64) lets unnamed and zero-width bitfields raise the
/// alignment of the record; x86-64 System V does not.
const UNNAMED_BITFIELDS_ALIGN: bool = cfg!(target_arch = "aarch64");

/// Size and alignment of a complete type. Errors (kind `Ffi`) for `void`,
/// functions, opaque records, open arrays and `...` types, naming the type.
pub fn size_align(arena: &mut TypeArena, ty: TypeId) -> Result<(u64, u64), Error> {
    if let Some(rid) = contained_record(arena, ty) {
        lay_out_inner_first(arena, rid);
    }
    size_align_in(arena, ty, &mut Vec::new())
}

/// The layout of a struct or union, computed on first use and cached in
/// the arena. Errors (kind `Ffi`) if the record is opaque or contains an
/// incomplete field type, or if the compiled module disagreed with the cdef
/// about it (`Record::broken`; `size_align` raises it too, as cffi).
pub fn record_layout(arena: &mut TypeArena, rid: RecordId) -> Result<&RecordLayout, Error> {
    lay_out_inner_first(arena, rid);
    ensure_layout(arena, rid, &mut Vec::new())?;
    Ok(arena.record(rid).layout.as_ref().expect("layout was just computed"))
}

/// The integer type gcc (and cffi) give an enum with these values:
/// `unsigned int` when none is negative and all fit, else `int`; then the
/// `long` of the same sign; cffi's rule in its `EnumType.build_baseinttype`.
/// Errors (kind `CDef`) if a value fits none of them.
pub fn enum_base_type(values: &[i128]) -> Result<Prim, Error> {
    let smallest = values.iter().copied().min().unwrap_or(0);
    let largest = values.iter().copied().max().unwrap_or(0);
    let candidates = if smallest < 0 { [Prim::Int, Prim::Long] } else { [Prim::UInt, Prim::ULong] };
    for prim in candidates {
        let bits = prim.size() as u32 * 8;
        let (lo, hi) = if prim.is_signed() {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        };
        if smallest >= lo && largest <= hi {
            return Ok(prim);
        }
    }
    Err(Error::cdef(Layout::EnumRange))
}

fn unknown_size(arena: &TypeArena, ty: TypeId) -> Error {
    Error::ffi(crate::Message::UnknownSize { ctype: type_name(arena, ty) })
}

/// `stack` holds the records whose layout is being computed, so that a
/// record containing itself by value is an error instead of a recursion.
fn size_align_in(arena: &mut TypeArena, ty: TypeId, stack: &mut Vec<RecordId>) -> Result<(u64, u64), Error> {
    match arena.get(ty).clone() {
        Type::Primitive(p) => Ok((p.size(), p.align())),
        Type::Pointer(_) => Ok((POINTER_SIZE, POINTER_SIZE)),
        Type::Enum(eid) => {
            let base = arena.enum_def(eid).base;
            Ok((base.size(), base.align()))
        }
        Type::Qualified(inner, _) => size_align_in(arena, inner, stack),
        Type::Array { item, len: ArrayLen::Fixed(n) } => {
            let (size, align) = size_align_in(arena, item, stack)?;
            let total = size.checked_mul(n).filter(|&t| t <= MAX_SIZE).ok_or_else(|| {
                Error::new(ErrorKind::Overflow, Layout::ArrayTooLarge { ctype: type_name(arena, ty) })
            })?;
            Ok((total, align))
        }
        Type::Record(rid) => {
            ensure_layout(arena, rid, stack)?;
            let layout = arena.record(rid).layout.as_ref().expect("layout was just computed");
            Ok((layout.size, layout.align))
        }
        Type::UnknownInt(_) | Type::UnknownFloat(_) => Err(Error::ffi(Layout::SizeOnlyCompilerKnows { ctype: type_name(arena, ty) })),
        Type::Void | Type::Function(_) | Type::Array { .. } => Err(unknown_size(arena, ty)),
    }
}

/// Lay out the records `rid` holds by value before `rid` itself, deepest
/// first, with an explicit stack: each then finds its fields' layouts
/// cached and recurses one level, so that the depth of the C stack does
/// not grow with the nesting (200 levels took about 250 KB of it, more
/// than a thread made with `threading.stack_size(256 * 1024)` has).
/// Errors are left to the caller's own computation, which meets them
/// again (a cycle, an opaque or partial record, a nesting too deep): the
/// pass stops at the first.
fn lay_out_inner_first(arena: &mut TypeArena, rid: RecordId) {
    if arena.record(rid).layout.is_some() {
        return;
    }
    let mut seen = crate::fxhash::FxHashSet::default();
    let mut todo = vec![(rid, false)];
    while let Some((r, children_done)) = todo.pop() {
        if children_done {
            // the first failure ends the pass: the records around it fail
            // too, which the caller's computation reports
            if r != rid && ensure_layout(arena, r, &mut Vec::new()).is_err() {
                return;
            }
            continue;
        }
        if !seen.insert(r) {
            continue;
        }
        let rec = arena.record(r);
        if rec.layout.is_some() || rec.broken.is_some() {
            continue;
        }
        let Some(fields) = rec.fields.as_deref() else { continue };
        let inner: Vec<RecordId> = fields.iter().filter_map(|f| contained_record(arena, f.ty)).collect();
        todo.push((r, true));
        todo.extend(inner.into_iter().filter(|i| !seen.contains(i)).map(|i| (i, false)));
    }
}

fn ensure_layout(arena: &mut TypeArena, rid: RecordId, stack: &mut Vec<RecordId>) -> Result<(), Error> {
    let record = arena.record(rid);
    if let Some(msg) = &record.broken {
        return Err(Error::ffi(msg.clone()));
    }
    if record.layout.is_some() {
        return Ok(());
    }
    let record_ty = arena.intern(Type::Record(rid));
    let record = arena.record(rid);
    if record.fields.is_none() || stack.contains(&rid) {
        return Err(unknown_size(arena, record_ty));
    }
    if record.partial {
        return Err(Error::new(crate::ErrorKind::Missing, Layout::Partial { cname: record.cname.clone() }));
    }
    // each level below is a few frames of this recursion: bounded here
    // (the stored depth bounds records whose inner layouts were cached)
    if stack.len() >= MAX_TYPE_DEPTH as usize {
        return Err(nested_too_deep(&record.cname));
    }
    stack.push(rid);
    let layout = compute(arena, rid, stack);
    stack.pop();
    arena.record_mut(rid).layout = Some(layout?);
    Ok(())
}

/// The running state of one record's layout, in bits. Bits are counted
/// in `u128`: a record may be up to [`MAX_SIZE`] bytes, eight times more
/// bits than a `u64` holds, and every step checks that bound.
struct Cursor {
    /// Where the next field may start.
    bit: u128,
    /// The furthest bit any field reaches.
    end: u128,
    align: u64,
}

/// `value` rounded up to a multiple of `to` (`to` > 0). Callers keep
/// `value` below `8 * MAX_SIZE` and `to` is at most `8 * 2^28` (alignments
/// are checked when parsed), so this cannot overflow a `u128`.
fn round_up(value: u128, to: u128) -> u128 {
    value.div_ceil(to) * to
}

const MAX_BITS: u128 = MAX_SIZE as u128 * 8;

/// `OverflowError`: the fields of a record add up to more than
/// [`MAX_SIZE`] bytes (cffi's wording for arrays, naming the field).
fn record_too_large(cname: &str, field: &str) -> Error {
    Error::new(ErrorKind::Overflow, Layout::RecordTooLarge { cname: cname.to_string(), field: field.to_string() })
}

fn compute(arena: &mut TypeArena, rid: RecordId, stack: &mut Vec<RecordId>) -> Result<RecordLayout, Error> {
    let record = arena.record(rid).clone();
    let fields = record.fields.as_deref().unwrap_or_default();
    let is_union = record.kind == crate::types::RecordKind::Union;
    let pack = match record.packing {
        Packing::Natural => None,
        Packing::Pack(n) => Some(u64::from(n.max(1))),
    };
    let type_error = |msg: Layout| Error::new(ErrorKind::Type, msg);
    let mut cur = Cursor { bit: 0, end: 0, align: 1 };
    let mut placed = Vec::with_capacity(fields.len());

    for (index, field) in fields.iter().enumerate() {
        let is_last = index + 1 == fields.len();
        if let Some(inner) = contained_record(arena, field.ty).filter(|r| stack.contains(r)) {
            // a struct containing itself (by value, maybe through arrays):
            // cffi's NotImplementedError, naming the struct by its tag
            let rec = arena.record(inner);
            let name = rec.tag.clone().unwrap_or_else(|| rec.cname.clone());
            return Err(Error::new(ErrorKind::NotImplemented, Layout::Recursive { name }));
        }
        let (fsize, natural_align) = match field_size_align(arena, field.ty, is_last, stack) {
            Some(r) => r?,
            None => {
                return Err(type_error(Layout::FieldUnknownSize {
                    cname: record.cname.clone(),
                    field: field.name.clone(),
                    ctype: type_name(arena, field.ty),
                }))
            }
        };
        let falign = pack.map_or(natural_align, |p| natural_align.min(p));
        if is_union {
            cur.bit = 0;
        }
        let layout = match field.bitsize {
            None => {
                cur.bit = round_up(cur.bit, u128::from(falign) * 8);
                cur.align = cur.align.max(falign);
                let offset = cur.bit / 8;
                cur.bit += u128::from(fsize) * 8;
                if cur.bit > MAX_BITS {
                    return Err(record_too_large(&record.cname, &field.name));
                }
                FieldLayout { offset: offset as u64, bitshift: -1, bitsize: -1 }
            }
            Some(width) => {
                let aligns = (natural_align, falign);
                place_bitfield(arena, &record.cname, field, width, fsize, aligns, pack.is_some(), &mut cur)?
            }
        };
        cur.end = cur.end.max(cur.bit);
        placed.push(layout);
    }

    let align = cur.align.max(record.forced_align.unwrap_or(1));
    let size = round_up(cur.end.div_ceil(8), u128::from(align));
    if size > u128::from(MAX_SIZE) {
        return Err(record_too_large(&record.cname, ""));
    }
    // an aligned typedef changes the alignment, not the size
    let align = record.typedef_align.unwrap_or(align);
    let depth = nesting_depth(arena, &record.cname, fields)?;
    Ok(RecordLayout { size: size as u64, align, fields: placed, depth })
}

fn nested_too_deep(cname: &str) -> Error {
    Error::new(ErrorKind::Recursion, Layout::NestedTooDeep { cname: cname.to_string(), limit: MAX_TYPE_DEPTH })
}

/// The `depth` of a record with these fields, whose field types are laid
/// out already: 1 + the deepest field, a field counting its array levels
/// plus the depth of the record it holds (pointers end the count). An
/// error (`RecursionError`) beyond [`MAX_TYPE_DEPTH`].
pub fn nesting_depth(arena: &TypeArena, cname: &str, fields: &[crate::types::Field]) -> Result<u32, Error> {
    let mut deepest = 0u32;
    for f in fields {
        let mut levels = 0u32;
        let mut t = arena.strip_top_quals(f.ty);
        loop {
            match *arena.get(t) {
                Type::Array { item, .. } => {
                    levels = levels.saturating_add(1);
                    t = arena.strip_top_quals(item);
                }
                Type::Record(rid) => {
                    levels = levels.saturating_add(arena.record(rid).layout.as_ref().map_or(1, |l| l.depth));
                    break;
                }
                _ => break,
            }
        }
        deepest = deepest.max(levels);
    }
    let depth = deepest.saturating_add(1);
    if depth > MAX_TYPE_DEPTH {
        return Err(nested_too_deep(cname));
    }
    Ok(depth)
}

/// Size and alignment of a field's type; `None` when it has no size. A
/// trailing open array (`int x[];`) is a flexible array member of size 0.
/// The record a field of type `ty` holds by value (`struct s x;`,
/// `struct s x[2][3];`), if any.
fn contained_record(arena: &TypeArena, ty: TypeId) -> Option<RecordId> {
    let mut t = arena.strip_top_quals(ty);
    loop {
        match *arena.get(t) {
            Type::Array { item, .. } => t = arena.strip_top_quals(item),
            Type::Record(rid) => return Some(rid),
            _ => return None,
        }
    }
}

fn field_size_align(
    arena: &mut TypeArena,
    ty: TypeId,
    is_last: bool,
    stack: &mut Vec<RecordId>,
) -> Option<Result<(u64, u64), Error>> {
    let bare = arena.strip_top_quals(ty);
    if let Type::Array { item, len: ArrayLen::Open } = *arena.get(bare) {
        return if is_last { size_align_in(arena, item, stack).ok().map(|(_, a)| Ok((0, a))) } else { None };
    }
    match size_align_in(arena, ty, stack) {
        Ok(r) => Some(Ok(r)),
        Err(e) if matches!(e.message, crate::Message::UnknownSize { .. }) => None,
        Err(e) => Some(Err(e)),
    }
}

/// Whether a type may carry a bit width: integers, characters, enums.
fn is_integral(arena: &TypeArena, ty: TypeId) -> bool {
    match arena.get(arena.strip_top_quals(ty)) {
        Type::Primitive(p) => p.is_integer(),
        Type::Enum(_) => true,
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
fn place_bitfield(
    arena: &TypeArena,
    cname: &str,
    field: &crate::types::Field,
    width: u32,
    fsize: u64,
    (natural_align, falign): (u64, u64),
    packed: bool,
    cur: &mut Cursor,
) -> Result<FieldLayout, Error> {
    let type_error = |msg: Layout| Error::new(ErrorKind::Type, msg);
    let named = !field.name.is_empty();
    let tname = type_name(arena, field.ty);
    if !is_integral(arena, field.ty) {
        return Err(type_error(Layout::NotABitFieldType { cname: cname.to_string(), field: field.name.clone(), ctype: tname }));
    }
    let width = u64::from(width);
    let unit_bits = fsize * 8;
    if width > unit_bits {
        return Err(type_error(Layout::BitFieldTooWide { cname: cname.to_string(), field: field.name.clone(), ctype: tname, width }));
    }
    if named || UNNAMED_BITFIELDS_ALIGN {
        cur.align = cur.align.max(falign);
    }
    if width == 0 {
        if named {
            return Err(type_error(Layout::NamedZeroWidth { cname: cname.to_string(), field: field.name.clone() }));
        }
        // gcc: `T : 0;` moves on to the next boundary of a T, whatever
        // the packing (gcc: "not influenced by #pragmas").
        cur.bit = round_up(cur.bit, u128::from(natural_align) * 8);
        if cur.bit > MAX_BITS {
            return Err(record_too_large(cname, &field.name));
        }
        return Ok(FieldLayout { offset: (cur.bit / 8) as u64, bitshift: 0, bitsize: 0 });
    }
    // Without packing a bitfield must lie inside one aligned unit of its
    // type; packed bitfields simply follow the previous bits.
    let unit = u128::from(falign) * 8;
    if !packed && cur.bit % unit + u128::from(width) > u128::from(unit_bits) {
        cur.bit = round_up(cur.bit, unit);
    }
    let start = cur.bit;
    cur.bit += u128::from(width);
    if cur.bit > MAX_BITS {
        return Err(record_too_large(cname, &field.name));
    }
    // Below MAX_BITS: the byte offset fits a u64.
    let start = start as u64;
    // Report it as cffi does: the offset of a unit of the field's type
    // (aligned down to `falign`) and the shift of the field inside it. A
    // packed bitfield may straddle such units; it is then reported from
    // its first byte, and readers must touch only the bytes it covers.
    let mut offset = (start / 8) & !(falign - 1);
    if start - offset * 8 + width > unit_bits {
        offset = start / 8;
    }
    let bitshift = start - offset * 8;
    Ok(FieldLayout { offset, bitshift: bitshift as i32, bitsize: width as i32 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_base_follows_cffi() {
        assert_eq!(enum_base_type(&[]).unwrap(), Prim::UInt);
        assert_eq!(enum_base_type(&[0, 1]).unwrap(), Prim::UInt);
        assert_eq!(enum_base_type(&[-1, 1]).unwrap(), Prim::Int);
        assert_eq!(enum_base_type(&[0xFFFF_FFFF]).unwrap(), Prim::UInt);
        assert_eq!(enum_base_type(&[-1, 0xFFFF_FFFF]).unwrap(), Prim::Long);
        assert_eq!(enum_base_type(&[1 << 40]).unwrap(), Prim::ULong);
        assert_eq!(enum_base_type(&[u64::MAX as i128]).unwrap(), Prim::ULong);
        assert!(enum_base_type(&[-1, u64::MAX as i128]).is_err());
    }
}
