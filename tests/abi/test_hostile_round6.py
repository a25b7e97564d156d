"""Round 6 of hostile input: what scripts/crashfuzz.py found (docs/memory.md,
"Crash fuzzing"), and the buffer protocol, iterators and callbacks misused
by hand. Each program runs in a child process: before the fixes they
crashed it."""

import subprocess
import sys

import pytest

from conftest import IMPL_NAME

PRELUDE = """
import gc, sys
import {impl} as cffi
ffi = cffi.FFI()
ffi.cdef("size_t strlen(const char *); typedef int (*cmp_t)(const void *, const void *);"
         "void qsort(void *, size_t, size_t, cmp_t);")
lib = ffi.dlopen(None)

def outcome(f):
    try:
        r = f()
    except Exception as e:
        print(type(e).__name__, e, flush=True)
    else:
        print("ok", r, flush=True)
"""


def run(body):
    code = PRELUDE.format(impl=IMPL_NAME) + body
    r = subprocess.run([sys.executable, "-X", "faulthandler", "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout.splitlines()


FUNCTION_POINTER_AS_MEMORY = {
    "memmove to": "ffi.memmove(fp, b'abcd', 4)",
    "memmove from": "ffi.memmove(bytearray(4), fp, 4)",
    "buffer": "ffi.buffer(fp, 4)[:]",
    "unpack": "ffi.unpack(fp, 4)",
    "index": "fp[0]",
    "slice": "fp[0:1]",
}


@pytest.mark.parametrize("what", ["callback", "lib function"])
@pytest.mark.parametrize("op", sorted(FUNCTION_POINTER_AS_MEMORY))
def test_a_function_pointer_is_no_memory_to_copy_or_view(what, op):
    # rcffi took a function pointer for a data pointer of unknown extent:
    # ffi.memmove wrote into the (read-only) code of a callback or of libc's
    # strlen (SIGSEGV), ffi.buffer and ffi.memmove read it, a slice was
    # ffi.error; cffi refuses every function pointer there with TypeError
    fp = "ffi.callback('int(void *, void *)', lambda a, b: 0)" if what == "callback" else "lib.strlen"
    out = run("fp = %s\noutcome(lambda: %s)\n" % (fp, FUNCTION_POINTER_AS_MEMORY[op]))
    expected = "cdata of type '" if op in ("index", "slice") else "expected a pointer or array"
    assert out[0].startswith("TypeError " + expected), out


@pytest.fixture
def rcffi_only():
    if IMPL_NAME != "rcffi":
        pytest.skip("cffi reads released or NULL memory here: garbage or a crash, no error")


def test_a_gc_whose_size_releases_its_cdata_is_refused(rcffi_only):
    # `size`'s __index__ runs before ffi.gc() looks at its cdata: the cdata
    # made over a released one had its NULL address (not being released
    # itself), and lib.strlen() of it crashed
    out = run(
        "class Size:\n"
        "    def __index__(self):\n"
        "        ffi.release(p)\n"
        "        return 16\n"
        "p = ffi.new('char[]', b'abc')\n"
        "outcome(lambda: lib.strlen(ffi.gc(p, lambda x: None, size=Size())))\n"
        "q = ffi.new('char[]', b'abc')\n"
        "ffi.release(q)\n"
        "outcome(lambda: lib.strlen(ffi.gc(q, lambda x: None)))\n"
    )
    assert len(out) == 2 and all(line.startswith("RuntimeError cdata 'char[]' was released") for line in out), out


def test_an_empty_slice_of_a_released_array_is_refused(rcffi_only):
    # released[0:0] was a `char[]` at NULL that C got as a string
    out = run(
        "p = ffi.new('char[]', b'abc')\n"
        "ffi.release(p)\n"
        "outcome(lambda: lib.strlen(p[0:0]))\n"
        "outcome(lambda: p + 0)\n"
    )
    assert len(out) == 2 and all(line.startswith("RuntimeError cdata 'char[]' was released") for line in out), out


def test_a_python_buffer_exported_through_a_released_from_buffer_cannot_resize():
    # the bytearray stays exported while an ffi.buffer of its from_buffer
    # cdata (and a memoryview of that) lives, even after ffi.release() of
    # the cdata: resizing it would leave the memoryview writing freed memory
    if IMPL_NAME != "rcffi":
        pytest.skip("cffi gives the bytearray back at ffi.release(): the memoryview then writes freed memory")
    out = run(
        "ba = bytearray(16)\n"
        "p = ffi.from_buffer('int[]', ba)\n"
        "mv = memoryview(ffi.buffer(p))\n"
        "ffi.release(p)\n"
        "outcome(lambda: ba.extend(b'x' * 100000))\n"
        "mv[0:4] = b'abcd'\n"
        "del mv\n"
        "gc.collect()\n"
        "outcome(lambda: (ba.extend(b'x' * 100000), bytes(ba[:4]))[1])\n"
    )
    assert out == ["BufferError Existing exports of data: object cannot be re-sized", "ok b'abcd'"], out


def test_exports_of_from_buffer_refuse_resizing_as_cffi():
    out = run(
        "import mmap\n"
        "ba = bytearray(b'abcdefgh')\n"
        "p = ffi.from_buffer(ba)\n"
        "outcome(lambda: ba.extend(b'x'))\n"
        "m = mmap.mmap(-1, 4096)\n"
        "q = ffi.from_buffer(m)\n"
        "outcome(lambda: m.close())\n"
        "ffi.release(p)\n"
        "outcome(lambda: ba.extend(b'x'))\n"
    )
    assert out[0].startswith("BufferError") and out[1].startswith("BufferError") and out[2] == "ok None", out


def test_an_array_iterator_released_mid_way_and_sort_callbacks_releasing(rcffi_only):
    # cffi crashes on the first (its iterator keeps reading the array)
    out = run(
        "arr = ffi.new('int[]', list(range(10)))\n"
        "it = iter(arr)\n"
        "next(it)\n"
        "ffi.release(arr)\n"
        "outcome(lambda: list(it))\n"
        "a = ffi.new('int[]', [5, 4, 3, 2, 1])\n"
        "class Eq:\n"
        "    def __eq__(self, other):\n"
        "        ffi.release(a)\n"
        "        gc.collect()\n"
        "        return True\n"
        "def cmp(x, y):\n"
        "    Eq() == 1\n"
        "    return ffi.cast('int *', x)[0] - ffi.cast('int *', y)[0]\n"
        "cb = ffi.callback('cmp_t', cmp)\n"
        "outcome(lambda: lib.qsort(a, 5, 4, cb))\n"
    )
    assert out == ["ok []", "ok None"], out


def test_a_callback_outliving_its_ffi_and_an_onerror_raising():
    out = run(
        "other = cffi.FFI()\n"
        "cb = other.callback('int(void *, void *)', lambda a, b: 1 // 0, onerror=lambda *e: {}['x'])\n"
        "del other\n"
        "gc.collect()\n"
        "a = ffi.new('int[]', [3, 1, 2])\n"
        "outcome(lambda: lib.qsort(a, 3, 4, ffi.cast('cmp_t', cb)))\n"
    )
    assert out == ["ok None"], out


def test_a_gc_of_a_from_buffer_keeps_its_buffer_after_a_release(rcffi_only):
    # ffi.release() of the from_buffer cdata gave the bytearray back at once
    # although the ffi.gc() of it still used its address: the bytearray
    # could be resized (its old bytes freed) and the ffi.gc() cdata read
    # and wrote freed memory. The release now waits for it, as for a view
    out = run(
        "ba = bytearray(b'abcdefgh' * 4)\n"
        "fb = ffi.from_buffer('char[]', ba)\n"
        "g = ffi.gc(fb, lambda x: outcome(lambda: ba.extend(b'x')))\n"
        "ffi.release(fb)\n"
        "outcome(lambda: ba.extend(b'x' * 100000))\n"
        "outcome(lambda: (g[0], lib.strlen(g) >= 32))\n"
        "ffi.release(g)\n"
        "outcome(lambda: (ba.extend(b'x' * 100000), len(ba))[1])\n"
    )
    assert out == ["BufferError Existing exports of data: object cannot be re-sized", "ok (b'a', True)",
                   "BufferError Existing exports of data: object cannot be re-sized", "ok 100032"], out


@pytest.mark.parametrize("expr", ["a[0]", "a[1:2]", "s[1].x", "a.__setitem__(0, 1)", "a.__setitem__(slice(0, 2), [1, 2])"])
def test_an_array_cast_from_zero_is_a_null_pointer(rcffi_only, expr):
    # an array cdata at NULL (only a cast makes one): its items were read
    # and written at NULL + offset (SIGSEGV; a Rust precondition abort in
    # a debug build), where a NULL pointer raises; cffi crashes too
    out = run(
        "ffi.cdef('struct s { int x; };')\n"
        "a = ffi.cast('int[3]', 0)\n"
        "s = ffi.cast('struct s[2]', 0)\n"
        "outcome(lambda: %s)\n" % expr
    )
    assert len(out) == 1 and out[0].startswith("RuntimeError cannot dereference null pointer from cdata"), out


def test_an_access_far_outside_a_block_is_an_index_error():
    # crashfuzz: the message's offset (address - block start) overflowed
    # for an address far past the block: a Rust panic in a debug build
    # (PanicException), where rcffi means IndexError
    if IMPL_NAME != "rcffi":
        pytest.skip("cffi reads or writes wherever the pointer lands (no extent): a crash")
    out = run(
        "ffi.cdef('struct s { char c[4]; };')\n"
        "a = ffi.new('char[8]')\n"
        "p = ffi.addressof(a, sys.maxsize)\n"
        "outcome(lambda: p[0])\n"
        "outcome(lambda: ffi.cast('struct s *', p))\n"
    )
    assert out[0].startswith("IndexError index 0 of cdata 'char *' is outside the memory it points into"), out
