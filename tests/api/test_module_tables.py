"""A compiled module's tables hold no pointers (protocol 6): names are
offsets into one pool, function addresses and integer values come from a
generated function of the row's index, record layouts from one array of
cells. A pointer in data is a relocation the dynamic loader applies when
the module is imported, one per row: 27,511 of them at 10,000
declarations (docs/performance.md)."""

import shutil
import subprocess

import pytest

from conftest import IMPL_NAME
from .conftest import unique

pytestmark = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="the layout of rcffi's generated tables")

N = 60


def cdef_of(i):
    if i == N:
        return "int sum(int, ...);"
    return ("struct s%d { int a; double b; char c[4]; int bits : 3; };\n"
            "enum e%d { E%d_A = -%d, E%d_B = %d };\n"
            "int f%d(int, struct s%d *);\n"
            "#define K%d %d" % (i, i, i, i, i, i * 1000003, i, i, i, i * 7 - 100))


def source_of(i):
    if i == N:
        return ("#include <stdarg.h>\n"
                "static int sum(int n, ...) { va_list ap; int s = 0; va_start(ap, n);"
                " while (n--) s += va_arg(ap, int); va_end(ap); return s; }")
    return ("struct s%d { int a; double b; char c[4]; int bits : 3; };\n"
            "enum e%d { E%d_A = -%d, E%d_B = %d };\n"
            "static int f%d(int x, struct s%d *p) { return x * %d + p->a; }\n"
            "#define K%d %d" % (i, i, i, i, i, i * 1000003, i, i, i + 1, i, i * 7 - 100))


@pytest.fixture(scope="module")
def mod(tmp_path_factory):
    import importlib
    import sys

    import rcffi

    tmp = tmp_path_factory.mktemp("tables")
    ffi = rcffi.FFI()
    ffi.cdef("\n".join(cdef_of(i) for i in range(N + 1)))
    name = unique("_tables")
    ffi.set_source(name, "\n".join(source_of(i) for i in range(N + 1)))
    ffi.compile(tmpdir=str(tmp))
    sys.path.insert(0, str(tmp))
    try:
        importlib.invalidate_caches()
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp))


def test_every_row_is_found_through_the_generated_functions(mod):
    ffi, lib = mod.ffi, mod.lib
    for i in range(N):
        p = ffi.new("struct s%d *" % i, {"a": 5, "b": 1.5, "c": b"ab", "bits": -2})
        assert getattr(lib, "f%d" % i)(2, p) == 2 * (i + 1) + 5
        assert getattr(lib, "K%d" % i) == i * 7 - 100
        assert getattr(lib, "E%d_A" % i) == -i
        assert getattr(lib, "E%d_B" % i) == i * 1000003
        # the layout the compiler gave, read from the module's one array
        assert p.b == 1.5 and ffi.string(p.c) == b"ab" and p.bits == -2
    # a variadic function: no trampoline (libffi)
    assert lib.sum(3, ffi.cast("int", 1), ffi.cast("int", 2), ffi.cast("int", 4)) == 7
    with pytest.raises(AttributeError):
        lib.f_missing


def test_the_module_has_no_relocation_per_declaration(mod):
    readelf = shutil.which("readelf")
    if readelf is None:
        pytest.skip("readelf is not installed: the module's relocations cannot be counted")
    proc = subprocess.run([readelf, "-r", mod.__file__], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip("readelf cannot read the module (not ELF): " + proc.stderr.strip())
    out = proc.stdout
    relative = sum(1 for line in out.splitlines() if "_RELATIVE" in line)
    # 4 * 60 declarations: 2 a function row, 1 an integer, 2 a record before
    # (about 700); what is left is the module's own, whatever its size
    assert relative < 60, out
