//! Token spellings interned as small integers, so that tokens are `Copy`
//! and comparing two identifiers (macro lookup, hide sets) is one compare.

use crate::fxhash::FxHashMap;

/// An interned spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub(crate) struct Sym(pub u32);

/// Spellings the preprocessor compares against, interned first so that
/// their `Sym`s are compile-time constants (`sym::LPAREN` ...).
pub(crate) mod sym {
    use super::Sym;
    macro_rules! fixed {
        ($( $name:ident = $text:literal ),* $(,)?) => {
            pub(crate) const FIXED: &[&str] = &[ $( $text ),* ];
            fixed!(@consts 0u32; $( $name )*);
        };
        (@consts $n:expr; $first:ident $( $rest:ident )*) => {
            pub(crate) const $first: Sym = Sym($n);
            fixed!(@consts $n + 1u32; $( $rest )*);
        };
        (@consts $n:expr;) => {};
    }
    fixed! {
        EMPTY = "",
        LPAREN = "(",
        RPAREN = ")",
        COMMA = ",",
        HASH = "#",
        HASHHASH = "##",
        LT = "<",
        GT = ">",
        ELLIPSIS = "...",
        DEFINED = "defined",
        VA_ARGS = "__VA_ARGS__",
        VA_OPT = "__VA_OPT__",
        ONE = "1",
        ZERO = "0",
        INCLUDE = "include",
        INCLUDE_NEXT = "include_next",
        IMPORT = "import",
        DEFINE = "define",
        UNDEF = "undef",
        IF = "if",
        IFDEF = "ifdef",
        IFNDEF = "ifndef",
        ELIF = "elif",
        ELIFDEF = "elifdef",
        ELIFNDEF = "elifndef",
        ELSE = "else",
        ENDIF = "endif",
        LINE = "line",
        ERROR = "error",
        WARNING = "warning",
        PRAGMA = "pragma",
        IDENT = "ident",
        SCCS = "sccs",
        ASSERT = "assert",
        UNASSERT = "unassert",
        NOT = "!",
    }
}

pub(crate) struct Interner {
    map: FxHashMap<Box<str>, Sym>,
    strs: Vec<Box<str>>,
}

impl Interner {
    pub(crate) fn new() -> Interner {
        let mut i = Interner { map: FxHashMap::default(), strs: Vec::with_capacity(4096) };
        for s in sym::FIXED {
            i.intern(s);
        }
        i
    }

    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.map.get(s) {
            return sym;
        }
        let sym = Sym(self.strs.len() as u32);
        self.strs.push(s.into());
        self.map.insert(s.into(), sym);
        sym
    }

    pub(crate) fn get(&self, s: Sym) -> &str {
        &self.strs[s.0 as usize]
    }

    /// The symbol of `s` if it was ever interned (no allocation).
    pub(crate) fn lookup(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_symbols_match_their_text() {
        let i = Interner::new();
        assert_eq!(i.get(sym::LPAREN), "(");
        assert_eq!(i.get(sym::NOT), "!");
        assert_eq!(i.lookup("defined"), Some(sym::DEFINED));
    }
}
