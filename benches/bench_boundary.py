"""Benchmarks of rcffi's boundary tools: isolated calls, metrics and
contracts (docs/isolation.md, docs/metrics.md; figures in
docs/performance.md).

Run:  python benches/bench_boundary.py [--quick] [--instructions]

Prints:
* the round trip of an isolated ``abs(-5)`` (goal: <= 15 us), next to the
  same call in process and an empty round trip to the worker;
* the throughput of a 1 MB buffer argument of an isolated call (goal:
  >= 1 GB/s): ``bytes`` (copied in) and an ``ffi.new`` array (copied in
  and back), through the shared memory; and a 16 KB one through the pipe;
* the restart time after a crash (goal: <= 50 ms): from the crash being
  reported to the next call returning, with the warm spare worker (the
  default) and without (``spare=False``);
* the cost metrics and contracts add to ``f(-5)`` (goal: +30 ns with
  metrics on; nothing with them off, as the library's own function
  object is called);
* with ``--instructions`` (needs valgrind): instructions per ``f(-5)``
  with metrics off and on, counted by callgrind.

Not part of the test suite: timings belong here.
"""

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import timeit

import rcffi

QUICK = "--quick" in sys.argv
REPEAT = 3 if QUICK else 7

CDEF = """
    int abs(int);
    size_t strlen(const char *);
    void *memset(void *, int, size_t);
    int raise(int);
"""


def best_ns(stmt, env, number=None):
    t = timeit.Timer(stmt, globals=env)
    if number is None:
        n, _ = t.autorange()
        number = max(n, 1)
    return min(t.repeat(REPEAT, number)) / number * 1e9


def row(name, value, unit, goal=""):
    print("  %-52s %12s %s" % (name, ("%.1f" % value) + " " + unit, goal))


def bench_round_trip():
    ffi = rcffi.FFI()
    ffi.cdef(CDEF)
    plain = ffi.dlopen(None)
    iso = ffi.dlopen(None, isolated=True)
    env = {"f": plain.abs, "g": iso.abs, "sup": iso._rcffi_isolated}
    env["g"](-5)
    print("isolated call round trip (median of %d runs, best run shown in brackets)" % REPEAT)
    for name, stmt, goal in (("abs(-5) in process", "f(-5)", ""),
                             ("abs(-5) isolated", "g(-5)", "goal <= 15 us"),
                             ("empty round trip to the worker (ping)", "sup.ping()", "")):
        t = timeit.Timer(stmt, globals=env)
        number = 2000 if QUICK else 20000
        if stmt == "f(-5)":
            number *= 50
        runs = [x / number * 1e6 for x in t.repeat(REPEAT, number)]
        print("  %-52s %9.2f us [%.2f] %s" % (name, statistics.median(runs), min(runs), goal))
    ffi.dlclose(iso)


def bench_throughput():
    ffi = rcffi.FFI()
    ffi.cdef(CDEF)
    iso = ffi.dlopen(None, isolated=True)
    mb = 1 << 20
    data = b"x" * mb
    buf = ffi.new("char[]", mb)
    small = b"y" * (16 << 10)
    env = {"lib": iso, "data": data, "buf": buf, "mb": mb, "small": small}
    iso.strlen(data)
    iso.memset(buf, 1, mb)
    print("isolated throughput (1 MB = 2^20 bytes; best of %d)" % REPEAT)
    number = 50 if QUICK else 300
    for name, stmt, size, goal in (
            ("1 MB bytes argument, copied in (strlen)", "lib.strlen(data)", mb, "goal >= 1 GB/s"),
            ("1 MB ffi.new array, copied in and back (memset)", "lib.memset(buf, 1, mb)", mb, "goal >= 1 GB/s"),
            ("16 KB bytes argument, through the pipe (strlen)", "lib.strlen(small)", len(small), "")):
        secs = min(timeit.Timer(stmt, globals=env).repeat(REPEAT, number)) / number
        print("  %-52s %9.2f GB/s (%.0f us/call) %s" % (name, size / secs / 1e9, secs * 1e6, goal))
    ffi.dlclose(iso)


def bench_restart():
    ffi = rcffi.FFI()
    ffi.cdef(CDEF)
    print("restart after a crash: from the crash being reported to the next call returning")
    for spare, label in ((True, "warm spare ready (the default)"), (False, "no spare (spare=False): a cold start")):
        iso = ffi.dlopen(None, isolated=True, breaker=False, spare=spare)
        crash = getattr(iso, "raise")
        iso.abs(-1)
        times = []
        for _ in range(5 if QUICK else 20):
            time.sleep(0.5)  # crashes a while apart: the spare has started meanwhile
            try:
                crash(signal.SIGSEGV)
            except rcffi.NativeCrash:
                t = time.perf_counter()
            iso.abs(-1)
            times.append((time.perf_counter() - t) * 1e3)
        print("  %-52s %9.1f ms (min %.1f, max %.1f) %s" % (
            label + ", median", statistics.median(times), min(times), max(times), "goal <= 50 ms" if spare else ""))
        ffi.dlclose(iso)


def bench_metrics():
    ffi = rcffi.FFI()
    ffi.cdef(CDEF)
    plain = ffi.dlopen(None)
    metered = ffi.dlopen(None, metrics=True)
    declared = ffi.dlopen(None)
    rcffi.contract(declared, "abs", error_if=rcffi.contracts.lt(0))
    errno_lib = ffi.dlopen(None)
    rcffi.contract(errno_lib, "abs", errno=True)  # the POSIX convention: -1 is an error, errno read
    predicate = ffi.dlopen(None)
    rcffi.contract(predicate, "abs", error_if=lambda rc: rc < 0)
    both = ffi.dlopen(None, metrics=True)
    rcffi.contract(both, "abs", error_if=rcffi.contracts.lt(0))
    env = {"f": plain.abs, "m": metered.abs, "c": declared.abs, "e": errno_lib.abs, "p": predicate.abs,
           "b": both.abs, "s": plain.strlen, "ms": metered.strlen, "text": b"x" * 100}
    extra_rows = []
    try:
        import cffi
    except ImportError:
        cffi = None
    if cffi is not None:
        # what a cffi user writes for the same convention: a Python wrapper
        cffi_ffi = cffi.FFI()
        cffi_ffi.cdef("int abs(int);")
        cabs = cffi_ffi.dlopen(None).abs

        def checked_abs(x):
            rc = cabs(x)
            if rc < 0:
                raise OSError("abs() returned %d" % rc)
            return rc

        env.update(cf=cabs, cc=checked_abs)
        extra_rows += [("cffi f(-5)", "cf(-5)", None),
                       ("cffi f(-5), the same check by hand (a Python wrapper)", "cc(-5)", "cf(-5)")]
    import ctypes

    def errcheck(rc, func, args):
        if rc < 0:
            raise OSError("abs() returned %d" % rc)
        return rc

    libc = ctypes.CDLL(None)
    t_abs, t_checked = libc.abs, ctypes.CDLL(None).abs
    for fn in (t_abs, t_checked):
        fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_int
    t_checked.errcheck = errcheck
    env.update(tf=t_abs, tc=t_checked)
    extra_rows += [("ctypes f(-5)", "tf(-5)", None), ("ctypes f(-5), errcheck= (a Python function)", "tc(-5)", "tf(-5)")]
    print("metrics and contracts on f(-5) (ns per call, best of %d; rows interleaved %d times)" % (REPEAT, REPEAT))
    # (label, statement, the statement it adds to)
    rows = (("f(-5), metrics off (the library's own function)", "f(-5)", None),
            ("f(-5), metrics on", "m(-5)", "f(-5)"),
            ("f(-5), contract error_if=lt(0) (checked in Rust)", "c(-5)", "f(-5)"),
            ("f(-5), contract errno=True (checked in Rust)", "e(-5)", "f(-5)"),
            ("f(-5), contract error_if=lambda rc: rc < 0", "p(-5)", "f(-5)"),
            ("f(-5), metrics on and contract lt(0)", "b(-5)", "f(-5)"),
            ("strlen(bytes[100]), metrics off", "s(text)", None),
            ("strlen(bytes[100]), metrics on (counts bytes_in)", "ms(text)", "s(text)")) + tuple(extra_rows)
    # interleaved rounds, best of each: the machine's load drifts less
    # between neighbouring measurements than between whole rows
    best = {stmt: float("inf") for _, stmt, _ in rows}
    for _ in range(REPEAT):
        for _, stmt, _ in rows:
            t = timeit.Timer(stmt, globals=env)
            best[stmt] = min(best[stmt], t.timeit(100000) / 100000 * 1e9)
    for name, stmt, ref in rows:
        extra = "" if ref is None else "(+%.1f)" % (best[stmt] - best[ref])
        goal = "goal +30 ns" if stmt == "m(-5)" else ""
        print("  %-52s %9.1f ns  %s %s" % (name, best[stmt], extra, goal))


_COUNT = r"""
import sys, rcffi
ffi = rcffi.FFI(); ffi.cdef("int abs(int);")
lib = ffi.dlopen(None, metrics=(sys.argv[1] == "on"))
if sys.argv[1] == "contract":
    rcffi.contract(lib, "abs", error_if=rcffi.contracts.lt(0))
f = lib.abs
for i in range(int(sys.argv[2])):
    f(-5)
"""


def instructions(mode, n):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, sys.executable, "-c", _COUNT,
                        mode, str(n)], check=True, capture_output=True, env=dict(os.environ, PYTHONHASHSEED="0"))
        text = open(out).read()
    m = re.search(r"^summary:\s+(\d+)", text, re.M) or re.search(r"^totals:\s+(\d+)", text, re.M)
    return int(m.group(1))


def bench_instructions():
    n = 20000
    print("instructions per f(-5), counted by callgrind ((count at 2N - count at N) / N, N=%d)" % n)
    for mode, label in (("off", "metrics off"), ("on", "metrics on"), ("contract", "contract error_if=lt(0)")):
        per = (instructions(mode, 2 * n) - instructions(mode, n)) / n
        print("  %-52s %9.0f" % (label, per))


if __name__ == "__main__":
    print("rcffi %s, Python %s" % (rcffi.__version__, sys.version.split()[0]))
    bench_round_trip()
    bench_throughput()
    bench_restart()
    bench_metrics()
    if "--instructions" in sys.argv:
        bench_instructions()
