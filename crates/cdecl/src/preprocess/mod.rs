//! A C preprocessor (C17 plus the GNU extensions system headers use), so
//! `cdef_header()` reads real headers without a compiler at run time.
//!
//! Files are lexed once into preprocessing tokens ([`lex`]); the reader
//! ([`Pp::next_raw`]) walks the include stack, runs directives
//! ([`directive`]) and skips false groups; macro expansion ([`expand`])
//! follows Prosser's hide-set algorithm, which is the C standard's
//! semantics exactly; `#if` expressions are in [`expr`]. The result is
//! written by [`output`] as text plus the parser's tokens plus, for every
//! token, its location, so the parser never lexes twice and its errors
//! point into the original files with the include chain.
//!
//! Nothing can loop or overflow: includes stop at depth 200, nested
//! macro arguments at depth 256, and total expansion work is bounded.

mod directive;
mod expand;
mod expr;
mod files;
mod hideset;
mod include;
mod intern;
mod lex;
mod macros;
pub(crate) mod output;
mod pragma;
mod predefined;
mod token;

use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::error::{Directive, Error, Location};
use crate::fxhash::{FxHashMap, FxHashSet};
use crate::Span;
use files::{Files, Inclusion, SourceFile};
use hideset::HideSets;
use include::{Found, SearchPath};
use intern::{sym, Interner, Sym};
use macros::{Builtin, Macro, Origin};
use output::Output;
use token::{Kind, Loc, PpTok};

/// Deepest `#include` nesting (gcc's limit too).
const MAX_INCLUDE_DEPTH: usize = 200;
/// Deepest nesting of macro calls inside macro arguments.
const MAX_ARG_NESTING: u32 = 200;
/// Most tokens all macro expansions of one run may produce.
const MAX_EXPANSION_WORK: u64 = 10_000_000;

/// Options of one preprocessing run.
#[derive(Clone, Debug)]
pub struct PpOptions {
    /// Searched before the system directories (`-I`).
    pub include_dirs: Vec<PathBuf>,
    /// Macros defined before the header, as `-D NAME=VALUE`; a name may
    /// carry parameters (`"F(x)"`).
    pub defines: Vec<(String, String)>,
    /// Use the installed gcc's own headers (stddef.h, ...) when found;
    /// `false` always uses rcffi's embedded ones.
    pub compiler_headers: bool,
}

impl Default for PpOptions {
    fn default() -> Self {
        PpOptions { include_dirs: Vec::new(), defines: Vec::new(), compiler_headers: true }
    }
}

/// What to preprocess.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// A path, or a name found like `#include "name"` from the current
    /// directory (then the include directories, then the system ones).
    Header(&'a str),
    /// Text given directly; `name` is used in diagnostics, and
    /// `#include "..."` looks in the current directory.
    Text {
        /// The name shown in diagnostics.
        name: &'a str,
        /// The source text.
        text: &'a str,
    },
}

/// The result of preprocessing.
pub struct Preprocessed {
    pub(crate) pp: Pp,
}

impl std::fmt::Debug for Preprocessed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preprocessed").field("files", &self.files()).finish_non_exhaustive()
    }
}

impl Preprocessed {
    /// The preprocessed text, one line per source line that produced tokens.
    pub fn text(&self) -> &str {
        &self.pp.out.text[..self.pp.decl_text_end]
    }

    /// `#warning`s and other notes, as `file:line: message`.
    pub fn warnings(&self) -> &[String] {
        &self.pp.warnings
    }

    /// Whether `name` is a macro at the end of the header.
    pub fn is_defined(&self, name: &str) -> bool {
        self.pp.interner.lookup(name).is_some_and(|s| self.pp.macros.contains_key(&s))
    }

    /// The replacement list of a macro, spelled with single spaces.
    pub fn macro_body(&self, name: &str) -> Option<String> {
        let m = self.pp.macros.get(&self.pp.interner.lookup(name)?)?;
        let words: Vec<String> = m
            .body
            .iter()
            .map(|t| if t.kind == Kind::Param { format!("${}", t.sym.0) } else { self.pp.interner.get(t.sym).to_string() })
            .collect();
        Some(words.join(" "))
    }

    /// Every file read, in the order first read.
    pub fn files(&self) -> Vec<String> {
        self.pp.files.files.iter().map(|f| f.display.clone()).collect()
    }
}

/// Preprocess a header (see [`Source`]). Errors are `CDefError`s with the
/// file, line, column and include chain.
pub fn preprocess(source: Source<'_>, options: &PpOptions) -> Result<Preprocessed, Error> {
    crate::counters::preprocessed();
    let mut pp = Pp::new(options);
    pp.run(source, options)?;
    Ok(Preprocessed { pp })
}

/// How far a file's include guard (`#ifndef G / #define G ... #endif`
/// around everything) has been seen, for skipping later inclusions.
#[derive(Clone, Copy, Debug)]
enum Guard {
    Start,
    /// Inside the `#ifndef G`, which is conditional number `.1`.
    Open(Sym, usize),
    Closed(Sym),
    None,
}

struct Frame {
    inc: u32,
    toks: Rc<[PpTok]>,
    pos: usize,
    conds_at_entry: usize,
    guard: Guard,
    origin: Origin,
}

/// One open `#if`.
struct Cond {
    /// Some group of it was (or is being) included.
    taken: bool,
    seen_else: bool,
    loc: Loc,
    name: Sym,
}

/// An object-like macro of the header, fully expanded, for the parser
/// to evaluate as an integer constant.
pub(crate) struct MacroConst {
    pub name: String,
    pub toks: Vec<crate::lexer::Token>,
}

pub(crate) struct Pp {
    pub(crate) interner: Interner,
    hs: HideSets,
    pub(crate) macros: FxHashMap<Sym, Macro>,
    /// Macros defined by files, in order of first definition.
    macro_order: Vec<Sym>,
    macro_seen: FxHashSet<Sym>,
    pub(crate) files: Files,
    file_ids: FxHashMap<PathBuf, u32>,
    stack: Vec<Frame>,
    /// Tokens to read before the current file (macro expansions), reversed.
    pending: Vec<PpTok>,
    conds: Vec<Cond>,
    pub(crate) out: Output,
    /// End of the declarations in `out.text` (macro bodies follow).
    decl_text_end: usize,
    search: SearchPath,
    pack: pragma::PackState,
    pushed_macros: FxHashMap<Sym, Vec<Option<Macro>>>,
    pub(crate) warnings: Vec<String>,
    counter: u32,
    work: u64,
    nesting: u32,
    main_inc: u32,
}

impl Pp {
    fn new(options: &PpOptions) -> Pp {
        let mut interner = Interner::new();
        let mut macros = FxHashMap::default();
        for (name, b) in Builtin::ALL {
            macros.insert(interner.intern(name), Macro::builtin(*b));
        }
        Pp {
            interner,
            hs: HideSets::new(),
            macros,
            macro_order: Vec::new(),
            macro_seen: FxHashSet::default(),
            files: Files::default(),
            file_ids: FxHashMap::default(),
            stack: Vec::new(),
            pending: Vec::new(),
            conds: Vec::new(),
            out: Output::default(),
            decl_text_end: 0,
            search: SearchPath::new(&options.include_dirs, options.compiler_headers),
            pack: pragma::PackState::default(),
            pushed_macros: FxHashMap::default(),
            warnings: Vec::new(),
            counter: 0,
            work: 0,
            nesting: 0,
            main_inc: 0,
        }
    }

    fn run(&mut self, source: Source<'_>, options: &PpOptions) -> Result<(), Error> {
        let builtin = self.add_file(SourceFile::new("<built-in>".into(), None, predefined::source()));
        self.enter_file(builtin, None, None, Origin::Predefined);
        self.drain_directives()?;
        let mut cmdline = String::new();
        for (name, value) in &options.defines {
            cmdline.push_str(&format!("#define {name} {value}\n"));
        }
        let cl = self.add_file(SourceFile::new("<command line>".into(), None, cmdline));
        self.enter_file(cl, None, None, Origin::CommandLine);
        self.drain_directives()?;
        // gcc always pre-includes the C library's stdc-predef.h.
        if let Some((found, dir)) = self.search.find("stdc-predef.h", 0) {
            let id = self.load(found)?;
            self.enter_file(id, Some(dir), None, Origin::Predefined);
            self.drain_directives()?;
        }
        let main = match source {
            Source::Text { name, text } => self.add_file(SourceFile::new(name.to_string(), None, text.to_string())),
            Source::Header(h) => {
                let (found, dir) = self.find_main(h)?;
                let id = self.load(found)?;
                self.enter_file(id, dir, None, Origin::File);
                self.main_inc = self.files.incs.len() as u32 - 1;
                return self.main_loop();
            }
        };
        self.enter_file(main, None, None, Origin::File);
        self.main_inc = self.files.incs.len() as u32 - 1;
        self.main_loop()
    }

    fn main_loop(&mut self) -> Result<(), Error> {
        loop {
            let t = self.next_expanded()?;
            match t.kind {
                Kind::Eof => break,
                Kind::End | Kind::Placemarker => continue,
                _ => {}
            }
            if self.out.toks.len() >= u32::MAX as usize / 8 {
                return Err(self.err(t.loc, Directive::TooLarge));
            }
            self.out.push(&t, &self.interner);
        }
        self.out.finish_tokens();
        self.decl_text_end = self.out.text.len();
        Ok(())
    }

    /// Run a predefinition file to its end (it only has directives).
    fn drain_directives(&mut self) -> Result<(), Error> {
        let depth = self.stack.len();
        while self.stack.len() >= depth {
            let t = self.next_raw()?;
            if t.kind == Kind::Eof {
                break;
            }
        }
        Ok(())
    }

    /// The main header: a path, else like `#include "name"` from the
    /// current directory.
    fn find_main(&self, header: &str) -> Result<(Found, Option<usize>), Error> {
        let p = Path::new(header);
        if p.is_file() {
            return Ok((Found::File(p.to_path_buf()), None));
        }
        if !p.is_absolute() {
            if let Some((f, i)) = self.search.find(header, 0) {
                return Ok((f, Some(i)));
            }
        }
        Err(Error::cdef(Directive::RootHeaderNotFound {
            header: header.to_string(),
            cwd: std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_else(|_| ".".into()),
            searched: self.search.describe(None),
        }))
    }

    // ------------------------------------------------------------ files

    fn add_file(&mut self, f: SourceFile) -> u32 {
        self.files.files.push(f);
        self.files.files.len() as u32 - 1
    }

    /// Read a found header once; later finds of the same file reuse it.
    fn load(&mut self, found: Found) -> Result<u32, Error> {
        let (key, display, path, text) = match found {
            Found::File(path) => {
                let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                if let Some(&id) = self.file_ids.get(&key) {
                    return Ok(id);
                }
                let bytes =
                    std::fs::read(&path).map_err(|e| Error::cdef(Directive::CannotRead { path: path.display().to_string(), reason: e.to_string() }))?;
                let text = match String::from_utf8(bytes) {
                    Ok(s) => s,
                    Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                };
                (key, path.display().to_string(), Some(path), text)
            }
            Found::Builtin(name, text) => {
                let display = format!("{}/{name}", include::BUILTIN_DIR);
                let key = PathBuf::from(&display);
                if let Some(&id) = self.file_ids.get(&key) {
                    return Ok(id);
                }
                (key, display, None, text.to_string())
            }
        };
        let id = self.add_file(SourceFile::new(display, path, text));
        self.file_ids.insert(key, id);
        Ok(id)
    }

    fn enter_file(&mut self, file: u32, dir: Option<usize>, from: Option<Loc>, origin: Origin) {
        let f = &mut self.files.files[file as usize];
        let toks = match &f.toks {
            Some(t) => t.clone(),
            None => {
                let t: Rc<[PpTok]> = lex::lex(&f.text, &mut self.interner).into();
                f.toks = Some(t.clone());
                t
            }
        };
        self.files.incs.push(Inclusion { file, from, dir, line_marks: Vec::new() });
        let inc = self.files.incs.len() as u32 - 1;
        self.stack.push(Frame { inc, toks, pos: 0, conds_at_entry: self.conds.len(), guard: Guard::Start, origin });
    }

    fn leave_file(&mut self) -> Result<(), Error> {
        let f = self.stack.pop().expect("a file is open");
        if self.conds.len() > f.conds_at_entry {
            let c = &self.conds[f.conds_at_entry];
            let what = self.interner.get(c.name).to_string();
            return Err(self.err(c.loc, Directive::Unterminated { directive: what }));
        }
        if let Guard::Closed(g) = f.guard {
            let file = self.files.incs[f.inc as usize].file;
            self.files.files[file as usize].guard = Some(g);
        }
        Ok(())
    }

    // ---------------------------------------------------------- reading

    fn eof(&self) -> PpTok {
        PpTok::new(Kind::Eof, sym::EMPTY, Loc::default())
    }

    /// The next token before macro expansion: pending expansion output
    /// first, then the current file, running directives on the way.
    fn next_raw(&mut self) -> Result<PpTok, Error> {
        if let Some(t) = self.pending.pop() {
            return Ok(t);
        }
        loop {
            let Some(f) = self.stack.last_mut() else { return Ok(self.eof()) };
            let Some(&tok) = f.toks.get(f.pos) else {
                self.leave_file()?;
                continue;
            };
            let mut t = tok;
            t.loc.inc = f.inc;
            if t.bol() && t.is_punct(sym::HASH) {
                self.directive()?;
                continue;
            }
            f.pos += 1;
            if !matches!(f.guard, Guard::Open(..)) {
                f.guard = Guard::None;
            }
            return Ok(t);
        }
    }

    /// The tokens of the directive line at the reader (from the `#`).
    fn take_line(&mut self) -> Vec<PpTok> {
        let f = self.stack.last_mut().expect("a file is open");
        let start = f.pos;
        let mut end = start + 1;
        while end < f.toks.len() && !f.toks[end].bol() {
            end += 1;
        }
        f.pos = end;
        let inc = f.inc;
        f.toks[start..end]
            .iter()
            .map(|t| {
                let mut t = *t;
                t.loc.inc = inc;
                t
            })
            .collect()
    }

    // ------------------------------------------------------- diagnostics

    /// The length of the source token at `loc` (for the caret).
    fn width_at(&self, loc: Loc) -> u32 {
        let Some(inc) = self.files.incs.get(loc.inc as usize) else { return 1 };
        let Some(toks) = &self.files.files[inc.file as usize].toks else { return 1 };
        let i = toks.partition_point(|t| t.loc.off < loc.off);
        match toks.get(i) {
            Some(t) if t.loc.off == loc.off => self.interner.get(t.sym).len() as u32,
            _ => 1,
        }
    }

    pub(crate) fn location(&self, loc: Loc, width: Option<u32>) -> Option<Location> {
        if loc.inc as usize >= self.files.incs.len() {
            return None;
        }
        Some(self.files.location(loc, width.unwrap_or_else(|| self.width_at(loc))))
    }

    fn err(&self, loc: Loc, msg: Directive) -> Error {
        let mut e = Error::cdef(msg);
        e.location = self.location(loc, None);
        e
    }

    /// The location of a byte range of the output text (a parser error):
    /// the first token's source position, underlined to the last token
    /// when both are on the same source line.
    pub(crate) fn locate_span(&self, span: Span) -> Option<Location> {
        let start = self.out.loc_at(span.start)?;
        let last = self.out.loc_at(span.end.saturating_sub(1).max(span.start)).unwrap_or(start);
        let mut width = self.width_at(start);
        if last.inc == start.inc && last.off > start.off {
            let file = self.files.file_of(start);
            let end = (last.off + self.width_at(last)) as usize;
            if let Some(between) = file.text.get(start.off as usize..end) {
                if !between.contains('\n') {
                    width = between.len() as u32;
                }
            }
        }
        self.location(start, Some(width))
    }

    // ----------------------------------------------------------- macros

    fn define(&mut self, name: Sym, m: Macro) {
        if m.origin == Origin::File && self.macro_seen.insert(name) {
            self.macro_order.push(name);
        }
        self.macros.insert(name, m);
    }

    /// Object-like macros defined by the header's files and still defined
    /// at its end, expanded, for `keep(name)` names. The expansions are
    /// appended to the output text (so errors can point at them).
    pub(crate) fn macro_constants(&mut self, keep: &dyn Fn(&str) -> bool) -> Vec<MacroConst> {
        let mut result = Vec::new();
        let order = std::mem::take(&mut self.macro_order);
        for &name in &order {
            let Some(m) = self.macros.get(&name) else { continue };
            if m.origin != Origin::File || m.params.is_some() || m.body.is_empty() {
                continue;
            }
            let def_loc = m.loc;
            let text = self.interner.get(name).to_string();
            if !keep(&text) {
                continue;
            }
            let mut tok = PpTok::new(Kind::Ident, name, def_loc);
            tok.flags = token::BOL;
            self.pending.clear();
            let Ok(expanded) = self.expand_list(&[tok]) else { continue };
            if expanded.len() == 1 && expanded[0].is_ident(name) {
                continue; // `#define stdin stdin`
            }
            self.out.newline();
            let mut toks = Vec::with_capacity(expanded.len() + 1);
            for t in &expanded {
                let s = self.interner.get(t.sym);
                let mut located = *t;
                located.loc = def_loc;
                let span = self.out.write(&located, s);
                toks.push(output::convert(t.kind, s, &self.out.text, span));
            }
            let end = self.out.text.len();
            toks.push(crate::lexer::Token { kind: crate::lexer::Tok::Eof, span: Span::new(end, end), value: 0 });
            result.push(MacroConst { name: text, toks });
        }
        self.macro_order = order;
        result
    }
}

#[cfg(test)]
mod tests;
