//! `cdef_header()`: the declarations of real C headers.
//!
//! The header is preprocessed by [`crate::preprocess`] (predefined gcc
//! macros, include search, `#pragma pack`), then parsed in header mode
//! (GNU C accepted, unrepresentable declarations skipped with a warning),
//! then every object-like macro of the header's files whose expansion is
//! an integer constant expression becomes a constant, so
//! `#define MASK (FLAG(3) | 0x10)` gives `lib.MASK`.
//!
//! ```no_run
//! use cdecl::{header::{cdef_header, HeaderOptions}, Registry, TypeArena};
//! let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
//! cdef_header(&mut reg, &mut arena, "zlib.h", &HeaderOptions::default()).unwrap();
//! assert!(reg.lookup("compress").is_some() && reg.lookup("Z_OK").is_some());
//! ```

mod print;

use std::path::PathBuf;

use crate::parser::header::{self as parse, HeaderInput, Item};
use crate::preprocess::{self, PpOptions, Source};
use crate::registry::{CdefOptions, CdefReport, Registry};
use crate::types::{Packing, TypeArena};
use crate::{Error, Span};

/// Options of one `cdef_header()` call.
#[derive(Clone, Debug, Default)]
pub struct HeaderOptions {
    /// Searched before the system include directories.
    pub include_dirs: Vec<PathBuf>,
    /// Extra macros, `("NAME", "value")`, defined before the header.
    pub defines: Vec<(String, String)>,
    /// Keep only these names (functions, variables, constants, typedefs,
    /// `struct x` / `union x` / `enum x`) and what they depend on. A name
    /// that cannot be declared is then an error saying why.
    pub only: Option<Vec<String>>,
    /// `packed=True` / `pack=N` for every record (a header's own
    /// `#pragma pack` and `__attribute__((packed))` still apply).
    pub packing: Packing,
}

/// Declare everything a header declares (see the module documentation).
/// `header` is a path or a name searched like `#include "header"`.
pub fn cdef_header(
    registry: &mut Registry,
    arena: &mut TypeArena,
    header: &str,
    options: &HeaderOptions,
) -> Result<CdefReport, Error> {
    run(registry, arena, Source::Header(header), options).map(|(r, _)| r)
}

/// [`cdef_header`], also returning [`to_rcffi_cdef_text`]'s text of what
/// this call declared, printed from the same run (the text API mode
/// embeds in a compiled module): the header is preprocessed and parsed
/// once for both.
pub fn cdef_header_with_text(
    registry: &mut Registry,
    arena: &mut TypeArena,
    header: &str,
    options: &HeaderOptions,
) -> Result<(CdefReport, String), Error> {
    let (report, items) = run(registry, arena, Source::Header(header), options)?;
    let text = print::cdef_text(registry, arena, &items, &report.warnings, true);
    Ok((report, text))
}

/// [`cdef_header`] on header text given directly (`name` is used in
/// messages; `#include "..."` looks in the current directory).
pub fn cdef_header_text(
    registry: &mut Registry,
    arena: &mut TypeArena,
    name: &str,
    text: &str,
    options: &HeaderOptions,
) -> Result<CdefReport, Error> {
    run(registry, arena, Source::Text { name, text }, options).map(|(r, _)| r)
}

/// The plain cdef text equivalent to what [`cdef_header`] declares (for
/// `python -m rcffi cdef HEADER`): typedefs, records, enums, functions,
/// variables and `#define NAME NUMBER` constants, in the header's order.
pub fn to_cdef_text(header: &str, options: &HeaderOptions) -> Result<String, Error> {
    cdef_text_of(header, options, false)
}

/// [`to_cdef_text`] for rcffi's own `cdef()`: `packed` and `aligned(N)`
/// records keep their layout through GNU attributes. API mode embeds this
/// text for what `cdef_header()` declared.
pub fn to_rcffi_cdef_text(header: &str, options: &HeaderOptions) -> Result<String, Error> {
    cdef_text_of(header, options, true)
}

fn cdef_text_of(header: &str, options: &HeaderOptions, attributes: bool) -> Result<String, Error> {
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    let (report, items) = run(&mut reg, &mut arena, Source::Header(header), options)?;
    Ok(print::cdef_text(&reg, &arena, &items, &report.warnings, attributes))
}

fn run(
    registry: &mut Registry,
    arena: &mut TypeArena,
    source: Source<'_>,
    options: &HeaderOptions,
) -> Result<(CdefReport, Vec<Item>), Error> {
    registry.load_all(arena)?;
    let pp_options =
        PpOptions { include_dirs: options.include_dirs.clone(), defines: options.defines.clone(), compiler_headers: true };
    let mut pre = preprocess::preprocess(source, &pp_options)?;
    let only = options.only.as_deref();
    let keep = |name: &str| match only {
        Some(names) => names.iter().any(|n| n.trim() == name),
        None => !parse::is_reserved(name),
    };
    let macros = pre.pp.macro_constants(&keep);
    let toks = std::mem::take(&mut pre.pp.out.toks);
    let pp = &pre.pp;
    let locator = |span: Span| pp.locate_span(span);
    let source_name = match source {
        Source::Header(h) => h.to_string(),
        Source::Text { name, .. } => name.to_string(),
    };
    let input = HeaderInput {
        text: &pp.out.text,
        toks,
        locator: &locator,
        pack_changes: &pp.out.pack_changes,
        macros: macros.into_iter().map(|m| (m.name, m.toks)).collect(),
        only,
    };
    let cdef_options = CdefOptions { packing: options.packing, header_mode: true, source_name, override_existing: false, dllexport: false };
    let outcome = parse::cdef_tokens(registry, arena, input, &cdef_options).map_err(|e| e.in_origin(crate::error::Origin::Header))?;
    let mut warnings = pre.warnings().to_vec();
    warnings.extend(outcome.warnings);
    Ok((CdefReport { warnings }, outcome.items))
}
