//! The declarations of one `FFI` instance: name tables over a shared arena.
//!
//! CONTRACT (used by crates/python): the public items below are the API the
//! runtime relies on. Implementations may change; signatures should not
//! without updating the runtime.

use crate::fxhash::FxHashMap as HashMap;

use crate::types::{Packing, TypeArena, TypeId};
use crate::{Error, Span};

/// Options of one `ffi.cdef()` call.
#[derive(Clone, Debug)]
pub struct CdefOptions {
    /// `override=True`: later declarations replace earlier ones.
    pub override_existing: bool,
    /// `packed=True` is `Packing::Pack(1)`; `pack=N` is `Packing::Pack(N)`.
    pub packing: Packing,
    /// The name used in diagnostics, `<cdef source string>` by default.
    pub source_name: String,
    /// Real-header mode (`cdef_header`): GNU C accepted (`__attribute__`,
    /// `__extension__`, `static inline` bodies, `_Static_assert`, ...),
    /// repeated compatible declarations allowed, and a declaration that
    /// cannot be represented is skipped with a warning instead of failing
    /// the whole text. Plain `cdef()` keeps cffi's strict behaviour.
    pub header_mode: bool,
    /// `ffi.embedding_api()`: every function declared is exported by the
    /// built library and implemented in Python (cffi's `dllexport`).
    pub dllexport: bool,
}

impl Default for CdefOptions {
    fn default() -> Self {
        CdefOptions {
            override_existing: false,
            packing: Packing::Natural,
            source_name: "<cdef source string>".to_string(),
            header_mode: false,
            dllexport: false,
        }
    }
}

/// What a successful `cdef` reports besides the declarations.
#[derive(Clone, Debug, Default)]
pub struct CdefReport {
    /// Messages cffi emits as `UserWarning`s.
    pub warnings: Vec<String>,
}

/// The value of a named constant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConstValue {
    /// A value known from the cdef text.
    Int(i128),
    /// `#define X ...` or `static const int X;`: only the compiler knows.
    Unknown,
}

/// What a name declares (functions, variables and constants share one namespace).
#[derive(Clone, Debug, PartialEq)]
pub enum DeclKind {
    /// `int f(int);`. `ty` is a `Type::Function`. `asm_name` is the symbol
    /// to look up when it differs from the name (`__asm__("sym")`).
    Function {
        /// The function type.
        ty: TypeId,
        /// The symbol to look up instead of the name.
        asm_name: Option<String>,
    },
    /// `extern int x;` / `int x;` / `const int z;` (`ty` may be const-qualified).
    Variable {
        /// The variable's type.
        ty: TypeId,
    },
    /// `#define N 42`, `#define N ...`, `static const int N;`, `static const int N = 5;`.
    Constant {
        /// The constant's type.
        ty: TypeId,
        /// Its value, if the text gives it.
        value: ConstValue,
    },
    /// An enumerator; `ty` is the `Type::Enum` it belongs to.
    EnumConstant {
        /// The enum type.
        ty: TypeId,
        /// The enumerator's value.
        value: i128,
    },
    /// A function inside `extern "Python" { }` (`plus_c` for `"Python+C"`).
    ExternPython {
        /// The function type.
        ty: TypeId,
        /// Declared in `extern "Python+C"`.
        plus_c: bool,
        /// Declared by `ffi.embedding_api()`: exported from the library.
        dllexport: bool,
    },
}

impl DeclKind {
    /// The declared type (a `Type::Function` for functions).
    pub fn ty(&self) -> TypeId {
        match *self {
            DeclKind::Function { ty, .. }
            | DeclKind::Variable { ty }
            | DeclKind::Constant { ty, .. }
            | DeclKind::EnumConstant { ty, .. }
            | DeclKind::ExternPython { ty, .. } => ty,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
/// One declared name.
pub struct Declaration {
    /// The declared name.
    pub name: String,
    /// What it declares.
    pub kind: DeclKind,
    /// Where, in its cdef text.
    pub span: Span,
}

/// The declarations of one FFI, in order, with its name tables.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    pub(crate) decls: Vec<Declaration>,
    pub(crate) by_name: HashMap<String, usize>,
    pub(crate) typedefs: HashMap<String, TypeId>,
    pub(crate) typedef_order: Vec<String>,
    /// `struct foo`, `union foo`, `enum foo` by their tag.
    pub(crate) struct_tags: HashMap<String, TypeId>,
    pub(crate) union_tags: HashMap<String, TypeId>,
    pub(crate) enum_tags: HashMap<String, TypeId>,
    /// Tags first mentioned in a type string (`ffi.typeof("struct foo")`)
    /// rather than in a cdef: opaque records created on the fly, kept so
    /// that every later mention (and a later definition) is the same type
    /// while anything uses that type. They are weak roots: the collector
    /// forgets those it did not reach otherwise
    /// ([`Registry::forget_unreached_implicit_tags`]), so that distinct
    /// names in type strings (`"struct s%d *" % n`) do not pile up; a later
    /// mention makes the type again, and no object can tell.
    pub(crate) implicit_tags: ImplicitTags,
    /// Names `cdef_header` skipped, with the reason: using one gives that
    /// reason instead of "unknown name".
    pub(crate) skipped: HashMap<String, String>,
    /// The last `$N` given to an anonymous struct, union or enum of this
    /// registry: numbering restarts at `$1` in each FFI, as in cffi, and
    /// goes on in type strings (`ffi.typeof("struct { int a; } *")`), which
    /// parse with a shared registry: hence a `Cell`.
    pub(crate) anonymous_count: std::cell::Cell<u32>,
    /// Declarations still in a snapshot, declared on first use
    /// ([`Registry::from_snapshot`]); shared with clones, so that a type is
    /// built once for all of them.
    pub(crate) lazy: Option<crate::snapshot::Shared>,
    /// `implicit_tags` still in the snapshot: `(keyword, tag, type)`.
    pub(crate) pending_implicit: Vec<(u8, String, u32)>,
}

/// `(keyword, tag) -> type` behind a lock, because `parse_type` only has
/// `&Registry`.
#[derive(Debug, Default)]
pub(crate) struct ImplicitTags(pub(crate) std::sync::Mutex<HashMap<(u8, String), TypeId>>);

impl Clone for ImplicitTags {
    fn clone(&self) -> Self {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        ImplicitTags(std::sync::Mutex::new(map))
    }
}

impl ImplicitTags {
    pub(crate) fn get(&self, kind: u8, tag: &str) -> Option<TypeId> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&(kind, tag.to_string())).copied()
    }

    pub(crate) fn insert(&self, kind: u8, tag: &str, ty: TypeId) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert((kind, tag.to_string()), ty);
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// A registry declaring what the snapshot `bytes` holds (made by
    /// `snapshot::encode`), read as it is used: each name is declared when
    /// [`Registry::load`] (or [`Registry::load_all`]) first asks for it.
    /// With `facts`, each declaration, enum and record read gets the
    /// compiler's answers as `resolve::apply` would give them (valid when
    /// none has an effect beyond the item itself: no `typedef int... t;`,
    /// `typedef float... t;` or `[...]`). Records and enums declared
    /// under a tag are named by it (`names::name_by_tag`). Bytes that
    /// are not a snapshot of this format are an error now; damage further
    /// in, an error of the load that reads it.
    pub fn from_snapshot(
        bytes: crate::snapshot::SnapshotBytes,
        facts: Option<std::sync::Arc<dyn crate::resolve::Facts + Send + Sync>>,
    ) -> Result<Registry, Error> {
        let mut reg = Registry::new();
        reg.lazy = Some(crate::snapshot::open(bytes, facts, &mut reg)?);
        Ok(reg)
    }

    /// Whether declarations are still to be read from a snapshot. Lookups
    /// by name ([`lookup`](Self::lookup), [`typedef`](Self::typedef), the
    /// tags) then only see what [`load`](Self::load) brought in, and the
    /// lists ([`declarations`](Self::declarations), ...) need
    /// [`load_all`](Self::load_all) first.
    pub fn is_lazy(&self) -> bool {
        self.lazy.is_some()
    }

    /// Declare what `name` stands for in the snapshot, if anything: a
    /// function, variable, constant or enumerator, a typedef, a struct,
    /// union or enum tag (with every type they reach). Nothing to do for a
    /// registry that is not lazy.
    pub fn load(&mut self, arena: &mut TypeArena, name: &str) -> Result<(), Error> {
        if self.lazy.is_none() {
            return Ok(());
        }
        crate::snapshot::load_name(self, arena, name)
    }

    /// [`load`](Self::load) for what [`lookup`](Self::lookup) gives only
    /// (a function, variable, constant or enumerator named `name`): a
    /// typedef or tag of the same name stays unread.
    pub fn load_declaration(&mut self, arena: &mut TypeArena, name: &str) -> Result<(), Error> {
        if self.lazy.is_none() || self.by_name.contains_key(name) {
            return Ok(());
        }
        crate::snapshot::load_declaration(self, arena, name)
    }

    /// [`load`](Self::load) every identifier of the type string `text`
    /// (typedef names, tags, constants in array lengths): what
    /// [`parse_type`](Self::parse_type) may look up.
    pub fn load_type_text(&mut self, arena: &mut TypeArena, text: &str) -> Result<(), Error> {
        if self.lazy.is_none() {
            return Ok(());
        }
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$')) {
            if word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                self.load(arena, word)?;
            }
        }
        Ok(())
    }

    /// Declare everything still in the snapshot, in declaration order;
    /// the registry is an ordinary one afterwards.
    pub fn load_all(&mut self, arena: &mut TypeArena) -> Result<(), Error> {
        crate::snapshot::load_all(self, arena)
    }

    /// Parse `source` and add its declarations. On error nothing is added.
    pub fn cdef(&mut self, arena: &mut TypeArena, source: &str, options: &CdefOptions) -> Result<CdefReport, Error> {
        self.load_all(arena)?;
        crate::parser::cdef(self, arena, source, options)
    }

    /// Parse a type as `ffi.typeof("...")`, `ffi.new("...")` take it:
    /// `"int"`, `"struct s *"`, `"foo_t[10]"`, `"int(*)(int)"`, `"int(int)"`.
    pub fn parse_type(&self, arena: &mut TypeArena, text: &str) -> Result<TypeId, Error> {
        crate::parser::parse_type(self, arena, text)
    }

    /// Why `cdef_header` skipped the declaration of `name`, if it did.
    pub fn skipped_reason(&self, name: &str) -> Option<&str> {
        self.skipped.get(name).map(String::as_str)
    }

    /// Every declaration, in order (of a lazy registry: after `load_all`).
    pub fn declarations(&self) -> &[Declaration] {
        debug_assert!(!self.is_lazy(), "declarations() of a lazy registry: load_all() first");
        &self.decls
    }

    /// A function, variable, constant, enumerator or extern "Python" by name.
    pub fn lookup(&self, name: &str) -> Option<&Declaration> {
        self.by_name.get(name).map(|&i| &self.decls[i])
    }

    /// The type a typedef name stands for.
    pub fn typedef(&self, name: &str) -> Option<TypeId> {
        self.typedefs.get(name).copied()
    }

    /// Typedef names in declaration order (of a lazy registry: after `load_all`).
    pub fn typedef_names(&self) -> &[String] {
        debug_assert!(!self.is_lazy(), "typedef_names() of a lazy registry: load_all() first");
        &self.typedef_order
    }

    /// `struct TAG`, if declared.
    pub fn struct_tag(&self, tag: &str) -> Option<TypeId> {
        self.struct_tags.get(tag).copied()
    }

    /// `union TAG`, if declared.
    pub fn union_tag(&self, tag: &str) -> Option<TypeId> {
        self.union_tags.get(tag).copied()
    }

    /// `enum TAG`, if declared.
    pub fn enum_tag(&self, tag: &str) -> Option<TypeId> {
        self.enum_tags.get(tag).copied()
    }

    /// Tags of every named struct (for `ffi.list_types()`; of a lazy
    /// registry: after `load_all`).
    pub fn struct_tag_names(&self) -> impl Iterator<Item = &String> {
        debug_assert!(!self.is_lazy(), "struct_tag_names() of a lazy registry: load_all() first");
        self.struct_tags.keys()
    }

    /// The tags of declared unions (of a lazy registry: after `load_all`).
    pub fn union_tag_names(&self) -> impl Iterator<Item = &String> {
        debug_assert!(!self.is_lazy(), "union_tag_names() of a lazy registry: load_all() first");
        self.union_tags.keys()
    }

    /// The tags of declared enums (of a lazy registry: after `load_all`).
    pub fn enum_tag_names(&self) -> impl Iterator<Item = &String> {
        debug_assert!(!self.is_lazy(), "enum_tag_names() of a lazy registry: load_all() first");
        self.enum_tags.keys()
    }

    /// Every type this registry names (declarations, typedefs, tags,
    /// what a lazy snapshot built so far): the roots it gives
    /// [`TypeArena::reachable`]. `None` if its snapshot is being read.
    ///
    /// Tags first met in type strings are not among them (they are weak):
    /// between `reachable` and [`TypeArena::sweep`], call
    /// [`forget_unreached_implicit_tags`](Self::forget_unreached_implicit_tags)
    /// on every registry of the arena, or one of them may name a freed
    /// slot. [`TypeArena::collect`] with these roots alone is only for a
    /// registry that never parsed a type string naming a new tag.
    pub fn type_roots(&self) -> Option<Vec<TypeId>> {
        let mut roots: Vec<TypeId> = self.decls.iter().map(|d| d.kind.ty()).collect();
        roots.extend(self.typedefs.values().copied());
        roots.extend(self.struct_tags.values().copied());
        roots.extend(self.union_tags.values().copied());
        roots.extend(self.enum_tags.values().copied());
        if let Some(lazy) = &self.lazy {
            // try_lock: a clone sharing the snapshot may be reading it
            // (then it holds the arena too, and the collector gives up)
            match lazy.try_lock() {
                Ok(l) => roots.extend(l.built_types()),
                Err(std::sync::TryLockError::Poisoned(e)) => roots.extend(e.into_inner().built_types()),
                Err(std::sync::TryLockError::WouldBlock) => return None,
            }
        }
        Some(roots)
    }

    /// Forget the tags first met in type strings whose type `reached`
    /// does not contain (nothing else uses them: an error path such as
    /// `ffi.new("struct nosuch *")`, or a type string dropped since); the
    /// number forgotten. Call it between [`TypeArena::reachable`] and
    /// [`TypeArena::sweep`] of the same arena.
    pub fn forget_unreached_implicit_tags(&self, reached: &crate::types::Reachable) -> usize {
        let mut map = self.implicit_tags.0.lock().unwrap_or_else(|e| e.into_inner());
        let before = map.len();
        map.retain(|_, ty| reached.contains(*ty));
        if map.capacity() > 4 * map.len().max(16) {
            map.shrink_to_fit();
        }
        before - map.len()
    }

    /// `ffi.include(other)`: make every name of `other` visible here.
    /// Both must use the same arena, and be loaded (`load_all`) if lazy.
    /// Conflicting names are an error.
    pub fn include(&mut self, other: &Registry) -> Result<(), Error> {
        debug_assert!(!self.is_lazy() && !other.is_lazy(), "include() of a lazy registry: load_all() first");
        crate::parser::include(self, other)
    }
}
