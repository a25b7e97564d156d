"""API mode: records whose layout the compiler completes although they
hold bitfields, anonymous members, open arrays or `[...]` dimensions, and
`typedef int t[...];` (docs/architecture.md, API mode). Each test passes on
rcffi and on real cffi (RCFFI_TEST_AGAINST=cffi)."""

import pytest



def test_field_with_two_unknown_dimensions(build):
    m = build("struct foo_s { int a[...][...]; };", "struct foo_s { int x; int a[5][8]; int y; };")
    ffi = m.ffi
    assert ffi.sizeof("struct foo_s") == 42 * ffi.sizeof("int")
    s = ffi.new("struct foo_s *")
    assert ffi.typeof(s.a) == ffi.typeof("int[5][8]")
    assert ffi.offsetof("struct foo_s", "a") == ffi.sizeof("int")
    s.a[4][7] = 12
    assert s.a[4][7] == 12
    with pytest.raises(IndexError):
        s.a[5][0]


def test_open_field_with_unknown_inner_dimension(build):
    m = build("struct foo_s { int a[][...]; };", "struct foo_s { int x; int a[5][7]; int y; };")
    ffi = m.ffi
    assert ffi.sizeof("struct foo_s") == 37 * ffi.sizeof("int")
    s = ffi.new("struct foo_s *")
    assert ffi.typeof(s.a) == ffi.typeof("int[][7]")
    assert ffi.typeof(s.a[0]) == ffi.typeof("int[7]")
    with pytest.raises(IndexError):
        s.a[4][7]


def test_flexible_array_member_in_partial_struct(build):
    m = build("struct foo_s { int x; int a[]; ...; };", "struct foo_s { int x, y; int a[]; };")
    ffi = m.ffi
    assert ffi.sizeof("struct foo_s") == 2 * ffi.sizeof("int")
    s = ffi.new("struct foo_s *", [424242, [-40, -30, -20, -10]])
    assert ffi.sizeof(s[0]) == 6 * ffi.sizeof("int")
    assert s.a[3] == -10
    assert s.x == 424242


def test_anonymous_members_in_partial_struct(build):
    m = build(
        "struct foo_s { struct { char b; ...; }; union { char c, d; }; };",
        "struct foo_s { int a, padding; char c, d, b; };",
    )
    ffi = m.ffi
    assert ffi.sizeof("struct foo_s") == 3 * ffi.sizeof("int")
    assert ffi.offsetof("struct foo_s", "b") == 10
    assert ffi.offsetof("struct foo_s", "c") == 8
    assert ffi.offsetof("struct foo_s", "d") == 9
    s = ffi.new("struct foo_s *", {"b": b"B", "d": b"D"})
    buf = ffi.buffer(s)
    assert buf[10:11] == b"B" and buf[9:10] == b"D"


def test_bitfields_in_partial_union_and_anonymous_union(build):
    m = build(
        "union u { int a:3; unsigned int b:5; int c; ...; };\n"
        "struct t { int x; union { int p:4; int q; }; ...; };",
        "union u { long l; int a:3; unsigned int b:5; int c; };\n"
        "struct t { long before; int x; union { int p:4; int q; }; };",
    )
    ffi = m.ffi
    assert ffi.sizeof("union u") == ffi.sizeof("long")
    u = ffi.new("union u *")
    u.a = -1
    assert u.c == 7
    u.b = 31
    assert u.c == 31 and u.a == -1
    t = ffi.new("struct t *")
    t.p = -1
    assert t.q == 15
    assert ffi.offsetof("struct t", "x") == ffi.sizeof("long")
    assert ffi.offsetof("struct t", "q") == ffi.sizeof("long") + ffi.sizeof("int")


def test_typedef_arrays_of_unknown_length(build):
    m = build(
        "typedef int foo_t[...];\ntypedef int mat_t[...][...];\ntypedef int vmat_t[][...];\n"
        "struct s { foo_t a; foo_t *b; };\nint first(foo_t *p);",
        "typedef int foo_t[50];\ntypedef int mat_t[6][7];\ntypedef int vmat_t[][8];\n"
        "struct s { foo_t a; foo_t *b; };\nstatic int first(foo_t *p) { return (*p)[49]; }",
    )
    ffi, lib = m.ffi, m.lib
    assert ffi.sizeof("foo_t") == 50 * ffi.sizeof("int")
    assert len(ffi.new("foo_t")) == 50
    assert len(ffi.new("mat_t")) == 6
    assert len(ffi.new("mat_t")[3]) == 7
    with pytest.raises((ffi.error, ValueError)):
        ffi.sizeof("vmat_t")
    assert ffi.sizeof(ffi.new("vmat_t", 4)[3]) == 8 * ffi.sizeof("int")
    p = ffi.new("struct s *")
    assert ffi.sizeof(p[0]) == 50 * ffi.sizeof("int") + ffi.sizeof("void *")
    p.a[49] = 321
    p.b = ffi.addressof(p, "a")
    assert lib.first(p.b) == 321
