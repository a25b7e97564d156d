"""How Python objects become C integers, entry point by entry point, as
cffi 2.0 takes them: casts call `__int__` (so a float NaN or infinity is
refused as `int()` refuses it), stores (`ffi.new`, fields, items, call
arguments) take ints and objects with `__int__` but refuse floats and
objects with only `__index__`, bitfields take C's `long long` (through
`__index__`); and a `_Bool` byte other than 0 or 1 is not read as True."""

import math
import sys
from decimal import Decimal
from fractions import Fraction

import pytest


class OnlyInt:
    """An object with `__int__` and no `__index__` (as `Decimal`)."""

    def __int__(self):
        return 5

    def __str__(self):
        return "OnlyInt(5)"


class OnlyIndex:
    """An object with `__index__` and no `__int__`."""

    def __index__(self):
        return 6

    def __str__(self):
        return "OnlyIndex(6)"


INT_TYPES = ["char", "int8_t", "uint8_t", "short", "int", "unsigned int",
             "long long", "unsigned long long", "wchar_t", "char16_t",
             "char32_t", "int *", "enum e"]


@pytest.fixture
def effi(ffi):
    ffi.cdef("enum e { E0, E1 }; struct s { int x; unsigned char u; _Bool b; int bf:3; _Bool bb:1; };"
             "int abs(int); long labs(long);")
    return ffi


# ------------------------------------------------------------------- casts

@pytest.mark.parametrize("tp", INT_TYPES)
def test_cast_of_nan_to_an_integer_type_is_valueerror(effi, tp):
    with pytest.raises(ValueError, match="cannot convert float NaN to integer"):
        effi.cast(tp, math.nan)


@pytest.mark.parametrize("tp", INT_TYPES)
@pytest.mark.parametrize("inf", [math.inf, -math.inf])
def test_cast_of_infinity_to_an_integer_type_is_overflowerror(effi, tp, inf):
    with pytest.raises(OverflowError, match="cannot convert float infinity to integer"):
        effi.cast(tp, inf)


@pytest.mark.parametrize("src", ["double", "float", "long double"])
def test_cast_of_a_float_cdata_holding_nan_or_inf(effi, src):
    with pytest.raises(ValueError, match="NaN"):
        effi.cast("int", effi.cast(src, math.nan))
    with pytest.raises(OverflowError, match="infinity"):
        effi.cast("long long", effi.cast(src, math.inf))


def test_cast_of_a_huge_float_keeps_the_low_64_bits_of_its_integer(effi):
    # int(1e40) is exact; its low 64 bits are all zero, as cffi gives
    assert int(effi.cast("long long", 1e40)) == int(1e40) & (2**64 - 1)
    assert int(effi.cast("unsigned long long", -1e40)) == (-int(1e40)) & (2**64 - 1)
    assert int(effi.cast("long long", effi.cast("double", 1e40))) == 0
    assert int(effi.cast("int", -1.5)) == -1
    assert int(effi.cast("int", 3.7)) == 3


def test_cast_to_bool_of_nan_and_infinity_is_true(effi):
    assert int(effi.cast("_Bool", math.nan)) == 1
    assert int(effi.cast("_Bool", math.inf)) == 1


@pytest.mark.parametrize("value, expected", [
    (Decimal(3), 3), (Decimal("3.5"), 3), (Fraction(7, 2), 3), (OnlyInt(), 5)])
def test_cast_takes_objects_through_int(effi, value, expected):
    if isinstance(value, Fraction) and sys.version_info < (3, 11):
        # Fraction has __int__ from Python 3.11 on; before, cffi refuses it too
        with pytest.raises(TypeError, match="an integer is required"):
            effi.cast("int", value)
        return
    assert int(effi.cast("int", value)) == expected
    assert int(effi.cast("unsigned char", value)) == expected
    assert int(effi.cast("_Bool", value)) == 1


def test_cast_refuses_an_object_with_only_index(effi):
    with pytest.raises(TypeError, match="an integer is required"):
        effi.cast("int", OnlyIndex())


# ------------------------------------------------------------------ stores

def _stores(ffi, tp):
    """Every way to store one value into a C object of type `tp`."""
    def new(v):
        return ffi.new(tp + " *", v)[0]

    def item(v):
        p = ffi.new(tp + "[2]")
        p[1] = v
        return p[1]

    def array_init(v):
        return ffi.new(tp + "[]", [v])[0]

    def field(v):
        field = {"int": "x", "unsigned char": "u", "_Bool": "b"}[tp]
        s = ffi.new("struct s *")
        setattr(s, field, v)
        return getattr(s, field)

    def struct_init(v):
        field = {"int": "x", "unsigned char": "u", "_Bool": "b"}[tp]
        return getattr(ffi.new("struct s *", {field: v}), field)

    return {"new": new, "item": item, "array_init": array_init,
            "field": field, "struct_init": struct_init}


STORES = ["new", "item", "array_init", "field", "struct_init"]


@pytest.mark.parametrize("how", STORES)
@pytest.mark.parametrize("tp", ["int", "unsigned char"])
def test_stores_take_objects_with_int(effi, tp, how):
    store = _stores(effi, tp)[how]
    assert store(Decimal(3)) == 3
    assert store(OnlyInt()) == 5


@pytest.mark.parametrize("how", STORES)
@pytest.mark.parametrize("tp", ["int", "unsigned char", "_Bool"])
def test_stores_refuse_objects_with_only_index(effi, tp, how):
    store = _stores(effi, tp)[how]
    with pytest.raises(TypeError, match="an integer is required"):
        store(OnlyIndex())


@pytest.mark.parametrize("how", STORES)
def test_stores_refuse_floats_and_float_cdata(effi, how):
    store = _stores(effi, "int")[how]
    for value in [3.0, math.nan, effi.cast("double", 2.0)]:
        with pytest.raises(TypeError, match="an integer is required"):
            store(value)


def test_store_of_int_returning_non_int_is_typeerror(effi):
    class Bad:
        def __int__(self):
            return 2.5
    with pytest.raises(TypeError, match="integer conversion failed"):
        effi.new("int *", Bad())


def test_store_overflow_names_the_object_as_str_prints_it(effi):
    with pytest.raises(OverflowError, match=r"^integer 300 does not fit 'unsigned char'$"):
        effi.new("unsigned char *", Decimal(300))
    with pytest.raises(OverflowError, match=r"^integer OnlyInt\(5\) does not fit '_Bool'$"):
        effi.new("_Bool *", OnlyInt())
    with pytest.raises(OverflowError, match="can't convert negative number to unsigned"):
        effi.new("unsigned char *", Decimal(-3))


def test_store_of_a_huge_int_into_bool_is_too_big(effi):
    with pytest.raises(OverflowError, match="int too big to convert"):
        effi.new("_Bool *", 2**70)
    with pytest.raises(OverflowError, match="can't convert negative number to unsigned"):
        effi.new("unsigned int *", -2**70)


def test_call_arguments_are_taken_as_stores(effi):
    lib = effi.dlopen(None)
    assert lib.abs(Decimal(-3)) == 3
    assert lib.labs(OnlyInt()) == 5
    for bad in [OnlyIndex(), 2.0, effi.cast("double", 2.0)]:
        with pytest.raises(TypeError, match="an integer is required"):
            lib.abs(bad)


# --------------------------------------------------------------- bitfields

def test_bitfield_takes_index_but_not_int(effi):
    s = effi.new("struct s *")
    class Two:
        def __index__(self):
            return 2
    s.bf = Two()
    assert s.bf == 2
    if sys.version_info < (3, 10):
        # Python 3.9's C API still takes __int__ there (deprecated), for
        # cffi as for rcffi
        for value in [Decimal(1), effi.cast("int", 1)]:
            s.bf = 0
            with pytest.warns(DeprecationWarning):
                s.bf = value
            assert s.bf == 1
        return
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        s.bf = OnlyInt()
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        s.bf = Decimal(1)
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        s.bf = effi.cast("int", 1)


def test_bitfield_range_error_names_the_object_as_str_prints_it(effi):
    s = effi.new("struct s *")
    with pytest.raises(OverflowError, match=r"^value OnlyIndex\(6\) outside the range allowed by "
                                            r"the bit field width: -4 <= x <= 3$"):
        s.bf = OnlyIndex()
    with pytest.raises(OverflowError, match="int too big to convert"):
        s.bf = 2**70


def test_bool_bitfield_reads_as_int(effi):
    s = effi.new("struct s *")
    s.bb = True
    assert s.bb == 1 and type(s.bb) is int
    s.bb = 0
    assert s.bb == 0 and type(s.bb) is int


# ------------------------------------------------------------ _Bool reads

@pytest.fixture
def bad_bools(effi):
    raw = effi.new("unsigned char[4]", [2, 255, 1, 0])
    return raw, effi.cast("_Bool *", raw)


def test_bool_byte_other_than_0_or_1_is_valueerror(effi, bad_bools):
    raw, p = bad_bools
    with pytest.raises(ValueError, match=r"^got a _Bool of value 2, expected 0 or 1$"):
        p[0]
    with pytest.raises(ValueError, match=r"^got a _Bool of value 255, expected 0 or 1$"):
        p[1]
    assert p[2] is True and p[3] is False


def test_bool_byte_check_on_every_read_path(effi, bad_bools):
    raw, p = bad_bools
    with pytest.raises(ValueError, match="got a _Bool of value 2"):
        effi.unpack(p, 3)
    with pytest.raises(ValueError, match="got a _Bool of value 2"):
        list(effi.cast("_Bool[3]", raw))
    with pytest.raises(ValueError, match="got a _Bool of value 2"):
        effi.cast("_Bool(*)[3]", raw)[0][0]
    record = effi.new("unsigned char[]", effi.sizeof("struct s"))
    record[effi.offsetof("struct s", "b")] = 3
    with pytest.raises(ValueError, match="got a _Bool of value 3"):
        effi.cast("struct s *", record).b


def test_type_of_a_refused_object_is_named_by_its_c_level_name(effi):
    # cffi prints `tp_name`: module-qualified for extension types
    with pytest.raises(TypeError, match=r"must be a bytes of length 1, not decimal\.Decimal$"):
        effi.new("char *", Decimal(3))
    with pytest.raises(TypeError, match=r"must be a bytes of length 1, not OnlyInt$"):
        effi.new("char *", OnlyInt())
