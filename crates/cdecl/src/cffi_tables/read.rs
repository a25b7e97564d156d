//! The byte strings of cffi's out-of-line modules, read into plain records.
//!
//! Every entry is a byte string: 4-byte big-endian numbers, then a name
//! (up to a NUL byte or the end). `_types` is one string of 4-byte
//! opcodes; an opcode is `arg << 8 | op` with `arg` signed (cffi's
//! `_CFFI_GETARG` shifts an `intptr_t`), except the word after an
//! `OP_ARRAY`, which is the array's length.

use crate::error::Table;
use crate::Error;

/// One opcode of `_types` (or of a global, a field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    /// The low byte: `OP_PRIMITIVE`, `OP_POINTER`, ...
    pub op: u8,
    /// The rest, as a signed number (`-1` in `OP_ENUM` globals).
    pub arg: i32,
    /// The whole word (an `OP_ARRAY` length).
    pub raw: u32,
}

impl Op {
    fn from_word(raw: u32) -> Op {
        Op { op: (raw & 0xFF) as u8, arg: (raw as i32) >> 8, raw }
    }
}

/// A global: a function, variable, constant or enumerator.
#[derive(Clone, Debug)]
pub struct Global {
    pub op: Op,
    pub name: String,
    /// The integer of `OP_CONSTANT_INT` and `OP_ENUM` entries.
    pub value: i128,
}

/// A field of a struct or union.
#[derive(Clone, Debug)]
pub struct FieldDesc {
    pub op: Op,
    /// For `OP_BITFIELD`: the width in bits.
    pub bits: Option<u32>,
    pub name: String,
}

/// A struct or union.
#[derive(Clone, Debug)]
pub struct RecordDesc {
    pub flags: u32,
    /// `tag`, `$typedefname` (anonymous, named by a typedef) or `$N`.
    pub name: String,
    pub fields: Vec<FieldDesc>,
}

/// An enum.
#[derive(Clone, Debug)]
pub struct EnumDesc {
    /// `_CFFI_PRIM_*` of its integer type.
    pub prim: i32,
    pub name: String,
    pub enumerators: Vec<String>,
}

/// A typedef name.
#[derive(Clone, Debug)]
pub struct TypenameDesc {
    /// Index into `_types`.
    pub type_index: i32,
    pub name: String,
}

/// Reads one entry: numbers first, then the name.
struct Entry<'a> {
    what: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Entry<'a> {
    fn new(what: &'a str, bytes: &'a [u8]) -> Self {
        Entry { what, bytes, pos: 0 }
    }

    fn word(&mut self) -> Result<u32, Error> {
        let four = self.bytes.get(self.pos..self.pos + 4).ok_or_else(|| {
            super::table(self.what, Table::Truncated { len: self.bytes.len(), at: self.pos })
        })?;
        self.pos += 4;
        Ok(u32::from_be_bytes([four[0], four[1], four[2], four[3]]))
    }

    /// Up to the next NUL byte (or the end); valid UTF-8.
    fn name(&mut self) -> Result<String, Error> {
        let rest = &self.bytes[self.pos.min(self.bytes.len())..];
        let len = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        self.pos += len + 1;
        std::str::from_utf8(&rest[..len])
            .map(str::to_string)
            .map_err(|_| super::table(self.what, Table::NameNotUtf8))
    }
}

/// `_types`: one opcode per 4 bytes.
pub fn types(bytes: &[u8]) -> Result<Vec<Op>, Error> {
    if bytes.len() % 4 != 0 {
        return Err(super::table("_types", Table::TypesLength { len: bytes.len() }));
    }
    Ok(bytes.chunks_exact(4).map(|c| Op::from_word(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))).collect())
}

/// One `_globals` entry: `(b'OPCODE' + name, int)`.
pub fn global(index: usize, bytes: &[u8], value: i128) -> Result<Global, Error> {
    let what = format!("_globals[{index}]");
    let mut e = Entry::new(&what, bytes);
    let op = Op::from_word(e.word()?);
    Ok(Global { op, name: e.name()?, value })
}

/// One `_struct_unions` entry: the record's string, then one per field.
pub fn record(index: usize, strings: &[&[u8]]) -> Result<RecordDesc, Error> {
    let what = format!("_struct_unions[{index}]");
    let first = strings.first().ok_or_else(|| super::table(&*what, Table::Empty))?;
    let mut e = Entry::new(&what, first);
    let _type_index = e.word()?; // cffi's cache slot: not needed here
    let flags = e.word()?;
    let name = e.name()?;
    let mut fields = Vec::with_capacity(strings.len() - 1);
    for (k, f) in strings[1..].iter().enumerate() {
        let fwhat = format!("{what} field {k}");
        let mut e = Entry::new(&fwhat, f);
        let op = Op::from_word(e.word()?);
        let bits = if op.op == super::OP_BITFIELD { Some(e.word()?) } else { None };
        fields.push(FieldDesc { op, bits, name: e.name()? });
    }
    Ok(RecordDesc { flags, name, fields })
}

/// One `_enums` entry: `b'TYPEINDEX PRIM name\0A,B,C'`.
pub fn enumeration(index: usize, bytes: &[u8]) -> Result<EnumDesc, Error> {
    let what = format!("_enums[{index}]");
    let mut e = Entry::new(&what, bytes);
    let _type_index = e.word()?;
    let prim = e.word()? as i32;
    let name = e.name()?;
    let list = e.name()?;
    let enumerators = if list.is_empty() { Vec::new() } else { list.split(',').map(str::to_string).collect() };
    Ok(EnumDesc { prim, name, enumerators })
}

/// One `_typenames` entry: `b'TYPEINDEX name'`.
pub fn typename(index: usize, bytes: &[u8]) -> Result<TypenameDesc, Error> {
    let what = format!("_typenames[{index}]");
    let mut e = Entry::new(&what, bytes);
    let type_index = e.word()? as i32;
    Ok(TypenameDesc { type_index, name: e.name()? })
}
