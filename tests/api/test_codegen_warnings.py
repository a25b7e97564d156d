"""The generated C compiles cleanly with -Wall -Wextra -Werror (as C, and
with -Wconversion), whatever the declarations."""

import shutil
import subprocess
import sysconfig

import pytest

from conftest import cffi_impl, IMPL_NAME

from .conftest import c_compiler

CDEF = """
typedef struct { int x; const char *name; } item_t;
struct partial { int a; ...; };
union u { int i; float f; };
enum colour { RED, GREEN, ... };
typedef int... handle_t;
typedef float... real_t;
#define LIMIT ...
#define KNOWN 3
static const double RATIO;
static const char *const GREETING;
extern int counter;
extern const int table[...];
extern item_t items[4];
int (*hook)(int);
int add(int, int);
void nothing(void);
const char *name_of(const item_t *);
item_t make_item(int);
struct partial get_partial(struct partial p);
union u flip(union u);
handle_t open_handle(real_t);
long double ld(long double, _Bool, char, short, unsigned long long);
int printf(const char *, ...);
int (*pick(int))(int);
extern "Python" int cb(int, const char *);
extern "Python" void cb_void(void);
extern "Python+C" item_t cb_struct(item_t);
"""

SOURCE = r"""
#include <stdio.h>
typedef struct { int x; const char *name; } item_t;
struct partial { char c; int a; double d; };
union u { int i; float f; };
enum colour { BLUE, RED = 4, GREEN };
typedef unsigned short handle_t;
typedef double real_t;
#define LIMIT 1000u
#define KNOWN 3
static const double RATIO = 0.5;
static const char *const GREETING = "hi";
int counter;
const int table[5] = {1, 2, 3, 4, 5};
item_t items[4];
int (*hook)(int);
static int add(int a, int b) { return a + b; }
static void nothing(void) {}
static const char *name_of(const item_t *i) { return i->name; }
static item_t make_item(int x) { item_t i = {x, "x"}; return i; }
static struct partial get_partial(struct partial p) { return p; }
static union u flip(union u v) { return v; }
static handle_t open_handle(real_t r) { return (handle_t)r; }
static long double ld(long double a, _Bool b, char c, short s, unsigned long long u) { return a + b + c + s + (long double)u; }
static int twice(int x) { return 2 * x; }
static int (*pick(int n))(int) { (void)n; return twice; }
static int cb(int, const char *);
static void cb_void(void);
item_t cb_struct(item_t);
"""


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="checks rcffi's generated C")
@pytest.mark.parametrize("flags", [["-Wall", "-Wextra", "-Werror"], ["-Wall", "-Wextra", "-Wconversion", "-Werror"]])
def test_generated_c_compiles_without_warnings(tmp_path, flags):
    ffi = cffi_impl.FFI()
    ffi.cdef(CDEF)
    ffi.set_source("_strict", SOURCE)
    c_file = tmp_path / "_strict.c"
    ffi.emit_c_code(str(c_file))
    include = sysconfig.get_paths()["include"]
    r = subprocess.run(
        [c_compiler(), "-c", "-fPIC", "-std=gnu11", *flags, "-I", include, str(c_file), "-o", str(tmp_path / "x.o")],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr


def test_strict_module_imports_and_works(build):
    mod = build(CDEF, SOURCE, extra_compile_args=["-Wall", "-Wextra", "-Werror"])
    ffi, lib = mod.ffi, mod.lib
    assert lib.add(1, 2) == 3
    assert lib.LIMIT == 1000
    assert lib.RATIO == 0.5
    assert ffi.string(lib.GREETING) == b"hi"
    assert list(lib.table) == [1, 2, 3, 4, 5]
    assert ffi.sizeof("handle_t") == 2
    assert ffi.sizeof("real_t") == 8
    assert lib.open_handle(7.0) == 7
    assert (lib.RED, lib.GREEN) == (4, 5)
    assert lib.pick(0)(21) == 42
    assert lib.flip({"i": 5}).i == 5
    p = lib.get_partial({"a": 9})
    assert p.a == 9
    assert ffi.offsetof("struct partial", "a") == 4
    assert float(lib.ld(1.0, True, b"\x01", 2, 3)) == 8.0


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="checks rcffi's generated C")
@pytest.mark.skipif(shutil.which("g++") is None, reason="no C++ compiler")
@pytest.mark.parametrize("flags", [["-Wall", "-Wextra", "-Werror"], ["-Wall", "-Wextra", "-Wconversion", "-Werror"]])
def test_generated_c_compiles_as_cplusplus(tmp_path, flags):
    ffi = cffi_impl.FFI()
    ffi.cdef(CDEF.replace("_Bool", "bool"))
    ffi.set_source("_strict_cpp", SOURCE.replace("_Bool", "bool"), source_extension=".cpp")
    c_file = tmp_path / "_strict_cpp.cpp"
    ffi.emit_c_code(str(c_file))
    include = sysconfig.get_paths()["include"]
    r = subprocess.run(
        ["g++", "-c", "-fPIC", *flags, "-I", include, str(c_file), "-o", str(tmp_path / "x.o")],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="checks rcffi's generated C")
def test_struct_layout_mismatch_fails_to_compile(tmp_path):
    # the structures shared with the runtime are checked by the compiler:
    # a C declaration that lays a field elsewhere than the runtime reads
    # it stops the build instead of being misread at import
    ffi = cffi_impl.FFI()
    ffi.cdef("int add(int, int);")
    ffi.set_source("_layout", "static int add(int a, int b) { return a + b; }")
    c_file = tmp_path / "_layout.c"
    ffi.emit_c_code(str(c_file))
    text = c_file.read_text()
    good = "struct _rcffi_cdef_s { const char *text; int flags; int pack; };"
    assert good in text and "_Static_assert" in text
    include = sysconfig.get_paths()["include"]

    def compile(source):
        c_file.write_text(source)
        return subprocess.run([c_compiler(), "-c", "-fPIC", "-std=gnu11", "-I", include, str(c_file), "-o", str(tmp_path / "x.o")],
                              capture_output=True, text=True)

    assert compile(text).returncode == 0
    r = compile(text.replace(good, "struct _rcffi_cdef_s { const char *text; long long flags; int pack; };"))
    assert r.returncode != 0
    assert "rcffi: _rcffi_cdef_s.pack is not where the runtime reads it" in r.stderr
