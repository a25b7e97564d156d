//! Directives: `#define`, `#include`, the conditionals, `#line`,
//! `#error`, `#pragma` (in `pragma.rs`) and the ones that do nothing here.

use super::include::Found;
use super::intern::{sym, Sym};
use super::macros::{self, Origin};
use super::token::{Kind, Loc, PpTok};
use super::{Cond, Guard, Pp, MAX_INCLUDE_DEPTH};
use crate::error::{Directive, Error};

impl Pp {
    /// Run the directive at the reader (a `#` starting a line).
    pub(super) fn directive(&mut self) -> Result<(), Error> {
        let line = self.take_line();
        let hash = line[0];
        let Some(&name) = line.get(1) else { return Ok(()) }; // the null directive
        let args = &line[2..];
        self.track_guard(name.sym, args);
        if name.kind == Kind::Number {
            // a linemarker, `# 33 "file.h" 2`, as gcc -E writes them
            return self.line_directive(&line[1..], hash);
        }
        if name.kind != Kind::Ident {
            let what = self.interner.get(name.sym).to_string();
            return Err(self.err(name.loc, Directive::Invalid { name: what }));
        }
        match name.sym {
            sym::DEFINE => {
                let origin = self.stack.last().map_or(Origin::File, |f| f.origin);
                let interner = &self.interner;
                match macros::parse_define(args, origin, |s| interner.get(s).to_string()) {
                    Ok((name, m)) => self.define(name, m),
                    Err((loc, msg)) => {
                        let loc = if loc == Loc::default() { name.loc } else { loc };
                        return Err(self.err(loc, msg));
                    }
                }
            }
            sym::UNDEF => {
                let n = self.macro_name(args, name)?;
                self.macros.remove(&n);
            }
            sym::INCLUDE | sym::INCLUDE_NEXT | sym::IMPORT => self.include(args, name)?,
            sym::IF => {
                let v = self.eval_if(args, name.loc)?;
                self.open_cond(v, name)?;
            }
            sym::IFDEF | sym::IFNDEF => {
                let n = self.macro_name(args, name)?;
                let v = self.macros.contains_key(&n) == (name.sym == sym::IFDEF);
                self.open_cond(v, name)?;
            }
            sym::ELIF | sym::ELIFDEF | sym::ELIFNDEF | sym::ELSE => {
                // The group before was included, so every later one is skipped.
                let c = self.current_cond(name)?;
                if c.seen_else {
                    let what = self.interner.get(name.sym).to_string();
                    return Err(self.err(name.loc, Directive::AfterElse { name: what }));
                }
                if name.sym == sym::ELSE {
                    self.conds.last_mut().expect("checked").seen_else = true;
                }
                self.skip_group()?;
            }
            sym::ENDIF => {
                self.current_cond(name)?;
                self.close_cond();
            }
            sym::LINE => {
                let expanded = self.expand_list(args)?;
                self.line_directive(&expanded, hash)?;
            }
            sym::ERROR => {
                let text = self.rest_of_line(args);
                return Err(self.err(hash.loc, Directive::Error { text }));
            }
            sym::WARNING => {
                let text = self.rest_of_line(args);
                let (file, line) = self.files.presumed(hash.loc);
                self.warnings.push(format!("{file}:{line}: #warning {text}"));
            }
            sym::PRAGMA => self.pragma(args, hash.loc)?,
            sym::IDENT | sym::SCCS | sym::ASSERT | sym::UNASSERT => {}
            other => {
                let what = self.interner.get(other).to_string();
                return Err(self.err(name.loc, Directive::Invalid { name: what }));
            }
        }
        Ok(())
    }

    /// The identifier after `#ifdef`, `#undef`, ...
    fn macro_name(&self, args: &[PpTok], directive: PpTok) -> Result<Sym, Error> {
        let what = self.interner.get(directive.sym).to_string();
        match args.first() {
            Some(t) if t.kind == Kind::Ident => {
                if t.sym == sym::DEFINED && directive.sym == sym::UNDEF {
                    return Err(self.err(t.loc, Directive::DefinedAsMacroName));
                }
                Ok(t.sym)
            }
            Some(t) => Err(self.err(t.loc, Directive::MacroNameNotIdentifier { directive: what.to_string() })),
            None => Err(self.err(directive.loc, Directive::NoMacroName { directive: what.to_string() })),
        }
    }

    /// The text of a directive line from its first argument, as written.
    fn rest_of_line(&self, args: &[PpTok]) -> String {
        let (Some(first), Some(last)) = (args.first(), args.last()) else { return String::new() };
        let file = self.files.file_of(first.loc);
        let end = (last.loc.off as usize + self.interner.get(last.sym).len()).min(file.text.len());
        file.text.get(first.loc.off as usize..end).unwrap_or("").to_string()
    }

    // ------------------------------------------------------ conditionals

    fn open_cond(&mut self, value: bool, directive: PpTok) -> Result<(), Error> {
        self.conds.push(Cond { taken: value, seen_else: false, loc: directive.loc, name: directive.sym });
        if let Some(f) = self.stack.last_mut() {
            if let Guard::Open(g, usize::MAX) = f.guard {
                f.guard = Guard::Open(g, self.conds.len() - 1);
            }
        }
        if !value {
            self.skip_group()?;
        }
        Ok(())
    }

    /// The innermost conditional, which must belong to the current file.
    fn current_cond(&self, directive: PpTok) -> Result<&Cond, Error> {
        let floor = self.stack.last().map_or(0, |f| f.conds_at_entry);
        if self.conds.len() <= floor {
            let what = self.interner.get(directive.sym).to_string();
            return Err(self.err(directive.loc, Directive::WithoutIf { directive: what }));
        }
        Ok(self.conds.last().expect("checked"))
    }

    fn close_cond(&mut self) {
        self.conds.pop();
        let depth = self.conds.len();
        if let Some(f) = self.stack.last_mut() {
            if let Guard::Open(g, at) = f.guard {
                if at == depth {
                    f.guard = Guard::Closed(g);
                }
            }
        }
    }

    /// Skip lines until the group that ends the innermost conditional's
    /// current group: return at an `#elif` that is true, an `#else`, or
    /// after the `#endif`, if no earlier group was taken.
    fn skip_group(&mut self) -> Result<(), Error> {
        let mut depth = 0usize;
        loop {
            let f = self.stack.last_mut().expect("a file is open");
            while f.pos < f.toks.len() && !(f.toks[f.pos].bol() && f.toks[f.pos].is_punct(sym::HASH)) {
                f.pos += 1;
            }
            if f.pos >= f.toks.len() {
                // leave_file reports the unterminated conditional
                return Ok(());
            }
            let line = self.take_line();
            let Some(name) = line.get(1).filter(|t| t.kind == Kind::Ident) else { continue };
            match name.sym {
                sym::IF | sym::IFDEF | sym::IFNDEF => depth += 1,
                sym::ENDIF if depth > 0 => depth -= 1,
                sym::ENDIF => {
                    self.close_cond();
                    return Ok(());
                }
                sym::ELSE | sym::ELIF | sym::ELIFDEF | sym::ELIFNDEF if depth == 0 => {
                    self.track_guard(name.sym, &[]);
                    let c = self.conds.last().expect("skipping inside a conditional");
                    if c.seen_else {
                        let what = self.interner.get(name.sym).to_string();
                        return Err(self.err(name.loc, Directive::AfterElse { name: what }));
                    }
                    if c.taken {
                        if name.sym == sym::ELSE {
                            self.conds.last_mut().expect("checked").seen_else = true;
                        }
                        continue;
                    }
                    let value = match name.sym {
                        sym::ELSE => {
                            self.conds.last_mut().expect("checked").seen_else = true;
                            true
                        }
                        sym::ELIF => self.eval_if(&line[2..], name.loc)?,
                        _ => {
                            let n = self.macro_name(&line[2..], *name)?;
                            self.macros.contains_key(&n) == (name.sym == sym::ELIFDEF)
                        }
                    };
                    if value {
                        self.conds.last_mut().expect("checked").taken = true;
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }

    /// Follow the include-guard pattern through the file's directives.
    fn track_guard(&mut self, directive: Sym, args: &[PpTok]) {
        let depth = self.conds.len();
        let Some(f) = self.stack.last_mut() else { return };
        f.guard = match f.guard {
            Guard::Start => match directive {
                // The conditional's index is filled in by open_cond.
                sym::IFNDEF => args.first().map_or(Guard::None, |t| Guard::Open(t.sym, usize::MAX)),
                sym::IF => guard_of_if(args).map_or(Guard::None, |g| Guard::Open(g, usize::MAX)),
                _ => Guard::None,
            },
            Guard::Open(_, at)
                if at + 1 == depth && matches!(directive, sym::ELSE | sym::ELIF | sym::ELIFDEF | sym::ELIFNDEF) =>
            {
                Guard::None
            }
            Guard::Open(g, at) => Guard::Open(g, at),
            Guard::Closed(_) | Guard::None => Guard::None,
        };
    }

    // ------------------------------------------------------------ #if

    pub(super) fn eval_if(&mut self, args: &[PpTok], at: Loc) -> Result<bool, Error> {
        if args.is_empty() {
            return Err(self.err(at, Directive::IfWithoutExpression));
        }
        let mut v = Vec::with_capacity(args.len());
        let mut i = 0;
        while i < args.len() {
            let t = args[i];
            if t.is_ident(sym::DEFINED) {
                let (name, next) = match (args.get(i + 1), args.get(i + 2), args.get(i + 3)) {
                    (Some(n), _, _) if n.kind == Kind::Ident => (n.sym, i + 2),
                    (Some(p), Some(n), Some(r))
                        if p.is_punct(sym::LPAREN) && n.kind == Kind::Ident && r.is_punct(sym::RPAREN) =>
                    {
                        (n.sym, i + 4)
                    }
                    _ => {
                        return Err(
                            self.err(t.loc, Directive::DefinedWithoutName { hint: true })
                        )
                    }
                };
                let value = if self.macros.contains_key(&name) { sym::ONE } else { sym::ZERO };
                let mut n = PpTok::new(Kind::Number, value, t.loc);
                n.flags = t.flags;
                v.push(n);
                i = next;
                continue;
            }
            v.push(t);
            i += 1;
        }
        let expanded = self.expand_list(&v)?;
        let macros = &self.macros;
        super::expr::evaluate(&expanded, &self.interner, &|s| macros.contains_key(&s), at)
            .map(|v| v != 0)
            .map_err(|(loc, msg)| self.err(loc, msg))
    }

    // ---------------------------------------------------------- #line

    fn line_directive(&mut self, args: &[PpTok], hash: PpTok) -> Result<(), Error> {
        let bad = || Directive::BadLine;
        let Some(n) = args.first().filter(|t| t.kind == Kind::Number) else {
            return Err(self.err(hash.loc, bad()));
        };
        let Ok(number) = self.interner.get(n.sym).parse::<u32>() else {
            return Err(self.err(n.loc, bad()));
        };
        let name = match args.get(1) {
            Some(t) if t.kind == Kind::Str => {
                let s = self.interner.get(t.sym);
                Some(s.get(1..s.len() - 1).unwrap_or("").to_string())
            }
            None => None,
            Some(t) => return Err(self.err(t.loc, bad())),
        };
        let (physical, _, _) = self.files.file_of(hash.loc).line_col(hash.loc.off);
        let inc = &mut self.files.incs[hash.loc.inc as usize];
        let name = name.or_else(|| inc.line_marks.last().and_then(|m| m.name.clone()));
        inc.line_marks.push(super::files::LineMark { off: hash.loc.off, delta: number as i64 - (physical as i64 + 1), name });
        Ok(())
    }

    // -------------------------------------------------------- #include

    /// `"name"` or `<name>` from a directive's tokens (macro-expanded if
    /// they are neither).
    pub(super) fn header_name(&mut self, args: &[PpTok], at: Loc, expanded: bool) -> Result<(String, bool), Error> {
        let bad = || Directive::BadInclude;
        match args.first() {
            Some(t) if t.kind == Kind::Str => {
                let s = self.interner.get(t.sym);
                if !s.starts_with('"') {
                    return Err(self.err(t.loc, bad()));
                }
                Ok((s[1..s.len() - 1].to_string(), false))
            }
            Some(t) if t.is_punct(sym::LT) => {
                let mut name = String::new();
                for (i, t) in args[1..].iter().enumerate() {
                    if t.is_punct(sym::GT) {
                        return Ok((name, true));
                    }
                    if i > 0 && t.space() {
                        name.push(' ');
                    }
                    name.push_str(self.interner.get(t.sym));
                }
                Err(self.err(t.loc, Directive::MissingAngle))
            }
            Some(_) if !expanded => {
                let again = self.expand_list(args)?;
                self.header_name(&again, at, true)
            }
            _ => Err(self.err(at, bad())),
        }
    }

    /// Find an included header: absolute, next to the includer (`"..."`),
    /// then the search path (from after the includer's directory for
    /// `#include_next`).
    pub(super) fn resolve(&self, name: &str, angled: bool, next: bool) -> Option<(Found, Option<usize>)> {
        let path = std::path::Path::new(name);
        if path.is_absolute() {
            return path.is_file().then(|| (Found::File(path.to_path_buf()), None));
        }
        let current = self.stack.last().map(|f| &self.files.incs[f.inc as usize]);
        let start = match (next, current.and_then(|c| c.dir)) {
            (true, Some(d)) => d + 1,
            _ => 0,
        };
        if !angled && !next {
            let here = self.includer_dir();
            let candidate = here.join(name);
            if candidate.is_file() {
                return Some((Found::File(candidate), None));
            }
        }
        self.search.find(name, start).map(|(f, i)| (f, Some(i)))
    }

    /// The directory of the file being read (`.` for text and built-ins).
    fn includer_dir(&self) -> std::path::PathBuf {
        let file = self.stack.last().map(|f| &self.files.files[self.files.incs[f.inc as usize].file as usize]);
        match file.and_then(|f| f.path.as_ref()).and_then(|p| p.parent()) {
            Some(d) => d.to_path_buf(),
            None => std::path::PathBuf::new(),
        }
    }

    fn include(&mut self, args: &[PpTok], directive: PpTok) -> Result<(), Error> {
        let (name, angled) = self.header_name(args, directive.loc, false)?;
        let next = directive.sym == sym::INCLUDE_NEXT;
        let Some((found, dir)) = self.resolve(&name, angled, next) else {
            let local = (!angled).then(|| self.includer_dir());
            let local = local.map(|d| if d.as_os_str().is_empty() { std::path::PathBuf::from(".") } else { d });
            let shown = if angled { format!("<{name}>") } else { format!("\"{name}\"") };
            return Err(self.err(
                directive.loc,
                Directive::HeaderNotFound { shown, searched: self.search.describe(local.as_deref()) },
            ));
        };
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            return Err(self.err(
                directive.loc,
                Directive::IncludeTooDeep { depth: self.stack.len(), limit: MAX_INCLUDE_DEPTH },
            ));
        }
        let id = self.load(found)?;
        let file = &mut self.files.files[id as usize];
        if file.once || file.guard.is_some_and(|g| self.macros.contains_key(&g)) {
            return Ok(());
        }
        if directive.sym == sym::IMPORT {
            file.once = true;
        }
        self.enter_file(id, dir, Some(directive.loc), Origin::File);
        Ok(())
    }
}

/// `G` for `#if !defined G` / `#if !defined(G)`.
fn guard_of_if(args: &[PpTok]) -> Option<Sym> {
    match args {
        [not, d, n] if not.is_punct(sym::NOT) && d.is_ident(sym::DEFINED) && n.kind == Kind::Ident => Some(n.sym),
        [not, d, l, n, r]
            if not.is_punct(sym::NOT)
                && d.is_ident(sym::DEFINED)
                && l.is_punct(sym::LPAREN)
                && n.kind == Kind::Ident
                && r.is_punct(sym::RPAREN) =>
        {
            Some(n.sym)
        }
        _ => None,
    }
}
