//! The preprocessed text handed to the parser, built token by token,
//! with the parser's tokens made directly (no second lexing pass) and,
//! for every token, where it came from (for diagnostics).

use super::intern::Interner;
use super::token::{Kind, Loc, PpTok};
use crate::lexer::{self, Kw, Tok, Token};
use crate::Span;

#[derive(Default)]
pub(crate) struct Output {
    pub text: String,
    /// The parser's tokens, ending with `Eof` once finished.
    pub toks: Vec<Token>,
    /// Parallel to every token written (parser tokens and macro bodies
    /// evaluated later): the start in `text` and the source location.
    pub map: Vec<(u32, Loc)>,
    /// `#pragma pack` changes: from parser token index `.0` on, records
    /// are packed at `.1` (`None`: natural alignment).
    pub pack_changes: Vec<(u32, Option<u32>)>,
    prev: Option<(Kind, char)>,
}

/// Whether two tokens written side by side would lex differently, so a
/// space is needed even where the source had none (`- -`, `a b`, `1 .x`).
fn would_merge(prev: (Kind, char), next_kind: Kind, next: &str) -> bool {
    let first = next.chars().next().unwrap_or(' ');
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii();
    match prev.0 {
        Kind::Ident | Kind::Number => {
            word(first)
                || matches!(next_kind, Kind::Number | Kind::Str | Kind::Char)
                || first == '.'
                || (prev.0 == Kind::Number && matches!(first, '+' | '-'))
        }
        Kind::Punct | Kind::Other => {
            next_kind == Kind::Punct && {
                let pair = [prev.1, first];
                matches!(
                    pair,
                    ['<', '<' | '=' | ':' | '%']
                        | ['>', '>' | '=']
                        | ['-', '-' | '>' | '=']
                        | ['+', '+' | '=']
                        | ['&', '&' | '=']
                        | ['|', '|' | '=']
                        | ['=' | '!' | '*' | '/' | '%' | '^', '=']
                        | ['#', '#']
                        | ['.', '.']
                        | ['%', '>' | ':']
                        | [':', '>']
                        | ['/', '/' | '*']
                )
            } || (prev.1 == '.' && next_kind == Kind::Number)
        }
        _ => false,
    }
}

impl Output {
    /// Append one token's spelling, with a newline if it started a line
    /// in the source and a space where it had one or needs one.
    pub(crate) fn write(&mut self, t: &PpTok, text: &str) -> Span {
        if !self.text.is_empty() {
            if t.bol() {
                self.text.push('\n');
            } else if t.space() || self.prev.is_some_and(|p| would_merge(p, t.kind, text)) {
                self.text.push(' ');
            }
        }
        let start = self.text.len();
        self.text.push_str(text);
        self.map.push((start as u32, t.loc));
        self.prev = Some((t.kind, text.chars().last().unwrap_or(' ')));
        Span::new(start, self.text.len())
    }

    /// Write a token that the parser will read.
    pub(crate) fn push(&mut self, t: &PpTok, interner: &Interner) {
        let text = interner.get(t.sym);
        let span = self.write(t, text);
        let tok = convert(t.kind, text, &self.text, span);
        self.toks.push(tok);
    }

    /// A boundary the next token must not be glued to (a new line).
    pub(crate) fn newline(&mut self) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.prev = None;
    }

    pub(crate) fn finish_tokens(&mut self) {
        let end = self.text.len();
        self.toks.push(Token { kind: Tok::Eof, span: Span::new(end, end), value: 0 });
    }

    /// The location of the token containing byte `at` of the text.
    pub(crate) fn loc_at(&self, at: u32) -> Option<Loc> {
        let i = self.map.partition_point(|&(s, _)| s <= at);
        (i > 0).then(|| self.map[i - 1].1)
    }
}

/// A preprocessing token as the parser's token (literals decoded by the
/// cdef lexer itself, so both paths agree on every value).
pub(crate) fn convert(kind: Kind, text: &str, full: &str, span: Span) -> Token {
    let tok = |kind| Token { kind, span, value: 0 };
    match kind {
        Kind::Ident => tok(Kw::from_str(text).map_or(Tok::Ident, Tok::Kw)),
        Kind::Number | Kind::Char | Kind::Str => match lexer::lex_range("", full, span.start as usize, span.end as usize) {
            Ok(v) if v.len() == 2 && v[0].span == span => v[0],
            _ => tok(Tok::Other),
        },
        Kind::Punct => tok(match text {
            "(" => Tok::LParen,
            ")" => Tok::RParen,
            "[" => Tok::LBracket,
            "]" => Tok::RBracket,
            "{" => Tok::LBrace,
            "}" => Tok::RBrace,
            ";" => Tok::Semi,
            "," => Tok::Comma,
            "*" => Tok::Star,
            "=" => Tok::Assign,
            ":" => Tok::Colon,
            "?" => Tok::Question,
            "+" => Tok::Plus,
            "-" => Tok::Minus,
            "/" => Tok::Slash,
            "%" => Tok::Percent,
            "&" => Tok::Amp,
            "|" => Tok::Pipe,
            "^" => Tok::Caret,
            "~" => Tok::Tilde,
            "!" => Tok::Bang,
            "<" => Tok::Lt,
            ">" => Tok::Gt,
            "<=" => Tok::Le,
            ">=" => Tok::Ge,
            "==" => Tok::EqEq,
            "!=" => Tok::Ne,
            "<<" => Tok::Shl,
            ">>" => Tok::Shr,
            "&&" => Tok::AndAnd,
            "||" => Tok::OrOr,
            "." => Tok::Dot,
            "..." => Tok::Ellipsis,
            _ => Tok::Other,
        }),
        _ => tok(Tok::Other),
    }
}
