"""Accesses through a pointer into memory rcffi owns stay inside it
(crates/python/src/object/cdata/extent.rs, docs/compat.md "Pointers into owned
memory"): an index, a slice, ``ffi.memmove``, ``ffi.unpack`` or
``ffi.string`` that would leave an ``ffi.new()``, allocator or
``ffi.from_buffer()`` block raises instead of reading or writing past it.
cffi checks only array lengths and ``p[i]`` of an owning pointer, so on
cffi these are heap overflows (undefined behaviour): rcffi only.
"""

import pytest

from conftest import IMPL_NAME

pytestmark = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="cffi: undefined behaviour (a heap overflow)")


def test_slice_assignment_past_an_owned_complex_is_refused(ffi):
    # the difftest finding: 32 bytes written into a 16-byte block
    p = ffi.gc(ffi.new("double _Complex *"), lambda _: None)
    with pytest.raises(IndexError, match=r"slice \[0:2\].*outside the memory it points into"):
        p[0:2] = [0, 0]
    p[0:1] = [3j]
    assert p[0] == 3j


def test_index_of_a_gc_pointer_to_owned_memory_is_bounded(ffi):
    p = ffi.gc(ffi.new("int *", 7), lambda _: None)
    assert p[0] == 7
    with pytest.raises(IndexError, match="index 1 of cdata 'int \\*'"):
        p[1]
    with pytest.raises(IndexError):
        p[1] = 5
    with pytest.raises(IndexError):
        p[-1]


def test_pointer_arithmetic_inside_an_array_stays_usable(ffi):
    a = ffi.new("int[4]", [10, 11, 12, 13])
    q = a + 1
    assert [q[-1], q[0], q[2]] == [10, 11, 13]
    assert list(q[0:3]) == [11, 12, 13]
    q[0:3] = [1, 2, 3]
    assert list(a) == [10, 1, 2, 3]
    end = a + 4  # one past the end: a valid pointer, not a valid item
    assert end - a == 4
    assert len(end[0:0]) == 0


@pytest.mark.parametrize("access", [
    lambda q: q[3],
    lambda q: q[-2],
    lambda q: q.__setitem__(3, 1),
    lambda q: q[0:4],
    lambda q: q[-2:1],
    lambda q: q.__setitem__(slice(1, 4), [1, 2, 3]),
])
def test_pointer_arithmetic_past_an_array_is_refused(ffi, access):
    a = ffi.new("int[4]")
    with pytest.raises(IndexError, match="outside the memory it points into"):
        access(a + 1)
    assert list(a) == [0, 0, 0, 0]


def test_memmove_past_owned_memory_is_refused(ffi):
    a = ffi.new("int[4]")
    with pytest.raises(ValueError, match=r"ffi.memmove\(\): 20 bytes do not fit.*\(16 bytes\)"):
        ffi.memmove(a, b"x" * 20, 20)
    with pytest.raises(ValueError, match=r"12 bytes\)"):
        ffi.memmove(a + 1, b"x" * 16, 16)
    with pytest.raises(ValueError):  # as a source too
        ffi.memmove(bytearray(32), a, 17)
    ffi.memmove(a + 1, b"\x01" * 12, 12)
    assert list(a)[1:] == [0x01010101] * 3


def test_unpack_past_owned_memory_is_refused(ffi):
    a = ffi.new("short[3]", [1, 2, 3])
    assert ffi.unpack(a + 1, 2) == [2, 3]
    with pytest.raises(ValueError, match=r"ffi.unpack\(\): 6 bytes"):
        ffi.unpack(a + 1, 3)
    c = ffi.new("char[]", b"ab")
    with pytest.raises(ValueError):
        ffi.unpack(c + 1, 5)


def test_string_stops_at_the_end_of_owned_memory(ffi):
    c = ffi.new("char[4]")
    ffi.memmove(c, b"wxyz", 4)  # no NUL inside the block
    assert ffi.string(c + 0) == b"wxyz"
    assert ffi.string(c + 2) == b"yz"
    assert ffi.string(c + 4) == b""
    w = ffi.new("wchar_t[2]")
    ffi.memmove(w, ffi.new("wchar_t[2]", "ab"), ffi.sizeof(w))
    assert ffi.string(w + 0) == "ab"


def test_from_buffer_memory_is_bounded(ffi):
    b = bytearray(8)
    p = ffi.from_buffer(b) + 4
    p[3] = b"z"
    assert b[7:] == b"z"
    with pytest.raises(IndexError):
        p[4] = b"!"
    assert len(b) == 8


def test_allocator_memory_is_bounded(ffi):
    alloc = ffi.new_allocator()
    p = alloc("long long[2]") + 1
    p[0] = 5
    with pytest.raises(IndexError):
        p[1] = 5


def test_memory_from_c_is_not_checked(ffi):
    # rcffi cannot place it: cffi's behaviour (cast pointers hold nothing)
    a = ffi.new("int[4]", [1, 2, 3, 4])
    p = ffi.cast("int *", a)
    assert p[3] == 4
    assert list(p[0:4]) == [1, 2, 3, 4]


def test_owning_pointer_index_keeps_cffi_message(ffi):
    p = ffi.new("int *")
    with pytest.raises(IndexError, match="can only be indexed by 0"):
        p[1]


def test_slice_with_huge_bounds_is_an_index_error(ffi):
    p = ffi.cast("int *", 0)
    with pytest.raises(IndexError):
        p[-(2**62):2**62]


def test_fields_through_a_struct_pointer_past_the_block_are_refused(ffi):
    ffi.cdef("struct fx { int a; double b; char c[4]; }; struct fv { int n; int d[]; };")
    q = ffi.new("struct fx *") + 1
    with pytest.raises(IndexError, match=r"field 'b' of cdata 'struct fx \*' is outside the memory it points into \(8 bytes at offset 32 of 24\)"):
        q.b
    with pytest.raises(IndexError, match="field 'a'"):
        q.a = 1          # an exact int: the fast store path
    with pytest.raises(IndexError, match="field 'c'"):
        q.c
    # a struct pointer over a buffer too small for it: only the fields
    # inside the buffer are usable
    small = ffi.from_buffer("struct fx *", bytearray(6))
    small.a = 5
    assert small.a == 5
    with pytest.raises(IndexError, match="field 'b'"):
        small.b = 1.5
    with pytest.raises(IndexError, match="field 'n'"):
        ffi.from_buffer("struct fv *", bytearray(2)).n
    # inside an array of structs: every element's fields work
    arr = ffi.new("struct fx[3]")
    last = arr + 2
    last.b = 2.5
    assert arr[2].b == 2.5 and (arr + 1).a == 0


def test_a_packed_bit_field_whose_unit_overhangs_the_struct_is_usable(ffi):
    # the 8-byte unit of `b` starts at offset 1 of a 7-byte struct: only
    # the 5 bytes its 40 bits span are touched, and they are inside
    ffi.cdef("struct pk { char x; int a:5; long long b:40; short c:3; };", packed=True)
    s = ffi.new("struct pk *")
    s.a, s.b, s.c = -5, 2**39 - 1, -2
    assert (ffi.sizeof("struct pk"), s.a, s.b, s.c) == (7, -5, 2**39 - 1, -2)


def test_structs_from_unpack_keep_the_memory_they_show(ffi):
    # as items and slices do: the bytearray stays exported, so it cannot
    # move while a struct from ffi.unpack shows it
    ffi.cdef("struct up { int a; int b; };")
    ba = bytearray(32)
    p = ffi.from_buffer("struct up[]", ba)
    items = ffi.unpack(p, 4)
    ffi.release(p)
    with pytest.raises(BufferError):
        ba.extend(b"x" * 100000)
    items[3].b = 7
    assert ba[28] == 7
    del items
    ba.extend(b"x" * 100000)   # free again
