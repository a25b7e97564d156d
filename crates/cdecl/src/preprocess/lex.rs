//! The preprocessing-token lexer (C11 6.4). It never fails: text that is
//! no valid token (an unmatched quote in an `#if 0` block, `@`, a stray
//! backslash) becomes an `Other` token, and only the parser, if such a
//! token reaches a declaration, complains about it.
//!
//! Input is a file's text with backslash-newlines already removed (see
//! `files.rs`), so no token ever needs to look across a splice.

use super::intern::Interner;
use super::token::{Kind, Loc, PpTok, BOL, SPACE};

/// Punctuators, longest first within each leading character, so the first
/// prefix match is the longest.
const PUNCTS: &[&str] = &[
    "...", "<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "*=", "/=", "%=", "+=", "-=", "&=",
    "^=", "|=", "##", "[", "]", "(", ")", "{", "}", ".", "&", "*", "+", "-", "~", "!", "/", "%", "<", ">", "^", "|", "?", ":",
    ";", "=", ",", "#",
];

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

/// Lex a whole file. Locations carry `inc = 0`; the reader fills in the
/// inclusion when it hands a token out.
pub(crate) fn lex(text: &str, interner: &mut Interner) -> Vec<PpTok> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    let mut pos = 0;
    let mut flags = BOL;
    while pos < bytes.len() {
        let b = bytes[pos];
        match b {
            b'\n' => {
                flags = BOL;
                pos += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c' => {
                flags |= SPACE;
                pos += 1;
                continue;
            }
            b'/' if bytes.get(pos + 1) == Some(&b'*') => {
                // A comment is one space, even across lines.
                pos = match text[pos + 2..].find("*/") {
                    Some(i) => pos + 2 + i + 2,
                    None => bytes.len(),
                };
                flags |= SPACE;
                continue;
            }
            b'/' if bytes.get(pos + 1) == Some(&b'/') => {
                pos = text[pos..].find('\n').map_or(bytes.len(), |i| pos + i);
                flags |= SPACE;
                continue;
            }
            _ => {}
        }
        let start = pos;
        let kind = token_end(bytes, &mut pos);
        let sym = interner.intern(&text[start..pos]);
        let mut t = PpTok::new(kind, sym, Loc { inc: 0, off: start as u32 });
        t.flags = flags;
        out.push(t);
        flags = 0;
    }
    out
}

/// Advance `pos` over the token starting there and say what it is.
fn token_end(bytes: &[u8], pos: &mut usize) -> Kind {
    let start = *pos;
    let b = bytes[start];
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    if is_ident_start(b) {
        // Encoding prefixes of character and string literals.
        let prefix = match (b, at(start + 1), at(start + 2)) {
            (b'u', b'8', q @ (b'\'' | b'"')) => Some((2, q)),
            (b'L' | b'u' | b'U', q @ (b'\'' | b'"'), _) => Some((1, q)),
            _ => None,
        };
        if let Some((len, quote)) = prefix {
            if let Some(end) = quoted_end(bytes, start + len, quote) {
                *pos = end;
                return if quote == b'"' { Kind::Str } else { Kind::Char };
            }
        }
        *pos += 1;
        while *pos < bytes.len() && is_ident_char(bytes[*pos]) {
            *pos += 1;
        }
        return Kind::Ident;
    }
    if b.is_ascii_digit() || (b == b'.' && at(start + 1).is_ascii_digit()) {
        *pos += 1;
        while *pos < bytes.len() {
            let c = bytes[*pos];
            let exponent_sign = matches!(c, b'+' | b'-') && matches!(bytes[*pos - 1], b'e' | b'E' | b'p' | b'P');
            if !(exponent_sign || is_ident_char(c) || c == b'.') {
                break;
            }
            *pos += 1;
        }
        return Kind::Number;
    }
    if b == b'\'' || b == b'"' {
        return match quoted_end(bytes, start, b) {
            Some(end) => {
                *pos = end;
                if b == b'"' {
                    Kind::Str
                } else {
                    Kind::Char
                }
            }
            None => {
                *pos += 1;
                Kind::Other
            }
        };
    }
    for p in PUNCTS {
        if bytes[start..].starts_with(p.as_bytes()) {
            *pos += p.len();
            return Kind::Punct;
        }
    }
    // Any other character, whole (UTF-8 lead bytes were identifiers above).
    *pos += 1;
    Kind::Other
}

/// The end of a quoted literal whose opening quote is at `open`, or
/// `None` if the line ends first.
fn quoted_end(bytes: &[u8], open: usize, quote: u8) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return None,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Lex a text that must be exactly one token (the result of `##`).
pub(crate) fn single_token(text: &str) -> Option<Kind> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes[0].is_ascii_whitespace() {
        return None;
    }
    if text.starts_with("//") || text.starts_with("/*") {
        return None;
    }
    let mut pos = 0;
    let kind = token_end(bytes, &mut pos);
    (pos == bytes.len()).then_some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spell(src: &str) -> Vec<(Kind, String, u8)> {
        let mut i = Interner::new();
        lex(src, &mut i).iter().map(|t| (t.kind, i.get(t.sym).to_string(), t.flags)).collect()
    }

    #[test]
    fn tokens_and_flags() {
        let t = spell("#define X(a) a ## 1.5e+3f\n  x->y /* c\n */ 'a' L\"s\" u8'c' @");
        let kinds: Vec<Kind> = t.iter().map(|t| t.0).collect();
        use Kind::*;
        assert_eq!(
            kinds,
            vec![Punct, Ident, Ident, Punct, Ident, Punct, Ident, Punct, Number, Ident, Punct, Ident, Char, Str, Char, Other]
        );
        assert_eq!(t[0].2, BOL);
        assert_eq!(t[9].1, "x");
        assert_eq!(t[9].2, BOL | SPACE);
        assert_eq!(t[12].2, SPACE, "a comment spanning lines does not start a line");
        assert_eq!(t[8].1, "1.5e+3f");
    }

    #[test]
    fn unterminated_quotes_are_other_tokens() {
        let t = spell("#error don't\nint");
        assert_eq!(t[3].0, Kind::Other);
        assert_eq!(t[4].1, "t");
        assert_eq!(t[5].2, BOL);
    }

    #[test]
    fn single_tokens() {
        assert_eq!(single_token("foo1"), Some(Kind::Ident));
        assert_eq!(single_token("<<="), Some(Kind::Punct));
        assert_eq!(single_token("12UL"), Some(Kind::Number));
        assert_eq!(single_token("+-"), None);
        assert_eq!(single_token("//"), None);
    }
}
