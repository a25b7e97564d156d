"""`ffi.dlclose()` while something fetched from the library is still in use:
a function kept in a variable, a call in progress in another thread, an
array or struct global and the views of it. cffi unmaps the library at once
and crashes on the next use; rcffi closes the library for lookups at once
and unmaps it when the last cdata fetched from it is gone (library.rs)."""

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import IMPL_NAME, build_c_library

rcffi_only = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="cffi crashes here (use after dlclose)")

SOURCE = r"""
#include <unistd.h>
int gint = 42;
int garr[4] = {1, 2, 3, 4};
int gopen[] = {5, 6, 7};
struct gs { int a; int b[2]; } gstruct = {9, {10, 11}};
int getv(void) { return gint; }
int sleepy(int ms) { usleep(ms * 1000); return ms; }
"""

CDEF = """
extern int gint; extern int garr[4]; extern int gopen[];
struct gs { int a; int b[2]; }; extern struct gs gstruct;
int getv(void); int sleepy(int ms);
"""


@pytest.fixture(scope="module")
def libpath(tmp_path_factory):
    return build_c_library(tmp_path_factory.mktemp("dlclose"), "dlclose_probe", SOURCE)


def run(libpath, body):
    """`body` in a fresh interpreter (a crash must not take pytest down)."""
    code = textwrap.dedent("""
        import gc, threading, time
        import {impl} as cffi
        ffi = cffi.FFI()
        ffi.cdef({cdef!r})
        lib = ffi.dlopen({path!r})
        def mapped():
            return {path!r} in open("/proc/self/maps").read()
    """).format(impl=IMPL_NAME, cdef=CDEF, path=libpath) + textwrap.dedent(body)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


@rcffi_only
def test_a_function_kept_after_dlclose_still_calls(libpath):
    out = run(libpath, """
        f = lib.getv
        ffi.dlclose(lib)
        gc.collect()
        print(f())
        try:
            lib.getv
        except ValueError:
            print("closed")
    """)
    assert out == ["42", "closed"]


@rcffi_only
def test_dlclose_from_another_thread_during_a_call(libpath):
    out = run(libpath, """
        def close():
            time.sleep(0.05)
            ffi.dlclose(lib)
        t = threading.Thread(target=close)
        t.start()
        print(lib.sleepy(300))   # returns into the library after dlclose
        t.join()
        gc.collect()
        print(mapped())
    """)
    assert out == ["300", "False"]


@rcffi_only
def test_views_of_globals_keep_the_library_mapped(libpath):
    out = run(libpath, """
        a = lib.garr
        v = a + 1
        o = lib.gopen
        s = lib.gstruct
        b = s.b
        p = ffi.addressof(lib, "gint")
        del a, s
        ffi.dlclose(lib)
        gc.collect()
        print(v[0], o[1], b[1], p[0], mapped())
        del v, o, b, p
        gc.collect()
        print(mapped())
    """)
    assert out == ["2", "6", "11", "42", "True", "False"]


def test_dlclose_unmaps_at_once_when_nothing_fetched_is_alive(libpath):
    if not os.path.exists("/proc/self/maps"):
        pytest.skip("needs /proc/self/maps to see what is mapped")
    out = run(libpath, """
        x = lib.gint
        f = lib.getv
        print(f())
        del f
        gc.collect()
        ffi.dlclose(lib)
        print(x, mapped())
    """)
    assert out == ["42", "42", "False"]


def test_library_globals_are_not_released(ffi, libpath):
    ffi.cdef(CDEF)
    lib = ffi.dlopen(libpath)
    with pytest.raises(ValueError, match="only 'cdata' object from ffi.new"):
        ffi.release(lib.garr)
    with pytest.raises(ValueError, match="only 'cdata' object from ffi.new"):
        ffi.release(ffi.addressof(lib, "gint"))
    assert lib.garr[3] == 4
