"""ABI-mode micro-benchmarks: rcffi vs cffi vs ctypes, in one process.

Run:  python benches/bench_abi.py [--quick]

Prints one row per operation with ns/op for each implementation and the
ratio rcffi/cffi (lower is better). cffi and ctypes rows are skipped when
the module is missing. Not part of the test suite: timings belong here.
"""

import ctypes
import ctypes.util
import random
import sys
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
    int memcmp(const void *, const void *, size_t);
    void qsort(void *base, size_t nmemb, size_t size, int (*compar)(const void *, const void *));
    struct point { int x; int y; };
"""


def best_ns(stmt, env, number=None):
    t = timeit.Timer(stmt, globals=env)
    if number is None:
        n, _ = t.autorange()
        number = max(n, 1)
    best = min(t.repeat(REPEAT, number))
    return best / number * 1e9


def setup_ffi(mod):
    ffi = mod.FFI()
    ffi.cdef(CDEF)
    lib = ffi.dlopen(None)
    env = {"ffi": ffi, "lib": lib, "f": lib.abs, "memcmp": lib.memcmp}
    env["a1"] = ffi.new("char[]", b"x" * 32)
    env["a2"] = ffi.new("char[]", b"x" * 32)
    env["p"] = ffi.new("struct point *", [1, 2])
    env["arr"] = ffi.new("int[]", 100)
    env["s100"] = ffi.new("char[]", b"y" * 100)
    env["ba"] = bytearray(1000)
    return env


def setup_ctypes():
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.abs.argtypes = [ctypes.c_int]
    libc.abs.restype = ctypes.c_int
    libc.memcmp.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    libc.memcmp.restype = ctypes.c_int

    class Point(ctypes.Structure):
        _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int)]

    env = {"ctypes": ctypes, "f": libc.abs, "memcmp": libc.memcmp, "Point": Point, "libc": libc}
    env["a1"] = ctypes.create_string_buffer(b"x" * 32)
    env["a2"] = ctypes.create_string_buffer(b"x" * 32)
    env["p"] = Point(1, 2)
    env["arr"] = (ctypes.c_int * 100)()
    env["s100"] = ctypes.create_string_buffer(b"y" * 100)
    env["IntArr100"] = ctypes.c_int * 100
    env["ba"] = bytearray(1000)
    return env


ROWS = [
    # (name, ffi statement, ctypes statement or None)
    ("f(-5)  [lib.abs]", "f(-5)", "f(-5)"),
    ("memcmp(a, b, 32)", "memcmp(a1, a2, 32)", "memcmp(a1, a2, 32)"),
    ('ffi.new("int[]", 100)', 'ffi.new("int[]", 100)', "IntArr100()"),
    ('ffi.new("struct point *")', 'ffi.new("struct point *")', "Point()"),
    ('ffi.cast("int", 5)', 'ffi.cast("int", 5)', "ctypes.c_int(5)"),
    ("p.x (read)", "p.x", "p.x"),
    ("p.x = 3 (write)", "p.x = 3", "p.x = 3"),
    ("arr[5] (read)", "arr[5]", "arr[5]"),
    ("ffi.string(100 bytes)", "ffi.string(s100)", "s100.value"),
    ("ffi.from_buffer(bytearray)", "ffi.from_buffer(ba)", "(ctypes.c_char * 1000).from_buffer(ba)"),
]


def qsort_row(env_r, env_c, env_t):
    random.seed(1234)
    data = [random.randint(-10**6, 10**6) for _ in range(10000)]

    def run_ffi(env):
        ffi, lib = env["ffi"], env["lib"]

        @ffi.callback("int(const void *, const void *)")
        def cmp(a, b):
            x = ffi.cast("int *", a)[0]
            y = ffi.cast("int *", b)[0]
            return (x > y) - (x < y)

        def go():
            arr = ffi.new("int[]", data)
            lib.qsort(arr, len(data), ffi.sizeof("int"), cmp)

        return min(timeit.repeat(go, number=1, repeat=REPEAT)) * 1e9

    def run_ctypes(env):
        CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))

        def c(a, b):
            x, y = a[0], b[0]
            return (x > y) - (x < y)

        cmp = CMP(c)
        libc = env["libc"]
        libc.qsort.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, CMP]
        libc.qsort.restype = None

        def go():
            arr = (ctypes.c_int * len(data))(*data)
            libc.qsort(arr, len(data), 4, cmp)

        return min(timeit.repeat(go, number=1, repeat=REPEAT)) * 1e9

    return (
        "qsort 10k ints, Python cmp",
        run_ffi(env_r),
        run_ffi(env_c) if env_c else None,
        run_ctypes(env_t),
    )


def main():
    env_r = setup_ffi(rcffi)
    env_c = setup_ffi(cffi) if cffi else None
    env_t = setup_ctypes()
    results = []
    for name, stmt, cstmt in ROWS:
        r = best_ns(stmt, env_r)
        c = best_ns(stmt, env_c) if env_c else None
        t = best_ns(cstmt, env_t) if cstmt else None
        results.append((name, r, c, t))
    results.append(qsort_row(env_r, env_c, env_t))
    floor = best_ns("absf(-5)", {"absf": abs})
    print(f"python {sys.version.split()[0]}, cffi {cffi.__version__ if cffi else '-'}; builtin abs(-5) floor: {floor:.1f} ns")
    print(f"| operation | rcffi ns | cffi ns | ctypes ns | rcffi/cffi | rcffi/ctypes |")
    print(f"|---|---:|---:|---:|---:|---:|")
    for name, r, c, t in results:
        unit = 1e6 if name.startswith("qsort") else 1.0
        fmt = (lambda v: f"{v / unit:.2f} ms") if unit != 1.0 else (lambda v: f"{v:.1f}")
        cr = f"{r / c:.2f}x" if c else "-"
        tr = f"{r / t:.2f}x" if t else "-"
        print(f"| {name} | {fmt(r)} | {fmt(c) if c else '-'} | {fmt(t) if t else '-'} | {cr} | {tr} |")


if __name__ == "__main__":
    main()
