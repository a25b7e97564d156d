"""Sizes near and beyond what a Py_ssize_t holds: a large record or array
gets its real size (and `ffi.new` a MemoryError), a too large one an
OverflowError -- never a size that wrapped around to a small number (which
let `ffi.new` allocate a few bytes and writes go far outside them)."""

import pytest

from conftest import IMPL_NAME

TOO_LARGE = "array size would overflow a Py_ssize_t"


def test_large_record_has_its_real_size_and_cannot_be_allocated(ffi):
    ffi.cdef("struct s { int x; char a[0x2000000000000000]; };")
    assert ffi.sizeof("struct s") == 0x2000000000000000 + 4
    assert ffi.offsetof("struct s", "a") == 4
    with pytest.raises(MemoryError):
        ffi.new("struct s *")
    with pytest.raises(MemoryError):
        ffi.new("struct s[]", 2)


def test_large_fields_add_up_exactly(ffi):
    ffi.cdef("typedef char T[0x4000000000000000];\n"
             "struct s { T a; char b; };\n"
             "union u { T a; char b; };")
    assert ffi.sizeof("struct s") == 0x4000000000000001
    assert ffi.offsetof("struct s", "b") == 0x4000000000000000
    assert ffi.sizeof("union u") == 0x4000000000000000


@pytest.mark.parametrize("src, ty", [
    ("struct s { int x; int a[0x2000000000000000]; };", "struct s"),
    ("struct s { int x; int a[0x1000000000000000][2]; };", "struct s"),
    ("struct in { char a[0x1000000000000000]; };\nstruct s { struct in x[8]; };", "struct s"),
    ("typedef char T[0x2000000000000000];", "T[4]"),
])
def test_array_beyond_a_ssize_t_is_overflow_error(ffi, src, ty):
    ffi.cdef(src)
    with pytest.raises(OverflowError) as info:
        ffi.sizeof(ty)
    assert TOO_LARGE in str(info.value)


@pytest.mark.skipif(IMPL_NAME == "cffi", reason="cffi's record layout wraps around here (sizeof 4, "
                    "and ffi.new allocates 4 bytes); rcffi raises")
@pytest.mark.parametrize("src, field", [
    ("struct s { int x; char a[0x7ffffffffffffffc]; };", "a"),
    ("typedef char T[0x4000000000000000];\nstruct s { T a, b; };", "b"),
    ("struct s { char a[0x7fffffffffffffff]; int b : 3; };", "b"),
])
def test_record_beyond_a_ssize_t_is_overflow_error(ffi, src, field):
    ffi.cdef(src)
    for op in (lambda: ffi.sizeof("struct s"), lambda: ffi.new("struct s *"),
               lambda: ffi.offsetof("struct s", field)):
        with pytest.raises(OverflowError) as info:
            op()
        assert str(info.value) == "size of 'struct s' would overflow a Py_ssize_t (at field '%s')" % field


def test_new_array_of_huge_length(ffi):
    ffi.cdef("typedef char T[0x2000000000000000];")
    with pytest.raises(MemoryError):
        ffi.new("char[]", 2 ** 62)
    with pytest.raises(MemoryError):
        ffi.new("T[]", 3)
    # the byte count would not fit a Py_ssize_t (or a size_t)
    for ty, n in [("long[]", 2 ** 60), ("long[]", 2 ** 61), ("T[]", 4)]:
        with pytest.raises(OverflowError) as info:
            ffi.new(ty, n)
        assert str(info.value) == TOO_LARGE
    # the length itself does not fit a Py_ssize_t
    for n in (2 ** 63, 2 ** 64):
        with pytest.raises(OverflowError):
            ffi.new("char[]", n)


def test_new_var_sized_struct_of_huge_length(ffi):
    ffi.cdef("struct v { int n; long a[]; };")
    with pytest.raises(MemoryError):
        ffi.new("struct v *", [1, 2 ** 59])
    with pytest.raises(MemoryError):
        ffi.new("struct v *", {"a": 2 ** 59})
    for init in ([1, 2 ** 60], [1, 2 ** 61], {"a": 2 ** 62}):
        with pytest.raises(OverflowError) as info:
            ffi.new("struct v *", init)
        assert str(info.value) == TOO_LARGE
    # still usable at an ordinary length
    p = ffi.new("struct v *", [3, 4])
    assert p.n == 3 and len(p.a) == 4 and ffi.sizeof(p[0]) == 8 + 4 * 8
