//! Valid C that cffi or rcffi does not take: `FFIError` or
//! `NotImplementedError` as cffi raises them (the kind is the caller's).

use std::fmt;

/// What a constant expression may not contain (cffi's "unsupported
/// expression: expected a simple numeric constant", and why).
const EXPRESSION: &str = "unsupported expression: expected a simple numeric constant";

/// A C feature not supported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsupported {
    /// `sizeof x` in a constant.
    SizeofExpression,
    /// A constant declared with `...` used in a constant.
    ConstantValueUnknown {
        /// The constant.
        name: String,
    },
    /// An identifier that is no integer constant used in a constant.
    NotAConstant {
        /// The identifier.
        name: String,
    },
    /// A token that has no place in a constant expression.
    ExpressionToken {
        /// The token, described (`'x'`, `a string`, ...).
        found: String,
    },
    /// `(double)1` in a constant.
    NonIntegerCastInConstant,
    /// `(double)1` in a typed (header macro) constant.
    NonIntegerCast,
    /// `[...]` where no compiler gives the length.
    PartialArrayLength,
    /// A struct with `...;` and no C name.
    PartialWithoutName {
        /// Its rcffi name (`struct $1`).
        cname: String,
    },
    /// `typedef ... T[3];`, ...
    DotsTypedefShape,
    /// `typedef int... *T;`, ...
    DotsInTypedef,
    /// `int... x;` outside a typedef.
    DotsOutsideTypedef,
    /// `typedef long double... T;`.
    DotsLongDouble,
    /// `int... x;` as a field.
    DotsInField,
    /// A struct with both bit fields and `...;`.
    BitfieldsAndDots {
        /// The record.
        cname: String,
    },
    /// A packed field in a record that is not packed (headers).
    PackedField {
        /// The field.
        field: String,
        /// The record.
        cname: String,
    },
    /// An enum's body given after its first mention.
    EnumBodyLater {
        /// The enum's tag.
        name: String,
    },
    /// `enum __attribute__((packed))`.
    PackedEnum,
    /// `mode(X)` with X no integer width rcffi has.
    AttributeMode {
        /// X.
        word: String,
    },
    /// `vector_size`, `transparent_union`, ...
    TypeAttribute {
        /// The attribute.
        name: String,
    },
    /// `mode`, `vector_size`, ... in `cdef()` text, which does not apply
    /// them (`cdef_header()` does what it can).
    TypeAttributeInCdef {
        /// The attribute.
        name: String,
    },
    /// `mode(X)` on a type that is no integer.
    ModeOnNonInteger,
    /// A field aligned beyond its type (headers).
    OverAlignedField {
        /// The field.
        name: String,
        /// The alignment asked.
        align: u64,
    },
    /// A typedef aligned other than its type (headers).
    TypedefAlign {
        /// The typedef.
        name: String,
        /// The alignment asked.
        align: u64,
        /// The type's own.
        natural: u64,
    },
    /// `__thread` / `_Thread_local` variables.
    ThreadLocal,
    /// `__auto_type`.
    AutoType,
    /// `typeof(1 + 2)`.
    TypeofExpression,
    /// A type whose header declaration was skipped.
    SkippedType {
        /// The type's name.
        name: String,
        /// Why it was skipped (the recorded reason, kept in snapshots).
        why: String,
    },
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsupported::SizeofExpression => {
                write!(f, "{EXPRESSION}: only 'sizeof(type)' is supported, not 'sizeof expression'")
            }
            Unsupported::ConstantValueUnknown { name } => write!(
                f,
                "{EXPRESSION}: the value of '{name}' is not known ('#define {name} ...' or 'static const'): only the C compiler knows it"
            ),
            Unsupported::NotAConstant { name } => write!(
                f,
                "{EXPRESSION}, an enumerator or a '#define'd integer; '{name}' is not a known integer constant"
            ),
            Unsupported::ExpressionToken { found } => write!(f, "{EXPRESSION}, found {found}"),
            Unsupported::NonIntegerCastInConstant => {
                write!(f, "{EXPRESSION}: cannot cast to a non-integer type in a constant")
            }
            Unsupported::NonIntegerCast => f.write_str("a cast to a non-integer type is not an integer constant"),
            Unsupported::PartialArrayLength => {
                f.write_str("unsupported '[...]' here, cannot derive the actual array length in this context")
            }
            Unsupported::PartialWithoutName { cname } => {
                write!(f, "{cname} is partial but has no C name (give it a tag or a typedef name)")
            }
            Unsupported::DotsTypedefShape => f.write_str(
                "bad usage of \"...\": only 'typedef ... name;' and 'typedef ... *name;' are supported",
            ),
            Unsupported::DotsInTypedef => f.write_str("unsupported usage of \"...\" in typedef"),
            Unsupported::DotsOutsideTypedef => {
                f.write_str("bad usage of \"...\": it is only valid in 'typedef ... name;'")
            }
            Unsupported::DotsLongDouble => {
                f.write_str("unsupported usage of \"...\" in typedef: 'long double...' is not supported")
            }
            Unsupported::DotsInField => {
                f.write_str("bad usage of \"...\" (write '...;' alone for a partial struct)")
            }
            Unsupported::BitfieldsAndDots { cname } => write!(f, "{cname}: using both bitfields and '...;'"),
            Unsupported::PackedField { field, cname } => write!(
                f,
                "field '{field}' of {cname} is __attribute__((packed)) but the record is not: rcffi cannot represent this layout"
            ),
            Unsupported::EnumBodyLater { name } => write!(
                f,
                "enum {name}: the '{{}}' declaration should appear on the first time the enum is mentioned, not later"
            ),
            Unsupported::PackedEnum => f.write_str("a packed enum has a size rcffi cannot represent"),
            Unsupported::AttributeMode { word } => {
                write!(f, "__attribute__((mode({word}))) gives a type rcffi cannot represent")
            }
            Unsupported::TypeAttribute { name } => {
                write!(f, "__attribute__(({name})) changes the type in a way rcffi cannot represent")
            }
            Unsupported::TypeAttributeInCdef { name } => write!(
                f,
                "__attribute__(({name})) changes the declared type, which cdef() does not do: declare the type it gives instead"
            ),
            Unsupported::ModeOnNonInteger => f.write_str("__attribute__((mode)) on a non-integer type"),
            Unsupported::OverAlignedField { name, align } => write!(
                f,
                "field '{name}' has __attribute__((aligned({align}))), more than the alignment of its type: rcffi cannot represent this layout"
            ),
            Unsupported::TypedefAlign { name, align, natural } => write!(
                f,
                "typedef '{name}' has __attribute__((aligned({align}))), but its type's alignment is {natural}: rcffi cannot represent it"
            ),
            Unsupported::ThreadLocal => {
                f.write_str("thread-local variables cannot be reached through the library's symbols")
            }
            Unsupported::AutoType => f.write_str("'__auto_type' declares no type rcffi can use"),
            Unsupported::TypeofExpression => f.write_str("typeof(expression) is only supported for a declared name"),
            Unsupported::SkippedType { name, why } => {
                write!(f, "type '{name}' cannot be used: its declaration was skipped ({why})")
            }
        }
    }
}
