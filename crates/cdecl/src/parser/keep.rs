//! `only=[...]` of `cdef_header`: keep the named declarations and what
//! they need (the records, enums and typedef names their types mention),
//! drop the rest of what the header declared.

use super::header::Item;
use super::{Parser, Staged};
use crate::fxhash::FxHashSet;
use crate::registry::DeclKind;
use crate::types::{Type, TypeId};
use crate::Error;

impl Parser<'_> {
    /// Filter what this parse staged down to `only` and its dependencies.
    /// A name of `only` that was skipped, or never declared, is an error.
    pub(crate) fn keep_only(&mut self, only: &[String]) -> Result<(), Error> {
        let mut types: Vec<TypeId> = Vec::new();
        let mut decls: FxHashSet<String> = FxHashSet::default();
        let mut typedefs: FxHashSet<String> = FxHashSet::default();
        for name in only {
            let name = name.trim();
            if let Some(&i) = self.st.by_name.get(name) {
                decls.insert(name.to_string());
                types.push(self.st.decls[i].kind.ty());
            } else if let Some(&ty) = self.st.typedefs.get(name) {
                typedefs.insert(name.to_string());
                types.push(ty);
            } else if let Some(ty) = self.staged_tag(name) {
                types.push(ty);
            } else {
                return Err(self.missing(name));
            }
        }
        // Walk the types: records and enums reached are kept.
        let mut seen: FxHashSet<TypeId> = FxHashSet::default();
        let mut records = FxHashSet::default();
        let mut enums = FxHashSet::default();
        while let Some(ty) = types.pop() {
            if !seen.insert(ty) {
                continue;
            }
            match self.arena.get(ty).clone() {
                Type::Pointer(t) | Type::Qualified(t, _) | Type::Array { item: t, .. } => types.push(t),
                Type::Function(f) => {
                    types.push(f.result);
                    types.extend(f.args);
                }
                Type::Record(rid) => {
                    records.insert(rid);
                    if let Some(fields) = &self.arena.record(rid).fields {
                        types.extend(fields.iter().map(|f| f.ty));
                    }
                }
                Type::Enum(eid) => {
                    enums.insert(eid);
                }
                _ => {}
            }
        }
        let kept_type = |ty: TypeId, arena: &crate::types::TypeArena| match arena.get(ty) {
            Type::Record(r) => records.contains(r),
            Type::Enum(e) => enums.contains(e),
            _ => false,
        };
        // Typedefs naming a kept record or enum print its name: keep them.
        for (name, &ty) in &self.st.typedefs {
            if kept_type(ty, self.arena) {
                typedefs.insert(name.clone());
            }
        }
        // The constants of a kept enum come with it.
        for d in &self.st.decls {
            if let DeclKind::EnumConstant { ty, .. } = d.kind {
                if kept_type(ty, self.arena) {
                    decls.insert(d.name.clone());
                }
            }
        }
        let st = std::mem::take(&mut self.st);
        let mut kept = Staged { consts: st.consts, skipped: st.skipped, ..Staged::default() };
        for d in st.decls {
            if decls.contains(&d.name) {
                kept.by_name.insert(d.name.clone(), kept.decls.len());
                kept.decls.push(d);
            }
        }
        for name in st.typedef_order {
            if typedefs.contains(&name) {
                kept.typedefs.insert(name.clone(), st.typedefs[&name]);
                kept.typedef_order.push(name);
            }
        }
        for (map, out) in
            [(st.struct_tags, &mut kept.struct_tags), (st.union_tags, &mut kept.union_tags), (st.enum_tags, &mut kept.enum_tags)]
        {
            out.extend(map.into_iter().filter(|(_, ty)| kept_type(*ty, self.arena)));
        }
        self.st = kept;
        self.hdr.items.retain(|item| match item {
            Item::Typedef(n) => typedefs.contains(n),
            Item::Decl(n) => decls.contains(n),
            Item::Record(r) => records.contains(r),
            Item::Enum(e) => enums.contains(e),
        });
        Ok(())
    }

    /// `struct foo`, `union foo`, `enum foo` declared by this parse.
    fn staged_tag(&self, name: &str) -> Option<TypeId> {
        let (kw, tag) = name.split_once(' ')?;
        let tag = tag.trim();
        match kw {
            "struct" => self.st.struct_tags.get(tag),
            "union" => self.st.union_tags.get(tag),
            "enum" => self.st.enum_tags.get(tag),
            _ => None,
        }
        .copied()
    }

    /// The error for a name of `only` that is not declared.
    fn missing(&self, name: &str) -> Error {
        let failed = self.hdr.failures.iter().find(|f| f.names.iter().any(|n| n == name));
        match failed {
            Some(f) => {
                let mut e = f.error.clone();
                let cause = e.message.clone();
                e.message = crate::Message::CannotDeclare { name: name.to_string(), cause: Box::new(cause) };
                e
            }
            None => Error::cdef(crate::error::Syntax::NotDeclaredByHeader { name: name.to_string() }),
        }
    }
}
