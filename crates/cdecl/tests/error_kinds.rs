//! Errors carry what went wrong as a `Message` variant, worded only when
//! displayed: code matches on the variant, users read cffi's words.

use cdecl::{layout, CdefOptions, Error, ErrorKind, Message, Registry, TypeArena};

fn cdef_error(text: &str) -> Error {
    let (mut arena, mut reg) = (TypeArena::new(), Registry::new());
    reg.cdef(&mut arena, text, &CdefOptions::default()).expect_err(text)
}

#[test]
fn parse_errors_are_typed_and_worded_at_display() {
    let expected = |expected: &str, found: &str| Message::Expected { context: String::new(), expected: expected.into(), found: found.into(), before: None };
    let cases: [(&str, Message, ErrorKind, &str); 10] = [
        ("int f(;", expected("a parameter type", "';'"), ErrorKind::CDef, "expected a parameter type, found ';'"),
        ("__int128 x;", Message::UnsupportedType { spelling: "__int128".into() }, ErrorKind::Ffi,
         "Unsupported type: '__int128'.  Please look at http://cffi.readthedocs.io/en/latest/cdef.html#ffi-cdef-limitations and file an issue if you think this type should really be supported."),
        ("struct s { int a; }; struct s { int b; };", Message::DuplicateTag { keyword: "struct", tag: "s".into() }, ErrorKind::CDef, "duplicate declaration of struct s"),
        ("typedef int t; t int x;", Message::TwoDataTypes, ErrorKind::CDef, "two or more data types in declaration specifiers"),
        ("int a[1 / 0];", Message::DivisionByZero, ErrorKind::CDef, "division by zero in constant expression"),
        ("enum e { A = 0x7fffffffffffffffffffffffffffffff + 1 };", Message::ConstantOverflow, ErrorKind::CDef, "integer overflow in constant expression"),
        ("typedef int ... ... t;", Message::BadDots, ErrorKind::Ffi, "bad usage of \"...\""),
        ("struct s { int a;", Message::UnterminatedBody { what: "struct/union" }, ErrorKind::CDef, "unterminated struct/union body: missing '}'"),
        ("enum e { A,", Message::UnterminatedBody { what: "enum" }, ErrorKind::CDef, "unterminated enum body: missing '}'"),
        ("enum e { N = 1 }; enum f { N = 2 };", Message::ConstantDeclaredTwice { name: "N".into() }, ErrorKind::Ffi, "multiple declarations of constant: N"),
    ];
    for (text, message, kind, words) in cases {
        let e = cdef_error(text);
        assert_eq!((&e.message, e.kind), (&message, kind), "{text}: {e}");
        assert_eq!(e.message.to_string(), words, "{text}");
        // the located form is the words after `file:line:col: `
        assert!(e.to_string().contains(&format!(": {words}\n")), "{e}");
    }
}

#[test]
fn layout_errors_are_typed() {
    let (mut arena, mut reg) = (TypeArena::new(), Registry::new());
    reg.cdef(&mut arena, "struct o;", &CdefOptions::default()).unwrap();
    let t = reg.parse_type(&mut arena, "struct o").unwrap();
    let e = layout::size_align(&mut arena, t).unwrap_err();
    assert_eq!(e.message, Message::UnknownSize { ctype: "struct o".into() });
    assert_eq!(e.to_string(), "ctype 'struct o' is of unknown size");
}

/// Every kind of each group: the text given, the variant it makes and the
/// words it shows (cffi's or rcffi's, unchanged by the typing).
#[test]
fn each_group_is_typed_and_keeps_its_words() {
    use cdecl::error::{Layout, Lex, Syntax, Unsupported};
    let cases: Vec<(&str, Message, ErrorKind, &str)> = vec![
        ("int a = 'ab';", Lex::MultiChar { text: "'ab'".into() }.into(), ErrorKind::CDef,
         "invalid constant 'ab': only single characters are supported"),
        ("int @;", Lex::UnexpectedChar { ch: '@' }.into(), ErrorKind::CDef, "unexpected character '@' in cdef source"),
        ("int a; /* open", Lex::UnterminatedComment.into(), ErrorKind::CDef, "unterminated comment: '/*' without a matching '*/'"),
        ("struct s { int a; int a; };", Syntax::DuplicateField { name: "a".into() }.into(), ErrorKind::CDef, "duplicate field name 'a'"),
        ("struct s { int a : -1; };", Syntax::NegativeBitWidth { width: -1 }.into(), ErrorKind::CDef, "negative width in bit-field: -1"),
        ("int f(int, void);", Syntax::VoidNotAlone { who: "f".into(), index: 2 }.into(), ErrorKind::CDef,
         "f arg 2: 'void' must be the only parameter"),
        ("int f(void) { return 0; }", Syntax::FunctionBody.into(), ErrorKind::CDef,
         "unexpected <FuncDef>: this construct is valid C but not valid in cdef()"),
        ("#ifdef X\n", Syntax::DirectiveNotSupported { word: "ifdef".into() }.into(), ErrorKind::CDef,
         "Directives not supported yet: '#ifdef' (cdef() only understands '#define NAME NUMBER' and '#define NAME ...')"),
        ("#define N 1 + 2\n", Syntax::BadDefine { name: "N".into(), value: "1 + 2".into() }.into(), ErrorKind::CDef,
         "only supports one of the following syntax:\n  #define N ...     (literally dot-dot-dot)\n  #define N NUMBER  (with NUMBER an integer constant, decimal/hex/octal)\ngot:\n  #define N 1 + 2"),
        ("int x; int x[2];", Syntax::Redeclared { what: "variable", name: "x".into() }.into(), ErrorKind::Ffi,
         "multiple declarations of variable x (for interactive usage, try cdef(xx, override=True))"),
        ("int a[sizeof 1];", Unsupported::SizeofExpression.into(), ErrorKind::Ffi,
         "unsupported expression: expected a simple numeric constant: only 'sizeof(type)' is supported, not 'sizeof expression'"),
        ("int a[b];", Unsupported::NotAConstant { name: "b".into() }.into(), ErrorKind::Ffi,
         "unsupported expression: expected a simple numeric constant, an enumerator or a '#define'd integer; 'b' is not a known integer constant"),
        ("int f(int a[...]);", Unsupported::PartialArrayLength.into(), ErrorKind::Ffi,
         "unsupported '[...]' here, cannot derive the actual array length in this context"),
        ("typedef int... t[2];", Unsupported::DotsInTypedef.into(), ErrorKind::Ffi, "unsupported usage of \"...\" in typedef"),
        ("struct s { int a : 1; ...; };", Unsupported::BitfieldsAndDots { cname: "struct s".into() }.into(), ErrorKind::NotImplemented,
         "struct s: using both bitfields and '...;'"),
        ("enum e { A = 0x7fffffffffffffff, B = -1, C = 0xffffffffffffffff };", Layout::EnumRange.into(), ErrorKind::CDef,
         "enum values don't all fit into either 'long' or 'unsigned long'"),
    ];
    for (text, message, kind, words) in cases {
        let e = cdef_error(text);
        assert_eq!((&e.message, e.kind), (&message, kind), "{text}: {e}");
        assert_eq!(e.message.to_string(), words, "{text}");
    }
}

#[test]
fn layout_errors_of_records_are_typed() {
    use cdecl::error::Layout;
    let cases: [(&str, &str, Message, ErrorKind, &str); 3] = [
        ("struct s { double d : 3; };", "struct s",
         Layout::NotABitFieldType { cname: "struct s".into(), field: "d".into(), ctype: "double".into() }.into(), ErrorKind::Type,
         "field 'struct s.d' declared as 'double' cannot be a bit field"),
        ("struct s { char c : 9; };", "struct s",
         Layout::BitFieldTooWide { cname: "struct s".into(), field: "c".into(), ctype: "char".into(), width: 9 }.into(), ErrorKind::Type,
         "bit field 'struct s.c' is declared 'char:9', which exceeds the width of the type"),
        ("struct s { int a; ...; };", "struct s", Layout::Partial { cname: "struct s".into() }.into(), ErrorKind::Missing,
         "'struct s' has '...' in its fields: its layout is only known once a compiler gave it (ffi.verify(), or API mode with ffi.set_source())"),
    ];
    for (text, ty, message, kind, words) in cases {
        let (mut arena, mut reg) = (TypeArena::new(), Registry::new());
        reg.cdef(&mut arena, text, &CdefOptions::default()).unwrap();
        let t = reg.parse_type(&mut arena, ty).unwrap();
        let e = layout::size_align(&mut arena, t).unwrap_err();
        assert_eq!((&e.message, e.kind), (&message, kind), "{text}: {e}");
        assert_eq!(e.to_string(), words, "{text}");
    }
}

#[test]
fn preprocessor_errors_are_typed() {
    use cdecl::error::Directive;
    use cdecl::preprocess::{preprocess, PpOptions, Source};
    let cases: [(&str, Directive, &str); 5] = [
        ("#error stop here\n", Directive::Error { text: "stop here".into() }, "#error stop here"),
        ("#endif\n", Directive::WithoutIf { directive: "endif".into() }, "#endif without #if"),
        ("#if 1 / 0\n#endif\n", Directive::DivisionByZeroInIf, "division by zero in #if"),
        ("#define F(a, a) a\n", Directive::DuplicateParameter { name: "a".into() }, "duplicate macro parameter \"a\""),
        ("#define F(a) a\nF(1, 2)\n", Directive::TooManyArguments { name: "F".into(), given: 2, takes: 1 },
         "macro \"F\" passed 2 arguments, but takes just 1"),
    ];
    let opts = PpOptions { compiler_headers: false, ..Default::default() };
    for (text, directive, words) in cases {
        let Err(e) = preprocess(Source::Text { name: "t.h", text }, &opts) else { panic!("{text}: no error") };
        assert_eq!((&e.message, e.kind), (&Message::Directive(directive), ErrorKind::CDef), "{text}: {e}");
        assert_eq!(e.message.to_string(), words, "{text}");
    }
}

/// Kinds made from data no cdef text reaches here (a compiler's answers,
/// a compiled module's tables): the words each renders.
#[test]
fn compiler_and_table_kinds_render_cffis_words() {
    use cdecl::error::{Compiler, Measure, Table};
    let cases: Vec<(Message, &str)> = vec![
        (Compiler::ConstantDiffers { name: "N".into(), real: 42 }.into(), "the C compiler says 'N' is equal to 42 (0x2a), but the cdef disagrees"),
        (Compiler::ConstantDiffers { name: "N".into(), real: -1 }.into(), "the C compiler says 'N' is equal to -1, but the cdef disagrees"),
        (Compiler::RecordDiffers { cname: "struct s".into(), what: Measure::FieldOffset("b".into()), cdef: 4, real: 8 }.into(),
         "struct s: wrong offset for field 'b' (cdef says 4, but C compiler says 8). fix it or use \"...;\" as the last field in the cdef for struct s to make it flexible"),
        (Compiler::RealValue { owner: Some("enum e".into()), name: "A".into(), real: 2, value: 1 }.into(), "enum e: A has the real value 2, not 1"),
        (Compiler::RealValue { owner: None, name: "N".into(), real: 2, value: 1 }.into(), "N has the real value 2, not 1"),
        (Message::Table { at: "_globals[3]".into(), problem: Table::Truncated { len: 2, at: 0 } },
         "_globals[3]: truncated (2 bytes, a 4-byte number expected at byte 0)"),
        (Message::Table { at: "_types".into(), problem: Table::TypesLength { len: 6 } }, "_types: 6 bytes, not a whole number of 4-byte opcodes"),
        (Message::NotIncluded { keyword: "struct", name: "s".into() }, "'struct s' should come from ffi.include() but was not found"),
    ];
    for (message, words) in cases {
        assert_eq!(message.to_string(), words);
    }
}

/// An error that reports another keeps it whole, as its cause.
#[test]
fn a_wrapping_error_keeps_its_cause() {
    let cause = Message::DivisionByZero;
    let m = Message::MacroNotConstant { cause: Box::new(cause.clone()) };
    assert_eq!(m.to_string(), "the macro is not an integer constant (division by zero in constant expression)");
    let Message::MacroNotConstant { cause: kept } = &m else { unreachable!() };
    assert_eq!(**kept, cause);
}

#[test]
fn type_strings_add_pycparsers_words() {
    let (mut arena, reg) = (TypeArena::new(), Registry::new());
    let e = reg.parse_type(&mut arena, "int (*)(int,,)").unwrap_err();
    let Message::Expected { before, .. } = &e.message else { panic!("{e}") };
    assert_eq!(before.as_deref(), Some(","));
    assert!(e.message.to_string().ends_with(", found ',' (parse error before: ,)"), "{e}");
}
