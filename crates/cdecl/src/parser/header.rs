//! Header mode: the parser's behaviour for real headers (`cdef_header`).
//!
//! Differences from plain `cdef()`: GNU and C11 syntax is accepted
//! (`__attribute__` evaluated, `_Static_assert`, `__typeof__`, `_Alignas`,
//! `__builtin_va_list`, `_FloatN`, `extern "C" { }`, function bodies
//! skipped), repeated compatible declarations are fine, `static`
//! functions and variables are not declared (no library exports them),
//! and a declaration that fails is skipped: the parser resynchronises at
//! its end and records the failure with the names it declared.

use super::{merge, Parser, TagKind};
use crate::error::{Location, Syntax, Unsupported};
use crate::lexer::{Kw, Tok, Token};
use crate::registry::{CdefOptions, ConstValue, DeclKind, Declaration, Registry};
use crate::types::{EnumId, RecordId, Type, TypeArena, TypeId};
use crate::{Error, Span};

/// A declaration skipped in header mode.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    /// What it declared, as far as can be told (`f`, `foo_t`, `struct s`).
    pub names: Vec<String>,
    pub error: Error,
}

/// What a header declared, in source order (for printing cdef text).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Item {
    Typedef(String),
    Record(RecordId),
    Enum(EnumId),
    Decl(String),
}

#[derive(Default)]
pub(crate) struct HeaderState<'a> {
    /// Maps a span of the preprocessed text to the original file.
    pub locator: Option<&'a dyn Fn(Span) -> Option<Location>>,
    /// `#pragma pack` changes by token index (see `preprocess::output`).
    pub pack_changes: &'a [(u32, Option<u32>)],
    pub failures: Vec<Failure>,
    pub items: Vec<Item>,
    /// `aligned(N)` / `packed` seen by attributes since the last reset.
    pub aligned: Option<u64>,
    pub packed: bool,
    /// Fields marked `packed` in the record bodies being parsed.
    pub packed_fields: Vec<(Span, String)>,
    /// Open `extern "C" {` blocks.
    extern_c: u32,
    /// Evaluating a macro as a constant: pointer casts are not integers.
    pub in_macro: bool,
    /// Inside a parameter list (array lengths there are ignored).
    pub in_params: u32,
    /// Bits of a `mode(...)` attribute seen, to apply to an integer type.
    pub mode: Option<u32>,
}

/// Type words of GNU C that are not keywords of the cdef lexer.
pub(crate) fn is_gnu_type_word(name: &str) -> bool {
    matches!(name, "__builtin_va_list" | "__typeof__" | "__typeof" | "typeof")
}

/// The largest alignment gcc uses for `aligned` without a value.
pub(super) const BIGGEST_ALIGNMENT: u64 = 16;

impl<'a> Parser<'a> {
    fn word_is(&self, t: Token, w: &str) -> bool {
        t.kind == Tok::Ident && self.tok_text(t) == w
    }

    /// The top level of a header: declarations, each skipped on failure.
    pub(super) fn run_header(&mut self) -> Result<(), Error> {
        loop {
            let t = self.peek();
            match t.kind {
                Tok::Eof => return Ok(()),
                Tok::Directive | Tok::Semi => {
                    self.bump();
                }
                Tok::RBrace if self.hdr.extern_c > 0 => {
                    self.bump();
                    self.hdr.extern_c -= 1;
                }
                Tok::Kw(Kw::Extern) if self.peek_nth(1).kind == Tok::Str && self.tok_text(self.peek_nth(1)) == "\"C\"" => {
                    self.bump();
                    self.bump();
                    if self.eat(Tok::LBrace) {
                        self.hdr.extern_c += 1;
                    }
                }
                _ => self.recovering_declaration()?,
            }
        }
    }

    /// One declaration; if it cannot be represented it is skipped and
    /// recorded. Malformed C (a `CDefError`) still fails the header.
    fn recovering_declaration(&mut self) -> Result<(), Error> {
        let start = self.pos;
        let t = self.peek();
        let r = if self.word_is(t, "_Static_assert") || self.word_is(t, "static_assert") || t.kind == Tok::Kw(Kw::Asm) {
            self.skip_to_semicolon()
        } else {
            self.declaration()
        };
        if let Err(error) = r {
            if error.kind == crate::ErrorKind::CDef {
                return Err(error);
            }
            self.depth = 0;
            self.partial_len_ok = false;
            self.saw_partial_len = false;
            self.hdr.packed_fields.clear();
            let end = self.declaration_end(start).max(start + 1).min(self.toks.len() - 1);
            let names = self.declared_names(start, end);
            for n in &names {
                self.st.skipped.entry(n.clone()).or_insert_with(|| error.message.to_string());
            }
            self.pos = end;
            self.hdr.failures.push(Failure { names, error });
        }
        Ok(())
    }

    /// `_Static_assert(...);` or a top-level `__asm__(...);`.
    fn skip_to_semicolon(&mut self) -> Result<(), Error> {
        let start = self.pos;
        self.pos = self.declaration_end(start);
        Ok(())
    }

    /// Index just after the declaration starting at `start`: after its
    /// `;` at nesting level 0, or after the `}` of a function body.
    pub(super) fn declaration_end(&self, start: usize) -> usize {
        let mut depth = 0u32;
        let mut i = start;
        while i < self.toks.len() {
            match self.toks[i].kind {
                Tok::Eof => return i,
                Tok::LParen | Tok::LBracket => depth += 1,
                Tok::RParen | Tok::RBracket => depth = depth.saturating_sub(1),
                Tok::LBrace if depth == 0 => {
                    let body = self.is_function_body(start, i);
                    i = self.matching_brace(i);
                    if body {
                        return i;
                    }
                    continue;
                }
                Tok::RBrace if depth == 0 => return i + 1,
                Tok::Semi if depth == 0 => return i + 1,
                _ => {}
            }
            i += 1;
        }
        self.toks.len() - 1
    }

    /// Index after the `}` matching the `{` at `open`.
    fn matching_brace(&self, open: usize) -> usize {
        self.after_matching(open, Tok::LBrace, Tok::RBrace)
    }

    /// Index after the `close` token matching the `open_kind` at `open`
    /// (or of the end of input, if unbalanced).
    fn after_matching(&self, open: usize, open_kind: Tok, close: Tok) -> usize {
        let mut depth = 0u32;
        for i in open..self.toks.len() {
            match self.toks[i].kind {
                k if k == open_kind => depth += 1,
                k if k == close => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                Tok::Eof => return i,
                _ => {}
            }
        }
        self.toks.len() - 1
    }

    /// Whether the `{` at `brace` opens a function body: what precedes
    /// it, attributes aside, is the `)` of a parameter list.
    fn is_function_body(&self, start: usize, brace: usize) -> bool {
        let mut i = brace;
        while i > start {
            i -= 1;
            if self.toks[i].kind != Tok::RParen {
                return false;
            }
            // find the matching '('
            let mut depth = 0u32;
            let mut j = i;
            loop {
                match self.toks[j].kind {
                    Tok::RParen => depth += 1,
                    Tok::LParen => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                if j == start {
                    return false;
                }
                j -= 1;
            }
            let before = if j > start { Some(self.toks[j - 1].kind) } else { None };
            match before {
                Some(Tok::Kw(Kw::Attribute | Kw::Asm | Kw::Declspec)) => i = j - 1,
                Some(Tok::LParen) if j >= start + 2 && self.toks[j - 2].kind == Tok::Kw(Kw::Attribute) => i = j - 1,
                _ => return true,
            }
        }
        false
    }

    /// Skip a `{ ... }` block at the reader.
    pub(super) fn skip_braces(&mut self) -> Result<(), Error> {
        let open = self.peek();
        let end = self.matching_brace(self.pos);
        if self.toks[end.saturating_sub(1)].kind != Tok::RBrace || end <= self.pos {
            return Err(self.cdef_err(open.span, crate::Message::UnterminatedBody { what: "function" }));
        }
        self.pos = end;
        Ok(())
    }

    /// The names a (failed) declaration declares, from its tokens: the
    /// identifiers in declarator position (before `(`, `[`, `,`, `;`,
    /// `=`, `:`, an attribute, or inside `(*name)`), and tags with bodies.
    pub(super) fn declared_names(&self, start: usize, end: usize) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut parens = 0i32;
        let mut braces = 0i32;
        for i in start..end {
            let t = self.toks[i];
            match t.kind {
                Tok::LParen => parens += 1,
                Tok::RParen => parens -= 1,
                Tok::LBrace => braces += 1,
                Tok::RBrace => braces -= 1,
                Tok::Kw(k @ (Kw::Struct | Kw::Union | Kw::Enum)) if braces == 0 && parens == 0 => {
                    let mut j = i + 1;
                    while j < end && self.toks[j].kind == Tok::Kw(Kw::Attribute) {
                        j = self.skip_group_at(j + 1);
                    }
                    if j + 1 < end && self.toks[j].kind == Tok::Ident && self.toks[j + 1].kind == Tok::LBrace {
                        let kw = match k {
                            Kw::Struct => "struct",
                            Kw::Union => "union",
                            _ => "enum",
                        };
                        names.push(format!("{kw} {}", self.tok_text(self.toks[j])));
                    }
                }
                Tok::Ident if braces == 0 => {
                    let text = self.tok_text(t);
                    let prev = if i > start { self.toks[i - 1].kind } else { Tok::Eof };
                    let next = self.toks[i + 1].kind;
                    if matches!(prev, Tok::Kw(Kw::Struct | Kw::Union | Kw::Enum))
                        || is_gnu_type_word(text)
                        || text.starts_with("_Static")
                    {
                        continue;
                    }
                    let at_declarator_end = matches!(
                        next,
                        Tok::LParen
                            | Tok::LBracket
                            | Tok::Comma
                            | Tok::Semi
                            | Tok::Assign
                            | Tok::Colon
                            | Tok::Kw(Kw::Attribute | Kw::Asm)
                    );
                    let pointer_name =
                        prev == Tok::Star && next == Tok::RParen && i >= start + 2 && self.toks[i - 2].kind == Tok::LParen;
                    let is_name = (parens == 0 && at_declarator_end) || (parens >= 1 && pointer_name);
                    let is_known_type = self.is_type_name(text) && next != Tok::Semi;
                    if is_name && !is_known_type && !names.iter().any(|n| n == text) {
                        names.push(text.to_string());
                    }
                }
                _ => {}
            }
        }
        names
    }

    /// Index after a parenthesized group starting at `open` (if any).
    fn skip_group_at(&self, open: usize) -> usize {
        if self.toks.get(open).map(|t| t.kind) != Some(Tok::LParen) {
            return open;
        }
        self.after_matching(open, Tok::LParen, Tok::RParen)
    }

    /// A redeclaration in a header: C allows repeating a compatible
    /// declaration, so the first one stays; a later `__asm__` label is
    /// kept (glibc declares functions again with their real symbol).
    pub(super) fn header_redeclare(&mut self, decl: Declaration) -> Result<(), Error> {
        let old = self.lookup_decl(&decl.name).expect("a redeclaration").clone();
        let same_kind = std::mem::discriminant(&old.kind) == std::mem::discriminant(&decl.kind);
        let both_constants = matches!(old.kind, DeclKind::Constant { .. } | DeclKind::EnumConstant { .. })
            && matches!(decl.kind, DeclKind::Constant { .. } | DeclKind::EnumConstant { .. });
        if let (DeclKind::Function { ty: a, asm_name: None }, DeclKind::Function { ty: b, asm_name: Some(_) }) =
            (&old.kind, &decl.kind)
        {
            if a == b {
                if let Some(&i) = self.st.by_name.get(&decl.name) {
                    self.st.decls[i] = decl;
                }
                return Ok(());
            }
        }
        if same_kind || both_constants {
            return Ok(());
        }
        let span = decl.span;
        Err(self.ffi_err(span, Syntax::RedeclaredOtherKind { name: decl.name }))
    }

    /// `__attribute__((...))`, `__declspec(...)`, `_Alignas(...)` and
    /// `__extension__` in header mode: `packed` and `aligned(N)` are
    /// evaluated (any constant expression), vector and mode attributes
    /// make the declaration unrepresentable, the rest is ignored.
    pub(super) fn header_attributes(&mut self) -> Result<(bool, Option<u64>), Error> {
        let mut packed = false;
        let mut aligned: Option<u64> = None;
        loop {
            let t = self.peek();
            match t.kind {
                Tok::Kw(Kw::Attribute) => {
                    self.bump();
                    self.expect(Tok::LParen, "'((' after '__attribute__'")?;
                    self.expect(Tok::LParen, "'((' after '__attribute__'")?;
                    loop {
                        let w = self.peek();
                        match w.kind {
                            Tok::RParen => break,
                            Tok::Comma => {
                                self.bump();
                            }
                            Tok::Ident | Tok::Kw(_) => {
                                self.bump();
                                let raw = self.tok_text(w);
                                let name = raw.strip_prefix("__").and_then(|n| n.strip_suffix("__")).unwrap_or(raw);
                                let has_args = self.peek_kind() == Tok::LParen;
                                match name {
                                    "packed" => packed = true,
                                    "aligned" => {
                                        let n = if has_args {
                                            self.bump();
                                            let v = self.const_expr()?;
                                            self.expect(Tok::RParen, "')' after the alignment")?;
                                            v
                                        } else {
                                            BIGGEST_ALIGNMENT as i128
                                        };
                                        if n <= 0 || n & (n - 1) != 0 || n > 1 << 28 {
                                            return Err(self.cdef_err(
                                                w.span,
                                                Syntax::BadAlignment { value: n.to_string() },
                                            ));
                                        }
                                        aligned = aligned.max(Some(n as u64));
                                        continue;
                                    }
                                    "mode" if has_args => {
                                        self.bump();
                                        let m = self.peek();
                                        let word = self.tok_text(m);
                                        let word = word.strip_prefix("__").and_then(|w| w.strip_suffix("__")).unwrap_or(word);
                                        let bits = match word {
                                            "QI" | "byte" => 8,
                                            "HI" => 16,
                                            "SI" => 32,
                                            "DI" | "word" | "pointer" | "unwind_word" => 64,
                                            _ => {
                                                return Err(self.error(
                                                    crate::ErrorKind::NotImplemented,
                                                    m.span,
                                                    Unsupported::AttributeMode { word: word.to_string() },
                                                ))
                                            }
                                        };
                                        self.bump();
                                        self.expect(Tok::RParen, "')' after the mode")?;
                                        self.hdr.mode = Some(bits);
                                        continue;
                                    }
                                    "vector_size" | "mode" | "scalar_storage_order" | "transparent_union" => {
                                        return Err(self.error(
                                            crate::ErrorKind::NotImplemented,
                                            w.span,
                                            Unsupported::TypeAttribute { name: name.to_string() },
                                        ));
                                    }
                                    _ => {}
                                }
                                if has_args {
                                    self.pos = self.skip_group_at(self.pos);
                                }
                            }
                            Tok::Eof => return Err(self.cdef_err(t.span, Syntax::UnterminatedAttribute)),
                            _ => return Err(self.unexpected("an attribute name")),
                        }
                    }
                    self.expect(Tok::RParen, "'))' to close '__attribute__(('")?;
                    self.expect(Tok::RParen, "'))' to close '__attribute__(('")?;
                }
                Tok::Kw(Kw::Declspec) => {
                    self.bump();
                    if self.peek_kind() != Tok::LParen {
                        return Err(self.unexpected("'(' after '__declspec'"));
                    }
                    self.pos = self.skip_group_at(self.pos);
                }
                Tok::Kw(Kw::Extension) => {
                    self.bump();
                }
                Tok::Ident if self.tok_text(t) == "_Alignas" => {
                    self.bump();
                    self.expect(Tok::LParen, "'(' after '_Alignas'")?;
                    let n = if self.starts_type() {
                        let ty = self.type_name()?;
                        let (_, a) = crate::layout::size_align(self.arena, ty).map_err(|e| self.locate(e, t.span))?;
                        a
                    } else {
                        u64::try_from(self.const_expr()?).unwrap_or(0)
                    };
                    self.expect(Tok::RParen, "')' after '_Alignas('")?;
                    aligned = aligned.max(Some(n));
                }
                _ => break,
            }
        }
        self.hdr.packed |= packed;
        if aligned.is_some() {
            self.hdr.aligned = self.hdr.aligned.max(aligned);
        }
        Ok((packed, aligned))
    }

    /// A GNU word in declaration specifiers; `Ok(true)` if it was one.
    pub(super) fn gnu_specifier(&mut self, named: &mut Option<TypeId>) -> Result<bool, Error> {
        let t = self.peek();
        match self.tok_text(t) {
            "_Noreturn" => {
                self.bump();
            }
            "_Alignas" => {
                self.skip_attributes()?;
            }
            "__thread" | "_Thread_local" => {
                return Err(
                    self.unrepresentable(t.span, Unsupported::ThreadLocal)
                );
            }
            "__auto_type" => return Err(self.unrepresentable(t.span, Unsupported::AutoType)),
            "__builtin_va_list" if named.is_none() => {
                self.bump();
                *named = super::common::resolve(self, "va_list", t.span)?;
            }
            "__typeof__" | "__typeof" | "typeof" if named.is_none() => {
                self.bump();
                *named = Some(self.typeof_operand(t.span)?);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `typeof(type)` or `typeof(name)` for a declared function or variable.
    fn typeof_operand(&mut self, at: Span) -> Result<TypeId, Error> {
        self.expect(Tok::LParen, "'(' after 'typeof'")?;
        let ty = if self.starts_type() {
            self.type_name()?
        } else {
            let n = self.peek();
            let decl_ty = match (n.kind, self.peek_nth(1).kind) {
                (Tok::Ident, Tok::RParen) => match self.lookup_decl(self.tok_text(n)).map(|d| &d.kind) {
                    Some(DeclKind::Function { ty, .. } | DeclKind::Variable { ty } | DeclKind::Constant { ty, .. }) => Some(*ty),
                    Some(DeclKind::EnumConstant { ty, .. }) => Some(*ty),
                    _ => None,
                },
                _ => None,
            };
            match decl_ty {
                Some(ty) => {
                    self.bump();
                    ty
                }
                None => return Err(self.unrepresentable(at, Unsupported::TypeofExpression)),
            }
        };
        self.expect(Tok::RParen, "')' after the operand of 'typeof'")?;
        Ok(ty)
    }

    /// `_Float32` and friends, which have the layout of standard types.
    pub(super) fn float_n_words(&self, t: Token) -> Option<&'static [Kw]> {
        Some(match self.tok_text(t) {
            "_Float32" => &[Kw::Float],
            "_Float64" | "_Float32x" => &[Kw::Double],
            "_Float64x" => &[Kw::Long, Kw::Double],
            _ => return None,
        })
    }

    /// Check `aligned`/`packed` attributes given to one field.
    pub(super) fn check_field_attributes(&mut self, name: &str, ty: TypeId, span: Span) -> Result<(), Error> {
        let aligned = self.hdr.aligned.take();
        let packed = std::mem::take(&mut self.hdr.packed);
        if aligned.is_none() && !packed {
            return Ok(());
        }
        let natural = crate::layout::size_align(self.arena, ty).map(|(_, a)| a).unwrap_or(1);
        if let Some(n) = aligned.filter(|&n| n > natural) {
            return Err(self.error(
                crate::ErrorKind::NotImplemented,
                span,
                Unsupported::OverAlignedField { name: name.to_string(), align: n },
            ));
        }
        if packed && natural > 1 {
            self.hdr.packed_fields.push((span, name.to_string()));
        }
        Ok(())
    }

    /// Attributes given to a typedef: `mode(...)` picks the integer type;
    /// `aligned(N)` goes to [`Parser::typedef_alignment`].
    pub(super) fn typedef_attributes(
        &mut self,
        specs: &super::decl::Specs,
        d: &super::decl::Declarator,
        name: &str,
        ty: TypeId,
        span: Span,
    ) -> Result<TypeId, Error> {
        let ty = self.apply_mode(ty, span)?;
        // every `aligned(N)` of the declaration, the record's own included
        let Some(n) = self.hdr.aligned.take() else { return Ok(ty) };
        self.typedef_alignment(specs, d, name, ty, n, span)?;
        Ok(ty)
    }

    /// `aligned(N)` on a typedef (gcc: the typedef's alignment becomes N,
    /// higher or lower, and its size stays). Fine if it changes nothing or
    /// is the record's own attribute; when the typedef is the only name of
    /// an anonymous record defined right there, the record takes it as
    /// `typedef_align`; otherwise the type is unrepresentable. (A record's
    /// own `aligned(M)` with a lower `aligned(N)` on its typedef arrives
    /// here as M, the larger: the rare lowering is then missed.)
    pub(super) fn typedef_alignment(
        &mut self,
        specs: &super::decl::Specs,
        d: &super::decl::Declarator,
        name: &str,
        ty: TypeId,
        n: u64,
        span: Span,
    ) -> Result<(), Error> {
        let bare = self.arena.strip_top_quals(ty);
        if let (true, true, Type::Record(rid)) = (d.ops.is_empty(), specs.defines_body, self.arena.get(bare).clone()) {
            let r = self.arena.record(rid);
            if r.forced_align == Some(n) {
                return Ok(()); // `struct {...} __attribute__((aligned(N)))`
            }
            if r.tag.is_none() {
                self.touch_record(rid);
                let r = self.arena.record_mut(rid);
                r.typedef_align = Some(n);
                r.layout = None;
                return Ok(());
            }
        }
        let natural = crate::layout::size_align(self.arena, ty).map(|(_, a)| a).unwrap_or(0);
        if n == natural {
            return Ok(());
        }
        Err(self.error(
            crate::ErrorKind::NotImplemented,
            span,
            Unsupported::TypedefAlign { name: name.to_string(), align: n, natural },
        ))
    }

    /// `__attribute__((mode(X)))`: the integer type of that width and the
    /// same signedness.
    pub(super) fn apply_mode(&mut self, ty: TypeId, span: Span) -> Result<TypeId, Error> {
        let Some(bits) = self.hdr.mode.take() else { return Ok(ty) };
        let prim = match self.arena.get(self.arena.strip_top_quals(ty)) {
            Type::Primitive(p) if p.is_integer() => *p,
            _ => {
                return Err(self.error(crate::ErrorKind::NotImplemented, span, Unsupported::ModeOnNonInteger));
            }
        };
        use crate::types::Prim;
        let signed = prim.is_signed();
        let p = match (bits, signed) {
            (8, true) => Prim::SChar,
            (8, false) => Prim::UChar,
            (16, true) => Prim::Short,
            (16, false) => Prim::UShort,
            (32, true) => Prim::Int,
            (32, false) => Prim::UInt,
            (_, true) => Prim::Long,
            (_, false) => Prim::ULong,
        };
        Ok(self.arena.prim(p))
    }

    /// The `#pragma pack` value in effect at token `index`.
    pub(super) fn pack_at(&self, index: usize) -> Option<u32> {
        let changes = self.hdr.pack_changes;
        let i = changes.partition_point(|&(at, _)| at as usize <= index);
        if i == 0 {
            None
        } else {
            changes[i - 1].1
        }
    }

    /// Whether a tag was declared by this parse (not an earlier one).
    pub(super) fn tag_is_staged(&self, kind: TagKind, name: &str) -> bool {
        match kind {
            TagKind::Struct => self.st.struct_tags.contains_key(name),
            TagKind::Union => self.st.union_tags.contains_key(name),
            TagKind::Enum => self.st.enum_tags.contains_key(name),
        }
    }

    /// Valid C that rcffi cannot represent (skipped in headers).
    pub(super) fn unrepresentable(&self, span: Span, msg: Unsupported) -> Error {
        self.error(crate::ErrorKind::NotImplemented, span, msg)
    }

    /// "unknown type name" for a name whose declaration was skipped.
    pub(super) fn skipped_type_msg(&self, name: &str) -> Option<Unsupported> {
        let why = self.st.skipped.get(name).or_else(|| self.reg.skipped.get(name))?;
        Some(Unsupported::SkippedType { name: name.to_string(), why: why.clone() })
    }

    /// Record a declaration in source order (header mode only).
    pub(super) fn log_item(&mut self, item: Item) {
        if self.header_mode {
            self.hdr.items.push(item);
        }
    }
}

/// A header-mode parse of preprocessed text (see `crate::header`).
pub(crate) struct HeaderInput<'a> {
    pub text: &'a str,
    pub toks: Vec<Token>,
    pub locator: &'a dyn Fn(Span) -> Option<Location>,
    pub pack_changes: &'a [(u32, Option<u32>)],
    /// Object-like macros, expanded: `(name, tokens ending with Eof)`.
    pub macros: Vec<(String, Vec<Token>)>,
    pub only: Option<&'a [String]>,
}

pub(crate) struct HeaderOutcome {
    pub warnings: Vec<String>,
    /// What was declared, in source order.
    pub items: Vec<Item>,
}

/// Parse a preprocessed header into `reg`; nothing is added on error.
pub(crate) fn cdef_tokens(
    reg: &mut Registry,
    arena: &mut TypeArena,
    input: HeaderInput<'_>,
    options: &CdefOptions,
) -> Result<HeaderOutcome, Error> {
    super::numbering_anonymous_types_of(reg, arena, |reg, arena| cdef_tokens_numbered(reg, arena, input, options))
}

fn cdef_tokens_numbered(
    reg: &mut Registry,
    arena: &mut TypeArena,
    input: HeaderInput<'_>,
    options: &CdefOptions,
) -> Result<HeaderOutcome, Error> {
    debug_assert!(options.header_mode);
    crate::counters::parsed();
    let (staged, outcome) = {
        let mut p = Parser::new(reg, arena, input.text, &options.source_name, input.toks, Some(options));
        p.hdr.locator = Some(input.locator);
        p.hdr.pack_changes = input.pack_changes;
        let r = p.run_cdef().and_then(|()| {
            p.macro_constants(input.macros, input.only);
            match input.only {
                Some(only) => p.keep_only(only),
                None => Ok(()),
            }
        });
        if let Err(e) = r {
            p.rollback();
            return Err(e);
        }
        let mut warnings = std::mem::take(&mut p.warnings);
        // Skipped internals (`__x` names) are not worth a warning.
        let reported: Vec<Failure> = p.hdr.failures.iter().filter(|f| !f.names.iter().all(|n| is_reserved(n))).cloned().collect();
        if input.only.is_none() && !reported.is_empty() {
            warnings.push(skipped_summary(&reported));
        }
        let items = std::mem::take(&mut p.hdr.items);
        (std::mem::take(&mut p.st), HeaderOutcome { warnings, items })
    };
    merge(reg, staged);
    Ok(outcome)
}

/// One warning listing every skipped declaration and why.
fn skipped_summary(failures: &[Failure]) -> String {
    let mut s = format!(
        "cdef_header: skipped {} declaration{} that rcffi cannot represent:",
        failures.len(),
        if failures.len() == 1 { "" } else { "s" }
    );
    for f in failures {
        let what = if f.names.is_empty() { "(unnamed)".to_string() } else { f.names.join(", ") };
        let at = f.error.location.as_ref().map(|l| format!(" at {}:{}", l.source_name, l.line)).unwrap_or_default();
        s.push_str(&format!("\n  {what}{at}: {}", f.error.message));
    }
    s
}

impl Parser<'_> {
    /// Declare the macros whose expansion is an integer constant
    /// expression; a macro named in `only` that is not one is a failure.
    fn macro_constants(&mut self, macros: Vec<(String, Vec<Token>)>, only: Option<&[String]>) {
        for (name, toks) in macros {
            if self.lookup_decl(&name).is_some() || self.lookup_typedef(&name).is_some() {
                continue;
            }
            let span = toks[0].span;
            let saved = std::mem::replace(&mut self.toks, toks);
            let saved_pos = std::mem::replace(&mut self.pos, 0);
            self.hdr.in_macro = true;
            let r = self.typed_const_expr().and_then(|v| match self.peek_kind() {
                Tok::Eof => Ok(v),
                _ => Err(self.unexpected("the end of the macro's value")),
            });
            self.hdr.in_macro = false;
            self.toks = saved;
            self.pos = saved_pos;
            self.depth = 0;
            let r = r.and_then(|typed| {
                self.add_int_constant(&name, typed.v, span)?;
                let ty = self.arena.prim(typed.prim());
                self.declare(&name, DeclKind::Constant { ty, value: ConstValue::Int(typed.v) }, span, true)
            });
            if let Err(mut error) = r {
                if only.is_some_and(|o| o.iter().any(|n| n.trim() == name)) {
                    let cause = error.message.clone();
                    error.message = crate::Message::MacroNotConstant { cause: Box::new(cause) };
                    self.hdr.failures.push(Failure { names: vec![name], error });
                }
            }
        }
    }
}

/// Reserved identifiers (`__x`, `_X`): the implementation's internals.
pub(crate) fn is_reserved(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 2 && b[0] == b'_' && (b[1] == b'_' || b[1].is_ascii_uppercase())
}
