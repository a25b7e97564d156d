"""A var-sized struct in API mode: rcffi fills the items C reads, and reads
the items of one C allocated (docs: tests/abi/test_varsize.py)."""

import pytest

from conftest import IMPL_NAME

DECLS = """
typedef struct { double x, y; } cpVect;
typedef struct { int count, capacity; cpVect verts[]; } cpPolyline;
"""

SOURCE = DECLS + """
#include <stdlib.h>
double sum_x(cpPolyline *p) {
    double s = 0;
    for (int i = 0; i < p->count; i++) s += p->verts[i].x;
    return s;
}
cpPolyline *make(int n) {
    cpPolyline *p = calloc(1, sizeof(cpPolyline) + n * sizeof(cpVect));
    p->count = p->capacity = n;
    for (int i = 0; i < n; i++) p->verts[i].x = i;
    return p;
}
void destroy(cpPolyline *p) { free(p); }
"""


def test_var_sized_struct_shared_with_c(build):
    m = build(DECLS + "double sum_x(cpPolyline *); cpPolyline *make(int); void destroy(cpPolyline *);", SOURCE)
    ffi, lib = m.ffi, m.lib
    assert ffi.offsetof("cpPolyline", "verts") == 8
    p = ffi.new("cpPolyline *", {"count": 4, "verts": 4})
    assert ffi.sizeof(p[0]) == 8 + 4 * 16 and len(p.verts) == 4
    p.verts = [(1, 0), (2, 0), (3, 0), (4, 0)]
    assert lib.sum_x(p) == 10.0
    with pytest.raises(IndexError):
        p.verts[4]
    if IMPL_NAME == "rcffi":  # cffi writes past the allocation
        with pytest.raises(IndexError, match=r"too many initializers for 'cpVect\[\]' \(got 5\)"):
            p.verts = [(1, 0)] * 5
    # memory C allocated: its extent is unknown, the field reads as a pointer
    q = ffi.gc(lib.make(5), lib.destroy)
    assert ffi.typeof(q.verts) is ffi.typeof("cpVect *")
    assert q.verts[4].x == 4.0
    q.verts = [(10, 0)] * 5
    assert lib.sum_x(q) == 50.0
