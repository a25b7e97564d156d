//! The words of every kind no cdef text in the other tests reaches: each
//! variant's rendering pinned (the texts users and cffi's tests grep for).

use super::*;

fn pin(cases: Vec<(Message, &str)>) {
    for (message, words) in cases {
        assert_eq!(message.to_string(), words, "{message:?}");
    }
}

fn s(text: &str) -> String {
    text.to_string()
}

#[test]
fn lex_and_syntax_words() {
    pin(vec![
        (Lex::EmptyChar.into(), "empty character constant ''"),
        (Lex::HexEscapeWithoutDigits.into(), "invalid escape sequence '\\x' without hex digits"),
        (Lex::InvalidEscape { ch: 'q' }.into(), "invalid escape sequence '\\q'"),
        (Syntax::NestedExternPython.into(), "nested 'extern \"Python\"'"),
        (Syntax::NameExpected.into(), "Invalid declaration: expected a name in the declaration"),
        (Syntax::UnterminatedAttribute.into(), "unterminated '__attribute__(('"),
        (Syntax::ArrayLengthTooLarge.into(), "array length too large"),
        (Syntax::InvalidResultType { ctype: s("int[3]") }.into(), "invalid result type: 'int[3]'"),
        (Syntax::TypeTooDeep { limit: 7 }.into(), "type nested too deep (more than 7 levels of pointers, arrays and functions)"),
        (Syntax::BitWidthTooLarge { width: 200 }.into(), "width of bit-field (200 bits) exceeds its type"),
        (Syntax::FieldNameExpected.into(), "expected a field name"),
        (Syntax::EnumValueOverflow.into(), "enum value overflow"),
        (Syntax::RedeclaredOtherKind { name: s("x") }.into(), "'x' is declared again as a different kind of name"),
        (Syntax::ShiftBeyondWidth { count: 40, bits: 32 }.into(), "shift count 40 out of range for a 32-bit value"),
        (
            Syntax::UnknownTypeName { name: s("t"), declared: true, before: Some(s("*")) }.into(),
            "unknown type name 't' ('t' is declared, but not as a type) (parse error before: *)",
        ),
    ]);
}

#[test]
fn unsupported_words() {
    pin(vec![
        (Unsupported::NonIntegerCast.into(), "a cast to a non-integer type is not an integer constant"),
        (Unsupported::DotsLongDouble.into(), "unsupported usage of \"...\" in typedef: 'long double...' is not supported"),
        (Unsupported::DotsInField.into(), "bad usage of \"...\" (write '...;' alone for a partial struct)"),
        (
            Unsupported::PackedField { field: s("a"), cname: s("struct s") }.into(),
            "field 'a' of struct s is __attribute__((packed)) but the record is not: rcffi cannot represent this layout",
        ),
        (Unsupported::PackedEnum.into(), "a packed enum has a size rcffi cannot represent"),
        (Unsupported::AttributeMode { word: s("TI") }.into(), "__attribute__((mode(TI))) gives a type rcffi cannot represent"),
        (
            Unsupported::TypeAttribute { name: s("vector_size") }.into(),
            "__attribute__((vector_size)) changes the type in a way rcffi cannot represent",
        ),
        (
            Unsupported::TypeAttributeInCdef { name: s("mode") }.into(),
            "__attribute__((mode)) changes the declared type, which cdef() does not do: declare the type it gives instead",
        ),
        (Unsupported::ModeOnNonInteger.into(), "__attribute__((mode)) on a non-integer type"),
        (
            Unsupported::OverAlignedField { name: s("a"), align: 16 }.into(),
            "field 'a' has __attribute__((aligned(16))), more than the alignment of its type: rcffi cannot represent this layout",
        ),
        (
            Unsupported::TypedefAlign { name: s("t"), align: 8, natural: 4 }.into(),
            "typedef 't' has __attribute__((aligned(8))), but its type's alignment is 4: rcffi cannot represent it",
        ),
        (Unsupported::ThreadLocal.into(), "thread-local variables cannot be reached through the library's symbols"),
        (Unsupported::AutoType.into(), "'__auto_type' declares no type rcffi can use"),
        (Unsupported::TypeofExpression.into(), "typeof(expression) is only supported for a declared name"),
        (
            Unsupported::SkippedType { name: s("t"), why: s("no") }.into(),
            "type 't' cannot be used: its declaration was skipped (no)",
        ),
    ]);
}

#[test]
fn directive_words() {
    let d = |directive: &str| directive.to_string();
    pin(vec![
        (Directive::PragmaError { text: s("stop") }.into(), "#pragma GCC error stop"),
        (Directive::DefinedAsMacroName.into(), "\"defined\" cannot be used as a macro name"),
        (Directive::MacroNameNotIdentifier { directive: d("undef") }.into(), "macro names must be identifiers (after #undef)"),
        (Directive::MacroNameNotIdentifierFound { found: s("3") }.into(), "macro names must be identifiers, found '3'"),
        (Directive::DefineWithoutName.into(), "macro names must be identifiers: no name after '#define'"),
        (Directive::NoMacroName { directive: d("ifdef") }.into(), "no macro name given in #ifdef directive"),
        (
            Directive::Unterminated { directive: d("if") }.into(),
            "unterminated #if: no matching #endif before the end of the file",
        ),
        (Directive::IfWithoutExpression.into(), "#if with no expression"),
        (
            Directive::DefinedWithoutName { hint: true }.into(),
            "operator \"defined\" requires an identifier (as 'defined NAME' or 'defined(NAME)')",
        ),
        (Directive::DefinedWithoutName { hint: false }.into(), "operator \"defined\" requires an identifier"),
        (Directive::MissingParenAfterDefined.into(), "missing ')' after \"defined\""),
        (Directive::BadLine.into(), "#line expects a line number and an optional \"file name\""),
        (Directive::BadInclude.into(), "#include expects \"FILENAME\" or <FILENAME>"),
        (Directive::MissingAngle.into(), "missing terminating > character"),
        (
            Directive::RootHeaderNotFound { header: s("x.h"), cwd: s("/w"), searched: s("  /usr/include") }.into(),
            "cannot find header 'x.h'; searched:\n  /w (the current directory)\n  /usr/include",
        ),
        (Directive::CannotRead { path: s("/x.h"), reason: s("denied") }.into(), "cannot read header /x.h: denied"),
        (
            Directive::IncludeTooDeep { depth: 200, limit: 200 }.into(),
            "#include nested depth 200 exceeds the maximum of 200 (does a header include itself without an include guard?)",
        ),
        (Directive::TooLarge.into(), "the preprocessed header is too large"),
        (Directive::ArgumentsTooDeep { limit: 200 }.into(), "macro calls nested more than 200 deep in macro arguments"),
        (Directive::ExpansionTooLarge.into(), "macro expansion too large (more than 10 million tokens produced)"),
        (Directive::UnterminatedArguments { name: s("F") }.into(), "unterminated argument list invoking macro \"F\""),
        (
            Directive::TooFewArguments { name: s("F"), needs: 2, given: 1 }.into(),
            "macro \"F\" requires 2 arguments, but only 1 given",
        ),
        (Directive::BadPragmaOperator.into(), "_Pragma takes a parenthesized string literal"),
        (Directive::MissingParameterParen.into(), "missing ')' in macro parameter list"),
        (Directive::ParameterNameExpected { found: s("3") }.into(), "expected a parameter name, found '3'"),
        (
            Directive::ParameterSeparatorExpected { found: s("b") }.into(),
            "expected ',' or ')' in the parameter list, found 'b'",
        ),
        (Directive::PasteAtEnd.into(), "'##' cannot appear at either end of a macro expansion"),
        (Directive::StringizeWithoutParameter.into(), "'#' is not followed by a macro parameter"),
        (Directive::MissingOperator { token: s("2") }.into(), "missing binary operator before token \"2\""),
        (Directive::IfTooDeep.into(), "#if expression nested too deeply"),
        (Directive::QuestionWithoutColon.into(), "'?' without following ':' in #if"),
        (Directive::IfEndsEarly.into(), "#if expression ends too early (an operand is missing)"),
        (Directive::MissingParenInIf.into(), "missing ')' in #if expression"),
        (Directive::InvalidTokenInIf { token: s("=") }.into(), "token \"=\" is not valid in preprocessor expressions"),
        (Directive::FloatInIf { text: s("1.0") }.into(), "floating constant 1.0 in preprocessor expression"),
        (Directive::InvalidIntegerInIf { text: s("1x") }.into(), "invalid integer constant \"1x\" in #if"),
        (Directive::IntegerTooLarge { text: s("1") }.into(), "integer constant 1 is too large for its type"),
        (Directive::InvalidCharInIf { text: s("'ab'") }.into(), "invalid character constant 'ab' in #if"),
    ]);
}

#[test]
fn layout_and_compiler_words() {
    let differs = |what| Compiler::RecordDiffers { cname: s("struct s"), what, cdef: 1, real: 2 }.into();
    let advice = "(cdef says 1, but C compiler says 2). fix it or use \"...;\" as the last field in the cdef for struct s to make it flexible";
    pin(vec![
        (Layout::FieldBeyondMax { cname: s("struct s") }.into(), "struct s: a field ends beyond what a Py_ssize_t holds"),
        (
            Layout::SizeOnlyCompilerKnows { ctype: s("t") }.into(),
            "ctype 't' has a size only the C compiler knows (declared with '...'); use API mode",
        ),
        (
            Layout::RecordTooLarge { cname: s("struct s"), field: String::new() }.into(),
            "size of 'struct s' would overflow a Py_ssize_t",
        ),
        (
            Layout::RecordTooLarge { cname: s("struct s"), field: s("a") }.into(),
            "size of 'struct s' would overflow a Py_ssize_t (at field 'a')",
        ),
        (differs(Measure::FieldSize(s("a"))), &format!("struct s: wrong size for field 'a' {advice}")),
        (differs(Measure::BitPosition(s("a"))), &format!("struct s: wrong bit position for bitfield 'a' {advice}")),
        (differs(Measure::TotalSize), &format!("struct s: wrong total size {advice}")),
        (differs(Measure::TotalAlignment), &format!("struct s: wrong total alignment {advice}")),
        (
            Compiler::FloatIsLongDouble.into(),
            "primitive floating-point type is 'long double', not supported for now with the syntax 'typedef double... xxx;'",
        ),
        (
            Compiler::FloatUnexpectedSize.into(),
            "primitive floating-point type with an unexpected size (or not a float type at all)",
        ),
        (Compiler::UnsupportedDotsSize { name: s("t"), size: 3 }.into(), "'t': unsupported size 3 for a '...' type"),
        (Compiler::ModuleMismatch { cname: s("struct s") }.into(), "struct s: the compiled module does not match the cdef"),
        (Compiler::NoFieldLength { cname: s("struct s"), field: s("a") }.into(), "struct s: no length for field 'a'"),
        (Compiler::NoLength { key: s("g[0]") }.into(), "no length for 'g[0]'"),
    ]);
}

#[test]
fn table_words() {
    let at = |problem| Message::Table { at: s("_types[4]"), problem };
    pin(vec![
        (at(Table::DeclaredTwice { name: s("x") }), "_types[4]: 'x' is declared twice"),
        (at(Table::OpaqueWithFields), "_types[4]: an opaque or external record has fields"),
        (at(Table::FieldOpcode { op: 9 }), "_types[4]: opcode 9 is not a field's"),
        (
            at(Table::EnumeratorMissing { name: s("A"), cname: s("enum e") }),
            "_types[4]: enumerator 'A' of 'enum e' is missing from _globals",
        ),
        (at(Table::EnumNotInteger { cname: s("enum e"), prim: 14 }), "_types[4]: 'enum e' has no integer type (14)"),
        (at(Table::EnumeratorWithoutEnum { name: s("A") }), "_types[4]: enumerator 'A' belongs to no enum"),
        (at(Table::NotAFunction), "_types[4]: not a function type"),
        (at(Table::GlobalOpcode { op: 3 }), "_types[4]: opcode 3 is not one of an out-of-line module (a compiled module's?)"),
        (at(Table::IndexOutside { index: 9, len: 4 }), "_types[4]: type index 9 is outside _types (4 entries)"),
        (at(Table::FunctionAsValue), "_types[4]: a function type where a value's type is expected"),
        (at(Table::VoidAsValue), "_types[4]: void where a value's type is expected"),
        (at(Table::SelfReference { index: 4 }), "_types[4]: _types[4] refers to itself"),
        (at(Table::TooDeep { limit: 1000 }), "_types[4]: types nested more than 1000 deep"),
        (at(Table::UnknownPrimitive { number: 99 }), "_types[4]: primitive type number 99 is not one out-of-line modules use"),
        (at(Table::ArrayWithoutLength), "_types[4]: an array without its length"),
        (at(Table::NoRecord { number: 2 }), "_types[4]: no struct or union number 2"),
        (at(Table::NoEnum { number: 2 }), "_types[4]: no enum number 2"),
        (at(Table::NoTypedef { number: 2 }), "_types[4]: no typedef number 2"),
        (at(Table::TypeOpcode { op: 7 }), "_types[4]: opcode 7 is not a type's"),
        (at(Table::FunctionReturningFunction), "_types[4]: a function returning a function"),
        (at(Table::FunctionWithoutEnd), "_types[4]: a function without its end"),
        (at(Table::Abi { number: 4 }), "_types[4]: abi number 4 not supported"),
        (at(Table::NameNotUtf8), "_types[4]: the name is not valid UTF-8"),
        (at(Table::Empty), "_types[4]: empty"),
    ]);
}

#[test]
fn causes_are_kept_and_worded_inside() {
    let cause = || Box::new(Message::DivisionByZero);
    pin(vec![
        (
            Message::CommonType { name: s("LONG"), def: "long", cause: cause() },
            "cannot resolve the common type 'LONG' (long): division by zero in constant expression",
        ),
        (
            Message::CannotDeclare { name: s("f"), cause: cause() },
            "cannot declare 'f' (named in only=): division by zero in constant expression",
        ),
        (Message::TypeNamed { name: s("t"), cause: cause() }, "t: division by zero in constant expression"),
        (Message::SnapshotNotEmpty, "a snapshot is only loaded into an FFI that declares nothing yet"),
    ]);
}

#[test]
fn a_record_mismatch_worded_for_verify_keeps_its_figures_without_the_advice() {
    let e = Error::ffi(Compiler::RecordDiffers { cname: s("struct s"), what: Measure::TotalSize, cdef: 4, real: 8 });
    let v = e.clone().worded_for_verify();
    assert_eq!(v.message.to_string(), "struct s: wrong total size (we have 4, but C compiler says 8)");
    assert_eq!(v.kind, e.kind);
    // other errors keep their words
    let other = Error::ffi(Compiler::NoLength { key: s("x[0]") });
    assert_eq!(other.clone().worded_for_verify(), other);
}
