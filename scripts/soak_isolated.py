#!/usr/bin/env python3
"""Soak an isolated library: N calls (scalars, strings, a buffer through
the shared memory, a buffer copied back, a pointer handle) with a worker
crash every --crash-every calls, then report how the parent grew.

    python scripts/soak_isolated.py [-n 100000] [--crash-every 5000] [--max-growth-mb 4]

Prints the parent's RSS, its open file descriptors and its child
processes after a warm-up and at the end; exit status 1 if RSS grew by
more than --max-growth-mb, a descriptor leaked, or a dead worker was left
unreaped. tests/boundary/test_isolation_soak.py runs it with a small N;
figures for 10^5 are in docs/performance.md.
"""

import argparse
import gc
import os
import signal
import sys
import time


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def fds():
    return len(os.listdir("/proc/self/fd"))


def children():
    me = os.getpid()
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) == me:
                out.append(fields[0])
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100000, help="number of isolated calls (default 100000)")
    parser.add_argument("--crash-every", type=int, default=5000, help="crash the worker every N calls (0: never)")
    parser.add_argument("--max-growth-mb", type=float, default=4.0)
    args = parser.parse_args(argv)

    import rcffi

    ffi = rcffi.FFI()
    ffi.cdef("""
        int abs(int);
        size_t strlen(const char *);
        void *memset(void *, int, size_t);
        void *malloc(size_t);
        void free(void *);
        int raise(int);
    """)
    lib = ffi.dlopen(None, isolated=True, timeout=30.0, breaker=False)
    small = ffi.new("char[]", 256)
    big = ffi.new("char[]", 256 * 1024)  # through the shared memory
    text = b"x" * 100
    crashes = 0

    def step(i):
        nonlocal crashes
        k = i % 5
        if k == 0:
            assert lib.abs(-i) == i
        elif k == 1:
            assert lib.strlen(text) == 100
        elif k == 2:
            lib.memset(small, i & 0x7F, 255)
        elif k == 3:
            lib.memset(big, 1, len(big))
        else:
            p = lib.malloc(64)
            lib.free(p)
        if args.crash_every and i and i % args.crash_every == 0:
            try:
                getattr(lib, "raise")(signal.SIGSEGV)  # `raise` is a Python keyword
            except rcffi.NativeCrash:
                crashes += 1

    warm = max(args.n // 10, 100)
    for i in range(warm):
        step(i)
    gc.collect()
    r0, f0, c0 = rss_mb(), fds(), children()
    t = time.perf_counter()
    for i in range(args.n):
        step(i)
    elapsed = time.perf_counter() - t
    gc.collect()
    r1, f1, c1 = rss_mb(), fds(), children()
    growth = r1 - r0
    print("isolated calls: %d in %.1f s (%.1f us each), worker crashes: %d, restarts: %d"
          % (args.n, elapsed, elapsed / args.n * 1e6, crashes, rcffi.isolation.status(lib)["restarts"]))
    print("parent RSS: %.1f MB -> %.1f MB (growth %.2f MB)" % (r0, r1, growth))
    print("parent fds: %d -> %d; children: %s -> %s" % (f0, f1, c0, c1))
    bad = []
    if growth > args.max_growth_mb:
        bad.append("RSS grew by %.2f MB" % growth)
    if f1 > f0:
        bad.append("%d file descriptors leaked" % (f1 - f0))
    if "Z" in c1 or len(c1) > 2:  # the worker and its warm spare
        bad.append("children left: %s" % (c1,))
    ffi.dlclose(lib)
    if bad:
        print("FAIL: " + "; ".join(bad))
        return 1
    print("OK: flat")
    return 0


if __name__ == "__main__":
    sys.exit(main())
