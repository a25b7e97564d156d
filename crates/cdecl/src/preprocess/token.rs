//! Preprocessing tokens (C11 6.4): what the preprocessor moves around.

use super::hideset::HideSet;
use super::intern::Sym;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Ident,
    /// A pp-number: anything that starts like a number (`1`, `0x1fUL`, `1.5e+3f`).
    Number,
    /// A character constant, prefix included (`'a'`, `L'x'`).
    Char,
    /// A string literal, prefix included.
    Str,
    Punct,
    /// A character that is no other token (`@`, `\`, a lone quote).
    Other,
    /// A macro parameter inside a macro body; `sym.0` is its index.
    Param,
    /// The empty result of a `##` operand, removed after substitution.
    Placemarker,
    /// Marks the end of a token list expanded on its own (a macro argument,
    /// a `#if` line): the expander must not read past it.
    End,
    Eof,
}

/// The token starts a line (a `#` here starts a directive).
pub(crate) const BOL: u8 = 1;
/// Whitespace precedes the token (kept for `#` stringification).
pub(crate) const SPACE: u8 = 2;

/// Where a token came from: an inclusion of a file and a byte offset in
/// its (splice-free) text. Tokens produced by a macro expansion carry the
/// location of the macro's name at the place of use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Loc {
    /// Index into the preprocessor's inclusions (see `files.rs`).
    pub inc: u32,
    pub off: u32,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct PpTok {
    pub kind: Kind,
    pub flags: u8,
    pub sym: Sym,
    /// Macros that must not expand this token again (Prosser's hide set).
    pub hs: HideSet,
    pub loc: Loc,
}

impl PpTok {
    pub(crate) fn new(kind: Kind, sym: Sym, loc: Loc) -> PpTok {
        PpTok { kind, flags: 0, sym, hs: HideSet::EMPTY, loc }
    }

    pub(crate) fn bol(&self) -> bool {
        self.flags & BOL != 0
    }

    pub(crate) fn space(&self) -> bool {
        self.flags & SPACE != 0
    }

    pub(crate) fn is_punct(&self, s: Sym) -> bool {
        self.kind == Kind::Punct && self.sym == s
    }

    pub(crate) fn is_ident(&self, s: Sym) -> bool {
        self.kind == Kind::Ident && self.sym == s
    }

    /// End of input for the reader at hand (file end or a list sentinel).
    pub(crate) fn is_end(&self) -> bool {
        matches!(self.kind, Kind::Eof | Kind::End)
    }
}
