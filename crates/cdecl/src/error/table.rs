//! Errors of an out-of-line module's tables (`_types`, `_globals`,
//! `_struct_unions`, `_enums`) that do not read: damaged, or made by
//! another generator.

use std::fmt;

/// What is wrong with one table entry (the entry is named by the
/// [`crate::Message::Table`] holding it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Table {
    /// A name given twice.
    DeclaredTwice {
        /// The name.
        name: String,
    },
    /// An opaque or external record with fields.
    OpaqueWithFields,
    /// A field whose opcode is no field's.
    FieldOpcode {
        /// The opcode.
        op: u8,
    },
    /// An enumerator an enum lists that `_globals` lacks.
    EnumeratorMissing {
        /// The enumerator.
        name: String,
        /// The enum.
        cname: String,
    },
    /// An enum whose type number is no integer's.
    EnumNotInteger {
        /// The enum.
        cname: String,
        /// The type number.
        prim: i32,
    },
    /// An enumerator of `_globals` no enum lists.
    EnumeratorWithoutEnum {
        /// The enumerator.
        name: String,
    },
    /// A function's entry whose type is not a function.
    NotAFunction,
    /// A global whose opcode is none of an out-of-line module.
    GlobalOpcode {
        /// The opcode.
        op: u8,
    },
    /// A type index past `_types`.
    IndexOutside {
        /// The index.
        index: i32,
        /// The number of entries.
        len: usize,
    },
    /// A function type where a value's type must be.
    FunctionAsValue,
    /// `void` where a value's type must be.
    VoidAsValue,
    /// A type entry that refers to itself.
    SelfReference {
        /// Its index.
        index: usize,
    },
    /// Types nested beyond the limit.
    TooDeep {
        /// The limit.
        limit: u32,
    },
    /// A primitive type number no out-of-line module uses.
    UnknownPrimitive {
        /// The number.
        number: i32,
    },
    /// `OP_ARRAY` as the last entry.
    ArrayWithoutLength,
    /// A record number past `_struct_unions`.
    NoRecord {
        /// The number.
        number: i32,
    },
    /// An enum number past `_enums`.
    NoEnum {
        /// The number.
        number: i32,
    },
    /// A typedef number past `_typenames`.
    NoTypedef {
        /// The number.
        number: i32,
    },
    /// An opcode that is no type's.
    TypeOpcode {
        /// The opcode.
        op: u8,
    },
    /// A function returning a function.
    FunctionReturningFunction,
    /// `OP_FUNCTION` without `OP_FUNCTION_END`.
    FunctionWithoutEnd,
    /// An ABI number rcffi has not.
    Abi {
        /// The number.
        number: i32,
    },
    /// An entry shorter than its numbers.
    Truncated {
        /// Its length.
        len: usize,
        /// Where a number was expected.
        at: usize,
    },
    /// A name that is not UTF-8.
    NameNotUtf8,
    /// `_types` not a whole number of opcodes.
    TypesLength {
        /// Its length in bytes.
        len: usize,
    },
    /// An entry with no bytes.
    Empty,
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Table::DeclaredTwice { name } => write!(f, "'{name}' is declared twice"),
            Table::OpaqueWithFields => f.write_str("an opaque or external record has fields"),
            Table::FieldOpcode { op } => write!(f, "opcode {op} is not a field's"),
            Table::EnumeratorMissing { name, cname } => {
                write!(f, "enumerator '{name}' of '{cname}' is missing from _globals")
            }
            Table::EnumNotInteger { cname, prim } => write!(f, "'{cname}' has no integer type ({prim})"),
            Table::EnumeratorWithoutEnum { name } => write!(f, "enumerator '{name}' belongs to no enum"),
            Table::NotAFunction => f.write_str("not a function type"),
            Table::GlobalOpcode { op } => {
                write!(f, "opcode {op} is not one of an out-of-line module (a compiled module's?)")
            }
            Table::IndexOutside { index, len } => write!(f, "type index {index} is outside _types ({len} entries)"),
            Table::FunctionAsValue => f.write_str("a function type where a value's type is expected"),
            Table::VoidAsValue => f.write_str("void where a value's type is expected"),
            Table::SelfReference { index } => write!(f, "_types[{index}] refers to itself"),
            Table::TooDeep { limit } => write!(f, "types nested more than {limit} deep"),
            Table::UnknownPrimitive { number } => {
                write!(f, "primitive type number {number} is not one out-of-line modules use")
            }
            Table::ArrayWithoutLength => f.write_str("an array without its length"),
            Table::NoRecord { number } => write!(f, "no struct or union number {number}"),
            Table::NoEnum { number } => write!(f, "no enum number {number}"),
            Table::NoTypedef { number } => write!(f, "no typedef number {number}"),
            Table::TypeOpcode { op } => write!(f, "opcode {op} is not a type's"),
            Table::FunctionReturningFunction => f.write_str("a function returning a function"),
            Table::FunctionWithoutEnd => f.write_str("a function without its end"),
            Table::Abi { number } => write!(f, "abi number {number} not supported"),
            Table::Truncated { len, at } => {
                write!(f, "truncated ({len} bytes, a 4-byte number expected at byte {at})")
            }
            Table::NameNotUtf8 => f.write_str("the name is not valid UTF-8"),
            Table::TypesLength { len } => write!(f, "{len} bytes, not a whole number of 4-byte opcodes"),
            Table::Empty => f.write_str("empty"),
        }
    }
}
