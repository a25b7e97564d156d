//! C spellings of types, exactly as cffi prints them in `ctype.cname`:
//! `int *`, `int[10]`, `int(*)(int)`, `int(*[3])(char *, double)`, `foo_t *`.
//!
//! CONTRACT (used by crates/python): `type_name` and `type_name_around`.
//!
//! The spelling follows cffi's backend: every type has a name and a
//! *position* inside it where a declarator would go (`int[5]` has it after
//! `int`, `int(*)(long)` between `*` and `)`). A pointer inserts ` *` there
//! (or `(*)` around an array), an array inserts `[N]`, a function pointer
//! becomes `RESULT_HEAD(*)(ARGS)RESULT_TAIL`. Qualifiers are never printed.

use crate::types::{ArrayLen, Type, TypeArena, TypeId};

/// The cname of a type.
pub fn type_name(arena: &TypeArena, ty: TypeId) -> String {
    type_name_around(arena, ty, "")
}

/// The type's spelling with `inner` placed where a declarator name would
/// go, as `ffi.getctype(ct, replace_with)` does: `("int[5]", "*x")` gives
/// `int(*x)[5]`, `("int *", "x")` gives `int * x`.
///
/// `inner` is adjusted as cffi's `getctype` adjusts it (stripped; wrapped
/// in parentheses when it starts with `*` and the type is an array; given
/// a leading space unless it starts with `[` or `(`). The adjustment is
/// idempotent, so a caller that already applied it gets the same result.
pub fn type_name_around(arena: &TypeArena, ty: TypeId, inner: &str) -> String {
    let (mut name, pos) = name_and_position(arena, ty);
    let inner = inner.trim();
    let adjusted;
    let inner = if inner.starts_with('*') && name.as_bytes().get(pos) == Some(&b'[') {
        adjusted = format!("({inner})");
        adjusted.as_str()
    } else if !inner.is_empty() && !inner.starts_with(['[', '(']) {
        adjusted = format!(" {inner}");
        adjusted.as_str()
    } else {
        inner
    };
    name.insert_str(pos, inner);
    name
}

/// The name of `ty` and the byte index in it where a declarator goes.
fn name_and_position(arena: &TypeArena, ty: TypeId) -> (String, usize) {
    match arena.get(ty) {
        Type::Void => ("void".to_string(), 4),
        Type::Primitive(p) => {
            let n = p.name().to_string();
            let l = n.len();
            (n, l)
        }
        Type::UnknownInt(n) | Type::UnknownFloat(n) => (n.clone(), n.len()),
        Type::Record(rid) => {
            let n = arena.record(*rid).cname.clone();
            let l = n.len();
            (n, l)
        }
        Type::Enum(eid) => {
            let n = arena.enum_def(*eid).cname.clone();
            let l = n.len();
            (n, l)
        }
        Type::Qualified(inner, _) => name_and_position(arena, *inner),
        Type::Pointer(to) => {
            let to = arena.strip_top_quals(*to);
            match arena.get(to) {
                Type::Function(_) => function_name(arena, to, "(*)"),
                Type::Array { .. } => {
                    let (mut n, p) = name_and_position(arena, to);
                    n.insert_str(p, "(*)");
                    (n, p + 2)
                }
                _ => {
                    let (mut n, p) = name_and_position(arena, to);
                    n.insert_str(p, " *");
                    (n, p + 2)
                }
            }
        }
        Type::Array { item, len } => {
            let (mut n, p) = name_and_position(arena, *item);
            let brackets = match len {
                ArrayLen::Fixed(k) => format!("[{k}]"),
                ArrayLen::Open => "[]".to_string(),
                ArrayLen::Unknown(_) => "[...]".to_string(),
            };
            n.insert_str(p, &brackets);
            (n, p)
        }
        // A bare function type (not a pointer): `int()(long)`, the spelling
        // cffi's model uses for it.
        Type::Function(_) => function_name(arena, ty, "()"),
    }
}

/// `RESULT_HEAD<repl>(ARGS)RESULT_TAIL`, the position inside `repl`
/// before its closing parenthesis.
fn function_name(arena: &TypeArena, fty: TypeId, repl: &str) -> (String, usize) {
    let Type::Function(f) = arena.get(fty) else { unreachable!("function_name on a non-function") };
    let (rname, rpos) = name_and_position(arena, f.result);
    let mut out = String::with_capacity(rname.len() + 16 * (f.args.len() + 1));
    out.push_str(&rname[..rpos]);
    out.push_str(repl);
    let pos = rpos + repl.len() - 1;
    out.push('(');
    for (i, &a) in f.args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&type_name(arena, a));
    }
    if f.variadic {
        if !f.args.is_empty() {
            out.push_str(", ");
        }
        out.push_str("...");
    }
    out.push(')');
    out.push_str(&rname[rpos..]);
    (out, pos)
}

/// The name a compiled module spells a struct, union or enum by, and keys
/// the compiler's measurements of it with: as cffi, the first typedef that
/// names it directly wins over its tag (`typedef union u { ... } u;` is
/// spelled `u`, which also compiles when the real header's union has no
/// tag); an anonymous one has only that. `cname` is the parser's:
/// `"struct TAG"`, `"struct $N"` or the typedef name.
pub fn c_spelling(keyword: &str, tag: Option<&str>, cname: &str) -> Option<String> {
    let tagged = cname.strip_prefix(keyword).is_some_and(|rest| rest.starts_with(' '));
    let by_typedef = !cname.contains('$') && !tagged;
    match tag {
        _ if by_typedef => Some(cname.to_string()),
        Some(tag) => Some(format!("{keyword} {tag}")),
        None => None,
    }
}

/// Compiled and out-of-line modules name records and enums as cffi's type
/// tables do: by their tag when they have one (`struct foo`, even when a
/// typedef `foo_t` named it first, which is what `ffi.cdef()` in in-line ABI
/// mode prints), by their typedef name only when anonymous. Applied to the
/// records and enums `reg` declares under a tag (`FILE` keeps its name).
pub fn name_by_tag(reg: &crate::Registry, arena: &mut TypeArena) {
    // a lazy registry names its records and enums so as it reads them
    if reg.is_lazy() {
        return;
    }
    let file = arena.common_type("FILE");
    let tagged: Vec<TypeId> =
        reg.struct_tags.values().chain(reg.union_tags.values()).chain(reg.enum_tags.values()).copied().collect();
    for ty in tagged {
        if Some(ty) == file {
            continue;
        }
        match *arena.get(ty) {
            Type::Record(rid) => {
                let r = arena.record_mut(rid);
                if let Some(tag) = &r.tag {
                    r.cname = format!("{} {tag}", r.kind.keyword());
                }
            }
            Type::Enum(eid) => {
                let e = arena.enum_def_mut(eid);
                if let Some(tag) = &e.tag {
                    e.cname = format!("enum {tag}");
                }
            }
            _ => {}
        }
    }
}
