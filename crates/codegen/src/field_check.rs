//! A function per record that only the C compiler reads: it takes each
//! field's address as a pointer to the type the cdef declares, so a field
//! declared with the wrong type (`long *` for `int *`, `float` for `int`)
//! is a warning, an error under `-Werror` (as cffi's `_cffi_checkfld_`).
//! Sizes and offsets alone cannot see such a mistake when the sizes agree.

use std::fmt::Write as _;

use cdecl::{ArrayLen, Field, PrimKind, Type, TypeArena};

use crate::cspell::{self, Names};

/// `static void NAME(SNAME *p)` checking `leaves` (the fields as C
/// reaches them). Integer fields (bitfields too) only have to be of some
/// integer type, as cffi accepts (`char` is no integer here); an array of unknown or open length
/// matches any length, so its first item is checked.
pub fn check_function(arena: &mut TypeArena, names: &Names, fname: &str, sname: &str, leaves: &[Field]) -> String {
    let mut body = String::new();
    for f in leaves {
        if f.name.is_empty() {
            continue;
        }
        let bare = arena.strip_top_quals(f.ty);
        // `char` and the wide characters are checked exactly, as cffi
        // (they are its "char" kind, not integers)
        let integer = match arena.get(bare) {
            Type::Primitive(p) => p.is_integer() && !matches!(p.kind(), PrimKind::Char | PrimKind::WideChar),
            Type::Enum(_) | Type::UnknownInt(_) => true,
            _ => false,
        };
        if integer || f.bitsize.is_some() {
            let _ = writeln!(body, "    (void)((p->{}) | 0);  /* an integer */", f.name);
            continue;
        }
        let mut ty = f.ty;
        let mut access = format!("p->{}", f.name);
        while let Type::Array { item, len: ArrayLen::Open | ArrayLen::Unknown(_) } = *arena.get(arena.strip_top_quals(ty)) {
            ty = item;
            access.push_str("[0]");
        }
        let ptr = arena.pointer(ty);
        // a type with no C spelling (an unnamed record) cannot be checked
        if let Ok(decl) = cspell::declare_named(arena, names, ptr, "tmp") {
            let check = format!("    {{ {decl} = &{access}; (void)tmp; }}");
            if decl.contains("_Complex") {
                // C's complex spelling is not C++'s
                let _ = writeln!(body, "#ifndef __cplusplus\n{check}\n#endif");
            } else {
                let _ = writeln!(body, "{check}");
            }
        }
    }
    format!("_RCFFI_UNUSED_FN static void {fname}({sname} *p)\n{{\n    (void)p;\n{body}}}\n\n")
}
