"""Out-of-line ABI mode: ``ffi.set_source(name, None)`` then
``emit_python_code()`` / ``compile()`` writes a Python module whose ``ffi``
is used with ``ffi.dlopen()``."""

import importlib
import io
import os

import pytest

from conftest import cffi_impl

from .conftest import shared_library, unique

CDEF = """
#define FOOBAR -42
static const int FOOBAZ = -43;
#define BIGPOS 420000000000L
int add42(int);
int add43(int, ...);
extern int globalvar42;
const int globalconst42;
const char *const globalconsthello;
int no_such_function(int);
extern int no_such_globalvar;
struct foo_s;
typedef struct bar_s { int x; signed char a[]; } bar_t;
enum foo_e { AA, BB, CC };
struct with_union { union { int a; char b; }; };
"""

SRC = r"""
#include <stdarg.h>
int add42(int x) { return x + 42; }
int add43(int x, ...) { va_list ap; int y; va_start(ap, x); y = va_arg(ap, int); va_end(ap); return x + y; }
int globalvar42 = 1234;
const int globalconst42 = 4321;
const char *const globalconsthello = "hello";
"""


@pytest.fixture
def outofline(tmp_path, monkeypatch):
    so = shared_library(tmp_path, unique("re"), SRC)
    ffi = cffi_impl.FFI()
    ffi.cdef(CDEF)
    name = unique("_ool")
    ffi.set_source(name, None)
    ffi.emit_python_code(str(tmp_path / (name + ".py")))
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    return importlib.import_module(name).ffi, so


def test_types_and_constants(outofline):
    ffi, _ = outofline
    assert ffi.integer_const("FOOBAR") == -42
    assert ffi.integer_const("FOOBAZ") == -43
    assert ffi.integer_const("BIGPOS") == 420000000000
    assert ffi.integer_const("BB") == 1
    assert ffi.string(ffi.cast("enum foo_e", 2)) == "CC"
    p = ffi.new("bar_t *", [5, b"foobar"])
    assert (p.x, p.a[5]) == (5, ord("r"))
    assert ffi.sizeof("struct with_union") == ffi.sizeof("int")
    with pytest.raises(TypeError):
        ffi.new("struct foo_s *")


def test_dlopen(outofline):
    ffi, so = outofline
    lib = ffi.dlopen(so)
    assert lib.add42(-10) == 32
    assert lib.add43(45, ffi.cast("int", -5)) == 40
    assert lib.FOOBAR == -42
    assert lib.globalvar42 == 1234
    p = ffi.addressof(lib, "globalvar42")
    lib.globalvar42 += 5
    assert p[0] == 1239
    # `const T x;` is a constant: no address
    assert lib.globalconst42 == 4321
    with pytest.raises(AttributeError):
        ffi.addressof(lib, "globalconst42")
    assert ffi.string(lib.globalconsthello, 8) == b"hello"
    with pytest.raises(AttributeError):
        ffi.addressof(lib, "globalconsthello")
    with pytest.raises(ffi.error) as e:
        lib.no_such_function
    assert str(e.value).startswith("symbol 'no_such_function' not found in library '")
    with pytest.raises(ffi.error) as e:
        lib.no_such_globalvar
    assert str(e.value).startswith("symbol 'no_such_globalvar' not found in library '")
    ffi.dlclose(lib)
    with pytest.raises(ffi.error) as e:
        lib.add42
    assert str(e.value) == "library '%s' has been closed" % (so,)


def test_compile_writes_the_module(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("struct B { struct C *c; }; struct C { struct B b; };")
    name = unique("_ool_rec")
    ffi.set_source(name, None)
    path = ffi.compile(tmpdir=str(tmp_path))
    assert os.path.basename(path) == name + ".py"
    ns = {}
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), ns)
    assert ns["ffi"].sizeof("struct B") == ns["ffi"].sizeof("int *")
    # a file object works too
    out = io.StringIO()
    ffi.emit_python_code(out)
    assert "ffi" in out.getvalue()


def test_partial_enum_needs_the_compiler(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("enum foo { A, B, ... };")
    ffi.set_source("test_partial_enum", None)
    with pytest.raises(cffi_impl.VerificationMissing):
        ffi.emit_python_code(str(tmp_path / "test_partial_enum.py"))


def test_emit_c_code_refuses_python_modules(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.set_source("x", None)
    with pytest.raises(TypeError):
        ffi.emit_c_code(str(tmp_path / "x.c"))


@pytest.mark.skipif(cffi_impl.__name__ != "rcffi", reason="rcffi's own out-of-line format")
def test_generated_module_carries_a_snapshot_and_falls_back_to_the_texts(tmp_path, monkeypatch):
    ffi = cffi_impl.FFI()
    ffi.cdef("struct pt { int x, y; }; typedef struct pt pt_t; enum col { R, G = 5 }; int area(pt_t *);")
    name = unique("_ools")
    ffi.set_source(name, None)
    buf = io.StringIO()
    ffi.emit_python_code(buf)
    text = buf.getvalue()
    assert "_out_of_line_ffi(%r, 2, [" % (name,) in text and "], b'" in text
    # the snapshot, a damaged snapshot (the texts are parsed instead), and
    # a version-1 file without one: the same declarations
    damaged = text.replace("], b'", "], b'\\x00", 1)
    version1 = text[: text.index("], b'")] + "])\n"
    version1 = version1.replace("_out_of_line_ffi(%r, 2," % (name,), "_out_of_line_ffi(%r, 1," % (name,))
    # files written by earlier rcffi versions (through rcffi._outofline;
    # naming the extension `rcffi._rcffi`)
    earlier = text.replace("from rcffi import _out_of_line_ffi", "import rcffi._outofline").replace(
        "ffi = _out_of_line_ffi(", "ffi = rcffi._outofline.OutOfLineFFI(")
    assert earlier != text
    submodule = text.replace("from rcffi import _out_of_line_ffi", "from rcffi._rcffi import _out_of_line_ffi")
    assert submodule != text
    monkeypatch.syspath_prepend(str(tmp_path))
    for suffix, source in (("a", text), ("b", damaged), ("c", version1), ("d", earlier), ("e", submodule)):
        (tmp_path / (name + suffix + ".py")).write_text(source)
        importlib.invalidate_caches()
        m = importlib.import_module(name + suffix)
        assert m.ffi.sizeof("pt_t") == 8
        assert m.ffi.offsetof("struct pt", "y") == 4
        assert m.ffi.typeof("int(*)(pt_t *)").args[0].item.cname == "struct pt"  # as in cffi's tables
        assert m.ffi.integer_const("G") == 5
        assert [c[0] for c in m.ffi._cdef_calls] == [c[0] for c in ffi._cdef_calls]
