"""API-mode micro-benchmarks: rcffi vs cffi compiled modules, in one process.

Run:  python benches/bench_api.py [--quick] [--instructions]

Both implementations compile the same cdef + C source into a temp dir;
one row per call shape with ns/call and the ratio rcffi/cffi (lower is
better), plus the floor of a builtin call (`abs(-5)`). `--instructions`
counts instructions per call instead (callgrind, see _callgrind.py). Not
part of the test suite: timings belong here.
"""

import importlib
import os
import sys
import tempfile
import timeit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _callgrind  # noqa: E402

QUICK = "--quick" in sys.argv
REPEAT = 3 if QUICK else 5

try:
    import cffi
except ImportError:  # pragma: no cover
    cffi = None

import rcffi  # noqa: E402

CDEF = """
    int abs(int);
    long add3(long, long, long);
    double hyp(double, double);
    struct point { int x; int y; };
    int sum_point(struct point *);
    struct point make_point(int, int);
    struct node { struct node *next; int value; };
    struct node *next_node(struct node *);
"""
SOURCE = """
#include <stdlib.h>
static long add3(long a, long b, long c) { return a + b + c; }
static double hyp(double a, double b) { return a * a + b * b; }
struct point { int x; int y; };
static int sum_point(struct point *p) { return p->x + p->y; }
static struct point make_point(int x, int y) { struct point p = { x, y }; return p; }
struct node { struct node *next; int value; };
static struct node *next_node(struct node *n) { return n->next; }
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
    return name


def environment(name):
    m = importlib.import_module(name)
    env = {"ffi": m.ffi, "lib": m.lib, "p": m.ffi.new("struct point *", [1, 2])}
    env["abs_"] = m.lib.abs
    # a node pointing to itself: every next_node() call returns a pointer
    env["n"] = m.ffi.new("struct node *")
    env["n"].next = env["n"]
    return env


ROWS = [
    ("lib.abs(-5)", "lib.abs(-5)"),
    ("f = lib.abs; f(-5)", "abs_(-5)"),
    ("lib.add3(1, 2, 3)", "lib.add3(1, 2, 3)"),
    ("lib.hyp(3.0, 4.0)", "lib.hyp(3.0, 4.0)"),
    ("lib.sum_point(p)", "lib.sum_point(p)"),
    ("lib.next_node(n)  [pointer result]", "lib.next_node(n)"),
    ("lib.make_point(1, 2)  [struct result]", "lib.make_point(1, 2)"),
    ("lib.next_node(n) != ffi.NULL", "lib.next_node(n) != ffi.NULL"),
]
NUMBER = 2000  # loop count under callgrind


def modules():
    tmp = tempfile.mkdtemp(prefix="rcffi-bench-api-")
    sys.path.insert(0, tmp)
    names = [build(rcffi, "_bench_api_rcffi", tmp)]
    if cffi:
        names.append(build(cffi, "_bench_api_cffi", tmp))
    return tmp, names


def wall_clock():
    _, names = modules()
    env_r = environment(names[0])
    env_c = environment(names[1]) if cffi else None
    floor = best_ns("abs(-5)", {})
    print(f"python {sys.version.split()[0]}, cffi {cffi.__version__ if cffi else '-'}; builtin abs(-5) floor: {floor:.1f} ns")
    print("| API-mode call | rcffi ns | cffi ns | rcffi/cffi |")
    print("|---|---:|---:|---:|")
    for name, stmt in ROWS:
        r = best_ns(stmt, env_r)
        c = best_ns(stmt, env_c) if env_c else None
        print(f"| {name} | {r:.1f} | {c:.1f} | {r / c:.2f}x |" if c else f"| {name} | {r:.1f} | - | - |")


def child(tmp, names):
    sys.path.insert(0, tmp)
    envs = [environment(n) for n in names]
    for _, stmt in ROWS:
        for env in envs:
            _callgrind.loop_region(stmt, env, NUMBER)
            _callgrind.loop_region("pass", env, NUMBER)


def instructions():
    tmp, names = modules()  # built here: the compiler does not run under callgrind
    counts = _callgrind.run([sys.executable, os.path.abspath(__file__), "--instructions-child", tmp] + names)
    it = iter(zip(counts[0::2], counts[1::2]))
    print(f"python {sys.version.split()[0]}, cffi {cffi.__version__ if cffi else '-'}; instructions per call (callgrind)")
    print("| API-mode call | rcffi | cffi | rcffi/cffi |")
    print("|---|---:|---:|---:|")
    for name, _ in ROWS:
        vals = [_callgrind.per_op(*next(it), NUMBER) for _ in names]
        if len(vals) == 2:
            print(f"| {name} | {vals[0]:,.0f} | {vals[1]:,.0f} | {vals[0] / vals[1]:.2f}x |")
        else:
            print(f"| {name} | {vals[0]:,.0f} | - | - |")


def main():
    if "--instructions-child" in sys.argv:
        i = sys.argv.index("--instructions-child")
        child(sys.argv[i + 1], sys.argv[i + 2:])
    elif "--instructions" in sys.argv:
        instructions()
    else:
        wall_clock()


if __name__ == "__main__":
    main()
