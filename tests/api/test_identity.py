"""What code can see of the classes of a compiled module's `ffi` and `lib`,
of its `ffi.error`, and of an out-of-line module's `ffi` and libraries --
`__name__`, `__module__`, `__qualname__` and `repr()` -- is cffi's, exactly
(packages assert `repr(ffi).startswith("<_cffi_backend.FFI object at")`)."""

import importlib
import re

import pytest

from conftest import IMPL_NAME, cffi_impl

from .conftest import unique

ADDR = "0x[0-9a-f]+"
# the `_cffi_backend` of the implementation under test
backend = importlib.import_module("_cffi_backend" if IMPL_NAME == "cffi" else "rcffi._cffi_backend")


def names(cls):
    return (cls.__module__, cls.__name__, cls.__qualname__)


@pytest.fixture
def mod(build):
    return build("struct s { int a; }; int f(int);\n#define WRONG 4",
                 "struct s { int a; }; static int f(int x) { return x; }\n#define WRONG 5")


def test_compiled_ffi(mod):
    assert names(type(mod.ffi)) == ("_cffi_backend", "FFI", "FFI")
    assert repr(mod.ffi).startswith("<_cffi_backend.FFI object at")
    assert re.fullmatch("<_cffi_backend\\.FFI object at %s>" % ADDR, repr(mod.ffi))
    assert isinstance(mod.ffi, backend.FFI)
    assert names(backend.FFI) == ("_cffi_backend", "FFI", "FFI")


def test_compiled_lib(mod):
    assert names(type(mod.lib)) == ("_cffi_backend", "Lib", "Lib")
    assert repr(mod.lib) == "<Lib object for '%s'>" % (mod.__name__,)


def test_compiled_ffi_error(mod):
    ffi = mod.ffi
    assert ffi.error is backend.FFI.error
    assert names(ffi.error) == ("ffi", "error", "error")
    assert repr(ffi.error) == "<class 'ffi.error'>"
    assert issubclass(ffi.error, Exception)
    with pytest.raises(ffi.error) as e:
        mod.lib.WRONG
    assert type(e.value) is ffi.error
    assert repr(e.value).startswith("error(")


def test_compiled_backend_classes(mod):
    ffi = mod.ffi
    assert repr(ffi.CData) == "<class '_cffi_backend._CDataBase'>"
    assert repr(ffi.CType) == "<class '_cffi_backend.CType'>"
    assert repr(ffi.buffer) == "<class '_cffi_backend.buffer'>"
    assert re.fullmatch("<_cffi_backend\\.buffer object at %s>" % ADDR, repr(ffi.buffer(ffi.new("struct s *"))))


@pytest.fixture
def outofline(tmp_path, monkeypatch):
    ffi = cffi_impl.FFI()
    ffi.cdef("int abs(int); extern int rcffi_no_such_var;")
    name = unique("_ool_id")
    ffi.set_source(name, None)
    ffi.emit_python_code(str(tmp_path / (name + ".py")))
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    return importlib.import_module(name).ffi


def test_out_of_line_ffi(outofline):
    assert names(type(outofline)) == ("_cffi_backend", "FFI", "FFI")
    assert re.fullmatch("<_cffi_backend\\.FFI object at %s>" % ADDR, repr(outofline))
    assert repr(outofline.error) == "<class 'ffi.error'>"


def test_out_of_line_libraries(outofline):
    lib = outofline.dlopen(None)
    assert names(type(lib)) == ("_cffi_backend", "Lib", "Lib")
    assert repr(lib) == "<Lib object for '<None>'>"
    assert repr(outofline.dlopen("libm.so.6")) == "<Lib object for 'libm.so.6'>"
    with pytest.raises(outofline.error) as e:
        lib.rcffi_no_such_var
    assert type(e.value) is outofline.error


def test_compiled_libs_share_one_type(build):
    # as cffi's: one `Lib` type for every compiled module, with no class
    # (and no property per global variable) made for each module
    a = build("int f(int); int g;", "static int f(int x) { return x + 1; } int g = 5;")
    b = build("int h(int);", "static int h(int x) { return x - 1; }")
    assert type(a.lib) is type(b.lib)
    assert names(type(a.lib)) == ("_cffi_backend", "Lib", "Lib")
    assert "g" not in vars(type(a.lib)) and "f" not in vars(type(a.lib))
    assert a.lib.g == 5
    a.lib.g = 7
    assert a.lib.g == 7 and a.lib.f(1) == 2 and b.lib.h(1) == 0


def test_out_of_line_libraries_are_compiled_modules_lib_type(outofline, mod):
    # as cffi's: one `_cffi_backend.Lib` type for out-of-line libraries and
    # compiled modules' libs alike, not a class per library
    a, b = outofline.dlopen(None), outofline.dlopen("libm.so.6")
    assert type(a) is type(b) is type(mod.lib)
    assert a.abs(-4) == 4
