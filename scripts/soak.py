#!/usr/bin/env python3
"""Soak: run every public cdata operation and every error path N times and
report how much the process grew (RSS) per operation.

    python scripts/soak.py [-n 1000000] [--impl rcffi|cffi] [--max-growth-mb 8]

Each operation runs N times after a warm-up of N/10; the growth of RSS over
the N runs is printed per operation, and the exit status is 1 if any grew
by more than --max-growth-mb. Not a CI test (tests/abi/test_soak.py runs
it at 10^4); figures for 10^6 are in docs/performance.md.
"""

import argparse
import gc
import importlib
import os
import sys


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def operations(mod):
    ffi = mod.FFI()
    ffi.cdef("""
        struct pt { int x, y; };
        struct var { int n; int items[]; };
        int abs(int);
        size_t strlen(const char *);
    """)
    libc = ffi.dlopen(None)
    arr = ffi.new("int[8]")
    pt = ffi.new("struct pt *")
    cb = ffi.callback("int(int)", lambda x: x)

    def expect(exc, f):
        try:
            f()
        except exc:
            return
        raise AssertionError("no %s" % exc.__name__)

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
    }
    if mod.__name__ == "rcffi":
        # rcffi's own checks (on cffi these overflow the heap or crash)
        small = ffi.new_allocator(lambda n: ffi.new("char[1]"))
        ops.update({
            "error: outside owned memory": lambda: expect(IndexError, lambda: (arr + 4)[4]),
            "error: memmove too large": lambda: expect(ValueError, lambda: ffi.memmove(arr, b"\0" * 40, 40)),
            "error: not a live handle": lambda: expect(RuntimeError, lambda: ffi.from_handle(ffi.cast("void *", arr))),
            "error: type nested too deep": lambda: expect(mod.CDefError, lambda: ffi.typeof("int" + "*" * 300)),
            "error: allocator too small": lambda: expect(ValueError, lambda: small("int[4]")),
        })
    return ops


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10**6)
    ap.add_argument("--impl", default="rcffi")
    ap.add_argument("--max-growth-mb", type=float, default=8.0)
    ap.add_argument("--only", help="run only operations containing this text")
    args = ap.parse_args(argv)
    mod = importlib.import_module(args.impl)
    failed = []
    for name, op in operations(mod).items():
        if args.only and args.only not in name:
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
    print("%d operations, %d grew" % (len(operations(mod)), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
