//! API mode: the C compiler's answers applied to the declarations of one
//! registry — the values of `#define X ...` and partial enums, the size and
//! sign of `typedef int... t;`, the length of `T x[...]`, and the layout of
//! every struct and union (taken as is for partial ones, checked for the
//! others).
//!
//! CONTRACT (used by crates/python/src/api_module.rs): [`CompilerFacts`]
//! and [`apply`]. Only what this registry declares is touched, never other
//! users of the shared arena.

use crate::fxhash::{FxHashMap as HashMap, FxHashSet as HashSet};
use crate::layout;
use crate::names::type_name;
use crate::registry::{ConstValue, DeclKind, Registry};
use crate::types::{ArrayLen, FieldLayout, FuncType, Prim, RecordId, RecordLayout, Type, TypeArena, TypeId};
use crate::Error;

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
    /// Whether `(T)-1 < 0`.
    pub signed: bool,
}

/// Layout of one record as the compiler sees it. `fields` is parallel to
/// the record's declared fields; `None` where the compiler was not asked
/// (bitfields, anonymous members, flexible arrays).
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
    /// `T x[...]` global variables by name.
    pub lengths: HashMap<String, u64>,
    /// Records by the name `parse_type` understands (`"struct s"`, `"point_t"`).
    pub records: Vec<(String, RecordFact)>,
}

fn prim_for(fact: &TypeFact) -> Option<Prim> {
    Some(match (fact.kind, fact.size, fact.signed) {
        (TypeFactKind::Float, 4, _) => Prim::Float,
        (TypeFactKind::Float, 8, _) => Prim::Double,
        (TypeFactKind::Float, 16, _) => Prim::LongDouble,
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

/// Apply the compiler's answers. Errors (kind `Ffi`) carry cffi's messages
/// ("the C compiler says 'X' is equal to 3, but the cdef disagrees",
/// "struct s: wrong offset for field 'b' (cdef says 4, but C compiler says 8). ...").
pub fn apply(reg: &mut Registry, arena: &mut TypeArena, facts: &CompilerFacts) -> Result<(), Error> {
    // 1. `typedef int... t;`: substitute a fixed-size integer everywhere.
    let mut unknown: HashMap<String, Prim> = HashMap::default();
    for (name, fact) in &facts.types {
        if fact.kind != TypeFactKind::Enum {
            let prim = prim_for(fact)
                .ok_or_else(|| Error::ffi(format!("'{name}': unsupported size {} for a '...' type", fact.size)))?;
            unknown.insert(name.clone(), prim);
        }
    }
    let records = reachable_records(reg, arena);
    let mut subst = Subst { unknown: &unknown, memo: HashMap::default() };
    if !unknown.is_empty() {
        for ty in reg.typedefs.values_mut() {
            *ty = subst.run(arena, *ty);
        }
        for d in reg.decls.iter_mut() {
            match &mut d.kind {
                DeclKind::Function { ty, .. }
                | DeclKind::Variable { ty }
                | DeclKind::Constant { ty, .. }
                | DeclKind::ExternPython { ty, .. } => *ty = subst.run(arena, *ty),
                DeclKind::EnumConstant { .. } => {}
            }
        }
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
    // 3. Enums and constants.
    apply_enums(reg, arena, facts)?;
    for d in reg.decls.iter_mut() {
        if let DeclKind::Constant { value, .. } = &mut d.kind {
            if let Some(&real) = facts.ints.get(&d.name) {
                match value {
                    ConstValue::Unknown => *value = ConstValue::Int(real),
                    ConstValue::Int(v) if *v != real => return Err(disagree(&d.name, real)),
                    ConstValue::Int(_) => {}
                }
            }
        }
    }
    // 4. Record layouts: partial ones first, as others may contain them.
    let mut by_rid: Vec<(RecordId, &RecordFact)> = Vec::new();
    for (name, fact) in &facts.records {
        let ty = reg.parse_type(arena, name).map_err(|e| Error::ffi(format!("{name}: {}", e.message)))?;
        if let Type::Record(rid) = *arena.get(arena.strip_top_quals(ty)) {
            by_rid.push((rid, fact));
        }
    }
    for &(rid, fact) in &by_rid {
        if arena.record(rid).partial {
            fix_partial(arena, rid, fact)?;
        }
    }
    for &(rid, fact) in &by_rid {
        if !arena.record(rid).partial {
            check_full(arena, rid, fact)?;
        }
    }
    Ok(())
}

fn disagree(name: &str, real: i128) -> Error {
    let got = if real < 0 { format!("{real}") } else { format!("{real} ({real:#x})") };
    Error::ffi(format!("the C compiler says '{name}' is equal to {got}, but the cdef disagrees"))
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
    for eid in enum_ids {
        let def = arena.enum_def(eid).clone();
        let mut values = def.values.clone();
        for (name, v) in values.iter_mut() {
            // as in cffi, enumerators take the compiler's value, unchecked
            if let Some(&real) = facts.ints.get(name) {
                *v = real;
            }
        }
        let e = arena.enum_def_mut(eid);
        e.values = values.clone();
        if def.partial {
            let key = match &def.tag {
                Some(t) => format!("enum {t}"),
                None => def.cname.clone(),
            };
            if let Some(fact) = facts.types.get(&key) {
                if let Some(p) = prim_for(&TypeFact { kind: TypeFactKind::Int, ..*fact }) {
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
        let new_values: HashMap<String, i128> = values.into_iter().collect();
        for d in reg.decls.iter_mut() {
            if let DeclKind::EnumConstant { ty, value } = &mut d.kind {
                if matches!(arena.get(arena.strip_top_quals(*ty)), Type::Enum(x) if *x == eid) {
                    if let Some(v) = new_values.get(&d.name) {
                        *value = *v;
                    }
                }
            }
        }
    }
    Ok(())
}

fn fix_partial(arena: &mut TypeArena, rid: RecordId, fact: &RecordFact) -> Result<(), Error> {
    let record = arena.record(rid).clone();
    let mut fields = record.fields.clone().unwrap_or_default();
    if fields.len() != fact.fields.len() {
        return Err(Error::ffi(format!("{}: the compiled module does not match the cdef", record.cname)));
    }
    let mut placed = Vec::with_capacity(fields.len());
    for (f, fl) in fields.iter_mut().zip(&fact.fields) {
        let Some((offset, fsize)) = *fl else {
            return Err(Error::ffi(format!(
                "{}: field '{}' cannot be placed by the compiler (bitfields and anonymous members are not supported in a struct with '...')",
                record.cname, f.name
            )));
        };
        // `T x[...];` as a field: its length is the compiler's size / sizeof(T).
        let bare = arena.strip_top_quals(f.ty);
        let unknown_len = matches!(arena.get(bare), Type::Array { len: ArrayLen::Unknown, .. });
        if !unknown_len {
            // a field of a known type must have the compiler's size, even
            // in a struct with '...' (cffi's check, same message)
            if let Ok((mine, _)) = layout::size_align(arena, f.ty) {
                if mine != fsize {
                    return Err(Error::ffi(format!(
                        "{cname}: wrong size for field '{}' (cdef says {mine}, but C compiler says {fsize}). fix it or use \"...;\" as the last field in the cdef for {cname} to make it flexible",
                        f.name,
                        cname = record.cname
                    )));
                }
            }
        }
        if let Type::Array { item, len: ArrayLen::Unknown } = *arena.get(bare) {
            let (isize_, _) = layout::size_align(arena, item)?;
            let n = if isize_ == 0 { 0 } else { fsize / isize_ };
            let quals = arena.quals_of(f.ty);
            let arr = arena.array(item, ArrayLen::Fixed(n));
            f.ty = arena.qualified(arr, quals);
        }
        placed.push(FieldLayout { offset, bitshift: -1, bitsize: -1 });
    }
    let r = arena.record_mut(rid);
    r.fields = Some(fields);
    r.layout = Some(RecordLayout { size: fact.size, align: fact.align, fields: placed });
    r.layout_is_fixed = true;
    Ok(())
}

fn check_full(arena: &mut TypeArena, rid: RecordId, fact: &RecordFact) -> Result<(), Error> {
    let record = arena.record(rid).clone();
    let cname = record.cname.clone();
    let mismatch = |what: String, cdef: u64, real: u64| {
        Error::ffi(format!(
            "{cname}: {what} (cdef says {cdef}, but C compiler says {real}). fix it or use \"...;\" as the last field in the cdef for {cname} to make it flexible"
        ))
    };
    let fields = record.fields.clone().unwrap_or_default();
    let computed = layout::record_layout(arena, rid)?.clone();
    // cffi's order: every field's size, then every field's offset
    for (f, fl) in fields.iter().zip(&fact.fields) {
        let Some((_, fsize)) = *fl else { continue };
        if let Ok((mine, _)) = layout::size_align(arena, f.ty) {
            if mine != fsize {
                return Err(mismatch(format!("wrong size for field '{}'", f.name), mine, fsize));
            }
        }
    }
    for ((f, fl), at) in fields.iter().zip(&fact.fields).zip(&computed.fields) {
        let Some((offset, _)) = *fl else { continue };
        if at.offset != offset {
            return Err(mismatch(format!("wrong offset for field '{}'", f.name), at.offset, offset));
        }
    }
    if computed.size != fact.size {
        return Err(mismatch("wrong total size".into(), computed.size, fact.size));
    }
    if computed.align != fact.align {
        return Err(mismatch("wrong total alignment".into(), computed.align, fact.align));
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
    for d in &reg.decls {
        match d.kind {
            DeclKind::Function { ty, .. }
            | DeclKind::Variable { ty }
            | DeclKind::Constant { ty, .. }
            | DeclKind::ExternPython { ty, .. }
            | DeclKind::EnumConstant { ty, .. } => stack.push(ty),
        }
    }
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

/// Rebuilds structural types with `typedef int... t;` replaced.
struct Subst<'a> {
    unknown: &'a HashMap<String, Prim>,
    memo: HashMap<TypeId, TypeId>,
}

impl Subst<'_> {
    fn run(&mut self, arena: &mut TypeArena, ty: TypeId) -> TypeId {
        if let Some(&t) = self.memo.get(&ty) {
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

#[allow(dead_code)]
fn describe(arena: &TypeArena, ty: TypeId) -> String {
    type_name(arena, ty)
}

/// `ty` with each `[...]` dimension replaced by the compiler's length
/// (`facts.lengths[key]`, key = the global's name plus one `[0]` per
/// enclosing dimension).
fn fix_global_dims(arena: &mut TypeArena, ty: TypeId, key: &str, facts: &CompilerFacts) -> Result<TypeId, Error> {
    let bare = arena.strip_top_quals(ty);
    let Type::Array { item, len } = *arena.get(bare) else {
        return Ok(ty);
    };
    let new_item = fix_global_dims(arena, item, &format!("{key}[0]"), facts)?;
    let new_len = match len {
        ArrayLen::Unknown => {
            ArrayLen::Fixed(*facts.lengths.get(key).ok_or_else(|| Error::ffi(format!("no length for '{key}'")))?)
        }
        other => other,
    };
    if new_item == item && new_len == len {
        return Ok(ty);
    }
    let quals = arena.quals_of(ty);
    let arr = arena.array(new_item, new_len);
    Ok(arena.qualified(arr, quals))
}
