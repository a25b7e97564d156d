"""Divergences from cffi found by the differential tester (tests/difftest,
docs/difftest-findings.md), each pinned to cffi's behaviour here. Every
test names its finding (DTn) and passes against real cffi too
(RCFFI_TEST_AGAINST=cffi), except those of rcffi's documented decisions
(docs/compat.md), skipped there."""

import sys
import warnings
from decimal import Decimal
from fractions import Fraction

import pytest

from conftest import IMPL_NAME


def test_dt3_cast_to_bool_takes_floats_as_floats(ffi):
    # cffi: float() for objects that have it, so 0.5 is true, NaN too
    assert ffi.cast("_Bool", Fraction(1, 2)) == True  # noqa: E712
    assert ffi.cast("_Bool", Decimal("nan")) == True  # noqa: E712
    assert ffi.cast("_Bool", Decimal("0")) == False  # noqa: E712
    with pytest.raises(TypeError):
        ffi.cast("_Bool", type("IndexOnly", (), {"__index__": lambda self: 1})())


def test_dt5_addressof_and_offsetof_of_any_index(ffi):
    a = ffi.new("int[4]")
    assert ffi.addressof(a, 4) == a + 4      # one past the end, C's &a[4]
    assert ffi.addressof(a, -1) == a - 1
    assert ffi.offsetof("int *", -1) == -4
    assert ffi.offsetof("int[4]", 7) == 28
    with pytest.raises(OverflowError):
        ffi.addressof(ffi.new("int[]", 3), 2**62)   # was a Rust panic
    with pytest.raises(TypeError):
        ffi.addressof(ffi.cast("void *", 0), 1)


def test_dt5_offsetof_does_not_follow_a_pointer_field(ffi):
    ffi.cdef("struct in5 { int y; }; struct out5 { int x; struct in5 *p; };")
    assert ffi.offsetof("struct out5 *", "p") == ffi.offsetof("struct out5", "p")
    with pytest.raises(TypeError):
        ffi.offsetof("struct out5", "p", "y")   # the offset would be in another object


def test_dt6_addressof_lib_array_global_is_the_array(ffi, lib):
    g = ffi.addressof(lib, "tl_global_array")
    assert ffi.typeof(g) is ffi.typeof("int[4]")
    assert list(g) == [1, 2, 3, 4]


def test_dt8_complex_cast_from_one_character(ffi):
    assert complex(ffi.cast("double _Complex", b"\xff")) == 255
    assert complex(ffi.cast("double _Complex", "x")) == 120
    with pytest.raises(TypeError):
        ffi.cast("float _Complex", "xy")


def test_dt9_arrays_of_items_of_unknown_size(ffi):
    assert ffi.alignof("int[]") == 4
    for bad in ("int[3][]", "void[3]", "int(*)[3][]"):
        with pytest.raises(ValueError, match="array item of unknown size"):
            ffi.typeof(bad)


def test_dt11_dt18_string_of_non_characters(ffi):
    assert ffi.string(ffi.cast("signed char", 65)) == b"A"
    assert ffi.string(ffi.cast("uint8_t", 66)) == b"B"
    for bad in (ffi.new("_Bool[2]"), ffi.new("_Bool *"), ffi.cast("int", 66), ffi.NULL):
        with pytest.raises(TypeError, match="unexpected cdata"):
            ffi.string(bad)
    with pytest.raises(RuntimeError):
        ffi.string(ffi.cast("char *", 0))


def test_dt12_dt33_complex_and_long_double_values(ffi):
    assert complex(ffi.cast("double _Complex", 1.5)) == 1.5
    for not_complex in (ffi.cast("float", 1.5), ffi.cast("int", 1), ffi.cast("long double", 2)):
        with pytest.raises(TypeError, match="complex"):
            complex(not_complex)
    with pytest.raises(TypeError):
        ffi.new("double _Complex *", ffi.cast("double", 1))
    with pytest.raises(TypeError):
        ffi.cast("double _Complex", ffi.cast("long double", 3))
    # a double would round them: 2**64 + 1 == 2**64
    with pytest.raises(NotImplementedError):
        ffi.cast("long double", 2**64 + 1) == ffi.cast("long double", 2**64)


def test_dt14_cast_of_an_address_to_a_floating_type_is_refused(ffi):
    for to in ("float", "double", "long double", "double _Complex"):
        with pytest.raises(TypeError, match="cannot cast ctype 'int \\*'"):
            ffi.cast(to, ffi.cast("int *", 8))
    with pytest.raises(TypeError):
        ffi.cast("double", ffi.new("int[2]"))


def test_dt15_index_too_large_for_ssize_t_is_index_error(ffi):
    a = ffi.new("int[3]")
    for i in (2**63, 2**64, -2**64):
        with pytest.raises(IndexError):
            a[i]
        with pytest.raises(IndexError):
            a[i] = 1


def test_dt19_list_for_a_void_pointer_argument(ffi, lib):
    with pytest.raises(TypeError, match="must be a cdata pointer, not list"):
        lib.tl_is_null([1])
    assert lib.tl_is_null(b"ab") == 0


def test_bool_pointer_argument_from_bytes_is_checked(ffi, lib):
    # C may only see 0 or 1 in a _Bool (cffi checks bytes passed for _Bool *)
    f = ffi.cast("int(*)(_Bool *)", lib.tl_is_null)
    assert f(b"\x01\x00") == 0
    with pytest.raises(ValueError, match="_Bool"):
        f(b"\x02")


def test_dt21_callback_converts_error_before_refusing_varargs(ffi):
    with pytest.raises(TypeError):
        ffi.callback("int(int, ...)", lambda x: 0, error="e")
    with pytest.raises(NotImplementedError):
        ffi.callback("int(int, ...)", lambda x: 0, error=1)


def test_dt22_repr_names_the_exporter_type_as_cffi(ffi):
    r = repr(ffi.from_buffer(ffi.buffer(ffi.new("int[2]"))))
    assert r == "<cdata 'char[]' buffer len 8 from '_cffi_backend.buffer' object>"


def test_dt23_dt40_allocator_results(ffi):
    ffi.cdef("struct p23 { int x; };")
    al = ffi.new_allocator(alloc=lambda n: ffi.new("char[]", n), free=lambda p: None)
    assert repr(al("struct p23 *")) == "<cdata 'struct p23 *' owning 4 bytes>"
    assert repr(al("struct p23 *")[0]).startswith("<cdata 'struct p23 &' 0x")
    assert ffi.gc(al("int *"), None) is None      # its free() is an ffi.gc destructor
    with pytest.raises(TypeError):
        ffi.gc(al("struct p23 *"), None)


def test_dt23_allocator_free_removed_by_gc_none(ffi):
    freed = []
    al = ffi.new_allocator(alloc=lambda n: ffi.new("char[]", n), free=freed.append)
    p = al("int *")
    ffi.gc(p, None)
    del p
    import gc
    gc.collect()
    assert freed == []


def test_dt24_item_of_an_array_of_structs_is_not_owning(ffi):
    ffi.cdef("struct s24 { int x; };")
    assert repr(ffi.new("struct s24[2]")[0]).startswith("<cdata 'struct s24 &' 0x")
    assert repr(ffi.new("struct s24 *")[0]) == "<cdata 'struct s24' owning 4 bytes>"


def test_dt25_anonymous_records_numbered_as_cffi(ffi):
    ffi.cdef("typedef struct { struct { int a; } f; union { int b; } g; } t25;"
             "struct q25 { struct { int c; } h; };")
    assert ffi.typeof(ffi.new("t25 *").f).cname == "struct $1"
    assert ffi.typeof(ffi.new("t25 *").g).cname == "union $2"
    assert ffi.typeof(ffi.new("struct q25 *").h).cname == "struct $3"


def test_dt26_dt35_characters_compare_and_hash_as_characters(ffi):
    c = ffi.cast("char", 65)
    assert c == b"A"
    assert c != ffi.cast("int", 65)
    assert ffi.cast("wchar_t", 65) == "A"
    assert ffi.cast("wchar_t", 65) != ffi.cast("int", 65)
    with pytest.raises(TypeError):
        c < ffi.cast("int", 66)
    assert hash(ffi.cast("char", 5)) == hash(b"\x05")


def test_dt27_relements_last_first(ffi):
    ffi.cdef("enum e27 { A27 = 5, B27, C27 };")
    assert list(ffi.typeof("enum e27").relements) == ["C27", "B27", "A27"]


def test_dt28_gc_destructor_error_heading(ffi):
    seen = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append(u.err_msg)
    try:
        p = ffi.gc(ffi.new("int *"), lambda p: 1 / 0)
        del p
    finally:
        sys.unraisablehook = old
    assert seen == ["Exception ignored from callback for ffi.gc <cdata 'int *' owning 4 bytes>"]


def test_dt29_onerror_result_that_cannot_be_returned(ffi):
    seen = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append((u.err_msg.split(" <")[0], type(u.exc_value)))
    try:
        cb = ffi.callback("char(char)", lambda c: 65, onerror=lambda *a: "bad")
        assert cb(b"q") == b"\x00"
        vcb = ffi.callback("void(int)", lambda i: 1 / 0, onerror=lambda *a: "bad")
        vcb(1)
    finally:
        sys.unraisablehook = old
    during = "Exception ignored during handling of the above exception by 'onerror'"
    assert seen == [
        ("Exception ignored from cffi callback", TypeError), (during, TypeError),
        ("Exception ignored from cffi callback", ZeroDivisionError), (during, TypeError)]


def test_dt30_no_size_warning_for_a_pointer_into_an_array(ffi):
    ffi.cdef("struct m30 { char c; double d; short s; };")
    p = ffi.addressof(ffi.new("struct m30[]", 7), 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(ffi.buffer(p, ffi.sizeof("struct m30"))) == 24
    # beyond the memory: cffi warns, rcffi refuses (test_cdata.py)
    with pytest.raises(ValueError) if IMPL_NAME == "rcffi" else pytest.warns(UserWarning, match="owns only 8 bytes"):
        ffi.buffer(ffi.new("int[2]"), 16)


def test_dt36_truth_of_cdata(ffi):
    assert not ffi.cast("double _Complex", 0)
    assert ffi.cast("double _Complex", 1j)
    assert not ffi.cast("int[3]", 0)
    assert ffi.new("int[3]")


def test_dt7_struct_with_an_array_of_arrays_by_value(ffi):
    # its libffi description flattens every array level (was: pointers)
    ffi.cdef("struct s7 { int a[2][3]; char c; };")
    cb = ffi.callback("int(struct s7)", lambda s: s.a[1][2] * 10 + ord(s.c))
    assert cb({"a": [[1, 2, 3], [4, 5, 6]], "c": b"\x07"}) == 67
    back = ffi.callback("struct s7(int)", lambda n: {"a": [[n] * 3, [n + 1] * 3], "c": b"z"})
    r = back(4)
    assert [list(r.a[0]), list(r.a[1]), r.c] == [[4, 4, 4], [5, 5, 5], b"z"]


def test_dt10_struct_containing_itself(ffi_mod):
    cdef = "struct q10 { struct q10 x; }; typedef struct s10 S10; struct s10 { int n; S10 y[2]; };"
    for t in ("struct q10", "struct s10", "S10"):
        ffi = ffi_mod.FFI()   # (cffi answers differently once it failed)
        ffi.cdef(cdef)
        with pytest.raises(NotImplementedError, match="recursive structure declaration"):
            ffi.sizeof(t)
    with pytest.raises(NotImplementedError):
        ffi.new("struct q10 *")


@pytest.mark.skipif(IMPL_NAME == "cffi", reason="cffi writes the items it has before raising (docs/compat.md)")
def test_dt37_slice_assignment_of_the_wrong_length_writes_nothing(ffi):
    ba = bytearray(b"0123456789")
    v = ffi.from_buffer(ba)
    with pytest.raises(ValueError, match="need 8 values to unpack, got 7"):
        v[2:10] = v[0:7]
    with pytest.raises(ValueError, match="need 3 values to unpack, got 2"):
        v[0:3] = (b"a", b"b")
    with pytest.raises(ValueError, match="got more than 2 values"):
        v[0:2] = iter([b"a", b"b", b"c"])
    with pytest.raises(TypeError):
        v[0:2] = [b"a", 5]
    assert bytes(ba) == b"0123456789"
    v[0:2] = [b"x", b"y"]
    assert bytes(ba) == b"xy23456789"


@pytest.mark.skipif(IMPL_NAME == "cffi", reason="cffi refuses _Complex in callbacks (docs/compat.md)")
def test_dt7_callbacks_with_complex_values(ffi):
    cb = ffi.callback("double _Complex(double _Complex, float _Complex)", lambda a, b: a * b)
    assert cb(1 + 2j, 2j) == (1 + 2j) * 2j
    ffi.cdef("struct c7 { float _Complex z; int k; };")
    cb = ffi.callback("int(struct c7)", lambda s: int(s.z.imag) + s.k)
    assert cb({"z": 5 + 3j, "k": 2}) == 5


def test_slice_assignment_of_partial_struct_initializers_keeps_the_rest(ffi):
    # (DT37's buffer starts as a copy of the items: cffi writes in place)
    ffi.cdef("struct f37 { float a, b; };")
    w = ffi.new("struct f37[2]", [[1, 2], [3, 4]])
    w[0:2] = [{"a": 9}, []]
    assert [(x.a, x.b) for x in w] == [(9.0, 2.0), (3.0, 4.0)]


@pytest.mark.parametrize("expr,exc,msg", [
    ("ffi.cast('char', 65) + 1", TypeError, "cannot add a cdata 'char' and a number"),
    ("1 + ffi.cast('int', 65)", TypeError, "cannot add a cdata 'int' and a number"),
    ("ffi.cast('int *', 0) + 'x'", TypeError, "'str' object cannot be interpreted as an integer"),
    ("ffi.cast('int(*)(int)', 0) + 1", TypeError, "cannot add a cdata 'int(*)(int)' and a number"),
    ("ffi.cast('int', 1).__index__", AttributeError, "cdata 'int' has no attribute '__index__'"),
    ("ffi.gc(None, print)", TypeError, "gc() argument 1 must be _cffi_backend._CDataBase, not None"),
    ("ffi.buffer(bytearray(2))", TypeError, "buffer() argument 1 must be _cffi_backend._CDataBase, not bytearray"),
    ("ffi.string(5)", TypeError, "string() argument 1 must be _cffi_backend._CDataBase, not int"),
    ("ffi.unpack(5, 1)", TypeError, "unpack() argument 1 must be _cffi_backend._CDataBase, not int"),
    ("setattr(ffi, 'errno', 2**40)", OverflowError, "errno value too large"),
    ("ffi.buffer(ffi.new('char[2]')).__setitem__(5, b'a')", IndexError, "buffer assignment index out of range"),
])
def test_messages_as_cffi(ffi, expr, exc, msg):
    # the difftest's message class, where cffi's text says more (or rcffi's
    # leaked an internal name)
    with pytest.raises(exc) as e:
        eval(expr, {"ffi": ffi})
    assert str(e.value) == msg


def test_message_names_the_pointer_parameter(ffi, lib):
    with pytest.raises(TypeError) as e:
        lib.tl_is_null("str")
    assert str(e.value) == "initializer for ctype 'void *' must be a cdata pointer, not str"
    f = ffi.cast("int(*)(char *)", lib.tl_is_null)
    with pytest.raises(TypeError) as e:
        f("str")
    assert str(e.value) == "initializer for ctype 'char *' must be a bytes or list or tuple, not str"


def test_long_double_compared_with_a_pointer_is_unequal(ffi):
    # found by the final difftest run of session 5 (seed 2101878)
    v = ffi.cast("long double", 1.5)
    assert (v == ffi.NULL) is False
    assert (v != ffi.NULL) is True
    assert (ffi.NULL == v) is False
