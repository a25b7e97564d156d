//! Plain cdef text for what a header declared, in the header's order, so
//! it can be pasted into a `cdef()` (cffi's included). Typedef names are
//! resolved to the types they stand for, except records and enums, which
//! are named by tag or by the typedef that names them.

use std::fmt::Write as _;

use crate::fxhash::FxHashSet;
use crate::parser::header::Item;
use crate::registry::{ConstValue, DeclKind, Registry};
use crate::types::{ArrayLen, Packing, Prim, RecordId, Type, TypeArena, TypeId};

/// `attributes`: write `packed`/`aligned(N)` as GNU attributes after the
/// record body (rcffi's `cdef()` reads them; cffi's does not) instead of
/// comments.
pub(super) fn cdef_text(reg: &Registry, arena: &TypeArena, items: &[Item], warnings: &[String], attributes: bool) -> String {
    let mut p = Printer { arena, out: String::new(), inline_done: FxHashSet::default(), attributes };
    for w in warnings {
        for line in w.lines() {
            let _ = writeln!(p.out, "// {line}");
        }
    }
    // cffi names a tagged record after its first typedef; header mode
    // prefers a public name (`FILE`, not `__FILE`): print that typedef
    // first so a plain cdef of the text names the record the same way.
    let named_record = |name: &str| {
        let ty = reg.typedef(name)?;
        match arena.get(ty) {
            Type::Record(rid) if arena.record(*rid).tag.is_some() => Some(*rid),
            _ => None,
        }
    };
    let mut preferred: crate::fxhash::FxHashMap<RecordId, &str> = Default::default();
    for item in items {
        if let Item::Typedef(name) = item {
            if let Some(rid) = named_record(name).filter(|rid| arena.record(*rid).cname == *name) {
                preferred.entry(rid).or_insert(name.as_str());
            }
        }
    }
    let mut hoisted: FxHashSet<&str> = FxHashSet::default();
    for item in items {
        match item {
            Item::Typedef(name) => {
                if hoisted.contains(name.as_str()) {
                    continue;
                }
                if let Some(first) = named_record(name).and_then(|rid| preferred.remove(&rid)) {
                    if first != name {
                        if let Some(ty) = reg.typedef(first) {
                            p.typedef(first, ty);
                            hoisted.insert(first);
                        }
                    }
                }
                if let Some(ty) = reg.typedef(name) {
                    p.typedef(name, ty);
                }
            }
            Item::Record(rid) => {
                let r = arena.record(*rid);
                if let (Some(tag), Some(_)) = (&r.tag, &r.fields) {
                    let body = p.record_body(*rid);
                    let (note, attrs) = p.layout_marks(r.packing, r.forced_align);
                    let _ = writeln!(p.out, "{note}{} {tag} {body}{attrs};", r.kind.keyword());
                }
            }
            Item::Enum(eid) => {
                let e = arena.enum_def(*eid);
                // Anonymous enums named by a typedef print with it.
                if e.tag.is_some() || e.cname.contains('$') {
                    let tag = e.tag.as_deref().map(|t| format!("{t} ")).unwrap_or_default();
                    let _ = writeln!(p.out, "enum {tag}{};", p.enum_body(*eid));
                }
            }
            Item::Decl(name) => {
                let Some(d) = reg.lookup(name) else { continue };
                match &d.kind {
                    DeclKind::Function { ty, asm_name } => {
                        let decl = p.declarator(*ty, name);
                        match asm_name {
                            Some(sym) if sym != name => {
                                let _ = writeln!(p.out, "{decl}; /* symbol: {sym} */");
                            }
                            _ => {
                                let _ = writeln!(p.out, "{decl};");
                            }
                        }
                    }
                    DeclKind::Variable { ty } => {
                        let _ = writeln!(p.out, "extern {};", p.declarator(*ty, name));
                    }
                    DeclKind::Constant { value: ConstValue::Int(v), .. } => {
                        let _ = writeln!(p.out, "#define {name} {v}");
                    }
                    DeclKind::Constant { ty, value: ConstValue::Unknown } => {
                        let _ = writeln!(p.out, "static const {};", p.declarator(*ty, name));
                    }
                    DeclKind::EnumConstant { .. } | DeclKind::ExternPython { .. } => {}
                }
            }
        }
    }
    p.out
}

/// cffi's cdef has no `#pragma pack`: say what the record needs.
fn layout_note(packing: Packing, forced: Option<u64>) -> String {
    let mut s = String::new();
    if let Packing::Pack(n) = packing {
        let _ = write!(s, "/* needs cdef(..., pack={n}) */ ");
    }
    if let Some(a) = forced {
        let _ = write!(s, "/* aligned({a}) in the header */ ");
    }
    s
}

struct Printer<'a> {
    /// Write layout attributes rather than comments (see `cdef_text`).
    attributes: bool,
    arena: &'a TypeArena,
    out: String,
    /// Anonymous records already printed in full under a typedef.
    inline_done: FxHashSet<RecordId>,
}

impl Printer<'_> {
    /// What to print before a record (a comment) and after its body (GNU
    /// attributes), for its packing and forced alignment. `pack=N` above 1
    /// has no attribute form: it stays a comment.
    fn layout_marks(&self, packing: Packing, forced: Option<u64>) -> (String, String) {
        if !self.attributes {
            return (layout_note(packing, forced), String::new());
        }
        let mut attrs = String::new();
        let mut note = String::new();
        match packing {
            Packing::Pack(1) => attrs.push_str(" __attribute__((packed))"),
            Packing::Pack(n) => note = layout_note(Packing::Pack(n), None),
            Packing::Natural => {}
        }
        if let Some(a) = forced {
            let _ = write!(attrs, " __attribute__((aligned({a})))");
        }
        (note, attrs)
    }

    fn typedef(&mut self, name: &str, ty: TypeId) {
        let bare = self.arena.strip_top_quals(ty);
        match self.arena.get(bare) {
            Type::Record(rid) => {
                let r = self.arena.record(*rid);
                if r.tag.is_none() && r.cname == name && r.fields.is_some() && self.inline_done.insert(*rid) {
                    let (mut note, attrs) = self.layout_marks(r.packing, r.forced_align);
                    // an aligned typedef: alignment without padding (after the name)
                    let typedef_attrs = match r.typedef_align {
                        Some(a) if self.attributes => format!(" __attribute__((aligned({a})))"),
                        Some(a) => {
                            let _ = write!(note, "/* aligned({a}) on the typedef in the header */ ");
                            String::new()
                        }
                        None => String::new(),
                    };
                    let body = self.record_body(*rid);
                    let _ = writeln!(self.out, "{note}typedef {} {body}{attrs} {name}{typedef_attrs};", r.kind.keyword());
                    return;
                }
            }
            Type::Enum(eid) => {
                let e = self.arena.enum_def(*eid);
                if e.tag.is_none() && e.cname == name {
                    let _ = writeln!(self.out, "typedef enum {} {name};", self.enum_body(*eid));
                    return;
                }
            }
            _ => {}
        }
        let _ = writeln!(self.out, "typedef {};", self.declarator(ty, name));
    }

    fn record_body(&self, rid: RecordId) -> String {
        let r = self.arena.record(rid);
        let mut s = String::from("{ ");
        for f in r.fields.as_deref().unwrap_or_default() {
            s.push_str(&self.declarator(f.ty, &f.name));
            if let Some(bits) = f.bitsize {
                let _ = write!(s, " : {bits}");
            }
            s.push_str("; ");
        }
        if r.partial {
            s.push_str("...; ");
        }
        s.push('}');
        s
    }

    fn enum_body(&self, eid: crate::types::EnumId) -> String {
        let e = self.arena.enum_def(eid);
        let values: Vec<String> = e.values.iter().map(|(n, v)| format!("{n} = {v}")).collect();
        format!("{{ {} }}", values.join(", "))
    }

    /// `ty` declaring `name` (C declarator syntax); qualifiers are
    /// dropped, as cffi ignores them.
    fn declarator(&self, ty: TypeId, name: &str) -> String {
        self.spell(ty, name.to_string())
    }

    fn spell(&self, ty: TypeId, inner: String) -> String {
        let with = |base: &str, inner: &str| if inner.is_empty() { base.to_string() } else { format!("{base} {inner}") };
        match self.arena.get(ty).clone() {
            Type::Void => with("void", &inner),
            Type::Primitive(p) => with(prim_spelling(p), &inner),
            Type::UnknownInt(n) | Type::UnknownFloat(n) => with(&n, &inner),
            Type::Qualified(t, _) => self.spell(t, inner),
            Type::Pointer(to) => {
                let wrapped = match self.arena.get(self.arena.strip_top_quals(to)) {
                    Type::Array { .. } | Type::Function(_) => format!("(*{inner})"),
                    _ => format!("*{inner}"),
                };
                self.spell(to, wrapped)
            }
            Type::Array { item, len } => {
                let n = match len {
                    ArrayLen::Fixed(n) => n.to_string(),
                    ArrayLen::Open => String::new(),
                    ArrayLen::Unknown(_) => "...".into(),
                };
                self.spell(item, format!("{inner}[{n}]"))
            }
            Type::Function(f) => {
                let mut args: Vec<String> = f.args.iter().map(|&a| self.spell(a, String::new())).collect();
                if f.variadic {
                    args.push("...".into());
                }
                if args.is_empty() {
                    args.push("void".into());
                }
                self.spell(f.result, format!("{inner}({})", args.join(", ")))
            }
            Type::Record(rid) => {
                let r = self.arena.record(rid);
                let base = match &r.tag {
                    Some(tag) => format!("{} {tag}", r.kind.keyword()),
                    None if !r.cname.contains('$') => r.cname.clone(),
                    None => format!("{} {}", r.kind.keyword(), self.record_body(rid)),
                };
                with(&base, &inner)
            }
            Type::Enum(eid) => {
                let e = self.arena.enum_def(eid);
                let base = match &e.tag {
                    Some(tag) => format!("enum {tag}"),
                    None if !e.cname.contains('$') => e.cname.clone(),
                    None => format!("enum {}", self.enum_body(eid)),
                };
                with(&base, &inner)
            }
        }
    }
}

fn prim_spelling(p: Prim) -> &'static str {
    match p {
        Prim::FloatComplex => "float _Complex",
        Prim::DoubleComplex => "double _Complex",
        _ => p.name(),
    }
}
