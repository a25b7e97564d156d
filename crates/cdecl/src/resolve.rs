//! API mode: the C compiler's answers applied to the declarations of one
//! registry — the values of `#define X ...` and partial enums, the size and
//! sign of `typedef int... t;`, the length of `T x[...]`, and the layout of
//! every struct and union (taken as is for partial ones, checked for the
//! others).
//!
//! CONTRACT (used by crates/python/src/ffi_lib/api_module/): [`CompilerFacts`]
//! and [`apply`]. Only what this registry declares is touched, never other
//! users of the shared arena.

use crate::fxhash::{FxHashMap as HashMap, FxHashSet as HashSet};
use crate::layout;
use crate::registry::{ConstValue, DeclKind, Registry};
use crate::types::{ArrayLen, EnumId, Field, FieldLayout, FuncType, Prim, RecordId, RecordKind, RecordLayout, Type, TypeArena, TypeId};
use crate::error::{Compiler, Layout, Measure};
use crate::{Error, Message};

/// What kind of unknown type a [`TypeFact`] describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeFactKind {
    /// `typedef int... t;`
    Int,
    /// `typedef float... t;`
    Float,
    /// `enum e { A, B, ... };` (the enum's integer type)
    Enum,
}

/// Size (and sign) of a type the cdef left to the compiler.
#[derive(Clone, Copy, Debug)]
pub struct TypeFact {
    /// Integer or floating point.
    pub kind: TypeFactKind,
    /// `sizeof`, from the compiler.
    pub size: u64,
    /// Whether `(T)-1 < 0`; for `typedef float... t;`, whether `t` is a
    /// floating type at all (`(t)1 / 2 != 0`).
    pub signed: bool,
}

/// Layout of one record as the compiler sees it. `fields` is parallel to
/// the record's fields as C reaches them ([`leaf_fields`]: anonymous
/// struct/union members replaced by their own fields, recursively); `None`
/// for bitfields (no `offsetof`); the size is `u64::MAX`/`usize::MAX` for
/// open arrays (no `sizeof`).
#[derive(Clone, Debug)]
pub struct RecordFact {
    /// `sizeof`, from the compiler.
    pub size: u64,
    /// `_Alignof`, from the compiler.
    pub align: u64,
    /// `(offset, size)` of each declared field.
    pub fields: Vec<Option<(u64, u64)>>,
}

/// Everything the compiled module measured.
#[derive(Clone, Debug, Default)]
pub struct CompilerFacts {
    /// Integer constants and enumerators by name.
    pub ints: HashMap<String, i128>,
    /// `typedef int... t;` by typedef name, partial enums by `"enum e"` (or
    /// their typedef name).
    pub types: HashMap<String, TypeFact>,
    /// Each `[...]` dimension: of global variables by name (`x`, then
    /// `x[0]` for the next dimension...), of record fields as
    /// `"RECORD.FIELD"` (`"struct s.a"`, `"struct s.a[0]"`), of typedefs as
    /// `"typedef t"`. Bitfields' positions are in `ints` as
    /// `"RECORD.FIELD:bits"` = first bit * 256 + number of bits.
    pub lengths: HashMap<String, u64>,
    /// Records by the name `parse_type` understands (`"struct s"`, `"point_t"`).
    pub records: Vec<(String, RecordFact)>,
}

/// Where the compiler's answers are read, by name: all at once
/// ([`CompilerFacts`], for [`apply`]) or one at a time while a snapshot is
/// loaded lazily (`Registry::from_snapshot`; crates/python reads them from
/// the compiled module's tables, sorted by name).
pub trait Facts {
    /// An integer constant, an enumerator, or a bitfield's
    /// `"RECORD.FIELD:bits"`.
    fn int(&self, name: &str) -> Option<i128>;
    /// The size and sign of `typedef int... t;`, `typedef float... t;` or
    /// a partial enum (`"enum e"` or its typedef name).
    fn type_fact(&self, name: &str) -> Option<TypeFact>;
    /// The length of one `[...]` dimension (keys as in [`CompilerFacts`]).
    fn length(&self, key: &str) -> Option<u64>;
    /// The layout of a record, by the name `parse_type` understands.
    fn record(&self, name: &str) -> Option<RecordFact>;
}

impl Facts for CompilerFacts {
    fn int(&self, name: &str) -> Option<i128> {
        self.ints.get(name).copied()
    }

    fn type_fact(&self, name: &str) -> Option<TypeFact> {
        self.types.get(name).copied()
    }

    fn length(&self, key: &str) -> Option<u64> {
        self.lengths.get(key).copied()
    }

    fn record(&self, name: &str) -> Option<RecordFact> {
        self.records.iter().find(|(n, _)| n == name).map(|(_, f)| f.clone())
    }
}

fn prim_for(fact: &TypeFact) -> Option<Prim> {
    Some(match (fact.kind, fact.size, fact.signed) {
        (TypeFactKind::Float, 4, true) => Prim::Float,
        (TypeFactKind::Float, 8, true) => Prim::Double,
        (TypeFactKind::Float, _, _) => return None,
        (_, 1, true) => Prim::Int8,
        (_, 1, false) => Prim::UInt8,
        (_, 2, true) => Prim::Int16,
        (_, 2, false) => Prim::UInt16,
        (_, 4, true) => Prim::Int32,
        (_, 4, false) => Prim::UInt32,
        (_, 8, true) => Prim::Int64,
        (_, 8, false) => Prim::UInt64,
        _ => return None,
    })
}

/// What the compiled module disagrees with, reported lazily as cffi does
/// (when `lib.NAME` is read). Records carry their own error in
/// `Record::broken`, raised when their fields are first used.
#[derive(Debug, Default)]
pub struct Mismatches {
    /// Constants whose cdef value is not the compiler's, by name.
    pub constants: HashMap<String, Error>,
    /// `typedef float... t;` the compiler says is no `float` or `double`,
    /// by typedef name: declarations using it raise when fetched.
    pub types: HashMap<String, Error>,
    /// The records marked `Record::broken`, with the error, in the order
    /// found.
    pub records: Vec<(RecordId, Error)>,
}

impl Mismatches {
    /// A disagreement, if any (for `ffi.verify()`, which refuses them at
    /// once): records first, then constants and types by name.
    pub fn first(&self) -> Option<&Error> {
        fn by_name(m: &HashMap<String, Error>) -> Option<&Error> {
            m.iter().min_by(|a, b| a.0.cmp(b.0)).map(|(_, e)| e)
        }
        self.records.first().map(|(_, e)| e).or_else(|| by_name(&self.constants)).or_else(|| by_name(&self.types))
    }

    /// Take back the records' marks (`ffi.verify()` refusing the
    /// compiler's answers leaves them as the cdef declared them; the
    /// layout checks only read them before marking).
    pub fn unmark_records(&self, arena: &mut TypeArena) {
        for &(rid, _) in &self.records {
            let r = arena.record_mut(rid);
            r.broken = None;
            r.layout = None;
            r.layout_is_fixed = false;
        }
    }
}

/// cffi's complaint about a `typedef float... t;` the compiler answered.
fn float_mismatch(fact: &TypeFact) -> Error {
    Error::ffi(if fact.signed && fact.size == 16 { Compiler::FloatIsLongDouble } else { Compiler::FloatUnexpectedSize })
}

/// Apply the compiler's answers. Disagreements carry cffi's messages
/// ("the C compiler says 'X' is equal to 3, but the cdef disagrees",
/// "struct s: wrong offset for field 'b' (cdef says 4, but C compiler says 8). ...")
/// and are reported later ([`Mismatches`], `Record::broken`); what makes
/// the module unusable as a whole is an error (kind `Ffi`) now.
pub fn apply(reg: &mut Registry, arena: &mut TypeArena, facts: &CompilerFacts) -> Result<Mismatches, Error> {
    reg.load_all(arena)?;
    let mut mismatches = Mismatches::default();
    // 1. `typedef int... t;`: substitute a fixed-size integer everywhere.
    let mut unknown: HashMap<String, Prim> = HashMap::default();
    for (name, fact) in &facts.types {
        match (fact.kind, prim_for(fact)) {
            (TypeFactKind::Enum, _) => {}
            (_, Some(prim)) => {
                unknown.insert(name.clone(), prim);
            }
            (TypeFactKind::Float, None) => {
                mismatches.types.insert(name.clone(), float_mismatch(fact));
            }
            (_, None) => return Err(Error::ffi(Compiler::UnsupportedDotsSize { name: name.clone(), size: fact.size })),
        }
    }
    let records = reachable_records(reg, arena);
    let no_arrays = HashMap::default();
    let mut subst = Subst { unknown: &unknown, arrays: &no_arrays, memo: HashMap::default() };
    if !unknown.is_empty() {
        for ty in reg.typedefs.values_mut() {
            *ty = subst.run(arena, *ty);
        }
        substitute_declarations(reg, arena, &mut subst);
        for &rid in &records {
            let mut fields = arena.record(rid).fields.clone().unwrap_or_default();
            for f in fields.iter_mut() {
                f.ty = subst.run(arena, f.ty);
            }
            if arena.record(rid).fields.is_some() {
                arena.record_mut(rid).fields = Some(fields);
            }
        }
    }
    // 2. `T x[...]` globals, also `T x[N][...]` and `T x[][...]`: the
    // length of dimension k (0 = outermost) is measured as `x[0]...[0]`
    // with k subscripts.
    for d in reg.decls.iter_mut() {
        if let DeclKind::Variable { ty } = &mut d.kind {
            *ty = fix_global_dims(arena, *ty, &d.name, facts)?;
        }
    }
    // 2b. `typedef int t[...];`: each typedef gets its measured lengths;
    // other types using it, or one of its inner dimensions (what a
    // parameter of the type decays to), are rebuilt. Each `[...]` written
    // is a type of its own (`ArrayLen::Unknown(n)`), so no two typedefs
    // claim one array type.
    let mut arrays: HashMap<TypeId, Option<TypeId>> = HashMap::default();
    let mut names: Vec<String> = reg.typedefs.keys().cloned().collect();
    names.sort();
    for name in names {
        let ty = reg.typedefs[&name];
        if !has_unknown_dim(arena, ty) {
            continue;
        }
        let Some(fixed) = fix_dims(arena, ty, &format!("typedef {name}"), facts) else { continue };
        reg.typedefs.insert(name, fixed);
        // each level: a `mat_t` parameter decays to a pointer to its inner
        // `int[...]`, which must become the measured `int[7]` too
        let (mut old, mut new) = (ty, fixed);
        loop {
            let e = arrays.entry(old).or_insert(Some(new));
            if *e != Some(new) {
                *e = None;
            }
            match (arena.get(arena.strip_top_quals(old)), arena.get(arena.strip_top_quals(new))) {
                (&Type::Array { item: a, .. }, &Type::Array { item: b, .. }) if a != b => (old, new) = (a, b),
                _ => break,
            }
        }
    }
    let arrays: HashMap<TypeId, TypeId> = arrays.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect();
    if !arrays.is_empty() {
        let mut subst = Subst { unknown: &HashMap::default(), arrays: &arrays, memo: HashMap::default() };
        substitute_declarations(reg, arena, &mut subst);
        for &rid in &records {
            let Some(mut fields) = arena.record(rid).fields.clone() else { continue };
            for f in fields.iter_mut() {
                // a field's own `[...]` dimensions are measured (step 4)
                if !has_unknown_dim(arena, f.ty) {
                    f.ty = subst.run(arena, f.ty);
                }
            }
            arena.record_mut(rid).fields = Some(fields);
        }
    }
    // 3. Enums and constants.
    apply_enums(reg, arena, facts)?;
    for d in reg.decls.iter_mut() {
        let DeclKind::Constant { value, .. } = &d.kind else { continue };
        if let Some(e) = constant_mismatch(&d.name, value, facts) {
            mismatches.constants.insert(d.name.clone(), e);
        }
        fix_declaration(d, facts);
    }
    // 4. Record layouts: partial ones first, as others may contain them.
    let mut by_rid: Vec<(RecordId, &str, &RecordFact)> = Vec::new();
    for (name, fact) in &facts.records {
        let ty = record_type(reg, arena, name)?;
        if let Type::Record(rid) = *arena.get(arena.strip_top_quals(ty)) {
            by_rid.push((rid, name, fact));
        }
    }
    // fields of a typedef'd `[...]` type (`foo_t a;` does not make the
    // record partial): their measured lengths
    for &(rid, name, _) in &by_rid {
        let record = arena.record(rid);
        if record.partial {
            continue;
        }
        let Some(mut fields) = record.fields.clone() else { continue };
        let mut changed = false;
        for f in fields.iter_mut() {
            if has_unknown_dim(arena, f.ty) {
                if let Some(t) = fix_dims(arena, f.ty, &format!("{name}.{}", f.name), facts) {
                    f.ty = t;
                    changed = true;
                }
            }
        }
        if changed {
            let r = arena.record_mut(rid);
            r.fields = Some(fields);
            r.layout = None;
        }
    }
    let records: Vec<(RecordId, &str, &RecordFact)> = by_rid;
    mismatches.records = place_records(arena, &records, facts);
    Ok(mismatches)
}

/// The compiler's layout given to (partial) or checked against (complete)
/// each record, partial ones first, as others may contain them; a record
/// that disagrees is marked broken. The disagreements, in that order.
fn place_records(arena: &mut TypeArena, records: &[(RecordId, &str, &RecordFact)], facts: &dyn Facts) -> Vec<(RecordId, Error)> {
    let mut broken = Vec::new();
    for partial in [true, false] {
        for &(rid, name, fact) in records {
            if arena.record(rid).partial != partial {
                continue;
            }
            let r = if partial { fix_partial(arena, rid, name, fact, facts) } else { check_full(arena, rid, name, fact, facts) };
            if let Err(e) = r {
                broken.push((rid, e.clone()));
                mark_broken(arena, rid, fact, e);
            }
        }
    }
    broken
}

/// What [`apply`] does to records, for records loaded one batch at a time
/// (a lazily loaded snapshot): each `(record, name its fact is under)`
/// that the compiler measured gets its layout fixed or checked.
pub(crate) fn place_loaded_records(arena: &mut TypeArena, loaded: &[(RecordId, String)], facts: &dyn Facts) {
    let found: Vec<(RecordId, &str, RecordFact)> =
        loaded.iter().filter_map(|(rid, name)| facts.record(name).map(|f| (*rid, name.as_str(), f))).collect();
    let records: Vec<(RecordId, &str, &RecordFact)> = found.iter().map(|(r, n, f)| (*r, *n, f)).collect();
    place_records(arena, &records, facts);
}

/// The error for a constant whose cdef value the compiler contradicts
/// (cffi's "the C compiler says 'X' is equal to ...").
pub fn constant_mismatch(name: &str, value: &ConstValue, facts: &dyn Facts) -> Option<Error> {
    match (value, facts.int(name)) {
        (ConstValue::Int(v), Some(real)) if *v != real => Some(disagree(name, real)),
        _ => None,
    }
}

/// What [`apply`] does to one declaration: an enumerator takes the
/// compiler's value (unchecked, as in cffi), `#define X ...` its value.
/// A value the compiler contradicts is kept (see [`constant_mismatch`]).
pub(crate) fn fix_declaration(d: &mut crate::registry::Declaration, facts: &dyn Facts) {
    match &mut d.kind {
        DeclKind::EnumConstant { value, .. } => {
            if let Some(real) = facts.int(&d.name) {
                *value = real;
            }
        }
        DeclKind::Constant { value: value @ ConstValue::Unknown, .. } => {
            if let Some(real) = facts.int(&d.name) {
                *value = ConstValue::Int(real);
            }
        }
        _ => {}
    }
}

/// The type a record fact names: `struct TAG`, `union TAG` or a typedef
/// name looked up directly (the common case, at every import), else parsed.
fn record_type(reg: &Registry, arena: &mut TypeArena, name: &str) -> Result<TypeId, Error> {
    let direct = match name.split_once(' ') {
        Some(("struct", tag)) => reg.struct_tag(tag),
        Some(("union", tag)) => reg.union_tag(tag),
        Some(_) => None,
        None => reg.typedef(name),
    };
    match direct {
        Some(ty) => Ok(ty),
        None => reg.parse_type(arena, name).map_err(|e| {
            Error::ffi(Message::TypeNamed { name: name.to_string(), cause: Box::new(e.into_diagnostic().message) })
        }),
    }
}

/// Using the record's size or fields raises `err` from now on.
fn mark_broken(arena: &mut TypeArena, rid: RecordId, fact: &RecordFact, err: Error) {
    let r = arena.record_mut(rid);
    r.layout = Some(RecordLayout { size: fact.size, align: fact.align, fields: Vec::new(), depth: 1 });
    r.layout_is_fixed = true;
    r.broken = Some(err.into_diagnostic().message);
}

fn disagree(name: &str, real: i128) -> Error {
    Error::ffi(Compiler::ConstantDiffers { name: name.to_string(), real })
}

fn apply_enums(reg: &mut Registry, arena: &mut TypeArena, facts: &CompilerFacts) -> Result<(), Error> {
    let mut enum_ids = Vec::new();
    let mut seen = HashSet::default();
    for d in &reg.decls {
        if let DeclKind::EnumConstant { ty, .. } = d.kind {
            if let Type::Enum(eid) = *arena.get(arena.strip_top_quals(ty)) {
                if seen.insert(eid) {
                    enum_ids.push(eid);
                }
            }
        }
    }
    for ty in reg.enum_tags.values().chain(reg.typedefs.values()) {
        if let Type::Enum(eid) = *arena.get(arena.strip_top_quals(*ty)) {
            if seen.insert(eid) {
                enum_ids.push(eid);
            }
        }
    }
    // the enumerators' new values, by enum: applied to the declarations in
    // one pass at the end
    let mut new_values: HashMap<EnumId, HashMap<String, i128>> = HashMap::default();
    for eid in enum_ids {
        let e = arena.enum_def_mut(eid);
        fix_enum(e, facts);
        new_values.insert(eid, e.values.iter().cloned().collect());
    }
    for d in reg.decls.iter_mut() {
        if let DeclKind::EnumConstant { ty, value } = &mut d.kind {
            if let Type::Enum(eid) = *arena.get(arena.strip_top_quals(*ty)) {
                if let Some(v) = new_values.get(&eid).and_then(|m| m.get(&d.name)) {
                    *value = *v;
                }
            }
        }
    }
    Ok(())
}

/// What [`apply`] does to one enum: its enumerators take the compiler's
/// values (unchecked, as in cffi); a partial enum gets the compiler's
/// integer type and is complete from then on.
pub(crate) fn fix_enum(e: &mut crate::types::EnumDef, facts: &dyn Facts) {
    for (name, v) in e.values.iter_mut() {
        if let Some(real) = facts.int(name) {
            *v = real;
        }
    }
    if e.partial {
        let key = match &e.tag {
            Some(t) => format!("enum {t}"),
            None => e.cname.clone(),
        };
        if let Some(fact) = facts.type_fact(&key) {
            if let Some(p) = prim_for(&TypeFact { kind: TypeFactKind::Int, ..fact }) {
                // cffi names the enum's integer type by C spelling.
                e.base = match p {
                    Prim::Int32 => Prim::Int,
                    Prim::UInt32 => Prim::UInt,
                    Prim::Int64 => Prim::Long,
                    Prim::UInt64 => Prim::ULong,
                    other => other,
                };
            }
        }
        e.partial = false;
    }
}

/// The fields of a record as C reaches them: anonymous struct/union
/// members replaced, recursively, by their own fields (what `p->leaf`
/// names; cffi's recompiler flattens the same way).
pub fn leaf_fields(arena: &TypeArena, fields: &[Field]) -> Vec<Field> {
    let mut out = Vec::new();
    for f in fields {
        if f.name.is_empty() && f.bitsize.is_none() {
            if let Type::Record(rid) = *arena.get(arena.strip_top_quals(f.ty)) {
                if let Some(inner) = &arena.record(rid).fields {
                    out.extend(leaf_fields(arena, inner));
                    continue;
                }
            }
        }
        out.push(f.clone());
    }
    out
}

fn has_unknown_dim(arena: &TypeArena, ty: TypeId) -> bool {
    let mut t = arena.strip_top_quals(ty);
    while let Type::Array { item, len } = *arena.get(t) {
        if matches!(len, ArrayLen::Unknown(_)) {
            return true;
        }
        t = arena.strip_top_quals(item);
    }
    false
}

/// `ty` with each `[...]` dimension given its measured length
/// (`facts.lengths[key]`, `key[0]`, ...); `None` if one was not measured.
fn fix_dims(arena: &mut TypeArena, ty: TypeId, key: &str, facts: &dyn Facts) -> Option<TypeId> {
    let bare = arena.strip_top_quals(ty);
    let Type::Array { item, len } = *arena.get(bare) else {
        return Some(ty);
    };
    let new_item = fix_dims(arena, item, &format!("{key}[0]"), facts)?;
    let new_len = match len {
        ArrayLen::Unknown(_) => ArrayLen::Fixed(facts.length(key)?),
        other => other,
    };
    if new_item == item && new_len == len {
        return Some(ty);
    }
    let quals = arena.quals_of(ty);
    let arr = arena.array(new_item, new_len);
    Some(arena.qualified(arr, quals))
}

/// A bitfield placed from its measured first bit, reported as our layout
/// engine (and cffi) reports bitfields: the offset of a naturally aligned
/// unit of its type holding it, and the shift inside that unit.
fn bitfield_at(start: u64, width: u64, unit_size: u64, unit_align: u64) -> FieldLayout {
    let mut offset = (start / 8) & !(unit_align.max(1) - 1);
    if start - offset * 8 + width > unit_size * 8 {
        offset = start / 8;
    }
    FieldLayout { offset, bitshift: (start - offset * 8) as i32, bitsize: width as i32 }
}

/// The measured `(first bit, number of bits)` of a bitfield, if any.
fn measured_bits(facts: &dyn Facts, rname: &str, field: &str) -> Option<(u64, u64)> {
    if field.is_empty() {
        return None;
    }
    let v = facts.int(&format!("{rname}.{field}:bits"))?;
    let (first, n) = ((v >> 8) as u64, (v & 0xff) as u64);
    (n > 0).then_some((first, n))
}

fn fix_partial(
    arena: &mut TypeArena,
    rid: RecordId,
    rname: &str,
    fact: &RecordFact,
    facts: &dyn Facts,
) -> Result<(), Error> {
    let record = arena.record(rid).clone();
    let cname = record.cname.clone();
    let declared = record.fields.clone().unwrap_or_default();
    let mut fields = leaf_fields(arena, &declared);
    if fields.len() != fact.fields.len() {
        return Err(Error::ffi(Compiler::ModuleMismatch { cname: cname.clone() }));
    }
    let is_union = record.kind == RecordKind::Union;
    let mut placed = Vec::with_capacity(fields.len());
    // where the next bitfield may start, for those the compiled code
    // could not measure (enum or const types, unnamed): gcc's rule. In
    // u128: byte offsets up to 2^64 times 8 cannot overflow it.
    let mut bit: u128 = 0;
    let too_large = || Error::new(crate::ErrorKind::Overflow, Layout::FieldBeyondMax { cname: cname.clone() });
    for (f, fl) in fields.iter_mut().zip(&fact.fields) {
        if is_union {
            bit = 0;
        }
        let Some((offset, fsize)) = *fl else {
            let width = u64::from(f.bitsize.unwrap_or(0));
            let (usize_, ualign) = layout::size_align(arena, f.ty)?;
            let unit = u128::from(ualign) * 8;
            let at = match measured_bits(facts, rname, &f.name) {
                Some((first, n)) => bitfield_at(first, n, usize_, ualign),
                None if width == 0 => {
                    bit = bit.div_ceil(unit) * unit;
                    FieldLayout { offset: u64::try_from(bit / 8).map_err(|_| too_large())?, bitshift: 0, bitsize: 0 }
                }
                None => {
                    if bit % unit + u128::from(width) > u128::from(usize_) * 8 {
                        bit = bit.div_ceil(unit) * unit;
                    }
                    bitfield_at(u64::try_from(bit).map_err(|_| too_large())?, width, usize_, ualign)
                }
            };
            bit = u128::from(at.offset) * 8 + at.bitshift.max(0) as u128 + at.bitsize.max(0) as u128;
            placed.push(at);
            continue;
        };
        // `T x[...][...]` as a field: the compiler's lengths
        if has_unknown_dim(arena, f.ty) {
            f.ty = fix_dims(arena, f.ty, &format!("{rname}.{}", f.name), facts)
                .ok_or_else(|| Error::ffi(Compiler::NoFieldLength { cname: cname.clone(), field: f.name.clone() }))?;
        }
        let bare = arena.strip_top_quals(f.ty);
        let open = matches!(arena.get(bare), Type::Array { len: ArrayLen::Open, .. });
        if !open {
            // a field of a known type must have the compiler's size, even
            // in a struct with '...' (cffi's check, same message)
            if let Ok((mine, _)) = layout::size_align(arena, f.ty) {
                if mine != fsize {
                    return Err(Error::ffi(Compiler::RecordDiffers {
                        cname: cname.clone(),
                        what: Measure::FieldSize(f.name.clone()),
                        cdef: mine,
                        real: fsize,
                    }));
                }
            }
            bit = (u128::from(offset) + u128::from(fsize)) * 8;
        } else {
            bit = u128::from(offset) * 8;
        }
        placed.push(FieldLayout { offset, bitshift: -1, bitsize: -1 });
    }
    let depth = layout::nesting_depth(arena, &cname, &fields)?;
    let r = arena.record_mut(rid);
    r.fields = Some(fields);
    r.layout = Some(RecordLayout { size: fact.size, align: fact.align, fields: placed, depth });
    r.layout_is_fixed = true;
    Ok(())
}

/// The computed layout of each leaf field ([`leaf_fields`]), its offset
/// counted from the start of the outer record.
fn flat_layout(
    arena: &mut TypeArena,
    fields: &[Field],
    layouts: &[FieldLayout],
    base: u64,
    out: &mut Vec<(Field, FieldLayout)>,
) -> Result<(), Error> {
    for (f, l) in fields.iter().zip(layouts) {
        if f.name.is_empty() && f.bitsize.is_none() {
            if let Type::Record(rid) = *arena.get(arena.strip_top_quals(f.ty)) {
                if let Some(inner) = arena.record(rid).fields.clone() {
                    let inner_layouts = layout::record_layout(arena, rid)?.fields.clone();
                    flat_layout(arena, &inner, &inner_layouts, base + l.offset, out)?;
                    continue;
                }
            }
        }
        out.push((f.clone(), FieldLayout { offset: base + l.offset, ..*l }));
    }
    Ok(())
}

fn check_full(
    arena: &mut TypeArena,
    rid: RecordId,
    rname: &str,
    fact: &RecordFact,
    facts: &dyn Facts,
) -> Result<(), Error> {
    let record = arena.record(rid).clone();
    let cname = record.cname.clone();
    let mismatch = |what: Measure, cdef: u64, real: u64| Error::ffi(Compiler::RecordDiffers { cname: cname.clone(), what, cdef, real });
    let declared = record.fields.clone().unwrap_or_default();
    let computed = layout::record_layout(arena, rid)?.clone();
    let mut leaves: Vec<(Field, FieldLayout)> = Vec::new();
    flat_layout(arena, &declared, &computed.fields, 0, &mut leaves)?;
    if leaves.len() != fact.fields.len() {
        return Err(Error::ffi(Compiler::ModuleMismatch { cname: cname.clone() }));
    }
    // cffi's order: every field's size, then every field's offset
    for ((f, _), fl) in leaves.iter().zip(&fact.fields) {
        let Some((_, fsize)) = *fl else { continue };
        if let Ok((mine, _)) = layout::size_align(arena, f.ty) {
            if mine != fsize {
                return Err(mismatch(Measure::FieldSize(f.name.clone()), mine, fsize));
            }
        }
    }
    for ((f, at), fl) in leaves.iter().zip(&fact.fields) {
        match *fl {
            Some((offset, _)) => {
                if at.offset != offset {
                    return Err(mismatch(Measure::FieldOffset(f.name.clone()), at.offset, offset));
                }
            }
            None => {
                if let Some((first, n)) = measured_bits(facts, rname, &f.name) {
                    let mine = at.offset * 8 + at.bitshift.max(0) as u64;
                    if mine != first || at.bitsize.max(0) as u64 != n {
                        return Err(mismatch(Measure::BitPosition(f.name.clone()), mine, first));
                    }
                }
            }
        }
    }
    if computed.size != fact.size {
        return Err(mismatch(Measure::TotalSize, computed.size, fact.size));
    }
    if computed.align != fact.align {
        return Err(mismatch(Measure::TotalAlignment, computed.align, fact.align));
    }
    Ok(())
}

/// Records this registry can reach through its names and declarations.
fn reachable_records(reg: &Registry, arena: &TypeArena) -> Vec<RecordId> {
    let mut out = Vec::new();
    let mut seen_types = HashSet::default();
    let mut stack: Vec<TypeId> = Vec::new();
    stack.extend(reg.typedefs.values().copied());
    stack.extend(reg.struct_tags.values().copied());
    stack.extend(reg.union_tags.values().copied());
    stack.extend(reg.decls.iter().map(|d| d.kind.ty()));
    while let Some(ty) = stack.pop() {
        if !seen_types.insert(ty) {
            continue;
        }
        match arena.get(ty) {
            Type::Pointer(t) | Type::Qualified(t, _) => stack.push(*t),
            Type::Array { item, .. } => stack.push(*item),
            Type::Function(f) => {
                stack.push(f.result);
                stack.extend(f.args.iter().copied());
            }
            Type::Record(rid) => {
                out.push(*rid);
                if let Some(fields) = &arena.record(*rid).fields {
                    stack.extend(fields.iter().map(|f| f.ty));
                }
            }
            _ => {}
        }
    }
    out
}

/// Apply `subst` to the type of every function, variable and constant.
fn substitute_declarations(reg: &mut Registry, arena: &mut TypeArena, subst: &mut Subst<'_>) {
    for d in reg.decls.iter_mut() {
        match &mut d.kind {
            DeclKind::Function { ty, .. }
            | DeclKind::Variable { ty }
            | DeclKind::Constant { ty, .. }
            | DeclKind::ExternPython { ty, .. } => *ty = subst.run(arena, *ty),
            DeclKind::EnumConstant { .. } => {}
        }
    }
}

/// Rebuilds structural types with `typedef int... t;` replaced.
struct Subst<'a> {
    unknown: &'a HashMap<String, Prim>,
    /// `typedef T t[...]`'s array types and their measured versions.
    arrays: &'a HashMap<TypeId, TypeId>,
    memo: HashMap<TypeId, TypeId>,
}

impl Subst<'_> {
    fn run(&mut self, arena: &mut TypeArena, ty: TypeId) -> TypeId {
        if let Some(&t) = self.memo.get(&ty) {
            return t;
        }
        if let Some(&t) = self.arrays.get(&ty) {
            return t;
        }
        let out = match arena.get(ty).clone() {
            Type::UnknownInt(n) | Type::UnknownFloat(n) => match self.unknown.get(&n) {
                Some(&p) => arena.prim(p),
                None => ty,
            },
            Type::Pointer(t) => {
                let t = self.run(arena, t);
                arena.pointer(t)
            }
            Type::Qualified(t, q) => {
                let t = self.run(arena, t);
                arena.qualified(t, q)
            }
            Type::Array { item, len } => {
                let item = self.run(arena, item);
                arena.array(item, len)
            }
            Type::Function(f) => {
                let args = f.args.iter().map(|&a| self.run(arena, a)).collect();
                let result = self.run(arena, f.result);
                arena.intern(Type::Function(FuncType { args, result, variadic: f.variadic, abi: f.abi }))
            }
            _ => ty,
        };
        self.memo.insert(ty, out);
        out
    }
}

/// `ty` with each `[...]` dimension replaced by the compiler's length
/// (`facts.lengths[key]`, key = the global's name plus one `[0]` per
/// enclosing dimension).
fn fix_global_dims(arena: &mut TypeArena, ty: TypeId, key: &str, facts: &dyn Facts) -> Result<TypeId, Error> {
    fix_dims(arena, ty, key, facts).ok_or_else(|| Error::ffi(Compiler::NoLength { key: key.to_string() }))
}
