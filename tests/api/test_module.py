"""API mode: modules compiled from a cdef and C source written by the test."""

import errno as errno_mod
import logging
import os

import pytest

from conftest import cffi_impl
from .conftest import unique

HEADER = r"""
typedef struct { int x, y; } point_t;
struct rect { point_t a, b; };
int add(int a, int b);
point_t mid(struct rect r);
struct rect make_rect(int x0, int y0, int x1, int y1);
double scale(double v, float f);
long long big(unsigned char c, short s, long l);
extern int counter;
extern const char *label;
extern int table[8];
void bump(int n);
int set_errno(int v);
"""

SOURCE = r"""
int counter = 3;
const char *label = "hello";
int table[8] = {1, 2, 3, 4, 5, 6, 7, 8};
int add(int a, int b) { return a + b; }
point_t mid(struct rect r) { point_t p = { (r.a.x + r.b.x) / 2, (r.a.y + r.b.y) / 2 }; return p; }
struct rect make_rect(int x0, int y0, int x1, int y1) { struct rect r = {{x0, y0}, {x1, y1}}; return r; }
double scale(double v, float f) { return v * f; }
long long big(unsigned char c, short s, long l) { return c + s + l; }
void bump(int n) { counter += n; }
int set_errno(int v) { errno = v; return -1; }
"""


@pytest.fixture
def mod(build, clib):
    d, c = clib("geom", HEADER, "#include <errno.h>\n" + SOURCE)
    return build(HEADER, '#include "geom.h"', sources=[c], include_dirs=[d])


def test_functions_called_with_c_types(mod):
    lib = mod.lib
    assert lib.add(2, 40) == 42
    assert lib.scale(2.5, 2.0) == 5.0
    assert lib.big(255, -2, 1 << 40) == 255 - 2 + (1 << 40)
    with pytest.raises(OverflowError):
        lib.add(1 << 40, 0)
    with pytest.raises(TypeError):
        lib.add(1)


def test_struct_by_value_arguments_and_results(mod):
    ffi, lib = mod.ffi, mod.lib
    r = lib.make_rect(0, 0, 10, 20)
    assert ffi.typeof(r) is ffi.typeof("struct rect")
    assert (r.a.x, r.b.y) == (0, 20)
    p = lib.mid(r)
    assert (p.x, p.y) == (5, 10)
    assert lib.mid([[2, 2], [4, 6]]).y == 4


def test_global_variables_read_and_written(mod):
    ffi, lib = mod.ffi, mod.lib
    assert lib.counter == 3
    lib.bump(4)
    assert lib.counter == 7
    lib.counter = 100
    lib.bump(1)
    assert lib.counter == 101
    assert ffi.string(lib.label) == b"hello"
    assert list(lib.table) == [1, 2, 3, 4, 5, 6, 7, 8]
    lib.table[2] = 30
    assert lib.table[2] == 30
    p = ffi.addressof(lib, "counter")
    assert ffi.typeof(p) is ffi.typeof("int *")
    p[0] = 5
    assert lib.counter == 5


def test_errno_is_saved_after_calls(mod):
    ffi, lib = mod.ffi, mod.lib
    assert lib.set_errno(errno_mod.ENOENT) == -1
    assert ffi.errno == errno_mod.ENOENT


def test_lib_introspection(mod):
    ffi, lib = mod.ffi, mod.lib
    names = dir(lib)
    for n in ("add", "counter", "mid", "table"):
        assert n in names
    assert lib.__name__ == mod.__name__ + ".lib"
    assert repr(lib) == "<Lib object for '%s'>" % (mod.__name__,)
    with pytest.raises(AttributeError) as e:
        lib.nope
    assert str(e.value) == "cffi library '%s' has no function, constant or global variable named 'nope'" % (mod.__name__,)
    with pytest.raises(AttributeError):
        lib.add = 5
    f = ffi.addressof(lib, "add")
    assert ffi.typeof(f) is ffi.typeof("int(*)(int, int)")
    assert f(1, 2) == 3


def test_lib_functions_are_builtin_functions(mod):
    # as in cffi: lib.f is a builtin function, not a cdata; ffi.typeof and
    # ffi.addressof see the function pointer behind it
    ffi, lib = mod.ffi, mod.lib
    assert type(lib.add).__name__ == "builtin_function_or_method"
    assert not isinstance(lib.add, ffi.CData)
    assert lib.add.__name__ == "add"
    assert lib.add.__module__ == mod.__name__
    assert lib.add.__doc__ == "int add(int, int);\n\nCFFI C function from %s.lib" % (mod.__name__,)
    assert lib.mid.__doc__.startswith("point_t mid(struct rect);")
    assert "add" in repr(lib.add)
    assert ffi.typeof(lib.add) is ffi.typeof("int(*)(int, int)")
    assert isinstance(ffi.addressof(lib, "add"), ffi.CData)
    with pytest.raises(TypeError) as e:
        lib.add(1)
    assert str(e.value) == "add expected 2 arguments, got 1"
    with pytest.raises(TypeError) as e:
        lib.bump()
    assert str(e.value) == "%s.Lib.bump() takes exactly one argument (0 given)" % (mod.__name__,)
    with pytest.raises(TypeError):
        ffi.typeof(len)  # another builtin
    # stored where a function pointer goes, it is the C function
    p = ffi.new("int(**)(int, int)")
    p[0] = lib.add
    assert p[0] == ffi.addressof(lib, "add")
    assert p[0](4, 5) == 9
    assert ffi.cast("void *", lib.add) == ffi.cast("void *", ffi.addressof(lib, "add"))


def test_function_pointer_passed_to_c(build):
    mod = build(
        "int apply(int (*f)(int), int v); int twice(int);",
        "static int twice(int v) { return 2 * v; }\n"
        "static int apply(int (*f)(int), int v) { return f(v); }",
    )
    ffi, lib = mod.ffi, mod.lib
    assert lib.apply(ffi.addressof(lib, "twice"), 21) == 42
    assert lib.apply(lib.twice, 4) == 8


def test_variadic_function_goes_through_libffi(build):
    mod = build(
        "int snprintf(char *, size_t, const char *, ...);",
        "#include <stdio.h>",
    )
    ffi, lib = mod.ffi, mod.lib
    buf = ffi.new("char[64]")
    n = lib.snprintf(buf, 64, b"%d-%s", ffi.cast("int", 42), ffi.new("char[]", b"x"))
    assert ffi.string(buf) == b"42-x"
    assert n == 4


def test_define_and_static_const_constants(build):
    mod = build(
        """
        #define ANSWER ...
        #define NEG ...
        #define BIG ...
        #define TEN 10
        static const int LIMIT;
        static const double RATIO;
        """,
        """
        #define ANSWER (40 + 2)
        #define NEG (-7)
        #define BIG 0xFFFFFFFFFFFFFFFFULL
        #define TEN 10
        static const int LIMIT = 99;
        static const double RATIO = 0.25;
        """,
    )
    lib = mod.lib
    assert lib.ANSWER == 42
    assert lib.NEG == -7
    assert lib.BIG == 2**64 - 1
    assert lib.TEN == 10
    assert lib.LIMIT == 99
    assert lib.RATIO == 0.25
    with pytest.raises(AttributeError):
        lib.TEN = 3


def test_enums_completed_by_the_compiler(build):
    mod = build(
        "enum color { RED, GREEN, ... }; enum fixed { A, B }; typedef enum { X = ..., Y } xy_t;",
        "enum color { BLACK = 5, RED = 7, GREEN = -3 }; enum fixed { A, B };"
        " typedef enum { X = 100, Y } xy_t;",
    )
    ffi, lib = mod.ffi, mod.lib
    assert (lib.RED, lib.GREEN) == (7, -3)
    assert (lib.A, lib.B) == (0, 1)
    assert (lib.X, lib.Y) == (100, 101)
    assert ffi.sizeof("enum color") == 4
    assert ffi.cast("enum color", 7) == ffi.cast("enum color", lib.RED)


def test_enum_values_always_come_from_the_compiler(build):
    mod = build("enum e { P, Q };", "enum e { P, Q = 5 };")
    assert (mod.lib.P, mod.lib.Q) == (0, 5)


def test_partial_struct_gets_the_compilers_layout(build):
    mod = build(
        "struct s { int b; double d; ...; }; int get_b(struct s *); struct s make(int b);",
        """
        struct s { char pad[5]; int b; char more[3]; double d; char tail; };
        static int get_b(struct s *p) { return p->b; }
        static struct s make(int b) { struct s r; memset(&r, 0, sizeof r); r.b = b; r.d = 1.5; return r; }
        """,
    )
    ffi, lib = mod.ffi, mod.lib
    assert ffi.sizeof("struct s") == 32
    assert ffi.alignof("struct s") == 8
    assert ffi.offsetof("struct s", "b") == 8
    assert ffi.offsetof("struct s", "d") == 16
    p = ffi.new("struct s *", {"b": 77})
    assert lib.get_b(p) == 77
    r = lib.make(5)
    assert (r.b, r.d) == (5, 1.5)


def test_offset_mismatch_reported_when_the_fields_are_used(build):
    ffi = build("struct u { char a; int b; };", "struct u { char a; char pad[7]; int b; };").ffi
    # as cffi: the import works; the type's size and fields raise
    assert ffi.typeof("struct u *").item.cname == "struct u"
    with pytest.raises(ffi.error):
        ffi.sizeof("struct u")
    with pytest.raises(ffi.error) as e:
        ffi.new("struct u *", [1, 2])
    assert str(e.value).startswith("struct u: wrong offset for field 'b' (cdef says 4, but C compiler says 8).")
    with pytest.raises(ffi.error):
        ffi.new("struct u *")


def test_full_struct_checked_against_the_compiler(build):
    ffi = build("struct t { int a; int b; };", "struct t { int a; long b; };").ffi
    with pytest.raises(ffi.error) as e:
        ffi.offsetof("struct t", "b")
    assert type(e.value).__name__ in ("FFIError", "error")
    assert str(e.value) == (
        "struct t: wrong size for field 'b' (cdef says 4, but C compiler says 8). "
        'fix it or use "...;" as the last field in the cdef for struct t to make it flexible'
    )


def test_wrong_constant_raises_when_read(build):
    lib = build("#define FOO 123\nstatic const int BAR = 042;\n#define OK 5",
                "#define FOO 124\n#define BAR (-6912)\n#define OK 5").lib
    assert lib.OK == 5
    with pytest.raises(Exception) as e:
        lib.FOO
    assert type(e.value).__name__ in ("FFIError", "error")
    assert str(e.value) == "the C compiler says 'FOO' is equal to 124 (0x7c), but the cdef disagrees"
    with pytest.raises(Exception) as e:
        lib.BAR
    assert str(e.value) == "the C compiler says 'BAR' is equal to -6912, but the cdef disagrees"


def test_wrong_field_type_fails_a_strict_build(build):
    # the generated C type-checks every field: -Werror turns a wrong
    # pointer type into a compile error (VerificationError)
    with pytest.raises(Exception) as e:
        build("struct w { long *z; };", "struct w { int *z; };", extra_compile_args=["-Werror"])
    assert type(e.value).__name__ == "VerificationError"
    with pytest.raises(Exception) as e:
        build("struct w2 { int x; };", "struct w2 { float x; };", extra_compile_args=["-Werror"])
    assert type(e.value).__name__ == "VerificationError"
    with pytest.raises(Exception) as e:
        build("struct w4 { int a[5]; };", "struct w4 { int a[6]; };", extra_compile_args=["-Werror"])
    assert type(e.value).__name__ == "VerificationError"
    # integers of another signedness are accepted, as in cffi; arrays,
    # function pointers and open arrays of the right type pass
    build("struct w3 { int x; short a[3]; int (*cb)(int); char *s[2]; const char *c; int tail[]; };",
          "struct w3 { unsigned int x; short a[3]; int (*cb)(int); char *s[2]; const char *c; int tail[]; };",
          extra_compile_args=["-Werror"])


def test_typedef_int_dots_and_array_dots(build):
    mod = build(
        "typedef int... small_t; typedef int... word_t; small_t neg(small_t); extern int arr[...]; extern word_t words[...];",
        "typedef signed char small_t; typedef unsigned long word_t;"
        " static small_t neg(small_t v) { return (small_t)-v; }"
        " int arr[17]; word_t words[3] = {1, 2, 3};",
    )
    ffi, lib = mod.ffi, mod.lib
    assert ffi.sizeof("small_t") == 1
    assert ffi.sizeof("word_t") == 8
    assert ffi.cast("small_t", -1) != ffi.cast("word_t", -1)
    assert int(ffi.cast("small_t", -1)) == -1
    assert int(ffi.cast("word_t", -1)) == 2**64 - 1
    assert lib.neg(5) == -5
    assert len(lib.arr) == 17
    assert ffi.typeof(lib.arr) is ffi.typeof("int[17]")
    assert list(lib.words) == [1, 2, 3]


def test_emit_c_code_and_distutils_extension(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("int add(int, int);")
    with pytest.raises(ValueError):
        ffi.emit_c_code(str(tmp_path / "x.c"))
    ffi.set_source("_emitted", "static int add(int a, int b) { return a + b; }", libraries=["m"])
    c_file = tmp_path / "emitted.c"
    ffi.emit_c_code(str(c_file))
    text = c_file.read_text()
    assert "static int add(int a, int b)" in text
    assert "PyInit__emitted" in text
    ext = ffi.distutils_extension(str(tmp_path / "build"), verbose=False)
    assert ext.name == "_emitted"
    assert ext.libraries == ["m"]
    assert os.path.exists(ext.sources[0])
    with pytest.raises(ValueError):
        ffi.set_source("_other", "")


def test_compile_target_names(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("int add(int, int);")
    ffi.set_source("_targeted", "static int add(int a, int b) { return a + b; }")
    path = ffi.compile(tmpdir=str(tmp_path), target="_targeted.*")
    assert os.path.basename(path) == "_targeted.so"
    assert os.path.exists(path)


def test_wrong_declaration_fails_at_compile_time(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("int add(int, int);")
    ffi.set_source("_bad", "static int add(int a) { return a; }")
    with pytest.raises(cffi_impl.VerificationError):
        ffi.compile(tmpdir=str(tmp_path))


def test_global_that_is_a_macro_is_found_at_each_access(build):
    # as in cffi: a global's address is asked each time it is used
    mod = build(
        "extern int myarray[50], my_value;",
        "int myarray[50];\n"
        "int *get_my_value(void) { static int index = 0; return &myarray[index++]; }\n"
        "#define my_value (*get_my_value())",
    )
    ffi, lib = mod.ffi, mod.lib
    assert lib.my_value == 0  # [0]
    lib.my_value = 42  # [1]
    assert lib.myarray[1] == 42
    assert lib.my_value == 0  # [2]
    lib.myarray[3] = 63
    assert lib.my_value == 63  # [3]
    p = ffi.addressof(lib, "my_value")  # [4]
    assert p == lib.myarray + 4


def test_global_at_address_null_is_an_error(build):
    mod = build("extern int v;", "static int *get_v(void) { return 0; }\n#define v (*get_v())")
    ffi, lib = mod.ffi, mod.lib
    with pytest.raises(ffi.error):
        lib.v
    with pytest.raises(ffi.error):
        lib.v = 5
    with pytest.raises(ffi.error):
        ffi.addressof(lib, "v")


def test_lib_dict_lists_every_name(build):
    # as cffi: lib.__dict__ is a new dict of all names, a global variable
    # being given as an internal object (here: a pointer to it)
    mod = build("int ff(int); extern int aa; static const int my_constant;",
                "#define my_constant (-45)\nint aa;\nint ff(int x) { return x + aa; }")
    ffi, lib = mod.ffi, mod.lib
    lib.aa = 5
    assert dir(lib) == ["aa", "ff", "my_constant"]
    aaobj = lib.__dict__["aa"]
    assert not isinstance(aaobj, int)
    assert lib.__dict__ == {"ff": lib.ff, "aa": aaobj, "my_constant": -45}
    lib.__dict__["ff"] = "??"
    assert lib.ff(10) == 15


@pytest.mark.parametrize("verbose", [0, 1])
def test_compile_verbose_logs_the_build_steps(tmp_path, caplog, verbose):
    # as cffi: distutils' log shows the build's steps only when verbose
    # (cffi's demos print them)
    ffi = cffi_impl.FFI()
    ffi.cdef("int f(int);")
    name = unique("_verbose")
    ffi.set_source(name, "static int f(int x) { return x; }")
    with caplog.at_level(logging.DEBUG):
        ffi.compile(tmpdir=str(tmp_path), verbose=verbose)
    building = ["building '%s' extension" % name in r.getMessage() for r in caplog.records]
    assert any(building) == bool(verbose)


def test_declarations_used_in_any_order_and_listed_in_full(build):
    # a compiled module reads each declaration from its snapshot when first
    # used: names reached only through others, a tag named only by its
    # typedef in a type string, and the listings of everything
    decls = """
        typedef struct node node_t;
        struct node { node_t *next; int value; };
        typedef struct { int x, y; } point_t;
        enum color { RED, GREEN = 5, BLUE };
        #define ANSWER 42
    """
    m = build(decls + "node_t *first(node_t *); int norm(point_t *);",
              decls + "static node_t *first(node_t *n) { return n->next; }\n"
                      "static int norm(point_t *p) { return p->x * p->x + p->y * p->y; }")
    ffi, lib = m.ffi, m.lib
    n = ffi.new("node_t *")
    n.next = n
    assert lib.first(n) == n and lib.first(n) == n
    assert ffi.typeof("struct node *") is ffi.typeof("node_t *")
    assert ffi.typeof(n.next) is ffi.typeof("struct node *")
    assert lib.BLUE == 6 and ffi.integer_const("ANSWER") == 42
    assert lib.norm(ffi.new("point_t *", [3, 4])) == 25
    assert sorted(dir(lib)) == ["ANSWER", "BLUE", "GREEN", "RED", "first", "norm"]
    assert ffi.list_types() == (["node_t", "point_t"], ["node"], [])


def test_dlclose_of_a_compiled_lib_does_nothing(build):
    # cffi: the lib was not dlopen()ed, so there is nothing to close
    mod = build("int twice(int); extern int counter;",
                "static int twice(int x) { return 2 * x; } int counter = 4;")
    f = mod.lib.twice
    assert mod.ffi.dlclose(mod.lib) is None
    assert mod.ffi.dlclose(mod.lib) is None
    assert mod.lib.twice(3) == 6 and f(4) == 8 and mod.lib.counter == 4
