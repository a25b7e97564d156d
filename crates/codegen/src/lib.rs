//! `codegen`: the C source of an rcffi API-mode module, in pure Rust.
//!
//! [`generate`] reads the declarations of one `FFI` — a `cdecl::snapshot`
//! of its registry, what its `cdef()` calls already parsed, read into a
//! private arena with the parser's names — and writes one C file: the
//! user's source, then for every declaration what only the C compiler
//! knows — trampolines calling each function with C's own types,
//! addresses of globals, values of integer constants and enumerators,
//! sizes, alignments and field offsets of every struct and union, sizes of
//! `typedef int... t;`, lengths of `T x[...]` — in static tables handed to
//! the runtime (`crates/python/src/ffi_lib/api_module/`) through a capsule from
//! `PyInit_<module>`. The snapshot is embedded for the runtime to load
//! at import, and the cdef texts too (as text, for `ffi._cdefsources`).
//! No text is parsed here ([`snapshot_of`] is for callers that hold only
//! text).
//!
//! The structures of the protocol are defined once, in [`protocol`]: the
//! `#[repr(C)]` structs the runtime reads, their C declarations, and
//! `_Static_assert`s on their layout in every generated module; the
//! runtime checks [`PROTOCOL_VERSION`]. Every table but `cdefs` is sorted
//! by name (bytewise, as `strcmp`): the runtime finds a row by binary
//! search when it is first needed.

mod cspell;
mod embedding;
mod emit;
mod field_check;
mod limited_api;
pub mod protocol;

use std::collections::HashSet;

pub use cspell::Unspellable;

/// Bumped whenever the structures of [`protocol`] or what they hold
/// change (5: tables sorted by name; snapshot format 3; 6: no pointers in
/// the rows, which the loader would relocate at import: names are offsets
/// into the module's `names`, field cells into its `fields`, and function
/// addresses and integer values come from a function of the row's index).
pub const PROTOCOL_VERSION: u32 = 6;

/// Name of the capsule `PyInit_<module>` passes to the runtime.
pub const CAPSULE_NAME: &str = "rcffi._api_module";

/// One `ffi.cdef()` call of the FFI being compiled, as text (embedded in
/// the module, not parsed by the generator).
#[derive(Clone, Debug, Default)]
pub struct CdefInput {
    pub source: String,
    pub override_existing: bool,
    /// 0: natural alignment; N: `pack=N` (`packed=True` is 1).
    pub pack: u32,
    /// Given to `ffi.embedding_api()`: its functions are exported by the
    /// library and implemented in Python.
    pub dllexport: bool,
}

/// What `ffi.set_source()` recorded.
#[derive(Clone, Debug, Default)]
pub struct ModuleSource {
    /// Dotted module name (`pkg._foo`); `PyInit_` uses the last part.
    pub module_name: String,
    /// The C source given to `set_source()`, included first.
    pub preamble: String,
    /// What the module declares: `cdecl::snapshot::encode` of the FFI's
    /// registry (with what `ffi.include()` brought: see [`Includes`]).
    /// Read, not parsed; embedded as is when nothing is included.
    pub declarations: Vec<u8>,
    /// The FFI's own declaration calls, in order (`cdef_header()` calls
    /// as the cdef text of what they declared): embedded for
    /// `ffi._cdefsources`, and replayed at import by a module that
    /// includes others.
    pub cdefs: Vec<CdefInput>,
    /// `ffi.embedding_api()` was used: the module is also a shared library
    /// that starts Python on the first call of one of its functions.
    pub embedding: Option<Embedding>,
}

/// What an embedding library needs besides the declarations.
#[derive(Clone, Debug, Default)]
pub struct Embedding {
    /// `ffi.embedding_init_code()` (dedented; may be empty).
    pub init_code: String,
    /// The directory holding the `rcffi` package at build time, put on
    /// `sys.path` when a host program's Python cannot import rcffi.
    pub runtime_dir: String,
    /// rcffi's version, for the report of a failed initialization.
    pub version: String,
}

/// Why no C source could be produced.
#[derive(Debug)]
pub enum GenError {
    /// A cdef did not parse (the message of `cdecl`).
    Cdef(cdecl::Error),
    /// Something the generator does not support.
    Unsupported(String),
    /// A declaration that cannot be compiled as written (cffi raises
    /// `TypeError`: an opaque type used by value).
    Type(String),
    /// Something cffi refuses in API mode with `NotImplementedError`.
    NotImplemented(String),
}

impl std::fmt::Display for GenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GenError::Cdef(e) => write!(f, "{}", e.message),
            GenError::Unsupported(m) | GenError::Type(m) | GenError::NotImplemented(m) => f.write_str(m),
        }
    }
}

impl From<cdecl::Error> for GenError {
    fn from(e: cdecl::Error) -> Self {
        GenError::Cdef(e)
    }
}

impl From<Unspellable> for GenError {
    fn from(e: Unspellable) -> Self {
        GenError::Unsupported(e.0)
    }
}

/// The C source of the module.
pub fn generate(src: &ModuleSource) -> Result<String, GenError> {
    generate_including(src, &Includes::default())
}

/// What `ffi.include(other)` brought into the FFI being compiled: other
/// compiled modules, imported by this one at init, whose `ffi` it includes
/// before replaying its own cdefs (so it shares their types, as cffi's
/// `_cffi_includes`). Their declarations are in `ModuleSource::declarations`
/// too (the FFI's registry has them); these names say which are theirs.
#[derive(Clone, Debug, Default)]
pub struct Includes {
    /// The included modules' names (`ffi.include()` order).
    pub modules: Vec<String>,
    /// Functions, variables and constants the included FFIs declare.
    pub declarations: HashSet<String>,
    /// Their typedef names.
    pub typedefs: HashSet<String>,
    /// Their struct, union and enum tags.
    pub struct_tags: HashSet<String>,
    pub union_tags: HashSet<String>,
    pub enum_tags: HashSet<String>,
}

impl Includes {
    /// Add every name `reg` (an included FFI's registry, loaded) declares.
    pub fn add_names_of(&mut self, reg: &cdecl::Registry) {
        self.declarations.extend(reg.declarations().iter().map(|d| d.name.clone()));
        self.typedefs.extend(reg.typedef_names().iter().cloned());
        self.struct_tags.extend(reg.struct_tag_names().cloned());
        self.union_tags.extend(reg.union_tag_names().cloned());
        self.enum_tags.extend(reg.enum_tag_names().cloned());
    }

    fn is_empty(&self) -> bool {
        self.modules.is_empty()
            && self.declarations.is_empty()
            && self.typedefs.is_empty()
            && self.struct_tags.is_empty()
            && self.union_tags.is_empty()
            && self.enum_tags.is_empty()
    }
}

/// In the table of cdefs, a row whose `pack` is this names a module to
/// import and include (its `text`) instead of a cdef.
pub const INCLUDE_ROW: i32 = -1;

/// Bits of `flags` in the table of cdefs: `override=True`,
/// and text given to `ffi.embedding_api()`.
pub const CDEF_OVERRIDE: i32 = 1;
pub const CDEF_DLLEXPORT: i32 = 2;

/// The C source of a module whose FFI included other compiled modules:
/// only its own declarations are compiled, measured and embedded.
pub fn generate_including(src: &ModuleSource, includes: &Includes) -> Result<String, GenError> {
    // a private copy of the declarations, as the parser named them (the
    // generator names anonymous records pointed to by typedefs below)
    let mut arena = cdecl::TypeArena::new();
    let reg = cdecl::snapshot::decode_as_parsed(&src.declarations, &mut arena)?;
    let included = emit::Included::new(&arena, &reg, includes);
    // what the runtime loads instead of parsing the cdefs again (a module
    // including others replays its texts, on top of theirs)
    let snapshot = includes.is_empty().then_some(src.declarations.as_slice());
    name_pointed_anonymous_records(&mut arena, &reg);
    emit::Emitter::new(&mut arena, &reg, src).including(included).with_snapshot(snapshot).run()
}

/// The `cdecl::snapshot` of these cdef texts parsed in order into a new
/// registry: [`ModuleSource::declarations`] for callers that hold only
/// text (the runtime encodes the `FFI`'s registry instead).
pub fn snapshot_of(cdefs: &[CdefInput]) -> Result<Vec<u8>, GenError> {
    let mut arena = cdecl::TypeArena::new();
    let mut reg = cdecl::Registry::new();
    for c in cdefs {
        let options = cdecl::CdefOptions {
            override_existing: c.override_existing,
            dllexport: c.dllexport,
            packing: if c.pack == 0 { cdecl::Packing::Natural } else { cdecl::Packing::Pack(c.pack) },
            ..cdecl::CdefOptions::default()
        };
        reg.cdef(&mut arena, &c.source, &options)?;
    }
    Ok(cdecl::snapshot::encode(&reg, &arena))
}

/// `typedef struct { ... } *foo_p;`: the struct has no C name, but C can
/// spell a pointer to it `foo_p` (cffi's named pointer types).  The names
/// only live in this private arena, for `cspell`.
fn name_pointed_anonymous_records(arena: &mut cdecl::TypeArena, reg: &cdecl::Registry) {
    for name in reg.typedef_names() {
        let Some(ty) = reg.typedef(name) else { continue };
        let cdecl::Type::Pointer(to) = *arena.get(arena.strip_top_quals(ty)) else { continue };
        let cdecl::Type::Record(rid) = *arena.get(to) else { continue };
        let r = arena.record(rid);
        if r.tag.is_none() && r.cname.contains('$') && !r.cname.contains("$$") {
            arena.record_mut(rid).cname = format!("$${name}");
        }
    }
}

