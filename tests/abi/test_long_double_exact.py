"""A `long double` beyond `double`'s range keeps its value: its repr is
C's `%LE` of it, and it is a true `_Bool`."""

import ctypes.util

import pytest

from conftest import cffi_impl


@pytest.fixture
def libm(ffi):
    ffi.cdef("long double ldexpl(long double, int);")
    return ffi.dlopen(ctypes.util.find_library("m"))


def test_repr_of_values_beyond_double(ffi, libm):
    assert repr(libm.ldexpl(1.0, -1700)) == "<cdata 'long double' 1.774220E-512>"
    assert repr(libm.ldexpl(-1.0, 1700)) == "<cdata 'long double' -5.636281E+511>"
    assert repr(ffi.cast("long double", 1234567.5)) == "<cdata 'long double' 1.234568E+06>"
    assert repr(ffi.cast("long double", 0.0)) == "<cdata 'long double' 0.000000E+00>"


def test_tiny_long_double_is_true(ffi, libm):
    tiny = libm.ldexpl(1.0, -1700)
    assert float(tiny) == 0.0  # too small for a double
    assert int(ffi.cast("_Bool", tiny)) == 1
    assert int(ffi.cast("_Bool", ffi.cast("long double", 0.0))) == 0
