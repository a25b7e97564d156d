//! A registry and the types it uses, as bytes: written once when a compiled
//! module is generated and read when it is imported, instead of parsing
//! its cdef text again (the replay was most of the import time).
//!
//! CONTRACT (used by crates/codegen and crates/python): [`encode`] and
//! [`decode`]. The format is private to one version of rcffi (the module
//! protocol version guards it): types are numbered in the order they are
//! first reached, children before parents; records and enums are listed
//! apart, created first (so that types may point back at them) and
//! completed last. Layouts are not stored: they are computed, or measured
//! by the compiler, after loading.

use crate::fxhash::FxHashMap as HashMap;
use crate::registry::{ConstValue, DeclKind, Declaration, Registry};
use crate::types::{Abi, ArrayLen, EnumDef, EnumId, Field, FuncType, Packing, Prim, Quals, RecordId, RecordKind, Type, TypeArena, TypeId};
use crate::{Error, Span};

/// The format's number, the first byte of every snapshot: bytes of another
/// format are refused (out-of-line `.py` modules may outlive an rcffi).
pub const FORMAT: u8 = 2;

/// The bytes of `reg` and every type it reaches in `arena`.
pub fn encode(reg: &Registry, arena: &TypeArena) -> Vec<u8> {
    let mut e = Encoder { arena, out: Vec::new(), types: HashMap::default(), order: Vec::new(), records: Vec::new(), record_index: HashMap::default(), enums: Vec::new(), enum_index: HashMap::default() };
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
    let mut body = Vec::new();
    std::mem::swap(&mut body, &mut e.out);
    e.out.push(FORMAT);
    // records and enums
    put_len(&mut e.out, e.records.len());
    for &rid in &e.records.clone() {
        e.record(rid);
    }
    put_len(&mut e.out, e.enums.len());
    for &eid in &e.enums.clone() {
        e.enum_def(eid);
    }
    put_len(&mut e.out, e.order.len());
    e.out.extend_from_slice(&body);
    // record bodies, now that every type has a number
    for &rid in &e.records.clone() {
        e.record_fields(rid);
    }
    // the registry
    put_len(&mut e.out, reg.decls.len());
    for d in &reg.decls {
        e.declaration(d);
    }
    put_len(&mut e.out, reg.typedef_order.len());
    for name in &reg.typedef_order {
        put_str(&mut e.out, name);
        let t = e.types[&reg.typedefs[name]];
        put_len(&mut e.out, t);
    }
    for map in [&reg.struct_tags, &reg.union_tags, &reg.enum_tags] {
        let entries = sorted(map);
        put_len(&mut e.out, entries.len());
        for (name, t) in entries {
            put_str(&mut e.out, name);
            let t = e.types[&t];
            put_len(&mut e.out, t);
        }
    }
    put_len(&mut e.out, implicit.len());
    for ((kind, tag), t) in &implicit {
        e.out.push(*kind);
        put_str(&mut e.out, tag);
        let t = e.types[t];
        put_len(&mut e.out, t);
    }
    let skipped = sorted(&reg.skipped);
    put_len(&mut e.out, skipped.len());
    for (name, why) in skipped {
        put_str(&mut e.out, name);
        put_str(&mut e.out, &why);
    }
    put_len(&mut e.out, reg.anonymous_count as usize);
    e.out
}

/// Load `bytes` (made by [`encode`]) into the empty registry `reg`: new
/// records and enums in `arena`, the other types interned.
pub fn decode(bytes: &[u8], reg: &mut Registry, arena: &mut TypeArena) -> Result<(), Error> {
    if !reg.decls.is_empty() || !reg.typedefs.is_empty() || !reg.struct_tags.is_empty() || !reg.union_tags.is_empty() || !reg.enum_tags.is_empty() {
        return Err(Error::ffi("a snapshot is only loaded into an FFI that declares nothing yet"));
    }
    let mut d = Decoder { bytes, pos: 0, types: Vec::new(), records: Vec::new(), enums: Vec::new(), unknown_lengths: HashMap::default() };
    // into a registry of its own: `reg` is untouched unless all went well
    let mut loaded = Registry::new();
    d.run(&mut loaded, arena).ok_or_else(|| Error::ffi("the module's declarations are damaged or from another rcffi: rebuild it"))?;
    *reg = loaded;
    Ok(())
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
    order: Vec<TypeId>,
    records: Vec<RecordId>,
    record_index: HashMap<RecordId, usize>,
    enums: Vec<EnumId>,
    enum_index: HashMap<EnumId, usize>,
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
                let tys: Vec<TypeId> = self.arena.record(rid).fields.iter().flatten().map(|f| f.ty).collect();
                self.out.extend_from_slice(&v);
                let me = self.order.len();
                self.types.insert(t, me);
                self.order.push(t);
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
        self.out.extend_from_slice(&entry);
        let me = self.order.len();
        self.types.insert(t, me);
        self.order.push(t);
        me
    }

    fn record(&mut self, rid: RecordId) {
        let r = self.arena.record(rid);
        self.out.push(u8::from(r.kind == RecordKind::Union));
        put_opt_str(&mut self.out, &r.tag);
        put_str(&mut self.out, &r.cname);
        self.out.push(u8::from(r.partial));
        match r.packing {
            Packing::Natural => put_len(&mut self.out, 0),
            Packing::Pack(n) => put_len(&mut self.out, n as usize + 1),
        }
        put_u64(&mut self.out, r.forced_align.map_or(0, |a| a + 1));
        put_u64(&mut self.out, r.typedef_align.map_or(0, |a| a + 1));
        match r.span {
            Some(s) => {
                self.out.push(1);
                put_span(&mut self.out, s);
            }
            None => self.out.push(0),
        }
    }

    fn record_fields(&mut self, rid: RecordId) {
        let r = self.arena.record(rid);
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

    fn enum_def(&mut self, eid: EnumId) {
        let e = self.arena.enum_def(eid);
        put_opt_str(&mut self.out, &e.tag);
        put_str(&mut self.out, &e.cname);
        put_len(&mut self.out, e.values.len());
        for (name, v) in &e.values {
            put_str(&mut self.out, name);
            put_i128(&mut self.out, *v);
        }
        self.out.push(u8::from(e.partial));
        put_len(&mut self.out, prim_index(e.base));
        match e.span {
            Some(s) => {
                self.out.push(1);
                put_span(&mut self.out, s);
            }
            None => self.out.push(0),
        }
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
}

struct Decoder<'a> {
    bytes: &'a [u8],
    pos: usize,
    types: Vec<TypeId>,
    records: Vec<(RecordId, TypeId)>,
    enums: Vec<(EnumId, TypeId)>,
    /// Each `[...]` of the snapshot gets a fresh one of this arena.
    unknown_lengths: HashMap<u32, ArrayLen>,
}

impl Decoder<'_> {
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

    fn i128(&mut self) -> Option<i128> {
        let z = self.varint()?;
        Some((z >> 1) as i128 ^ -((z & 1) as i128))
    }

    fn str(&mut self) -> Option<String> {
        let n = self.len()?;
        let end = self.pos.checked_add(n)?;
        let raw = self.bytes.get(self.pos..end)?;
        self.pos = end;
        String::from_utf8(raw.to_vec()).ok()
    }

    fn opt_str(&mut self) -> Option<Option<String>> {
        Some(if self.byte()? == 1 { Some(self.str()?) } else { None })
    }

    fn span(&mut self) -> Option<Span> {
        Some(Span { start: self.len()? as u32, end: self.len()? as u32 })
    }

    fn opt_span(&mut self) -> Option<Option<Span>> {
        Some(if self.byte()? == 1 { Some(self.span()?) } else { None })
    }

    fn prim(&mut self) -> Option<Prim> {
        Prim::ALL.get(self.len()?).copied()
    }

    fn ty(&mut self) -> Option<TypeId> {
        let i = self.len()?;
        self.types.get(i).copied()
    }

    fn run(&mut self, reg: &mut Registry, arena: &mut TypeArena) -> Option<()> {
        if self.byte()? != FORMAT {
            return None;
        }
        for _ in 0..self.len()? {
            let kind = if self.byte()? == 1 { RecordKind::Union } else { RecordKind::Struct };
            let tag = self.opt_str()?;
            let cname = self.str()?;
            let partial = self.byte()? == 1;
            let packing = match self.len()? {
                0 => Packing::Natural,
                n => Packing::Pack(u32::try_from(n - 1).ok()?),
            };
            let forced_align = match self.len()? {
                0 => None,
                a => Some(a as u64 - 1),
            };
            let typedef_align = match self.len()? {
                0 => None,
                a => Some(a as u64 - 1),
            };
            let span = self.opt_span()?;
            let (rid, ty) = arena.new_record(kind, tag, span);
            let r = arena.record_mut(rid);
            r.cname = cname;
            r.partial = partial;
            r.packing = packing;
            r.forced_align = forced_align;
            r.typedef_align = typedef_align;
            self.records.push((rid, ty));
        }
        for _ in 0..self.len()? {
            let tag = self.opt_str()?;
            let cname = self.str()?;
            let mut values = Vec::new();
            for _ in 0..self.len()? {
                values.push((self.str()?, self.i128()?));
            }
            let partial = self.byte()? == 1;
            let base = self.prim()?;
            let span = self.opt_span()?;
            let (eid, ty) = arena.new_enum(EnumDef { tag, cname, values, partial, base, span });
            self.enums.push((eid, ty));
        }
        for _ in 0..self.len()? {
            let t = match self.byte()? {
                T_VOID => arena.intern(Type::Void),
                T_PRIM => {
                    let p = self.prim()?;
                    arena.prim(p)
                }
                T_UNKNOWN_INT => arena.intern(Type::UnknownInt(self.str()?)),
                T_UNKNOWN_FLOAT => arena.intern(Type::UnknownFloat(self.str()?)),
                T_POINTER => {
                    let to = self.ty()?;
                    arena.pointer(to)
                }
                T_ARRAY => {
                    let item = self.ty()?;
                    let len = match self.byte()? {
                        0 => ArrayLen::Fixed(self.len()? as u64),
                        1 => ArrayLen::Open,
                        2 => {
                            let n = self.len()? as u32;
                            *self.unknown_lengths.entry(n).or_insert_with(|| arena.new_unknown_length())
                        }
                        _ => return None,
                    };
                    arena.array(item, len)
                }
                T_FUNCTION => {
                    let mut args = Vec::new();
                    for _ in 0..self.len()? {
                        args.push(self.ty()?);
                    }
                    let result = self.ty()?;
                    let flags = self.byte()?;
                    let abi = if flags & 2 != 0 { Abi::Stdcall } else { Abi::Default };
                    arena.intern(Type::Function(FuncType { args, result, variadic: flags & 1 != 0, abi }))
                }
                T_RECORD => {
                    let i = self.len()?;
                    self.records.get(i)?.1
                }
                T_ENUM => {
                    let i = self.len()?;
                    self.enums.get(i)?.1
                }
                T_COMMON => {
                    let name = self.str()?;
                    if !COMMON_RECORDS.contains(&name.as_str()) {
                        return None;
                    }
                    arena.common_record(&name)
                }
                T_QUALIFIED => {
                    let inner = self.ty()?;
                    let bits = self.byte()?;
                    let q = Quals { is_const: bits & 1 != 0, is_volatile: bits & 2 != 0, is_restrict: bits & 4 != 0 };
                    arena.qualified(inner, q)
                }
                _ => return None,
            };
            self.types.push(t);
        }
        for i in 0..self.records.len() {
            if self.byte()? == 1 {
                let mut fields = Vec::new();
                for _ in 0..self.len()? {
                    let name = self.str()?;
                    let ty = self.ty()?;
                    let bitsize = match self.len()? {
                        0 => None,
                        b => Some(u32::try_from(b - 1).ok()?),
                    };
                    let span = self.span()?;
                    fields.push(Field { name, ty, bitsize, span });
                }
                arena.record_mut(self.records[i].0).fields = Some(fields);
            }
        }
        for _ in 0..self.len()? {
            let name = self.str()?;
            let span = self.span()?;
            let kind = match self.byte()? {
                0 => DeclKind::Function { ty: self.ty()?, asm_name: self.opt_str()? },
                1 => DeclKind::Variable { ty: self.ty()? },
                2 => {
                    let ty = self.ty()?;
                    let value = if self.byte()? == 1 { ConstValue::Int(self.i128()?) } else { ConstValue::Unknown };
                    DeclKind::Constant { ty, value }
                }
                3 => DeclKind::EnumConstant { ty: self.ty()?, value: self.i128()? },
                4 => {
                    let ty = self.ty()?;
                    let flags = self.byte()?;
                    DeclKind::ExternPython { ty, plus_c: flags & 1 != 0, dllexport: flags & 2 != 0 }
                }
                _ => return None,
            };
            reg.by_name.insert(name.clone(), reg.decls.len());
            reg.decls.push(Declaration { name, kind, span });
        }
        for _ in 0..self.len()? {
            let name = self.str()?;
            let ty = self.ty()?;
            reg.typedefs.insert(name.clone(), ty);
            reg.typedef_order.push(name);
        }
        for map in [&mut reg.struct_tags, &mut reg.union_tags, &mut reg.enum_tags] {
            for _ in 0..self.len()? {
                let name = self.str()?;
                let ty = self.ty()?;
                map.insert(name, ty);
            }
        }
        for _ in 0..self.len()? {
            let kind = self.byte()?;
            let tag = self.str()?;
            let ty = self.ty()?;
            reg.implicit_tags.insert(kind, &tag, ty);
        }
        for _ in 0..self.len()? {
            let name = self.str()?;
            let why = self.str()?;
            reg.skipped.insert(name, why);
        }
        reg.anonymous_count = u32::try_from(self.len()?).ok()?;
        (self.pos == self.bytes.len()).then_some(())
    }
}
