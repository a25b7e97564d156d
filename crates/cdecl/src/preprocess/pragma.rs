//! `#pragma`: `once`, `pack`, `push_macro`/`pop_macro`, `GCC error` and
//! `GCC warning` act; every other pragma is ignored, as a compiler does
//! with pragmas it does not know.

use super::intern::Sym;
use super::token::{Kind, Loc, PpTok};
use super::Pp;
use crate::error::{Directive, Error};

/// gcc's `#pragma pack` state: the current maximum member alignment and
/// the `push`ed ones (with their optional identifiers).
#[derive(Default)]
pub(crate) struct PackState {
    current: Option<u32>,
    stack: Vec<(Option<Sym>, Option<u32>)>,
}

impl Pp {
    pub(super) fn pragma(&mut self, toks: &[PpTok], loc: Loc) -> Result<(), Error> {
        let words: Vec<String> = toks.iter().take(2).map(|t| self.interner.get(t.sym).to_string()).collect();
        match words.first().map(String::as_str) {
            Some("once") => {
                let file = self.files.incs[loc.inc as usize].file;
                self.files.files[file as usize].once = true;
            }
            Some("pack") => {
                let expanded = self.expand_list(&toks[1..])?;
                self.pragma_pack(&expanded, loc)?;
            }
            Some("push_macro") | Some("pop_macro") => {
                let Some(name) = self.pragma_string_arg(&toks[1..]) else { return Ok(()) };
                let sym = self.interner.intern(&name);
                if words[0] == "push_macro" {
                    let saved = self.macros.get(&sym).cloned();
                    self.pushed_macros.entry(sym).or_default().push(saved);
                } else if let Some(saved) = self.pushed_macros.get_mut(&sym).and_then(Vec::pop) {
                    match saved {
                        Some(m) => {
                            self.macros.insert(sym, m);
                        }
                        None => {
                            self.macros.remove(&sym);
                        }
                    }
                }
            }
            Some("GCC") => match words.get(1).map(String::as_str) {
                Some("error") => {
                    let msg = self.pragma_message(&toks[2..]);
                    return Err(self.err(loc, Directive::PragmaError { text: msg }));
                }
                Some("warning") => {
                    let msg = self.pragma_message(&toks[2..]);
                    let (file, line) = self.files.presumed(loc);
                    self.warnings.push(format!("{file}:{line}: #pragma GCC warning {msg}"));
                }
                _ => {}
            },
            _ => {}
        }
        Ok(())
    }

    fn pragma_message(&self, toks: &[PpTok]) -> String {
        toks.iter().map(|t| self.interner.get(t.sym)).collect::<Vec<_>>().join(" ")
    }

    /// The string in `("NAME")`.
    fn pragma_string_arg(&self, toks: &[PpTok]) -> Option<String> {
        let s = toks.get(1).filter(|t| t.kind == Kind::Str)?;
        let text = self.interner.get(s.sym);
        Some(text.get(1..text.len().saturating_sub(1))?.to_string())
    }

    /// `pack()`, `pack(N)`, `pack(push[, id][, N])`, `pack(pop[, id|N])`.
    fn pragma_pack(&mut self, toks: &[PpTok], loc: Loc) -> Result<(), Error> {
        let inner: Vec<&PpTok> = match (toks.first(), toks.last()) {
            (Some(l), Some(r)) if toks.len() >= 2 && self.interner.get(l.sym) == "(" && self.interner.get(r.sym) == ")" => {
                toks[1..toks.len() - 1].iter().collect()
            }
            _ => return self.pack_warning(loc, "malformed '#pragma pack', ignored"),
        };
        let parts: Vec<Vec<&PpTok>> = inner.split(|t| self.interner.get(t.sym) == ",").map(|p| p.to_vec()).collect();
        let word = |p: &Vec<&PpTok>| p.first().map(|t| self.interner.get(t.sym).to_string()).unwrap_or_default();
        let number = |p: &Vec<&PpTok>| -> Option<u32> {
            match p.as_slice() {
                [t] if t.kind == Kind::Number => {
                    crate::lexer::parse_int_literal(self.interner.get(t.sym)).and_then(|v| u32::try_from(v).ok())
                }
                _ => None,
            }
        };
        let valid = |n: u32| matches!(n, 1 | 2 | 4 | 8 | 16);
        let first = word(&parts[0]);
        match first.as_str() {
            "" if parts.len() == 1 => self.pack.current = None,
            "push" => {
                let mut id = None;
                let mut value = None;
                for p in &parts[1..] {
                    match number(p) {
                        Some(n) if valid(n) => value = Some(n),
                        Some(_) => {
                            return self.pack_warning(loc, "alignment in '#pragma pack' must be a small power of two, ignored")
                        }
                        None => id = p.first().map(|t| t.sym),
                    }
                }
                self.pack.stack.push((id, self.pack.current));
                if value.is_some() {
                    self.pack.current = value;
                }
            }
            "pop" => {
                let id = parts.get(1).filter(|p| number(p).is_none()).and_then(|p| p.first().map(|t| t.sym));
                let popped = match id {
                    Some(id) => match self.pack.stack.iter().rposition(|(i, _)| *i == Some(id)) {
                        Some(at) => {
                            let v = self.pack.stack[at].1;
                            self.pack.stack.truncate(at);
                            Some(v)
                        }
                        None => None,
                    },
                    None => self.pack.stack.pop().map(|(_, v)| v),
                };
                match popped {
                    Some(v) => self.pack.current = v,
                    None => return self.pack_warning(loc, "'#pragma pack(pop)' without a matching push, ignored"),
                }
                if let Some(n) = parts.get(1).and_then(number).filter(|n| valid(*n)) {
                    self.pack.current = Some(n);
                }
            }
            "show" => return Ok(()),
            _ => match number(&parts[0]) {
                Some(n) if valid(n) && parts.len() == 1 => self.pack.current = Some(n),
                _ => return self.pack_warning(loc, "malformed '#pragma pack', ignored"),
            },
        }
        let at = self.out.toks.len() as u32;
        self.out.pack_changes.push((at, self.pack.current));
        Ok(())
    }

    /// gcc ignores a malformed pack pragma with a warning.
    fn pack_warning(&mut self, loc: Loc, msg: &str) -> Result<(), Error> {
        let (file, line) = self.files.presumed(loc);
        self.warnings.push(format!("{file}:{line}: {msg}"));
        Ok(())
    }
}
