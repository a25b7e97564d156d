//! Macro expansion, as the C standard specifies it (6.10.3), with the
//! GNU extensions headers rely on (`, ## __VA_ARGS__`, named variadic
//! parameters, `__VA_OPT__`).
//!
//! The algorithm is Prosser's: every token carries a hide set; a macro
//! name is not expanded if it is in its own hide set; an object-like
//! expansion adds the macro to the hide set of what it produces, a
//! function-like one adds it to the intersection of the hide sets of the
//! name and the closing parenthesis. The result is pushed back onto the
//! input and rescanned, which is how nested and adjacent calls combine.

use super::hideset::HideSet;
use super::intern::sym;
use super::lex;
use super::macros::{Builtin, Macro};
use super::predefined;
use super::token::{Kind, Loc, PpTok, BOL, SPACE};
use super::{Pp, MAX_ARG_NESTING, MAX_EXPANSION_WORK};
use crate::error::{Directive, Error};

impl Pp {
    /// The next token after macro expansion.
    pub(super) fn next_expanded(&mut self) -> Result<PpTok, Error> {
        loop {
            let t = self.next_raw()?;
            if t.kind != Kind::Ident {
                return Ok(t);
            }
            let Some(m) = self.macros.get(&t.sym) else { return Ok(t) };
            if self.hs.contains(t.hs, t.sym) {
                return Ok(t);
            }
            let m = m.clone();
            if !self.expand(t, &m)? {
                return Ok(t);
            }
        }
    }

    /// Expand a token list on its own ("as if it were the rest of the
    /// file", but without reading past it): macro arguments, `#if` lines.
    pub(super) fn expand_list(&mut self, toks: &[PpTok]) -> Result<Vec<PpTok>, Error> {
        if self.nesting >= MAX_ARG_NESTING {
            let loc = toks.first().map_or(Loc::default(), |t| t.loc);
            return Err(self.err(loc, Directive::ArgumentsTooDeep { limit: MAX_ARG_NESTING }));
        }
        // Inside a macro argument, each level copies what it expands: a
        // header nesting N calls in one long argument copies it N times
        // (`I(I(I(... y ...)))`), so those copies count as expansion work,
        // which bounds the memory a header can make this take.
        if self.nesting > 0 {
            self.add_work(toks.len(), toks.first().map_or(Loc::default(), |t| t.loc))?;
        }
        self.nesting += 1;
        let saved = std::mem::take(&mut self.pending);
        self.pending.push(PpTok::new(Kind::End, sym::EMPTY, Loc::default()));
        self.pending.extend(toks.iter().rev());
        let mut out = Vec::with_capacity(toks.len());
        let r = loop {
            match self.next_expanded() {
                Ok(t) if t.kind == Kind::End => break Ok(()),
                Ok(t) => out.push(t),
                Err(e) => break Err(e),
            }
        };
        self.pending = saved;
        self.nesting -= 1;
        r.map(|()| out)
    }

    /// Expand the macro `m` named by `name`; `false` if it is a
    /// function-like macro not followed by `(` (then it is just a name).
    fn expand(&mut self, name: PpTok, m: &Macro) -> Result<bool, Error> {
        if let Some(b) = m.builtin {
            return self.expand_builtin(name, b);
        }
        let Some(nparams) = m.params else {
            let hs = self.hs.with(name.hs, name.sym);
            let body = self.subst(m, &[], hs, name)?;
            self.push_expansion(body, name)?;
            return Ok(true);
        };
        let next = self.next_raw()?;
        if !next.is_punct(sym::LPAREN) {
            self.pending.push(next);
            return Ok(false);
        }
        let (args, rparen) = self.collect_args(name, nparams as usize, m.variadic)?;
        let hs = self.hs.intersection(name.hs, rparen.hs);
        let hs = self.hs.with(hs, name.sym);
        let body = self.subst(m, &args, hs, name)?;
        self.push_expansion(body, name)?;
        Ok(true)
    }

    /// Put an expansion in front of the input; its first token takes the
    /// place (line start, spacing) of the macro name.
    fn push_expansion(&mut self, mut body: Vec<PpTok>, name: PpTok) -> Result<(), Error> {
        self.add_work(body.len() + 1, name.loc)?;
        if let Some(first) = body.first_mut() {
            first.flags = (first.flags & !(BOL | SPACE)) | (name.flags & (BOL | SPACE));
        }
        self.pending.extend(body.into_iter().rev());
        Ok(())
    }

    /// Count `n` tokens produced or copied by expansion against the run's
    /// budget (`MAX_EXPANSION_WORK`).
    fn add_work(&mut self, n: usize, loc: Loc) -> Result<(), Error> {
        self.work = self.work.saturating_add(n as u64);
        if self.work > MAX_EXPANSION_WORK {
            return Err(self.err(loc, Directive::ExpansionTooLarge));
        }
        Ok(())
    }

    /// The arguments of a call whose `(` was just read, and the `)`.
    fn collect_args(&mut self, name: PpTok, n: usize, variadic: bool) -> Result<(Vec<Vec<PpTok>>, PpTok), Error> {
        let mut args: Vec<Vec<PpTok>> = vec![Vec::new()];
        let mut depth = 0u32;
        let rparen = loop {
            let t = self.next_raw()?;
            if t.is_end() {
                let what = self.interner.get(name.sym).to_string();
                return Err(self.err(name.loc, Directive::UnterminatedArguments { name: what }));
            }
            if t.kind == Kind::Punct {
                match t.sym {
                    sym::LPAREN => depth += 1,
                    sym::RPAREN if depth == 0 => break t,
                    sym::RPAREN => depth -= 1,
                    // The variadic parameter takes the remaining commas.
                    sym::COMMA if depth == 0 && !(variadic && args.len() == n) => {
                        args.push(Vec::new());
                        continue;
                    }
                    _ => {}
                }
            }
            // collecting inside a macro argument copies the tokens again
            // (see `expand_list`)
            if self.nesting > 0 {
                self.add_work(1, name.loc)?;
            }
            args.last_mut().expect("at least one").push(t);
        };
        let what = || self.interner.get(name.sym).to_string();
        let given = args.len();
        if n == 0 {
            if given == 1 && args[0].is_empty() {
                args.clear();
            } else {
                return Err(self.err(name.loc, Directive::TooManyArguments { name: what(), given, takes: 0 }));
            }
        } else if given < n {
            if variadic && given == n - 1 {
                args.push(Vec::new());
            } else {
                return Err(self.err(name.loc, Directive::TooFewArguments { name: what(), needs: n, given }));
            }
        } else if given > n {
            return Err(self.err(name.loc, Directive::TooManyArguments { name: what(), given, takes: n }));
        }
        Ok((args, rparen))
    }

    /// The replacement list with arguments substituted, `#` and `##`
    /// applied, and `hs` added to every token.
    fn subst(&mut self, m: &Macro, args: &[Vec<PpTok>], hs: HideSet, name: PpTok) -> Result<Vec<PpTok>, Error> {
        let body = m.body.clone();
        let mut out = Vec::with_capacity(body.len());
        let mut expanded: Vec<Option<Vec<PpTok>>> = vec![None; args.len()];
        let va = m.variadic.then(|| args.len() - 1);
        let ctx = SubstCtx { args, va, function_like: m.params.is_some(), name };
        self.subst_range(&body, &ctx, &mut expanded, &mut out)?;
        out.retain(|t| t.kind != Kind::Placemarker);
        for t in &mut out {
            t.hs = self.hs.union(t.hs, hs);
        }
        Ok(out)
    }

    fn subst_range(
        &mut self,
        body: &[PpTok],
        ctx: &SubstCtx<'_>,
        expanded: &mut Vec<Option<Vec<PpTok>>>,
        out: &mut Vec<PpTok>,
    ) -> Result<(), Error> {
        let mut i = 0;
        while i < body.len() {
            let t = body[i];
            // `# param`: the argument's spelling as a string
            if ctx.function_like && t.is_punct(sym::HASH) {
                if let Some(p) = body.get(i + 1).filter(|p| p.kind == Kind::Param) {
                    let mut s = self.stringify(&ctx.args[p.sym.0 as usize], ctx.name.loc);
                    s.flags = t.flags & SPACE;
                    out.push(s);
                    i += 2;
                    continue;
                }
            }
            if t.is_punct(sym::HASHHASH) && i + 1 < body.len() {
                let r = body[i + 1];
                i += 2;
                if r.kind == Kind::Param && Some(r.sym.0 as usize) == ctx.va && out.last().is_some_and(|c| c.is_punct(sym::COMMA))
                {
                    // GNU: `, ## __VA_ARGS__` drops the comma when there are
                    // no variable arguments, and pastes nothing otherwise.
                    let arg = &ctx.args[r.sym.0 as usize];
                    if arg.is_empty() {
                        out.pop();
                    } else {
                        out.extend_from_slice(arg);
                    }
                    continue;
                }
                let rhs: Vec<PpTok> = if r.kind == Kind::Param {
                    ctx.args[r.sym.0 as usize].clone()
                } else {
                    let mut c = r;
                    c.loc = ctx.name.loc;
                    vec![c]
                };
                let Some((first, rest)) = rhs.split_first() else { continue };
                match out.pop() {
                    Some(l) if l.kind != Kind::Placemarker => {
                        let pasted = self.paste(l, *first, ctx.name)?;
                        out.push(pasted);
                    }
                    _ => out.push(*first),
                }
                out.extend_from_slice(rest);
                continue;
            }
            if t.kind == Kind::Param {
                let idx = t.sym.0 as usize;
                let start = out.len();
                if body.get(i + 1).is_some_and(|n| n.is_punct(sym::HASHHASH)) {
                    // An operand of `##` is not expanded first.
                    if ctx.args[idx].is_empty() {
                        out.push(PpTok::new(Kind::Placemarker, sym::EMPTY, ctx.name.loc));
                    } else {
                        out.extend_from_slice(&ctx.args[idx]);
                    }
                } else {
                    if expanded[idx].is_none() {
                        expanded[idx] = Some(self.expand_list(&ctx.args[idx])?);
                    }
                    out.extend_from_slice(expanded[idx].as_deref().unwrap_or_default());
                }
                if let Some(first) = out.get_mut(start) {
                    first.flags = (first.flags & !(BOL | SPACE)) | (t.flags & SPACE);
                }
                i += 1;
                continue;
            }
            if t.is_ident(sym::VA_OPT) && ctx.va.is_some() && body.get(i + 1).is_some_and(|p| p.is_punct(sym::LPAREN)) {
                let close = matching_paren(body, i + 1);
                let va = ctx.va.unwrap_or_default();
                if !ctx.args[va].is_empty() {
                    self.subst_range(&body[i + 2..close.min(body.len())], ctx, expanded, out)?;
                } else {
                    out.push(PpTok::new(Kind::Placemarker, sym::EMPTY, ctx.name.loc));
                }
                i = close + 1;
                continue;
            }
            let mut c = t;
            c.loc = ctx.name.loc;
            out.push(c);
            i += 1;
        }
        Ok(())
    }

    /// `#arg`: the spelling of the argument in a string literal, with one
    /// space where the argument had white space, `"` and `\` escaped in
    /// string and character literals.
    fn stringify(&mut self, arg: &[PpTok], loc: Loc) -> PpTok {
        let mut s = String::from("\"");
        for (i, t) in arg.iter().enumerate() {
            if i > 0 && (t.space() || t.bol()) {
                s.push(' ');
            }
            let text = self.interner.get(t.sym);
            if matches!(t.kind, Kind::Str | Kind::Char) {
                for c in text.chars() {
                    if c == '"' || c == '\\' {
                        s.push('\\');
                    }
                    s.push(c);
                }
            } else {
                s.push_str(text);
            }
        }
        s.push('"');
        let sym = self.interner.intern(&s);
        PpTok::new(Kind::Str, sym, loc)
    }

    /// `a ## b`: the two spellings joined, which must make one token.
    fn paste(&mut self, l: PpTok, r: PpTok, name: PpTok) -> Result<PpTok, Error> {
        let text = format!("{}{}", self.interner.get(l.sym), self.interner.get(r.sym));
        let Some(kind) = lex::single_token(&text) else {
            let (a, b) = (self.interner.get(l.sym).to_string(), self.interner.get(r.sym).to_string());
            return Err(self.err(name.loc, Directive::BadPaste { left: a, right: b }));
        };
        let sym = self.interner.intern(&text);
        Ok(PpTok { kind, flags: l.flags, sym, hs: HideSet::EMPTY, loc: name.loc })
    }

    // --------------------------------------------------------- builtins

    fn expand_builtin(&mut self, name: PpTok, b: Builtin) -> Result<bool, Error> {
        let text: String = match b {
            Builtin::File => quote(&self.files.presumed(name.loc).0),
            Builtin::BaseFile => quote(&self.files.presumed(Loc { inc: self.main_inc, off: 0 }).0),
            Builtin::Line => self.files.presumed(name.loc).1.to_string(),
            Builtin::Counter => {
                self.counter += 1;
                (self.counter - 1).to_string()
            }
            Builtin::IncludeLevel => self.stack.len().saturating_sub(1).to_string(),
            // Fixed, so that output does not depend on the clock.
            Builtin::Date => "\"Jan  1 1970\"".into(),
            Builtin::Time => "\"00:00:00\"".into(),
            Builtin::Timestamp => "\"Thu Jan  1 00:00:00 1970\"".into(),
            _ => {
                let next = self.next_raw()?;
                if !next.is_punct(sym::LPAREN) {
                    self.pending.push(next);
                    return Ok(false);
                }
                let (mut args, _) = self.collect_args(name, 1, false)?;
                let arg = args.pop().unwrap_or_default();
                match b {
                    Builtin::Pragma => {
                        self.pragma_operator(&arg, name.loc)?;
                        return Ok(true);
                    }
                    Builtin::HasInclude | Builtin::HasIncludeNext => {
                        let (header, angled) = self.header_name(&arg, name.loc, false)?;
                        let found = self.resolve(&header, angled, b == Builtin::HasIncludeNext).is_some();
                        bool_text(found)
                    }
                    Builtin::HasAttribute => {
                        let word = self.attribute_name(&arg);
                        bool_text(predefined::ATTRIBUTES.contains(&word.as_str()))
                    }
                    Builtin::HasBuiltinFn => {
                        let word = arg.first().map_or("", |t| self.interner.get(t.sym));
                        bool_text(predefined::BUILTINS.contains(&word))
                    }
                    _ => "0".into(),
                }
            }
        };
        let kind = if text.starts_with('"') { Kind::Str } else { Kind::Number };
        let sym = self.interner.intern(&text);
        let t = PpTok::new(kind, sym, name.loc);
        self.push_expansion(vec![t], name)?;
        Ok(true)
    }

    /// `__packed__`, `gnu::packed` -> `packed`.
    fn attribute_name(&self, arg: &[PpTok]) -> String {
        let word = arg.last().map_or("", |t| self.interner.get(t.sym));
        let word = word.strip_prefix("__").and_then(|w| w.strip_suffix("__")).unwrap_or(word);
        word.to_string()
    }

    /// `_Pragma("...")`: the string's contents run as a `#pragma` line.
    fn pragma_operator(&mut self, arg: &[PpTok], loc: Loc) -> Result<(), Error> {
        let [s] = arg else {
            return Err(self.err(loc, Directive::BadPragmaOperator));
        };
        let text = self.interner.get(s.sym).to_string();
        let Some(inner) = text.strip_prefix('L').unwrap_or(&text).strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
            return Err(self.err(loc, Directive::BadPragmaOperator));
        };
        let inner = inner.replace("\\\"", "\"").replace("\\\\", "\\");
        let mut toks = lex::lex(&inner, &mut self.interner);
        for t in &mut toks {
            t.loc = loc;
            t.flags &= SPACE;
        }
        self.pragma(&toks, loc)
    }
}

struct SubstCtx<'a> {
    args: &'a [Vec<PpTok>],
    /// Index of the variadic argument.
    va: Option<usize>,
    function_like: bool,
    name: PpTok,
}

/// Index of the `)` matching the `(` at `open` (or the end).
fn matching_paren(body: &[PpTok], open: usize) -> usize {
    let mut depth = 0;
    for (i, t) in body.iter().enumerate().skip(open) {
        if t.is_punct(sym::LPAREN) {
            depth += 1;
        } else if t.is_punct(sym::RPAREN) {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    body.len()
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn bool_text(b: bool) -> String {
    if b { "1" } else { "0" }.to_string()
}
