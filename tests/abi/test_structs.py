"""Structs and unions: fields, nesting, anonymous members, bitfields,
initialisation, whole-struct assignment, flexible arrays, packing."""

import re

import pytest

from conftest import IMPL_NAME, cffi_impl


ADDR = r"0x[0-9a-f]+"


@pytest.fixture
def sffi(ffi):
    ffi.cdef("""
        struct s { int a; int b; };
        struct outer { char tag; struct s inn; int arr[3]; };
        struct withptr { char *name; struct s *next; };
        union u { int i; unsigned char b[4]; float f; };
    """)
    return ffi


# ----------------------------------------------------------------- fields

def test_struct_fields_read_write_through_pointer(sffi):
    p = sffi.new("struct s *")
    p.a = 5
    p.b = -7
    assert (p.a, p.b) == (5, -7)
    assert (p[0].a, p[0].b) == (5, -7)


def test_struct_fields_zero_initialised(sffi):
    p = sffi.new("struct outer *")
    assert p.tag == b"\x00"
    assert (p.inn.a, p.inn.b) == (0, 0)
    assert list(p.arr) == [0, 0, 0]


def test_unknown_field_is_attributeerror_with_message(sffi):
    p = sffi.new("struct s *")
    with pytest.raises(AttributeError, match="cdata 'struct s \\*' has no field 'c'"):
        p.c
    with pytest.raises(AttributeError, match="cdata 'struct s' has no field 'c'"):
        p[0].c
    with pytest.raises(AttributeError, match="has no field 'zz'"):
        p.zz = 1


def test_dir_of_struct_cdata_lists_field_names(sffi):
    assert dir(sffi.new("struct s *")) == ["a", "b"]
    assert dir(sffi.new("struct s *")[0]) == ["a", "b"]


def test_field_type_errors_and_overflow(sffi):
    p = sffi.new("struct s *")
    with pytest.raises(TypeError):
        p.a = "x"
    with pytest.raises(OverflowError, match="integer 1099511627776 does not fit 'int'"):
        p.a = 2**40


def test_struct_pointer_can_only_be_indexed_by_zero(sffi):
    p = sffi.new("struct s *")
    with pytest.raises(IndexError, match="can only be indexed by 0"):
        p[1]


def test_struct_has_no_len_and_no_iteration(sffi):
    with pytest.raises(TypeError, match="has no len\\(\\)"):
        len(sffi.new("struct s *"))
    with pytest.raises(TypeError, match="does not support iteration"):
        list(sffi.new("struct s *")[0])


def test_distinct_struct_allocations_compare_unequal(sffi):
    assert sffi.new("struct s *") != sffi.new("struct s *")


# ----------------------------------------------------------------- nested

def test_nested_struct_field_is_reference_into_parent(sffi):
    o = sffi.new("struct outer *")
    inner = o.inn
    assert sffi.typeof(inner) is sffi.typeof("struct s")
    assert re.fullmatch(r"<cdata 'struct s &' %s>" % ADDR, repr(inner))
    inner.a = 77
    assert o.inn.a == 77


def test_array_field_is_reference_into_parent(sffi):
    o = sffi.new("struct outer *")
    arr = o.arr
    assert sffi.typeof(arr) is sffi.typeof("int[3]")
    arr[0] = 55
    assert o.arr[0] == 55
    assert len(o.arr) == 3


def test_nested_init_from_list_and_dict(sffi):
    p = sffi.new("struct outer *", {"tag": b"x", "inn": {"b": 2}, "arr": [1, 2]})
    assert (p.tag, p.inn.a, p.inn.b, list(p.arr)) == (b"x", 0, 2, [1, 2, 0])
    q = sffi.new("struct outer *", [b"y", [1, 2], [5, 6, 7]])
    assert (q.inn.a, q.inn.b, list(q.arr)) == (1, 2, [5, 6, 7])


def test_addressof_field_and_array_item(sffi):
    o = sffi.new("struct outer *")
    pin = sffi.addressof(o[0], "inn")
    assert sffi.typeof(pin) is sffi.typeof("struct s *")
    pin.b = 3
    assert o.inn.b == 3
    pa = sffi.addressof(o[0], "arr", 1)
    assert sffi.typeof(pa) is sffi.typeof("int *")
    pa[0] = 9
    assert o.arr[1] == 9
    assert sffi.addressof(o, "inn") == pin
    base = int(sffi.cast("intptr_t", o))
    assert int(sffi.cast("intptr_t", pin)) == base + sffi.offsetof("struct outer", "inn")


def test_addressof_whole_struct(sffi):
    o = sffi.new("struct outer *")
    assert sffi.addressof(o[0]) == o
    assert sffi.typeof(sffi.addressof(o[0])) is sffi.typeof("struct outer *")


def test_addressof_pointer_or_primitive_is_typeerror(sffi):
    with pytest.raises(TypeError):
        sffi.addressof(sffi.new("int *"))
    with pytest.raises(TypeError):
        sffi.addressof(sffi.new("int *")[0])
    with pytest.raises(TypeError, match="expected a cdata struct/union/array/pointer object"):
        sffi.addressof(sffi.cast("int", 5))


def test_pointer_fields_default_null_and_accept_cdata(sffi):
    w = sffi.new("struct withptr *")
    assert w.name == sffi.NULL
    assert repr(w.next) == "<cdata 'struct s *' NULL>"
    name = sffi.new("char[]", b"hey")
    w.name = name
    assert sffi.string(w.name) == b"hey"
    target = sffi.new("struct s *", [7, 8])
    w.next = target
    assert w.next.a == 7
    assert w.next == target


def test_pointer_field_rejects_bytes_and_none(sffi):
    w = sffi.new("struct withptr *")
    with pytest.raises(TypeError, match="initializer for ctype 'char \\*' must be a cdata pointer, not bytes"):
        w.name = b"abc"
    with pytest.raises(TypeError, match="must be a cdata pointer, not NoneType"):
        sffi.new("struct withptr *", [None, None])
    assert sffi.new("struct withptr *", [sffi.NULL, sffi.NULL]).name == sffi.NULL


# ------------------------------------------------------ whole-struct assign

def test_whole_struct_assignment_copies(sffi):
    a = sffi.new("struct s *", [1, 2])
    b = sffi.new("struct s *", [3, 4])
    a[0] = b[0]
    assert (a.a, a.b) == (3, 4)
    b.a = 9
    assert a.a == 3


def test_struct_field_assignment_from_struct_cdata(sffi):
    a = sffi.new("struct s *", [3, 4])
    o = sffi.new("struct outer *")
    o.inn = a[0]
    assert (o.inn.a, o.inn.b) == (3, 4)


def test_struct_assignment_from_list(sffi):
    a = sffi.new("struct s *")
    a[0] = [7, 8]
    assert (a.a, a.b) == (7, 8)
    o = sffi.new("struct outer *")
    o.inn = [5, 6]
    assert (o.inn.a, o.inn.b) == (5, 6)


def test_struct_assignment_from_dict_only_overwrites_named_fields(sffi):
    o = sffi.new("struct outer *")
    o.inn = [5, 6]
    o.inn = {"b": 8}
    assert (o.inn.a, o.inn.b) == (5, 8)


def test_struct_assignment_from_pointer_is_typeerror(sffi):
    o = sffi.new("struct outer *")
    b = sffi.new("struct s *")
    with pytest.raises(TypeError, match="must be a list or tuple or dict or struct-cdata, not cdata 'struct s \\*'"):
        o.inn = b


def test_array_field_assignment_from_list(sffi):
    o = sffi.new("struct outer *")
    o.arr = [9, 9, 9]
    assert list(o.arr) == [9, 9, 9]
    with pytest.raises(IndexError, match="too many initializers for 'int\\[3\\]' \\(got 4\\)"):
        o.arr = [9, 9, 9, 9]


def test_struct_init_errors(sffi):
    with pytest.raises(ValueError, match="too many initializers for 'struct s' \\(got 3\\)"):
        sffi.new("struct s *", [1, 2, 3])
    with pytest.raises(KeyError):
        sffi.new("struct s *", {"nope": 1})


def test_struct_array_items_are_struct_references(sffi):
    arr = sffi.new("struct s[3]", [[1, 2], [3, 4]])
    assert [(x.a, x.b) for x in arr] == [(1, 2), (3, 4), (0, 0)]
    arr[2] = arr[0]
    assert arr[2].b == 2
    arr[1].a = 30
    assert arr[1].a == 30


# ---------------------------------------------------------------- unions

def test_union_members_share_storage(sffi):
    u = sffi.new("union u *", [0x01020304])
    assert list(u.b) == [4, 3, 2, 1]
    u.f = 1.0
    assert u.i == 0x3F800000


def test_union_init_first_member_or_by_name(sffi):
    assert sffi.new("union u *", {"f": 1.0}).i == 1065353216
    assert sffi.new("union u *", [7]).i == 7
    with pytest.raises(ValueError, match="too many initializers for 'union u' \\(got 2\\)"):
        sffi.new("union u *", [1, 2])


def test_union_size_is_largest_member(sffi):
    assert sffi.sizeof("union u") == 4


# ------------------------------------------------------ anonymous members

def test_anonymous_struct_and_union_members_are_flattened(ffi):
    ffi.cdef("struct anon { int x; union { int i; float f; }; struct { short p, q; }; };")
    t = ffi.typeof("struct anon")
    assert [n for n, _ in t.fields] == ["x", "i", "f", "p", "q"]
    assert ffi.sizeof("struct anon") == 12
    assert ffi.offsetof("struct anon", "f") == 4
    assert ffi.offsetof("struct anon", "q") == 10
    p = ffi.new("struct anon *", {"x": 1, "f": 1.5})
    assert (p.x, p.f) == (1, 1.5)
    p.p = 3
    p.q = 4
    assert (p.p, p.q) == (3, 4)


def test_anonymous_union_members_alias(ffi):
    ffi.cdef("struct anon { union { int i; unsigned int u; }; };")
    p = ffi.new("struct anon *")
    p.i = -1
    assert p.u == 0xFFFFFFFF


# ------------------------------------------------------------- bitfields

@pytest.fixture
def bffi(ffi):
    ffi.cdef("struct bf { int x : 3; unsigned y : 5; signed int z : 4; unsigned int w : 1; int full; };")
    return ffi


def test_bitfield_layout(bffi):
    f = dict(bffi.typeof("struct bf").fields)
    assert [(n, f[n].bitshift, f[n].bitsize, f[n].offset) for n in "xyzw"] == [
        ("x", 0, 3, 0), ("y", 3, 5, 0), ("z", 8, 4, 0), ("w", 12, 1, 0)]
    assert f["full"].offset == 4
    assert bffi.sizeof("struct bf") == 8


def test_signed_bitfield_range_and_sign_extension(bffi):
    p = bffi.new("struct bf *")
    p.x = 3
    assert p.x == 3
    p.x = -4
    assert p.x == -4
    with pytest.raises(OverflowError, match="value 4 outside the range allowed by the bit field width: -4 <= x <= 3"):
        p.x = 4
    with pytest.raises(OverflowError, match="-4 <= x <= 3"):
        p.x = -5


def test_unsigned_bitfield_range(bffi):
    p = bffi.new("struct bf *")
    p.y = 31
    assert p.y == 31
    with pytest.raises(OverflowError, match="value 32 outside the range allowed by the bit field width: 0 <= x <= 31"):
        p.y = 32
    with pytest.raises(OverflowError, match="0 <= x <= 31"):
        p.y = -1


def test_bitfield_writes_are_masked_and_do_not_touch_neighbours(bffi):
    p = bffi.new("struct bf *")
    p.x = -1
    p.y = 31
    p.z = -8
    p.w = 1
    p.full = 12345
    assert (p.x, p.y, p.z, p.w, p.full) == (-1, 31, -8, 1, 12345)
    p.y = 0
    assert (p.x, p.y, p.z, p.w) == (-1, 0, -8, 1)
    assert bytes(bffi.buffer(p))[:4] == bytes([0x07, 0x18, 0, 0])


def test_bitfield_reads_from_raw_memory(bffi):
    p = bffi.new("struct bf *")
    bffi.buffer(p)[0:4] = b"\xff\xff\xff\xff"
    assert (p.x, p.y, p.z, p.w, p.full) == (-1, 31, -1, 1, 0)


def test_one_bit_signed_bitfield_accepts_1_and_reads_back_minus_1(ffi):
    ffi.cdef("struct b1 { int a : 1; };")
    assert ffi.new("struct b1 *", [1]).a == -1
    assert ffi.new("struct b1 *", [-1]).a == -1
    with pytest.raises(OverflowError, match="-1 <= x <= 1"):
        ffi.new("struct b1 *", [2])


def test_wide_long_long_bitfield(ffi):
    ffi.cdef("struct bfl { long long big : 40; char c : 2; };")
    q = ffi.new("struct bfl *")
    q.big = 2**39 - 1
    assert q.big == 2**39 - 1
    q.big = -2**39
    assert q.big == -2**39
    with pytest.raises(OverflowError):
        q.big = 2**39
    assert ffi.sizeof("struct bfl") == 8


def test_char_bitfield_is_treated_as_unsigned(ffi):
    ffi.cdef("struct bc { char c : 2; };")
    q = ffi.new("struct bc *")
    q.c = 3
    assert q.c == 3
    with pytest.raises(OverflowError, match="0 <= x <= 3"):
        q.c = -2


def test_bitfield_init_from_list(bffi):
    p = bffi.new("struct bf *", [-2, 17, 5, 1, 99])
    assert (p.x, p.y, p.z, p.w, p.full) == (-2, 17, 5, 1, 99)


# --------------------------------------------------------- flexible arrays

@pytest.fixture
def fffi(ffi):
    ffi.cdef("struct flex { int n; int data[]; };")
    return ffi


def test_flexible_array_member_not_counted_in_sizeof(fffi):
    assert fffi.sizeof("struct flex") == 4
    assert fffi.typeof("struct flex").fields[1][1].type is fffi.typeof("int[]")


def test_flexible_array_initialised_from_list_allocates_extra(fffi):
    p = fffi.new("struct flex *", [3, [1, 2, 3]])
    assert repr(p) == "<cdata 'struct flex *' owning 16 bytes>"
    assert len(p.data) == 3
    assert list(p.data) == [1, 2, 3]
    assert fffi.sizeof(p[0]) == 16


def test_flexible_array_length_from_integer_initialiser(fffi):
    p = fffi.new("struct flex *", {"n": 1, "data": 4})
    assert repr(p) == "<cdata 'struct flex *' owning 20 bytes>"
    assert len(p.data) == 4
    assert list(p.data) == [0, 0, 0, 0]


def test_flexible_array_repr_and_empty_default(fffi):
    assert repr(fffi.new("struct flex *", [3, [1, 2, 3]]).data) == "<cdata 'int[]' sliced length 3>"
    assert len(fffi.new("struct flex *").data) == 0


def test_zero_length_array_member_is_fixed_length_zero(ffi):
    ffi.cdef("struct flex0 { int n; double data[0]; };")
    assert ffi.sizeof("struct flex0") == 8
    with pytest.raises(IndexError, match="too many initializers for 'double\\[0\\]' \\(got 2\\)"):
        ffi.new("struct flex0 *", [2, [1.5, 2.5]])


# ---------------------------------------------------------------- packing

def test_packed_true_removes_all_padding(ffi):
    ffi.cdef("struct packed { char a; int b; short c; };", packed=True)
    assert ffi.sizeof("struct packed") == 7
    assert ffi.alignof("struct packed") == 1
    assert ffi.offsetof("struct packed", "b") == 1
    assert ffi.offsetof("struct packed", "c") == 5
    p = ffi.new("struct packed *", [b"x", -123456, 77])
    assert (p.a, p.b, p.c) == (b"x", -123456, 77)
    assert bytes(ffi.buffer(p))[1:5] == (-123456).to_bytes(4, "little", signed=True)


def test_pack_2_caps_alignment_at_two(ffi):
    ffi.cdef("struct pack2 { char a; int b; short c; double d; };", pack=2)
    assert ffi.sizeof("struct pack2") == 16
    assert ffi.alignof("struct pack2") == 2
    assert ffi.offsetof("struct pack2", "b") == 2
    assert ffi.offsetof("struct pack2", "d") == 8


def test_pack_4_caps_double_alignment(ffi):
    ffi.cdef("struct pack4 { char a; double d; };", pack=4)
    assert ffi.sizeof("struct pack4") == 12
    assert ffi.offsetof("struct pack4", "d") == 4


def test_unpacked_layout_for_comparison(ffi):
    ffi.cdef("struct normal { char a; int b; short c; };")
    assert ffi.sizeof("struct normal") == 12
    assert ffi.offsetof("struct normal", "c") == 8


def test_packed_and_pack_are_mutually_exclusive(ffi):
    with pytest.raises(ValueError):
        ffi.cdef("struct x { char a; int b; };", packed=True, pack=2)


@pytest.mark.parametrize("pack", [3, 6, -4])
def test_pack_must_be_a_power_of_two_and_declares_nothing_else(ffi, pack):
    with pytest.raises(ValueError) as info:
        ffi.cdef("typedef int pack_t;", pack=pack)
    assert str(info.value) == "'pack' must be a power of two, not %d" % pack
    with pytest.raises(cffi_impl.CDefError):
        ffi.typeof("pack_t")


@pytest.mark.parametrize("pack", [2.0, "4"])
def test_pack_of_another_type_is_a_type_error(ffi, pack):
    with pytest.raises(TypeError):
        ffi.cdef("struct x { char a; int b; };", pack=pack)


def test_packing_applies_only_to_that_cdef_call(ffi):
    ffi.cdef("struct p1 { char a; int b; };", packed=True)
    ffi.cdef("struct p2 { char a; int b; };")
    assert ffi.sizeof("struct p1") == 5
    assert ffi.sizeof("struct p2") == 8


def test_struct_containing_struct_alignment(ffi):
    ffi.cdef("struct in { char c; double d; }; struct out { char x; struct in i; char y; };")
    assert ffi.offsetof("struct out", "i") == 8
    assert ffi.offsetof("struct out", "y") == 24
    assert ffi.sizeof("struct out") == 32


def test_zero_length_array_field_reads_as_pointer(ffi):
    ffi.cdef("struct zl_s { int len; short data[0]; };")
    p = ffi.new("char[]", ffi.sizeof("struct zl_s") + 7 * 2)
    q = ffi.cast("struct zl_s *", p)
    assert ffi.typeof(q.data) is ffi.typeof("short *")
    q.data[6] = 15
    assert q.data[6] == 15


@pytest.mark.skipif(IMPL_NAME == "cffi", reason="cffi raises 'type-building recursion too deep' here (rcffi does more)")
def test_struct_with_a_callback_taking_the_struct_by_value(ffi):
    ffi.cdef("struct tree { int key; int (*compare)(struct tree other); };")
    t = ffi.new("struct tree *", {"key": 7})
    compare = ffi.callback("int(struct tree)", lambda other: other.key * 2)  # kept alive
    t.compare = compare
    assert t.compare(t[0]) == 14


def test_field_and_item_stores_agree_whatever_the_conversion_path(ffi):
    # exact ints and floats are read and stored without the general
    # conversion (cdata/fast.rs); int subclasses and other objects take it:
    # the same values, the same errors
    class Int(int):
        pass

    ffi.cdef("struct all { signed char c; unsigned short us; int i; unsigned long ul;"
             " long long ll; float f; double d; int *p; };")
    s = ffi.new("struct all *")
    for name, ctype, lo, hi in [("c", "signed char", -128, 127), ("us", "unsigned short", 0, 65535),
                                ("i", "int", -2**31, 2**31 - 1), ("ul", "unsigned long", 0, 2**64 - 1),
                                ("ll", "long long", -2**63, 2**63 - 1)]:
        items = ffi.new(ctype + "[2]")
        for v in (lo, hi, 0):
            for conv in (int, Int):
                setattr(s, name, conv(v))
                items[1] = conv(v)
                assert getattr(s, name) == v and items[1] == v and type(items[1]) is int
        for bad in (lo - 1, hi + 1):
            for conv in (int, Int):
                with pytest.raises(OverflowError):
                    setattr(s, name, conv(bad))
                with pytest.raises(OverflowError):
                    items[0] = conv(bad)
        assert getattr(s, name) == 0 and items[0] == 0
    for value in (1.5, 2, -0.25):
        s.f = value
        s.d = value
        assert s.f == value and s.d == value
    s.f = 1e300  # a C float takes what C's conversion gives
    assert s.f == float("inf")
    x = ffi.new("int *", 5)
    s.p = x
    assert ffi.typeof(s.p) is ffi.typeof("int *") and s.p == x and s.p[0] == 5
    s.p = ffi.NULL
    assert s.p == ffi.NULL
    with pytest.raises(TypeError):
        s.i = 1.5
    with pytest.raises(TypeError):
        s.d = "1"


def test_an_empty_array_field_has_bitshift_minus_2(ffi):
    # cffi's BS_EMPTY_ARRAY: `T x[]` and `T x[0]`, not `T x[1]` (found by
    # tests/api/test_cffi_generated_every_cdef.py)
    ffi.cdef("struct ea_open { int n; int d[]; }; struct ea_zero { int n; int d[0]; };"
             "struct ea_one { int n; int d[1]; };")
    assert [(n, f.bitshift, f.bitsize) for n, f in ffi.typeof("struct ea_open").fields] == [("n", -1, -1), ("d", -2, -1)]
    assert [(n, f.bitshift) for n, f in ffi.typeof("struct ea_zero").fields] == [("n", -1), ("d", -2)]
    assert [(n, f.bitshift) for n, f in ffi.typeof("struct ea_one").fields] == [("n", -1), ("d", -1)]


def test_full_width_bit_fields_take_their_types_range(ffi_mod):
    # cffi's range check overflows at 64 bits (unsigned: only 0 accepted;
    # signed: -1 reads back as the minimum); rcffi: the type's range
    if IMPL_NAME != "rcffi":
        pytest.skip("cffi refuses or corrupts full-width bit fields (docs/compat.md)")
    ffi = ffi_mod.FFI()
    ffi.cdef("struct fw { unsigned long long u : 64; long long s : 64; unsigned char c : 1; };")
    p = ffi.new("struct fw *")
    p.u = 2**63 - 1
    p.s = -1
    p.c = 1
    assert (p.u, p.s, p.c) == (2**63 - 1, -1, 1)
    with pytest.raises(OverflowError):
        p.u = 2**63  # taken as a long long, as cffi takes every bit-field value
