"""ffi.new / cast / conversions / repr / string / unpack / buffer /
from_buffer / memmove / release / new_allocator / gc / handles / errno."""

import array
import gc
import re

import pytest

from conftest import cffi_impl


@pytest.fixture
def libc(ffi):
    ffi.cdef("void *malloc(size_t); void free(void *);")
    return ffi.dlopen(None)


ADDR = r"0x[0-9a-f]+"


# ---------------------------------------------------------------- ffi.new

def test_new_pointer_to_int_is_zero_initialised(ffi):
    p = ffi.new("int *")
    assert p[0] == 0


def test_new_pointer_with_initial_value(ffi):
    assert ffi.new("int *", 42)[0] == 42
    assert ffi.new("double *", 1.5)[0] == 1.5
    assert ffi.new("char *", b"x")[0] == b"x"
    assert ffi.new("_Bool *", True)[0] is True
    assert ffi.new("wchar_t *", "\u00e9")[0] == "\u00e9"


def test_new_with_none_initialiser_means_zero(ffi):
    assert ffi.new("int *", None)[0] == 0
    assert list(ffi.new("int[2]", None)) == [0, 0]


def test_new_array_from_length(ffi):
    a = ffi.new("int[]", 5)
    assert len(a) == 5
    assert list(a) == [0, 0, 0, 0, 0]


def test_new_array_from_list_and_tuple(ffi):
    assert list(ffi.new("int[]", [1, 2, 3])) == [1, 2, 3]
    assert list(ffi.new("int[2]", (4, 5))) == [4, 5]


def test_new_array_partial_initialiser_zero_fills_rest(ffi):
    assert list(ffi.new("int[4]", [7])) == [7, 0, 0, 0]


def test_new_char_array_from_bytes_adds_terminating_nul(ffi):
    a = ffi.new("char[]", b"hello")
    assert len(a) == 6
    assert a[5] == b"\x00"


def test_new_char_array_exact_fit_without_nul(ffi):
    a = ffi.new("char[3]", b"abc")
    assert len(a) == 3
    assert ffi.string(a) == b"abc"


def test_new_struct_from_list_and_dict(ffi):
    ffi.cdef("struct s { int a; int b; };")
    p = ffi.new("struct s *", [1, 2])
    assert (p.a, p.b) == (1, 2)
    q = ffi.new("struct s *", {"b": 7})
    assert (q.a, q.b) == (0, 7)


def test_new_non_pointer_type_is_typeerror(ffi):
    with pytest.raises(TypeError, match="expected a pointer or array ctype, got 'int'"):
        ffi.new("int")


def test_new_void_pointer_cannot_instantiate(ffi):
    with pytest.raises(TypeError, match="cannot instantiate ctype 'void' of unknown size"):
        ffi.new("void *")


def test_new_pointer_to_pointer_is_null(ffi):
    pp = ffi.new("int **")
    assert pp[0] == ffi.NULL
    assert repr(pp[0]) == "<cdata 'int *' NULL>"


def test_new_too_many_array_initialisers_is_indexerror(ffi):
    with pytest.raises(IndexError, match=re.escape("too many initializers for 'int[3]' (got 4)")):
        ffi.new("int[3]", [1, 2, 3, 4])


def test_new_bytes_too_long_for_char_array_is_indexerror(ffi):
    with pytest.raises(IndexError, match=re.escape(
            "initializer bytes is too long for 'char[3]' (got 4 characters)")):
        ffi.new("char[3]", b"abcd")


def test_new_char_array_from_str_is_typeerror(ffi):
    with pytest.raises(TypeError, match="must be a bytes or list or tuple, not str"):
        ffi.new("char[]", "abc")


def test_new_negative_array_length_is_valueerror(ffi):
    with pytest.raises(ValueError, match="negative array length"):
        ffi.new("int[]", -1)


def test_new_struct_too_many_initialisers_is_valueerror(ffi):
    ffi.cdef("struct s { int a; int b; };")
    with pytest.raises(ValueError, match=re.escape("too many initializers for 'struct s' (got 3)")):
        ffi.new("struct s *", [1, 2, 3])


def test_new_struct_unknown_field_in_dict_is_keyerror(ffi):
    ffi.cdef("struct s { int a; int b; };")
    with pytest.raises(KeyError):
        ffi.new("struct s *", {"c": 1})


# ------------------------------------------------- integer conversions/range

@pytest.mark.parametrize("ctype,lo,hi", [
    ("signed char", -128, 127), ("unsigned char", 0, 255),
    ("short", -2**15, 2**15 - 1), ("unsigned short", 0, 2**16 - 1),
    ("int", -2**31, 2**31 - 1), ("unsigned int", 0, 2**32 - 1),
    ("long", -2**63, 2**63 - 1), ("unsigned long", 0, 2**64 - 1),
    ("long long", -2**63, 2**63 - 1), ("unsigned long long", 0, 2**64 - 1),
    ("int8_t", -128, 127), ("uint8_t", 0, 255), ("int16_t", -2**15, 2**15 - 1),
    ("uint16_t", 0, 2**16 - 1), ("int32_t", -2**31, 2**31 - 1),
    ("uint32_t", 0, 2**32 - 1), ("int64_t", -2**63, 2**63 - 1),
    ("uint64_t", 0, 2**64 - 1), ("size_t", 0, 2**64 - 1),
    ("ssize_t", -2**63, 2**63 - 1),
])
def test_integer_range_limits_accepted_and_beyond_overflow(ffi, ctype, lo, hi):
    p = ffi.new(ctype + " *")
    p[0] = lo
    assert p[0] == lo
    p[0] = hi
    assert p[0] == hi
    with pytest.raises(OverflowError):
        p[0] = hi + 1
    with pytest.raises(OverflowError):
        p[0] = lo - 1


def test_int_overflow_message_names_value_and_type(ffi):
    with pytest.raises(OverflowError, match="integer 2147483648 does not fit 'int'"):
        ffi.new("int *", 2**31)
    with pytest.raises(OverflowError, match="integer 256 does not fit 'unsigned char'"):
        ffi.new("unsigned char *", 256)


def test_negative_to_unsigned_overflow_message(ffi):
    with pytest.raises(OverflowError, match="can't convert negative number to unsigned"):
        ffi.new("unsigned int *", -1)


def test_float_to_int_field_is_typeerror(ffi):
    with pytest.raises(TypeError, match="an integer is required"):
        ffi.new("int *", 1.5)
    with pytest.raises(TypeError):
        ffi.new("int *", 7.0)
    with pytest.raises(TypeError):
        ffi.new("int *", "1")


def test_bool_python_values_accepted_as_ints(ffi):
    assert ffi.new("int *", True)[0] == 1


def test_bool_ctype_accepts_only_0_and_1(ffi):
    p = ffi.new("_Bool *")
    p[0] = 1
    assert p[0] is True
    p[0] = 0
    assert p[0] is False
    with pytest.raises(OverflowError, match="integer 2 does not fit '_Bool'"):
        p[0] = 2
    with pytest.raises(TypeError):
        p[0] = 1.0


def test_char_requires_bytes_of_length_one(ffi):
    with pytest.raises(TypeError, match="must be a bytes of length 1, not int"):
        ffi.new("char *", 65)
    with pytest.raises(TypeError, match="must be a bytes of length 1, not str"):
        ffi.new("char *", "a")
    with pytest.raises(TypeError):
        ffi.new("char *", b"ab")


def test_wchar_and_char32_accept_non_bmp_but_char16_does_not(ffi):
    assert ffi.new("wchar_t *", "\U0001F600")[0] == "\U0001F600"
    assert ffi.new("char32_t *", "\U0001F600")[0] == "\U0001F600"
    with pytest.raises(TypeError, match="larger-than-0xFFFF character"):
        ffi.new("char16_t *", "\U0001F600")


def test_char16_arrays_hold_surrogate_pairs(ffi):
    z = ffi.new("char16_t[]", "\U00012345")
    assert len(z) == 3
    assert list(z) == ["\ud808", "\udf45", "\x00"]
    assert ffi.string(z) == "\U00012345"
    z[1] = "A"     # a lone surrogate stays as it is
    assert ffi.string(z) == "\ud808A"


def test_char32_arrays_keep_surrogates_apart(ffi):
    s = ffi.new("char32_t[]", "\ud808\udf00")
    assert len(s) == 3
    assert list(s) == ["\ud808", "\udf00", "\x00"]


def test_float_store_rounds_to_single_precision(ffi):
    assert ffi.new("float *", 0.1)[0] == 0.10000000149011612
    assert ffi.new("float *", 1e300)[0] == float("inf")


def test_double_from_non_number_is_typeerror(ffi):
    with pytest.raises(TypeError):
        ffi.new("double *", "1")


def test_double_from_huge_int_is_overflowerror(ffi):
    with pytest.raises(OverflowError):
        ffi.new("double *", 10**400)


def test_double_accepts_python_int(ffi):
    assert ffi.new("double *", 3)[0] == 3.0


def test_long_double_items_are_kept_as_cdata(ffi):
    p = ffi.new("long double *", 1.5)
    item = p[0]
    assert not isinstance(item, float)
    assert isinstance(item, ffi.CData)
    assert ffi.typeof(item) is ffi.typeof("long double")
    assert float(item) == 1.5
    assert repr(item) == "<cdata 'long double' 1.500000E+00>"


def test_enum_accepts_integers_but_not_names(ffi):
    ffi.cdef("enum e { A, B = 5 };")
    assert ffi.new("enum e *", 5)[0] == 5
    with pytest.raises(TypeError):
        ffi.new("enum e *", "B")


# ------------------------------------------------------------------- cast

def test_cast_float_to_int_truncates_toward_zero(ffi):
    assert int(ffi.cast("int", 3.9)) == 3
    assert int(ffi.cast("int", -3.9)) == -3


def test_cast_int_wraps_modulo_width(ffi):
    assert int(ffi.cast("int", 2**32 + 5)) == 5
    assert int(ffi.cast("unsigned char", -1)) == 255
    assert int(ffi.cast("signed char", 255)) == -1
    assert int(ffi.cast("uint8_t", 300)) == 44


def test_cast_to_bool_is_nonzero_test(ffi):
    assert int(ffi.cast("_Bool", 2)) == 1
    assert int(ffi.cast("_Bool", 0.5)) == 1
    assert int(ffi.cast("_Bool", 0)) == 0


def test_cast_to_char_from_int_bytes_and_str(ffi):
    assert ffi.string(ffi.cast("char", 65)) == b"A"
    assert ffi.string(ffi.cast("char", b"A")) == b"A"
    assert ffi.string(ffi.cast("char", "A")) == b"A"
    assert int(ffi.cast("char", 65)) == 65


def test_cast_char_and_bytes_to_int(ffi):
    assert int(ffi.cast("int", ffi.cast("char", b"A"))) == 65
    assert int(ffi.cast("int", b"A")) == 65


def test_cast_to_double_float_and_between_them(ffi):
    assert float(ffi.cast("double", 5)) == 5.0
    assert float(ffi.cast("float", 0.1)) == 0.10000000149011612
    assert float(ffi.cast("float", ffi.cast("double", 1.5))) == 1.5


def test_cast_long_double_round_trip(ffi):
    assert float(ffi.cast("long double", 1.5)) == 1.5
    assert int(ffi.cast("long double", 7.9)) == 7


def test_cast_int_to_pointer_and_back_through_intptr(ffi):
    p = ffi.cast("int *", 0x1000)
    assert repr(p) == "<cdata 'int *' 0x1000>"
    assert int(ffi.cast("intptr_t", p)) == 0x1000
    assert int(ffi.cast("uintptr_t", p)) == 0x1000
    assert repr(ffi.cast("void *", p)) == "<cdata 'void *' 0x1000>"


def test_cast_zero_to_pointer_is_null(ffi):
    assert repr(ffi.cast("int *", 0)) == "<cdata 'int *' NULL>"
    assert ffi.cast("int *", 0) == ffi.NULL


def test_cast_pointer_to_int_gives_address(ffi):
    p = ffi.new("int *")
    addr = int(ffi.cast("intptr_t", p))
    assert int(ffi.cast("long", p)) == addr
    assert addr != 0


def test_cast_to_array_type_gives_pointerlike_array(ffi):
    assert repr(ffi.cast("int[3]", 0)) == "<cdata 'int[3]' NULL>"


def test_cast_to_struct_is_typeerror(ffi):
    ffi.cdef("struct s { int a; };")
    with pytest.raises(TypeError, match="cannot cast to ctype 'struct s'"):
        ffi.cast("struct s", 0)


def test_cast_none_is_typeerror(ffi):
    with pytest.raises(TypeError):
        ffi.cast("int", None)
    with pytest.raises(TypeError):
        ffi.cast("int *", None)


def test_cast_enum_repr_shows_name_when_known(ffi):
    ffi.cdef("enum e { A, B = 5 };")
    assert repr(ffi.cast("enum e", 5)) == "<cdata 'enum e' 5: B>"
    assert repr(ffi.cast("enum e", 7)) == "<cdata 'enum e' 7>"
    assert ffi.string(ffi.cast("enum e", 5)) == "B"
    assert ffi.string(ffi.cast("enum e", 7)) == "7"
    assert int(ffi.cast("enum e", 5)) == 5


def test_cast_wchar_from_int(ffi):
    assert repr(ffi.cast("wchar_t", 0x41)) == "<cdata 'wchar_t' 'A'>"
    assert ffi.string(ffi.cast("wchar_t", 0x263a)) == "\u263a"


def test_wchar_t_is_signed_char32_t_is_not(ffi):
    # wchar_t is a signed 32-bit int on Linux
    w = ffi.cast("wchar_t", -1)
    assert int(w) == -1
    assert int(ffi.cast("long long", w)) == -1
    assert int(ffi.cast("char32_t", -1)) == 0xffffffff


# --------------------------------------------------- int() float() bool()

def test_int_of_pointer_is_typeerror(ffi):
    with pytest.raises(TypeError, match="int\\(\\) not supported on cdata 'int \\*'"):
        int(ffi.new("int *"))


def test_float_of_int_cdata_is_typeerror(ffi):
    with pytest.raises(TypeError, match="float\\(\\) not supported on cdata 'int'"):
        float(ffi.cast("int", 3))
    with pytest.raises(TypeError):
        float(ffi.cast("char", b"A"))


def test_int_of_double_cdata_truncates(ffi):
    assert int(ffi.cast("double", 3.7)) == 3


def test_bool_of_primitive_and_pointer_cdata(ffi):
    assert bool(ffi.cast("int", 0)) is False
    assert bool(ffi.cast("int", 3)) is True
    assert bool(ffi.cast("double", 0.0)) is False
    assert bool(ffi.cast("int *", 0)) is False
    assert bool(ffi.cast("int *", 4)) is True


def test_bool_of_struct_cdata_is_true(ffi):
    ffi.cdef("struct s { int a; };")
    assert bool(ffi.new("struct s *")[0]) is True


def test_primitive_cdata_compare_by_value(ffi):
    assert ffi.cast("int", 3) == 3
    assert ffi.cast("int", 3) == ffi.cast("int", 3)
    assert ffi.cast("int", 3) == ffi.cast("long", 3)
    assert ffi.cast("double", 1.5) == 1.5
    assert ffi.cast("int", 3) < ffi.cast("int", 4)
    assert hash(ffi.cast("int", 3)) == hash(3)


def test_primitive_cdata_has_no_arithmetic(ffi):
    with pytest.raises(TypeError):
        ffi.cast("int", 3) + 1
    with pytest.raises(TypeError):
        ffi.cast("long double", 1.0) * 1


# ------------------------------------------------------------------- repr

def test_repr_of_owning_cdata(ffi):
    ffi.cdef("struct s { int a; int b; };")
    assert repr(ffi.new("int *")) == "<cdata 'int *' owning 4 bytes>"
    assert repr(ffi.new("int[3]")) == "<cdata 'int[3]' owning 12 bytes>"
    assert repr(ffi.new("int[]", 5)) == "<cdata 'int[]' owning 20 bytes>"
    assert repr(ffi.new("char[]", b"hello")) == "<cdata 'char[]' owning 6 bytes>"
    assert repr(ffi.new("char *", b"x")) == "<cdata 'char *' owning 1 bytes>"
    assert repr(ffi.new("struct s *")) == "<cdata 'struct s *' owning 8 bytes>"
    assert repr(ffi.new("struct s[2]")) == "<cdata 'struct s[2]' owning 16 bytes>"
    assert repr(ffi.new("long double *")) == "<cdata 'long double *' owning 16 bytes>"


def test_repr_of_struct_dereferenced_from_owner_says_owning(ffi):
    ffi.cdef("struct s { int a; int b; };")
    assert repr(ffi.new("struct s *")[0]) == "<cdata 'struct s' owning 8 bytes>"


def test_repr_of_struct_array_item_is_a_reference(ffi):
    ffi.cdef("struct s { int a; int b; };")
    assert re.fullmatch(r"<cdata 'struct s &' %s>" % ADDR, repr(ffi.new("struct s[2]")[1]))


def test_repr_of_primitive_cdata(ffi):
    cases = {
        ("int", 5): "<cdata 'int' 5>",
        ("float", 1.5): "<cdata 'float' 1.5>",
        ("unsigned short", 65535): "<cdata 'unsigned short' 65535>",
        ("_Bool", 0): "<cdata '_Bool' False>",
        ("_Bool", 1): "<cdata '_Bool' True>",
        ("double", 1e100): "<cdata 'double' 1e+100>",
        ("double", 5): "<cdata 'double' 5.0>",
        ("float", 0.1): "<cdata 'float' 0.10000000149011612>",
        ("char", 65): "<cdata 'char' b'A'>",
        ("char", 0): "<cdata 'char' b'\\x00'>",
        ("char", 200): "<cdata 'char' b'\\xc8'>",
        ("wchar_t", 0): "<cdata 'wchar_t' '\\x00'>",
        ("char16_t", 0xe9): "<cdata 'char16_t' '\u00e9'>",
        ("int8_t", -1): "<cdata 'int8_t' -1>",
        ("long double", 0.1): "<cdata 'long double' 1.000000E-01>",
        ("long double", 1e300): "<cdata 'long double' 1.000000E+300>",
    }
    for (ctype, value), expected in cases.items():
        assert repr(ffi.cast(ctype, value)) == expected


def test_repr_of_null_and_addresses(ffi):
    assert repr(ffi.NULL) == "<cdata 'void *' NULL>"
    assert re.fullmatch(r"<cdata 'int \*' %s>" % ADDR, repr(ffi.new("int[3]") + 1))
    assert repr(ffi.cast("int(*)(int)", 0x10)) == "<cdata 'int(*)(int)' 0x10>"


def test_repr_of_allocator_result_is_not_owning(ffi, libc):
    alloc = ffi.new_allocator(libc.malloc, libc.free)
    assert re.fullmatch(r"<cdata 'int\[4\]' %s>" % ADDR, repr(alloc("int[4]")))


# ------------------------------------------------------- string / unpack

def test_string_of_char_array_stops_at_nul(ffi):
    assert ffi.string(ffi.new("char[]", b"hello")) == b"hello"
    assert ffi.string(ffi.new("char[]", b"ab\x00cd")) == b"ab"


def test_string_with_maxlen(ffi):
    assert ffi.string(ffi.new("char[10]", b"hello"), 3) == b"hel"


def test_string_of_full_array_without_nul_stops_at_array_end(ffi):
    assert ffi.string(ffi.new("char[5]", b"abcde")) == b"abcde"


def test_string_of_unsigned_and_signed_char_arrays_gives_bytes(ffi):
    assert ffi.string(ffi.new("unsigned char[]", b"ab")) == b"ab"
    assert ffi.string(ffi.new("signed char[]", b"ab")) == b"ab"
    assert ffi.string(ffi.new("uint8_t[]", [65, 0])) == b"A"


def test_string_of_wide_arrays_gives_str(ffi):
    assert ffi.string(ffi.new("wchar_t[]", "h\u00e9llo")) == "h\u00e9llo"
    assert ffi.string(ffi.new("char16_t[]", "h\u00e9llo")) == "h\u00e9llo"
    assert ffi.string(ffi.new("char32_t[]", "\U0001F600!")) == "\U0001F600!"


def test_string_finds_the_end_of_long_strings_of_every_width(ffi):
    # the end is searched a vector at a time (libc's memchr/strlen,
    # wmemchr/wcslen): lengths around vector sizes, through arrays (bounded
    # by their length) and pointers (bounded by maxlen only)
    for n in (0, 1, 15, 16, 17, 63, 64, 65, 4095, 4096, 70000):
        data = bytes(i % 251 + 1 for i in range(n))
        a = ffi.new("char[]", data + b"\0tail")
        p = ffi.cast("char *", a)
        assert ffi.string(a) == data
        assert ffi.string(p) == data
        assert ffi.string(p, n // 2) == data[: n // 2]
        assert ffi.string(ffi.new("char[%d]" % (n + 1), data + b"x")) == data + b"x"  # no NUL: the array's end
        text = "".join(chr(0x41 + i % 26) for i in range(n)) + "\U0001F600"
        for t in ("wchar_t", "char32_t", "char16_t"):
            w = ffi.new(t + "[]", text)
            assert ffi.string(w) == text
            assert ffi.string(ffi.cast(t + " *", w)) == text
            assert ffi.string(ffi.cast(t + " *", w), n) == text[:n]
            assert ffi.unpack(ffi.cast(t + " *", w), n) == text[:n]


def test_string_of_a_misaligned_wide_pointer(ffi):
    buf = ffi.new("char[]", 64)
    src = ffi.new("wchar_t[]", "hello")
    ffi.memmove(ffi.cast("char *", buf) + 1, src, ffi.sizeof(src))
    p = ffi.cast("wchar_t *", ffi.cast("char *", buf) + 1)
    assert ffi.string(p) == "hello"
    assert ffi.string(p, 3) == "hel"
    assert ffi.unpack(p, 3) == "hel"


def test_string_of_single_char_cdata(ffi):
    assert ffi.string(ffi.cast("char", b"x")) == b"x"


def test_string_of_null_pointer_is_runtimeerror(ffi):
    with pytest.raises(RuntimeError, match="cannot use string\\(\\) on <cdata 'char \\*' NULL>"):
        ffi.string(ffi.cast("char *", 0))


def test_string_of_int_array_or_int_is_typeerror(ffi):
    with pytest.raises(TypeError, match="string\\(\\): unexpected cdata 'int\\[\\]' argument"):
        ffi.string(ffi.new("int[]", [1, 2]))
    with pytest.raises(TypeError):
        ffi.string(ffi.cast("int", 5))


def test_unpack_returns_list_bytes_or_str(ffi):
    assert ffi.unpack(ffi.new("int[]", [1, 2, 3]), 3) == [1, 2, 3]
    assert ffi.unpack(ffi.new("char[]", b"ab\x00cd"), 5) == b"ab\x00cd"
    assert ffi.unpack(ffi.new("wchar_t[]", "xyz"), 2) == "xy"
    assert ffi.unpack(ffi.new("double[]", [1.5, 2.5]), 2) == [1.5, 2.5]
    assert ffi.unpack(ffi.new("_Bool[]", [True, False]), 2) == [True, False]
    assert ffi.unpack(ffi.new("int[]", [1, 2, 3]), 0) == []


def test_unpack_struct_array_gives_references(ffi):
    ffi.cdef("struct s { int a; int b; };")
    arr = ffi.new("struct s[]", [[1, 2], [3, 4]])
    items = ffi.unpack(arr, 2)
    assert [x.b for x in items] == [2, 4]
    assert ffi.typeof(items[0]) is ffi.typeof("struct s")


def test_unpack_pointer_array_gives_pointer_cdata(ffi):
    items = ffi.unpack(ffi.new("int *[]", 2), 2)
    assert [repr(x) for x in items] == ["<cdata 'int *' NULL>"] * 2


def test_unpack_null_is_runtimeerror(ffi):
    with pytest.raises(RuntimeError, match="cannot use unpack\\(\\) on <cdata 'void \\*' NULL>"):
        ffi.unpack(ffi.cast("void *", 0), 2)


def test_unpack_negative_length_is_valueerror(ffi):
    with pytest.raises(ValueError, match="'length' cannot be negative"):
        ffi.unpack(ffi.new("int[]", [1]), -1)


# ------------------------------------------------------------------ buffer

def test_buffer_bytes_of_int_array(ffi):
    b = ffi.buffer(ffi.new("int[]", [1, 2]))
    assert len(b) == 8
    assert bytes(b) == b"\x01\x00\x00\x00\x02\x00\x00\x00"
    assert b[:] == bytes(b)


def test_buffer_default_length_is_size_of_pointed_item_or_array(ffi):
    ffi.cdef("struct s { int a; int b; };")
    assert len(ffi.buffer(ffi.new("int *"))) == 4
    assert len(ffi.buffer(ffi.new("struct s *"))) == 8
    assert len(ffi.buffer(ffi.new("char[]", b"abc"))) == 4


def test_buffer_explicit_size(ffi):
    assert len(ffi.buffer(ffi.new("int[]", [1, 2]), 3)) == 3
    assert bytes(ffi.buffer(ffi.new("char[]", b"hello"), 3)) == b"hel"


@pytest.mark.skipif(cffi_impl.__name__ != "rcffi", reason="cffi only warns, then reads past the block")
def test_buffer_larger_than_owned_memory_is_refused(ffi):
    ffi.cdef("struct s { int a; int b; };")
    # cffi warns ("This will crash if you access the extra memory") and
    # makes the buffer; a buffer's bytes are read and written unchecked
    with pytest.raises(ValueError, match=r"ffi.buffer\(\): 100 bytes do not fit in the memory cdata 'int\[\]' points into \(8 bytes\)"):
        ffi.buffer(ffi.new("int[]", [1, 2]), 100)
    with pytest.raises(ValueError, match=r"8 bytes do not fit in the memory cdata 'struct s \*' points into \(0 bytes\)"):
        ffi.buffer(ffi.new("struct s *") + 1)
    with pytest.raises(ValueError, match=r"8 bytes do not fit in the memory cdata 'char\[\]' points into \(2 bytes\)"):
        ffi.buffer(ffi.from_buffer(bytearray(2)), 8)
    p = ffi.new("int[4]")
    assert len(ffi.buffer(p + 1, 12)) == 12


def test_buffer_indexing_and_slicing_give_bytes(ffi):
    b = ffi.buffer(ffi.new("int[]", [1, 2]))
    assert b[0] == b"\x01"
    assert b[0:5] == b"\x01\x00\x00\x00\x02"


def test_buffer_slicing_with_step_is_typeerror(ffi):
    b = ffi.buffer(ffi.new("int[]", [1, 2]))
    with pytest.raises(TypeError, match="step != 1"):
        b[::2]


def test_buffer_slice_assignment_writes_through(ffi):
    a = ffi.new("char[]", b"hello")
    b = ffi.buffer(a)
    b[0:2] = b"HE"
    assert ffi.string(a) == b"HEllo"
    b[4] = b"O"
    assert ffi.string(a) == b"HEllO"
    b[:] = b"abcdef"
    assert ffi.string(a) == b"abcdef"


def test_buffer_slice_assignment_length_mismatch_is_valueerror(ffi):
    b = ffi.buffer(ffi.new("char[]", b"hello"))
    with pytest.raises(ValueError, match="right operand length must match slice length"):
        b[0:2] = b"xyz"


def test_buffer_item_assignment_requires_bytes(ffi):
    b = ffi.buffer(ffi.new("char[]", b"hello"))
    with pytest.raises(TypeError):
        b[0] = 65


def test_buffer_supports_memoryview_writable_bytes_format(ffi):
    a = ffi.new("int[]", [1, 2])
    m = memoryview(ffi.buffer(a))
    assert m.format == "B"
    assert m.readonly is False
    m[0] = 9
    assert a[0] == 9


def test_buffer_compares_equal_to_bytes(ffi):
    assert ffi.buffer(ffi.new("char[]", b"ab")) == b"ab\x00"


def test_buffers_order_as_bytes(ffi):
    a = ffi.new("char[]", b"abcdef")
    short, full = ffi.buffer(a, 3), ffi.buffer(a)
    other = ffi.buffer(ffi.new("char[]", b"Xbc"), 3)
    assert other < short < full
    assert b"abcdef\x00" > ffi.buffer(a, 6) > b"ab"
    assert short != b"bcd"
    with pytest.raises(TypeError):
        short < 3


def test_memmove_with_typed_buffers(ffi):
    a = array.array("H", [10000, 20000, 30000])
    p = ffi.new("short[]", 5)
    ffi.memmove(p + 1, a, 6)
    assert list(p) == [0, 10000, 20000, 30000, 0]
    b = array.array("h", [-1000, -2000, -3000])
    ffi.memmove(b, a, 4)
    assert b.tolist() == [10000, 20000, -3000]
    with pytest.raises(BufferError):
        ffi.memmove(b"abc", p, 1)


def test_buffer_of_non_pointer_is_typeerror(ffi):
    ffi.cdef("struct s { int a; };")
    with pytest.raises(TypeError, match="expected a pointer or array cdata, got 'int'"):
        ffi.buffer(ffi.cast("int", 3))
    with pytest.raises(TypeError, match="got 'struct s'"):
        ffi.buffer(ffi.new("struct s *")[0])


def test_buffer_type_is_ffi_buffer(ffi):
    assert isinstance(ffi.buffer(ffi.new("int *")), ffi.buffer)


# ------------------------------------------------------------- from_buffer

def test_from_buffer_bytearray_is_char_array_view(ffi):
    ba = bytearray(b"abcd")
    p = ffi.from_buffer(ba)
    assert ffi.typeof(p) is ffi.typeof("char[]")
    assert len(p) == 4
    assert p[0] == b"a"
    p[0] = b"z"
    assert ba == bytearray(b"zbcd")
    assert repr(p) == "<cdata 'char[]' buffer len 4 from 'bytearray' object>"


def test_from_buffer_with_ctype_computes_length(ffi):
    q = ffi.from_buffer("int[]", bytearray(8))
    assert len(q) == 2
    assert repr(q) == "<cdata 'int[]' buffer len 2 from 'bytearray' object>"
    assert len(ffi.from_buffer("int[]", bytearray(7))) == 1


def test_from_buffer_pointer_ctype(ffi):
    assert repr(ffi.from_buffer("int *", bytearray(8))) == "<cdata 'int *' buffer from 'bytearray' object>"


def test_from_buffer_fixed_array_too_big_is_valueerror(ffi):
    with pytest.raises(ValueError, match=re.escape("buffer is too small (8 bytes) for 'int[3]' (12 bytes)")):
        ffi.from_buffer("int[3]", bytearray(8))


def test_from_buffer_fixed_array_smaller_than_buffer_is_fine(ffi):
    assert len(ffi.from_buffer("int[2]", bytearray(12))) == 2


def test_from_buffer_readonly_bytes_allowed_unless_require_writable(ffi):
    p = ffi.from_buffer(b"abc")
    assert repr(p) == "<cdata 'char[]' buffer len 3 from 'bytes' object>"
    assert ffi.string(p) == b"abc"
    with pytest.raises(BufferError):
        ffi.from_buffer(b"abc", require_writable=True)
    assert len(ffi.from_buffer(memoryview(bytearray(4)), require_writable=True)) == 4


def test_from_buffer_str_is_typeerror(ffi):
    with pytest.raises(TypeError, match="cannot return the address of a unicode object"):
        ffi.from_buffer("abc")


def test_from_buffer_array_module_shares_memory(ffi):
    a = array.array("i", [1, 2, 3])
    p = ffi.from_buffer("int[]", a)
    assert len(p) == 3 and p[2] == 3
    p[0] = 9
    assert a[0] == 9


def test_from_buffer_of_ffi_buffer(ffi):
    src = ffi.new("int[2]", [1, 2])
    p = ffi.from_buffer("int[]", ffi.buffer(src))
    assert list(p) == [1, 2]


def test_from_buffer_empty(ffi):
    assert len(ffi.from_buffer(b"")) == 0


def test_from_buffer_release_marks_repr_released(ffi):
    p = ffi.from_buffer(bytearray(4))
    ffi.release(p)
    assert repr(p) == "<cdata 'char[]' buffer RELEASED>"


def test_from_buffer_context_manager_releases(ffi):
    ba = bytearray(4)
    with ffi.from_buffer(ba) as p:
        p[1] = b"x"
    assert ba[1:2] == b"x"
    assert repr(p) == "<cdata 'char[]' buffer RELEASED>"
    ba.append(0)   # resizing works again once the view is released


# ---------------------------------------------------------------- memmove

def test_memmove_overlapping_within_cdata(ffi):
    d = ffi.new("char[]", b"abcdef")
    ffi.memmove(d + 1, d, 3)
    assert ffi.string(d) == b"aabcef"


def test_memmove_from_bytes_into_cdata(ffi):
    d = ffi.new("int[]", [1, 2, 3])
    ffi.memmove(d, b"\x05\x00\x00\x00", 4)
    assert list(d) == [5, 2, 3]


def test_memmove_from_cdata_into_bytearray(ffi):
    ba = bytearray(8)
    ffi.memmove(ba, ffi.new("int[]", [1, 2]), 8)
    assert ba == bytearray(b"\x01\x00\x00\x00\x02\x00\x00\x00")


def test_memmove_into_readonly_bytes_is_buffererror(ffi):
    with pytest.raises(BufferError):
        ffi.memmove(b"xxxx", ffi.new("int *"), 4)


def test_memmove_negative_size_is_valueerror(ffi):
    d = ffi.new("int[2]")
    with pytest.raises(ValueError, match="negative size"):
        ffi.memmove(d, d, -1)


# ------------------------------------------------------ release / with

def test_with_statement_on_new_gives_usable_cdata_inside(ffi):
    p = ffi.new("int *", 5)
    with p as q:
        assert q is p
        assert q[0] == 5


def test_release_of_non_owning_cdata_is_valueerror(ffi):
    with pytest.raises(ValueError, match="can be used with the 'with' keyword or ffi.release\\(\\)"):
        ffi.release(ffi.cast("int *", 0))


def test_release_twice_is_harmless(ffi):
    p = ffi.new("int[10]")
    assert ffi.release(p) is None
    assert ffi.release(p) is None


# ---------------------------------------------------------- new_allocator

def test_new_allocator_calls_custom_alloc_and_free(ffi, libc):
    log = []

    def myalloc(n):
        log.append(("alloc", n))
        return libc.malloc(n)

    def myfree(p):
        log.append(("free",))
        libc.free(p)

    alloc = ffi.new_allocator(myalloc, myfree)
    x = alloc("int[4]", [1, 2, 3, 4])
    assert list(x) == [1, 2, 3, 4]
    assert log == [("alloc", 16)]
    del x
    gc.collect()
    assert log == [("alloc", 16), ("free",)]


def test_new_allocator_release_frees_immediately(ffi, libc):
    freed = []
    alloc = ffi.new_allocator(libc.malloc, lambda p: (freed.append(p), libc.free(p)))
    y = alloc("int[2]")
    address = ffi.cast("intptr_t", y)
    ffi.release(y)
    assert len(freed) == 1
    # the released cdata still compares (and hashes) as its old address,
    # so the free callback's argument equals it, as in cffi
    assert freed[0] == y and hash(freed[0]) == hash(y)
    assert int(ffi.cast("intptr_t", freed[0])) == int(address)


def test_new_allocator_zero_fills_by_default(ffi, libc):
    alloc = ffi.new_allocator(libc.malloc, libc.free)
    assert list(alloc("int[64]")) == [0] * 64


def test_new_allocator_default_behaves_like_new(ffi):
    alloc = ffi.new_allocator(should_clear_after_alloc=False)
    p = alloc("int *", 3)
    assert p[0] == 3
    assert repr(p) == "<cdata 'int *' owning 4 bytes>"


def test_new_allocator_open_array_keeps_its_type(ffi):
    seen = []
    alloc = ffi.new_allocator(lambda n: (seen.append(n), ffi.new("char[]", b"X" * n))[1],
                              seen.append, should_clear_after_alloc=False)
    p = alloc("int[]", 10)
    assert ffi.typeof(p) is ffi.typeof("int[]")
    assert len(p) == 10 and ffi.sizeof(p) == 40
    assert p[6] == ord("X") * 0x01010101
    del p
    gc.collect()
    assert seen[0] == 40
    assert repr(seen[1]) == "<cdata 'char[]' owning 41 bytes>"


def test_new_allocator_result_must_be_a_cdata_pointer(ffi):
    with pytest.raises(TypeError) as e:
        ffi.new_allocator(lambda n: 42)("int[5]")
    assert str(e.value) == "alloc() must return a cdata object (got int)"
    with pytest.raises(TypeError) as e:
        ffi.new_allocator(lambda n: ffi.cast("int", 42))("int[5]")
    assert str(e.value) == "alloc() must return a cdata pointer, not 'int'"


def test_new_allocator_null_result_is_memoryerror(ffi):
    alloc = ffi.new_allocator(lambda n: ffi.NULL, lambda p: None)
    with pytest.raises(MemoryError, match="alloc\\(\\) returned NULL"):
        alloc("int *")


def test_new_allocator_free_without_alloc_is_typeerror(ffi):
    with pytest.raises(TypeError, match="cannot pass 'free' without 'alloc'"):
        ffi.new_allocator(None, lambda p: None)


# -------------------------------------------------------------------- gc

def test_gc_destructor_called_when_collected(ffi, libc):
    freed = []
    raw = libc.malloc(16)
    g = ffi.gc(raw, lambda p: freed.append(p))
    assert g == raw
    assert ffi.typeof(g) is ffi.typeof("void *")
    del g
    gc.collect()
    assert len(freed) == 1 and freed[0] == raw
    libc.free(raw)


def test_gc_with_none_removes_destructor(ffi):
    freed = []
    g = ffi.gc(ffi.cast("int *", 1234), lambda p: freed.append("g"))
    ffi.gc(g, None)
    del g
    gc.collect()
    assert freed == []


def test_gc_release_calls_destructor_exactly_once(ffi):
    freed = []
    g = ffi.gc(ffi.cast("int *", 1234), lambda p: freed.append("g"))
    ffi.release(g)
    assert freed == ["g"]
    ffi.release(g)
    del g
    gc.collect()
    assert freed == ["g"]


def test_gc_with_statement_calls_destructor_at_exit(ffi):
    freed = []
    with ffi.gc(ffi.cast("int *", 1234), lambda p: freed.append(int(ffi.cast("intptr_t", p)))):
        assert freed == []
    assert freed == [1234]


def test_gc_result_keeps_repr_of_original(ffi):
    g = ffi.gc(ffi.cast("int *", 0x4d2), lambda p: None, size=100)
    assert repr(g) == "<cdata 'int *' 0x4d2>"
    ffi.gc(g, None)


def test_gc_none_on_plain_cdata_is_typeerror(ffi):
    with pytest.raises(TypeError, match="Can remove destructor only on a object previously returned by ffi.gc\\(\\)"):
        ffi.gc(ffi.cast("int", 3), None)


def test_gc_on_non_cdata_is_typeerror(ffi):
    with pytest.raises(TypeError):
        ffi.gc(3, None)


# --------------------------------------------------------------- handles

def test_new_handle_round_trip(ffi):
    o = object()
    h = ffi.new_handle(o)
    assert ffi.typeof(h) is ffi.typeof("void *")
    assert ffi.from_handle(h) is o
    assert ffi.from_handle(ffi.cast("void *", h)) is o
    assert ffi.from_handle(ffi.cast("char *", h)) is o


def test_new_handle_repr(ffi):
    o = [1, 2]
    h = ffi.new_handle(o)
    assert repr(h) == "<cdata 'void *' handle to [1, 2]>"


def test_two_handles_to_same_object_differ(ffi):
    o = object()
    assert ffi.new_handle(o) != ffi.new_handle(o)


def test_from_handle_null_is_runtimeerror(ffi):
    with pytest.raises(RuntimeError, match="cannot use from_handle\\(\\) on NULL pointer"):
        ffi.from_handle(ffi.NULL)


def test_handle_keeps_object_alive(ffi):
    class Obj:
        pass
    h = ffi.new_handle(Obj())
    gc.collect()
    assert isinstance(ffi.from_handle(h), Obj)


# ------------------------------------------------------------------ errno

def test_errno_set_and_get(ffi):
    ffi.errno = 17
    assert ffi.errno == 17
    ffi.errno = 0
    assert ffi.errno == 0


def test_ffi_null_is_void_pointer_null(ffi_mod):
    f = ffi_mod.FFI()
    assert repr(f.NULL) == "<cdata 'void *' NULL>"
    assert f.NULL == f.cast("int *", 0)


# ---------------------------------------------------------------- types

def test_cdata_and_ctype_types_cannot_be_instantiated(ffi):
    with pytest.raises(TypeError):
        type(ffi.typeof("void *"))()
    for cd in [ffi.cast("void *", 0), ffi.new("char[]", 3),
               ffi.gc(ffi.NULL, lambda x: None)]:
        for args in [(), (ffi.NULL,), (ffi.typeof("void *"),)]:
            with pytest.raises(TypeError):
                type(cd)(*args)
