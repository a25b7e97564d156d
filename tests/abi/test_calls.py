"""Calling C through ffi.dlopen(): the compiled testlib, libc and libm."""

import math
import re
import time

import pytest

from conftest import cffi_impl


# ------------------------------------------------------------- primitives

@pytest.mark.parametrize("func,arg,expected", [
    ("tl_schar", -128, -127), ("tl_uchar", 254, 255), ("tl_short", -5, -4),
    ("tl_ushort", 65534, 65535), ("tl_int", -1, 0), ("tl_uint", 2**32 - 2, 2**32 - 1),
    ("tl_long", -2**63, -2**63 + 1), ("tl_ulong", 2**64 - 2, 2**64 - 1),
    ("tl_llong", 2**62, 2**62 + 1), ("tl_ullong", 2**64 - 2, 2**64 - 1),
    ("tl_size", 2**64 - 2, 2**64 - 1), ("tl_ssize", -5, -4),
    ("tl_i8", -128, -127), ("tl_u8", 254, 255), ("tl_i16", -3, -2),
    ("tl_u16", 65534, 65535), ("tl_i32", -7, -6), ("tl_u32", 2**32 - 2, 2**32 - 1),
    ("tl_i64", -2**63, -2**63 + 1), ("tl_u64", 2**64 - 2, 2**64 - 1),
    ("tl_intptr", -2, -1),
])
def test_integer_argument_and_return_round_trip(lib, func, arg, expected):
    result = getattr(lib, func)(arg)
    assert type(result) is int
    assert result == expected


@pytest.mark.parametrize("func,arg,expected", [
    ("tl_schar", 127, -128), ("tl_uchar", 255, 0), ("tl_int", 2**31 - 1, -2**31),
    ("tl_ulong", 2**64 - 1, 0), ("tl_i8", 127, -128),
])
def test_integer_return_wraps_as_c_does(lib, func, arg, expected):
    assert getattr(lib, func)(arg) == expected


@pytest.mark.parametrize("func,arg", [
    ("tl_int", 2**31), ("tl_int", -2**31 - 1), ("tl_i8", 128), ("tl_u8", 256),
    ("tl_uint", -1), ("tl_size", -1), ("tl_u64", 2**64), ("tl_short", 2**15),
    ("tl_bool", 2),
])
def test_out_of_range_argument_is_overflowerror(lib, func, arg):
    with pytest.raises(OverflowError):
        getattr(lib, func)(arg)


def test_overflow_message_names_c_type(lib):
    with pytest.raises(OverflowError, match="integer 2147483648 does not fit 'int'"):
        lib.tl_int(2**31)
    with pytest.raises(OverflowError, match="integer 128 does not fit 'int8_t'"):
        lib.tl_i8(128)


def test_float_and_double_arguments_and_results(lib):
    assert lib.tl_float(1.5) == 2.5
    assert lib.tl_float(1) == 2.0
    assert lib.tl_double(0.25) == 1.25
    assert lib.tl_double(1) == 2.0
    assert type(lib.tl_double(1)) is float


def test_float_argument_rounded_to_single_precision(lib):
    assert lib.tl_float(0.1) == pytest.approx(1.1, rel=1e-7)
    assert lib.tl_float(0.1) != 1.1


def test_long_double_result_is_cdata(ffi, lib):
    r = lib.tl_ldouble(1.5)
    assert isinstance(r, ffi.CData)
    assert ffi.typeof(r) is ffi.typeof("long double")
    assert float(r) == 2.5
    assert repr(r) == "<cdata 'long double' 2.500000E+00>"
    assert float(lib.tl_ldouble(r)) == 3.5


def test_bool_argument_and_result(lib):
    assert lib.tl_bool(True) is False
    assert lib.tl_bool(0) is True


def test_char_argument_and_result_are_bytes(lib):
    assert lib.tl_char(b"a") == b"b"
    with pytest.raises(TypeError, match="must be a bytes of length 1, not int"):
        lib.tl_char(97)
    with pytest.raises(TypeError, match="must be a bytes of length 1, not str"):
        lib.tl_char("a")


def test_wchar_argument_and_result_are_str(lib):
    assert lib.tl_wchar("a") == "b"
    with pytest.raises(TypeError):
        lib.tl_wchar(97)


def test_void_function_returns_none(lib):
    before = lib.tl_void_calls()
    assert lib.tl_void() is None
    assert lib.tl_void_calls() == before + 1


def test_many_mixed_arguments(lib):
    assert lib.tl_mixed(b"\x01", 2, 3, 4, 5.5, 6.25) == 21.75


def test_primitive_cdata_accepted_as_integer_argument(ffi, lib):
    assert lib.tl_int(ffi.cast("int", 5)) == 6
    assert lib.tl_int(ffi.cast("long", 5)) == 6
    assert lib.tl_int(ffi.cast("char", 5)) == 6
    assert lib.tl_int(True) == 2


@pytest.mark.parametrize("bad", [1.5, "1", None, b"1"])
def test_wrong_argument_type_for_int_is_typeerror(lib, bad):
    with pytest.raises(TypeError):
        lib.tl_int(bad)


def test_double_argument_rejects_str(lib):
    with pytest.raises(TypeError, match="must be real number, not str"):
        lib.tl_double("x")


def test_wrong_argument_count_is_typeerror(lib):
    with pytest.raises(TypeError, match=re.escape("'int(*)(int, int)' expects 2 arguments, got 1")):
        lib.tl_add(1)
    with pytest.raises(TypeError, match=re.escape("'int(*)(int, int)' expects 2 arguments, got 3")):
        lib.tl_add(1, 2, 3)


def test_keyword_arguments_are_typeerror(lib):
    with pytest.raises(TypeError, match="cannot be called with keyword arguments"):
        lib.tl_add(a=1, b=2)


def test_function_is_a_function_pointer_cdata(ffi, lib):
    assert ffi.typeof(lib.tl_add) is ffi.typeof("int(*)(int, int)")
    assert re.fullmatch(r"<cdata 'int\(\*\)\(int, int\)' 0x[0-9a-f]+>", repr(lib.tl_add))
    assert isinstance(lib.tl_add, ffi.CData)


def test_function_pointer_can_be_cast_and_called(ffi, lib):
    f = ffi.cast("int(*)(int, int)", ffi.cast("void *", lib.tl_add))
    assert f(20, 22) == 42


# ---------------------------------------------------------------- pointers

def test_out_parameters(ffi, lib):
    q = ffi.new("int *")
    r = ffi.new("int *")
    lib.tl_divmod(17, 5, q, r)
    assert (q[0], r[0]) == (3, 2)


def test_array_argument_from_list_tuple_and_cdata(ffi, lib):
    assert lib.tl_sum_array([1, 2, 3], 3) == 6
    assert lib.tl_sum_array((1, 2, 3), 3) == 6
    assert lib.tl_sum_array(ffi.new("int[]", [1, 2, 3]), 3) == 6


def test_array_argument_of_wrong_pointer_type_is_typeerror(ffi, lib):
    with pytest.raises(TypeError, match="must be a pointer to same type, not cdata 'long\\[\\]'"):
        lib.tl_sum_array(ffi.new("long[]", [1, 2, 3]), 3)


def test_c_fills_python_allocated_array(ffi, lib):
    a = ffi.new("int[4]")
    lib.tl_fill(a, 4, 10)
    assert list(a) == [10, 11, 12, 13]


def test_bytes_passed_as_const_char_pointer(ffi, lib):
    assert lib.tl_strlen(b"hello") == 5
    assert lib.tl_strlen(ffi.new("char[]", b"abc")) == 3


def test_str_for_char_pointer_is_typeerror(lib):
    # the message names the parameter's type, as cffi's
    with pytest.raises(TypeError) as e:
        lib.tl_strlen("hello")
    assert str(e.value) == "initializer for ctype 'char *' must be a bytes or list or tuple, not str"


def test_none_is_not_null_for_pointer_arguments(ffi, lib):
    with pytest.raises(TypeError, match="must be a cdata pointer, not NoneType"):
        lib.tl_strlen(None)
    with pytest.raises(TypeError, match="not NoneType"):
        lib.tl_is_null(None)
    assert lib.tl_strlen(ffi.NULL) == -1
    assert lib.tl_is_null(ffi.NULL) == 1


def test_int_is_not_accepted_for_pointer_argument(lib):
    with pytest.raises(TypeError, match="must be a cdata pointer, not int"):
        lib.tl_is_null(0)


def test_void_pointer_argument_accepts_any_pointer_and_bytes(ffi, lib):
    assert lib.tl_is_null(ffi.new("int *")) == 0
    assert lib.tl_is_null(b"xx") == 0


def test_c_modifies_char_buffer_in_place(ffi, lib):
    s = ffi.new("char[]", b"abc")
    lib.tl_upper(s)
    assert ffi.string(s) == b"ABC"


def test_bytearray_needs_from_buffer_for_char_pointer(ffi, lib):
    b = bytearray(b"xyz\0")
    with pytest.raises(TypeError, match="must be a cdata pointer, not bytearray"):
        lib.tl_upper(b)
    lib.tl_upper(ffi.from_buffer(b))
    assert b == bytearray(b"XYZ\0")


def test_pointer_to_pointer_argument(ffi, lib):
    x = ffi.new("int *", 1)
    y = ffi.new("int *", 2)
    px = ffi.new("int **", x)
    py = ffi.new("int **", y)
    lib.tl_swap_ptrs(px, py)
    assert px[0][0] == 2 and py[0][0] == 1


def test_string_returning_function(ffi, lib):
    r = lib.tl_greet()
    assert ffi.typeof(r) is ffi.typeof("char *")
    assert ffi.string(r) == b"Hello, Alice Dev"


def test_repeated_calls_give_the_same_results_types_and_errors(ffi, lib):
    # from its second call, a function of integer and pointer arguments
    # returning an integer or a data pointer takes a specialised entry
    for _ in range(3):
        r = lib.tl_greet()
        assert ffi.typeof(r) is ffi.typeof("char *") and ffi.string(r) == b"Hello, Alice Dev"
        assert lib.tl_null_ptr() == ffi.NULL and repr(lib.tl_null_ptr()) == "<cdata 'void *' NULL>"
        assert lib.tl_strlen(ffi.new("char[]", b"abc")) == 3  # an array for a `const char *`
        assert lib.tl_sum_array(ffi.new("int[]", [1, 2, 3]), 3) == 6
        with pytest.raises(TypeError, match="must be a pointer to same type, not cdata 'long\\[\\]'"):
            lib.tl_sum_array(ffi.new("long[]", [1, 2, 3]), 3)
        p = lib.tl_pair_new(2, 3)
        assert ffi.typeof(p) is ffi.typeof("struct tl_pair *") and (p.a, p.b) == (2, 3)
        lib.tl_pair_free(p)
        if cffi_impl.__name__ == "rcffi":
            # rcffi refuses a released cdata as an argument (docs/compat.md)
            released = ffi.new("char[]", b"xyz")
            ffi.release(released)
            with pytest.raises(RuntimeError, match="was released"):
                lib.tl_strlen(released)


def test_null_returning_functions(ffi, lib):
    assert lib.tl_null_string() == ffi.NULL
    assert repr(lib.tl_null_string()) == "<cdata 'char *' NULL>"
    assert repr(lib.tl_null_ptr()) == "<cdata 'void *' NULL>"


def test_str_passed_as_wchar_pointer(lib):
    assert lib.tl_wcslen("h\u00e9llo") == 5


# ---------------------------------------------------------- struct by value

def test_small_struct_by_value_from_list_dict_and_cdata(ffi, lib):
    assert lib.tl_pair_sum([3, 4]) == 7
    assert lib.tl_pair_sum({"a": 3, "b": 4}) == 7
    assert lib.tl_pair_sum(ffi.new("struct tl_pair *", [3, 4])[0]) == 7


def test_struct_by_value_rejects_pointer_and_int(ffi, lib):
    with pytest.raises(TypeError, match="must be a list or tuple or dict or struct-cdata, not cdata 'struct tl_pair \\*'"):
        lib.tl_pair_sum(ffi.new("struct tl_pair *", [3, 4]))
    with pytest.raises(TypeError, match="not int"):
        lib.tl_pair_sum(5)


def test_small_struct_returned_by_value(ffi, lib):
    r = lib.tl_pair_make(1, 2)
    assert repr(r) == "<cdata 'struct tl_pair' owning 8 bytes>"
    assert (r.a, r.b) == (1, 2)
    s = lib.tl_pair_swap([1, 2])
    assert (s.a, s.b) == (2, 1)


def test_mixed_int_double_struct_by_value(lib):
    assert lib.tl_mixed_sum([1, 2.5]) == 3.5
    r = lib.tl_mixed_make(3, 0.5)
    assert (r.a, r.b) == (3, 0.5)


def test_char_array_struct_by_value(lib):
    assert lib.tl_chars_sum([b"abc"]) == 97 + 98 + 99
    assert list(lib.tl_chars_make(b"x", b"y", b"z").c) == [b"x", b"y", b"z"]


def test_big_struct_by_value_in_and_out(ffi, lib):
    assert ffi.sizeof("struct tl_big") == 32
    assert lib.tl_big_sum([1, 2, 3, 0.5]) == 6.5
    r = lib.tl_big_make(1, 2, 3, 4.5)
    assert (r.a, r.b, r.c, r.d) == (1, 2, 3, 4.5)


def test_two_double_struct_by_value(ffi, lib):
    assert lib.tl_point_dist2([0, 0], [3, 4]) == 25.0
    m = lib.tl_point_mid([0, 0], [3, 4])
    assert ffi.typeof(m) is ffi.typeof("tl_point")
    assert (m.x, m.y) == (1.5, 2.0)


def test_returned_struct_is_independent_copy(lib):
    r = lib.tl_pair_make(1, 2)
    r.a = 100
    assert lib.tl_pair_sum(r) == 102


def test_struct_pointer_argument_modified_by_c(ffi, lib):
    p = ffi.new("struct tl_pair *", [2, 3])
    lib.tl_pair_scale(p, 10)
    assert (p.a, p.b) == (20, 30)


# ------------------------------------------------------------------ globals

def test_read_global_variables(ffi, lib):
    assert lib.tl_global_int == 17
    assert lib.tl_global_double == 2.5
    assert list(lib.tl_global_array) == [1, 2, 3, 4]
    assert lib.tl_global_pair.b == 20
    assert lib.tl_global_ptr[0] == 99
    assert ffi.string(lib.tl_global_name) == b"testlib"


def test_global_kinds_give_expected_cdata_types(ffi, lib):
    assert ffi.typeof(lib.tl_global_array) is ffi.typeof("int[4]")
    assert ffi.typeof(lib.tl_global_pair) is ffi.typeof("struct tl_pair")
    assert re.fullmatch(r"<cdata 'struct tl_pair &' 0x[0-9a-f]+>", repr(lib.tl_global_pair))
    assert ffi.typeof(lib.tl_global_ptr) is ffi.typeof("int *")


def test_global_open_array_reads_as_pointer(ffi, testlib_path):
    ffi.cdef("extern int tl_global_array[]; int tl_global_array_sum(void);")
    lib = ffi.dlopen(testlib_path)
    assert ffi.typeof(lib.tl_global_array) is ffi.typeof("int *")
    assert [lib.tl_global_array[i] for i in range(4)] == [1, 2, 3, 4]
    with pytest.raises(TypeError):
        len(lib.tl_global_array)
    try:
        lib.tl_global_array = [5, 6, 7, 8]
        assert lib.tl_global_array_sum() == 26
    finally:
        lib.tl_global_array = [1, 2, 3, 4]


def test_write_global_scalars_seen_by_c(lib):
    old_i, old_d = lib.tl_global_int, lib.tl_global_double
    try:
        lib.tl_global_int = 42
        assert lib.tl_read_global_int() == 42
        lib.tl_global_double = 1.25
        assert lib.tl_read_global_double() == 1.25
    finally:
        lib.tl_global_int, lib.tl_global_double = old_i, old_d


def test_write_global_type_checked(lib):
    with pytest.raises(TypeError):
        lib.tl_global_int = "x"
    with pytest.raises(OverflowError, match="does not fit 'int'"):
        lib.tl_global_int = 2**40
    assert lib.tl_global_int == 17


def test_write_global_array_item_and_whole_array(lib):
    old = list(lib.tl_global_array)
    try:
        lib.tl_global_array[2] = 30
        assert lib.tl_global_array_sum() == 1 + 2 + 30 + 4
        lib.tl_global_array = [5, 5, 5, 5]
        assert lib.tl_global_array_sum() == 20
    finally:
        lib.tl_global_array = old


def test_write_global_struct_field_and_whole_struct(lib):
    try:
        lib.tl_global_pair.a = 1
        assert lib.tl_global_pair_sum() == 21
        lib.tl_global_pair = [3, 4]
        assert lib.tl_global_pair_sum() == 7
    finally:
        lib.tl_global_pair = [10, 20]


def test_write_global_pointer(ffi, lib):
    old = lib.tl_global_ptr
    t = ffi.new("int *", 7)
    try:
        lib.tl_global_ptr = t
        assert lib.tl_global_ptr_deref() == 7
        lib.tl_global_ptr = ffi.NULL
        assert lib.tl_global_ptr_deref() == -1
    finally:
        lib.tl_global_ptr = old


def test_addressof_lib_global_and_function(ffi, lib):
    p = ffi.addressof(lib, "tl_global_int")
    assert ffi.typeof(p) is ffi.typeof("int *")
    assert p[0] == 17
    assert ffi.addressof(lib, "tl_add") == lib.tl_add


def test_deleting_lib_attribute_is_attributeerror(lib):
    with pytest.raises(AttributeError):
        del lib.tl_global_int


def test_setting_unknown_lib_attribute_is_attributeerror(lib):
    with pytest.raises(AttributeError):
        lib.nope = 5


# -------------------------------------------------------- enums / #defines

def test_enum_constants_on_lib(lib):
    assert (lib.TL_RED, lib.TL_GREEN, lib.TL_BLUE) == (0, 5, 6)
    assert (lib.TL_NEG, lib.TL_POS) == (-3, 7)
    assert type(lib.TL_BLUE) is int


def test_define_constants_on_lib(lib):
    assert lib.TL_ANSWER == 42
    assert lib.TL_HEX == 16


def test_define_constant_forms(ffi):
    ffi.cdef("#define DD 0x7fffffffffffffff\n#define NEGD -12\n#define OCT 010")
    lib = ffi.dlopen(None)
    assert (lib.DD, lib.NEGD, lib.OCT) == (2**63 - 1, -12, 8)


def test_static_const_in_cdef(ffi):
    ffi.cdef("static const int SC = 5;")
    assert ffi.dlopen(None).SC == 5


def test_enum_argument_accepts_int_and_enum_cdata(ffi, lib):
    assert lib.tl_color_next(lib.TL_BLUE) == 7
    assert lib.tl_color_next(5) == 6
    assert lib.tl_color_next(ffi.cast("enum tl_color", 5)) == 6


# ------------------------------------------------------------------ dir(lib)

def test_dir_lib_lists_declared_functions_globals_and_constants(lib):
    names = dir(lib)
    for n in ("tl_add", "apply", "sum_ints", "tl_global_int", "tl_global_pair",
              "TL_ANSWER", "TL_RED", "TL_NEG"):
        assert n in names
    assert "tl_pair" not in names
    assert names == sorted(names)


def test_dir_lib_lists_declared_but_missing_symbols(ffi):
    ffi.cdef("int abs(int); int not_in_lib_zz(int); enum e { E1 };\n#define D 3")
    assert dir(ffi.dlopen(None)) == ["D", "E1", "abs", "not_in_lib_zz"]


def test_dir_of_lib_without_cdef_is_empty(ffi):
    assert dir(ffi.dlopen(None)) == []


def test_cdef_after_dlopen_is_visible_on_lib(ffi):
    ffi.cdef("int abs(int);")
    lib = ffi.dlopen(None)
    ffi.cdef("long labs(long);")
    assert lib.labs(-3) == 3


# ------------------------------------------------------- missing things

def test_missing_symbol_is_attributeerror_at_access(ffi, testlib_cdef, testlib_path):
    ffi.cdef(testlib_cdef + "\nint not_in_lib(int);")
    lib = ffi.dlopen(testlib_path)        # no error yet
    with pytest.raises(AttributeError, match="function/symbol 'not_in_lib' not found in library"):
        lib.not_in_lib
    assert lib.tl_add(1, 2) == 3


def test_undeclared_name_is_attributeerror(lib):
    with pytest.raises(AttributeError):
        lib.never_declared_anywhere


def test_missing_library_path_is_oserror(ffi):
    with pytest.raises(OSError, match="cannot load library '/nonexistent/libzz.so'"):
        ffi.dlopen("/nonexistent/libzz.so")


def test_missing_library_name_is_oserror(ffi):
    with pytest.raises(OSError, match="definitely_missing_zz"):
        ffi.dlopen("definitely_missing_zz")


def test_dlopen_bad_argument_type_is_typeerror(ffi):
    with pytest.raises(TypeError, match="name must be a file name, None, or an already-opened 'void \\*' handle"):
        ffi.dlopen(42)


def test_dlopen_flags_constants(ffi):
    assert (ffi.RTLD_LAZY, ffi.RTLD_NOW, ffi.RTLD_GLOBAL, ffi.RTLD_LOCAL) == (1, 2, 256, 0)
    ffi.cdef("int abs(int);")
    assert ffi.dlopen(None, ffi.RTLD_NOW).abs(-2) == 2


# ------------------------------------------------------------------ dlclose

def test_dlclose_makes_functions_and_globals_unavailable(ffi, testlib_cdef, testlib_path):
    ffi.cdef(testlib_cdef)
    lib = ffi.dlopen(testlib_path)
    ffi.dlclose(lib)
    with pytest.raises(ValueError, match="has already been closed"):
        lib.tl_add
    with pytest.raises(ValueError, match="has already been closed"):
        lib.tl_global_int
    with pytest.raises(ValueError) as e:
        lib.tl_add
    assert str(e.value).startswith("library '")
    assert str(e.value).endswith("' has already been closed")


def test_non_integer_constant_is_not_readable_from_a_library(ffi):
    ffi.cdef("static const float nic_f = 42.5; static const int nic_i = 4;")
    lib = ffi.dlopen(None)
    assert lib.nic_i == 4
    with pytest.raises(NotImplementedError) as e:
        lib.nic_f
    assert str(e.value) == ("non-integer constant 'nic_f' cannot be accessed "
                            "from a dlopen() library")


def test_values_of_partial_enum_are_verification_missing(ffi):
    ffi.cdef("enum pe_e { PE_A, ... }; enum pc_e { PC_B, PC_C };")
    lib = ffi.dlopen(None)
    assert lib.PC_C == 1
    with pytest.raises(cffi_impl.VerificationMissing) as e:
        lib.PE_A
    assert str(e.value) == "enum pe_e"


def test_constants_still_readable_after_dlclose(ffi, testlib_cdef, testlib_path):
    ffi.cdef(testlib_cdef)
    lib = ffi.dlopen(testlib_path)
    ffi.dlclose(lib)
    assert lib.TL_ANSWER == 42


def test_dlclose_twice_is_harmless(ffi, testlib_cdef, testlib_path):
    ffi.cdef(testlib_cdef)
    lib = ffi.dlopen(testlib_path)
    ffi.dlclose(lib)
    assert ffi.dlclose(lib) is None


# ----------------------------------------------------------------- variadic

def test_variadic_with_cdata_arguments(ffi, lib):
    assert lib.sum_ints(3, ffi.cast("int", 1), ffi.cast("int", 2), ffi.cast("int", 3)) == 6
    assert lib.sum_ints(0) == 0
    assert lib.sum_doubles(2, ffi.cast("double", 1.5), ffi.cast("double", 2.25)) == 3.75
    assert lib.sum_llongs(2, ffi.cast("long long", 2**40), ffi.cast("long long", 1)) == 2**40 + 1


@pytest.mark.parametrize("bad,tname", [(1, "int"), (1.5, "float"), (b"x", "bytes"),
                                      (None, "NoneType"), ([1], "list")])
def test_variadic_python_values_are_typeerror(lib, bad, tname):
    with pytest.raises(TypeError, match=re.escape(
            "argument 2 passed in the variadic part needs to be a cdata object (got %s)" % tname)):
        lib.sum_ints(1, bad)


def test_variadic_too_few_fixed_arguments(lib):
    with pytest.raises(TypeError, match=re.escape("'int(*)(int, ...)' expects at least 1 arguments, got 0")):
        lib.sum_ints()


def test_variadic_function_ctype(ffi, lib):
    assert ffi.typeof(lib.sum_ints) is ffi.typeof("int(*)(int, ...)")
    assert ffi.typeof(lib.sum_ints).ellipsis is True


# -------------------------------------------------------------------- errno

def test_errno_set_by_c_is_visible_after_call(ffi, lib):
    assert lib.tl_set_errno(42) == -1
    assert ffi.errno == 42


def test_errno_set_from_python_is_visible_to_c(ffi, lib):
    ffi.errno = 7
    assert lib.tl_get_errno() == 7


def test_errno_from_libc_failure(ffi):
    ffi.cdef("int close(int);")
    libc = ffi.dlopen(None)
    ffi.errno = 0
    assert libc.close(-1) == -1
    assert ffi.errno == 9       # EBADF


# ------------------------------------------------------------- libc / libm

def test_libc_through_dlopen_none(ffi):
    ffi.cdef("int abs(int); size_t strlen(const char *); char *strerror(int);")
    c = ffi.dlopen(None)
    assert c.abs(-5) == 5
    assert c.strlen(b"abcd") == 4
    assert ffi.string(c.strerror(2)) == b"No such file or directory"


def test_libm_through_dlopen_m(ffi):
    ffi.cdef("double sqrt(double); double cos(double); double pow(double, double);"
             "double ldexp(double, int); float sqrtf(float);")
    m = ffi.dlopen("m")
    assert m.sqrt(2.0) == math.sqrt(2.0)
    assert m.cos(0) == 1.0
    assert m.pow(2, 10) == 1024.0
    assert m.ldexp(1.0, 4) == 16.0
    assert m.sqrtf(2.0) == 1.4142135381698608


def test_libm_by_soname(ffi):
    ffi.cdef("double sqrt(double);")
    assert ffi.dlopen("libm.so.6").sqrt(9.0) == 3.0


def test_libc_time_with_null(ffi):
    ffi.cdef("long time(long *);")
    c = ffi.dlopen(None)
    assert abs(c.time(ffi.NULL) - time.time()) < 3600


def test_python_file_passed_as_FILE_pointer(ffi, tmp_path):
    ffi.cdef("int fputs(const char *, FILE *);")
    C = ffi.dlopen(None)
    name = tmp_path / "out.txt"
    with open(name, "wb") as f:
        f.write(b"[")
        C.fputs(b"hello", f)
        f.write(b"][")
        C.fputs(b"more", f)
        f.write(b"]")
    assert name.read_bytes() == b"[hello][more]"


def test_repeated_integer_calls_keep_every_check(lib):
    # The first call of an all-integer function switches it to a faster
    # entry in rcffi; later calls must still convert and check the same.
    for _ in range(3):
        # each returns x + 1, wrapped to its C type
        assert lib.tl_schar(-128) == -127
        assert lib.tl_schar(127) == -128
        assert lib.tl_uchar(255) == 0
        assert lib.tl_ushort(65534) == 65535
        assert lib.tl_uint(4294967295) == 0
        assert lib.tl_ulong(2**64 - 2) == 2**64 - 1
        assert lib.tl_short(True) == 2
        with pytest.raises(OverflowError):
            lib.tl_schar(128)
        with pytest.raises(OverflowError):
            lib.tl_uchar(-1)
        with pytest.raises(OverflowError):
            lib.tl_ushort(65536)
        with pytest.raises(TypeError):
            lib.tl_short(1.5)
        with pytest.raises(TypeError):
            lib.tl_short()
        with pytest.raises(TypeError):
            lib.tl_short(x=1)


def test_repeated_pointer_calls_accept_every_form(ffi, lib):
    # pointers take the faster entry only for cdata of exactly the
    # parameter's type; every other accepted form must keep working
    buf = ffi.new("char[]", b"hello")
    exact = ffi.cast("char *", buf)
    for _ in range(3):
        assert lib.tl_strlen(exact) == 5
        assert lib.tl_strlen(buf) == 5
        assert lib.tl_strlen(b"abc") == 3
        assert lib.tl_strlen(ffi.cast("void *", buf)) == 5
        with pytest.raises(TypeError):
            lib.tl_strlen(ffi.new("int[]", 3))
        with pytest.raises(TypeError):
            lib.tl_strlen(42)


def test_struct_libffi_cannot_pass_fails_at_call_not_at_lookup(ffi_mod):
    ffi = ffi_mod.FFI()
    ffi.cdef("struct bf { int a:3; }; union u { int i; float f; };"
             "int abs(struct bf); int labs(union u);")
    libc = ffi.dlopen(None)
    f, g = libc.abs, libc.labs  # fetching works, as in cffi
    with pytest.raises(NotImplementedError, match="ctype 'struct bf' not supported as argument.  "
                                                  "It is a struct with bit fields"):
        f(ffi.new("struct bf *")[0])
    with pytest.raises(NotImplementedError, match="ctype 'union u' not supported as argument by libffi.  "
                                                  "Unions are only supported as argument if the function is 'API mode'"):
        g(ffi.new("union u *")[0])


@pytest.mark.parametrize("cdef, kwds, detail", [
    ("struct s { char a; int b; };", {"packed": True},
     "It is a 'packed' structure, with a different layout than expected by libffi"),
    ("struct s { int n; int a[0]; };", {},
     "It is a struct with a zero-length array, which libffi does not support"),
    ("struct s { int x; struct { int y; }; };", {},
     'It is a struct declared with "...;", but the C calling convention may depend on the missing fields; '
     "or, it contains anonymous struct/unions"),
])
def test_struct_libffi_cannot_pass_is_refused_in_cffis_words(ffi_mod, cdef, kwds, detail):
    # one rule for ABI mode and API-mode variadic calls (a zero-length
    # array field used to reach libffi and crash the process)
    ffi = ffi_mod.FFI()
    ffi.cdef(cdef + " int memcmp(struct s, struct s);", **kwds)
    memcmp = ffi.dlopen(None).memcmp
    with pytest.raises(NotImplementedError) as info:
        memcmp(ffi.new("struct s *")[0], ffi.new("struct s *")[0])
    assert str(info.value) == (
        "ctype 'struct s' not supported as argument.  %s.  Such structs are only supported as argument if the "
        "function is 'API mode' and non-variadic (i.e. declared inside ffibuilder.cdef()+ffibuilder.set_source() "
        "and not taking a final '...' argument)" % detail)


def test_repeated_long_calls_across_digit_boundaries(lib):
    values = [0, 1, -1, 2**30 - 1, 2**30, -(2**30) + 1, -(2**30), 2**31, -(2**62), 2**62, 2**63 - 2]
    for _ in range(2):
        for v in values:
            assert lib.tl_long(v) == v + 1


def test_mixed_integer_and_floating_point_arguments_in_any_order(ffi_mod):
    ffi = ffi_mod.FFI()
    ffi.cdef("double ldexp(double, int); double fma(double, double, double);"
             "float ldexpf(float, int); double pow(double, double);")
    m = ffi.dlopen("m")
    for _ in range(2):
        assert m.ldexp(0.75, 3) == 6.0
        assert m.ldexpf(0.5, -1) == 0.25
        assert m.fma(2.0, 3.0, 0.5) == 6.5
        assert m.pow(2, 10) == 1024.0  # ints are accepted for doubles
        with pytest.raises(TypeError):
            m.ldexp("x", 1)
        with pytest.raises(TypeError):
            m.ldexp(1.0, 1.5)


def test_none_is_no_struct_argument(ffi):
    # None means "no initializer" to ffi.new(), but a struct argument needs
    # a value (cffi: TypeError; rcffi passed a zeroed struct); the
    # arguments are converted left to right, so this error comes first
    ffi.cdef("struct s4 { unsigned long long f1; char f2[6]; };")
    cb = ffi.callback("int(struct s4, float)", lambda *a: 7)
    with pytest.raises(TypeError, match="initializer for ctype 'struct s4' must be a list or tuple or dict or struct-cdata, not NoneType"):
        cb(None, 1.0)
    with pytest.raises(TypeError, match="struct s4"):
        cb(None, 2**1024)
    assert cb({}, 1.0) == 7
