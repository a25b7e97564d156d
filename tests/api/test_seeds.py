"""The API-mode recipes of the user's brief (/work/shared/seeds/*.txt),
compiled for real. Each test names the seed and recipe it comes from."""

import os
import subprocess
import sys

from conftest import cffi_impl, IMPL_NAME

from .conftest import shared_library, unique


def test_seed003_recipe2_struct_allocated_and_passed_to_c(build):
    ffi = cffi_impl.FFI()
    ffi.cdef("typedef struct { int x; int y; } point; int sum_xy(point *p);")
    mod = build(None, """
typedef struct { int x; int y; } point;
int sum_xy(point *p) { return p->x + p->y; }
""", ffi=ffi)
    p = mod.ffi.new("point *", [3, 4])
    assert mod.lib.sum_xy(p) == 7


def test_seed003_recipe3_declarations_checked_against_the_header(build, clib):
    header = "typedef struct { int year; int month; int day; } date_t;\nint compute_jdn(const date_t *d);\n"
    source = """
int compute_jdn(const date_t *d) {
    int a = (14 - d->month) / 12, y = d->year + 4800 - a, m = d->month + 12 * a - 3;
    return d->day + (153 * m + 2) / 5 + 365 * y + y / 4 - y / 100 + y / 400 - 32045;
}
"""
    d, c = clib("dates", header, source)
    mod = build(header, '#include "dates.h"', sources=[c], include_dirs=[d])
    date = mod.ffi.new("date_t *", {"year": 2000, "month": 1, "day": 1})
    assert mod.lib.compute_jdn(date) == 2451545


def test_seed003_recipe3_drifted_struct_is_caught(build, clib):
    d, c = clib("dates2", "typedef struct { int year; int month; int day; } date_t;\n", "")
    try:
        mod = build("typedef struct { int year; int month; } date_t;", '#include "dates2.h"',
                    sources=[c], include_dirs=[d])
        mod.ffi.new("date_t *", [2024, 11])  # cffi checks when the fields are first used
    except Exception as e:
        assert "wrong total size" in str(e)
    else:
        raise AssertionError("the drift was not detected")


def test_seed003_recipe4_embedded_string(build):
    ffi = cffi_impl.FFI()
    ffi.cdef("const char *greet(void);")
    mod = build(None, 'const char *greet(void) { return "Hello, Alice Dev"; }', ffi=ffi)
    assert mod.ffi.string(mod.lib.greet()).decode() == "Hello, Alice Dev"


def test_seed003_worked_example_foo_build(build, tmp_path):
    inc = tmp_path / "include"
    inc.mkdir()
    (inc / "foo.h").write_text("int foo_compute(const char *input, int length);\nconst char *foo_version(void);\n")
    libdir = tmp_path / "lib"
    libdir.mkdir()
    shared_library(libdir, "foo", """
int foo_compute(const char *input, int length) { int s = 0; for (int i = 0; i < length; i++) s += input[i]; return s; }
const char *foo_version(void) { return "1.2.3"; }
""")
    ffi = cffi_impl.FFI()
    ffi.cdef("""
int foo_compute(const char *input, int length);
const char *foo_version(void);
""")
    mod = build(None, '#include "foo.h"', ffi=ffi, libraries=["foo"], library_dirs=[str(libdir)],
                include_dirs=[str(inc)], runtime_library_dirs=[str(libdir)])
    ffi, lib = mod.ffi, mod.lib
    encoded = "hello".encode("utf-8")
    assert lib.foo_compute(encoded, len(encoded)) == sum(encoded)
    assert ffi.string(lib.foo_version()).decode("utf-8") == "1.2.3"


def test_seed003_build_pipeline_produces_a_loadable_extension(tmp_path):
    name = unique("_h")
    src = tmp_path / "build.py"
    src.write_text("""
from %s import FFI
ffi = FFI()
ffi.cdef("int add(int a, int b);")
ffi.set_source("%s", "int add(int a, int b) { return a + b; }")
ffi.compile()
""" % (IMPL_NAME, name))
    subprocess.check_call([sys.executable, str(src)], cwd=tmp_path)
    assert any(p.suffix in {".so", ".pyd"} for p in tmp_path.iterdir())
    out = subprocess.check_output(
        [sys.executable, "-c", "from %s import lib; print(lib.add(2, 3))" % name], cwd=tmp_path)
    assert out.strip() == b"5"
    assert os.path.exists(tmp_path / (name + ".c"))
