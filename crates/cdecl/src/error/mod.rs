//! Diagnostics: every error names what was wrong and where.

use std::fmt;

mod directive;
mod layout;
mod lex;
mod syntax;
mod table;
mod unsupported;

pub use directive::Directive;
pub use layout::{Compiler, Layout, Measure};
pub use lex::Lex;
pub use syntax::Syntax;
pub use table::Table;
pub use unsupported::Unsupported;

/// Which Python exception an error becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `CDefError`: the declarations are malformed or unsupported.
    CDef,
    /// `FFIError`: the declarations are valid but cannot be used that way
    /// (unknown type size, opaque struct, ...).
    Ffi,
    /// `NotImplementedError`: valid C that cffi does not handle.
    NotImplemented,
    /// `TypeError`: a record body cffi refuses when laying it out (a bit
    /// width on a non-integer field, a field of unknown size, ...).
    Type,
    /// `ValueError`: a value out of range where cffi checks it at use
    /// (a negative array length in a type string).
    Value,
    /// `OverflowError`: a size too large for a `Py_ssize_t` (an array or
    /// record of more than `isize::MAX` bytes), as cffi raises for arrays.
    Overflow,
    /// `VerificationMissing`: the layout of a record declared with `...;`
    /// is asked before a compiler gave it (`ffi.verify()` or API mode).
    Missing,
    /// `RecursionError`: types nested deeper than rcffi walks them (cffi's
    /// own recursion runs out there too).
    Recursion,
}

/// What kind of text a location is in: the edge that turns an error into a
/// Python exception words it by this (cffi's `cannot parse "..."` for cdef
/// text and type strings, the full diagnostic for headers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `ffi.cdef()` text (also where a line marker renamed the position).
    Cdef,
    /// A type string given to `ffi.new()`, `ffi.typeof()`, ...
    TypeString,
    /// A header read by the preprocessor (`cdef_header`).
    Header,
}

/// A position in a named source text (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The kind of text it points into.
    pub origin: Origin,
    /// `<cdef source string>` for `ffi.cdef()` text, a path for headers.
    pub source_name: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// The whole offending source line, for the caret excerpt.
    pub line_text: String,
    /// Width of the underlined range (at least 1).
    pub width: u32,
    /// For headers: `file:line` of each `#include` that led here,
    /// innermost first (empty for cdef text).
    pub included_from: Vec<String>,
    /// `cdef()` text whose position a `# N "file"` / `#line N` marker
    /// moved (text from `gcc -E`): `source_name` and `line` are the
    /// marker's, but the text is still cdef() text (reported as such).
    pub from_line_marker: bool,
}

/// What went wrong, without where: each kind of error with its details,
/// worded by `Display` only when it is reported (the Python edge, a
/// `Display` of the [`Error`]), as ruff's parser keeps a `ParseErrorType`
/// apart from its text. The words are cffi's or rcffi's exact messages
/// (tests pin them). There is no variant for free text: every error is
/// one of these kinds, grouped by where it arises (the lexer, the
/// declaration rules, unsupported C, the preprocessor, layouts, the
/// compiler's answers, compiled-module tables), so code matches on the
/// kind instead of reading the text. An error that reports another keeps
/// it whole as its `cause`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// `ctype 'T' is of unknown size` (`T` as cffi names the type).
    UnknownSize {
        /// The type's cffi name.
        ctype: String,
    },
    /// `duplicate declaration of struct TAG` (or `union`).
    DuplicateTag {
        /// `struct` or `union`.
        keyword: &'static str,
        /// The tag.
        tag: String,
    },
    /// `two or more data types in declaration specifiers`.
    TwoDataTypes,
    /// `integer overflow in constant expression`.
    ConstantOverflow,
    /// `division by zero in constant expression`.
    DivisionByZero,
    /// `bad usage of "..."` (where no more precise message applies).
    BadDots,
    /// `unterminated WHAT body: missing '}'`.
    UnterminatedBody {
        /// `struct/union`, `enum` or `function`.
        what: &'static str,
    },
    /// `multiple declarations of constant: NAME`.
    ConstantDeclaredTwice {
        /// The constant.
        name: String,
    },
    /// `a pointer, not an integer constant`.
    PointerNotInteger,
    /// `the module's declarations are damaged or from another rcffi:
    /// rebuild it` (a `cdecl::snapshot` that does not read).
    DamagedSnapshot,
    /// `CONTEXTexpected EXPECTED, found FOUND`, with pycparser's ` (parse
    /// error before: TOKEN)` in type strings: text that does not parse.
    Expected {
        /// A leading context (`Invalid declaration: `), or empty.
        context: String,
        /// What the grammar wanted there.
        expected: String,
        /// What was there (`'int'`, `end of input`, ...).
        found: String,
        /// The token, in type strings (users grep for pycparser's words).
        before: Option<String>,
    },
    /// `Unsupported type: 'SPELLING'.  Please look at ...` (cffi's words for
    /// a type it has no model of: `__int128`, `long char`, ...).
    UnsupportedType {
        /// The type as written.
        spelling: String,
    },
    /// Text the lexer cannot read.
    Lex(Lex),
    /// A rule of C or of cffi's declarations broken.
    Syntax(Syntax),
    /// Valid C that is not supported.
    Unsupported(Unsupported),
    /// A preprocessor error (`cdef_header`).
    Directive(Directive),
    /// A type that cannot be laid out.
    Layout(Layout),
    /// The C compiler's answers disagree with the cdef.
    Compiler(Compiler),
    /// `AT: PROBLEM`: an out-of-line module's table that does not read.
    Table {
        /// The entry (`_globals[3]`, `field 'S.x': _types[7]`, ...).
        at: String,
        /// What is wrong with it.
        problem: Table,
    },
    /// `'struct S' should come from ffi.include() but was not found`.
    NotIncluded {
        /// `struct` or `union`.
        keyword: &'static str,
        /// The tag.
        name: String,
    },
    /// `a snapshot is only loaded into an FFI that declares nothing yet`.
    SnapshotNotEmpty,
    /// `cannot resolve the common type 'NAME' (DEF): CAUSE`.
    CommonType {
        /// The Windows type name.
        name: String,
        /// Its definition.
        def: &'static str,
        /// Why it does not parse.
        cause: Box<Message>,
    },
    /// `the macro is not an integer constant (CAUSE)` (a header macro
    /// named in `only=`).
    MacroNotConstant {
        /// Why.
        cause: Box<Message>,
    },
    /// `cannot declare 'NAME' (named in only=): CAUSE`.
    CannotDeclare {
        /// The name.
        name: String,
        /// Why.
        cause: Box<Message>,
    },
    /// `NAME: CAUSE`: a type the compiler names that does not parse.
    TypeNamed {
        /// The type as named.
        name: String,
        /// Why.
        cause: Box<Message>,
    },
}

macro_rules! group {
    ($($group:ident),*) => {$(
        impl From<$group> for Message {
            fn from(m: $group) -> Message {
                Message::$group(m)
            }
        }
    )*};
}
group!(Lex, Syntax, Unsupported, Directive, Layout, Compiler);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::UnknownSize { ctype } => write!(f, "ctype '{ctype}' is of unknown size"),
            Message::DuplicateTag { keyword, tag } => write!(f, "duplicate declaration of {keyword} {tag}"),
            Message::TwoDataTypes => f.write_str("two or more data types in declaration specifiers"),
            Message::ConstantOverflow => f.write_str("integer overflow in constant expression"),
            Message::DivisionByZero => f.write_str("division by zero in constant expression"),
            Message::BadDots => f.write_str("bad usage of \"...\""),
            Message::UnterminatedBody { what } => write!(f, "unterminated {what} body: missing '}}'"),
            Message::ConstantDeclaredTwice { name } => write!(f, "multiple declarations of constant: {name}"),
            Message::PointerNotInteger => f.write_str("a pointer, not an integer constant"),
            Message::DamagedSnapshot => f.write_str("the module's declarations are damaged or from another rcffi: rebuild it"),
            Message::Expected { context, expected, found, before } => {
                write!(f, "{context}expected {expected}, found {found}")?;
                match before {
                    Some(token) => write!(f, " (parse error before: {token})"),
                    None => Ok(()),
                }
            }
            Message::UnsupportedType { spelling } => write!(
                f,
                "Unsupported type: '{spelling}'.  Please look at http://cffi.readthedocs.io/en/latest/cdef.html#ffi-cdef-limitations \
                 and file an issue if you think this type should really be supported."
            ),
            Message::Lex(m) => m.fmt(f),
            Message::Syntax(m) => m.fmt(f),
            Message::Unsupported(m) => m.fmt(f),
            Message::Directive(m) => m.fmt(f),
            Message::Layout(m) => m.fmt(f),
            Message::Compiler(m) => m.fmt(f),
            Message::Table { at, problem } => write!(f, "{at}: {problem}"),
            Message::NotIncluded { keyword, name } => {
                write!(f, "'{keyword} {name}' should come from ffi.include() but was not found")
            }
            Message::SnapshotNotEmpty => f.write_str("a snapshot is only loaded into an FFI that declares nothing yet"),
            Message::CommonType { name, def, cause } => {
                write!(f, "cannot resolve the common type '{name}' ({def}): {cause}")
            }
            Message::MacroNotConstant { cause } => write!(f, "the macro is not an integer constant ({cause})"),
            Message::CannotDeclare { name, cause } => write!(f, "cannot declare '{name}' (named in only=): {cause}"),
            Message::TypeNamed { name, cause } => write!(f, "{name}: {cause}"),
        }
    }
}


/// An error: its kind, message and, when it comes from source text, where.
/// One pointer wide (the body is boxed), so that the `Result`s of the
/// parser and the layout code stay small on their success paths; the
/// fields read through `Deref`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Box<Diagnostic>);

/// What an [`Error`] holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Which Python exception it becomes.
    pub kind: ErrorKind,
    /// What was wrong, without the location (worded when displayed).
    pub message: Message,
    /// Where, when it comes from source text.
    pub location: Option<Location>,
    /// The text could not be parsed at all (where cffi says `cannot parse
    /// "LINE"`), as opposed to parsed text that breaks a rule.
    pub syntax: bool,
    /// What to do about it, when the message alone does not say.
    pub help: Option<String>,
}

impl std::ops::Deref for Error {
    type Target = Diagnostic;
    fn deref(&self) -> &Diagnostic {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut Diagnostic {
        &mut self.0
    }
}

impl Error {
    /// An error of `kind` with no location yet.
    pub fn new(kind: ErrorKind, message: impl Into<Message>) -> Error {
        Error(Box::new(Diagnostic { kind, message: message.into(), location: None, syntax: false, help: None }))
    }

    /// The error's parts, by value.
    pub fn into_diagnostic(self) -> Diagnostic {
        *self.0
    }

    /// A `CDefError`.
    pub fn cdef(message: impl Into<Message>) -> Error {
        Error::new(ErrorKind::CDef, message)
    }

    /// An `FFIError`.
    pub fn ffi(message: impl Into<Message>) -> Error {
        Error::new(ErrorKind::Ffi, message)
    }

    /// Mark as a syntax error (see [`Error::syntax`]).
    pub fn as_syntax(mut self) -> Error {
        self.syntax = true;
        self
    }

    /// The error as `ffi.verify()` words it, where its words differ from
    /// API mode's (a record the compiler measured differently).
    pub fn worded_for_verify(mut self) -> Error {
        if let Message::Compiler(Compiler::RecordDiffers { cname, what, cdef, real }) = &self.message {
            let (cname, what, cdef, real) = (cname.clone(), what.clone(), *cdef, *real);
            self.message = Message::Compiler(Compiler::RecordDiffersInVerify { cname, what, cdef, real });
        }
        self
    }

    /// Add advice, printed after the excerpt.
    pub fn with_help(mut self, help: impl Into<String>) -> Error {
        self.help = Some(help.into());
        self
    }

    /// The caret excerpt of the location (and the help), without the
    /// message: what rcffi adds to a cffi-worded message.
    pub fn excerpt(&self) -> String {
        let Some(loc) = &self.location else { return self.help_line() };
        let gutter = loc.line.to_string();
        let pad = " ".repeat(gutter.len());
        let text = loc.line_text.replace('\t', " ");
        let lead = text.chars().take(loc.column as usize - 1).count();
        format!(
            "{pad}--> {}:{}:{}\n{pad} |\n{gutter} | {text}\n{pad} | {}{}{}",
            loc.source_name,
            loc.line,
            loc.column,
            " ".repeat(lead),
            "^".repeat(loc.width as usize),
            self.help_line()
        )
    }

    fn help_line(&self) -> String {
        self.help.as_ref().map_or(String::new(), |h| format!("\n  = help: {h}"))
    }

    /// Attach a location computed from a byte range of `source` (cdef
    /// text; see [`Error::in_origin`] for the others).
    pub fn at(mut self, source_name: &str, source: &str, span: crate::Span) -> Error {
        self.location = Some(Location::from_span(source_name, source, span));
        self
    }

    /// Say what kind of text the location (if any) is in.
    pub fn in_origin(mut self, origin: Origin) -> Error {
        if let Some(loc) = self.location.as_mut() {
            loc.origin = origin;
        }
        self
    }
}

impl Location {
    /// The location of a byte range of `source`.
    pub fn from_span(source_name: &str, source: &str, span: crate::Span) -> Location {
        let start = (span.start as usize).min(source.len());
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
        let line = source[..start].matches('\n').count() as u32 + 1;
        let column = source[line_start..start].chars().count() as u32 + 1;
        let end = (span.end as usize).clamp(start, line_end);
        let width = source[start..end].chars().count().max(1) as u32;
        Location {
            origin: Origin::Cdef,
            source_name: source_name.to_string(),
            line,
            column,
            line_text: source[line_start..line_end].to_string(),
            width,
            included_from: Vec::new(),
            from_line_marker: false,
        }
    }
}

impl fmt::Display for Error {
    /// `<cdef source string>:3:12: message`, then the line and a caret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            None => write!(f, "{}", self.message),
            Some(loc) => {
                // gcc's form: "In file included from a.h:3,\n<pad>from b.h:1:"
                for (i, at) in loc.included_from.iter().enumerate() {
                    let lead = if i == 0 { "In file included from" } else { "                 from" };
                    let end = if i + 1 == loc.included_from.len() { ":" } else { "," };
                    writeln!(f, "{lead} {at}{end}")?;
                }
                write!(f, "{}:{}:{}: {}", loc.source_name, loc.line, loc.column, self.message)?;
                let gutter = loc.line.to_string();
                let pad = " ".repeat(gutter.len());
                let text = loc.line_text.replace('\t', " ");
                let lead: String = text.chars().take(loc.column as usize - 1).collect();
                write!(
                    f,
                    "\n{pad} |\n{gutter} | {text}\n{pad} | {}{}{}",
                    " ".repeat(lead.chars().count()),
                    "^".repeat(loc.width as usize),
                    self.help_line()
                )
            }
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests;
