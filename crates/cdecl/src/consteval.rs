//! Integer constant expressions (array lengths, enum values, bitfield
//! widths, initializers of integer constants).
//!
//! Evaluated directly from tokens while parsing, with C's operators and
//! precedence: `?:`, `|| && | ^ &`, comparisons, shifts, `+ - * / %`,
//! unary `+ - ~ !`, casts `(type)x`, `sizeof(type)`, integer and
//! character literals, enumerators and `#define`d integers. Arithmetic is
//! exact (128-bit, like cffi's Python integers), division truncates
//! toward zero as in C, and overflow or division by zero is an error.
//! A cast to an integer type wraps the value to that type's width.

use crate::error::{ErrorKind, Lex, Syntax, Unsupported};
use crate::lexer::{Kw, Tok};
use crate::parser::{ConstLookup, Parser};
use crate::types::Type;
use crate::{Error, Span};


fn join(a: Span, b: Span) -> Span {
    Span { start: a.start.min(b.start), end: a.end.max(b.end) }
}

impl<'a> Parser<'a> {
    /// A constant expression (no comma operator).
    pub(crate) fn const_expr(&mut self) -> Result<i128, Error> {
        self.enter()?;
        let r = self.conditional();
        self.leave();
        r
    }

    fn conditional(&mut self) -> Result<i128, Error> {
        let cond = self.binary(0)?;
        if self.peek_kind() != Tok::Question {
            return Ok(cond);
        }
        self.bump();
        let a = self.const_expr()?;
        self.expect(Tok::Colon, "':' in a conditional expression")?;
        let b = self.const_expr()?;
        Ok(if cond != 0 { a } else { b })
    }

    fn binary(&mut self, min_prec: u8) -> Result<i128, Error> {
        let start = self.peek().span;
        let mut lhs = self.unary()?;
        loop {
            let t = self.peek();
            let Some(prec) = precedence(t.kind) else { break };
            if prec < min_prec {
                break;
            }
            self.bump();
            self.enter()?;
            let rhs = self.binary(prec + 1);
            self.leave();
            let rhs = rhs?;
            let span = join(start, self.prev_span());
            lhs = self.apply(t.kind, lhs, rhs, span)?;
        }
        Ok(lhs)
    }

    fn apply(&self, op: Tok, a: i128, b: i128, span: Span) -> Result<i128, Error> {
        let overflow = || self.cdef_err(span, crate::Message::ConstantOverflow);
        Ok(match op {
            Tok::Star => a.checked_mul(b).ok_or_else(overflow)?,
            Tok::Slash | Tok::Percent => {
                if b == 0 {
                    return Err(self.cdef_err(span, crate::Message::DivisionByZero));
                }
                if op == Tok::Slash {
                    a.checked_div(b).ok_or_else(overflow)?
                } else {
                    a.checked_rem(b).ok_or_else(overflow)?
                }
            }
            Tok::Plus => a.checked_add(b).ok_or_else(overflow)?,
            Tok::Minus => a.checked_sub(b).ok_or_else(overflow)?,
            Tok::Shl | Tok::Shr => {
                if !(0..127).contains(&b) {
                    return Err(self.cdef_err(span, Syntax::ShiftOutOfRange { count: b }));
                }
                if op == Tok::Shl {
                    let r = a << b;
                    if r >> b != a {
                        return Err(overflow());
                    }
                    r
                } else {
                    a >> b
                }
            }
            Tok::Lt => (a < b) as i128,
            Tok::Gt => (a > b) as i128,
            Tok::Le => (a <= b) as i128,
            Tok::Ge => (a >= b) as i128,
            Tok::EqEq => (a == b) as i128,
            Tok::Ne => (a != b) as i128,
            Tok::Amp => a & b,
            Tok::Caret => a ^ b,
            Tok::Pipe => a | b,
            Tok::AndAnd => (a != 0 && b != 0) as i128,
            Tok::OrOr => (a != 0 || b != 0) as i128,
            _ => unreachable!("not a binary operator"),
        })
    }

    pub(crate) fn unary(&mut self) -> Result<i128, Error> {
        let t = self.peek();
        match t.kind {
            Tok::Plus | Tok::Minus | Tok::Tilde | Tok::Bang => {
                self.bump();
                self.enter()?;
                let v = self.unary();
                self.leave();
                let v = v?;
                Ok(match t.kind {
                    Tok::Plus => v,
                    Tok::Minus => v.checked_neg().ok_or_else(|| self.cdef_err(t.span, crate::Message::ConstantOverflow))?,
                    Tok::Tilde => !v,
                    _ => (v == 0) as i128,
                })
            }
            Tok::Kw(Kw::Sizeof) => {
                self.bump();
                if self.peek_kind() != Tok::LParen || !{
                    self.bump();
                    let s = self.starts_type();
                    self.pos -= 1;
                    s
                } {
                    return Err(self.ffi_err(
                        t.span,
                        Unsupported::SizeofExpression,
                    ));
                }
                self.bump();
                let tstart = self.peek().span;
                let ty = self.type_name()?;
                let tspan = join(tstart, self.prev_span());
                self.expect(Tok::RParen, "')' after the type in 'sizeof('")?;
                let (size, _) = crate::layout::size_align(self.arena, ty).map_err(|e| self.locate(e, tspan))?;
                Ok(size as i128)
            }
            Tok::LParen => {
                self.bump();
                if self.starts_type() {
                    // a cast
                    let tstart = self.peek().span;
                    let ty = self.type_name()?;
                    let tspan = join(tstart, self.prev_span());
                    self.expect(Tok::RParen, "')' after the type of a cast")?;
                    self.enter()?;
                    let v = self.unary();
                    self.leave();
                    return self.cast(ty, v?, tspan);
                }
                let v = self.const_expr()?;
                self.expect(Tok::RParen, "')' to close the parenthesis")?;
                Ok(v)
            }
            Tok::Int | Tok::Char => {
                self.bump();
                Ok(t.value)
            }
            Tok::Float => {
                self.bump();
                Err(self.cdef_err(t.span, Lex::InvalidConstant { text: self.tok_text(t).to_string() }))
            }
            Tok::Ident if self.header_mode && matches!(self.tok_text(t), "__alignof__" | "__alignof" | "_Alignof") => {
                self.bump();
                self.expect(Tok::LParen, "'(' after '__alignof__'")?;
                let tstart = self.peek().span;
                let ty = self.type_name()?;
                let tspan = join(tstart, self.prev_span());
                self.expect(Tok::RParen, "')' after the type in '__alignof__('")?;
                let (_, align) = crate::layout::size_align(self.arena, ty).map_err(|e| self.locate(e, tspan))?;
                Ok(align as i128)
            }
            Tok::Kw(Kw::Extension) if self.header_mode => {
                self.bump();
                self.enter()?;
                let v = self.unary();
                self.leave();
                v
            }
            Tok::Ident => {
                self.bump();
                let name = self.tok_text(t);
                match self.lookup_const(name) {
                    ConstLookup::Known(v) => Ok(v),
                    ConstLookup::Unknown => Err(self.ffi_err(
                        t.span,
                        Unsupported::ConstantValueUnknown { name: name.to_string() },
                    )),
                    ConstLookup::Missing => Err(self.ffi_err(
                        t.span,
                        Unsupported::NotAConstant { name: name.to_string() },
                    )),
                }
            }
            Tok::Ellipsis => Err(self.ffi_err(
                t.span,
                Unsupported::PartialArrayLength,
            )),
            // nothing where a value must be (`x : ;`, `[)`, `= ,`): a syntax
            // error, as cffi's parser says, not an unsupported expression
            Tok::Eof
            | Tok::Semi
            | Tok::Comma
            | Tok::Colon
            | Tok::Assign
            | Tok::RParen
            | Tok::RBracket
            | Tok::LBrace
            | Tok::RBrace => Err(self.unexpected("a constant expression")),
            _ => Err(self.error(ErrorKind::Ffi, t.span, Unsupported::ExpressionToken { found: crate::lexer::describe(&t, self.src) })),
        }
    }

    /// `(T)v`: wrap to the width and sign of an integer type.
    fn cast(&mut self, ty: crate::types::TypeId, v: i128, span: Span) -> Result<i128, Error> {
        let ty = self.arena.strip_top_quals(ty);
        let prim = match self.arena.get(ty) {
            Type::Primitive(p) if p.is_integer() => *p,
            Type::Enum(e) => self.arena.enum_def(*e).base,
            Type::Pointer(_) if self.hdr.in_macro => {
                return Err(self.ffi_err(span, crate::Message::PointerNotInteger));
            }
            Type::Pointer(_) | Type::UnknownInt(_) => return Ok(v),
            _ => return Err(self.ffi_err(span, Unsupported::NonIntegerCastInConstant)),
        };
        if prim == crate::types::Prim::Bool {
            return Ok((v != 0) as i128);
        }
        let bits = prim.size() * 8;
        if bits >= 128 {
            return Ok(v);
        }
        let mask = (1i128 << bits) - 1;
        let u = v & mask;
        Ok(if prim.is_signed() && u >> (bits - 1) & 1 == 1 { u - (1i128 << bits) } else { u })
    }
}

pub(crate) fn precedence(t: Tok) -> Option<u8> {
    Some(match t {
        Tok::OrOr => 1,
        Tok::AndAnd => 2,
        Tok::Pipe => 3,
        Tok::Caret => 4,
        Tok::Amp => 5,
        Tok::EqEq | Tok::Ne => 6,
        Tok::Lt | Tok::Gt | Tok::Le | Tok::Ge => 7,
        Tok::Shl | Tok::Shr => 8,
        Tok::Plus | Tok::Minus => 9,
        Tok::Star | Tok::Slash | Tok::Percent => 10,
        _ => return None,
    })
}
