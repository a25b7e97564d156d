"""API-mode micro-benchmarks: rcffi vs cffi compiled modules, in one process.

Run:  python benches/bench_api.py [--quick]

Both implementations compile the same cdef + C source into a temp dir;
one row per call shape with ns/call and the ratio rcffi/cffi (lower is
better), plus the floor of a builtin call (`abs(-5)`). Not part of the test
suite: timings belong here.
"""

import importlib
import os
import sys
import tempfile
import timeit

QUICK = "--quick" in sys.argv
REPEAT = 3 if QUICK else 5

try:
    import cffi
except ImportError:  # pragma: no cover
    cffi = None

import rcffi

CDEF = """
    int abs(int);
    long add3(long, long, long);
    double hyp(double, double);
    struct point { int x; int y; };
    int sum_point(struct point *);
"""
SOURCE = """
#include <stdlib.h>
static long add3(long a, long b, long c) { return a + b + c; }
static double hyp(double a, double b) { return a * a + b * b; }
struct point { int x; int y; };
static int sum_point(struct point *p) { return p->x + p->y; }
"""


def best_ns(stmt, env):
    t = timeit.Timer(stmt, globals=env)
    n, _ = t.autorange()
    return min(t.repeat(REPEAT, max(n, 1))) / max(n, 1) * 1e9


def build(mod, name, tmp):
    ffi = mod.FFI()
    ffi.cdef(CDEF)
    ffi.set_source(name, SOURCE)
    ffi.compile(tmpdir=tmp)
    m = importlib.import_module(name)
    env = {"ffi": m.ffi, "lib": m.lib, "p": m.ffi.new("struct point *", [1, 2])}
    env["abs_"] = m.lib.abs
    return env


ROWS = [
    ("lib.abs(-5)", "lib.abs(-5)"),
    ("f = lib.abs; f(-5)", "abs_(-5)"),
    ("lib.add3(1, 2, 3)", "lib.add3(1, 2, 3)"),
    ("lib.hyp(3.0, 4.0)", "lib.hyp(3.0, 4.0)"),
    ("lib.sum_point(p)", "lib.sum_point(p)"),
]


def main():
    tmp = tempfile.mkdtemp(prefix="rcffi-bench-api-")
    sys.path.insert(0, tmp)
    env_r = build(rcffi, "_bench_api_rcffi", tmp)
    env_c = build(cffi, "_bench_api_cffi", tmp) if cffi else None
    floor = best_ns("abs(-5)", {})
    print(f"python {sys.version.split()[0]}, cffi {cffi.__version__ if cffi else '-'}; builtin abs(-5) floor: {floor:.1f} ns")
    print("| API-mode call | rcffi ns | cffi ns | rcffi/cffi |")
    print("|---|---:|---:|---:|")
    for name, stmt in ROWS:
        r = best_ns(stmt, env_r)
        c = best_ns(stmt, env_c) if env_c else None
        ratio = f"{r / c:.2f}x" if c else "-"
        print(f"| {name} | {r:.1f} | {c:.1f} | {ratio} |" if c else f"| {name} | {r:.1f} | - | - |")
    os.environ.pop("RCFFI_BENCH", None)


if __name__ == "__main__":
    main()
