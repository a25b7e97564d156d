//! Layout rules and the errors cffi raises when laying a record out.

use cdecl::{CdefOptions, ErrorKind, Packing, Registry, TypeArena};

fn layout_of(src: &str, ty: &str, packing: Packing) -> Result<(u64, u64), cdecl::Error> {
    let mut arena = TypeArena::new();
    let mut reg = Registry::new();
    reg.cdef(&mut arena, src, &CdefOptions { packing, ..CdefOptions::default() }).unwrap_or_else(|e| panic!("{e}"));
    let t = reg.parse_type(&mut arena, ty).unwrap();
    cdecl::layout::size_align(&mut arena, t)
}

fn natural(src: &str, ty: &str) -> Result<(u64, u64), cdecl::Error> {
    layout_of(src, ty, Packing::Natural)
}

#[test]
fn primitive_pointer_array_and_enum_sizes() {
    assert_eq!(natural("", "long double").unwrap(), (16, 16));
    assert_eq!(natural("", "char *[3]").unwrap(), (24, 8));
    assert_eq!(natural("enum e { A = -1 };", "enum e").unwrap(), (4, 4));
    assert_eq!(natural("enum e { A = 0x100000000 };", "enum e").unwrap(), (8, 8));
}

#[test]
fn flexible_array_member_has_no_size() {
    assert_eq!(natural("struct s { char c; double d[]; };", "struct s").unwrap(), (8, 8));
}

#[test]
fn pack_caps_alignment() {
    let src = "struct s { char c; double d; };";
    assert_eq!(natural(src, "struct s").unwrap(), (16, 8));
    assert_eq!(layout_of(src, "struct s", Packing::Pack(1)).unwrap(), (9, 1));
    assert_eq!(layout_of(src, "struct s", Packing::Pack(4)).unwrap(), (12, 4));
}

#[test]
fn bitfields_share_units_and_report_cffi_offsets() {
    let mut arena = TypeArena::new();
    let mut reg = Registry::new();
    reg.cdef(&mut arena, "struct s { char a; int b : 5; int c : 30; };", &CdefOptions::default()).unwrap();
    let t = reg.parse_type(&mut arena, "struct s").unwrap();
    let cdecl::Type::Record(rid) = *arena.get(t) else { panic!() };
    let l = cdecl::layout::record_layout(&mut arena, rid).unwrap();
    assert_eq!((l.size, l.align), (8, 4));
    let shown: Vec<_> = l.fields.iter().map(|f| (f.offset, f.bitshift, f.bitsize)).collect();
    assert_eq!(shown, vec![(0, -1, -1), (0, 8, 5), (4, 0, 30)]);
}

#[test]
fn layout_errors_name_the_field() {
    let cases = [
        ("struct s { float f : 3; };", "field 'struct s.f' declared as 'float' cannot be a bit field"),
        ("struct s { int f : 33; };", "bit field 'struct s.f' is declared 'int:33', which exceeds the width of the type"),
        ("struct s { int f : 0; };", "field 'struct s.f' is declared with :0"),
        ("struct o; struct s { struct o inner; };", "field 'struct s.inner' has ctype 'struct o' of unknown size"),
    ];
    for (src, message) in cases {
        let err = natural(src, "struct s").unwrap_err();
        assert_eq!((err.kind, err.message.to_string().as_str()), (ErrorKind::Type, message), "{src}");
    }
}

#[test]
fn opaque_and_void_are_of_unknown_size() {
    let err = natural("struct o;", "struct o").unwrap_err();
    assert_eq!((err.kind, err.message.to_string().as_str()), (ErrorKind::Ffi, "ctype 'struct o' is of unknown size"));
    assert_eq!(err.message, cdecl::Message::UnknownSize { ctype: "struct o".to_string() });
    let err = natural("", "void").unwrap_err();
    assert_eq!(err.message.to_string(), "ctype 'void' is of unknown size");
}

/// Sizes are checked, never wrapped: a record or array beyond what a
/// `Py_ssize_t` holds is an `OverflowError` (cffi's limit and message for
/// arrays), and a large size that fits is given exactly.
#[test]
fn sizes_beyond_a_ssize_t_are_errors_not_wrapped() {
    const BIG: u64 = 1 << 61;
    // fits: 4 + 2^61 bytes, as gcc and cffi say
    assert_eq!(natural("struct s { int x; char a[0x2000000000000000]; };", "struct s").unwrap(), (BIG + 4, 4));
    assert_eq!(natural("typedef char T[0x4000000000000000]; struct s { T a; char b; };", "struct s").unwrap(), ((1 << 62) + 1, 1));
    assert_eq!(natural("typedef char T[0x4000000000000000]; union u { T a; char b; };", "union u").unwrap(), (1 << 62, 1));
    let too_large = [
        // the 4-byte field pushes a field of nearly isize::MAX bytes past it
        ("struct s { int x; char a[0x7ffffffffffffffc]; };", "struct s", "size of 'struct s' would overflow a Py_ssize_t (at field 'a')"),
        // two fields of 2^62 bytes: exactly 2^63
        ("typedef char T[0x4000000000000000]; struct s { T a, b; };", "struct s", "size of 'struct s' would overflow a Py_ssize_t (at field 'b')"),
        // padding at the end is what goes too far
        ("struct s { long x; char a[0x7ffffffffffffff1]; };", "struct s", "size of 'struct s' would overflow a Py_ssize_t"),
        // arrays: the element count and the total
        ("struct s { char a[0x8000000000000000]; };", "struct s", "array size would overflow a Py_ssize_t: ctype 'char[9223372036854775808]' is too large"),
        ("struct s { int x; int a[0x2000000000000000]; };", "struct s", "array size would overflow a Py_ssize_t: ctype 'int[2305843009213693952]' is too large"),
        ("struct s { int a[0x1000000000000000][2]; };", "struct s", "array size would overflow a Py_ssize_t: ctype 'int[1152921504606846976][2]' is too large"),
        // nested: an array of records that each fit
        ("struct in { char a[0x1000000000000000]; }; struct out { struct in x[8]; };", "struct out", "array size would overflow a Py_ssize_t: ctype 'struct in[8]' is too large"),
        ("typedef char T[0x2000000000000000];", "T[4]", "array size would overflow a Py_ssize_t: ctype 'char[4][2305843009213693952]' is too large"),
        // bitfields after a huge field
        ("struct s { char a[0x7fffffffffffffff]; int b : 3; };", "struct s", "size of 'struct s' would overflow a Py_ssize_t (at field 'b')"),
        ("struct s { char a[0x7fffffffffffffff]; int : 0; };", "struct s", "size of 'struct s' would overflow a Py_ssize_t"),
    ];
    for (src, ty, message) in too_large {
        let err = natural(src, ty).unwrap_err();
        assert_eq!((err.kind, err.message.to_string().as_str()), (ErrorKind::Overflow, message), "{src}");
    }
    // the largest array: exactly isize::MAX bytes
    assert_eq!(natural("", "char[0x7fffffffffffffff]").unwrap(), (i64::MAX as u64, 1));
}

/// A record completed by the compiler (`...;`, API mode) whose field is
/// larger than 2^61 bytes: its end in bits does not fit a u64, and the
/// layout is taken from the compiler without wrapping or panicking.
#[test]
fn compiler_layout_of_a_huge_field_is_checked() {
    use cdecl::resolve::{apply, CompilerFacts, RecordFact};
    let mut arena = TypeArena::new();
    let mut reg = Registry::new();
    let src = "union u { char a[0x7000000000000000]; int b : 3; ...; };";
    reg.cdef(&mut arena, src, &CdefOptions::default()).unwrap();
    let facts = CompilerFacts {
        records: vec![(
            "union u".into(),
            RecordFact { size: 0x7000000000000000, align: 4, fields: vec![Some((0, 0x7000000000000000)), None] },
        )],
        ..CompilerFacts::default()
    };
    apply(&mut reg, &mut arena, &facts).unwrap();
    let t = reg.parse_type(&mut arena, "union u").unwrap();
    assert_eq!(cdecl::layout::size_align(&mut arena, t).unwrap(), (0x7000000000000000, 4));
}
