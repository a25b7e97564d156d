//! Errors of sizes and layouts: what cffi's backend says when it lays a
//! type out, and what it says when the C compiler's answers (API mode,
//! `ffi.verify()`) disagree with the cdef.

use std::fmt;

/// A type that cannot be laid out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Enumerators beyond both `long` and `unsigned long`.
    EnumRange,
    /// An array of more than `isize::MAX` bytes.
    ArrayTooLarge {
        /// The array's cffi name.
        ctype: String,
    },
    /// A record of more than `isize::MAX` bytes.
    RecordTooLarge {
        /// The record.
        cname: String,
        /// The field where it overflows (empty: at the end).
        field: String,
    },
    /// A field placed by the compiler beyond `isize::MAX` bytes.
    FieldBeyondMax {
        /// The record.
        cname: String,
    },
    /// `typedef int... T`: the size is the compiler's.
    SizeOnlyCompilerKnows {
        /// The type's cffi name.
        ctype: String,
    },
    /// A record with `...;` before a compiler completed it.
    Partial {
        /// The record.
        cname: String,
    },
    /// Records and arrays nested by value deeper than rcffi lays out.
    NestedTooDeep {
        /// The outermost record.
        cname: String,
        /// The limit.
        limit: u32,
    },
    /// A record that contains itself.
    Recursive {
        /// Its tag (or name).
        name: String,
    },
    /// A field whose type has no size.
    FieldUnknownSize {
        /// The record.
        cname: String,
        /// The field.
        field: String,
        /// The field's cffi type name.
        ctype: String,
    },
    /// A bit field of a type that is not an integer.
    NotABitFieldType {
        /// The record.
        cname: String,
        /// The field.
        field: String,
        /// The field's cffi type name.
        ctype: String,
    },
    /// A bit field wider than its type.
    BitFieldTooWide {
        /// The record.
        cname: String,
        /// The field.
        field: String,
        /// The field's cffi type name.
        ctype: String,
        /// The width.
        width: u64,
    },
    /// A named bit field of width 0.
    NamedZeroWidth {
        /// The record.
        cname: String,
        /// The field.
        field: String,
    },
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layout::EnumRange => f.write_str("enum values don't all fit into either 'long' or 'unsigned long'"),
            Layout::ArrayTooLarge { ctype } => {
                write!(f, "array size would overflow a Py_ssize_t: ctype '{ctype}' is too large")
            }
            Layout::RecordTooLarge { cname, field } => {
                write!(f, "size of '{cname}' would overflow a Py_ssize_t")?;
                if !field.is_empty() {
                    write!(f, " (at field '{field}')")?;
                }
                Ok(())
            }
            Layout::FieldBeyondMax { cname } => write!(f, "{cname}: a field ends beyond what a Py_ssize_t holds"),
            Layout::SizeOnlyCompilerKnows { ctype } => write!(
                f,
                "ctype '{ctype}' has a size only the C compiler knows (declared with '...'); use API mode"
            ),
            Layout::Partial { cname } => write!(
                f,
                "'{cname}' has '...' in its fields: its layout is only known once a compiler gave it (ffi.verify(), or API mode with ffi.set_source())"
            ),
            Layout::NestedTooDeep { cname, limit } => {
                write!(f, "{cname}: records and arrays nested by value more than {limit} deep")
            }
            Layout::Recursive { name } => write!(f, "recursive structure declaration for '{name}'"),
            Layout::FieldUnknownSize { cname, field, ctype } => {
                write!(f, "field '{cname}.{field}' has ctype '{ctype}' of unknown size")
            }
            Layout::NotABitFieldType { cname, field, ctype } => {
                write!(f, "field '{cname}.{field}' declared as '{ctype}' cannot be a bit field")
            }
            Layout::BitFieldTooWide { cname, field, ctype, width } => write!(
                f,
                "bit field '{cname}.{field}' is declared '{ctype}:{width}', which exceeds the width of the type"
            ),
            Layout::NamedZeroWidth { cname, field } => write!(f, "field '{cname}.{field}' is declared with :0"),
        }
    }
}

/// Which measure of a record the compiler gives differently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Measure {
    /// A field's size.
    FieldSize(String),
    /// A field's offset.
    FieldOffset(String),
    /// A bit field's first bit.
    BitPosition(String),
    /// The record's size.
    TotalSize,
    /// The record's alignment.
    TotalAlignment,
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Measure::FieldSize(name) => write!(f, "wrong size for field '{name}'"),
            Measure::FieldOffset(name) => write!(f, "wrong offset for field '{name}'"),
            Measure::BitPosition(name) => write!(f, "wrong bit position for bitfield '{name}'"),
            Measure::TotalSize => f.write_str("wrong total size"),
            Measure::TotalAlignment => f.write_str("wrong total alignment"),
        }
    }
}

/// The C compiler's answers disagree with the cdef (API mode, `verify()`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compiler {
    /// `typedef double... t` that is a `long double`.
    FloatIsLongDouble,
    /// `typedef double... t` of another size.
    FloatUnexpectedSize,
    /// `typedef int... t` of a size no integer has.
    UnsupportedDotsSize {
        /// The type.
        name: String,
        /// The size the compiler gave.
        size: u64,
    },
    /// A constant the compiler gives another value.
    ConstantDiffers {
        /// The constant.
        name: String,
        /// The compiler's value.
        real: i128,
    },
    /// A constant's value differs (cffi's `verify()` words).
    RealValue {
        /// The enum (`enum TAG` or its name) of an enumerator.
        owner: Option<String>,
        /// The constant.
        name: String,
        /// The compiler's value.
        real: i128,
        /// The cdef's.
        value: i128,
    },
    /// A record whose fields the compiled module lists differently.
    ModuleMismatch {
        /// The record.
        cname: String,
    },
    /// A `[...]` field the compiler gave no length.
    NoFieldLength {
        /// The record.
        cname: String,
        /// The field.
        field: String,
    },
    /// A `[...]` global the compiler gave no length.
    NoLength {
        /// The key (the name plus one `[0]` per dimension).
        key: String,
    },
    /// A record measured differently.
    RecordDiffers {
        /// The record.
        cname: String,
        /// What differs.
        what: Measure,
        /// The cdef's value.
        cdef: u64,
        /// The compiler's.
        real: u64,
    },
    /// [`Compiler::RecordDiffers`] as cffi's `ffi.verify()` words it
    /// ("we have N", without API mode's advice to use `...;`): made by
    /// [`crate::Error::worded_for_verify`].
    RecordDiffersInVerify {
        /// The record.
        cname: String,
        /// What differs.
        what: Measure,
        /// The cdef's value.
        cdef: u64,
        /// The compiler's.
        real: u64,
    },
}

impl fmt::Display for Compiler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Compiler::FloatIsLongDouble => f.write_str(
                "primitive floating-point type is 'long double', not supported for now with the syntax 'typedef double... xxx;'",
            ),
            Compiler::FloatUnexpectedSize => {
                f.write_str("primitive floating-point type with an unexpected size (or not a float type at all)")
            }
            Compiler::UnsupportedDotsSize { name, size } => write!(f, "'{name}': unsupported size {size} for a '...' type"),
            Compiler::ConstantDiffers { name, real } => {
                write!(f, "the C compiler says '{name}' is equal to ")?;
                if *real <= 0 {
                    write!(f, "{real}")?;
                } else {
                    write!(f, "{real} ({real:#x})")?;
                }
                f.write_str(", but the cdef disagrees")
            }
            Compiler::RealValue { owner, name, real, value } => {
                if let Some(owner) = owner {
                    write!(f, "{owner}: ")?;
                }
                write!(f, "{name} has the real value {real}, not {value}")
            }
            Compiler::ModuleMismatch { cname } => write!(f, "{cname}: the compiled module does not match the cdef"),
            Compiler::NoFieldLength { cname, field } => write!(f, "{cname}: no length for field '{field}'"),
            Compiler::NoLength { key } => write!(f, "no length for '{key}'"),
            Compiler::RecordDiffers { cname, what, cdef, real } => write!(
                f,
                "{cname}: {what} (cdef says {cdef}, but C compiler says {real}). fix it or use \"...;\" as the last field in the cdef for {cname} to make it flexible"
            ),
            Compiler::RecordDiffersInVerify { cname, what, cdef, real } => {
                write!(f, "{cname}: {what} (we have {cdef}, but C compiler says {real})")
            }
        }
    }
}
