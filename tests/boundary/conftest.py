"""Fixtures of the boundary tests: the C libraries they need, compiled
once per session (risky.c: crashes, hangs, errors, every kind of value;
drift.c: a library whose header drift.h disagrees with a test cdef).

These test rcffi extensions (isolation, metrics, contracts, drift
checks), which cffi does not have: against cffi they are skipped."""

import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import IMPL_NAME

HERE = pathlib.Path(__file__).resolve().parent

if IMPL_NAME != "rcffi":
    pytest.skip("rcffi extensions (isolation, metrics, contracts, drift checks): not in %s" % (IMPL_NAME,),
                allow_module_level=True)


def compiler():
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler (cc/gcc) to build the boundary tests' C libraries")
    return cc


def build(tmp_path_factory, source, name):
    cc = compiler()
    out = tmp_path_factory.mktemp("boundary") / name
    subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", str(out), str(HERE / source)], check=True)
    return str(out)


@pytest.fixture(scope="session")
def risky_path(tmp_path_factory):
    return build(tmp_path_factory, "risky.c", "librisky.so")


@pytest.fixture(scope="session")
def risky_cdef():
    """risky.h as cdef text (the #include line dropped)."""
    return re.sub(r"^#include.*$", "", (HERE / "risky.h").read_text(), flags=re.M)


@pytest.fixture(scope="session")
def drift_path(tmp_path_factory):
    return build(tmp_path_factory, "drift.c", "libdrift.so")


@pytest.fixture
def risky_ffi(risky_cdef):
    import rcffi

    ffi = rcffi.FFI()
    ffi.cdef(risky_cdef)
    return ffi


@pytest.fixture
def isolated(risky_ffi, risky_path):
    """risky.c opened with isolated=True (closed after the test)."""
    lib = risky_ffi.dlopen(risky_path, isolated=True, timeout=10.0)
    yield lib
    risky_ffi.dlclose(lib)
