"""Shared fixtures of the rcffi test suites.

The implementation under test is chosen by the environment variable
``RCFFI_TEST_AGAINST``:

* ``rcffi`` (default) -- the project itself;
* ``cffi`` -- the real cffi, to check that the tests themselves pin cffi's
  behaviour (every test must pass against cffi 2.0).

Tests either do ``from conftest import cffi_impl`` (the module) or use the
fixtures ``ffi_mod`` (the module), ``ffi`` (a fresh ``FFI()``),
``testlib_path`` (the compiled tests/clib/testlib.c), ``testlib_cdef`` (the
text of tests/clib/testlib.h) and ``lib`` (testlib dlopen()ed through the
``ffi`` fixture after cdef'ing ``testlib_cdef``). A test with C source of
its own builds it with ``build_c_library(directory, name, source, *libs)``.
"""

import importlib
import os
import pathlib
import shutil
import subprocess

import pytest

TESTS_DIR = pathlib.Path(__file__).resolve().parent
CLIB_DIR = TESTS_DIR / "clib"

IMPL_NAME = os.environ.get("RCFFI_TEST_AGAINST", "rcffi").strip() or "rcffi"
if IMPL_NAME not in ("rcffi", "cffi"):
    raise RuntimeError(
        "RCFFI_TEST_AGAINST must be 'rcffi' or 'cffi', not %r" % (IMPL_NAME,))

# Deliberately no try/except: if the implementation under test cannot be
# imported, every test must fail loudly rather than be skipped.
cffi_impl = importlib.import_module(IMPL_NAME)


def build_c_library(directory, name, source, *libs):
    """``source`` (C text) compiled into ``directory/lib<name>.so``; the
    test skips, saying so, where there is no C compiler."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler (cc/gcc) to build the test's C library lib%s.so" % (name,))
    directory = pathlib.Path(directory)
    src = directory / ("%s.c" % (name,))
    src.write_text(source)
    out = directory / ("lib%s.so" % (name,))
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(out), str(src), *libs], check=True)
    return str(out)


def pytest_report_header(config):
    return "rcffi tests against: %s (%s)" % (
        IMPL_NAME, getattr(cffi_impl, "__file__", "?"))


@pytest.fixture(scope="session")
def ffi_mod():
    """The module under test: ``rcffi`` or ``cffi``."""
    return cffi_impl


@pytest.fixture
def ffi(ffi_mod):
    """A fresh FFI instance."""
    return ffi_mod.FFI()


@pytest.fixture(scope="session")
def testlib_cdef():
    """The cdef text declaring tests/clib/testlib.c."""
    return (CLIB_DIR / "testlib.h").read_text()


@pytest.fixture(scope="session")
def testlib_path(tmp_path_factory):
    """Path of tests/clib/testlib.c compiled into a shared library."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise RuntimeError("no C compiler found to build tests/clib/testlib.c")
    out = tmp_path_factory.mktemp("clib") / "libtestlib.so"
    subprocess.run(
        [cc, "-shared", "-fPIC", "-O1", "-o", str(out),
         str(CLIB_DIR / "testlib.c"), "-lpthread"],
        check=True)
    return str(out)


@pytest.fixture
def lib(ffi, testlib_cdef, testlib_path):
    """testlib, dlopen()ed by the ``ffi`` fixture after cdef(testlib_cdef)."""
    ffi.cdef(testlib_cdef)
    return ffi.dlopen(testlib_path)
