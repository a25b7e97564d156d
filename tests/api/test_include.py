"""API mode: ``ffibuilder.include(other_ffibuilder)`` across compiled
modules. Importing the including module imports the included one; its
``ffi`` shares the included module's types (the same ctype objects, cdata
passed freely between the two), sees its typedefs, structs, enums and
integer constants, and its ``lib`` gives the included module's functions
and globals (cffi's ``doc/source/cdef.rst``, "ffi.include()")."""

import pytest

from conftest import cffi_impl

PARENT_CDEF = """
typedef double real_t;
typedef int... count_t;
struct point { int x, y; };
typedef struct { int w, h; } size_t2;
enum color { RED, GREEN = 5, BLUE };
#define LIMIT 17
static const int DEPTH;
int norm1(struct point *p);
extern int calls;
"""

PARENT_SOURCE = """
typedef double real_t;
typedef short count_t;
struct point { int x, y; };
typedef struct { int w, h; } size_t2;
enum color { RED, GREEN = 5, BLUE };
#define LIMIT 17
static const int DEPTH = 3;
int calls = 0;
int norm1(struct point *p) { calls++; return (p->x < 0 ? -p->x : p->x) + (p->y < 0 ? -p->y : p->y); }
"""


@pytest.fixture
def parent(build):
    ffi1 = cffi_impl.FFI()
    mod1 = build(PARENT_CDEF, PARENT_SOURCE, ffi=ffi1)
    return ffi1, mod1


@pytest.fixture
def child(build, parent):
    ffi1, mod1 = parent
    ffi = cffi_impl.FFI()
    ffi.include(ffi1)
    mod = build(
        """
        struct point *shift(struct point *p, real_t by);
        size_t2 area_box(count_t n);
        int favourite(enum color c);
        """,
        """
        typedef double real_t;
        typedef short count_t;
        struct point { int x, y; };
        typedef struct { int w, h; } size_t2;
        enum color { RED, GREEN = 5, BLUE };
        struct point *shift(struct point *p, real_t by) { p->x += (int)by; p->y += (int)by; return p; }
        size_t2 area_box(count_t n) { size_t2 s; s.w = n; s.h = 2 * n; return s; }
        int favourite(enum color c) { return c == BLUE; }
        """,
        ffi=ffi,
    )
    return mod1, mod


def test_types_are_shared(child):
    mod1, mod = child
    for t in ("struct point", "struct point *", "size_t2", "real_t", "count_t"):
        assert mod.ffi.typeof(t) is mod1.ffi.typeof(t), t
    # (cffi rebuilds an included enum in the including module: equal, not
    # necessarily the same object)
    assert mod.ffi.typeof("enum color").elements == mod1.ffi.typeof("enum color").elements
    assert mod.ffi.typeof("real_t") is mod.ffi.typeof("double")
    assert mod.ffi.sizeof("count_t") == 2
    assert mod.ffi.typeof("count_t") is mod.ffi.typeof("int16_t")


def test_cdata_passed_between_modules(child):
    mod1, mod = child
    p = mod1.ffi.new("struct point *", [3, -4])
    q = mod.lib.shift(p, 2.0)
    assert q == p
    assert (p.x, p.y) == (5, -2)
    p2 = mod.ffi.new("struct point *", [1, 2])
    assert mod1.lib.norm1(p2) == 3
    assert mod1.lib.norm1(mod.lib.shift(p2, 1)) == 5
    box = mod.lib.area_box(4)
    assert mod1.ffi.typeof(box) is mod1.ffi.typeof("size_t2")
    assert (box.w, box.h) == (4, 8)


def test_enums_and_constants_visible(child):
    mod1, mod = child
    assert mod.lib.RED == 0 and mod.lib.GREEN == 5 and mod.lib.BLUE == 6
    assert mod.lib.LIMIT == 17
    assert mod.lib.favourite(mod.lib.BLUE) == 1
    assert mod.lib.favourite(mod1.lib.GREEN) == 0
    assert mod.ffi.cast("enum color", 6) == mod.ffi.cast("enum color", 6)
    assert repr(mod.ffi.cast("enum color", 6)) == "<cdata 'enum color' 6: BLUE>"


def test_functions_and_globals_of_the_included_lib(child):
    mod1, mod = child
    assert mod.lib.norm1 is mod1.lib.norm1
    assert mod.lib.DEPTH == 3
    before = mod1.lib.calls
    p = mod.ffi.new("struct point *", [1, 1])
    mod.lib.norm1(p)
    assert mod.lib.calls == before + 1
    mod.lib.calls = 100
    assert mod1.lib.calls == 100
    assert mod.ffi.addressof(mod.lib, "calls") == mod1.ffi.addressof(mod1.lib, "calls")
    assert mod.ffi.addressof(mod.lib, "calls")[0] == 100
    with pytest.raises(AttributeError):
        mod.lib.no_such_name


def test_include_chain(build):
    ffi_a = cffi_impl.FFI()
    mod_a = build("typedef struct { long v; } box_t; long unbox(box_t *b);",
                  "typedef struct { long v; } box_t; long unbox(box_t *b) { return b->v; }", ffi=ffi_a)
    ffi_b = cffi_impl.FFI()
    ffi_b.include(ffi_a)
    mod_b = build("typedef box_t *box_p; box_p twice(box_p b);",
                  "typedef struct { long v; } box_t; typedef box_t *box_p;\n"
                  "box_p twice(box_p b) { b->v *= 2; return b; }", ffi=ffi_b)
    ffi_c = cffi_impl.FFI()
    ffi_c.include(ffi_b)
    mod_c = build("long both(box_p b);",
                  "typedef struct { long v; } box_t; typedef box_t *box_p;\n"
                  "long both(box_p b) { return b->v + 1; }", ffi=ffi_c)
    assert mod_c.ffi.typeof("box_t") is mod_a.ffi.typeof("box_t")
    assert mod_c.ffi.typeof("box_p") is mod_b.ffi.typeof("box_p")
    b = mod_c.ffi.new("box_t *", [21])
    assert mod_c.lib.unbox(mod_c.lib.twice(b)) == 42
    assert mod_c.lib.both(b) == 43
    assert mod_c.lib.unbox is mod_a.lib.unbox


def test_included_ffi_needs_set_source(tmp_path):
    ffi1 = cffi_impl.FFI()
    ffi1.cdef("typedef int my_t;")
    ffi = cffi_impl.FFI()
    ffi.include(ffi1)
    ffi.cdef("my_t f(my_t);")
    ffi.set_source("_never_built_include", "typedef int my_t; my_t f(my_t x) { return x; }")
    with pytest.raises(cffi_impl.VerificationError) as e:
        ffi.compile(tmpdir=str(tmp_path))
    assert "has not been prepared with set_source()" in str(e.value)
