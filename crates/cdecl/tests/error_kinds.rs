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

#[test]
fn other_kinds_keep_their_text() {
    let e = Error::cdef(format!("custom {}", 1));
    assert_eq!(e.message, Message::Other("custom 1".into()));
    assert_eq!(e.to_string(), "custom 1");
}

#[test]
fn type_strings_add_pycparsers_words() {
    let (mut arena, reg) = (TypeArena::new(), Registry::new());
    let e = reg.parse_type(&mut arena, "int (*)(int,,)").unwrap_err();
    let Message::Expected { before, .. } = &e.message else { panic!("{e}") };
    assert_eq!(before.as_deref(), Some(","));
    assert!(e.message.to_string().ends_with(", found ',' (parse error before: ,)"), "{e}");
}
