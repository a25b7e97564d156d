"""Fixtures of the API-mode suites: compiling modules into temp dirs.

Every test builds real extension modules with the C compiler setuptools
uses (skipped only when there is none) and imports them under a unique
name, as extension modules cannot be unloaded."""

import importlib
import itertools
import os
import shutil
import subprocess
import sys
import sysconfig

import pytest

from conftest import cffi_impl

_counter = itertools.count()


def c_compiler():
    cc = os.environ.get("CC") or (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc) or shutil.which("cc") or shutil.which("gcc")


if c_compiler() is None:  # pragma: no cover - gcc is always here in CI
    pytest.skip("no C compiler found: API mode cannot be tested", allow_module_level=True)


def unique(prefix):
    return "%s_%d_%d" % (prefix, os.getpid(), next(_counter))


@pytest.fixture
def build(tmp_path, monkeypatch):
    """``build(cdef, source, **set_source_kwds)`` -> the imported module
    (with ``ffi`` and ``lib``), compiled into a temp dir."""

    def build(cdef, source, name=None, cdef_kwds=None, ffi=None, **kwds):
        ffi = ffi if ffi is not None else cffi_impl.FFI()
        if cdef is not None:
            ffi.cdef(cdef, **(cdef_kwds or {}))
        name = name or unique("_api")
        ffi.set_source(name, source, **kwds)
        path = ffi.compile(tmpdir=str(tmp_path))
        assert os.path.exists(path)
        monkeypatch.syspath_prepend(str(tmp_path))
        importlib.invalidate_caches()
        return importlib.import_module(name)

    return build


@pytest.fixture
def clib(tmp_path):
    """``clib(name, header, source)``: writes name.h and name.c into the
    temp dir and returns (dir, path of name.c)."""

    def clib(name, header, source):
        (tmp_path / (name + ".h")).write_text(header)
        (tmp_path / (name + ".c")).write_text('#include "%s.h"\n%s' % (name, source))
        return str(tmp_path), str(tmp_path / (name + ".c"))

    return clib


def shared_library(tmp_path, name, source):
    """Compile 'source' into tmp_path/lib<name>.so."""
    c = tmp_path / (name + ".c")
    c.write_text(source)
    out = tmp_path / ("lib%s.so" % name)
    subprocess.run([c_compiler(), "-shared", "-fPIC", "-o", str(out), str(c)], check=True)
    return str(out)


__all__ = ["build", "clib", "shared_library", "unique", "sys"]
