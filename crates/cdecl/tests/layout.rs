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
        assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Type, message), "{src}");
    }
}

#[test]
fn opaque_and_void_are_of_unknown_size() {
    let err = natural("struct o;", "struct o").unwrap_err();
    assert_eq!((err.kind, err.message.as_str()), (ErrorKind::Ffi, "ctype 'struct o' is of unknown size"));
    let err = natural("", "void").unwrap_err();
    assert_eq!(err.message, "ctype 'void' is of unknown size");
}
