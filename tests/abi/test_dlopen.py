"""ffi.dlopen(): which names open what, the flags given to dlopen(), and
what a declared but missing symbol raises -- as cffi 2.0."""

import os
import subprocess
import sys

import pytest

from conftest import IMPL_NAME


# ------------------------------------------------------------------- names

@pytest.mark.parametrize("flags", [(), (0,)])
def test_empty_name_is_not_the_main_program(ffi, flags):
    with pytest.raises(OSError, match="ctypes.util.find_library\\(\\) did not manage "
                                      "to locate a library called ''"):
        ffi.dlopen("", *flags)


def test_plain_name_not_found_by_find_library_is_not_tried_as_a_file(ffi_mod, testlib_path, tmp_path):
    # dlopen("testlibnodot") would find it through LD_LIBRARY_PATH; cffi only
    # tries a name as a file when it has a dot or a slash
    os.symlink(testlib_path, str(tmp_path / "testlibnodot"))
    code = ("import %s as m\n"
            "try:\n"
            "    m.FFI().dlopen('testlibnodot')\n"
            "except OSError as e:\n"
            "    print('OSError', e)\n" % (ffi_mod.__name__,))
    env = dict(os.environ, LD_LIBRARY_PATH=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout
    assert out == ("OSError ctypes.util.find_library() did not manage to locate "
                   "a library called 'testlibnodot'\n")


def test_file_name_that_fails_reports_both_attempts(ffi):
    with pytest.raises(OSError) as e:
        ffi.dlopen("/nonexistent/libnothing.so")
    msg = str(e.value)
    assert msg.startswith("cannot load library '/nonexistent/libnothing.so': ")
    assert msg.endswith(".  Additionally, ctypes.util.find_library() did not manage "
                        "to locate a library called '/nonexistent/libnothing.so'")


# ---------------------------------------------------------- missing symbols

@pytest.fixture
def missing(ffi):
    ffi.cdef("extern int rcffi_no_such_var; int rcffi_no_such_func(int);")
    return ffi.dlopen(None)


def test_missing_global_variable_is_keyerror(missing):
    msg = ("variable 'rcffi_no_such_var' not found in library '<None>': "
           ".*undefined symbol: rcffi_no_such_var")
    with pytest.raises(KeyError, match=msg):
        missing.rcffi_no_such_var
    with pytest.raises(KeyError, match=msg):  # every time
        missing.rcffi_no_such_var
    with pytest.raises(KeyError, match=msg):
        missing.rcffi_no_such_var = 5


def test_missing_function_is_attributeerror(missing):
    with pytest.raises(AttributeError, match="function/symbol 'rcffi_no_such_func' not found "
                                             "in library '<None>': .*undefined symbol"):
        missing.rcffi_no_such_func


def test_address_of_missing_global_is_attributeerror(ffi, missing):
    with pytest.raises(AttributeError, match="function/symbol 'rcffi_no_such_var' not found "
                                             "in library '<None>'"):
        ffi.addressof(missing, "rcffi_no_such_var")


def test_missing_global_of_a_named_library(ffi, testlib_path):
    ffi.cdef("extern int rcffi_no_such_var;")
    lib = ffi.dlopen(testlib_path)
    with pytest.raises(KeyError, match="variable 'rcffi_no_such_var' not found in library '%s'"
                                       % (testlib_path,)):
        lib.rcffi_no_such_var


# ------------------------------------------------------------------- flags

FLAG_SETS = [
    ("RTLD_GLOBAL",),
    ("RTLD_LOCAL",),
    ("RTLD_LOCAL", "RTLD_NODELETE"),
    ("RTLD_GLOBAL", "RTLD_NODELETE"),
    ("RTLD_DEEPBIND",),
    ("RTLD_LOCAL", "RTLD_DEEPBIND"),
    ("RTLD_NODELETE",),
    ("RTLD_LAZY",),
    ("RTLD_NOW",),
    ("RTLD_LAZY", "RTLD_GLOBAL"),
    ("RTLD_NOW", "RTLD_DEEPBIND"),
]


@pytest.mark.parametrize("names", FLAG_SETS, ids="|".join)
def test_dlopen_flags_without_now_or_lazy_get_now(ffi, testlib_cdef, testlib_path, names):
    flags = 0
    for name in names:
        if not hasattr(ffi, name):
            pytest.skip("%s does not exist on this platform" % (name,))
        flags |= getattr(ffi, name)
    ffi.cdef(testlib_cdef)
    lib = ffi.dlopen(testlib_path, flags)
    assert lib.tl_add(2, 3) == 5
    assert lib.tl_global_int == lib.tl_read_global_int()


def test_dlopen_none_with_global_flag(ffi):
    ffi.cdef("int abs(int);")
    assert ffi.dlopen(None, ffi.RTLD_GLOBAL).abs(-4) == 4


# ------------------------------------------------------------ const globals

@pytest.mark.skipif(IMPL_NAME == "cffi", reason="cffi raises NotImplementedError for const globals "
                                              "of a dlopen() library (docs/compat.md: rcffi reads them)")
def test_const_global_is_read_but_never_written(ffi, testlib_path):
    # `const` data may be in read-only memory: a write would crash
    ffi.cdef("extern const int tl_global_int; const char *const tl_global_name;"
             "int tl_read_global_int(void);")
    lib = ffi.dlopen(testlib_path)
    assert lib.tl_global_int == lib.tl_read_global_int()
    with pytest.raises(AttributeError, match="cannot write to function or constant 'tl_global_int'"):
        lib.tl_global_int = 5
    assert ffi.string(lib.tl_global_name) == b"testlib"
    with pytest.raises(AttributeError, match="cannot write to function or constant 'tl_global_name'"):
        lib.tl_global_name = ffi.NULL


def test_ffi_and_its_library_are_collected_together(ffi_mod):
    # ffi keeps its libraries and each library its ffi: the cycle collector
    # must see through the library to free both
    import gc
    import weakref

    ffi = ffi_mod.FFI()
    ffi.cdef("int abs(int);")
    lib = ffi.dlopen(None)
    assert lib.abs(-3) == 3
    refs = [weakref.ref(ffi), weakref.ref(lib)]
    del ffi, lib
    gc.collect()
    assert [r() for r in refs] == [None, None]
