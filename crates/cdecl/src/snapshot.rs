//! A registry and the types it uses, as bytes: written from the `FFI`'s own
//! registry when a compiled (or out-of-line) module is generated, read by
//! the C generator (`decode_as_parsed`) and again when the module is
//! imported, instead of parsing its cdef text again.
//!
//! CONTRACT (used by crates/codegen and crates/python): [`encode`],
//! [`decode`], [`decode_as_parsed`], and `Registry::from_snapshot` with
//! [`SnapshotBytes`]. The
//! format is private to one version of rcffi (the module protocol version
//! and [`FORMAT`] guard it).
//!
//! Reading is lazy: opening a snapshot reads a fixed header; a name is
//! found by binary search in tables sorted by name, and its declaration,
//! typedef or tag is built (with the types it reaches) the first time it
//! is asked for (`Registry::load`), so importing a module costs what the
//! program uses, not what the module declares. Layout of the bytes:
//!
//! - `FORMAT`, then [`HEADER_WORDS`] little-endian `u32`: the total
//!   length, then for each table its count and offset;
//! - entries (varints, strings as length + UTF-8): types numbered children
//!   first (a type only refers to lower numbers, so reading one cannot
//!   loop), records and enums apart (a record's fields may lead back to
//!   it, so a record is created first and its fields read after),
//!   declarations, typedefs and tags;
//! - tables of `u32` entry offsets: types, records and enums by number,
//!   declarations and typedefs by name and in declaration order, struct,
//!   union and enum tags by name;
//! - the small rest, read at once: tags first met in type strings, names
//!   `cdef_header` skipped, the anonymous counter.
//!
//! Records and enums declared under a tag are named by it (`struct foo`,
//! as cffi's type tables name them) when they are read. With compiler
//! facts (`resolve::Facts`), each declaration, enum and record gets what
//! `resolve::apply` would give it as it is read; layouts are otherwise
//! not stored: they are computed after loading.
//!
//! Damaged bytes are an [`Error`] ("rebuild it") when the part they damage
//! is read, never a panic.

use std::sync::{Arc, Mutex};

use crate::fxhash::FxHashMap as HashMap;
use crate::registry::{ConstValue, DeclKind, Declaration, Registry};
use crate::resolve::Facts;
use crate::types::{Abi, ArrayLen, EnumDef, Field, FuncType, Packing, Prim, Quals, RecordId, RecordKind, Type, TypeArena, TypeId};
use crate::{Error, Span};

/// The format's number, the first byte of every snapshot: bytes of another
/// format are refused (out-of-line `.py` modules may outlive an rcffi).
pub const FORMAT: u8 = 3;

/// `u32` words after the format byte: the total length, then (count,
/// offset) for each table of [`Table`].
pub const HEADER_WORDS: usize = 1 + 2 * TABLES;
const HEADER_LEN: usize = 1 + 4 * HEADER_WORDS;

/// The tables of a snapshot, in header order.
#[derive(Clone, Copy)]
enum Table {
    Types,
    Records,
    Enums,
    DeclsByName,
    DeclsInOrder,
    TypedefsByName,
    TypedefsInOrder,
    StructTags,
    UnionTags,
    EnumTags,
    /// One entry: where the rest starts.
    Rest,
}
const TABLES: usize = 11;

/// The bytes a lazily loaded registry reads from: the static data of a
/// compiled module, or a copy.
pub enum SnapshotBytes {
    /// Lives as long as the process (a loaded extension module's data).
    Static(&'static [u8]),
    /// Owned by the registry.
    Owned(Box<[u8]>),
}

impl SnapshotBytes {
    fn get(&self) -> &[u8] {
        match self {
            SnapshotBytes::Static(b) => b,
            SnapshotBytes::Owned(b) => b,
        }
    }
}

fn damaged() -> Error {
    Error::ffi(crate::Message::DamagedSnapshot)
}

/// The bytes of `reg` and every type it reaches in `arena`.
pub fn encode(reg: &Registry, arena: &TypeArena) -> Vec<u8> {
    debug_assert!(!reg.is_lazy(), "encode() reads every declaration: load_all() first");
    let mut e = Encoder { arena, out: vec![0; HEADER_LEN], types: HashMap::default(), type_at: Vec::new(), records: Vec::new(), record_index: HashMap::default(), enums: Vec::new(), enum_index: HashMap::default() };
    e.out[0] = FORMAT;
    // number every type first (records' fields and enums included)
    let mut roots: Vec<TypeId> = reg.decls.iter().map(|d| d.kind.ty()).collect();
    roots.extend(reg.typedef_order.iter().map(|n| reg.typedefs[n]));
    for map in [&reg.struct_tags, &reg.union_tags, &reg.enum_tags] {
        roots.extend(sorted(map).into_iter().map(|(_, t)| t));
    }
    let implicit: Vec<((u8, String), TypeId)> = {
        let map = reg.implicit_tags.0.lock().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<_> = map.iter().map(|(k, &t)| (k.clone(), t)).collect();
        v.sort();
        v
    };
    roots.extend(implicit.iter().map(|(_, t)| *t));
    for t in roots {
        e.number(t);
    }
    // records and enums declared under a tag are named by it when read
    let tagged: std::collections::HashSet<Type> = reg
        .struct_tags
        .values()
        .chain(reg.union_tags.values())
        .chain(reg.enum_tags.values())
        .map(|&t| arena.get(t).clone())
        .collect();
    let mut tables: Vec<Vec<usize>> = vec![Vec::new(); TABLES];
    tables[Table::Types as usize] = e.type_at.clone();
    for rid in e.records.clone() {
        tables[Table::Records as usize].push(e.out.len());
        e.record(rid, tagged.contains(&Type::Record(rid)));
    }
    for eid in e.enums.clone() {
        tables[Table::Enums as usize].push(e.out.len());
        e.enum_def(eid, tagged.contains(&Type::Enum(eid)));
    }
    let mut decls = Vec::new();
    for d in &reg.decls {
        decls.push((d.name.as_str(), e.out.len()));
        e.declaration(d);
    }
    tables[Table::DeclsInOrder as usize] = decls.iter().map(|&(_, at)| at).collect();
    tables[Table::DeclsByName as usize] = by_name(decls);
    let mut typedefs = Vec::new();
    for name in &reg.typedef_order {
        typedefs.push((name.as_str(), e.out.len()));
        e.named(name, reg.typedefs[name]);
    }
    tables[Table::TypedefsInOrder as usize] = typedefs.iter().map(|&(_, at)| at).collect();
    tables[Table::TypedefsByName as usize] = by_name(typedefs);
    for (table, map) in [(Table::StructTags, &reg.struct_tags), (Table::UnionTags, &reg.union_tags), (Table::EnumTags, &reg.enum_tags)] {
        let mut entries = Vec::new();
        for (name, t) in sorted(map) {
            entries.push((name.as_str(), e.out.len()));
            e.named(name, t);
        }
        tables[table as usize] = by_name(entries);
    }
    // the rest, read at once
    tables[Table::Rest as usize] = vec![e.out.len()];
    put_len(&mut e.out, implicit.len());
    for ((kind, tag), t) in &implicit {
        e.out.push(*kind);
        put_str(&mut e.out, tag);
        put_len(&mut e.out, e.types[t]);
    }
    let skipped = sorted(&reg.skipped);
    put_len(&mut e.out, skipped.len());
    for (name, why) in skipped {
        put_str(&mut e.out, name);
        put_str(&mut e.out, &why);
    }
    put_len(&mut e.out, reg.anonymous_count.get() as usize);
    // the tables, then the header pointing at them
    let mut header = Vec::new();
    for table in &tables {
        header.push(table.len());
        header.push(e.out.len());
        for &at in table {
            e.out.extend_from_slice(&word(at));
        }
    }
    let total = e.out.len();
    let mut at = 1;
    for w in std::iter::once(total).chain(header) {
        e.out[at..at + 4].copy_from_slice(&word(w));
        at += 4;
    }
    e.out
}

fn word(n: usize) -> [u8; 4] {
    u32::try_from(n).expect("a snapshot is smaller than 4 GiB").to_le_bytes()
}

/// Entry offsets sorted by their names (bytewise, as lookups compare).
fn by_name(mut entries: Vec<(&str, usize)>) -> Vec<usize> {
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    entries.into_iter().map(|(_, at)| at).collect()
}

/// Load `bytes` (made by [`encode`]) into the empty registry `reg`, all of
/// it at once: new records and enums in `arena`, the other types interned.
pub fn decode(bytes: &[u8], reg: &mut Registry, arena: &mut TypeArena) -> Result<(), Error> {
    if !reg.decls.is_empty() || !reg.typedefs.is_empty() || !reg.struct_tags.is_empty() || !reg.union_tags.is_empty() || !reg.enum_tags.is_empty() {
        return Err(Error::ffi(crate::Message::SnapshotNotEmpty));
    }
    // into a registry of its own: `reg` is untouched unless all went well
    let mut loaded = Registry::from_snapshot(SnapshotBytes::Owned(bytes.into()), None)?;
    loaded.load_all(arena)?;
    *reg = loaded;
    Ok(())
}

/// Every declaration of `bytes` (made by [`encode`]) read at once into a
/// new registry whose records and enums keep the names the parser gave
/// them (a typedef's, where [`decode`] names them by tag as cffi's type
/// tables do): the registry as it was when encoded, what the C generator
/// of a compiled module spells its types with.
pub fn decode_as_parsed(bytes: &[u8], arena: &mut TypeArena) -> Result<Registry, Error> {
    let mut reg = Registry::new();
    let shared = open(SnapshotBytes::Owned(bytes.into()), None, &mut reg)?;
    shared.lock().unwrap_or_else(|p| p.into_inner()).name_by_tag = false;
    reg.lazy = Some(shared);
    reg.load_all(arena)?;
    Ok(reg)
}

fn sorted<V: Clone>(map: &std::collections::HashMap<String, V, impl std::hash::BuildHasher>) -> Vec<(&String, V)> {
    let mut v: Vec<_> = map.iter().map(|(k, t)| (k, t.clone())).collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

// ---- bytes ------------------------------------------------------------------

/// 7 bits a byte, low bits first; the high bit says more follow.
fn put_varint(out: &mut Vec<u8>, mut n: u128) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    put_varint(out, n as u128);
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    put_varint(out, u128::from(n));
}

/// Zigzag first: small values of either sign take one byte.
fn put_i128(out: &mut Vec<u8>, n: i128) {
    put_varint(out, ((n << 1) ^ (n >> 127)) as u128);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_span(out: &mut Vec<u8>, s: Span) {
    put_len(out, s.start as usize);
    put_len(out, s.end as usize);
}

fn put_opt_span(out: &mut Vec<u8>, s: Option<Span>) {
    match s {
        Some(s) => {
            out.push(1);
            put_span(out, s);
        }
        None => out.push(0),
    }
}

fn put_opt_str(out: &mut Vec<u8>, s: &Option<String>) {
    match s {
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
        None => out.push(0),
    }
}

fn quals_bits(q: Quals) -> u8 {
    u8::from(q.is_const) | u8::from(q.is_volatile) << 1 | u8::from(q.is_restrict) << 2
}

fn prim_index(p: Prim) -> usize {
    Prim::ALL.iter().position(|&x| x == p).expect("every primitive is listed")
}

struct Encoder<'a> {
    arena: &'a TypeArena,
    out: Vec<u8>,
    /// Arena type -> its number in the snapshot.
    types: HashMap<TypeId, usize>,
    /// Where the entry of each numbered type starts.
    type_at: Vec<usize>,
    records: Vec<RecordId>,
    record_index: HashMap<RecordId, usize>,
    enums: Vec<crate::types::EnumId>,
    enum_index: HashMap<crate::types::EnumId, usize>,
}

const T_VOID: u8 = 0;
const T_PRIM: u8 = 1;
const T_UNKNOWN_INT: u8 = 2;
const T_UNKNOWN_FLOAT: u8 = 3;
const T_POINTER: u8 = 4;
const T_ARRAY: u8 = 5;
const T_FUNCTION: u8 = 6;
const T_RECORD: u8 = 7;
const T_ENUM: u8 = 8;
const T_QUALIFIED: u8 = 9;
/// `FILE`, `va_list`: the arena's own (`TypeArena::common_record`).
const T_COMMON: u8 = 10;

const COMMON_RECORDS: [&str; 2] = ["FILE", "va_list"];

impl Encoder<'_> {
    /// Give `t` (after what it is made of) a number, writing its entry.
    fn number(&mut self, t: TypeId) -> usize {
        if let Some(&n) = self.types.get(&t) {
            return n;
        }
        let entry = match self.arena.get(t).clone() {
            Type::Void => vec![T_VOID],
            Type::Primitive(p) => {
                let mut v = vec![T_PRIM];
                put_len(&mut v, prim_index(p));
                v
            }
            Type::UnknownInt(n) | Type::UnknownFloat(n) => {
                let mut v = vec![if matches!(self.arena.get(t), Type::UnknownInt(_)) { T_UNKNOWN_INT } else { T_UNKNOWN_FLOAT }];
                put_str(&mut v, &n);
                v
            }
            Type::Pointer(to) => {
                let to = self.number(to);
                let mut v = vec![T_POINTER];
                put_len(&mut v, to);
                v
            }
            Type::Array { item, len } => {
                let item = self.number(item);
                let mut v = vec![T_ARRAY];
                put_len(&mut v, item);
                match len {
                    ArrayLen::Fixed(n) => {
                        v.push(0);
                        put_u64(&mut v, n);
                    }
                    ArrayLen::Open => v.push(1),
                    ArrayLen::Unknown(n) => {
                        v.push(2);
                        put_len(&mut v, n as usize);
                    }
                }
                v
            }
            Type::Function(f) => {
                let args: Vec<usize> = f.args.iter().map(|&a| self.number(a)).collect();
                let result = self.number(f.result);
                let mut v = vec![T_FUNCTION];
                put_len(&mut v, args.len());
                for a in args {
                    put_len(&mut v, a);
                }
                put_len(&mut v, result);
                v.push(u8::from(f.variadic) | u8::from(f.abi == Abi::Stdcall) << 1);
                v
            }
            Type::Record(_) if COMMON_RECORDS.iter().any(|n| self.arena.common_type(n) == Some(t)) => {
                let name = COMMON_RECORDS.iter().find(|n| self.arena.common_type(n) == Some(t)).expect("just found");
                let mut v = vec![T_COMMON];
                put_str(&mut v, name);
                v
            }
            Type::Record(rid) => {
                let n = self.records.len();
                let i = *self.record_index.entry(rid).or_insert(n);
                if i == n {
                    self.records.push(rid);
                }
                let mut v = vec![T_RECORD];
                put_len(&mut v, i);
                // its fields may lead back here: numbered now, written later
                let me = self.push_entry(t, &v);
                let tys: Vec<TypeId> = self.arena.record(rid).fields.iter().flatten().map(|f| f.ty).collect();
                for ft in tys {
                    self.number(ft);
                }
                return me;
            }
            Type::Enum(eid) => {
                let n = self.enums.len();
                let i = *self.enum_index.entry(eid).or_insert(n);
                if i == n {
                    self.enums.push(eid);
                }
                let mut v = vec![T_ENUM];
                put_len(&mut v, i);
                v
            }
            Type::Qualified(inner, q) => {
                let inner = self.number(inner);
                let mut v = vec![T_QUALIFIED];
                put_len(&mut v, inner);
                v.push(quals_bits(q));
                v
            }
        };
        self.push_entry(t, &entry)
    }

    fn push_entry(&mut self, t: TypeId, entry: &[u8]) -> usize {
        let me = self.type_at.len();
        self.type_at.push(self.out.len());
        self.out.extend_from_slice(entry);
        self.types.insert(t, me);
        me
    }

    fn record(&mut self, rid: crate::types::RecordId, tagged: bool) {
        let r = self.arena.record(rid);
        self.out.push(u8::from(r.kind == RecordKind::Union));
        put_opt_str(&mut self.out, &r.tag);
        put_str(&mut self.out, &r.cname);
        self.out.push(u8::from(r.partial) | u8::from(tagged) << 1);
        match r.packing {
            Packing::Natural => put_len(&mut self.out, 0),
            Packing::Pack(n) => put_len(&mut self.out, n as usize + 1),
        }
        put_u64(&mut self.out, r.forced_align.map_or(0, |a| a + 1));
        put_u64(&mut self.out, r.typedef_align.map_or(0, |a| a + 1));
        put_opt_span(&mut self.out, r.span);
        match &r.fields {
            None => self.out.push(0),
            Some(fields) => {
                self.out.push(1);
                put_len(&mut self.out, fields.len());
                for f in fields {
                    put_str(&mut self.out, &f.name);
                    put_len(&mut self.out, self.types[&f.ty]);
                    put_len(&mut self.out, f.bitsize.map_or(0, |b| b as usize + 1));
                    put_span(&mut self.out, f.span);
                }
            }
        }
    }

    fn enum_def(&mut self, eid: crate::types::EnumId, tagged: bool) {
        let e = self.arena.enum_def(eid);
        put_opt_str(&mut self.out, &e.tag);
        put_str(&mut self.out, &e.cname);
        put_len(&mut self.out, e.values.len());
        for (name, v) in &e.values {
            put_str(&mut self.out, name);
            put_i128(&mut self.out, *v);
        }
        self.out.push(u8::from(e.partial) | u8::from(tagged) << 1 | u8::from(e.declared_partial) << 2);
        put_len(&mut self.out, prim_index(e.base));
        put_opt_span(&mut self.out, e.span);
    }

    fn declaration(&mut self, d: &Declaration) {
        put_str(&mut self.out, &d.name);
        put_span(&mut self.out, d.span);
        let ty = self.types[&d.kind.ty()];
        match &d.kind {
            DeclKind::Function { asm_name, .. } => {
                self.out.push(0);
                put_len(&mut self.out, ty);
                put_opt_str(&mut self.out, asm_name);
            }
            DeclKind::Variable { .. } => {
                self.out.push(1);
                put_len(&mut self.out, ty);
            }
            DeclKind::Constant { value, .. } => {
                self.out.push(2);
                put_len(&mut self.out, ty);
                match value {
                    ConstValue::Int(v) => {
                        self.out.push(1);
                        put_i128(&mut self.out, *v);
                    }
                    ConstValue::Unknown => self.out.push(0),
                }
            }
            DeclKind::EnumConstant { value, .. } => {
                self.out.push(3);
                put_len(&mut self.out, ty);
                put_i128(&mut self.out, *value);
            }
            DeclKind::ExternPython { plus_c, dllexport, .. } => {
                self.out.push(4);
                put_len(&mut self.out, ty);
                self.out.push(u8::from(*plus_c) | u8::from(*dllexport) << 1);
            }
        }
    }

    /// A typedef or tag: its name and type.
    fn named(&mut self, name: &str, t: TypeId) {
        put_str(&mut self.out, name);
        put_len(&mut self.out, self.types[&t]);
    }
}

// ---- reading ------------------------------------------------------------

/// A position in the bytes; every read is checked (`None`: damaged).
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn at(bytes: &'a [u8], pos: usize) -> Cursor<'a> {
        Cursor { bytes, pos }
    }

    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u128> {
        let mut n: u128 = 0;
        for shift in (0..128).step_by(7) {
            let b = self.byte()?;
            n |= u128::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn len(&mut self) -> Option<usize> {
        usize::try_from(self.varint()?).ok()
    }

    fn index(&mut self) -> Option<u32> {
        u32::try_from(self.varint()?).ok()
    }

    fn i128(&mut self) -> Option<i128> {
        let z = self.varint()?;
        Some((z >> 1) as i128 ^ -((z & 1) as i128))
    }

    fn raw_str(&mut self) -> Option<&'a [u8]> {
        let n = self.len()?;
        let end = self.pos.checked_add(n)?;
        let raw = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(raw)
    }

    fn str(&mut self) -> Option<String> {
        String::from_utf8(self.raw_str()?.to_vec()).ok()
    }

    fn opt_str(&mut self) -> Option<Option<String>> {
        Some(if self.byte()? == 1 { Some(self.str()?) } else { None })
    }

    fn span(&mut self) -> Option<Span> {
        Some(Span { start: u32::try_from(self.len()?).ok()?, end: u32::try_from(self.len()?).ok()? })
    }

    fn opt_span(&mut self) -> Option<Option<Span>> {
        Some(if self.byte()? == 1 { Some(self.span()?) } else { None })
    }

    fn prim(&mut self) -> Option<Prim> {
        Prim::ALL.get(self.len()?).copied()
    }
}

fn read_word(bytes: &[u8], at: usize) -> Option<usize> {
    let w = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize)
}

/// The part of a registry still in its snapshot (`Registry::lazy`), with
/// what was built from it so far: each type, record and enum is built once
/// and shared by every declaration that reaches it.
pub(crate) struct Lazy {
    /// Shared with the cursors reading it while the arena is written.
    bytes: Arc<SnapshotBytes>,
    /// (count, offset of the `u32` offsets) of each table.
    tables: [(usize, usize); TABLES],
    facts: Option<Arc<dyn Facts + Send + Sync>>,
    types: HashMap<u32, TypeId>,
    records: HashMap<u32, TypeId>,
    enums: HashMap<u32, TypeId>,
    /// Each `[...]` of the snapshot gets a fresh one of this arena.
    unknown_lengths: HashMap<u32, ArrayLen>,
    /// Records created whose fields are still to read: (record, where its
    /// fields are).
    pending: Vec<(RecordId, usize)>,
    /// Records of the current batch, with the name their compiler facts
    /// are under (`names::c_spelling`).
    batch: Vec<(RecordId, String)>,
    /// Name records and enums declared under a tag by it (the runtime's
    /// registries); `false` keeps the parser's names ([`decode_as_parsed`]).
    name_by_tag: bool,
}

impl std::fmt::Debug for Lazy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lazy({} bytes, {} types read)", self.bytes.get().len(), self.types.len())
    }
}

impl Lazy {
    /// The arena types built from the snapshot so far: later reads reuse
    /// them, so the type collector must keep them (`Registry::type_roots`).
    pub(crate) fn built_types(&self) -> impl Iterator<Item = TypeId> + '_ {
        self.types.values().chain(self.records.values()).chain(self.enums.values()).copied()
    }
}

/// How a lazily loaded registry shares its snapshot with its clones.
pub(crate) type Shared = Arc<Mutex<Lazy>>;

/// Open `bytes`: the header and the small rest are read now, into `reg`
/// (which must be empty); everything else when asked for.
pub(crate) fn open(bytes: SnapshotBytes, facts: Option<Arc<dyn Facts + Send + Sync>>, reg: &mut Registry) -> Result<Shared, Error> {
    let b = bytes.get();
    if b.len() < HEADER_LEN || b[0] != FORMAT || read_word(b, 1) != Some(b.len()) {
        return Err(damaged());
    }
    let mut tables = [(0, 0); TABLES];
    for (i, t) in tables.iter_mut().enumerate() {
        let count = read_word(b, 5 + 8 * i).ok_or_else(damaged)?;
        let at = read_word(b, 9 + 8 * i).ok_or_else(damaged)?;
        let end = count.checked_mul(4).and_then(|n| n.checked_add(at)).ok_or_else(damaged)?;
        if end > b.len() {
            return Err(damaged());
        }
        *t = (count, at);
    }
    if tables[Table::DeclsInOrder as usize].0 != tables[Table::DeclsByName as usize].0
        || tables[Table::TypedefsInOrder as usize].0 != tables[Table::TypedefsByName as usize].0
        || tables[Table::Rest as usize].0 != 1
    {
        return Err(damaged());
    }
    let lazy = Lazy {
        bytes: Arc::new(bytes),
        tables,
        facts,
        types: HashMap::default(),
        records: HashMap::default(),
        enums: HashMap::default(),
        unknown_lengths: HashMap::default(),
        pending: Vec::new(),
        batch: Vec::new(),
        name_by_tag: true,
    };
    lazy.read_rest(reg).ok_or_else(damaged)?;
    Ok(Arc::new(Mutex::new(lazy)))
}

/// Declare what `name` names in the snapshot (a declaration, a typedef, a
/// struct, union or enum tag) and is not declared in `reg` yet.
pub(crate) fn load_name(reg: &mut Registry, arena: &mut TypeArena, name: &str) -> Result<(), Error> {
    let Some(shared) = reg.lazy.clone() else { return Ok(()) };
    let mut lazy = shared.lock().unwrap_or_else(|p| p.into_inner());
    lazy.load_name(reg, arena, name).ok_or_else(damaged)
}

/// [`load_name`] for the declaration (function, variable, constant,
/// enumerator) named `name` only: not its typedef or tags of that name.
pub(crate) fn load_declaration(reg: &mut Registry, arena: &mut TypeArena, name: &str) -> Result<(), Error> {
    let Some(shared) = reg.lazy.clone() else { return Ok(()) };
    let mut lazy = shared.lock().unwrap_or_else(|p| p.into_inner());
    lazy.load_declaration(reg, arena, name).ok_or_else(damaged)
}

/// Declare everything of the snapshot, in declaration order; `reg` is an
/// ordinary registry afterwards.
pub(crate) fn load_all(reg: &mut Registry, arena: &mut TypeArena) -> Result<(), Error> {
    let Some(shared) = reg.lazy.clone() else { return Ok(()) };
    let mut lazy = shared.lock().unwrap_or_else(|p| p.into_inner());
    lazy.load_all(reg, arena).ok_or_else(damaged)?;
    reg.lazy = None;
    Ok(())
}

impl Lazy {
    fn bytes(&self) -> &[u8] {
        self.bytes.get()
    }

    /// The offset of entry `i` of `table`.
    fn entry(&self, table: Table, i: usize) -> Option<usize> {
        let (count, at) = self.tables[table as usize];
        if i >= count {
            return None;
        }
        read_word(self.bytes(), at + 4 * i)
    }

    /// The entry of `table` (sorted by name) named `name`.
    fn find(&self, table: Table, name: &str) -> Option<Option<usize>> {
        let (mut lo, mut hi) = (0, self.tables[table as usize].0);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at = self.entry(table, mid)?;
            let here = Cursor::at(self.bytes(), at).raw_str()?;
            match here.cmp(name.as_bytes()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(Some(at)),
            }
        }
        Some(None)
    }

    fn read_rest(&self, reg: &mut Registry) -> Option<()> {
        let at = self.entry(Table::Rest, 0)?;
        let mut c = Cursor::at(self.bytes(), at);
        let implicit = c.len()?;
        let mut tags = Vec::new();
        for _ in 0..implicit {
            let kind = c.byte()?;
            let tag = c.str()?;
            tags.push((kind, tag, c.index()?));
        }
        let skipped = c.len()?;
        for _ in 0..skipped {
            let name = c.str()?;
            let why = c.str()?;
            reg.skipped.insert(name, why);
        }
        reg.anonymous_count.set(u32::try_from(c.len()?).ok()?);
        // tags first met in type strings: few, and their types are read
        // when the registry is (see `load_all`, `implicit`)
        reg.pending_implicit = tags;
        Some(())
    }

    /// The declaration (function, variable, constant, enumerator) named
    /// `name`, if not read yet, with what it reaches.
    fn load_declaration(&mut self, reg: &mut Registry, arena: &mut TypeArena, name: &str) -> Option<()> {
        self.read_declaration(reg, arena, name)?;
        self.load_implicit(reg, arena)?;
        self.finish(arena)
    }

    fn read_declaration(&mut self, reg: &mut Registry, arena: &mut TypeArena, name: &str) -> Option<()> {
        if !reg.by_name.contains_key(name) {
            if let Some(at) = self.find(Table::DeclsByName, name)? {
                let d = self.declaration(arena, at)?;
                reg.by_name.insert(d.name.clone(), reg.decls.len());
                reg.decls.push(d);
            }
        }
        Some(())
    }

    fn load_name(&mut self, reg: &mut Registry, arena: &mut TypeArena, name: &str) -> Option<()> {
        self.read_declaration(reg, arena, name)?;
        if !reg.typedefs.contains_key(name) {
            if let Some(at) = self.find(Table::TypedefsByName, name)? {
                let (n, t) = self.named(arena, at)?;
                reg.typedefs.insert(n.clone(), t);
                reg.typedef_order.push(n);
            }
        }
        for table in [Table::StructTags, Table::UnionTags, Table::EnumTags] {
            let map = match table {
                Table::StructTags => &mut reg.struct_tags,
                Table::UnionTags => &mut reg.union_tags,
                _ => &mut reg.enum_tags,
            };
            if !map.contains_key(name) {
                if let Some(at) = self.find(table, name)? {
                    let (n, t) = self.named(arena, at)?;
                    map.insert(n, t);
                }
            }
        }
        self.load_implicit(reg, arena)?;
        self.finish(arena)
    }

    /// Tags first met in type strings: declared with the first load.
    fn load_implicit(&mut self, reg: &mut Registry, arena: &mut TypeArena) -> Option<()> {
        for (kind, tag, t) in std::mem::take(&mut reg.pending_implicit) {
            let ty = self.ty(arena, t)?;
            reg.implicit_tags.insert(kind, &tag, ty);
        }
        Some(())
    }

    fn load_all(&mut self, reg: &mut Registry, arena: &mut TypeArena) -> Option<()> {
        let bytes = Arc::clone(&self.bytes);
        let mut decls = Vec::with_capacity(self.tables[Table::DeclsInOrder as usize].0);
        for i in 0..self.tables[Table::DeclsInOrder as usize].0 {
            let at = self.entry(Table::DeclsInOrder, i)?;
            let name = std::str::from_utf8(Cursor::at(bytes.get(), at).raw_str()?).ok()?;
            decls.push(match reg.by_name.get(name) {
                Some(&k) => reg.decls[k].clone(),
                None => self.declaration(arena, at)?,
            });
        }
        let mut typedefs = Vec::new();
        for i in 0..self.tables[Table::TypedefsInOrder as usize].0 {
            let at = self.entry(Table::TypedefsInOrder, i)?;
            let name = std::str::from_utf8(Cursor::at(bytes.get(), at).raw_str()?).ok()?;
            typedefs.push(match reg.typedefs.get(name) {
                Some(&t) => (name.to_string(), t),
                None => self.named(arena, at)?,
            });
        }
        for table in [Table::StructTags, Table::UnionTags, Table::EnumTags] {
            for i in 0..self.tables[table as usize].0 {
                let at = self.entry(table, i)?;
                let (n, t) = self.named(arena, at)?;
                let map = match table {
                    Table::StructTags => &mut reg.struct_tags,
                    Table::UnionTags => &mut reg.union_tags,
                    _ => &mut reg.enum_tags,
                };
                map.entry(n).or_insert(t);
            }
        }
        self.load_implicit(reg, arena)?;
        self.finish(arena)?;
        reg.by_name = decls.iter().enumerate().map(|(i, d)| (d.name.clone(), i)).collect();
        reg.decls = decls;
        reg.typedef_order = typedefs.iter().map(|(n, _)| n.clone()).collect();
        reg.typedefs = typedefs.into_iter().collect();
        Some(())
    }

    /// A typedef or tag entry: its name and type.
    fn named(&mut self, arena: &mut TypeArena, at: usize) -> Option<(String, TypeId)> {
        let mut c = Cursor::at(self.bytes(), at);
        let name = c.str()?;
        let t = c.index()?;
        Some((name, self.ty(arena, t)?))
    }

    fn declaration(&mut self, arena: &mut TypeArena, at: usize) -> Option<Declaration> {
        let bytes = Arc::clone(&self.bytes);
        let mut c = Cursor::at(bytes.get(), at);
        let name = c.str()?;
        let span = c.span()?;
        let kind = match c.byte()? {
            0 => {
                let t = c.index()?;
                let asm_name = c.opt_str()?;
                DeclKind::Function { ty: self.ty(arena, t)?, asm_name }
            }
            1 => {
                let t = c.index()?;
                DeclKind::Variable { ty: self.ty(arena, t)? }
            }
            2 => {
                let t = c.index()?;
                let value = if c.byte()? == 1 { ConstValue::Int(c.i128()?) } else { ConstValue::Unknown };
                DeclKind::Constant { ty: self.ty(arena, t)?, value }
            }
            3 => {
                let t = c.index()?;
                let value = c.i128()?;
                DeclKind::EnumConstant { ty: self.ty(arena, t)?, value }
            }
            4 => {
                let t = c.index()?;
                let flags = c.byte()?;
                DeclKind::ExternPython { ty: self.ty(arena, t)?, plus_c: flags & 1 != 0, dllexport: flags & 2 != 0 }
            }
            _ => return None,
        };
        let mut d = Declaration { name, kind, span };
        if let Some(facts) = &self.facts {
            crate::resolve::fix_declaration(&mut d, facts.as_ref());
        }
        Some(d)
    }

    /// The arena type of snapshot type `t`, built (after what it is made
    /// of) if not yet. Iterative: a type refers only to lower numbers, so
    /// the walk ends, and deep nesting cannot exhaust the stack.
    fn ty(&mut self, arena: &mut TypeArena, t: u32) -> Option<TypeId> {
        if let Some(&id) = self.types.get(&t) {
            return Some(id);
        }
        let mut stack = vec![t];
        while let Some(&top) = stack.last() {
            if self.types.contains_key(&top) {
                stack.pop();
                continue;
            }
            let at = self.entry(Table::Types, top as usize)?;
            let bytes = Arc::clone(&self.bytes);
            let mut c = Cursor::at(bytes.get(), at);
            let code = c.byte()?;
            // the types this one is made of, all numbered below it
            let mut parts = Vec::new();
            match code {
                T_POINTER | T_ARRAY | T_QUALIFIED => parts.push(c.index()?),
                T_FUNCTION => {
                    let n = c.len()?;
                    for _ in 0..=n {
                        parts.push(c.index()?);
                    }
                }
                _ => {}
            }
            if parts.iter().any(|&p| p >= top) {
                return None;
            }
            if let Some(&missing) = parts.iter().find(|p| !self.types.contains_key(p)) {
                stack.push(missing);
                continue;
            }
            let part = |i: usize| self.types[&parts[i]];
            let built = match code {
                T_VOID => arena.intern(Type::Void),
                T_PRIM => {
                    let p = c.prim()?;
                    arena.prim(p)
                }
                T_UNKNOWN_INT => arena.intern(Type::UnknownInt(c.str()?)),
                T_UNKNOWN_FLOAT => arena.intern(Type::UnknownFloat(c.str()?)),
                T_POINTER => arena.pointer(part(0)),
                T_ARRAY => {
                    let len = match c.byte()? {
                        0 => ArrayLen::Fixed(u64::try_from(c.varint()?).ok()?),
                        1 => ArrayLen::Open,
                        2 => {
                            let n = c.index()?;
                            *self.unknown_lengths.entry(n).or_insert_with(|| arena.new_unknown_length())
                        }
                        _ => return None,
                    };
                    arena.array(part(0), len)
                }
                T_FUNCTION => {
                    let args = (0..parts.len() - 1).map(part).collect();
                    let result = part(parts.len() - 1);
                    let flags = c.byte()?;
                    let abi = if flags & 2 != 0 { Abi::Stdcall } else { Abi::Default };
                    arena.intern(Type::Function(FuncType { args, result, variadic: flags & 1 != 0, abi }))
                }
                T_RECORD => {
                    let i = c.index()?;
                    self.record(arena, i)?
                }
                T_ENUM => {
                    let i = c.index()?;
                    self.enum_type(arena, i)?
                }
                T_COMMON => {
                    let name = c.str()?;
                    if !COMMON_RECORDS.contains(&name.as_str()) {
                        return None;
                    }
                    arena.common_record(&name)
                }
                T_QUALIFIED => {
                    let bits = c.byte()?;
                    let q = Quals { is_const: bits & 1 != 0, is_volatile: bits & 2 != 0, is_restrict: bits & 4 != 0 };
                    arena.qualified(part(0), q)
                }
                _ => return None,
            };
            self.types.insert(top, built);
            stack.pop();
        }
        self.types.get(&t).copied()
    }

    /// Record `i`, created (without its fields, read by `finish`) if not yet.
    fn record(&mut self, arena: &mut TypeArena, i: u32) -> Option<TypeId> {
        if let Some(&t) = self.records.get(&i) {
            return Some(t);
        }
        let at = self.entry(Table::Records, i as usize)?;
        let mut c = Cursor::at(self.bytes(), at);
        let kind = if c.byte()? == 1 { RecordKind::Union } else { RecordKind::Struct };
        let tag = c.opt_str()?;
        let cname = c.str()?;
        let flags = c.byte()?;
        let packing = match c.len()? {
            0 => Packing::Natural,
            n => Packing::Pack(u32::try_from(n - 1).ok()?),
        };
        let forced_align = match u64::try_from(c.varint()?).ok()? {
            0 => None,
            a => Some(a - 1),
        };
        let typedef_align = match u64::try_from(c.varint()?).ok()? {
            0 => None,
            a => Some(a - 1),
        };
        let span = c.opt_span()?;
        let fields_at = c.pos;
        let measured_as = crate::names::c_spelling(kind.keyword(), tag.as_deref(), &cname);
        let (rid, ty) = arena.new_record(kind, tag.clone(), span);
        let r = arena.record_mut(rid);
        r.cname = match (&tag, flags & 2 != 0 && self.name_by_tag) {
            (Some(tag), true) => format!("{} {tag}", kind.keyword()),
            _ => cname,
        };
        r.partial = flags & 1 != 0;
        r.packing = packing;
        r.forced_align = forced_align;
        r.typedef_align = typedef_align;
        self.records.insert(i, ty);
        self.pending.push((rid, fields_at));
        if let Some(name) = measured_as {
            self.batch.push((rid, name));
        }
        Some(ty)
    }

    /// Enum `i`, created if not yet (with the compiler's values, if known).
    fn enum_type(&mut self, arena: &mut TypeArena, i: u32) -> Option<TypeId> {
        if let Some(&t) = self.enums.get(&i) {
            return Some(t);
        }
        let at = self.entry(Table::Enums, i as usize)?;
        let mut c = Cursor::at(self.bytes(), at);
        let tag = c.opt_str()?;
        let cname = c.str()?;
        let mut values = Vec::new();
        for _ in 0..c.len()? {
            values.push((c.str()?, c.i128()?));
        }
        let flags = c.byte()?;
        let base = c.prim()?;
        let span = c.opt_span()?;
        let mut def =
            EnumDef { tag, cname, values, partial: flags & 1 != 0, declared_partial: flags & 4 != 0, base, span };
        if let Some(facts) = &self.facts {
            crate::resolve::fix_enum(&mut def, facts.as_ref());
        }
        if let (Some(tag), true) = (&def.tag, flags & 2 != 0 && self.name_by_tag) {
            def.cname = format!("enum {tag}");
        }
        let (_, ty) = arena.new_enum(def);
        self.enums.insert(i, ty);
        Some(ty)
    }

    /// Read the fields of the records created so far (which may create
    /// more), then give this batch's records the compiler's layouts: every
    /// record they reach is complete by then.
    fn finish(&mut self, arena: &mut TypeArena) -> Option<()> {
        let bytes = Arc::clone(&self.bytes);
        while let Some((rid, at)) = self.pending.pop() {
            let mut c = Cursor::at(bytes.get(), at);
            if c.byte()? != 1 {
                continue; // opaque
            }
            let mut fields = Vec::new();
            for _ in 0..c.len()? {
                let name = c.str()?;
                let t = c.index()?;
                let bitsize = match c.len()? {
                    0 => None,
                    b => Some(u32::try_from(b - 1).ok()?),
                };
                let span = c.span()?;
                fields.push(Field { name, ty: self.ty(arena, t)?, bitsize, span });
            }
            arena.record_mut(rid).fields = Some(fields);
        }
        let batch = std::mem::take(&mut self.batch);
        if let Some(facts) = &self.facts {
            crate::resolve::place_loaded_records(arena, &batch, facts.as_ref());
        }
        Some(())
    }
}
