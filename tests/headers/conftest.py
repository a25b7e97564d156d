"""Fixtures of the real-header suites (``ffi.cdef_header()``, an rcffi
extension that cffi does not have: every test here is skipped when
``RCFFI_TEST_AGAINST=cffi``).

``gcc_probe(prelude, exprs)`` compiles a small C program with the system
compiler and returns the integer values of C expressions (``sizeof``,
``offsetof``, macros, ...), the reference that rcffi's answers are
compared with."""

import os
import shutil
import subprocess

import pytest

from conftest import IMPL_NAME, cffi_impl


def pytest_collection_modifyitems(config, items):
    if IMPL_NAME != "cffi":
        return
    here = os.path.dirname(os.path.abspath(__file__))
    skip = pytest.mark.skip(reason="cdef_header() is an rcffi extension (real cffi has no such method)")
    for item in items:
        if str(item.fspath).startswith(here + os.sep):
            item.add_marker(skip)


def c_compiler():
    return os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")


@pytest.fixture
def hffi():
    """A fresh rcffi FFI (only used under RCFFI_TEST_AGAINST=rcffi)."""
    return cffi_impl.FFI()


@pytest.fixture
def gcc_probe(tmp_path):
    """``gcc_probe(prelude, exprs, flags=())`` -> list of ints: each C
    expression of ``exprs`` evaluated by a program compiled after
    ``prelude`` (the #includes) with the system compiler."""
    cc = c_compiler()
    if cc is None:  # pragma: no cover - gcc is here on the dev machine and in CI
        pytest.skip("no C compiler to compare layouts with")
    counter = [0]

    def probe(prelude, exprs, flags=()):
        counter[0] += 1
        src = tmp_path / ("probe%d.c" % counter[0])
        exe = tmp_path / ("probe%d" % counter[0])
        lines = ["#include <stdio.h>", "#include <stddef.h>", prelude, "int main(void) {"]
        for e in exprs:
            lines.append('    printf("%%lld\\n", (long long)(%s));' % (e,))
        lines += ["    return 0;", "}"]
        src.write_text("\n".join(lines) + "\n")
        subprocess.run([cc, "-w", "-o", str(exe), str(src)] + list(flags), check=True, cwd=str(tmp_path))
        out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
        return [int(x) for x in out.split()]

    return probe


@pytest.fixture
def write_headers(tmp_path):
    """``write_headers({"a.h": text, ...})`` -> the directory holding them."""

    def write(files):
        d = tmp_path / "inc"
        d.mkdir(exist_ok=True)
        for name, text in files.items():
            p = d / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        return d

    return write
