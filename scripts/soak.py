#!/usr/bin/env python3
"""Soak: run every public cdata operation and every error path N times and
report how much the process grew (RSS) per operation.

    python scripts/soak.py [-n 1000000] [--impl rcffi|cffi] [--max-growth-mb 8]

Each operation runs N times after a warm-up of N/10; the growth of RSS over
the N runs is printed per operation, and the exit status is 1 if any grew
by more than --max-growth-mb. Not a CI test (tests/abi/test_soak.py runs
it at 2*10^4); figures are in docs/performance.md. The API-mode rows build a
small compiled module with the C compiler first (skipped, saying so, without
one).
"""

import argparse
import atexit
import gc
import importlib
import io
import os
import shutil
import sys
import tempfile

import _api_module  # scripts/: the API-mode module shared with the other script


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def expect(exc, f):
    """Run f, which must raise exc (an error path of the soak)."""
    try:
        f()
    except exc:
        return
    raise AssertionError("no %s" % exc.__name__)


def operations(mod):
    ffi = mod.FFI()
    ffi.cdef("""
        struct pt { int x, y; };
        struct var { int n; int items[]; };
        int abs(int);
        size_t strlen(const char *);
    """)
    ffi.cdef("""
        union u { int i; float f; };
        struct bits { int a:3; unsigned b:5; };
        int printf(const char *, ...);
        int snprintf(char *, size_t, const char *, ...);
        typedef struct { int quot, rem; } div_t;
        div_t div(int, int);
        void qsort(void *, size_t, size_t, int(*)(const void *, const void *));
        void *malloc(size_t);
        void free(void *);
        struct nest { struct pt a; int arr[3]; };
    """)
    libc = ffi.dlopen(None)
    arr = ffi.new("int[8]")
    pt = ffi.new("struct pt *")
    u = ffi.new("union u *")
    bits = ffi.new("struct bits *")
    cb = ffi.callback("int(int)", lambda x: x)
    out = ffi.new("char[64]")

    def boom(x):
        raise ValueError("in a callback")

    def onerror(exc, val, tb):
        return -1

    def onerror_raises(exc, val, tb):
        raise KeyError("onerror itself")

    def boom2(a, b):
        raise ValueError("in a qsort callback")

    raising = ffi.callback("int(int)", boom, error=7)
    cmp_raises = ffi.callback("int(const void *, const void *)", boom2)
    bad_struct_result = ffi.callback("struct pt(int)", lambda x: {"x": "not an int"})
    nest = ffi.new("struct nest *")

    def alloc_fails(n):
        raise MemoryError("no memory for the soak")

    failing_allocator = ffi.new_allocator(alloc_fails)
    handled = ffi.callback("int(int)", boom, onerror=onerror)
    handled_badly = ffi.callback("int(int)", boom, error=5, onerror=onerror_raises)
    bad_result = ffi.callback("int(int)", lambda x: "not an int", error=3)
    cmp = ffi.callback("int(const void *, const void *)",
                       lambda a, b: ffi.cast("int *", a)[0] - ffi.cast("int *", b)[0])
    words = ffi.new("int[16]", list(range(16, 0, -1)))
    allocator = ffi.new_allocator(lambda n: ffi.new("char[]", n), lambda p: None)
    state = {"n": 0}

    def quietly(f):
        # a callback's exception is printed to stderr as cffi does: keep the
        # soak's output readable
        def run():
            saved, sys.stderr = sys.stderr, io.StringIO()
            try:
                return f()
            finally:
                sys.stderr = saved
        return run

    class Wrapped:
        """A C resource whose destructor is a bound method: a reference
        cycle the collector finds (its destructor runs when the collection
        ends, the cdata go at the next one)."""

        def __init__(self):
            self.ptr = ffi.gc(libc.malloc(32), self.close)

        def close(self, p):
            libc.free(p)

    made = [0]

    def cycle_collected():
        Wrapped()
        made[0] += 1
        if made[0] % 256 == 0:  # a full collection: what is left is a leak
            gc.collect()

    def released():
        p = ffi.new("int[4]")
        b = ffi.buffer(p)
        ffi.release(p)
        return b[0:4]

    ops = {
        "new int[8]": lambda: ffi.new("int[8]"),
        "new struct with init": lambda: ffi.new("struct pt *", {"x": 1, "y": 2}),
        "new var-sized": lambda: ffi.new("struct var *", {"n": 3, "items": [1, 2, 3]}),
        "cast": lambda: ffi.cast("long", 5),
        "index get/set": lambda: arr.__setitem__(1, arr[2]),
        "field get/set": lambda: setattr(pt, "x", pt.y),
        "p[0] view": lambda: pt[0],
        "slice get/set": lambda: arr.__setitem__(slice(0, 2), arr[2:4]),
        "pointer arithmetic": lambda: arr + 3,
        "string/unpack": lambda: (ffi.string(ffi.new("char[]", b"abc")), ffi.unpack(arr, 4)),
        "buffer/from_buffer": lambda: ffi.from_buffer(ffi.buffer(arr))[0],
        "memmove": lambda: ffi.memmove(arr, b"\0" * 8, 8),
        "call abs": lambda: libc.abs(-3),
        "call strlen bytes": lambda: libc.strlen(b"hello"),
        "callback": lambda: cb(3),
        "callback made and dropped": lambda: ffi.callback("int(int)", lambda x: x)(3),
        "gc + release": lambda: ffi.release(ffi.gc(ffi.new("int *"), lambda p: None)),
        "release with a holder": released,
        "handle": lambda: ffi.from_handle(ffi.new_handle(arr)),
        "error: index out of range": lambda: expect(IndexError, lambda: arr[8]),
        "error: overflow on store": lambda: expect(OverflowError, lambda: arr.__setitem__(0, 1 << 70)),
        "error: bad field": lambda: expect(AttributeError, lambda: pt.z),
        "error: bad new init": lambda: expect(TypeError, lambda: ffi.new("int *", "x")),
        "error: bad cast": lambda: expect(TypeError, lambda: ffi.cast("int", [])),
        "error: bad call argument": lambda: expect(TypeError, lambda: libc.abs("x")),
        "error: bad cdef": lambda: expect(mod.CDefError, lambda: mod.FFI().cdef("int f(")),
        "error: unknown type": lambda: expect(mod.CDefError, lambda: ffi.typeof("nosuch_t")),
        # on the long-lived ffi: what the failed cdef() parsed is garbage
        # in the shared arena (it grew by ~600 bytes a call before session 8)
        "error: failed cdef on one ffi": lambda: expect(mod.CDefError, lambda: ffi.cdef("struct soak_bad { int a; }; int g(")),
        "union and bit fields": lambda: (setattr(u, "f", 1.5), u.i, setattr(bits, "b", 17), bits.a, bits.b),
        "variadic call": lambda: libc.snprintf(out, 64, b"%d-%s", ffi.cast("int", 7), ffi.new("char[]", b"x")),
        "struct result": lambda: libc.div(7, 2).rem,
        "qsort with a callback": lambda: libc.qsort(words, 16, 4, cmp),
        "allocator": lambda: allocator("int[16]"),
        "init_once": lambda: ffi.init_once(lambda: state.__setitem__("n", 1), "soak-tag"),
        "typeof/sizeof/offsetof": lambda: (ffi.typeof("struct pt"), ffi.sizeof("union u"), ffi.offsetof("struct pt", "y")),
        "error: callback raises": quietly(lambda: raising(1)),
        "error: callback with onerror": lambda: handled(1),
        "error: onerror raises": quietly(lambda: handled_badly(1)),
        "error: callback bad result": quietly(lambda: bad_result(1)),
        "error: bad variadic argument": lambda: expect(TypeError, lambda: libc.printf(b"%d", 5)),
        "error: missing function": lambda: expect(AttributeError, lambda: libc.no_such_function_here),
        "error: from_buffer of str": lambda: expect(TypeError, lambda: ffi.from_buffer("text")),
        "error: string of int": lambda: expect(TypeError, lambda: ffi.string(5)),
        "error: bit field overflow": lambda: expect(OverflowError, lambda: setattr(bits, "a", 100)),
        "error: struct init unknown field": lambda: expect(KeyError, lambda: ffi.new("struct pt *", {"z": 1})),
        "error: new negative length": lambda: expect(ValueError, lambda: ffi.new("int[]", -1)),
        "release twice": lambda: [ffi.release(p) for p in [ffi.new("int *")] * 2],
        # session 10 (scripts/leakhunt.py runs ~250 error paths; these are a sample)
        "error: nested initializer": lambda: expect(TypeError, lambda: ffi.new("struct nest *", {"a": {"x": 1}, "arr": [1, "q"]})),
        "error: array field too long": lambda: expect(IndexError, lambda: setattr(nest, "arr", [1, 2, 3, 4])),
        "error: slice from raising iterator": lambda: expect(ZeroDivisionError, lambda: arr.__setitem__(slice(0, 3), (1 // 0 for i in range(3)))),
        "error: wrong argument count": lambda: expect(TypeError, lambda: libc.abs(1, 2)),
        "error: str for char *": lambda: expect(TypeError, lambda: libc.strlen("text")),
        "error: callback bad struct result": quietly(lambda: bad_struct_result(1)),
        "error: qsort callback raises": quietly(lambda: libc.qsort(words, 16, 4, cmp_raises)),
        "error: unpack negative length": lambda: expect(ValueError, lambda: ffi.unpack(arr, -1)),
        "error: offsetof unknown field": lambda: expect(KeyError, lambda: ffi.offsetof("struct pt", "z")),
        "error: init_once raises": lambda: expect(ZeroDivisionError, lambda: ffi.init_once(lambda: 1 // 0, "soak-fails")),
        "error: allocator raises": lambda: expect(MemoryError, lambda: failing_allocator("int[4]")),
        "ffi.gc in a collected cycle": cycle_collected,
    }
    if mod.__name__ == "rcffi":
        # rcffi's own checks (on cffi these overflow the heap or crash)
        small = ffi.new_allocator(lambda n: ffi.new("char[1]"))
        import itertools
        import rcffi.contracts as contracts
        import rcffi.metrics as metrics
        distinct = itertools.count(1)
        ffi_checked = mod.FFI()
        ffi_checked.cdef("int abs(int);")
        checked = ffi_checked.dlopen(None)
        metrics.enable(checked)
        mod.contract(checked, "abs", error_if=contracts.lt(5))
        # a header that fails to parse after declaring a struct
        hdr_dir = tempfile.mkdtemp(prefix="soak-hdr-")
        atexit.register(shutil.rmtree, hdr_dir, True)
        bad_header = os.path.join(hdr_dir, "soak_bad.h")
        with open(bad_header, "w") as f:
            f.write("struct soak_hdr_bad { int a; long b[4]; };\nint g(\n")
        ops.update({
            "error: outside owned memory": lambda: expect(IndexError, lambda: (arr + 4)[4]),
            "error: memmove too large": lambda: expect(ValueError, lambda: ffi.memmove(arr, b"\0" * 40, 40)),
            "error: not a live handle": lambda: expect(RuntimeError, lambda: ffi.from_handle(ffi.cast("void *", arr))),
            "error: type nested too deep": lambda: expect(mod.CDefError, lambda: ffi.typeof("int" + "*" * 300)),
            "error: allocator too small": lambda: expect(ValueError, lambda: small("int[4]")),
            # as a failed cdef() (it grew by ~700 bytes a call before)
            "error: failed cdef_header on one ffi": lambda: expect(mod.CDefError, lambda: ffi.cdef_header(bad_header)),
            # cffi keeps every library its ffi opened, closed or not
            "dlopen + dlclose": lambda: ffi.dlclose(ffi.dlopen(None)),
            # cffi's type-string cache keeps every string (+1.2 KB each);
            # rcffi's holds at most 1024 (it kept all before session 10)
            "distinct type strings": lambda: ffi.typeof("int[%d]" % next(distinct)),
            # session 11: a tag named only in a type string stayed declared
            # (~0.75 KB a name); now forgotten once nothing uses its type
            "error: new of distinct opaque structs": lambda: expect(TypeError, lambda: ffi.new("struct soak_opq_%d *" % next(distinct))),
            "error: distinct tag, bad syntax": lambda: expect(mod.CDefError, lambda: ffi.typeof("struct soak_bad_%d ][" % next(distinct))),
            "distinct tags dropped": lambda: ffi.typeof("union soak_u_%d *" % next(distinct)),
            "error: contract fails": lambda: expect(contracts.NativeError, lambda: checked.abs(1)),
            "error: metered call bad argument": lambda: expect(TypeError, lambda: checked.abs("x")),
        })
    return ops


def api_operations(mod, tmpdir):
    """The operations of a compiled (API-mode) module: built here with gcc."""
    ffi, lib, mode = _api_module.build(mod, tmpdir, "_soak_api_")

    def raising_cb():
        mode["raise"] = True
        saved, sys.stderr = sys.stderr, io.StringIO()
        try:
            return lib.call_cb(1)
        finally:
            sys.stderr = saved
            mode["raise"] = False

    pt = ffi.new("struct pt *", [1, 2])
    rows = {}
    if mod.__name__ == "rcffi":
        from rcffi import _rcffi

        def fetch_again():
            # a lib function made again leaked its method definition
            # (~170 bytes) before session 10
            _rcffi._lib_cache(lib).clear()
            return lib.add(1, 2)

        rows["api: function made again"] = fetch_again
        distinct = iter(range(1, 10**12))
        # session 11: each left its tag declared (undeclared on this ffi)
        rows["api error: distinct undeclared structs"] = lambda: expect(
            ffi.error, lambda: ffi.new("struct soak_nosuch_%d *" % next(distinct)))
    return rows | {
        "api: call": lambda: lib.add(1, 2),
        "api: struct argument and result": lambda: lib.sum(lib.make(3, 4)) + lib.sum(pt[0]),
        "api: global read/write": lambda: setattr(lib, "counter", lib.counter + 1),
        "api: extern Python": lambda: lib.call_cb(1),
        "api: new through the module's ffi": lambda: ffi.new("struct pt *", {"x": 1}),
        "api error: extern Python raises": raising_cb,
        "api error: bad argument": lambda: expect(TypeError, lambda: lib.add(1, "x")),
        "api error: wrong argument count": lambda: expect(TypeError, lambda: lib.add(1)),
        "api error: overflow": lambda: expect(OverflowError, lambda: lib.add(1 << 40, 1)),
        "api error: global overflow": lambda: expect(OverflowError, lambda: setattr(lib, "counter", 1 << 40)),
        "api error: unknown name": lambda: expect(AttributeError, lambda: lib.no_such_name),
        "api error: struct argument None": lambda: expect(TypeError, lambda: lib.sum(None)),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10**6)
    ap.add_argument("--impl", default="rcffi")
    ap.add_argument("--max-growth-mb", type=float, default=8.0)
    ap.add_argument("--only", action="append", help="run only operations containing this text (repeatable)")
    args = ap.parse_args(argv)
    mod = importlib.import_module(args.impl)
    failed = []
    ops = operations(mod)
    tmpdir = tempfile.mkdtemp(prefix="soak-")
    try:
        ops.update(api_operations(mod, tmpdir))
    except Exception as exc:  # no C compiler: the ABI rows still run
        print("API-mode rows skipped: the module did not build (%s: %s)" % (type(exc).__name__, exc))
    for name, op in ops.items():
        if args.only and not any(o in name for o in args.only):
            continue
        for _ in range(max(args.n // 10, 1)):
            op()
        gc.collect()
        before = rss_mb()
        for _ in range(args.n):
            op()
        gc.collect()
        grown = rss_mb() - before
        flag = "GROWS" if grown > args.max_growth_mb else "flat"
        print("%-28s %8.2f MB over %d  %s" % (name, grown, args.n, flag))
        if grown > args.max_growth_mb:
            failed.append(name)
    shutil.rmtree(tmpdir, ignore_errors=True)
    print("%d operations, %d grew" % (len(ops), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
