//! Errors of the preprocessor (`cdef_header`): directives, macros and
//! `#if` expressions, in gcc's words.

use std::fmt;

/// A preprocessing error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Directive {
    /// `#foo`.
    Invalid {
        /// The directive's word.
        name: String,
    },
    /// `#elif`/`#else` after `#else`.
    AfterElse {
        /// The directive's word.
        name: String,
    },
    /// `#error TEXT`.
    Error {
        /// The rest of the line.
        text: String,
    },
    /// `#pragma GCC error TEXT`.
    PragmaError {
        /// The message.
        text: String,
    },
    /// `#define defined` / `#undef defined`.
    DefinedAsMacroName,
    /// `#undef 3`, ...
    MacroNameNotIdentifier {
        /// The directive's word.
        directive: String,
    },
    /// `#define 3`.
    MacroNameNotIdentifierFound {
        /// What came instead.
        found: String,
    },
    /// `#define` alone.
    DefineWithoutName,
    /// `#undef` alone.
    NoMacroName {
        /// The directive's word.
        directive: String,
    },
    /// `#endif` and company without `#if`.
    WithoutIf {
        /// The directive's word.
        directive: String,
    },
    /// `#if` and company never closed.
    Unterminated {
        /// The directive's word.
        directive: String,
    },
    /// `#if` alone.
    IfWithoutExpression,
    /// `defined` without a name; `hint` adds the two accepted forms.
    DefinedWithoutName {
        /// Say how to write it.
        hint: bool,
    },
    /// `defined(X` .
    MissingParenAfterDefined,
    /// A malformed `#line`.
    BadLine,
    /// A malformed `#include`.
    BadInclude,
    /// `#include <x`.
    MissingAngle,
    /// An `#include` that no search directory holds.
    HeaderNotFound {
        /// The name as written (`<x.h>` or `"x.h"`).
        shown: String,
        /// The directories searched, one a line.
        searched: String,
    },
    /// The header given to `cdef_header` that no search directory holds.
    RootHeaderNotFound {
        /// The name given.
        header: String,
        /// The current directory.
        cwd: String,
        /// The other directories searched, one a line.
        searched: String,
    },
    /// A header that cannot be read.
    CannotRead {
        /// Its path.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// `#include` nested beyond the limit.
    IncludeTooDeep {
        /// The depth reached.
        depth: usize,
        /// The limit.
        limit: usize,
    },
    /// The output beyond what token offsets hold.
    TooLarge,
    /// Macro calls nested in arguments beyond the limit.
    ArgumentsTooDeep {
        /// The limit.
        limit: u32,
    },
    /// An expansion beyond its token budget.
    ExpansionTooLarge,
    /// `F(a, b` at the end of the text.
    UnterminatedArguments {
        /// The macro.
        name: String,
    },
    /// More arguments than parameters.
    TooManyArguments {
        /// The macro.
        name: String,
        /// Arguments given.
        given: usize,
        /// Parameters.
        takes: usize,
    },
    /// Fewer arguments than parameters.
    TooFewArguments {
        /// The macro.
        name: String,
        /// Parameters.
        needs: usize,
        /// Arguments given.
        given: usize,
    },
    /// `a ## b` that is not one token.
    BadPaste {
        /// Left operand.
        left: String,
        /// Right operand.
        right: String,
    },
    /// `_Pragma` not given a string literal.
    BadPragmaOperator,
    /// `#define F(a` .
    MissingParameterParen,
    /// `#define F(a, a)`.
    DuplicateParameter {
        /// The parameter.
        name: String,
    },
    /// `#define F(3)`.
    ParameterNameExpected {
        /// What came instead.
        found: String,
    },
    /// `#define F(a b)`.
    ParameterSeparatorExpected {
        /// What came instead.
        found: String,
    },
    /// `##` at either end of a body.
    PasteAtEnd,
    /// `#x` with x no parameter.
    StringizeWithoutParameter,
    /// `#if 1 2`.
    MissingOperator {
        /// The second operand's token.
        token: String,
    },
    /// `#if` nested beyond the limit.
    IfTooDeep,
    /// `#if a ? b`.
    QuestionWithoutColon,
    /// `#if 1 +`.
    IfEndsEarly,
    /// `#if (1`.
    MissingParenInIf,
    /// A token `#if` cannot evaluate.
    InvalidTokenInIf {
        /// The token.
        token: String,
    },
    /// `#if 1 / 0`.
    DivisionByZeroInIf,
    /// `#if 1.0`.
    FloatInIf {
        /// The literal.
        text: String,
    },
    /// `#if 1x`.
    InvalidIntegerInIf {
        /// The literal.
        text: String,
    },
    /// An integer literal beyond 64 bits.
    IntegerTooLarge {
        /// The literal.
        text: String,
    },
    /// `#if 'ab'`.
    InvalidCharInIf {
        /// The literal.
        text: String,
    },
}

impl fmt::Display for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Directive::Invalid { name } => write!(f, "invalid preprocessing directive #{name}"),
            Directive::AfterElse { name } => write!(f, "#{name} after #else"),
            Directive::Error { text } => write!(f, "#error {text}"),
            Directive::PragmaError { text } => write!(f, "#pragma GCC error {text}"),
            Directive::DefinedAsMacroName => f.write_str("\"defined\" cannot be used as a macro name"),
            Directive::MacroNameNotIdentifier { directive } => {
                write!(f, "macro names must be identifiers (after #{directive})")
            }
            Directive::MacroNameNotIdentifierFound { found } => write!(f, "macro names must be identifiers, found '{found}'"),
            Directive::DefineWithoutName => f.write_str("macro names must be identifiers: no name after '#define'"),
            Directive::NoMacroName { directive } => write!(f, "no macro name given in #{directive} directive"),
            Directive::WithoutIf { directive } => write!(f, "#{directive} without #if"),
            Directive::Unterminated { directive } => {
                write!(f, "unterminated #{directive}: no matching #endif before the end of the file")
            }
            Directive::IfWithoutExpression => f.write_str("#if with no expression"),
            Directive::DefinedWithoutName { hint: true } => {
                f.write_str("operator \"defined\" requires an identifier (as 'defined NAME' or 'defined(NAME)')")
            }
            Directive::DefinedWithoutName { hint: false } => f.write_str("operator \"defined\" requires an identifier"),
            Directive::MissingParenAfterDefined => f.write_str("missing ')' after \"defined\""),
            Directive::BadLine => f.write_str("#line expects a line number and an optional \"file name\""),
            Directive::BadInclude => f.write_str("#include expects \"FILENAME\" or <FILENAME>"),
            Directive::MissingAngle => f.write_str("missing terminating > character"),
            Directive::HeaderNotFound { shown, searched } => write!(f, "cannot find header {shown}; searched:\n{searched}"),
            Directive::RootHeaderNotFound { header, cwd, searched } => {
                write!(f, "cannot find header '{header}'; searched:\n  {cwd} (the current directory)\n{searched}")
            }
            Directive::CannotRead { path, reason } => write!(f, "cannot read header {path}: {reason}"),
            Directive::IncludeTooDeep { depth, limit } => write!(
                f,
                "#include nested depth {depth} exceeds the maximum of {limit} (does a header include itself without an include guard?)"
            ),
            Directive::TooLarge => f.write_str("the preprocessed header is too large"),
            Directive::ArgumentsTooDeep { limit } => {
                write!(f, "macro calls nested more than {limit} deep in macro arguments")
            }
            Directive::ExpansionTooLarge => {
                f.write_str("macro expansion too large (more than 10 million tokens produced)")
            }
            Directive::UnterminatedArguments { name } => {
                write!(f, "unterminated argument list invoking macro \"{name}\"")
            }
            Directive::TooManyArguments { name, given, takes } => {
                write!(f, "macro \"{name}\" passed {given} arguments, but takes just {takes}")
            }
            Directive::TooFewArguments { name, needs, given } => {
                write!(f, "macro \"{name}\" requires {needs} arguments, but only {given} given")
            }
            Directive::BadPaste { left, right } => {
                write!(f, "pasting \"{left}\" and \"{right}\" does not give a valid preprocessing token")
            }
            Directive::BadPragmaOperator => f.write_str("_Pragma takes a parenthesized string literal"),
            Directive::MissingParameterParen => f.write_str("missing ')' in macro parameter list"),
            Directive::DuplicateParameter { name } => write!(f, "duplicate macro parameter \"{name}\""),
            Directive::ParameterNameExpected { found } => write!(f, "expected a parameter name, found '{found}'"),
            Directive::ParameterSeparatorExpected { found } => {
                write!(f, "expected ',' or ')' in the parameter list, found '{found}'")
            }
            Directive::PasteAtEnd => f.write_str("'##' cannot appear at either end of a macro expansion"),
            Directive::StringizeWithoutParameter => f.write_str("'#' is not followed by a macro parameter"),
            Directive::MissingOperator { token } => write!(f, "missing binary operator before token \"{token}\""),
            Directive::IfTooDeep => f.write_str("#if expression nested too deeply"),
            Directive::QuestionWithoutColon => f.write_str("'?' without following ':' in #if"),
            Directive::IfEndsEarly => f.write_str("#if expression ends too early (an operand is missing)"),
            Directive::MissingParenInIf => f.write_str("missing ')' in #if expression"),
            Directive::InvalidTokenInIf { token } => {
                write!(f, "token \"{token}\" is not valid in preprocessor expressions")
            }
            Directive::DivisionByZeroInIf => f.write_str("division by zero in #if"),
            Directive::FloatInIf { text } => write!(f, "floating constant {text} in preprocessor expression"),
            Directive::InvalidIntegerInIf { text } => write!(f, "invalid integer constant \"{text}\" in #if"),
            Directive::IntegerTooLarge { text } => write!(f, "integer constant {text} is too large for its type"),
            Directive::InvalidCharInIf { text } => write!(f, "invalid character constant {text} in #if"),
        }
    }
}
