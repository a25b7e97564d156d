"""Memory comes back: a million allocations, gc'ed pointers, handles and
callbacks leave the resident set size flat (Linux: /proc/self/statm)."""

import gc
import os

import pytest

from conftest import cffi_impl

PAGE = os.sysconf("SC_PAGE_SIZE")
# Growth allowed after warm-up: far below what a leak of even 16 bytes per
# iteration would cost (16 MB for 10**6 iterations).
SLACK = 6 * 1024 * 1024

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc/self/statm (Linux)")


def rss():
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def assert_flat(step, n):
    step(n // 10)  # warm-up: caches, free lists, arenas
    before = rss()
    step(n)
    grown = rss() - before
    assert grown < SLACK, "RSS grew by %d bytes over %d iterations" % (grown, n)


def test_new_returns_memory():
    ffi = cffi_impl.FFI()

    def step(n):
        for i in range(n):
            ffi.new("int[]", 16)
            ffi.new("char[]", b"abcdefgh")

    assert_flat(step, 10**6)


def test_gc_destructors_run_and_memory_returns():
    ffi = cffi_impl.FFI()
    ffi.cdef("void *malloc(size_t); void free(void *);")
    libc = ffi.dlopen(None)
    freed = [0]

    def free(p):
        freed[0] += 1
        libc.free(p)

    def step(n):
        for i in range(n):
            ffi.gc(libc.malloc(64), free)

    assert_flat(step, 10**6)
    assert freed[0] == 10**6 + 10**5


def test_struct_init_and_handles_return_memory():
    ffi = cffi_impl.FFI()
    ffi.cdef("struct pt { int x, y; char *name; };")
    payload = object()

    def step(n):
        for i in range(n):
            p = ffi.new("struct pt *", {"x": i & 0xFFFF, "y": 2})
            h = ffi.new_handle(payload)
            assert ffi.from_handle(h) is payload
            del p, h

    assert_flat(step, 10**6)


def test_callbacks_are_freed():
    ffi = cffi_impl.FFI()

    def step(n):
        for i in range(n):
            cb = ffi.callback("int(int)", lambda x: x + 1)
            assert cb(i) == i + 1

    assert_flat(step, 2 * 10**5)


def _collected(make):
    """Build a reference cycle with `make(payload)`, drop it, and report
    whether the cycle collector freed the payload."""
    import weakref

    class Payload:
        pass

    payload = Payload()
    keep = make(payload)
    ref = weakref.ref(payload)
    del payload, keep
    for _ in range(3):
        gc.collect()
    return ref() is None


def test_callback_in_a_reference_cycle_is_collected():
    ffi = cffi_impl.FFI()

    class Owner:
        def __init__(self, payload):
            self.payload = payload
            self.cb = ffi.callback("int(int)", self.method)  # self -> cb -> bound method -> self

        def method(self, x):
            return x

    assert _collected(Owner)


def test_handle_and_gc_in_reference_cycles_are_collected():
    ffi = cffi_impl.FFI()

    def with_handle(payload):
        box = [payload]
        box.append(ffi.new_handle(box))  # box -> handle -> box
        return box

    destroyed = []

    def with_gc(payload):
        box = [payload]
        box.append(ffi.gc(ffi.new("int *"), lambda p, box=box: destroyed.append(1)))
        return box

    assert _collected(with_handle)
    assert _collected(with_gc)
    assert destroyed == [1]


def test_cdata_of_every_kind_are_cdata():
    ffi = cffi_impl.FFI()
    kinds = [ffi.new("int *"), ffi.cast("int", 1), ffi.new_handle(1), ffi.callback("int(int)", abs),
             ffi.gc(ffi.new("int *"), lambda p: None)]
    for x in kinds:
        assert isinstance(x, ffi.CData)
        assert ffi.typeof(x) is not None
