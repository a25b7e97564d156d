//! C spellings of arena types for the generated source: real C (qualifiers
//! kept, `float _Complex`, records by tag or by the typedef that names
//! them), unlike the cffi names of `cdecl::names`.

use cdecl::{ArrayLen, Prim, Type, TypeArena, TypeId};

/// Why a type cannot be spelled in C.
#[derive(Debug)]
pub struct Unspellable(pub String);

/// The C spelling of a primitive.
pub fn prim(p: Prim) -> &'static str {
    match p {
        Prim::FloatComplex => "float _Complex",
        Prim::DoubleComplex => "double _Complex",
        other => other.name(),
    }
}

/// `ty` declaring `inner` (which may be empty: an abstract declarator).
pub fn declare(arena: &TypeArena, ty: TypeId, inner: &str) -> Result<String, Unspellable> {
    spell(arena, &Names::default(), ty, inner.to_string())
}

/// Array types with a `[...]` dimension known by a typedef name
/// (`typedef int t[...];`): C has no other spelling of them.
pub type Names = std::collections::HashMap<TypeId, String>;

/// [`declare`], spelling the types of `names` by their typedef name.
pub fn declare_named(arena: &TypeArena, names: &Names, ty: TypeId, inner: &str) -> Result<String, Unspellable> {
    spell(arena, names, ty, inner.to_string())
}

fn with(base: &str, quals: &str, inner: &str) -> String {
    let mut s = String::new();
    s.push_str(quals);
    s.push_str(base);
    if !inner.is_empty() {
        s.push(' ');
        s.push_str(inner);
    }
    s
}

fn quals_text(arena: &TypeArena, ty: TypeId) -> String {
    let q = arena.quals_of(ty);
    let mut s = String::new();
    if q.is_const {
        s.push_str("const ");
    }
    if q.is_volatile {
        s.push_str("volatile ");
    }
    s
}

fn ptr_quals_text(arena: &TypeArena, ty: TypeId) -> String {
    let q = arena.quals_of(ty);
    let mut s = String::new();
    if q.is_const {
        s.push_str(" const");
    }
    if q.is_volatile {
        s.push_str(" volatile");
    }
    if q.is_restrict {
        s.push_str(" __restrict");
    }
    s
}

/// The name of a record or enum usable as a C type, if it has one. As in
/// cffi, the first typedef that names it directly wins over its tag
/// (`typedef union u { ... } u;` is spelled `u`, which also compiles when
/// the real header's union has no tag); an anonymous one has only that.
pub fn record_name(arena: &TypeArena, ty: TypeId) -> Option<String> {
    let (keyword, tag, cname) = match arena.get(arena.strip_top_quals(ty)) {
        Type::Record(rid) => {
            let r = arena.record(*rid);
            (r.kind.keyword(), &r.tag, &r.cname)
        }
        Type::Enum(eid) => {
            let e = arena.enum_def(*eid);
            ("enum", &e.tag, &e.cname)
        }
        _ => return None,
    };
    cdecl::names::c_spelling(keyword, tag.as_deref(), cname)
}

fn spell(arena: &TypeArena, names: &Names, ty: TypeId, inner: String) -> Result<String, Unspellable> {
    let bare = arena.strip_top_quals(ty);
    let q = quals_text(arena, ty);
    if let Some(name) = names.get(&bare) {
        return Ok(with(name, &q, &inner));
    }
    Ok(match arena.get(bare).clone() {
        Type::Void => with("void", &q, &inner),
        Type::Primitive(p) => with(prim(p), &q, &inner),
        Type::UnknownInt(n) | Type::UnknownFloat(n) => with(&n, &q, &inner),
        Type::Qualified(..) => unreachable!("qualifiers are never nested"),
        Type::Pointer(to) => {
            // `typedef ... *foo_p;`: the pointer is only known by its typedef name
            if let Type::Record(rid) = arena.get(arena.strip_top_quals(to)) {
                let cname = &arena.record(*rid).cname;
                if let Some(name) = cname.strip_prefix("$$").or_else(|| cname.strip_prefix("struct $$")) {
                    return Ok(with(name, &q, &inner));
                }
            }
            let pq = ptr_quals_text(arena, ty);
            let star = format!("*{pq}{}{inner}", if pq.is_empty() || inner.is_empty() { "" } else { " " });
            // a pointee spelled by a name needs no parentheses (C++ warns
            // about them, and `__typeof__(...) (*x)` would read as a call)
            let named = names.contains_key(&arena.strip_top_quals(to));
            let wrapped = match arena.get(arena.strip_top_quals(to)) {
                Type::Array { .. } | Type::Function(_) if !named => format!("({star})"),
                _ => star,
            };
            spell(arena, names, to, wrapped)?
        }
        Type::Array { item, len } => {
            let n = match len {
                ArrayLen::Fixed(n) => n.to_string(),
                ArrayLen::Open | ArrayLen::Unknown(_) => String::new(),
            };
            spell(arena, names, item, format!("{inner}[{n}]"))?
        }
        Type::Function(f) => {
            let mut args = Vec::with_capacity(f.args.len() + 1);
            for &a in &f.args {
                args.push(spell(arena, names, a, String::new())?);
            }
            if f.variadic {
                args.push("...".into());
            }
            if args.is_empty() {
                args.push("void".into());
            }
            spell(arena, names, f.result, format!("{inner}({})", args.join(", ")))?
        }
        Type::Record(_) | Type::Enum(_) => {
            let name = record_name(arena, bare).ok_or_else(|| {
                Unspellable(format!(
                    "the type '{}' has no name in C (give it a tag or a typedef name)",
                    cdecl::names::type_name(arena, bare)
                ))
            })?;
            with(&name, &q, &inner)
        }
    })
}
