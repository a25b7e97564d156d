//! Giving back what no live declaration reaches.
//!
//! The runtime keeps one arena for the whole process (equal types are the
//! same object across `FFI` instances, as in cffi), so types declared by an
//! `FFI` that is gone would stay forever. [`TypeArena::collect`] marks every
//! type, record and enum reachable from the roots the caller names (the
//! live registries and the types still in use) and frees the rest: the slot
//! is emptied, forgotten by the interning map and reused by the next type,
//! record or enum created. The caller guarantees that no id outside the
//! roots is used afterwards; `void`, the primitives and the common types
//! (`FILE`, `va_list`) are always kept.

use super::{EnumDef, Prim, Record, RecordKind, Type, TypeArena, TypeId};

/// What a set of roots reaches in one arena (see [`TypeArena::reachable`]).
#[derive(Clone, Debug, Default)]
pub struct Reachable {
    types: Vec<bool>,
    records: Vec<bool>,
    enums: Vec<bool>,
}

impl Reachable {
    /// Whether `id` is reached.
    pub fn contains(&self, id: TypeId) -> bool {
        self.types.get(id.0 as usize).copied().unwrap_or(false)
    }

    /// Whether the record `rid` is reached.
    pub fn has_record(&self, rid: super::RecordId) -> bool {
        self.records.get(rid.0 as usize).copied().unwrap_or(false)
    }

    /// Whether the enum `eid` is reached.
    pub fn has_enum(&self, eid: super::EnumId) -> bool {
        self.enums.get(eid.0 as usize).copied().unwrap_or(false)
    }
}

/// What one [`TypeArena::collect`] kept and freed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collected {
    /// Types still in use after the collection.
    pub live_types: usize,
    /// Types freed by this collection.
    pub freed_types: usize,
    /// Records (structs and unions) freed.
    pub freed_records: usize,
    /// Enums freed.
    pub freed_enums: usize,
}

impl TypeArena {
    /// Free every type, record and enum not reachable from `roots`.
    pub fn collect(&mut self, roots: impl IntoIterator<Item = TypeId>) -> Collected {
        let reached = self.reachable(roots);
        self.sweep(&reached)
    }

    /// Every type, record and enum reachable from `roots` (and from what
    /// is always kept). Reachability follows pointers, array items,
    /// function arguments and results, qualifiers, and the field types of
    /// every reached record.
    pub fn reachable(&self, roots: impl IntoIterator<Item = TypeId>) -> Reachable {
        let mut live_types = vec![false; self.types.len()];
        let mut live_records = vec![false; self.records.len()];
        let mut live_enums = vec![false; self.enums.len()];
        let mut stack: Vec<TypeId> = roots.into_iter().collect();
        stack.extend(self.common.values().copied());
        for (i, ty) in self.types.iter().enumerate() {
            if matches!(ty, Type::Void | Type::Primitive(_)) {
                stack.push(TypeId(i as u32));
            }
        }
        // Free slots hold `void` and are not interned: never mark them.
        let free = flags(self.types.len(), self.free_types.iter().copied());
        while let Some(id) = stack.pop() {
            let i = id.0 as usize;
            if i >= live_types.len() || live_types[i] || free[i] {
                continue;
            }
            live_types[i] = true;
            match &self.types[i] {
                Type::Void | Type::Primitive(_) | Type::UnknownInt(_) | Type::UnknownFloat(_) => {}
                Type::Pointer(to) => stack.push(*to),
                Type::Array { item, .. } => stack.push(*item),
                Type::Qualified(inner, _) => stack.push(*inner),
                Type::Function(f) => {
                    stack.extend(f.args.iter().copied());
                    stack.push(f.result);
                }
                Type::Record(rid) => {
                    let r = rid.0 as usize;
                    if !live_records[r] {
                        live_records[r] = true;
                        if let Some(fields) = &self.records[r].fields {
                            stack.extend(fields.iter().map(|f| f.ty));
                        }
                    }
                }
                Type::Enum(eid) => live_enums[eid.0 as usize] = true,
            }
        }
        Reachable { types: live_types, records: live_records, enums: live_enums }
    }

    /// Free every type, record and enum `reached` does not contain.
    /// `reached` must come from [`TypeArena::reachable`] on this arena with
    /// nothing created in between.
    pub fn sweep(&mut self, reached: &Reachable) -> Collected {
        let (live_types, live_records, live_enums) = (&reached.types, &reached.records, &reached.enums);
        assert_eq!(live_types.len(), self.types.len(), "sweep: the arena changed since reachable()");
        let free = flags(self.types.len(), self.free_types.iter().copied());
        let mut done = Collected::default();
        for (i, live) in live_types.iter().enumerate() {
            if *live {
                done.live_types += 1;
                continue;
            }
            if free[i] {
                continue;
            }
            let ty = std::mem::replace(&mut self.types[i], Type::Void);
            if self.interned.get(&ty) == Some(&TypeId(i as u32)) {
                self.interned.remove(&ty);
            }
            self.free_types.push(i as u32);
            done.freed_types += 1;
        }
        let free_records = flags(self.records.len(), self.free_records.iter().copied());
        for (i, live) in live_records.iter().enumerate() {
            if !*live && !free_records[i] {
                self.records[i] = Record::empty(RecordKind::Struct, None, String::new(), None);
                self.free_records.push(i as u32);
                done.freed_records += 1;
            }
        }
        let free_enums = flags(self.enums.len(), self.free_enums.iter().copied());
        for (i, live) in live_enums.iter().enumerate() {
            if !*live && !free_enums[i] {
                self.enums[i] = EnumDef {
                    tag: None,
                    cname: String::new(),
                    values: Vec::new(),
                    partial: false,
                    declared_partial: false,
                    base: Prim::Int,
                    span: None,
                };
                self.free_enums.push(i as u32);
                done.freed_enums += 1;
            }
        }
        done
    }
}

/// `len` flags, set at `indexes`.
fn flags(len: usize, indexes: impl Iterator<Item = u32>) -> Vec<bool> {
    let mut f = vec![false; len];
    for i in indexes {
        f[i as usize] = true;
    }
    f
}
