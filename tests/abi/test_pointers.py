"""Pointers and arrays: arithmetic, comparison, hashing, truth, indexing,
slicing and slice assignment, NULL, void *, char *, pointer to pointer,
array lengths, iteration and initialisation."""

import re

import pytest


ADDR = r"0x[0-9a-f]+"


@pytest.fixture
def arr(ffi):
    return ffi.new("int[5]", [10, 11, 12, 13, 14])


def addr(ffi, p):
    return int(ffi.cast("uintptr_t", p))


# ------------------------------------------------------------- arithmetic

def test_pointer_plus_int_moves_by_item_size(ffi, arr):
    p = arr + 1
    assert p[0] == 11
    assert (arr + 4)[0] == 14
    assert addr(ffi, p) - addr(ffi, arr) == 4
    assert ffi.typeof(p) is ffi.typeof("int *")


def test_pointer_minus_int(ffi, arr):
    p = arr + 3
    assert (p - 1)[0] == 12
    assert (p - 3)[0] == 10


def test_pointer_difference_counts_items(ffi, arr):
    assert (arr + 1) - arr == 1
    assert (arr + 3) - (arr + 1) == 2
    assert (arr + 1) - (arr + 3) == -2


def test_array_minus_pointer_is_typeerror(ffi, arr):
    with pytest.raises(TypeError, match="cannot subtract cdata 'int\\[5\\]' and cdata 'int \\*'"):
        arr - (arr + 1)


def test_difference_of_different_pointer_types_is_typeerror(ffi, arr):
    with pytest.raises(TypeError, match="cannot subtract cdata 'int \\*' and cdata 'long \\*'"):
        ffi.cast("int *", arr) - ffi.cast("long *", arr)


def test_void_pointer_arithmetic_is_bytewise(ffi, arr):
    v = ffi.cast("void *", arr)
    assert addr(ffi, v + 1) == addr(ffi, arr) + 1
    assert (v + 3) - v == 3


def test_char_pointer_arithmetic_is_bytewise(ffi, arr):
    c = ffi.cast("char *", arr)
    assert addr(ffi, c + 1) == addr(ffi, arr) + 1


def test_arithmetic_past_end_of_array_is_allowed(ffi, arr):
    assert addr(ffi, arr + 6) == addr(ffi, arr) + 24


def test_arithmetic_on_cast_addresses(ffi):
    assert repr(ffi.cast("int *", 16) + 1) == "<cdata 'int *' 0x14>"
    assert repr(ffi.cast("int *", 16) - 1) == "<cdata 'int *' 0xc>"


def test_char_array_plus_offset_reads_suffix(ffi):
    s = ffi.new("char[]", b"abc")
    assert ffi.typeof(s + 1) is ffi.typeof("char *")
    assert ffi.string(s + 1) == b"bc"


# ---------------------------------------------- comparison, hashing, truth

def test_pointer_equality_is_by_address(ffi, arr):
    assert arr == arr + 0
    assert arr + 1 == arr + 1
    assert ffi.cast("int *", arr) == arr
    assert ffi.cast("long *", arr) == arr
    assert ffi.cast("void *", arr) == arr


def test_pointer_ordering(ffi, arr):
    p = arr + 1
    assert arr < p
    assert p > arr
    assert arr <= arr
    assert not (p < arr)


def test_pointer_not_equal_to_python_values(ffi, arr):
    assert (arr == 5) is False
    assert (arr == None) is False  # noqa: E711
    assert (ffi.NULL == None) is False  # noqa: E711
    assert (ffi.NULL == 0) is False


def test_pointer_hash_consistent_with_equality(ffi, arr):
    assert hash(arr + 1) == hash(arr + 1)
    d = {arr: "x"}
    assert d[arr + 0] == "x"


def test_pointer_truth_is_non_null(ffi, arr):
    assert bool(arr) is True
    assert bool(ffi.NULL) is False
    assert bool(ffi.cast("int *", 0)) is False
    assert bool(ffi.cast("int *", 4)) is True


# ----------------------------------------------------------------- NULL

def test_null_is_void_pointer_equal_to_any_null(ffi):
    assert repr(ffi.NULL) == "<cdata 'void *' NULL>"
    assert ffi.cast("int *", 0) == ffi.NULL
    assert ffi.cast("char *", 0) == ffi.cast("double *", 0)


def test_dereferencing_null_is_runtimeerror(ffi):
    with pytest.raises(RuntimeError, match="cannot dereference null pointer from cdata 'void \\*'"):
        ffi.NULL[0]
    with pytest.raises(RuntimeError, match="cannot dereference null pointer from cdata 'int \\* \\*'"):
        ffi.cast("int **", 0)[0]


def test_store_null_into_pointer_slot(ffi):
    pp = ffi.new("int **")
    pp[0] = ffi.new("int *")
    pp[0] = ffi.NULL
    assert pp[0] == ffi.NULL
    assert repr(pp[0]) == "<cdata 'int *' NULL>"


def test_storing_none_or_int_into_pointer_slot_is_typeerror(ffi):
    pp = ffi.new("int **")
    with pytest.raises(TypeError, match="initializer for ctype 'int \\*' must be a cdata pointer, not NoneType"):
        pp[0] = None
    with pytest.raises(TypeError, match="must be a cdata pointer, not int"):
        pp[0] = 5


# ---------------------------------------------------------------- void *

def test_void_pointer_cannot_be_indexed(ffi, arr):
    with pytest.raises(TypeError, match="cdata 'void' is opaque"):
        ffi.cast("void *", arr)[0]


def test_void_pointer_has_no_attributes(ffi, arr):
    with pytest.raises(AttributeError):
        ffi.cast("void *", arr).x


def test_any_pointer_converts_implicitly_to_and_from_void_pointer(ffi):
    x = ffi.new("int *", 5)
    vp = ffi.new("void **")
    vp[0] = x
    assert vp[0] == x
    assert ffi.typeof(vp[0]) is ffi.typeof("void *")
    pp = ffi.new("int **")
    pp[0] = ffi.cast("void *", x)
    assert pp[0][0] == 5


def test_incompatible_pointer_store_is_typeerror(ffi):
    pp = ffi.new("int **")
    with pytest.raises(TypeError, match="must be a pointer to same type, not cdata 'long \\*'"):
        pp[0] = ffi.new("long *")


def test_char_pointer_slot_accepts_unsigned_char_but_not_int_arrays(ffi):
    cp = ffi.new("char **")
    cp[0] = ffi.new("unsigned char[]", 3)
    with pytest.raises(TypeError, match="implicit cast to 'char \\*' from a different pointer type"):
        cp[0] = ffi.new("int[]", 3)


def test_char_pointer_slot_accepts_any_one_byte_item(ffi):
    # cffi's rule is the item's size, not its kind: a pointer to a
    # `char[1]` or to a one-byte struct converts to `char *` (DT54: rcffi
    # refused both, and so a call passing ffi.addressof(lib, "g") of an
    # `extern char g[1];` to a `char *` parameter)
    ffi.cdef("struct one_byte { char c; }; struct two_bytes { char c[2]; };")
    cp = ffi.new("char **")
    a = ffi.new("char(*)[1]")
    cp[0] = a
    assert cp[0] == a
    s = ffi.new("struct one_byte *")
    cp[0] = s
    assert cp[0] == s
    vp = ffi.new("char(**)[1]")
    vp[0] = ffi.new("char[4]")
    with pytest.raises(TypeError, match="implicit cast to 'char \\*' from a different pointer type"):
        cp[0] = ffi.new("char(*)[2]")
    with pytest.raises(TypeError, match="implicit cast to 'char \\*' from a different pointer type"):
        cp[0] = ffi.new("struct two_bytes *")


def test_char_pointer_slot_rejects_bytes(ffi):
    cp = ffi.new("char **")
    with pytest.raises(TypeError, match="initializer for ctype 'char \\*' must be a cdata pointer, not bytes"):
        cp[0] = b"abc"


# ---------------------------------------------------------------- char *

def test_char_array_from_bytes_and_string_back(ffi):
    s = ffi.new("char[]", b"hello")
    assert ffi.string(s) == b"hello"
    assert s[1] == b"e"
    s[0] = b"J"
    assert ffi.string(s) == b"Jello"


def test_char_array_from_list_of_single_bytes(ffi):
    s = ffi.new("char[]", [b"a", b"b"])
    assert repr(s) == "<cdata 'char[]' owning 2 bytes>"
    assert ffi.string(s) == b"ab"


def test_unsigned_char_and_int8_arrays_accept_bytes(ffi):
    assert list(ffi.new("unsigned char[]", b"ab")) == [97, 98, 0]
    assert list(ffi.new("int8_t[]", b"ab")) == [97, 98, 0]


def test_array_of_char_pointers(ffi):
    x = ffi.new("char[]", b"x")
    s = ffi.new("char *[]", [x, ffi.NULL])
    assert repr(s) == "<cdata 'char *[]' owning 16 bytes>"
    assert ffi.string(s[0]) == b"x"
    assert s[1] == ffi.NULL


# -------------------------------------------------------- pointer to pointer

def test_pointer_to_pointer_round_trip(ffi):
    pp = ffi.new("int **")
    x = ffi.new("int *", 5)
    pp[0] = x
    assert pp[0][0] == 5
    assert pp[0] == x
    pp[0][0] = 6
    assert x[0] == 6


def test_pointer_to_pointer_repr_has_spaced_stars(ffi):
    assert repr(ffi.new("int **")) == "<cdata 'int * *' owning 8 bytes>"


def test_array_of_pointers_defaults_to_null(ffi):
    ip = ffi.new("int *[2]")
    assert ip[0] == ffi.NULL and ip[1] == ffi.NULL


# --------------------------------------------------------------- indexing

def test_pointer_indexing_positive_and_negative(ffi, arr):
    p = arr + 1
    assert p[-1] == 10
    assert p[3] == 14


def test_owned_array_index_out_of_range_is_indexerror(ffi, arr):
    with pytest.raises(IndexError, match=re.escape("index too large for cdata 'int[5]' (expected 5 < 5)")):
        arr[5]
    with pytest.raises(IndexError, match="negative index"):
        arr[-1]
    with pytest.raises(IndexError):
        arr[5] = 1


def test_index_must_be_integer(ffi, arr):
    assert arr[True] == 11
    with pytest.raises(TypeError):
        arr[1.0]
    with pytest.raises(TypeError):
        arr["x"]


def test_cast_pointer_to_array_memory_is_unchecked(ffi, arr):
    q = ffi.cast("int *", arr)
    assert q[4] == 14


def test_pointer_has_no_len_and_no_iteration(ffi, arr):
    p = arr + 1
    with pytest.raises(TypeError, match="cdata of type 'int \\*' has no len\\(\\)"):
        len(p)
    with pytest.raises(TypeError, match="cdata 'int \\*' does not support iteration"):
        list(p)


def test_item_assignment_through_pointer(ffi, arr):
    p = arr + 2
    p[0] = 99
    p[-1] = 98
    assert list(arr) == [10, 98, 99, 13, 14]


# ---------------------------------------------------------------- slicing

def test_array_slice_is_sliced_view(ffi, arr):
    s = arr[1:3]
    assert repr(s) == "<cdata 'int[]' sliced length 2>"
    assert ffi.typeof(s) is ffi.typeof("int[]")
    assert len(s) == 2
    assert list(s) == [11, 12]
    s[0] = 111
    assert arr[1] == 111


def test_pointer_slice_allows_negative_start(ffi, arr):
    p = arr + 1
    assert list(p[0:2]) == [11, 12]
    assert list(p[-1:1]) == [10, 11]


def test_slice_requires_explicit_start_and_stop(ffi, arr):
    with pytest.raises(IndexError, match="slice start must be specified"):
        arr[:3]
    with pytest.raises(IndexError, match="slice stop must be specified"):
        arr[1:]
    with pytest.raises(IndexError, match="slice start must be specified"):
        arr[::2]


def test_slice_bounds_checked_on_arrays(ffi, arr):
    with pytest.raises(IndexError, match="slice start > stop"):
        arr[3:1]
    with pytest.raises(IndexError, match=re.escape("index too large (expected 6 <= 5)")):
        arr[0:6]
    with pytest.raises(IndexError, match="negative index"):
        arr[-1:2]


def test_empty_slice(ffi, arr):
    assert len(arr[2:2]) == 0
    assert list(arr[5:5]) == []


def test_slice_assignment_from_list_and_tuple(ffi, arr):
    arr[1:3] = [100, 101]
    assert list(arr) == [10, 100, 101, 13, 14]
    arr[0:2] = (7, 8)
    assert list(arr) == [7, 8, 101, 13, 14]


def test_slice_assignment_wrong_length_is_valueerror(ffi, arr):
    with pytest.raises(ValueError, match="need 2 values to unpack, got 1"):
        arr[1:3] = [1]
    with pytest.raises(ValueError, match="got more than 2 values to unpack"):
        arr[1:3] = [1, 2, 3]


def test_slice_assignment_from_same_typed_cdata(ffi, arr):
    arr[3:5] = arr[0:2]
    assert list(arr) == [10, 11, 12, 10, 11]


def test_slice_assignment_into_char_array_from_bytes_and_list(ffi):
    c = ffi.new("char[]", b"hello")
    c[0:2] = b"HE"
    assert ffi.string(c) == b"HEllo"
    c[0:2] = [b"x", b"y"]
    assert ffi.string(c) == b"xyllo"
    c[0:2] = bytearray(b"zz")
    assert ffi.string(c) == b"zzllo"
    with pytest.raises(TypeError):
        c[0:2] = "ab"


def test_slice_assignment_into_uint8_array_from_bytes(ffi):
    u8 = ffi.new("uint8_t[]", 4)
    u8[0:4] = b"\x01\x02\x03\x04"
    assert list(u8) == [1, 2, 3, 4]


# ----------------------------------------------------------------- arrays

def test_array_len_and_iteration(ffi, arr):
    assert len(arr) == 5
    assert list(arr) == [10, 11, 12, 13, 14]
    assert 12 in arr


def test_array_is_not_reversible(ffi, arr):
    with pytest.raises(TypeError):
        reversed(arr)


def test_zero_length_arrays(ffi):
    assert repr(ffi.new("int[0]")) == "<cdata 'int[0]' owning 0 bytes>"
    assert len(ffi.new("int[]", 0)) == 0


def test_two_dimensional_arrays(ffi):
    a = ffi.new("int[2][3]", [[1, 2, 3], [4, 5, 6]])
    assert len(a) == 2 and len(a[0]) == 3
    assert a[1][2] == 6
    assert ffi.typeof(a[1]) is ffi.typeof("int[3]")
    assert [list(row) for row in a] == [[1, 2, 3], [4, 5, 6]]
    a[0][1] = 20
    assert a[0][1] == 20


def test_array_init_requires_list_or_tuple(ffi):
    with pytest.raises(TypeError, match="must be a list or tuple, not bytes"):
        ffi.new("int[]", b"ab")
    with pytest.raises(TypeError, match="expected new array length or list/tuple/str, not list_iterator"):
        ffi.new("int[]", iter([1, 2]))
    with pytest.raises(TypeError, match="not range"):
        ffi.new("int[]", range(3))


def test_array_init_from_tuple(ffi):
    assert list(ffi.new("int[]", (1, 2))) == [1, 2]


def test_wchar_array_from_str(ffi):
    w = ffi.new("wchar_t[]", "abc")
    assert len(w) == 4
    assert w[0] == "a"
    assert ffi.string(w) == "abc"
    assert list(ffi.new("wchar_t[5]", "ab")) == ["a", "b", "\x00", "\x00", "\x00"]


def test_wchar_array_too_long_or_bytes_rejected(ffi):
    with pytest.raises(IndexError, match=re.escape("initializer unicode is too long for 'wchar_t[2]' (got 3 characters)")):
        ffi.new("wchar_t[2]", "abc")
    with pytest.raises(TypeError, match="must be a unicode or list or tuple, not bytes"):
        ffi.new("wchar_t[]", b"abc")


def test_negative_pointer_value_repr(ffi):
    assert repr(ffi.cast("int *", -1)) == "<cdata 'int *' 0xffffffffffffffff>"
    assert repr(ffi.cast("uintptr_t", -1)) == "<cdata 'uintptr_t' 18446744073709551615>"
