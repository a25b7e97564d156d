//! `#if` expressions (C11 6.10.1): integer arithmetic in `intmax_t` /
//! `uintmax_t` with the usual conversions, short-circuit operators whose
//! unevaluated side may divide by zero, and identifiers (left after macro
//! expansion) worth 0.

use super::intern::{Interner, Sym};
use super::token::{Kind, Loc, PpTok};
use crate::error::Directive;

/// A value and whether it has type `uintmax_t`.
#[derive(Clone, Copy, Debug)]
struct Val {
    v: i64,
    unsigned: bool,
}

type Fail = (Loc, Directive);

struct Eval<'a> {
    toks: &'a [PpTok],
    pos: usize,
    interner: &'a Interner,
    defined: &'a dyn Fn(Sym) -> bool,
    depth: u32,
    at: Loc,
}

/// Evaluate a macro-expanded `#if` line; `at` is the directive's location.
pub(crate) fn evaluate(toks: &[PpTok], interner: &Interner, defined: &dyn Fn(Sym) -> bool, at: Loc) -> Result<i64, Fail> {
    let mut e = Eval { toks, pos: 0, interner, defined, depth: 0, at };
    let v = e.comma(true)?;
    if let Some(t) = e.toks.get(e.pos) {
        return Err((t.loc, Directive::MissingOperator { token: e.text(t).to_string() }));
    }
    Ok(v.v)
}

fn binary_prec(op: &str) -> Option<u8> {
    Some(match op {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" => 6,
        "<" | ">" | "<=" | ">=" => 7,
        "<<" | ">>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" => 10,
        _ => return None,
    })
}

impl Eval<'_> {
    fn text(&self, t: &PpTok) -> &str {
        self.interner.get(t.sym)
    }

    fn peek_punct(&self) -> Option<&str> {
        self.toks.get(self.pos).filter(|t| t.kind == Kind::Punct).map(|t| self.interner.get(t.sym))
    }

    fn here(&self) -> Loc {
        self.toks.get(self.pos).or(self.toks.last()).map_or(self.at, |t| t.loc)
    }

    fn comma(&mut self, eval: bool) -> Result<Val, Fail> {
        let mut v = self.cond(eval)?;
        while self.peek_punct() == Some(",") {
            self.pos += 1;
            v = self.cond(eval)?;
        }
        Ok(v)
    }

    fn cond(&mut self, eval: bool) -> Result<Val, Fail> {
        self.depth += 1;
        if self.depth > 500 {
            return Err((self.here(), Directive::IfTooDeep));
        }
        let c = self.binary(1, eval)?;
        let r = if self.peek_punct() == Some("?") {
            self.pos += 1;
            let yes = c.v != 0;
            let a = self.comma(eval && yes)?;
            if self.peek_punct() != Some(":") {
                return Err((self.here(), Directive::QuestionWithoutColon));
            }
            self.pos += 1;
            let b = self.cond(eval && !yes)?;
            let unsigned = a.unsigned || b.unsigned;
            Val { v: if yes { a.v } else { b.v }, unsigned }
        } else {
            c
        };
        self.depth -= 1;
        Ok(r)
    }

    fn binary(&mut self, min: u8, eval: bool) -> Result<Val, Fail> {
        let mut lhs = self.unary(eval)?;
        while let Some(op) = self.peek_punct() {
            let Some(prec) = binary_prec(op) else { break };
            if prec < min {
                break;
            }
            let op = op.to_string();
            let op_loc = self.here();
            self.pos += 1;
            // The right side of && / || is evaluated only if it matters.
            let rhs_eval = match op.as_str() {
                "&&" => eval && lhs.v != 0,
                "||" => eval && lhs.v == 0,
                _ => eval,
            };
            let rhs = self.binary(prec + 1, rhs_eval)?;
            lhs = apply(&op, lhs, rhs, eval).map_err(|m| (op_loc, m))?;
        }
        Ok(lhs)
    }

    fn unary(&mut self, eval: bool) -> Result<Val, Fail> {
        let Some(&t) = self.toks.get(self.pos) else {
            return Err((self.here(), Directive::IfEndsEarly));
        };
        self.pos += 1;
        match t.kind {
            Kind::Punct => match self.text(&t) {
                "(" => {
                    self.depth += 1;
                    if self.depth > 500 {
                        return Err((t.loc, Directive::IfTooDeep));
                    }
                    let v = self.comma(eval)?;
                    self.depth -= 1;
                    if self.peek_punct() != Some(")") {
                        return Err((self.here(), Directive::MissingParenInIf));
                    }
                    self.pos += 1;
                    Ok(v)
                }
                op @ ("+" | "-" | "~" | "!") => {
                    let op = op.to_string();
                    self.depth += 1;
                    if self.depth > 500 {
                        return Err((t.loc, Directive::IfTooDeep));
                    }
                    let v = self.unary(eval)?;
                    self.depth -= 1;
                    Ok(match op.as_str() {
                        "+" => v,
                        "-" => Val { v: v.v.wrapping_neg(), ..v },
                        "~" => Val { v: !v.v, ..v },
                        _ => Val { v: (v.v == 0) as i64, unsigned: false },
                    })
                }
                other => Err((t.loc, Directive::InvalidTokenInIf { token: other.to_string() })),
            },
            Kind::Number => number(self.text(&t)).map_err(|m| (t.loc, m)),
            Kind::Char => char_value(self.text(&t)).map_err(|m| (t.loc, m)),
            Kind::Ident => {
                if self.text(&t) == "defined" {
                    // `defined` produced by a macro expansion (gcc accepts it).
                    let paren = self.peek_punct() == Some("(");
                    if paren {
                        self.pos += 1;
                    }
                    let Some(n) = self.toks.get(self.pos).filter(|n| n.kind == Kind::Ident) else {
                        return Err((t.loc, Directive::DefinedWithoutName { hint: false }));
                    };
                    let v = (self.defined)(n.sym) as i64;
                    self.pos += 1;
                    if paren {
                        if self.peek_punct() != Some(")") {
                            return Err((t.loc, Directive::MissingParenAfterDefined));
                        }
                        self.pos += 1;
                    }
                    return Ok(Val { v, unsigned: false });
                }
                // An identifier that is not a macro is 0. A function-like
                // macro name left unexpanded is followed by its arguments;
                // gcc rejects those, and so does the missing operator check.
                Ok(Val { v: 0, unsigned: false })
            }
            _ => Err((t.loc, Directive::InvalidTokenInIf { token: self.text(&t).to_string() })),
        }
    }
}

fn apply(op: &str, a: Val, b: Val, eval: bool) -> Result<Val, Directive> {
    let unsigned = a.unsigned || b.unsigned;
    let (x, y) = (a.v, b.v);
    let flag = |c: bool| Val { v: c as i64, unsigned: false };
    Ok(match op {
        "*" => Val { v: x.wrapping_mul(y), unsigned },
        "/" | "%" => {
            if y == 0 {
                if eval {
                    return Err(Directive::DivisionByZeroInIf);
                }
                return Ok(Val { v: 0, unsigned });
            }
            let v = match (op, unsigned) {
                ("/", true) => ((x as u64) / (y as u64)) as i64,
                ("%", true) => ((x as u64) % (y as u64)) as i64,
                ("/", false) => x.wrapping_div(y),
                _ => x.wrapping_rem(y),
            };
            Val { v, unsigned }
        }
        "+" => Val { v: x.wrapping_add(y), unsigned },
        "-" => Val { v: x.wrapping_sub(y), unsigned },
        "<<" | ">>" => {
            // The result has the left operand's type; a negative count
            // shifts the other way (gcc's behaviour).
            let (left, count) = if y < 0 && !b.unsigned { (op == ">>", y.unsigned_abs()) } else { (op == "<<", y as u64) };
            let v = if left {
                if count >= 64 {
                    0
                } else {
                    x.wrapping_shl(count as u32)
                }
            } else if a.unsigned {
                if count >= 64 {
                    0
                } else {
                    ((x as u64) >> count) as i64
                }
            } else if count >= 64 {
                if x < 0 {
                    -1
                } else {
                    0
                }
            } else {
                x >> count
            };
            Val { v, unsigned: a.unsigned }
        }
        "<" | ">" | "<=" | ">=" => {
            let ord = if unsigned { (x as u64).cmp(&(y as u64)) } else { x.cmp(&y) };
            flag(match op {
                "<" => ord.is_lt(),
                ">" => ord.is_gt(),
                "<=" => ord.is_le(),
                _ => ord.is_ge(),
            })
        }
        "==" => flag(x == y),
        "!=" => flag(x != y),
        "&" => Val { v: x & y, unsigned },
        "^" => Val { v: x ^ y, unsigned },
        "|" => Val { v: x | y, unsigned },
        "&&" => flag(x != 0 && y != 0),
        "||" => flag(x != 0 || y != 0),
        _ => unreachable!("not a binary operator"),
    })
}

/// An integer literal: unsigned with a `u` suffix or when too large for
/// `intmax_t`.
fn number(text: &str) -> Result<Val, Directive> {
    let lower = text.to_ascii_lowercase();
    let Some(v) = crate::lexer::parse_int_literal(text) else {
        let is_hex = lower.starts_with("0x");
        if lower.contains('.') || (!is_hex && lower.contains('e')) || (is_hex && lower.contains('p')) {
            return Err(Directive::FloatInIf { text: text.to_string() });
        }
        return Err(Directive::InvalidIntegerInIf { text: text.to_string() });
    };
    if v > u64::MAX as i128 {
        return Err(Directive::IntegerTooLarge { text: text.to_string() });
    }
    let suffix_u = lower.trim_start_matches("0x").trim_start_matches("0b").contains('u');
    Ok(Val { v: v as u64 as i64, unsigned: suffix_u || v > i64::MAX as i128 })
}

/// A character constant's value; plain `char` is signed on x86-64.
fn char_value(text: &str) -> Result<Val, Directive> {
    match crate::lexer::lex("", text) {
        Ok(t) if t.len() == 2 => {
            let v = t[0].value as i64;
            let plain = text.starts_with('\'');
            let v = if plain && cfg!(target_arch = "x86_64") && (128..256).contains(&v) { v - 256 } else { v };
            Ok(Val { v, unsigned: false })
        }
        _ => Err(Directive::InvalidCharInIf { text: text.to_string() }),
    }
}
