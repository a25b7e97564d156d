"""Many Python threads using one FFI at once: calls (which release the
GIL), callbacks, ffi.new, type-cache misses, cdef on separate FFIs,
release and from_buffer. Every result is checked; a crash fails the run."""

import sys
import threading

import pytest

THREADS = 16
ROUNDS = 1000


def run_threads(work):
    """Run work(k) on THREADS threads at once; re-raise the first error."""
    errors = []
    start = threading.Barrier(THREADS)

    def body(k):
        try:
            start.wait()
            work(k)
        except BaseException as e:      # reported below, with its thread
            errors.append((k, e))

    threads = [threading.Thread(target=body, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        k, e = errors[0]
        raise AssertionError("thread %d failed: %r" % (k, e)) from e


@pytest.fixture(autouse=True)
def fast_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)     # switch threads as often as possible
    yield
    sys.setswitchinterval(old)


def test_calls_and_callbacks_from_many_threads(ffi, lib):
    @ffi.callback("int(int, int)")
    def mul(a, b):
        return a * b

    def work(k):
        for i in range(ROUNDS):
            assert lib.tl_add(k, i) == k + i
            assert lib.apply(mul, k, i) == k * i
            arr = ffi.new("int[]", [k, i, 1])
            assert lib.tl_sum_array(arr, 3) == k + i + 1
            lib.tl_fill(arr, 3, k)
            assert list(arr) == [k, k + 1, k + 2]
        assert lib.tl_apply_in_thread(mul, k, 3) == 3 * k

    run_threads(work)


def test_new_cast_and_type_cache_misses(ffi):
    ffi.cdef("struct pt { int x, y; };")

    def work(k):
        for i in range(ROUNDS):
            n = (k * ROUNDS + i) % 97 + 1
            t = ffi.typeof("int[%d]" % n)           # many first lookups
            assert ffi.sizeof(t) == 4 * n
            p = ffi.new("struct pt *", {"x": k, "y": i})
            assert (p.x, p.y) == (k, i)
            assert int(ffi.cast("long", p.x)) == k
            q = ffi.cast("struct pt *", p)
            assert q.y == i

    run_threads(work)


def test_cdef_on_separate_ffis(ffi_mod):
    def work(k):
        for i in range(40):
            f = ffi_mod.FFI()
            f.cdef("struct s%d_%d { int a[%d]; long b; }; typedef int t%d;" % (k, i, i + 1, k))
            s = f.new("struct s%d_%d *" % (k, i))
            s.b = k
            la = f.alignof("long")
            assert f.sizeof("struct s%d_%d" % (k, i)) == (4 * (i + 1) + la - 1) // la * la + f.sizeof("long")
            assert s.b == k and len(s.a) == i + 1

    run_threads(work)


def test_release_and_from_buffer_from_many_threads(ffi, lib):
    def work(k):
        for i in range(ROUNDS):
            ba = bytearray(b"\x01" * 16)
            with ffi.from_buffer("int[]", ba) as p:
                assert lib.tl_sum_array(p, 4) == 4 * 0x01010101
            ba.append(0)                            # the export was released
            with ffi.new("int[4]") as q:
                lib.tl_fill(q, 4, k)
                b = ffi.buffer(q)
            assert bytes(b) == ffi.buffer(ffi.new("int[4]", [k, k + 1, k + 2, k + 3]))[:]

    run_threads(work)
