"""What code can see of the classes of ABI-mode objects -- `__name__`,
`__module__`, `__qualname__` and `repr()` -- is cffi's, exactly (packages
test `repr(ffi)`, `type(x).__name__`, ...). The API-mode counterparts are in
tests/api/test_identity.py."""

import re

import rcffi

import pytest

ADDR = "0x[0-9a-f]+"


def names(cls):
    return (cls.__module__, cls.__name__, cls.__qualname__)


def test_ffi(ffi):
    assert names(type(ffi)) == ("cffi.api", "FFI", "FFI")
    assert re.fullmatch("<cffi\\.api\\.FFI object at %s>" % ADDR, repr(ffi))
    assert not hasattr(ffi, "error")  # only compiled and out-of-line ffi have one


def test_lib_of_dlopen_none(ffi):
    ffi.cdef("int abs(int);")
    lib = ffi.dlopen(None)
    assert names(type(lib)) == ("cffi.api", "FFILibrary", "_make_ffi_library.<locals>.FFILibrary")
    assert re.fullmatch("<cffi\\.api\\._make_ffi_library\\.<locals>\\.FFILibrary object at %s>" % ADDR,
                        repr(lib))


def test_lib_of_a_named_library(ffi, testlib_path):
    lib = ffi.dlopen(testlib_path)
    assert names(type(lib)) == ("cffi.api", "FFILibrary_" + testlib_path,
                                "_make_ffi_library.<locals>.FFILibrary")
    assert re.fullmatch("<cffi\\.api\\._make_ffi_library\\.<locals>\\.FFILibrary object at %s>" % ADDR,
                        repr(lib))


def test_backend_classes(ffi):
    assert names(ffi.CData) == ("_cffi_backend", "_CDataBase", "_CDataBase")
    assert repr(ffi.CData) == "<class '_cffi_backend._CDataBase'>"
    assert names(ffi.CType) == ("_cffi_backend", "CType", "CType")
    assert repr(ffi.CType) == "<class '_cffi_backend.CType'>"
    assert names(ffi.buffer) == ("_cffi_backend", "buffer", "buffer")
    assert repr(ffi.buffer) == "<class '_cffi_backend.buffer'>"


def test_instances_of_backend_classes(ffi):
    ffi.cdef("struct s { int a; };")
    assert type(ffi.typeof("int")) is ffi.CType
    assert repr(ffi.typeof("int")) == "<ctype 'int'>"
    cast = ffi.cast("int", 3)
    assert type(cast) is ffi.CData
    assert repr(cast) == "<cdata 'int' 3>"
    buf = ffi.buffer(ffi.new("char[3]"))
    assert type(buf) is ffi.buffer
    assert re.fullmatch("<_cffi_backend\\.buffer object at %s>" % ADDR, repr(buf))
    field = ffi.typeof("struct s").fields[0][1]
    assert names(type(field)) == ("_cffi_backend", "CField", "CField")
    assert re.fullmatch("<_cffi_backend\\.CField object at %s>" % ADDR, repr(field))


EVERY_KIND_OF_CDATA = pytest.mark.parametrize("make", [
    lambda ffi: ffi.new("int *"),
    lambda ffi: ffi.gc(ffi.new("int *"), lambda p: None),
    lambda ffi: ffi.callback("int(int)", lambda x: x),
    lambda ffi: ffi.from_buffer(bytearray(4)),
    lambda ffi: ffi.new_handle(object()),
    lambda ffi: ffi.cast("int", 7),
], ids=["new", "gc", "callback", "from_buffer", "new_handle", "cast"])


@EVERY_KIND_OF_CDATA
def test_every_cdata_is_a_CData_of_the_backend_module(ffi, make):
    x = make(ffi)
    assert isinstance(x, ffi.CData)
    assert type(x).__module__ == "_cffi_backend"


@EVERY_KIND_OF_CDATA
def test_a_cdata_instance_has_cffis_name_and_module(ffi, make):
    # cffi puts __name__ = "<cdata>" and __module__ in its cdata class's
    # dict: pytest names a parametrized cdata from x.__name__ (pywayland's
    # test ids are "test_wl_interface[WlBuffer-<cdata>]", scripts/clients.sh)
    x = make(ffi)
    assert x.__name__ == "<cdata>"
    assert x.__module__ == "_cffi_backend"
    # the class keeps its own name
    assert type(x).__name__ != "<cdata>"
    assert ffi.CData.__name__ == "_CDataBase"


def test_a_struct_field_named___name___wins_over_the_class_attribute(ffi):
    ffi.cdef("struct named { int __name__; };")
    p = ffi.new("struct named *", [5])
    assert p.__name__ == 5
    assert p[0].__name__ == 5
    assert ffi.new("struct named[1]").__name__ == "<cdata>"


def test_copy_of_an_ffi_shares_its_declarations():
    # cffi's copy.copy(ffi) is a shallow copy: a new FFI whose parser and
    # caches are the original's, so a cdef() on either declares for both
    import copy

    ffi = rcffi.FFI()
    ffi.cdef("struct pair { int a, b; }; int abs(int);")
    dup = copy.copy(ffi)
    assert dup is not ffi and type(dup) is type(ffi)
    assert dup.typeof("struct pair") is ffi.typeof("struct pair")
    assert dup._cdefsources is ffi._cdefsources and dup.NULL is ffi.NULL
    dup.cdef("long labs(long);")
    assert ffi.dlopen(None).labs(-7) == 7
    p = dup.new("struct pair *", [1, 2])
    assert ffi.typeof(p) is ffi.typeof("struct pair *") and p.b == 2
    # a subclass stays a subclass; a deep copy is refused, as cffi's
    class Sub(rcffi.FFI):
        pass

    assert type(copy.copy(Sub())) is Sub
    with pytest.raises(TypeError):
        copy.deepcopy(ffi)
