"""What the stable ABI costs a compiled module: the same cdef and source
built with py_limited_api=True (an `.abi3.so`, one build for every CPython)
and py_limited_api=False (the full C API), called in one process.

Run:  python benches/bench_abi3.py [--quick]

The rows are benches/bench_api.py's. Calls go from rcffi's runtime to the
module's C trampolines or straight to the functions, never through the
module's Python C API, so the two builds should time the same; this checks
that it stays so. Not part of the test suite: timings belong here.
"""

import importlib
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_api import CDEF, ROWS, SOURCE, best_ns  # noqa: E402

import rcffi  # noqa: E402


def build(name, tmp, limited):
    ffi = rcffi.FFI()
    ffi.cdef(CDEF)
    ffi.set_source(name, SOURCE, py_limited_api=limited)
    path = ffi.compile(tmpdir=tmp)
    m = importlib.import_module(name)
    env = {"ffi": m.ffi, "lib": m.lib, "p": m.ffi.new("struct point *", [1, 2]), "abs_": m.lib.abs}
    return env, os.path.basename(path)


def main():
    tmp = tempfile.mkdtemp(prefix="rcffi-bench-abi3-")
    sys.path.insert(0, tmp)
    env_a, file_a = build("_bench_abi3_limited", tmp, True)
    env_f, file_f = build("_bench_abi3_full", tmp, False)
    print(f"python {sys.version.split()[0]}, rcffi {rcffi.__version__}: {file_a} vs {file_f}")
    print("| API-mode call | abi3 ns | full API ns | abi3/full |")
    print("|---|---:|---:|---:|")
    for name, stmt in ROWS:
        # alternated, best of each: drift in machine load hits both alike
        a = f = float("inf")
        for _ in range(3):
            a = min(a, best_ns(stmt, env_a))
            f = min(f, best_ns(stmt, env_f))
        print(f"| {name} | {a:.1f} | {f:.1f} | {a / f:.2f}x |")


if __name__ == "__main__":
    main()
