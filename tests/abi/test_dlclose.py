"""``ffi.dlclose()`` and the death of a library (crates/python/src/library.rs).

A function or a global's address fetched from a library keeps the library
mapped (``Owner::Mapped``): ``ffi.dlclose(lib)`` stops further lookups at
once, and the real ``dlclose()`` runs when the last of them goes. In cffi,
calling such a function after ``ffi.dlclose()`` jumps into unmapped code
(a crash); those tests are rcffi's only. A library whose ``ffi`` and ``lib``
are both gone is closed, as in cffi.
"""

import ctypes
import gc
import os
import shutil

import pytest

from conftest import IMPL_NAME

rcffi_only = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="cffi: a call into unmapped code (crashes)")
needs_maps = pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc/self/maps (Linux)")


@pytest.fixture
def private_lib(testlib_path, tmp_path):
    """A copy of testlib under a name no other test opens, so that whether
    it is mapped says whether this test's handle was closed."""
    path = tmp_path / "libdlclosetest.so"
    shutil.copy(testlib_path, path)
    return str(path)


def mapped(path):
    with open("/proc/self/maps") as maps:
        return path in maps.read()


def open_lib(ffi, testlib_cdef, path):
    ffi.cdef(testlib_cdef)
    return ffi.dlopen(path)


@rcffi_only
def test_a_function_fetched_before_dlclose_stays_callable(ffi, testlib_cdef, private_lib):
    lib = open_lib(ffi, testlib_cdef, private_lib)
    add = lib.tl_add
    ffi.dlclose(lib)
    assert add(2, 3) == 5
    with pytest.raises(ValueError, match="has already been closed"):
        lib.tl_add


@rcffi_only
def test_globals_fetched_before_dlclose_stay_readable(ffi, testlib_cdef, private_lib):
    lib = open_lib(ffi, testlib_cdef, private_lib)
    lib.tl_global_int = 41
    p = ffi.addressof(lib, "tl_global_int")
    array = lib.tl_global_array  # a view into the library's data
    before = list(array)
    ffi.dlclose(lib)
    p[0] += 1
    assert p[0] == 42
    assert list(array) == before
    assert (p + 0)[0] == 42  # a view of the pinned pointer holds it too
    with pytest.raises(ValueError, match="has already been closed"):
        lib.tl_global_int


@rcffi_only
@needs_maps
def test_the_library_is_unmapped_when_the_last_function_goes(ffi, testlib_cdef, private_lib):
    lib = open_lib(ffi, testlib_cdef, private_lib)
    add = lib.tl_add
    p = ffi.addressof(lib, "tl_global_int")
    ffi.dlclose(lib)
    assert mapped(private_lib)
    del add
    gc.collect()
    assert mapped(private_lib)  # `p` still pins it
    del p
    gc.collect()
    assert not mapped(private_lib)


@needs_maps
def test_dlclose_with_nothing_fetched_unmaps_at_once(ffi, testlib_cdef, private_lib):
    lib = open_lib(ffi, testlib_cdef, private_lib)
    assert lib.tl_add(1, 1) == 2  # fetched, then dropped
    gc.collect()
    ffi.dlclose(lib)
    assert not mapped(private_lib)


@needs_maps
def test_a_library_whose_ffi_and_lib_are_gone_is_closed(ffi_mod, testlib_cdef, private_lib):
    ffi = ffi_mod.FFI()
    lib = open_lib(ffi, testlib_cdef, private_lib)
    assert lib.tl_add(1, 2) == 3
    assert mapped(private_lib)
    del ffi, lib
    gc.collect()
    assert not mapped(private_lib)


def test_a_callers_handle_is_not_closed_when_its_library_dies(ffi_mod, testlib_cdef, private_lib):
    owner = ctypes.CDLL(private_lib)
    ffi = ffi_mod.FFI()
    lib = open_lib(ffi, testlib_cdef, ffi_mod.FFI().cast("void *", owner._handle))
    assert lib.tl_add(2, 2) == 4
    del ffi, lib
    gc.collect()
    owner.tl_add.restype = ctypes.c_int
    assert owner.tl_add(3, 4) == 7


@rcffi_only
def test_a_closed_library_is_not_kept_by_its_ffi(ffi, testlib_cdef, private_lib):
    # cffi keeps every library for the ffi's life (opening and closing in a
    # loop grows it); here what was fetched pins the library by itself
    import weakref

    lib = open_lib(ffi, testlib_cdef, private_lib)
    add = lib.tl_add
    ref = weakref.ref(lib)
    ffi.dlclose(lib)
    del lib
    gc.collect()
    assert ref() is None
    assert add(1, 2) == 3
