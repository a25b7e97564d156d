//! The type arena: every C type the declarations mention, interned.
//!
//! Structural types (pointers, arrays, functions, qualifiers) are interned, so
//! two spellings of the same type give the same [`TypeId`]. Structs, unions and
//! enums are nominal: each declaration owns a [`RecordId`] / [`EnumId`] whose
//! body may be filled in later (a forward declaration completed by a later
//! `cdef`).

use crate::fxhash::FxHashMap as HashMap;

mod collect;
pub use collect::{Collected, Reachable};

/// Index of a type in a [`TypeArena`]. Cheap to copy and compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub u32);

/// Index of a struct or union body in a [`TypeArena`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(pub u32);

/// Index of an enum body in a [`TypeArena`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnumId(pub u32);

/// C type qualifiers. cffi ignores them for type identity but API mode must
/// emit them again, so they are kept as a wrapper node ([`Type::Qualified`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Quals {
    /// `const`
    pub is_const: bool,
    /// `volatile`
    pub is_volatile: bool,
    /// `restrict` / `__restrict`
    pub is_restrict: bool,
}

impl Quals {
    /// No qualifier.
    pub const NONE: Quals = Quals { is_const: false, is_volatile: false, is_restrict: false };
    /// Just `const`.
    pub const CONST: Quals = Quals { is_const: true, is_volatile: false, is_restrict: false };

    /// Whether no qualifier is set.
    pub fn is_empty(self) -> bool {
        !(self.is_const || self.is_volatile || self.is_restrict)
    }

    /// Both sets of qualifiers.
    pub fn union(self, other: Quals) -> Quals {
        Quals {
            is_const: self.is_const || other.is_const,
            is_volatile: self.is_volatile || other.is_volatile,
            is_restrict: self.is_restrict || other.is_restrict,
        }
    }
}

/// How a primitive value is converted: the family of a [`Prim`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrimKind {
    /// `char`: converted from and to `bytes` of length 1.
    Char,
    /// `wchar_t`, `char16_t`, `char32_t`: converted from and to `str` of length 1.
    WideChar,
    /// `_Bool`: only 0 and 1 are accepted.
    Bool,
    /// `signed char`, `short`, `int`, `long`, `int32_t`, ...
    SignedInt,
    /// The unsigned integers (`size_t`, `uint8_t`, ...).
    UnsignedInt,
    /// `float` and `double`.
    Float,
    /// `long double`: kept as cdata, never converted to a Python float implicitly.
    LongDouble,
    /// `float _Complex` and `double _Complex`.
    Complex,
}

macro_rules! primitives {
    ($( $variant:ident => $name:literal, $kind:ident, $size:expr, $align:expr; )*) => {
        /// Every primitive type cffi knows, each with the C name cffi prints for it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Prim { $( #[doc = concat!("`", $name, "`")] $variant ),* }

        impl Prim {
            /// Every primitive, in declaration order.
            pub const ALL: &'static [Prim] = &[ $( Prim::$variant ),* ];

            /// The name cffi uses in `ctype.cname` and in `repr()`.
            pub fn name(self) -> &'static str {
                match self { $( Prim::$variant => $name ),* }
            }

            /// The conversion family of the type.
            pub fn kind(self) -> PrimKind {
                match self { $( Prim::$variant => PrimKind::$kind ),* }
            }

            /// Size in bytes on the host target (LP64 System V).
            pub fn size(self) -> u64 {
                match self { $( Prim::$variant => $size ),* }
            }

            /// Alignment in bytes on the host target.
            pub fn align(self) -> u64 {
                match self { $( Prim::$variant => $align ),* }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
const CHAR_IS_SIGNED: bool = true;
#[cfg(not(target_arch = "x86_64"))]
const CHAR_IS_SIGNED: bool = false;

primitives! {
    Char => "char", Char, 1, 1;
    SChar => "signed char", SignedInt, 1, 1;
    UChar => "unsigned char", UnsignedInt, 1, 1;
    Short => "short", SignedInt, 2, 2;
    UShort => "unsigned short", UnsignedInt, 2, 2;
    Int => "int", SignedInt, 4, 4;
    UInt => "unsigned int", UnsignedInt, 4, 4;
    Long => "long", SignedInt, 8, 8;
    ULong => "unsigned long", UnsignedInt, 8, 8;
    LongLong => "long long", SignedInt, 8, 8;
    ULongLong => "unsigned long long", UnsignedInt, 8, 8;
    Bool => "_Bool", Bool, 1, 1;
    WChar => "wchar_t", WideChar, 4, 4;
    Char16 => "char16_t", WideChar, 2, 2;
    Char32 => "char32_t", WideChar, 4, 4;
    Float => "float", Float, 4, 4;
    Double => "double", Float, 8, 8;
    LongDouble => "long double", LongDouble, 16, 16;
    FloatComplex => "_cffi_float_complex_t", Complex, 8, 4;
    DoubleComplex => "_cffi_double_complex_t", Complex, 16, 8;
    Int8 => "int8_t", SignedInt, 1, 1;
    UInt8 => "uint8_t", UnsignedInt, 1, 1;
    Int16 => "int16_t", SignedInt, 2, 2;
    UInt16 => "uint16_t", UnsignedInt, 2, 2;
    Int32 => "int32_t", SignedInt, 4, 4;
    UInt32 => "uint32_t", UnsignedInt, 4, 4;
    Int64 => "int64_t", SignedInt, 8, 8;
    UInt64 => "uint64_t", UnsignedInt, 8, 8;
    IntLeast8 => "int_least8_t", SignedInt, 1, 1;
    UIntLeast8 => "uint_least8_t", UnsignedInt, 1, 1;
    IntLeast16 => "int_least16_t", SignedInt, 2, 2;
    UIntLeast16 => "uint_least16_t", UnsignedInt, 2, 2;
    IntLeast32 => "int_least32_t", SignedInt, 4, 4;
    UIntLeast32 => "uint_least32_t", UnsignedInt, 4, 4;
    IntLeast64 => "int_least64_t", SignedInt, 8, 8;
    UIntLeast64 => "uint_least64_t", UnsignedInt, 8, 8;
    IntFast8 => "int_fast8_t", SignedInt, 1, 1;
    UIntFast8 => "uint_fast8_t", UnsignedInt, 1, 1;
    IntFast16 => "int_fast16_t", SignedInt, 8, 8;
    UIntFast16 => "uint_fast16_t", UnsignedInt, 8, 8;
    IntFast32 => "int_fast32_t", SignedInt, 8, 8;
    UIntFast32 => "uint_fast32_t", UnsignedInt, 8, 8;
    IntFast64 => "int_fast64_t", SignedInt, 8, 8;
    UIntFast64 => "uint_fast64_t", UnsignedInt, 8, 8;
    IntPtr => "intptr_t", SignedInt, 8, 8;
    UIntPtr => "uintptr_t", UnsignedInt, 8, 8;
    PtrDiff => "ptrdiff_t", SignedInt, 8, 8;
    Size => "size_t", UnsignedInt, 8, 8;
    SSize => "ssize_t", SignedInt, 8, 8;
    IntMax => "intmax_t", SignedInt, 8, 8;
    UIntMax => "uintmax_t", UnsignedInt, 8, 8;
}

impl Prim {
    /// Whether the type's values are signed; `char` follows the target.
    pub fn is_signed(self) -> bool {
        match self.kind() {
            PrimKind::SignedInt | PrimKind::Float | PrimKind::LongDouble | PrimKind::Complex => true,
            PrimKind::Char => CHAR_IS_SIGNED,
            PrimKind::WideChar => self == Prim::WChar,
            PrimKind::Bool | PrimKind::UnsignedInt => false,
        }
    }

    /// Whether values are integers (characters and `_Bool` included).
    pub fn is_integer(self) -> bool {
        matches!(
            self.kind(),
            PrimKind::Char | PrimKind::WideChar | PrimKind::Bool | PrimKind::SignedInt | PrimKind::UnsignedInt
        )
    }

    /// Whether values are floating point (`long double` included).
    pub fn is_float(self) -> bool {
        matches!(self.kind(), PrimKind::Float | PrimKind::LongDouble)
    }

    /// Look a primitive up by the single name cffi registers for it
    /// (`"int"`, `"size_t"`, `"unsigned long long"`, ...).
    pub fn from_name(name: &str) -> Option<Prim> {
        Prim::ALL.iter().copied().find(|p| p.name() == name)
    }
}

/// The length of an array type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArrayLen {
    /// `T[N]`
    Fixed(u64),
    /// `T[]`: length given at allocation time; decays like a pointer.
    Open,
    /// `T[...]`: length filled in by the C compiler (API mode only). Each
    /// `[...]` written is its own type (the number tells them apart): two
    /// typedefs of `int[...]` may get different lengths, and the inner
    /// dimension of `int[...][...]` is not the `int[...]` of another typedef.
    Unknown(u32),
}

/// Calling convention recorded on a function type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Abi {
    #[default]
    /// The platform's default (`cdecl` on x86-64).
    Default,
    /// `__stdcall` / `WINAPI` (recorded; only meaningful on 32-bit Windows).
    Stdcall,
}

/// A function type: `result(args...)`. Function pointers are
/// `Type::Pointer` to one of these.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncType {
    /// Parameter types, after array-to-pointer decay.
    pub args: Vec<TypeId>,
    /// The result type.
    pub result: TypeId,
    /// Ends in `...`.
    pub variadic: bool,
    /// The calling convention.
    pub abi: Abi,
}

/// One node of the arena.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `void`.
    Void,
    /// A C primitive (`int`, `double`, `size_t`, ...).
    Primitive(Prim),
    /// `typedef int... foo_t;`: an integer type of unknown size and sign
    /// (API mode asks the compiler). The string is the typedef name.
    UnknownInt(String),
    /// `typedef float... foo_t;`
    UnknownFloat(String),
    /// `T *` (also function pointers: a pointer to a `Function`).
    Pointer(TypeId),
    /// `T[N]`, `T[]` or `T[...]`.
    Array {
        /// The element type.
        item: TypeId,
        /// Fixed, open or compiler-given.
        len: ArrayLen,
    },
    /// A function type (only behind a pointer, or as a declaration's type).
    Function(FuncType),
    /// A struct or union, by identity.
    Record(RecordId),
    /// An enum, by identity.
    Enum(EnumId),
    /// `const T`, `volatile T`, ... Never nested: the constructor merges.
    Qualified(TypeId, Quals),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
/// Whether a record is a `struct` or a `union`.
pub enum RecordKind {
    /// `struct`: fields one after the other.
    Struct,
    /// `union`: fields overlap.
    Union,
}

impl RecordKind {
    /// The C keyword, `"struct"` or `"union"`.
    pub fn keyword(self) -> &'static str {
        match self {
            RecordKind::Struct => "struct",
            RecordKind::Union => "union",
        }
    }
}

/// A member of a struct or union, as declared.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Empty for an anonymous nested struct/union member or an unnamed bitfield.
    pub name: String,
    /// The declared type of the field.
    pub ty: TypeId,
    /// `Some(n)` for a bitfield `T name : n` (n may be 0).
    pub bitsize: Option<u32>,
    /// Where the field was declared.
    pub span: crate::Span,
}

/// Where a field ended up; `bitshift`/`bitsize` are -1 for non-bitfields,
/// as cffi's `CField` reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldLayout {
    /// Byte offset from the start of the record (for a bitfield: of the unit holding it).
    pub offset: u64,
    /// Bit position inside that unit, or -1.
    pub bitshift: i32,
    /// Width in bits, or -1.
    pub bitsize: i32,
}

/// Exact memory layout of a complete record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordLayout {
    /// `sizeof`, padding included.
    pub size: u64,
    /// `_Alignof`.
    pub align: u64,
    /// Parallel to `Record::fields`.
    pub fields: Vec<FieldLayout>,
    /// How deep records and arrays nest by value in it, itself counted:
    /// at most [`MAX_TYPE_DEPTH`] (`layout::nesting_depth`), so that code
    /// walking a value field by field recurses a bounded number of times.
    pub depth: u32,
}

/// Packing requested for a record: `cdef(packed=True)` is `Pack(1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Packing {
    #[default]
    /// The platform's natural alignment.
    Natural,
    /// `pack=N` / `#pragma pack(N)`: member alignment capped at N.
    Pack(u32),
}

impl Packing {
    /// The packing of cffi's `pack=` value (`packed=True` is 1, 0 is
    /// none), or cffi's complaint: the one place the rule is checked (the
    /// Python side passes the value on unchecked).
    pub fn from_pack(pack: i64) -> Result<Packing, String> {
        match u32::try_from(pack) {
            Ok(0) => Ok(Packing::Natural),
            Ok(n) if n.is_power_of_two() => Ok(Packing::Pack(n)),
            _ => Err(format!("'pack' must be a power of two, not {pack}")),
        }
    }
}

/// A struct or union: its identity and, once known, its body.
#[derive(Clone, Debug)]
pub struct Record {
    /// `struct` or `union`.
    pub kind: RecordKind,
    /// The tag (`foo` in `struct foo`), `None` for an anonymous record.
    pub tag: Option<String>,
    /// The name cffi prints: `"struct foo"`, or the first typedef name that
    /// named it directly (`typedef struct foo foo_t;` prints `foo_t`).
    pub cname: String,
    /// `None` while the record is only forward-declared (opaque).
    pub fields: Option<Vec<Field>>,
    /// The body contained `...;`: layout comes from the C compiler (API mode).
    pub partial: bool,
    /// `packed` / `pack=N` in force when the body was declared.
    pub packing: Packing,
    /// Alignment forced by `__attribute__((aligned(N)))` on the record:
    /// raises the alignment and pads the size to it.
    pub forced_align: Option<u64>,
    /// Alignment given by `aligned(N)` on the typedef that is the only
    /// name of this anonymous record (`typedef struct {...} T
    /// __attribute__((aligned(16)));`): gcc makes it the alignment of the
    /// type, higher or lower, without padding the size (glibc's
    /// `__pthread_unwind_buf_t`: size 104, alignment 16).
    pub typedef_align: Option<u64>,
    /// Computed when `fields` is set and every field type is complete.
    pub layout: Option<RecordLayout>,
    /// Layout given from outside (API mode: the compiler's answer) instead
    /// of being computed.
    pub layout_is_fixed: bool,
    /// API mode: the compiled module disagrees with the cdef about this
    /// record. cffi reports it when the type's size or fields are first
    /// used, not at import.
    pub broken: Option<crate::Message>,
    /// Where the record was declared (its first declaration).
    pub span: Option<crate::Span>,
}

impl Record {
    /// A record without a body yet.
    fn empty(kind: RecordKind, tag: Option<String>, cname: String, span: Option<crate::Span>) -> Record {
        Record {
            kind,
            tag,
            cname,
            fields: None,
            partial: false,
            packing: Packing::Natural,
            forced_align: None,
            typedef_align: None,
            layout: None,
            layout_is_fixed: false,
            broken: None,
            span,
        }
    }
}

/// An enum: identity, constants and underlying integer type.
#[derive(Clone, Debug)]
pub struct EnumDef {
    /// The tag (`foo` in `enum foo`), `None` when anonymous.
    pub tag: Option<String>,
    /// The name cffi prints: `"enum foo"` or its first typedef name.
    pub cname: String,
    /// `(name, value)` in declaration order.
    pub values: Vec<(String, i128)>,
    /// `enum foo { A, B, ... };`: more values exist (API mode).
    pub partial: bool,
    /// Declared with `...`, and still true once [`crate::resolve::fix_enum`]
    /// has completed it (`partial` is then false): with `ffi.verify()` each
    /// compiled module's `lib` reads its own values of these enumerators,
    /// as cffi's verify() reads them from each module it builds.
    pub declared_partial: bool,
    /// The integer type with the enum's size and sign, as gcc picks it.
    pub base: Prim,
    /// Where the enum was declared.
    pub span: Option<crate::Span>,
}

/// An anonymous record or enum, as [`TypeArena::anonymous_given`] lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Anonymous {
    Record(RecordId),
    Enum(EnumId),
}

/// The deepest type (in pointers, arrays and functions: [`TypeArena::depth`])
/// a declaration may make: deeper ones are no real C and would overflow the
/// stack of the code that walks types recursively (names, layout, copies).
pub const MAX_TYPE_DEPTH: u32 = 200;

/// All types, interned.
#[derive(Clone, Debug, Default)]
pub struct TypeArena {
    types: Vec<Type>,
    interned: HashMap<Type, TypeId>,
    records: Vec<Record>,
    enums: Vec<EnumDef>,
    anonymous_counter: u32,
    /// The anonymous records and enums numbered by the cdef being parsed,
    /// with their numbers (empty outside one): a number given back out of
    /// order renumbers the later ones.
    anonymous_given: Vec<(Anonymous, u32)>,
    /// Whether a cdef is being parsed (`swap_anonymous_counter`).
    numbering: bool,
    /// The last number given to a `[...]` dimension (`ArrayLen::Unknown`).
    unknown_lengths: u32,
    /// Types cffi knows without a declaration whose identity must be
    /// stable (`FILE`, `va_list`): name -> type.
    common: HashMap<String, TypeId>,
    /// Slots given back by [`TypeArena::collect`], reused before the
    /// vectors grow (a program that makes an `FFI` per task stays bounded).
    free_types: Vec<u32>,
    /// `depths[i]`: how many pointers, arrays and functions type `i` nests
    /// (see [`TypeArena::depth`]); kept beside `types`, slot for slot.
    depths: Vec<u32>,
    free_records: Vec<u32>,
    free_enums: Vec<u32>,
}

impl TypeArena {
    /// An empty arena.
    pub fn new() -> Self {
        Self::default()
    }

    /// Intern a structural type. Qualifiers are merged, and an empty
    /// qualifier set returns the inner type itself.
    pub fn intern(&mut self, ty: Type) -> TypeId {
        let ty = match ty {
            Type::Qualified(inner, quals) => {
                if quals.is_empty() {
                    return inner;
                }
                match self.get(inner) {
                    Type::Qualified(base, q) => Type::Qualified(*base, q.union(quals)),
                    _ => Type::Qualified(inner, quals),
                }
            }
            other => other,
        };
        // one hash lookup, whether the type is new or not
        match self.interned.entry(ty) {
            std::collections::hash_map::Entry::Occupied(e) => *e.get(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let depth = match e.key() {
                    Type::Pointer(t) | Type::Array { item: t, .. } => self.depths[t.0 as usize].saturating_add(1),
                    Type::Function(f) => {
                        let inner = f.args.iter().chain([&f.result]).map(|t| self.depths[t.0 as usize]).max();
                        inner.unwrap_or(0).saturating_add(1)
                    }
                    Type::Qualified(t, _) => self.depths[t.0 as usize],
                    _ => 0,
                };
                let slot = place(&mut self.types, &mut self.free_types, e.key().clone());
                match self.depths.get_mut(slot as usize) {
                    Some(d) => *d = depth,
                    None => self.depths.push(depth),
                }
                let id = TypeId(slot);
                e.insert(id);
                id
            }
        }
    }

    /// How deeply `id` nests pointers, arrays and functions (`int` 0,
    /// `int *[3]` 2; a record or enum ends the count: its fields are not
    /// part of its type). Everything that walks a type recurses this deep,
    /// so the parser refuses types deeper than [`MAX_TYPE_DEPTH`].
    pub fn depth(&self, id: TypeId) -> u32 {
        self.depths[id.0 as usize]
    }

    /// The type behind an id.
    pub fn get(&self, id: TypeId) -> &Type {
        &self.types[id.0 as usize]
    }

    /// Number of type slots (live types plus slots [`TypeArena::collect`]
    /// freed for reuse).
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Number of types in use (slots minus the free ones).
    pub fn live_len(&self) -> usize {
        self.types.len() - self.free_types.len()
    }

    /// Whether no type was interned yet.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// `void`.
    pub fn void(&mut self) -> TypeId {
        self.intern(Type::Void)
    }

    /// The type of a primitive.
    pub fn prim(&mut self, p: Prim) -> TypeId {
        self.intern(Type::Primitive(p))
    }

    /// `to *`.
    pub fn pointer(&mut self, to: TypeId) -> TypeId {
        self.intern(Type::Pointer(to))
    }

    /// `item[len]`.
    pub fn array(&mut self, item: TypeId, len: ArrayLen) -> TypeId {
        self.intern(Type::Array { item, len })
    }

    /// `inner` with `quals` added (merged with any it already has).
    pub fn qualified(&mut self, inner: TypeId, quals: Quals) -> TypeId {
        self.intern(Type::Qualified(inner, quals))
    }

    /// Create a new (incomplete) struct or union. Records are nominal, so
    /// this always makes a fresh identity.
    pub fn new_record(&mut self, kind: RecordKind, tag: Option<String>, span: Option<crate::Span>) -> (RecordId, TypeId) {
        let cname = match &tag {
            Some(t) => format!("{} {}", kind.keyword(), t),
            None => {
                self.anonymous_counter += 1;
                format!("{} ${}", kind.keyword(), self.anonymous_counter)
            }
        };
        let anonymous = tag.is_none();
        let record = Record::empty(kind, tag, cname, span);
        let rid = RecordId(place(&mut self.records, &mut self.free_records, record));
        if anonymous && self.numbering {
            self.anonymous_given.push((Anonymous::Record(rid), self.anonymous_counter));
        }
        (rid, self.intern(Type::Record(rid)))
    }

    /// The body of a struct or union.
    pub fn record(&self, id: RecordId) -> &Record {
        &self.records[id.0 as usize]
    }

    /// Number of record slots (ids are `0..record_count()`; after a
    /// [`TypeArena::collect`] some of them are free).
    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    /// Number of enum slots (ids are `0..enum_count()`; after a
    /// [`TypeArena::collect`] some of them are free).
    pub fn enum_count(&self) -> usize {
        self.enums.len()
    }

    /// A built-in named type created on first use (`FILE`, `va_list`).
    pub fn common_type(&self, name: &str) -> Option<TypeId> {
        self.common.get(name).copied()
    }

    /// `FILE` or `va_list`: an opaque struct known without a declaration,
    /// one for the whole arena (cffi: `FILE` is `struct _IO_FILE`).
    pub fn common_record(&mut self, name: &str) -> TypeId {
        if let Some(t) = self.common_type(name) {
            return t;
        }
        let tag = if name == "FILE" { Some("_IO_FILE".to_string()) } else { None };
        let (rid, ty) = self.new_record(RecordKind::Struct, tag, None);
        self.record_mut(rid).cname = name.to_string();
        self.common.insert(name.to_string(), ty);
        ty
    }

    /// The body of a struct or union, for completing or laying it out.
    pub fn record_mut(&mut self, id: RecordId) -> &mut Record {
        &mut self.records[id.0 as usize]
    }

    /// Register a new enum (enums are nominal: always a fresh identity).
    pub fn new_enum(&mut self, def: EnumDef) -> (EnumId, TypeId) {
        let numbered = self.numbering && def.tag.is_none() && def.cname == format!("enum ${}", self.anonymous_counter);
        let eid = EnumId(place(&mut self.enums, &mut self.free_enums, def));
        if numbered {
            self.anonymous_given.push((Anonymous::Enum(eid), self.anonymous_counter));
        }
        (eid, self.intern(Type::Enum(eid)))
    }

    /// A `[...]` dimension distinct from every other.
    pub(crate) fn new_unknown_length(&mut self) -> ArrayLen {
        self.unknown_lengths += 1;
        ArrayLen::Unknown(self.unknown_lengths)
    }

    /// Make `n` the last anonymous number given; returns the previous one
    /// (each registry numbers its own anonymous types, see `parser::cdef`).
    /// `numbering`: whether a cdef's parse starts (or ends) here.
    pub(crate) fn swap_anonymous_counter(&mut self, n: u32, numbering: bool) -> u32 {
        self.anonymous_given.clear();
        self.numbering = numbering;
        std::mem::replace(&mut self.anonymous_counter, n)
    }

    /// An anonymous type named by a typedef after all (`typedef struct {
    /// ... } foo_t;`): its number is given back, so that `$1` goes to the
    /// first type left unnamed, as in cffi (which knows the typedef name
    /// before numbering). Types numbered after it (nested in its body:
    /// `typedef struct { struct { int a; } f; } t;`) move down by one.
    pub(crate) fn give_back_anonymous_name(&mut self, cname: &str) {
        let Some(number) = cname.rsplit_once('$').and_then(|(_, n)| n.parse::<u32>().ok()) else {
            return;
        };
        if number == self.anonymous_counter {
            self.anonymous_counter -= 1;
            self.anonymous_given.retain(|&(_, n)| n != number);
            return;
        }
        if number > self.anonymous_counter || !self.anonymous_given.iter().any(|&(_, n)| n == number) {
            return; // not one of this cdef's numbers
        }
        self.anonymous_given.retain(|&(_, n)| n != number);
        let later: Vec<(Anonymous, u32)> = self.anonymous_given.iter().copied().filter(|&(_, n)| n > number).collect();
        for (anon, n) in later {
            let old = format!("${n}");
            let new = format!("${}", n - 1);
            let cname = match anon {
                Anonymous::Record(rid) => &mut self.records[rid.0 as usize].cname,
                Anonymous::Enum(eid) => &mut self.enums[eid.0 as usize].cname,
            };
            if let Some(head) = cname.strip_suffix(&old) {
                *cname = format!("{head}{new}");
            }
        }
        for entry in self.anonymous_given.iter_mut() {
            if entry.1 > number {
                entry.1 -= 1;
            }
        }
        self.anonymous_counter -= 1;
    }

    /// A fresh anonymous name (`$1`, `$2`, ...) for an unnamed enum.
    pub fn next_anonymous_name(&mut self) -> String {
        self.anonymous_counter += 1;
        format!("${}", self.anonymous_counter)
    }

    /// The body of an enum.
    pub fn enum_def(&self, id: EnumId) -> &EnumDef {
        &self.enums[id.0 as usize]
    }

    /// The body of an enum, for completing it.
    pub fn enum_def_mut(&mut self, id: EnumId) -> &mut EnumDef {
        &mut self.enums[id.0 as usize]
    }

    /// The type with every qualifier removed, at every depth: the identity
    /// cffi gives a type (`const char *` is `char *`).
    pub fn unqualified(&mut self, id: TypeId) -> TypeId {
        match self.get(id).clone() {
            Type::Qualified(inner, _) => self.unqualified(inner),
            Type::Pointer(to) => {
                let to = self.unqualified(to);
                self.pointer(to)
            }
            Type::Array { item, len } => {
                let item = self.unqualified(item);
                self.array(item, len)
            }
            Type::Function(f) => {
                let args = f.args.iter().map(|&a| self.unqualified(a)).collect();
                let result = self.unqualified(f.result);
                self.intern(Type::Function(FuncType { args, result, variadic: f.variadic, abi: f.abi }))
            }
            _ => id,
        }
    }

    /// The qualifiers directly on `id` (not on what it points to).
    pub fn quals_of(&self, id: TypeId) -> Quals {
        match self.get(id) {
            Type::Qualified(_, q) => *q,
            _ => Quals::NONE,
        }
    }

    /// `id` without its top-level qualifiers.
    pub fn strip_top_quals(&self, id: TypeId) -> TypeId {
        match self.get(id) {
            Type::Qualified(inner, _) => *inner,
            _ => id,
        }
    }
}

/// Put `item` in a slot `free` lists (given back by `TypeArena::collect`),
/// or at the end of `slots`: its index.
fn place<T>(slots: &mut Vec<T>, free: &mut Vec<u32>, item: T) -> u32 {
    match free.pop() {
        Some(i) => {
            slots[i as usize] = item;
            i
        }
        None => {
            slots.push(item);
            (slots.len() - 1) as u32
        }
    }
}
