"""Var-sized structs: a record ending in a flexible array member `T x[]`.

The length `ffi.new()` gives it (from the initializer) is the field's
length afterwards: reading, writing, `len()`, slices, `sizeof`, `buffer`.
Writes never go past the memory: cffi writes a too-long list past the end
of the allocation (a heap overflow), rcffi refuses it (docs/compat.md)."""

import sys

import pytest

from conftest import IMPL_NAME

RCFFI = IMPL_NAME == "rcffi"
# what cffi does with these is a write past the allocation
rcffi_only = pytest.mark.skipif(not RCFFI, reason="cffi writes past the memory (heap overflow)")

CDEF = """
typedef struct { double x, y; } cpVect;
typedef struct { int count, capacity; cpVect verts[]; } cpPolyline;
struct outer { int k; cpPolyline inner; };
struct text { int n; char data[]; };
struct wtext { int n; wchar_t data[]; };
union u { int n; int a[]; };
struct zero { int n; int a[0]; };
struct one { int n; int a[1]; };
"""

N = 7


@pytest.fixture
def vffi(ffi):
    ffi.cdef(CDEF)
    return ffi


@pytest.fixture(params=["dict-length", "list-length", "list-items"])
def poly(vffi, request):
    """A cpPolyline of N items, made the three ways that allocate them."""
    init = {
        "dict-length": {"verts": N},
        "list-length": [0, 0, N],
        "list-items": [0, 0, [(0, 0)] * N],
    }[request.param]
    return vffi.new("cpPolyline *", init)


def xs(p):
    return [v.x for v in p.verts]


def test_length_chosen_at_new_is_the_field_length(vffi, poly):
    size = 8 + 16 * N
    assert vffi.sizeof("cpPolyline") == 8
    assert vffi.sizeof(poly[0]) == size
    assert vffi.sizeof(poly) == vffi.sizeof("void *")
    assert repr(poly) == "<cdata 'cpPolyline *' owning %d bytes>" % size
    assert repr(poly[0]) == "<cdata 'cpPolyline' owning %d bytes>" % size
    assert repr(poly.verts) == "<cdata 'cpVect[]' sliced length %d>" % N
    assert vffi.typeof(poly.verts) is vffi.typeof("cpVect[]")
    assert len(poly.verts) == N and len(poly[0].verts) == N
    assert len(vffi.buffer(poly)) == size
    assert vffi.sizeof(poly.verts) == 16 * N
    assert len(vffi.buffer(poly.verts)) == 16 * N
    assert len(vffi.unpack(poly.verts, N)) == N


def test_indexing_is_bounded_by_the_allocated_length(vffi, poly):
    poly.verts[N - 1].x = 2.5
    assert poly.verts[N - 1].x == 2.5
    with pytest.raises(IndexError, match=r"index too large for cdata 'cpVect\[\]' \(expected %d < %d\)" % (N, N)):
        poly.verts[N]
    with pytest.raises(IndexError):
        poly.verts[N] = (1, 1)
    with pytest.raises(IndexError, match="negative index"):
        poly.verts[-1]


def test_slices_are_bounded_by_the_allocated_length(vffi, poly):
    s = poly.verts[2:5]
    assert repr(s) == "<cdata 'cpVect[]' sliced length 3>"
    poly.verts[5:7] = [(5, 0), (6, 0)]
    assert xs(poly)[5:] == [5.0, 6.0]
    with pytest.raises(IndexError, match=r"index too large \(expected %d <= %d\)" % (N + 1, N)):
        poly.verts[2:N + 1]


def test_assigning_the_field_a_list_of_its_length(vffi, poly):
    poly.verts = [(i, -i) for i in range(N)]
    assert xs(poly) == [float(i) for i in range(N)]
    assert poly.verts[N - 1].y == -(N - 1)
    # a shorter list writes its items and leaves the others
    poly.verts = [(9, 9)] * 3
    assert xs(poly) == [9.0, 9.0, 9.0, 3.0, 4.0, 5.0, 6.0]
    # through the struct, and through p[0] = {...}
    poly[0].verts = [(1, 1)] * N
    assert xs(poly) == [1.0] * N
    poly[0] = {"count": 2, "verts": [(2, 0)] * N}
    assert poly.count == 2 and xs(poly) == [2.0] * N
    # a length alone in a whole-struct initializer leaves the items
    poly[0] = {"count": 3, "verts": 3}
    assert poly.count == 3 and xs(poly) == [2.0] * N


def test_assigning_the_field_another_var_array(vffi, poly):
    other = vffi.new("cpPolyline *", {"verts": [(8, 8)] * 3})
    poly.verts = other.verts
    assert xs(poly)[:3] == [8.0] * 3


def test_assigning_the_field_a_length_is_a_type_error(vffi, poly):
    with pytest.raises(TypeError, match=r"initializer for ctype 'cpVect\[\]' must be a list or tuple, not int"):
        poly.verts = 5


@rcffi_only
def test_too_long_writes_are_refused(vffi, poly):
    before = bytes(vffi.buffer(poly))
    with pytest.raises(IndexError, match=r"too many initializers for 'cpVect\[\]' \(got %d\)" % (N + 1)):
        poly.verts = [(1, 1)] * (N + 1)
    with pytest.raises(IndexError, match=r"too many initializers for 'cpVect\[\]' \(got %d\)" % (N + 1)):
        poly[0] = {"verts": [(1, 1)] * (N + 1)}
    with pytest.raises(IndexError, match=r"too many initializers for 'cpVect\[\]' \(got %d\)" % (N + 1)):
        poly[0].verts = [(1, 1)] * (N + 1)
    longer = vffi.new("cpPolyline *", {"verts": N + 1})
    with pytest.raises(IndexError, match=r"too many initializers for 'cpVect\[\]' \(got %d\)" % (N + 1)):
        poly.verts = longer.verts
    assert bytes(vffi.buffer(poly)) == before


@rcffi_only
def test_without_items_the_field_has_no_room(vffi):
    p = vffi.new("cpPolyline *")
    assert vffi.sizeof(p[0]) == 8 and len(p.verts) == 0
    with pytest.raises(IndexError):
        p.verts[0]
    with pytest.raises(IndexError, match=r"too many initializers for 'cpVect\[\]' \(got 1\)"):
        p.verts = [(1, 1)]
    # an element of an array of var-sized structs has its own size only
    arr = vffi.new("cpPolyline[2]")
    arr[1] = {"count": 5}
    assert arr[1].count == 5
    with pytest.raises(IndexError, match=r"too many initializers for 'cpVect\[\]' \(got 1\)"):
        arr[1] = {"verts": [(1, 1)]}


def test_memory_of_other_owners_has_its_own_extent(vffi):
    # ffi.gc() of a var-sized struct, an allocator's, a buffer's
    g = vffi.gc(vffi.new("cpPolyline *", {"verts": 2}), lambda p: None)
    g.verts = [(1, 2), (3, 4)]
    assert g.verts[1].y == 4.0
    q = vffi.new_allocator()("cpPolyline *", {"verts": 4})
    assert vffi.sizeof(q[0]) == 8 + 4 * 16 and len(q.verts) == 4
    q.verts = [(1, 1)] * 4
    ba = bytearray(8 + 16 * 3)
    fb = vffi.from_buffer("cpPolyline *", ba)
    fb.verts = [(1, 2)] * 3
    assert ba[-8:] == bytes(vffi.buffer(vffi.new("double *", 2.0)))
    if RCFFI:
        for p, n in ((g, 2), (fb, 3)):
            with pytest.raises(IndexError, match=r"\(got %d\)" % (n + 1)):
                p.verts = [(1, 1)] * (n + 1)


def test_char_and_wchar_flexible_arrays(vffi):
    s = vffi.new("struct text *", {"data": b"hello"})
    assert vffi.sizeof(s[0]) == 4 + 6 and len(s.data) == 6
    assert vffi.string(s.data) == b"hello"
    s.data = b"abc"
    assert vffi.string(s.data) == b"abc"
    s.data = b"HELLO"
    assert vffi.string(s.data) == b"HELLO"
    w = vffi.new("struct wtext *", {"data": "hi"})
    assert len(w.data) == 3 and vffi.string(w.data) == "hi"
    w.data = "ab"
    assert vffi.string(w.data) == "ab"
    if RCFFI:
        with pytest.raises(IndexError, match=r"initializer bytes is too long for 'char\[\]' \(got 7 characters\)"):
            s.data = b"abcdefg"


def test_union_with_a_flexible_array(vffi):
    u = vffi.new("union u *", {"a": [1, 2, 3]})
    assert vffi.sizeof(u[0]) == 12 and len(u.a) == 3
    assert list(u.a) == [1, 2, 3] and u.n == 1
    u.a = [4, 5, 6]
    assert list(u.a) == [4, 5, 6]
    assert vffi.sizeof(vffi.new("union u *", [5])[0]) == 4
    if RCFFI:
        with pytest.raises(IndexError):
            u.a = [1, 2, 3, 4]


def test_nested_var_sized_struct(vffi):
    assert vffi.sizeof("struct outer") == 16
    po = vffi.new("struct outer *", {"inner": {"verts": 3}})
    assert vffi.sizeof(po[0]) == 16 + 3 * 16
    assert repr(po) == "<cdata 'struct outer *' owning 64 bytes>"
    # the inner struct is not the allocation: its field reads as a pointer
    assert vffi.typeof(po.inner.verts) is vffi.typeof("cpVect *")
    po.inner.verts = [(1, 2)] * 3
    assert po.inner.verts[2].y == 2.0
    po2 = vffi.new("struct outer *", [1, [1, 2, [(1, 2), (3, 4)]]])
    assert vffi.sizeof(po2[0]) == 48 and po2.inner.verts[1].y == 4.0
    if RCFFI:
        with pytest.raises(IndexError, match=r"\(got 4\)"):
            po.inner.verts = [(1, 2)] * 4
        with pytest.raises(IndexError, match=r"\(got 4\)"):
            po.inner = {"verts": [(1, 2)] * 4}


def test_zero_and_one_length_arrays_are_not_var_sized(vffi):
    # cffi treats `T a[0]` and `T a[1]` as fixed: no var-sized allocation
    with pytest.raises(TypeError, match=r"initializer for ctype 'int\[0\]' must be a list or tuple, not int"):
        vffi.new("struct zero *", {"a": 5})
    with pytest.raises(IndexError, match=r"too many initializers for 'int\[0\]' \(got 3\)"):
        vffi.new("struct zero *", [1, [1, 2, 3]])
    z = vffi.new("struct zero *")
    assert vffi.sizeof(z[0]) == 4
    assert vffi.typeof(z.a) is vffi.typeof("int *")  # an `int[0]` field reads as a pointer
    with pytest.raises(IndexError, match=r"too many initializers for 'int\[1\]' \(got 3\)"):
        vffi.new("struct one *", [1, [1, 2, 3]])
    o = vffi.new("struct one *", {"a": [5]})
    assert vffi.sizeof(o[0]) == 8 and len(o.a) == 1 and o.a[0] == 5
    with pytest.raises(IndexError):
        o.a[1]


def test_huge_lengths_are_errors(vffi):
    with pytest.raises(OverflowError, match="array size would overflow a Py_ssize_t"):
        vffi.new("cpPolyline *", {"verts": sys.maxsize})
    with pytest.raises(MemoryError):
        vffi.new("cpPolyline *", {"verts": sys.maxsize // 16})
    with pytest.raises(OverflowError):
        vffi.new("cpPolyline *", {"verts": 2 ** 64})
    with pytest.raises(ValueError, match="negative array length"):
        vffi.new("cpPolyline *", [1, 2, -1])


def test_pointer_to_open_array(vffi):
    buf = vffi.new("int[4]", [1, 2, 3, 4])
    q = vffi.cast("int(*)[]", buf)
    first = q[0]  # the array, of unknown length: a pointer to its first item
    assert vffi.typeof(first) is vffi.typeof("int *") and first[3] == 4
    q[0] = [7, 8]
    assert list(buf) == [7, 8, 3, 4]
    with pytest.raises(TypeError, match=r"ctype 'int\(\*\)\[\]' points to items of unknown size"):
        q + 1
    with pytest.raises(ValueError, match=r"'int\(\*\)\[\]' points to items of unknown size"):
        vffi.unpack(q, 2)
    with pytest.raises(ValueError, match=r"array item of unknown size: 'int\[\]'"):
        q[0:2]
    p = vffi.new("cpPolyline *", {"verts": 2})
    a = vffi.addressof(p[0], "verts")
    assert vffi.typeof(a) is vffi.typeof("cpVect(*)[]")
    assert vffi.typeof(a[0]) is vffi.typeof("cpVect *")
    a[0] = [(3, 4), (5, 6)]
    assert p.verts[1].y == 6.0
    if RCFFI:
        # cffi computes an address from the size -1 here
        with pytest.raises(TypeError, match="points to items of unknown size"):
            q[1]
        with pytest.raises(IndexError, match=r"\(got 3\)"):
            a[0] = [(1, 1)] * 3
