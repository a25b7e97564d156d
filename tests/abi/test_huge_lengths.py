"""Lengths no allocator can give, asked of C memory: `ffi.buffer(p, 2**62)`
over a raw pointer, `ffi.unpack(p, 2**59)`. As in cffi, the result is
allocated before anything is read, so they are a `MemoryError`: never a
read past the memory, nor a Rust panic or an abort on a failed allocation
(each case runs in a child process, so a crash fails the test instead of
ending pytest)."""

import subprocess
import sys

import pytest

from conftest import IMPL_NAME

SETUP = """
import %s as cffi
ffi = cffi.FFI()
p = ffi.new("char[16]", b"abc")
c = ffi.cast("char *", p)
""" % IMPL_NAME

# (bytes of `ffi.buffer`/`ffi.unpack` of char, char16_t and wchar_t:
# test_reentrancy.py)
CASES = {
    "buffer sub-slice": "ffi.buffer(c, 2**62)[2**61:2**61 + 2**50]",
    "unpack char32_t (aligned: handed to CPython as it is)": "ffi.unpack(ffi.cast('char32_t *', p), 2**61)",
    "unpack double (the list is made first)": "ffi.unpack(ffi.cast('double *', p), 2**59)",
}


@pytest.mark.parametrize("expr", list(CASES.values()), ids=list(CASES))
def test_a_length_that_cannot_be_allocated_is_a_memory_error(expr):
    code = SETUP + """
try:
    %s
except MemoryError:
    print("MemoryError")
""" % expr
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stdout.strip()) == (0, "MemoryError"), r.stderr[-2000:]


def test_buffers_compare_and_assign_from_huge_views_without_copying_them():
    code = SETUP + """
huge = memoryview(ffi.buffer(c, 2**62))
b = ffi.buffer(p)
# compared in place: the first differing byte decides
assert b[:] == b"abc" + bytes(13) and b > huge[:0] and not b == huge
try:
    b[0:4] = huge       # the wrong length, found before any copy
except ValueError:
    pass
else:
    raise AssertionError("no ValueError")
b[0:2] = memoryview(b"xy")
print(ffi.string(p))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stdout.strip()) == (0, "b'xyc'"), r.stderr[-2000:]
