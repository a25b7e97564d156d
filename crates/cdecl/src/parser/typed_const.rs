//! Macro values with C's integer types (header mode).
//!
//! `consteval` computes exact mathematical values, as cffi does for enum
//! values. A `#define` must instead read as the C compiler reads it:
//! `~0U` is 4294967295 and `1 << 31` is -2147483648, because the
//! arithmetic happens in `int`, `unsigned int`, `long` or `unsigned long`
//! with the usual conversions and wraps at their width.

use super::{ConstLookup, Parser};
use crate::consteval::precedence;
use crate::lexer::Tok;
use crate::registry::DeclKind;
use crate::types::{Prim, Type, TypeId};
use crate::{Error, Span};

/// A value and its (promoted) C type: 32 or 64 bits, signed or not.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Typed {
    pub v: i128,
    bits: u32,
    signed: bool,
}

impl Typed {
    fn int(v: i128) -> Typed {
        Typed { v, bits: 32, signed: true }
    }

    /// Wrap `v` to this type's width and sign.
    fn wrap(v: i128, bits: u32, signed: bool) -> Typed {
        let m = v & ((1i128 << bits) - 1);
        let v = if signed && m >> (bits - 1) & 1 == 1 { m - (1i128 << bits) } else { m };
        Typed { v, bits, signed }
    }

    /// The primitive type of the value, for the declared constant.
    pub fn prim(self) -> Prim {
        match (self.bits, self.signed) {
            (32, true) => Prim::Int,
            (32, false) => Prim::UInt,
            (_, true) => Prim::Long,
            (_, false) => Prim::ULong,
        }
    }

    fn of_prim(v: i128, p: Prim) -> Typed {
        if p == Prim::Bool {
            return Typed::int((v != 0) as i128);
        }
        let bits = (p.size() * 8) as u32;
        let narrow = Typed::wrap(v, bits.min(64), p.is_signed());
        // integer promotion: anything narrower than int becomes int
        if bits < 32 {
            Typed::int(narrow.v)
        } else {
            narrow
        }
    }
}

/// The common type of the usual arithmetic conversions (LP64).
fn common(a: Typed, b: Typed) -> (u32, bool) {
    if a.signed == b.signed {
        return (a.bits.max(b.bits), a.signed);
    }
    let (s, u) = if a.signed { (a, b) } else { (b, a) };
    if u.bits >= s.bits {
        (u.bits, false)
    } else {
        (s.bits, true)
    }
}

/// The type C gives an integer literal from its spelling.
fn literal_type(text: &str, v: i128) -> Typed {
    let lower = text.to_ascii_lowercase();
    let suffix = lower.trim_start_matches(|c: char| c.is_ascii_hexdigit() || c == 'x' || c == 'b');
    let unsigned = suffix.contains('u');
    let long = suffix.contains('l');
    let decimal = !(lower.starts_with('0') && lower.len() > 1);
    let mut candidates: Vec<(u32, bool)> = Vec::new();
    if !long {
        candidates.push((32, false));
    }
    candidates.push((64, false));
    let mut types: Vec<(u32, bool)> = Vec::new();
    for (bits, _) in candidates {
        if !unsigned {
            types.push((bits, true));
        }
        if unsigned || !decimal {
            types.push((bits, false));
        }
    }
    for (bits, signed) in types {
        let max = if signed { (1i128 << (bits - 1)) - 1 } else { (1i128 << bits) - 1 };
        if v <= max {
            return Typed { v, bits, signed };
        }
    }
    // gcc: a decimal too large for long is unsigned long (with a warning)
    Typed { v, bits: 64, signed: false }
}

impl Parser<'_> {
    /// A constant expression with C's types (see the module documentation).
    pub(crate) fn typed_const_expr(&mut self) -> Result<Typed, Error> {
        self.enter()?;
        let r = self.typed_conditional();
        self.leave();
        r
    }

    fn typed_conditional(&mut self) -> Result<Typed, Error> {
        let c = self.typed_binary(0)?;
        if !self.eat(Tok::Question) {
            return Ok(c);
        }
        let a = self.typed_const_expr()?;
        self.expect(Tok::Colon, "':' in a conditional expression")?;
        let b = self.typed_const_expr()?;
        let (bits, signed) = common(a, b);
        Ok(Typed::wrap(if c.v != 0 { a.v } else { b.v }, bits, signed))
    }

    fn typed_binary(&mut self, min: u8) -> Result<Typed, Error> {
        let start = self.peek().span;
        let mut lhs = self.typed_unary()?;
        while let Some(prec) = precedence(self.peek_kind()) {
            if prec < min {
                break;
            }
            let op = self.bump().kind;
            self.enter()?;
            let rhs = self.typed_binary(prec + 1);
            self.leave();
            let rhs = rhs?;
            let span = Span { start: start.start, end: self.prev_span().end };
            lhs = self.typed_apply(op, lhs, rhs, span)?;
        }
        Ok(lhs)
    }

    fn typed_apply(&self, op: Tok, a: Typed, b: Typed, span: Span) -> Result<Typed, Error> {
        let flag = |c: bool| Ok(Typed::int(c as i128));
        match op {
            Tok::Shl | Tok::Shr => {
                // the result has the (promoted) left operand's type
                if b.v < 0 || b.v >= a.bits as i128 {
                    return Err(self.cdef_err(span, crate::error::Syntax::ShiftBeyondWidth { count: b.v, bits: a.bits }));
                }
                let v = if op == Tok::Shl { a.v << b.v } else { a.v >> b.v };
                return Ok(Typed::wrap(v, a.bits, a.signed));
            }
            Tok::AndAnd => return flag(a.v != 0 && b.v != 0),
            Tok::OrOr => return flag(a.v != 0 || b.v != 0),
            _ => {}
        }
        let (bits, signed) = common(a, b);
        let x = Typed::wrap(a.v, bits, signed).v;
        let y = Typed::wrap(b.v, bits, signed).v;
        let v = match op {
            Tok::Star => x * y,
            Tok::Slash | Tok::Percent => {
                if y == 0 {
                    return Err(self.cdef_err(span, crate::Message::DivisionByZero));
                }
                if op == Tok::Slash {
                    x / y
                } else {
                    x % y
                }
            }
            Tok::Plus => x + y,
            Tok::Minus => x - y,
            Tok::Lt => return flag(x < y),
            Tok::Gt => return flag(x > y),
            Tok::Le => return flag(x <= y),
            Tok::Ge => return flag(x >= y),
            Tok::EqEq => return flag(x == y),
            Tok::Ne => return flag(x != y),
            Tok::Amp => x & y,
            Tok::Caret => x ^ y,
            Tok::Pipe => x | y,
            _ => unreachable!("not a binary operator"),
        };
        Ok(Typed::wrap(v, bits, signed))
    }

    fn typed_unary(&mut self) -> Result<Typed, Error> {
        let t = self.peek();
        match t.kind {
            Tok::Plus | Tok::Minus | Tok::Tilde | Tok::Bang => {
                self.bump();
                self.enter()?;
                let v = self.typed_unary();
                self.leave();
                let v = v?;
                Ok(match t.kind {
                    Tok::Plus => v,
                    Tok::Minus => Typed::wrap(-v.v, v.bits, v.signed),
                    Tok::Tilde => Typed::wrap(!v.v, v.bits, v.signed),
                    _ => Typed::int((v.v == 0) as i128),
                })
            }
            Tok::LParen => {
                self.bump();
                if self.starts_type() {
                    let ty = self.type_name()?;
                    self.expect(Tok::RParen, "')' after the type of a cast")?;
                    self.enter()?;
                    let v = self.typed_unary();
                    self.leave();
                    return self.typed_cast(ty, v?, t.span);
                }
                let v = self.typed_const_expr()?;
                self.expect(Tok::RParen, "')' to close the parenthesis")?;
                Ok(v)
            }
            Tok::Int => {
                self.bump();
                Ok(literal_type(self.tok_text(t), t.value))
            }
            Tok::Char => {
                self.bump();
                // plain char constants have type int (and char's sign)
                let v = if self.tok_text(t).starts_with('\'') { Typed::of_prim(t.value, Prim::Char).v } else { t.value };
                Ok(Typed::int(v))
            }
            Tok::Ident => {
                let name = self.tok_text(t);
                let typed_decl = match self.lookup_decl(name).map(|d| &d.kind) {
                    Some(DeclKind::Constant { ty, .. }) => self.prim_of(*ty),
                    _ => None,
                };
                match self.lookup_const(name) {
                    ConstLookup::Known(v) => {
                        self.bump();
                        Ok(match typed_decl {
                            Some(p) => Typed::of_prim(v, p),
                            // enumerators are ints (gcc widens those that do not fit)
                            None if i32::try_from(v).is_ok() => Typed::int(v),
                            None => literal_type("0l", v),
                        })
                    }
                    // `__alignof__(T)` (size_t), or an error naming the identifier
                    _ => self.unary().map(|v| Typed { v, bits: 64, signed: false }),
                }
            }
            // `sizeof(T)` gives a size_t; anything else is consteval's error
            _ => self.unary().map(|v| Typed { v, bits: 64, signed: false }),
        }
    }

    fn prim_of(&self, ty: TypeId) -> Option<Prim> {
        match self.arena.get(self.arena.strip_top_quals(ty)) {
            Type::Primitive(p) if p.is_integer() => Some(*p),
            _ => None,
        }
    }

    fn typed_cast(&mut self, ty: TypeId, v: Typed, span: Span) -> Result<Typed, Error> {
        let bare = self.arena.strip_top_quals(ty);
        match self.arena.get(bare).clone() {
            Type::Primitive(p) if p.is_integer() => Ok(Typed::of_prim(v.v, p)),
            Type::Enum(e) => Ok(Typed::of_prim(v.v, self.arena.enum_def(e).base)),
            Type::Pointer(_) => Err(self.ffi_err(span, crate::Message::PointerNotInteger)),
            _ => Err(self.ffi_err(span, crate::error::Unsupported::NonIntegerCast)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_types_follow_c() {
        let t = |s: &str| {
            let v = crate::lexer::parse_int_literal(s).unwrap();
            let l = literal_type(s, v);
            (l.bits, l.signed)
        };
        assert_eq!(t("1"), (32, true));
        assert_eq!(t("1u"), (32, false));
        assert_eq!(t("0xFFFFFFFF"), (32, false));
        assert_eq!(t("4294967295"), (64, true));
        assert_eq!(t("1L"), (64, true));
        assert_eq!(t("0xFFFFFFFFFFFFFFFF"), (64, false));
        assert_eq!(t("10UL"), (64, false));
    }
}
