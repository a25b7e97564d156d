"""How records and enums are named. In generated C, as cffi: by the first
typedef that names one directly rather than by its tag, so a cdef may give
a tag the real header's type does not have. At run time, a compiled or
out-of-line module names them as cffi's type tables do: by the tag when
there is one (in-line ABI mode: by that first typedef)."""

from .conftest import unique


HEADER = """
typedef union { int i; char s[8]; } ma_device_id;
typedef struct { int x, y; } point;
typedef enum { LOW = 3, HIGH = 7 } level;
static int first(ma_device_id *id) { return id->i; }
static point swap(point p) { point q = { p.y, p.x }; return q; }
static level top(void) { return HIGH; }
"""


def test_typedef_name_is_used_where_the_header_has_no_tag(build):
    mod = build(
        """
        typedef union ma_device_id { int i; char s[8]; } ma_device_id;
        typedef struct point { int x, y; } point;
        typedef enum level { LOW, HIGH, ... } level;
        int first(ma_device_id *id);
        point swap(point p);
        level top(void);
        """,
        HEADER,
    )
    ffi, lib = mod.ffi, mod.lib
    assert ffi.sizeof("union ma_device_id") == 8
    assert repr(ffi.typeof("ma_device_id")) == "<ctype 'union ma_device_id'>"
    assert ffi.typeof("point").cname == "struct point"
    assert ffi.typeof("level").cname == "enum level"
    assert lib.first(ffi.new("ma_device_id *", {"i": 42})) == 42
    q = lib.swap({"x": 1, "y": 2})
    assert (q.x, q.y) == (2, 1)
    # the enum's values come from the compiler, its size too
    assert (lib.LOW, lib.HIGH, lib.top()) == (3, 7, 7)
    assert ffi.sizeof("enum level") == ffi.sizeof("int")


NAMES_CDEF = """
    typedef struct foo foo_t;
    struct foo { int x; };
    typedef union u { int i; } u;
    typedef enum level { LOW } level;
    typedef struct { int a; } anon_t;
    typedef struct bar *bar_p;
"""


def cnames(ffi):
    return [ffi.typeof(t).cname for t in ("foo_t", "struct foo", "u", "level", "anon_t", "bar_p")]


def test_names_in_line_and_in_modules(ffi_mod, build, tmp_path):
    inline = ffi_mod.FFI()
    inline.cdef(NAMES_CDEF)
    assert cnames(inline) == ["foo_t", "foo_t", "u", "level", "anon_t", "struct bar *"]
    by_tag = ["struct foo", "struct foo", "union u", "enum level", "anon_t", "struct bar *"]
    assert cnames(build(NAMES_CDEF, NAMES_CDEF).ffi) == by_tag
    ool = ffi_mod.FFI()
    ool.cdef(NAMES_CDEF)
    name = unique("_ool_names")
    ool.set_source(name, None)
    ool.emit_python_code(str(tmp_path / (name + ".py")))
    ns = {}
    exec(compile((tmp_path / (name + ".py")).read_text(), name, "exec"), ns)
    assert cnames(ns["ffi"]) == by_tag
