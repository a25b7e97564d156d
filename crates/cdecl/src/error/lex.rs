//! Errors of the cdef lexer: text that is not C tokens.

use std::fmt;

/// A character sequence the lexer cannot turn into a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lex {
    /// `/*` never closed.
    UnterminatedComment,
    /// A `#` that does not start a line.
    StrayHash,
    /// A character that is no C token.
    UnexpectedChar {
        /// The character.
        ch: char,
    },
    /// A number that is not a C integer (or a float where one is refused).
    InvalidConstant {
        /// The literal as written.
        text: String,
    },
    /// `''`.
    EmptyChar,
    /// A character constant without its closing quote.
    UnterminatedChar,
    /// `'ab'`: cffi takes single characters only.
    MultiChar {
        /// The literal as written, quotes included.
        text: String,
    },
    /// `'\x'` with no hex digit.
    HexEscapeWithoutDigits,
    /// An escape C does not define.
    InvalidEscape {
        /// The character after the backslash.
        ch: char,
    },
    /// A string literal without its closing quote.
    UnterminatedString,
}

impl fmt::Display for Lex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lex::UnterminatedComment => f.write_str("unterminated comment: '/*' without a matching '*/'"),
            Lex::StrayHash => f.write_str("'#' is only allowed at the start of a line (a directive)"),
            Lex::UnexpectedChar { ch } => write!(f, "unexpected character {ch:?} in cdef source"),
            Lex::InvalidConstant { text } => write!(f, "invalid constant '{text}'"),
            Lex::EmptyChar => f.write_str("empty character constant ''"),
            Lex::UnterminatedChar => f.write_str("unterminated character constant"),
            Lex::MultiChar { text } => write!(f, "invalid constant {text}: only single characters are supported"),
            Lex::HexEscapeWithoutDigits => f.write_str("invalid escape sequence '\\x' without hex digits"),
            Lex::InvalidEscape { ch } => write!(f, "invalid escape sequence '\\{ch}'"),
            Lex::UnterminatedString => f.write_str("unterminated string literal"),
        }
    }
}
