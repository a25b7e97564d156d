"""ABI-mode micro-benchmarks: rcffi vs cffi vs ctypes, in one process.

Run:  python benches/bench_abi.py [--quick] [--instructions]

Prints one row per operation with ns/op for each implementation and the
ratio rcffi/cffi (lower is better). cffi and ctypes rows are skipped when
the module is missing. `--instructions` counts instructions per operation
instead (callgrind, see _callgrind.py): the same on a busy machine and a
quiet one. Not part of the test suite: timings belong here.
"""

import ctypes
import ctypes.util
import os
import random
import sys
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
    int memcmp(const void *, const void *, size_t);
    char *strchr(const char *, int);
    typedef struct { int quot; int rem; } div_t;
    div_t div(int, int);
    void qsort(void *base, size_t nmemb, size_t size, int (*compar)(const void *, const void *));
    struct point { int x; int y; };
"""

# ffi.string() inputs: NUL-terminated char[] of these lengths
STRING_SIZES = [("10 B", 10), ("100 B", 100), ("5 KB", 5000), ("50 KB", 50000), ("1 MB", 1 << 20)]
WIDE_LEN = 5000


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
    env = {"ffi": ffi, "lib": lib, "f": lib.abs, "memcmp": lib.memcmp, "strchr": lib.strchr, "div": lib.div}
    env["a1"] = ffi.new("char[]", b"x" * 32)
    env["a2"] = ffi.new("char[]", b"x" * 32)
    env["p"] = ffi.new("struct point *", [1, 2])
    env["arr"] = ffi.new("int[]", 100)
    for label, n in STRING_SIZES:
        env["s%d" % n] = ffi.new("char[]", b"y" * n)
    env["w"] = ffi.new("wchar_t[]", "y" * WIDE_LEN)
    env["ba"] = bytearray(1000)
    return env


def setup_ctypes():
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.abs.argtypes = [ctypes.c_int]
    libc.abs.restype = ctypes.c_int
    libc.memcmp.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    libc.memcmp.restype = ctypes.c_int
    libc.strchr.argtypes = [ctypes.c_char_p, ctypes.c_int]
    libc.strchr.restype = ctypes.POINTER(ctypes.c_char)

    class Point(ctypes.Structure):
        _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int)]

    class DivT(ctypes.Structure):
        _fields_ = [("quot", ctypes.c_int), ("rem", ctypes.c_int)]

    libc.div.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.div.restype = DivT
    env = {"ctypes": ctypes, "f": libc.abs, "memcmp": libc.memcmp, "strchr": libc.strchr, "div": libc.div,
           "Point": Point, "libc": libc}
    env["a1"] = ctypes.create_string_buffer(b"x" * 32)
    env["a2"] = ctypes.create_string_buffer(b"x" * 32)
    env["p"] = Point(1, 2)
    env["arr"] = (ctypes.c_int * 100)()
    for label, n in STRING_SIZES:
        buf = ctypes.create_string_buffer(b"y" * n)
        env["s%d" % n] = buf
        env["a%d" % n] = ctypes.addressof(buf)
    env["w"] = ctypes.create_unicode_buffer("y" * WIDE_LEN)
    env["IntArr100"] = ctypes.c_int * 100
    env["ba"] = bytearray(1000)
    env["q"] = ctypes.pointer(ctypes.c_char(b"y"))
    return env


# operation | rcffi/cffi statement | ctypes statement (each run 2,000 times
# in a loop under callgrind)
_TABLE = """
f(-5)  [lib.abs]                 | f(-5)                     | f(-5)
memcmp(a, b, 32)                 | memcmp(a1, a2, 32)        | memcmp(a1, a2, 32)
strchr(s, 121)  [pointer result] | strchr(s100, 121)         | strchr(s100, 121)
div(7, 2)  [struct result]       | div(7, 2)                 | div(7, 2)
ffi.new("int[]", 100)            | ffi.new("int[]", 100)     | IntArr100()
ffi.new("struct point *")        | ffi.new("struct point *") | Point()
ffi.cast("int", 5)               | ffi.cast("int", 5)        | ctypes.c_int(5)
p.x (read)                       | p.x                       | p.x
p.x = 3 (write)                  | p.x = 3                   | p.x = 3
arr[5] (read)                    | arr[5]                    | arr[5]
arr[5] = 3 (write)               | arr[5] = 3                | arr[5] = 3
p != ffi.NULL                    | p != ffi.NULL             | bool(q)
sum(arr)  [iterate int[100]]     | sum(arr)                  | sum(arr)
"""

ROWS = [
    # (name, ffi statement, ctypes statement or None, loop count under callgrind)
    tuple(cell.strip() for cell in line.split("|")) + (2000,)
    for line in _TABLE.strip().splitlines()
] + [
    ("ffi.string(%s)" % label, "ffi.string(s%d)" % n, "ctypes.string_at(a%d)" % n, max(5, min(2000, 20000000 // (n * 10))))
    for label, n in STRING_SIZES
] + [
    ("ffi.string(wchar_t[%d])" % WIDE_LEN, "ffi.string(w)", "w.value", 200),
    ("ffi.from_buffer(bytearray)", "ffi.from_buffer(ba)", "(ctypes.c_char * 1000).from_buffer(ba)", 2000),
]


def qsort_data():
    random.seed(1234)
    return [random.randint(-10**6, 10**6) for _ in range(10000)]


def qsort_ffi(env, data):
    ffi, lib = env["ffi"], env["lib"]

    @ffi.callback("int(const void *, const void *)")
    def cmp(a, b):
        x = ffi.cast("int *", a)[0]
        y = ffi.cast("int *", b)[0]
        return (x > y) - (x < y)

    def go():
        arr = ffi.new("int[]", data)
        lib.qsort(arr, len(data), ffi.sizeof("int"), cmp)

    return go


def qsort_ctypes(env, data):
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

    return go


QSORT = "qsort 10k ints, Python cmp"


def environments():
    return setup_ffi(rcffi), setup_ffi(cffi) if cffi else None, setup_ctypes()


def wall_clock():
    env_r, env_c, env_t = environments()
    results = []
    for name, stmt, cstmt, _ in ROWS:
        r = best_ns(stmt, env_r)
        c = best_ns(stmt, env_c) if env_c else None
        t = best_ns(cstmt, env_t) if cstmt else None
        results.append((name, r, c, t))
    data = qsort_data()
    runs = [qsort_ffi(env_r, data), qsort_ffi(env_c, data) if env_c else None, qsort_ctypes(env_t, data)]
    results.append((QSORT,) + tuple(min(timeit.repeat(go, number=1, repeat=REPEAT)) * 1e9 if go else None for go in runs))
    floor = best_ns("absf(-5)", {"absf": abs})
    print(f"python {sys.version.split()[0]}, cffi {cffi.__version__ if cffi else '-'}; builtin abs(-5) floor: {floor:.1f} ns")
    print("| operation | rcffi ns | cffi ns | ctypes ns | rcffi/cffi | rcffi/ctypes |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r, c, t in results:
        unit = 1e6 if name == QSORT else 1.0
        fmt = (lambda v: f"{v / unit:.2f} ms") if unit != 1.0 else (lambda v: f"{v:.1f}")
        cr = f"{r / c:.2f}x" if c else "-"
        tr = f"{r / t:.2f}x" if t else "-"
        print(f"| {name} | {fmt(r)} | {fmt(c) if c else '-'} | {fmt(t) if t else '-'} | {cr} | {tr} |")


def child():
    """Under callgrind: one region per (row, implementation), in order,
    each followed by its `pass` baseline."""
    envs = environments()
    for name, stmt, cstmt, number in ROWS:
        for env, s in zip(envs, (stmt, stmt, cstmt)):
            _callgrind.loop_region(s if env is not None and s else "pass", env or {}, number)
            _callgrind.loop_region("pass", env or {}, number)
    data = qsort_data()
    runs = [qsort_ffi(envs[0], data), qsort_ffi(envs[1], data) if envs[1] else None, qsort_ctypes(envs[2], data)]
    for go in runs:
        if go:
            go()  # warm-up
        _callgrind.region(go or (lambda: None))
        _callgrind.region(lambda: None)


def instructions():
    counts = _callgrind.run([sys.executable, os.path.abspath(__file__), "--instructions-child"])
    it = iter(zip(counts[0::2], counts[1::2]))
    print(f"python {sys.version.split()[0]}, cffi {cffi.__version__ if cffi else '-'}; instructions per operation (callgrind)")
    print("| operation | rcffi | cffi | ctypes | rcffi/cffi | rcffi/ctypes |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = [(name, (stmt, stmt, cstmt), number) for name, stmt, cstmt, number in ROWS]
    rows.append((QSORT, ("go", "go" if cffi else None, "go"), 1))
    for name, stmts, number in rows:
        vals = []
        for s in stmts:
            count, base = next(it)
            vals.append(_callgrind.per_op(count, base, number) if s else None)
        r, c, t = vals
        fmt = (lambda v: f"{v / 1e6:.1f} M") if name == QSORT else (lambda v: f"{v:,.0f}")
        cr = f"{r / c:.2f}x" if c else "-"
        tr = f"{r / t:.2f}x" if t else "-"
        print(f"| {name} | {fmt(r)} | {fmt(c) if c is not None else '-'} | {fmt(t) if t is not None else '-'} | {cr} | {tr} |")


def main():
    if "--instructions-child" in sys.argv:
        child()
    elif "--instructions" in sys.argv:
        instructions()
    else:
        wall_clock()


if __name__ == "__main__":
    main()
