//! Tokens of the cdef language.
//!
//! A hand-written, single-pass lexer over bytes. Every token carries the
//! byte [`Span`] it came from, so diagnostics can point at it. Comments and
//! backslash-newline continuations are whitespace. A `#` that is the first
//! non-blank character of a line starts a *directive*: the whole logical
//! line (continuations included) becomes one [`Tok::Directive`] token that
//! the parser re-lexes when it needs the parts (`#define NAME value`).

use crate::error::{Error, Lex};
use crate::Span;

/// The kind of a token. Identifiers, literals and directives keep only
/// their span; the text is sliced from the source when needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    Ident,
    Kw(Kw),
    /// An integer literal; its value is in [`Token::value`].
    Int,
    /// A character literal; its value is in [`Token::value`].
    Char,
    /// A string literal (`extern "Python"`, `__asm__("sym")`).
    Str,
    /// A floating literal: only ever an error in cdef.
    Float,
    /// A whole `#...` line.
    Directive,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Semi,
    Comma,
    Star,
    Assign,
    Colon,
    Question,
    Plus,
    Minus,
    Slash,
    Percent,
    Amp,
    Pipe,
    Caret,
    Tilde,
    Bang,
    Lt,
    Gt,
    Le,
    Ge,
    EqEq,
    Ne,
    Shl,
    Shr,
    AndAnd,
    OrOr,
    Dot,
    Ellipsis,
    /// Only from preprocessed headers: a token the cdef language has no
    /// use for (`->`, `++`, `@`, ...), an error if a declaration meets it.
    Other,
    Eof,
}

macro_rules! keywords {
    ($( $variant:ident => $($text:literal)|+ ),* $(,)?) => {
        /// Reserved words the parser treats specially.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Kw { $( $variant ),* }

        impl Kw {
            pub(crate) fn from_str(s: &str) -> Option<Kw> {
                match s {
                    $( $($text)|+ => Some(Kw::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

keywords! {
    Typedef => "typedef",
    Extern => "extern",
    Static => "static",
    Auto => "auto",
    Register => "register",
    Inline => "inline" | "__inline" | "__inline__",
    Const => "const" | "__const" | "__const__",
    Volatile => "volatile" | "__volatile" | "__volatile__",
    Restrict => "restrict" | "__restrict" | "__restrict__",
    Void => "void",
    Char => "char",
    Short => "short",
    Int => "int",
    Long => "long",
    Float => "float",
    Double => "double",
    Signed => "signed" | "__signed" | "__signed__",
    Unsigned => "unsigned",
    Bool => "_Bool",
    Complex => "_Complex" | "__complex__",
    Struct => "struct",
    Union => "union",
    Enum => "enum",
    Sizeof => "sizeof",
    Attribute => "__attribute__" | "__attribute",
    Extension => "__extension__",
    Asm => "__asm__" | "__asm" | "asm",
    Stdcall => "__stdcall" | "WINAPI",
    Cdecl => "__cdecl",
    Declspec => "__declspec",
    // Types cffi refuses ("Unsupported type").
    Unsupported => "__int128" | "__int128_t" | "__uint128_t" | "__float128" | "_Float128" | "_Float16"
        | "_Float32" | "_Float64" | "_Float32x" | "_Float64x" | "_Decimal32" | "_Decimal64" | "_Decimal128"
        | "_Imaginary" | "_Atomic" | "__auto_type",
    // C constructs that cannot appear in declarations.
    Statement => "if" | "else" | "while" | "for" | "do" | "return" | "switch" | "case" | "default"
        | "break" | "continue" | "goto",
}

/// One token: kind, byte span, and the value of integer and char literals.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub kind: Tok,
    pub span: Span,
    pub value: i128,
}

impl Token {
    pub(crate) fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.span.start as usize..self.span.end as usize]
    }
}

/// How a token is named in "expected X, found Y" messages.
pub(crate) fn describe(tok: &Token, src: &str) -> String {
    match tok.kind {
        Tok::Eof => "end of input".to_string(),
        Tok::Ident => format!("identifier '{}'", tok.text(src)),
        Tok::Kw(_) => format!("keyword '{}'", tok.text(src)),
        Tok::Int | Tok::Char | Tok::Float => format!("constant {}", tok.text(src)),
        Tok::Str => format!("string literal {}", tok.text(src)),
        Tok::Directive => "a '#' directive".to_string(),
        _ => format!("'{}'", tok.text(src)),
    }
}

/// Lex `src[start..end]`. `source_name` and the full `src` are used for
/// error locations, so spans are always relative to the whole text.
pub(crate) fn lex_range(source_name: &str, src: &str, start: usize, end: usize) -> Result<Vec<Token>, Error> {
    let mut lx = Lexer { src, bytes: &src.as_bytes()[..end], pos: start, at_line_start: start == 0, source_name };
    if start > 0 {
        // A range inside a directive never starts a new directive.
        lx.at_line_start = false;
    }
    let mut out = Vec::with_capacity((end - start) / 4 + 1);
    loop {
        let tok = lx.next()?;
        let eof = tok.kind == Tok::Eof;
        out.push(tok);
        if eof {
            return Ok(out);
        }
    }
}

/// Lex a whole text.
pub(crate) fn lex(source_name: &str, src: &str) -> Result<Vec<Token>, Error> {
    lex_range(source_name, src, 0, src.len())
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    at_line_start: bool,
    source_name: &'a str,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Lexer<'a> {
    fn peek(&self, off: usize) -> u8 {
        self.bytes.get(self.pos + off).copied().unwrap_or(0)
    }

    fn err(&self, msg: Lex, start: usize, end: usize) -> Error {
        Error::cdef(msg).at(self.source_name, self.src, Span::new(start, end))
    }

    /// Skip blanks, newlines, comments and continuations.
    fn skip_trivia(&mut self) -> Result<(), Error> {
        loop {
            match self.peek(0) {
                b'\n' => {
                    self.pos += 1;
                    self.at_line_start = true;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'\\' if self.peek(1) == b'\n' => self.pos += 2,
                b'\\' if self.peek(1) == b'\r' && self.peek(2) == b'\n' => self.pos += 3,
                b'/' if self.peek(1) == b'*' => self.skip_block_comment()?,
                b'/' if self.peek(1) == b'/' => self.skip_line_comment(),
                _ => return Ok(()),
            }
        }
    }

    fn skip_block_comment(&mut self) -> Result<(), Error> {
        let start = self.pos;
        self.pos += 2;
        loop {
            if self.pos >= self.bytes.len() {
                return Err(self.err(Lex::UnterminatedComment, start, start + 2));
            }
            if self.bytes[self.pos] == b'*' && self.peek(1) == b'/' {
                self.pos += 2;
                return Ok(());
            }
            if self.bytes[self.pos] == b'\n' {
                self.at_line_start = true;
            }
            self.pos += 1;
        }
    }

    /// A `//` comment runs to the end of the line; a backslash-newline
    /// continues it.
    fn skip_line_comment(&mut self) {
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'\n' => return,
                b'\\' if self.peek(1) == b'\n' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
    }

    fn tok(&self, kind: Tok, start: usize) -> Token {
        Token { kind, span: Span::new(start, self.pos), value: 0 }
    }

    fn next(&mut self) -> Result<Token, Error> {
        self.skip_trivia()?;
        let start = self.pos;
        if start >= self.bytes.len() {
            return Ok(Token { kind: Tok::Eof, span: Span::new(self.bytes.len(), self.bytes.len()), value: 0 });
        }
        let line_start = std::mem::replace(&mut self.at_line_start, false);
        let b = self.bytes[start];
        if b == b'#' && line_start {
            self.skip_directive_line();
            return Ok(self.tok(Tok::Directive, start));
        }
        if is_ident_start(b) {
            // Prefixed character and string literals: L'x', u8"..", U"..".
            if matches!(b, b'L' | b'u' | b'U') {
                let after = if b == b'u' && self.peek(1) == b'8' { 2 } else { 1 };
                match self.peek(after) {
                    b'\'' => {
                        self.pos += after;
                        return self.char_literal(start);
                    }
                    b'"' => {
                        self.pos += after;
                        return self.string_literal(start);
                    }
                    _ => {}
                }
            }
            while self.pos < self.bytes.len() && is_ident_continue(self.bytes[self.pos]) {
                self.pos += 1;
            }
            let text = &self.src[start..self.pos];
            let kind = Kw::from_str(text).map_or(Tok::Ident, Tok::Kw);
            return Ok(self.tok(kind, start));
        }
        if b.is_ascii_digit() || (b == b'.' && self.peek(1).is_ascii_digit()) {
            return self.number(start);
        }
        if b == b'\'' {
            return self.char_literal(start);
        }
        if b == b'"' {
            return self.string_literal(start);
        }
        let two = [b, self.peek(1)];
        let (kind, len) = match &two {
            b"<<" => (Tok::Shl, 2),
            b">>" => (Tok::Shr, 2),
            b"<=" => (Tok::Le, 2),
            b">=" => (Tok::Ge, 2),
            b"==" => (Tok::EqEq, 2),
            b"!=" => (Tok::Ne, 2),
            b"&&" => (Tok::AndAnd, 2),
            b"||" => (Tok::OrOr, 2),
            b".." if self.peek(2) == b'.' => (Tok::Ellipsis, 3),
            _ => {
                let k = match b {
                    b'(' => Tok::LParen,
                    b')' => Tok::RParen,
                    b'[' => Tok::LBracket,
                    b']' => Tok::RBracket,
                    b'{' => Tok::LBrace,
                    b'}' => Tok::RBrace,
                    b';' => Tok::Semi,
                    b',' => Tok::Comma,
                    b'*' => Tok::Star,
                    b'=' => Tok::Assign,
                    b':' => Tok::Colon,
                    b'?' => Tok::Question,
                    b'+' => Tok::Plus,
                    b'-' => Tok::Minus,
                    b'/' => Tok::Slash,
                    b'%' => Tok::Percent,
                    b'&' => Tok::Amp,
                    b'|' => Tok::Pipe,
                    b'^' => Tok::Caret,
                    b'~' => Tok::Tilde,
                    b'!' => Tok::Bang,
                    b'<' => Tok::Lt,
                    b'>' => Tok::Gt,
                    b'.' => Tok::Dot,
                    _ => {
                        let ch = self.src[start..].chars().next().unwrap_or('?');
                        let what = if b == b'#' { Lex::StrayHash } else { Lex::UnexpectedChar { ch } };
                        return Err(self.err(what, start, start + ch.len_utf8()));
                    }
                };
                (k, 1)
            }
        };
        self.pos += len;
        Ok(self.tok(kind, start))
    }

    /// Advance to the end of the logical line of a directive, honouring
    /// continuations, comments (which may span lines) and literals.
    fn skip_directive_line(&mut self) {
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'\n' => {
                    // Do not include a trailing '\r' before '\n'.
                    return;
                }
                b'\\' if self.peek(1) == b'\n' => self.pos += 2,
                b'\\' if self.peek(1) == b'\r' && self.peek(2) == b'\n' => self.pos += 3,
                b'/' if self.peek(1) == b'*' => {
                    self.pos += 2;
                    while self.pos < self.bytes.len() && !(self.bytes[self.pos] == b'*' && self.peek(1) == b'/') {
                        self.pos += 1;
                    }
                    self.pos = (self.pos + 2).min(self.bytes.len());
                }
                b'/' if self.peek(1) == b'/' => self.skip_line_comment(),
                q @ (b'"' | b'\'') => {
                    self.pos += 1;
                    while self.pos < self.bytes.len() && self.bytes[self.pos] != q && self.bytes[self.pos] != b'\n' {
                        if self.bytes[self.pos] == b'\\' && self.pos + 1 < self.bytes.len() {
                            self.pos += 1;
                        }
                        self.pos += 1;
                    }
                    if self.pos < self.bytes.len() && self.bytes[self.pos] == q {
                        self.pos += 1;
                    }
                }
                _ => self.pos += 1,
            }
        }
    }

    fn number(&mut self, start: usize) -> Result<Token, Error> {
        // Take the whole preprocessing number, then interpret it.
        while self.pos < self.bytes.len() {
            let c = self.bytes[self.pos];
            if is_ident_continue(c) || c == b'.' {
                self.pos += 1;
            } else if (c == b'+' || c == b'-') && matches!(self.bytes[self.pos - 1], b'e' | b'E' | b'p' | b'P') {
                // exponent sign, unless this is a hex digit 'e' (0x1e+1 is three tokens in C too, but rare)
                self.pos += 1;
            } else {
                break;
            }
        }
        let text = &self.src[start..self.pos];
        match parse_int_literal(text) {
            Some(v) => Ok(Token { kind: Tok::Int, span: Span::new(start, self.pos), value: v }),
            None => {
                let lower = text.to_ascii_lowercase();
                let is_hex = lower.starts_with("0x");
                let looks_float = lower.contains('.') || (!is_hex && lower.contains('e')) || (is_hex && lower.contains('p'));
                if looks_float && is_float_literal(&lower) {
                    Ok(self.tok(Tok::Float, start))
                } else {
                    Err(self.err(Lex::InvalidConstant { text: text.to_string() }, start, self.pos))
                }
            }
        }
    }

    fn char_literal(&mut self, start: usize) -> Result<Token, Error> {
        // self.pos is on the opening quote
        self.pos += 1;
        let value = match self.peek(0) {
            b'\'' => return Err(self.err(Lex::EmptyChar, start, self.pos + 1)),
            b'\n' | 0 => return Err(self.err(Lex::UnterminatedChar, start, self.pos)),
            b'\\' => self.escape(start)?,
            _ => {
                let ch = self.src[self.pos..].chars().next().unwrap_or('\0');
                self.pos += ch.len_utf8();
                ch as i128
            }
        };
        if self.peek(0) != b'\'' {
            // Multi-character constants are not supported by cffi either.
            let mut end = self.pos;
            while end < self.bytes.len() && self.bytes[end] != b'\'' && self.bytes[end] != b'\n' {
                end += 1;
            }
            let closed = end < self.bytes.len() && self.bytes[end] == b'\'';
            let end = if closed { end + 1 } else { end };
            let msg = if closed {
                Lex::MultiChar { text: self.src[start..end].to_string() }
            } else {
                Lex::UnterminatedChar
            };
            return Err(self.err(msg, start, end));
        }
        self.pos += 1;
        Ok(Token { kind: Tok::Char, span: Span::new(start, self.pos), value })
    }

    /// An escape sequence after a backslash (self.pos on the backslash).
    fn escape(&mut self, lit_start: usize) -> Result<i128, Error> {
        let esc_start = self.pos;
        self.pos += 1;
        let c = self.peek(0);
        self.pos += 1;
        let v = match c {
            b'n' => 10,
            b't' => 9,
            b'r' => 13,
            b'0'..=b'7' => {
                let mut v = (c - b'0') as i128;
                for _ in 0..2 {
                    match self.peek(0) {
                        d @ b'0'..=b'7' => {
                            v = v * 8 + (d - b'0') as i128;
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                v
            }
            b'x' => {
                let mut v: i128 = 0;
                let mut n = 0;
                while self.peek(0).is_ascii_hexdigit() && n < 16 {
                    v = v * 16 + (self.peek(0) as char).to_digit(16).unwrap_or(0) as i128;
                    self.pos += 1;
                    n += 1;
                }
                if n == 0 {
                    return Err(self.err(Lex::HexEscapeWithoutDigits, esc_start, self.pos));
                }
                v
            }
            b'a' => 7,
            b'b' => 8,
            b'f' => 12,
            b'v' => 11,
            b'e' => 27,
            b'\\' => b'\\' as i128,
            b'\'' => b'\'' as i128,
            b'"' => b'"' as i128,
            b'?' => b'?' as i128,
            0 | b'\n' => return Err(self.err(Lex::UnterminatedChar, lit_start, esc_start + 1)),
            _ => {
                let ch = self.src[esc_start + 1..].chars().next().unwrap_or('?');
                self.pos = esc_start + 1 + ch.len_utf8();
                return Err(self.err(Lex::InvalidEscape { ch }, esc_start, self.pos));
            }
        };
        Ok(v)
    }

    fn string_literal(&mut self, start: usize) -> Result<Token, Error> {
        self.pos += 1;
        loop {
            match self.peek(0) {
                b'"' => {
                    self.pos += 1;
                    return Ok(self.tok(Tok::Str, start));
                }
                b'\\' if self.pos + 1 < self.bytes.len() => self.pos += 2,
                _ if self.pos >= self.bytes.len() || self.bytes[self.pos] == b'\n' => {
                    return Err(self.err(Lex::UnterminatedString, start, self.pos));
                }
                _ => self.pos += 1,
            }
        }
    }
}

/// Parse a C integer literal with any suffix (`u`, `l`, `ll`, `ul`, `LLU`,
/// ...): decimal, `0x` hex, `0b` binary or leading-zero octal.
pub(crate) fn parse_int_literal(text: &str) -> Option<i128> {
    let bytes = text.as_bytes();
    // strip suffix
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b'u' | b'U' | b'l' | b'L') {
        end -= 1;
    }
    let suffix = &text[end..].to_ascii_lowercase();
    if !matches!(suffix.as_str(), "" | "u" | "l" | "ul" | "lu" | "ll" | "ull" | "llu") {
        return None;
    }
    let body = &text[..end];
    let (digits, radix) = if body.len() > 2 && (body.starts_with("0x") || body.starts_with("0X")) {
        (&body[2..], 16)
    } else if body.len() > 2 && (body.starts_with("0b") || body.starts_with("0B")) {
        (&body[2..], 2)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(digits, radix).ok().and_then(|v| i128::try_from(v).ok())
}

fn is_float_literal(lower: &str) -> bool {
    let body = lower.trim_end_matches(['f', 'l']);
    if body.is_empty() {
        return false;
    }
    if let Some(hex) = body.strip_prefix("0x") {
        return hex.contains('p') && hex.bytes().all(|b| b.is_ascii_hexdigit() || matches!(b, b'.' | b'p' | b'+' | b'-'));
    }
    body.bytes().any(|b| b.is_ascii_digit()) && body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex("<t>", s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn ints() {
        for (t, v) in [("0", 0), ("42", 42), ("0x1F", 31), ("0X1fUL", 31), ("010", 8), ("0b101", 5), ("10ull", 10), ("7LLU", 7)] {
            assert_eq!(parse_int_literal(t), Some(v), "{t}");
        }
        for t in ["0x", "09", "1uu", "12a", "0b2", "1lul"] {
            assert_eq!(parse_int_literal(t), None, "{t}");
        }
    }

    #[test]
    fn tokens() {
        assert_eq!(kinds("int x; /* c */ // d\n ..."), vec![Tok::Kw(Kw::Int), Tok::Ident, Tok::Semi, Tok::Ellipsis, Tok::Eof]);
        assert_eq!(kinds("  #define X \\\n 1\nint"), vec![Tok::Directive, Tok::Kw(Kw::Int), Tok::Eof]);
        assert_eq!(kinds("a<<=b"), vec![Tok::Ident, Tok::Shl, Tok::Assign, Tok::Ident, Tok::Eof]);
        let t = lex("<t>", r"'\n' 'a' '\x41' '\0' '\''").unwrap();
        let v: Vec<i128> = t.iter().filter(|t| t.kind == Tok::Char).map(|t| t.value).collect();
        assert_eq!(v, vec![10, 97, 65, 0, 39]);
        assert!(lex("<t>", "int a; /* open").is_err());
        assert!(lex("<t>", "'ab'").is_err());
        assert!(lex("<t>", "int @").is_err());
        assert_eq!(kinds("1.5 \"Python\""), vec![Tok::Float, Tok::Str, Tok::Eof]);
    }
}
