//! Errors of parsed cdef text that breaks a rule of C or of cffi's
//! declarations (what cffi reports as `CDefError`, and a few of its
//! `ValueError`/`TypeError`s in type strings).

use std::fmt;

/// A declaration rule broken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// Brackets, parentheses or declarators nested beyond the parser's limit.
    NestingTooDeep {
        /// The limit.
        limit: u32,
    },
    /// A function, variable, ... named like a typedef.
    NonTypedefNamedLikeTypedef {
        /// The name.
        name: String,
    },
    /// A typedef named like a function, variable, ... of the same text.
    TypedefNamedLikeNonTypedef {
        /// The name.
        name: String,
    },
    /// A name declared again without `override=True`.
    Redeclared {
        /// `function`, `variable`, `constant`, `typedef`, `struct`, ...
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A `}`, `)` or `]` with nothing open.
    Unbalanced {
        /// The closer.
        closer: String,
    },
    /// `extern "X"` other than Python's.
    BadLinkage {
        /// The string literal as written.
        literal: String,
    },
    /// `extern "Python"` inside another.
    NestedExternPython,
    /// `extern "Python" {` never closed.
    UnclosedExternPython,
    /// A `#` directive cdef() does not take.
    DirectiveNotSupported {
        /// The directive's word.
        word: String,
    },
    /// `#define` with no name.
    MacroNameMissing,
    /// `#define NAME X` with X neither `...` nor an integer.
    BadDefine {
        /// The macro.
        name: String,
        /// What followed the name.
        value: String,
    },
    /// An empty type string.
    EmptyTypeString,
    /// A type string that is one unknown identifier.
    UnknownIdentifier {
        /// The identifier.
        name: String,
    },
    /// An identifier used as a type that names none.
    UnknownTypeName {
        /// The identifier.
        name: String,
        /// It names a function, variable or constant.
        declared: bool,
        /// In type strings: the next token (pycparser's words).
        before: Option<String>,
    },
    /// A statement (`if`, `return`, ...) where declarations go.
    Statement {
        /// The statement's keyword.
        keyword: String,
    },
    /// `typedef int;`.
    TypedefWithoutName,
    /// `int;`.
    DeclaresNothing,
    /// A declarator without its name.
    NameExpected,
    /// A function body.
    FunctionBody,
    /// `int f(void) = 3;`.
    FunctionInitializer {
        /// The function.
        name: String,
    },
    /// A constant or variable inside `extern "Python"`.
    ExternPythonData,
    /// An initializer that runs to the end of the text.
    UnterminatedInitializer,
    /// `__attribute__((` never closed (cdef text).
    UnbalancedAttribute,
    /// `__attribute__((` never closed (headers).
    UnterminatedAttribute,
    /// `aligned(N)` with N not a power of 2 (or beyond 2^28).
    BadAlignment {
        /// N as written or computed.
        value: String,
    },
    /// A storage class where it cannot be.
    StorageClassNotAllowed {
        /// The keyword.
        word: String,
    },
    /// Two storage classes.
    MultipleStorageClasses,
    /// `[*]`.
    VariableLengthArray,
    /// `[-1]`.
    NegativeArrayLength {
        /// The length.
        length: i128,
    },
    /// A length beyond 64 bits.
    ArrayLengthTooLarge,
    /// `f(...)`.
    OnlyEllipsis {
        /// The function (`function NAME` or the type's words).
        who: String,
    },
    /// `f(a, b)`: K&R untyped arguments.
    UntypedArgument {
        /// The function.
        who: String,
        /// 1-based argument number.
        index: usize,
        /// The identifier.
        name: String,
    },
    /// `f(int, void)`.
    VoidNotAlone {
        /// The function.
        who: String,
        /// 1-based argument number.
        index: usize,
    },
    /// `T x[3]` with T a function.
    ArrayOfFunctions,
    /// `void x[3]`.
    ArrayOfVoid,
    /// An array of items of unknown size in a type string.
    ArrayItemUnknownSize {
        /// The item's cffi name.
        ctype: String,
    },
    /// `T f(void)` with T a function.
    FunctionReturningFunction,
    /// `T f(void)` with T an array.
    FunctionReturningArray,
    /// The same in a type string (cffi's backend words it).
    InvalidResultType {
        /// The result's cffi name.
        ctype: String,
    },
    /// Declarators nested beyond the type arena's limit.
    TypeTooDeep {
        /// The limit.
        limit: u32,
    },
    /// `struct s { int; };`.
    FieldNameMissing,
    /// `int x : -1;`.
    NegativeBitWidth {
        /// The width.
        width: i128,
    },
    /// `int x : 200;`.
    BitWidthTooLarge {
        /// The width.
        width: i128,
    },
    /// A field of function type.
    FieldIsFunction,
    /// A field declarator without its name.
    FieldNameExpected,
    /// Two fields of one name.
    DuplicateField {
        /// The name.
        name: String,
    },
    /// `T x[];` before another field.
    FlexibleArrayNotLast {
        /// The field.
        name: String,
    },
    /// `enum ...`.
    EnumWithDots,
    /// An enumerator beyond 128 bits.
    EnumValueOverflow,
    /// `'x' is declared again as a different kind of name` (headers).
    RedeclaredOtherKind {
        /// The name.
        name: String,
    },
    /// `<<`/`>>` by a count outside 0..127.
    ShiftOutOfRange {
        /// The count.
        count: i128,
    },
    /// `<<`/`>>` by a count outside the value's width (typed constants).
    ShiftBeyondWidth {
        /// The count.
        count: i128,
        /// The width of the left operand.
        bits: u32,
    },
    /// A name of `only=` the header does not declare.
    NotDeclaredByHeader {
        /// The name.
        name: String,
    },
}

impl fmt::Display for Syntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Syntax::NestingTooDeep { limit } => write!(f, "nesting too deep (more than {limit} levels)"),
            Syntax::NonTypedefNamedLikeTypedef { name } => {
                write!(f, "Non-typedef '{name}' previously declared as typedef in this scope")
            }
            Syntax::TypedefNamedLikeNonTypedef { name } => {
                write!(f, "Typedef '{name}' previously declared as non-typedef in this scope")
            }
            Syntax::Redeclared { what, name } => {
                write!(f, "multiple declarations of {what} {name} (for interactive usage, try cdef(xx, override=True))")
            }
            Syntax::Unbalanced { closer } => write!(f, "unbalanced '{closer}': nothing is open here"),
            Syntax::BadLinkage { literal } => write!(
                f,
                "unsupported linkage 'extern {literal}': only 'extern \"Python\"' and 'extern \"Python+C\"' are valid in cdef()"
            ),
            Syntax::NestedExternPython => f.write_str("nested 'extern \"Python\"'"),
            Syntax::UnclosedExternPython => f.write_str("'extern \"Python\" {': no '}' found"),
            Syntax::DirectiveNotSupported { word } => write!(
                f,
                "Directives not supported yet: '#{word}' (cdef() only understands '#define NAME NUMBER' and '#define NAME ...')"
            ),
            Syntax::MacroNameMissing => f.write_str("macro name missing after '#define'"),
            Syntax::BadDefine { name, value } => write!(
                f,
                "only supports one of the following syntax:\n  #define {name} ...     (literally dot-dot-dot)\n  #define {name} NUMBER  (with NUMBER an integer constant, decimal/hex/octal)\ngot:\n  #define {name} {value}"
            ),
            Syntax::EmptyTypeString => f.write_str("empty type string: expected a C type"),
            Syntax::UnknownIdentifier { name } => write!(f, "unknown identifier '{name}'"),
            Syntax::UnknownTypeName { name, declared, before } => {
                write!(f, "unknown type name '{name}'")?;
                if *declared {
                    write!(f, " ('{name}' is declared, but not as a type)")?;
                }
                match before {
                    Some(token) => write!(f, " (parse error before: {token})"),
                    None => Ok(()),
                }
            }
            Syntax::Statement { keyword } => write!(
                f,
                "unexpected '{keyword}' statement: this construct is valid C but not valid in cdef() (only declarations are)"
            ),
            Syntax::TypedefWithoutName => f.write_str("Invalid declaration: typedef does not declare any name"),
            Syntax::DeclaresNothing => {
                f.write_str("Invalid declaration: construct does not declare any variable (a name is missing)")
            }
            Syntax::NameExpected => f.write_str("Invalid declaration: expected a name in the declaration"),
            Syntax::FunctionBody => f.write_str("unexpected <FuncDef>: this construct is valid C but not valid in cdef()"),
            Syntax::FunctionInitializer { name } => write!(f, "function '{name}' cannot have an initializer"),
            Syntax::ExternPythonData => f.write_str("cannot declare constants or variables with 'extern \"Python\"'"),
            Syntax::UnterminatedInitializer => f.write_str("unterminated initializer: missing ';'"),
            Syntax::UnbalancedAttribute => f.write_str("unbalanced parentheses in '__attribute__'"),
            Syntax::UnterminatedAttribute => f.write_str("unterminated '__attribute__(('"),
            Syntax::BadAlignment { value } => write!(f, "requested alignment {value} is not a positive power of 2"),
            Syntax::StorageClassNotAllowed { word } => write!(f, "storage class '{word}' is not allowed here"),
            Syntax::MultipleStorageClasses => f.write_str("multiple storage classes in declaration specifiers"),
            Syntax::VariableLengthArray => f.write_str("variable length array '[*]' is not supported in cdef()"),
            Syntax::NegativeArrayLength { length } => write!(f, "negative array length {length}"),
            Syntax::ArrayLengthTooLarge => f.write_str("array length too large"),
            Syntax::OnlyEllipsis { who } => write!(f, "{who}: a function with only '(...)' as argument is not correct C"),
            Syntax::UntypedArgument { who, index, name } => write!(
                f,
                "{who} arg {index}: unknown type '{name}' (if you meant to use the old C syntax of giving untyped arguments, it is not supported)"
            ),
            Syntax::VoidNotAlone { who, index } => write!(f, "{who} arg {index}: 'void' must be the only parameter"),
            Syntax::ArrayOfFunctions => f.write_str("declared as an array of functions (use an array of function pointers)"),
            Syntax::ArrayOfVoid => f.write_str("declared as an array of 'void'"),
            Syntax::ArrayItemUnknownSize { ctype } => write!(f, "array item of unknown size: '{ctype}'"),
            Syntax::FunctionReturningFunction => {
                f.write_str("declared as a function returning a function (return a function pointer)")
            }
            Syntax::FunctionReturningArray => f.write_str("declared as a function returning an array"),
            Syntax::InvalidResultType { ctype } => write!(f, "invalid result type: '{ctype}'"),
            Syntax::TypeTooDeep { limit } => {
                write!(f, "type nested too deep (more than {limit} levels of pointers, arrays and functions)")
            }
            Syntax::FieldNameMissing => f.write_str("declaration does not declare a field (a name is missing)"),
            Syntax::NegativeBitWidth { width } => write!(f, "negative width in bit-field: {width}"),
            Syntax::BitWidthTooLarge { width } => write!(f, "width of bit-field ({width} bits) exceeds its type"),
            Syntax::FieldIsFunction => f.write_str("field declared as a function (use a function pointer)"),
            Syntax::FieldNameExpected => f.write_str("expected a field name"),
            Syntax::DuplicateField { name } => write!(f, "duplicate field name '{name}'"),
            Syntax::FlexibleArrayNotLast { name } => {
                write!(f, "flexible array member '{name}' not at the end of the struct")
            }
            Syntax::EnumWithDots => f.write_str("Enums cannot be declared with ..."),
            Syntax::EnumValueOverflow => f.write_str("enum value overflow"),
            Syntax::RedeclaredOtherKind { name } => write!(f, "'{name}' is declared again as a different kind of name"),
            Syntax::ShiftOutOfRange { count } => write!(f, "shift count {count} out of range in constant expression"),
            Syntax::ShiftBeyondWidth { count, bits } => write!(f, "shift count {count} out of range for a {bits}-bit value"),
            Syntax::NotDeclaredByHeader { name } => write!(f, "'{name}' (named in only=) is not declared by the header"),
        }
    }
}
