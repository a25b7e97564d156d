//! Recursive-descent parser for the cdef language.
//!
//! The text is lexed once ([`crate::lexer`]); `#` directives are handled in
//! a first pass (cffi also processes every `#define` before the
//! declarations), then declarations are parsed one by one. Everything a
//! `cdef()` adds is first *staged* next to the registry and only merged
//! when the whole text parsed, so a failing `cdef()` adds nothing. Records
//! and enums that already existed in the arena and get changed (a forward
//! declaration completed, a name forced by a typedef) are saved first and
//! restored on failure.
//!
//! Submodules: [`decl`] (specifiers, declarators, structs, enums),
//! [`common`] (types cffi knows without a declaration), and
//! `crate::consteval` (integer constant expressions).

mod common;
mod decl;
pub(crate) mod header;
mod keep;
mod typed_const;

use crate::fxhash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::error::{ErrorKind, Syntax};
use crate::lexer::{self, Kw, Tok, Token};
use crate::registry::{CdefOptions, CdefReport, ConstValue, DeclKind, Declaration, Registry};
use crate::types::{EnumDef, EnumId, Prim, Record, RecordId, Type, TypeArena, TypeId};
use crate::{Error, Span};


/// What one `cdef()` adds, merged into the [`Registry`] on success.
#[derive(Default)]
pub(crate) struct Staged {
    pub decls: Vec<Declaration>,
    pub by_name: HashMap<String, usize>,
    pub typedefs: HashMap<String, TypeId>,
    pub typedef_order: Vec<String>,
    pub struct_tags: HashMap<String, TypeId>,
    pub union_tags: HashMap<String, TypeId>,
    pub enum_tags: HashMap<String, TypeId>,
    /// Integer constants defined by this text (`#define`, enumerators,
    /// `static const int N = 5;`), for constant expressions.
    pub consts: HashMap<String, i128>,
    /// Header mode: names skipped, with why (see `Registry::skipped`).
    pub skipped: HashMap<String, String>,
}

/// The result of looking a name up as an integer constant.
pub(crate) enum ConstLookup {
    Known(i128),
    /// `#define N ...` / `static const int N;`
    Unknown,
    Missing,
}

/// Which kind of tag namespace.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagKind {
    Struct,
    Union,
    Enum,
}

impl TagKind {
    pub fn keyword(self) -> &'static str {
        match self {
            TagKind::Struct => "struct",
            TagKind::Union => "union",
            TagKind::Enum => "enum",
        }
    }
}

/// Parser state over one token stream.
pub(crate) struct Parser<'a> {
    pub src: &'a str,
    pub source_name: &'a str,
    pub toks: Vec<Token>,
    pub pos: usize,
    pub reg: &'a Registry,
    pub arena: &'a mut TypeArena,
    pub st: Staged,
    /// `None` when parsing a type string (`ffi.typeof`).
    pub options: Option<&'a CdefOptions>,
    pub warnings: Vec<String>,
    /// Inside `extern "Python"` (the flag is `plus_c`).
    pub extern_python: Option<bool>,
    /// Parsing a type string: messages get pycparser's "before: X" hint.
    pub type_mode: bool,
    /// Recursion depth guard (nested declarators, expressions).
    pub depth: u32,
    /// `[...]` is allowed as an array length in the current context.
    pub partial_len_ok: bool,
    /// A `[...]` length was used since the flag was last cleared.
    pub saw_partial_len: bool,
    records_at_start: usize,
    enums_at_start: usize,
    touched_records: HashSet<u32>,
    touched_enums: HashSet<u32>,
    undo_records: Vec<(RecordId, Record)>,
    undo_enums: Vec<(EnumId, EnumDef)>,
    /// Real-header mode (see `CdefOptions::header_mode`).
    pub header_mode: bool,
    /// Names `#define`d by this text (not C identifiers: a typedef may
    /// share one).
    pub macro_names: HashSet<String>,
    /// Header mode: state of the declaration being parsed and what was
    /// skipped (see `parser/header.rs`).
    pub hdr: header::HeaderState<'a>,
}

/// Deepest nesting of declarators or expressions accepted (the parser is
/// recursive; this keeps hostile input from overflowing the stack).
const MAX_DEPTH: u32 = 200;

/// Run `parse` with the arena numbering anonymous types from where this
/// registry left off (`struct $1`, `$2`, ... per FFI, as cffi names them).
pub(crate) fn numbering_anonymous_types_of<T>(
    reg: &mut Registry,
    arena: &mut TypeArena,
    parse: impl FnOnce(&mut Registry, &mut TypeArena) -> Result<T, Error>,
) -> Result<T, Error> {
    let others = arena.swap_anonymous_counter(reg.anonymous_count.get(), true);
    let result = parse(reg, arena);
    let own = arena.swap_anonymous_counter(others, false);
    if result.is_ok() {
        reg.anonymous_count.set(own);
    }
    result
}

pub(crate) fn cdef(reg: &mut Registry, arena: &mut TypeArena, source: &str, options: &CdefOptions) -> Result<CdefReport, Error> {
    numbering_anonymous_types_of(reg, arena, |reg, arena| cdef_numbered(reg, arena, source, options))
}

fn cdef_numbered(reg: &mut Registry, arena: &mut TypeArena, source: &str, options: &CdefOptions) -> Result<CdefReport, Error> {
    crate::counters::parsed();
    let toks = lexer::lex(&options.source_name, source).map_err(|e| follow_line_markers(source, e))?;
    let (staged, warnings) = {
        let mut p = Parser::new(reg, arena, source, &options.source_name, toks, Some(options));
        match p.run_cdef() {
            Ok(()) => (std::mem::take(&mut p.st), std::mem::take(&mut p.warnings)),
            Err(e) => {
                p.rollback();
                return Err(follow_line_markers(source, e));
            }
        }
    };
    merge(reg, staged);
    Ok(CdefReport { warnings })
}

/// Report an error against the file and line named by the last
/// `# N "file"` / `#line N "file"` marker above it (text produced by
/// `gcc -E` keeps pointing into the original headers). A marker without a
/// file name keeps the previous one. Only called on failure: the scan of
/// the text above the error costs nothing on success.
fn follow_line_markers(source: &str, mut e: Error) -> Error {
    let Some(loc) = e.location.as_mut() else { return e };
    if loc.origin != crate::error::Origin::Cdef || !loc.included_from.is_empty() {
        return e;
    }
    let mut marker: Option<(u32, u32, Option<&str>)> = None; // (line of marker, N, file)
    for (i, line) in source.lines().enumerate().take(loc.line.saturating_sub(1) as usize) {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix('#') else { continue };
        let rest = rest.trim_start();
        let rest = rest.strip_prefix("line").map_or(rest, str::trim_start);
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let Ok(n) = rest[..digits].parse::<u32>() else { continue };
        let file = rest[digits..].trim_start().strip_prefix('"').and_then(|f| f.split('"').next());
        let keep_file = marker.and_then(|m| m.2);
        marker = Some((i as u32 + 1, n, file.or(keep_file)));
    }
    if let Some((at, n, file)) = marker {
        loc.line = n.saturating_add(loc.line - at - 1);
        if let Some(f) = file {
            loc.source_name = f.to_string();
        }
        loc.from_line_marker = true;
    }
    e
}

/// The source name used for errors in type strings.
pub(crate) const TYPE_SOURCE_NAME: &str = "<type string>";

pub(crate) fn parse_type(reg: &Registry, arena: &mut TypeArena, text: &str) -> Result<TypeId, Error> {
    let in_type_string = |e: Error| e.in_origin(crate::error::Origin::TypeString);
    let toks = lexer::lex(TYPE_SOURCE_NAME, text).map_err(in_type_string)?;
    // anonymous records of a type string take the registry's next numbers,
    // as in cffi (one counter per FFI for cdefs and type strings)
    let others = arena.swap_anonymous_counter(reg.anonymous_count.get(), false);
    let r = {
        let mut p = Parser::new(reg, arena, text, TYPE_SOURCE_NAME, toks, None);
        p.type_mode = true;
        let r = p.type_string();
        if r.is_err() {
            p.rollback();
        }
        r
    };
    let own = arena.swap_anonymous_counter(others, false);
    if r.is_ok() {
        reg.anonymous_count.set(own);
    }
    r.map_err(in_type_string)
}

pub(crate) fn include(reg: &mut Registry, other: &Registry) -> Result<(), Error> {
    // Validate everything first so a conflict adds nothing.
    let check = |mine: &HashMap<String, TypeId>, theirs: &HashMap<String, TypeId>, what: &'static str| -> Result<(), Error> {
        for (name, ty) in theirs {
            if let Some(old) = mine.get(name) {
                if old != ty {
                    return Err(Error::ffi(Syntax::Redeclared { what, name: name.clone() }));
                }
            }
        }
        Ok(())
    };
    check(&reg.typedefs, &other.typedefs, "typedef")?;
    check(&reg.struct_tags, &other.struct_tags, "struct")?;
    check(&reg.union_tags, &other.union_tags, "union")?;
    check(&reg.enum_tags, &other.enum_tags, "enum")?;
    let int_value = |d: &Declaration| match d.kind {
        DeclKind::Constant { value: ConstValue::Int(v), .. } | DeclKind::EnumConstant { value: v, .. } => Some(v),
        _ => None,
    };
    for d in &other.decls {
        if let (Some(v), Some(old)) = (int_value(d), reg.lookup(&d.name)) {
            if int_value(old) != Some(v) && old.kind != d.kind {
                return Err(Error::ffi(crate::Message::ConstantDeclaredTwice { name: d.name.clone() }));
            }
        }
    }
    for name in &other.typedef_order {
        if !reg.typedefs.contains_key(name) {
            reg.typedefs.insert(name.clone(), other.typedefs[name]);
            reg.typedef_order.push(name.clone());
        }
    }
    for (mine, theirs) in [
        (&mut reg.struct_tags, &other.struct_tags),
        (&mut reg.union_tags, &other.union_tags),
        (&mut reg.enum_tags, &other.enum_tags),
    ] {
        for (k, v) in theirs {
            mine.entry(k.clone()).or_insert(*v);
        }
    }
    for d in &other.decls {
        if int_value(d).is_some() && !reg.by_name.contains_key(&d.name) {
            reg.by_name.insert(d.name.clone(), reg.decls.len());
            reg.decls.push(d.clone());
        }
    }
    Ok(())
}

pub(crate) fn merge(reg: &mut Registry, st: Staged) {
    reg.skipped.extend(st.skipped);
    for d in st.decls {
        match reg.by_name.get(&d.name) {
            Some(&i) => reg.decls[i] = d,
            None => {
                reg.by_name.insert(d.name.clone(), reg.decls.len());
                reg.decls.push(d);
            }
        }
    }
    for name in st.typedef_order {
        let ty = st.typedefs[&name];
        if reg.typedefs.insert(name.clone(), ty).is_none() {
            reg.typedef_order.push(name);
        }
    }
    reg.struct_tags.extend(st.struct_tags);
    reg.union_tags.extend(st.union_tags);
    reg.enum_tags.extend(st.enum_tags);
}

impl<'a> Parser<'a> {
    pub(crate) fn new(
        reg: &'a Registry,
        arena: &'a mut TypeArena,
        src: &'a str,
        source_name: &'a str,
        toks: Vec<Token>,
        options: Option<&'a CdefOptions>,
    ) -> Parser<'a> {
        let records_at_start = arena.record_count();
        let enums_at_start = arena.enum_count();
        Parser {
            src,
            source_name,
            toks,
            pos: 0,
            reg,
            arena,
            st: Staged::default(),
            options,
            warnings: Vec::new(),
            extern_python: None,
            type_mode: false,
            depth: 0,
            partial_len_ok: false,
            saw_partial_len: false,
            records_at_start,
            enums_at_start,
            touched_records: HashSet::default(),
            touched_enums: HashSet::default(),
            undo_records: Vec::new(),
            undo_enums: Vec::new(),
            header_mode: options.is_some_and(|o| o.header_mode),
            macro_names: HashSet::default(),
            hdr: header::HeaderState::default(),
        }
    }

    // ------------------------------------------------------------ tokens

    pub fn peek(&self) -> Token {
        self.toks[self.pos]
    }

    pub fn peek_kind(&self) -> Tok {
        self.toks[self.pos].kind
    }

    pub fn peek_nth(&self, n: usize) -> Token {
        let i = (self.pos + n).min(self.toks.len() - 1);
        self.toks[i]
    }

    pub fn bump(&mut self) -> Token {
        let t = self.toks[self.pos];
        if t.kind != Tok::Eof {
            self.pos += 1;
        }
        t
    }

    pub fn eat(&mut self, kind: Tok) -> bool {
        if self.peek_kind() == kind {
            self.bump();
            true
        } else {
            false
        }
    }

    pub fn text(&self, span: Span) -> &'a str {
        &self.src[span.start as usize..span.end as usize]
    }

    pub fn tok_text(&self, t: Token) -> &'a str {
        self.text(t.span)
    }

    /// The previous token's span (for "after X" positions).
    pub fn prev_span(&self) -> Span {
        if self.pos == 0 {
            self.toks[0].span
        } else {
            self.toks[self.pos - 1].span
        }
    }

    /// Expect a token of `kind`; `what` says what was expected.
    pub fn expect(&mut self, kind: Tok, what: &str) -> Result<Token, Error> {
        if self.peek_kind() == kind {
            Ok(self.bump())
        } else {
            Err(self.unexpected(what))
        }
    }

    pub fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let span = self.peek().span;
            return Err(self.error(ErrorKind::CDef, span, Syntax::NestingTooDeep { limit: MAX_DEPTH }));
        }
        Ok(())
    }

    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    // ------------------------------------------------------------ errors

    pub fn error(&self, kind: ErrorKind, span: Span, msg: impl Into<crate::Message>) -> Error {
        let mut e = Error::new(kind, msg);
        e.location = Some(self.location_of(span));
        e
    }

    /// Where `span` is; in preprocessed text, in the original files.
    pub fn location_of(&self, span: Span) -> crate::Location {
        match self.hdr.locator.and_then(|locate| locate(span)) {
            Some(loc) => loc,
            None => crate::Location::from_span(self.source_name, self.src, span),
        }
    }

    pub fn cdef_err(&self, span: Span, msg: impl Into<crate::Message>) -> Error {
        self.error(ErrorKind::CDef, span, msg)
    }

    pub fn ffi_err(&self, span: Span, msg: impl Into<crate::Message>) -> Error {
        self.error(ErrorKind::Ffi, span, msg)
    }

    /// `expected X, found Y` at the current token (plus pycparser's
    /// `before: Y` wording in type strings, which users grep for).
    pub fn unexpected(&self, expected: &str) -> Error {
        self.unexpected_in("", expected)
    }

    /// [`Parser::unexpected`] with a leading context (`Invalid declaration: ...`).
    pub fn unexpected_in(&self, context: &str, expected: &str) -> Error {
        let t = self.peek();
        let msg = crate::Message::Expected {
            context: context.to_string(),
            expected: expected.to_string(),
            found: lexer::describe(&t, self.src),
            before: (self.type_mode && t.kind != Tok::Eof).then(|| self.tok_text(t).to_string()),
        };
        self.cdef_err(t.span, msg).as_syntax()
    }

    // ------------------------------------------------------- undo/restore

    /// Call before mutating a record that may predate this parse.
    pub fn touch_record(&mut self, rid: RecordId) {
        if (rid.0 as usize) < self.records_at_start && self.touched_records.insert(rid.0) {
            self.undo_records.push((rid, self.arena.record(rid).clone()));
        }
    }

    pub fn touch_enum(&mut self, eid: EnumId) {
        if (eid.0 as usize) < self.enums_at_start && self.touched_enums.insert(eid.0) {
            self.undo_enums.push((eid, self.arena.enum_def(eid).clone()));
        }
    }

    pub(crate) fn rollback(&mut self) {
        for (rid, rec) in self.undo_records.drain(..) {
            *self.arena.record_mut(rid) = rec;
        }
        for (eid, e) in self.undo_enums.drain(..) {
            *self.arena.enum_def_mut(eid) = e;
        }
    }

    // ----------------------------------------------------------- lookups

    pub fn lookup_typedef(&self, name: &str) -> Option<TypeId> {
        self.st.typedefs.get(name).or_else(|| self.reg.typedefs.get(name)).copied()
    }

    pub fn lookup_tag(&self, kind: TagKind, name: &str) -> Option<TypeId> {
        let (mine, theirs) = match kind {
            TagKind::Struct => (&self.st.struct_tags, &self.reg.struct_tags),
            TagKind::Union => (&self.st.union_tags, &self.reg.union_tags),
            TagKind::Enum => (&self.st.enum_tags, &self.reg.enum_tags),
        };
        mine.get(name).or_else(|| theirs.get(name)).copied().or_else(|| self.reg.implicit_tags.get(kind as u8, name))
    }

    /// A tag mentioned without a definition and not known: a new opaque
    /// type. In a cdef it is declared; in a type string it is remembered
    /// as an implicit tag of the registry (cffi declares it either way).
    pub fn new_implicit_tag(&mut self, kind: TagKind, name: &str, ty: TypeId) {
        if self.options.is_some() {
            self.declare_tag(kind, name, ty);
        } else {
            self.reg.implicit_tags.insert(kind as u8, name, ty);
        }
    }

    pub fn declare_tag(&mut self, kind: TagKind, name: &str, ty: TypeId) {
        let map = match kind {
            TagKind::Struct => &mut self.st.struct_tags,
            TagKind::Union => &mut self.st.union_tags,
            TagKind::Enum => &mut self.st.enum_tags,
        };
        map.insert(name.to_string(), ty);
    }

    pub fn lookup_decl(&self, name: &str) -> Option<&Declaration> {
        match self.st.by_name.get(name) {
            Some(&i) => Some(&self.st.decls[i]),
            None => self.reg.lookup(name),
        }
    }

    pub fn lookup_const(&self, name: &str) -> ConstLookup {
        if let Some(&v) = self.st.consts.get(name) {
            return ConstLookup::Known(v);
        }
        match self.lookup_decl(name).map(|d| &d.kind) {
            Some(DeclKind::Constant { value: ConstValue::Int(v), .. }) | Some(DeclKind::EnumConstant { value: v, .. }) => {
                ConstLookup::Known(*v)
            }
            Some(DeclKind::Constant { value: ConstValue::Unknown, .. }) => ConstLookup::Unknown,
            _ => ConstLookup::Missing,
        }
    }

    /// Whether `name` names a type here (typedef or built-in name).
    pub fn is_type_name(&self, name: &str) -> bool {
        self.lookup_typedef(name).is_some()
            || common::is_common_type_name(name)
            || (self.header_mode && header::is_gnu_type_word(name))
    }

    // ------------------------------------------------------ declarations

    /// C gives typedef names and other ordinary identifiers one scope, and
    /// cffi refuses a function, variable, constant or enumerator named like
    /// a typedef of this `FFI` (this text's or an earlier one's), whatever
    /// `override`; `#define` names are not in that scope. (Headers follow
    /// their own redeclaration rules.)
    pub fn check_not_a_typedef(&self, name: &str, span: Span) -> Result<(), Error> {
        if self.header_mode || self.lookup_typedef(name).is_none() {
            return Ok(());
        }
        Err(self.cdef_err(span, Syntax::NonTypedefNamedLikeTypedef { name: name.to_string() }).as_syntax())
    }

    /// The other direction: a typedef named like a function, variable,
    /// constant or enumerator of the same text (cffi accepts it when the
    /// other name came from an earlier `cdef()`).
    pub fn check_not_a_non_typedef(&self, name: &str, span: Span) -> Result<(), Error> {
        if self.header_mode || !self.st.by_name.contains_key(name) || self.macro_names.contains(name) {
            return Ok(());
        }
        Err(self.cdef_err(span, Syntax::TypedefNamedLikeNonTypedef { name: name.to_string() }).as_syntax())
    }

    fn no_redeclare_msg(what: &'static str, name: &str) -> Syntax {
        Syntax::Redeclared { what, name: name.to_string() }
    }

    /// Record an integer constant (cffi's `_add_constants`): the same
    /// value again is fine, another value is an error even with override.
    pub fn add_int_constant(&mut self, name: &str, value: i128, span: Span) -> Result<bool, Error> {
        match self.lookup_const(name) {
            ConstLookup::Known(v) if v == value => return Ok(false),
            ConstLookup::Known(_) => {
                return Err(self.ffi_err(span, crate::Message::ConstantDeclaredTwice { name: name.to_string() }));
            }
            _ => {}
        }
        self.st.consts.insert(name.to_string(), value);
        Ok(true)
    }

    /// Add a declaration to the function/variable/constant namespace with
    /// cffi's redeclaration rule: the very same declaration again (same
    /// kind, same type object — only types named directly qualify, as cffi
    /// builds a new object for every pointer, array and function) is
    /// ignored; anything else needs `override=True`.
    pub fn declare(&mut self, name: &str, kind: DeclKind, span: Span, same_object_ok: bool) -> Result<(), Error> {
        let decl = Declaration { name: name.to_string(), kind, span };
        if let Some(old) = self.lookup_decl(name) {
            if same_object_ok && old.kind == decl.kind {
                return Ok(());
            }
            if self.header_mode {
                return self.header_redeclare(decl);
            }
            let override_ok = self.options.is_some_and(|o| o.override_existing);
            let both_consts = matches!(old.kind, DeclKind::Constant { .. } | DeclKind::EnumConstant { .. })
                && matches!(decl.kind, DeclKind::Constant { .. } | DeclKind::EnumConstant { .. });
            if !override_ok && !both_consts {
                let what = kind_word(&decl.kind);
                return Err(self.ffi_err(span, Self::no_redeclare_msg(what, name)));
            }
            if let Some(&i) = self.st.by_name.get(name) {
                self.st.decls[i] = decl;
                return Ok(());
            }
        }
        self.st.by_name.insert(name.to_string(), self.st.decls.len());
        self.st.decls.push(decl);
        self.log_item(header::Item::Decl(name.to_string()));
        Ok(())
    }

    pub fn declare_typedef(&mut self, name: &str, ty: TypeId, span: Span, same_object_ok: bool) -> Result<(), Error> {
        if let Some(old) = self.lookup_typedef(name) {
            if (same_object_ok || self.header_mode) && old == ty {
                return Ok(());
            }
            if self.header_mode {
                // C11 allows repeating a typedef; two headers may both
                // define an anonymous struct under one name. First wins.
                return Ok(());
            }
            if !self.options.is_some_and(|o| o.override_existing) {
                return Err(self.ffi_err(span, Self::no_redeclare_msg("typedef", name)));
            }
        }
        if self.st.typedefs.insert(name.to_string(), ty).is_none() {
            self.st.typedef_order.push(name.to_string());
            self.log_item(header::Item::Typedef(name.to_string()));
        }
        Ok(())
    }

    // ------------------------------------------------------------- cdef

    pub(crate) fn run_cdef(&mut self) -> Result<(), Error> {
        if self.header_mode {
            return self.run_header();
        }
        self.directives()?;
        // Every `#` line is handled now (`#define`s declared, line markers
        // read back only for error positions by `follow_line_markers`):
        // dropped, they may stand anywhere, in an enum or a struct body
        // too, as cffi allows (`gcc -E` output puts them everywhere).
        self.toks.retain(|t| t.kind != Tok::Directive);
        loop {
            match self.peek_kind() {
                Tok::Eof => return Ok(()),
                Tok::Directive | Tok::Semi => {
                    self.bump();
                }
                Tok::Kw(Kw::Extern) if self.peek_nth(1).kind == Tok::Str => self.extern_block()?,
                Tok::RBrace | Tok::RParen | Tok::RBracket => {
                    let t = self.peek();
                    let closer = self.tok_text(t);
                    return Err(self.cdef_err(t.span, Syntax::Unbalanced { closer: closer.to_string() }).as_syntax());
                }
                _ => self.declaration()?,
            }
        }
    }

    /// `extern "Python" int f(int);` and `extern "Python" { ... }`.
    fn extern_block(&mut self) -> Result<(), Error> {
        let kw = self.bump();
        let lit = self.bump();
        let raw = self.tok_text(lit);
        let inner: String = raw.trim_matches('"').chars().filter(|c| !c.is_whitespace()).collect();
        let plus_c = match inner.as_str() {
            "Python" => false,
            "Python+C" | "C+Python" => true,
            _ => {
                return Err(self.cdef_err(
                    Span::new(kw.span.start as usize, lit.span.end as usize),
                    Syntax::BadLinkage { literal: raw.to_string() },
                ))
            }
        };
        if self.extern_python.is_some() {
            return Err(self.cdef_err(kw.span, Syntax::NestedExternPython));
        }
        self.extern_python = Some(plus_c);
        let r = if self.peek_kind() == Tok::LBrace {
            let open = self.bump();
            loop {
                match self.peek_kind() {
                    Tok::RBrace => {
                        self.bump();
                        break Ok(());
                    }
                    Tok::Eof => break Err(self.cdef_err(open.span, Syntax::UnclosedExternPython)),
                    Tok::Semi | Tok::Directive => {
                        self.bump();
                    }
                    _ => {
                        if let Err(e) = self.declaration() {
                            break Err(e);
                        }
                    }
                }
            }
        } else {
            self.declaration()
        };
        self.extern_python = None;
        r
    }

    // --------------------------------------------------------- directives

    /// Handle every `#` line first, as cffi does (a `#define` may be used
    /// above the line that defines it).
    fn directives(&mut self) -> Result<(), Error> {
        let mut defines: Vec<(String, Span, Option<i128>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::default();
        for i in 0..self.toks.len() {
            if self.toks[i].kind != Tok::Directive {
                continue;
            }
            let span = self.toks[i].span;
            let text = self.text(span);
            // after '#'
            let body = text[1..].trim_start_matches([' ', '\t']);
            let name_len = body.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
            let word = &body[..name_len];
            match word {
                "define" => {
                    if let Some((name, nspan, value)) = self.define(span)? {
                        // A later #define of the same name in the same text wins.
                        match index.get(&name) {
                            Some(&j) => defines[j] = (name, nspan, value),
                            None => {
                                index.insert(name.clone(), defines.len());
                                defines.push((name, nspan, value));
                            }
                        }
                    }
                }
                "pragma" => self.warnings.push(
                    "#pragma in cdef() are entirely ignored. They should be removed for now, otherwise your code might \
                     behave differently in a future version of CFFI if #pragma support gets added. Note that \
                     '#pragma pack' needs to be replaced with the 'packed' keyword argument to cdef()."
                        .to_string(),
                ),
                // `#line N "file"`, `# N "file"` and the null directive `#`.
                "line" | "" => {}
                w if w.bytes().all(|b| b.is_ascii_digit()) => {}
                _ => {
                    let wspan = Span::new(span.start as usize, span.start as usize + (text.len() - body.len()) + name_len);
                    return Err(self.cdef_err(
                        wspan,
                        Syntax::DirectiveNotSupported { word: word.to_string() },
                    ).as_syntax());
                }
            }
        }
        for (name, span, value) in defines {
            self.macro_names.insert(name.clone());
            let ty = match value {
                Some(v) => self.arena.prim(int_type_for(v)),
                None => self.arena.prim(Prim::Int),
            };
            let value = match value {
                Some(v) => {
                    self.add_int_constant(&name, v, span)?;
                    ConstValue::Int(v)
                }
                None => ConstValue::Unknown,
            };
            self.declare(&name, DeclKind::Constant { ty, value }, span, true)?;
        }
        Ok(())
    }

    /// `#define NAME NUMBER` / `#define NAME ...`; anything else is cffi's
    /// error. Returns the name, its span and the value (`None` for `...`).
    fn define(&mut self, span: Span) -> Result<Option<(String, Span, Option<i128>)>, Error> {
        let text = self.text(span);
        // skip '#', blanks, 'define', blanks
        let after_hash = 1 + text[1..].len() - text[1..].trim_start_matches([' ', '\t']).len();
        let after_kw = after_hash + "define".len();
        let rest_text = &text[after_kw..];
        let name_off = after_kw + rest_text.len() - rest_text.trim_start_matches([' ', '\t', '\\', '\r', '\n']).len();
        let name_len = text[name_off..].bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
        let start = span.start as usize;
        if name_len == 0 || text.as_bytes()[name_off].is_ascii_digit() {
            return Err(self.cdef_err(Span::new(start + after_hash, start + after_kw), Syntax::MacroNameMissing));
        }
        let name_span = Span::new(start + name_off, start + name_off + name_len);
        let name = self.text(name_span).to_string();
        let value_text = || {
            // cffi shows the raw text after the name, continuations removed
            let raw = &self.src[name_span.end as usize..span.end as usize];
            raw.replace("\\\r\n", "").replace("\\\n", "").trim().to_string()
        };
        let syntax_error = |v: String| {
            Error::cdef(Syntax::BadDefine { name: name.clone(), value: v })
        };
        let Ok(toks) = lexer::lex_range(self.source_name, self.src, name_span.end as usize, span.end as usize) else {
            return Err(syntax_error(value_text()));
        };
        let rest = &toks[..];
        let name_tok = Token { kind: Tok::Ident, span: name_span, value: 0 };
        let value = match rest {
            [t, e] if t.kind == Tok::Ellipsis && e.kind == Tok::Eof => None,
            [t, e] if matches!(t.kind, Tok::Int | Tok::Char) && e.kind == Tok::Eof => Some(t.value),
            [m, t, e] if m.kind == Tok::Minus && matches!(t.kind, Tok::Int | Tok::Char) && e.kind == Tok::Eof => Some(-t.value),
            _ => return Err(syntax_error(value_text())),
        };
        Ok(Some((name, name_tok.span, value)))
    }

    // ------------------------------------------------------- type string

    fn type_string(&mut self) -> Result<TypeId, Error> {
        if self.peek_kind() == Tok::Eof {
            return Err(self.cdef_err(self.peek().span, Syntax::EmptyTypeString));
        }
        // A lone identifier that is not a type: cffi's "unknown identifier".
        let first = self.peek();
        if first.kind == Tok::Ident && self.peek_nth(1).kind == Tok::Eof && !self.is_type_name(self.tok_text(first)) {
            if let Some(msg) = self.skipped_type_msg(self.tok_text(first)) {
                return Err(self.unrepresentable(first.span, msg));
            }
            return Err(self.cdef_err(first.span, Syntax::UnknownIdentifier { name: self.tok_text(first).to_string() }));
        }
        let ty = self.type_name_in(decl::Mode::Either)?;
        if self.peek_kind() != Tok::Eof {
            return Err(self.unexpected("end of the type"));
        }
        Ok(ty)
    }
}

/// The word cffi uses for a declaration kind in "multiple declarations of".
fn kind_word(k: &DeclKind) -> &'static str {
    match k {
        DeclKind::Function { .. } => "function",
        DeclKind::Variable { .. } => "variable",
        DeclKind::Constant { .. } | DeclKind::EnumConstant { .. } => "constant",
        DeclKind::ExternPython { .. } => "extern_python",
    }
}

/// The type given to a `#define`d integer: `int` when it fits, else
/// `long`, else `unsigned long`.
pub(crate) fn int_type_for(v: i128) -> Prim {
    if i32::try_from(v).is_ok() {
        Prim::Int
    } else if i64::try_from(v).is_ok() {
        Prim::Long
    } else {
        Prim::ULong
    }
}

/// Whether a type (qualifiers ignored) is an integer type for cffi's
/// "integer constant with initializer" rule.
pub(crate) fn is_integer_type(arena: &TypeArena, ty: TypeId) -> bool {
    match arena.get(arena.strip_top_quals(ty)) {
        Type::Primitive(p) => p.is_integer(),
        Type::UnknownInt(_) => true,
        _ => false,
    }
}
