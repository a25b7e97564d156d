"""Build time of API mode: writing a compiled module's C source.

Run:  python benches/bench_codegen.py [--repeat N] [--instructions]

Inputs:
  * a cdef of 1,000 declarations (100 groups of a typedef'd struct of 4
    fields, an enum of 2 values, a #define and 6 functions);
  * ``cdef_header("sqlite3.h", only=...)``: every name but the three
    functions taking a ``va_list`` (skipped when the header is missing).
For each, the best-of-N wall time of the declaring call (``cdef`` or
``cdef_header``, into a fresh FFI), of ``ffi.emit_c_code(path)`` (the C
generator, with ``set_source()`` called before), and of ``ffi.verify()``'s
naming and writing of the source (``Verifier(...).write_source()``, which
also hashes the declarations). ``--instructions`` counts the instructions
of each under callgrind instead (one run each, after a warm-up).
"""

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _callgrind  # noqa: E402

import rcffi  # noqa: E402


def thousand_decls():
    parts = []
    for i in range(100):
        parts.append("typedef struct s%d { int a; long b; char c[8]; struct s%d *next; } s%d_t;\n" % (i, i, i))
        parts.append("enum e%d { E%d_A, E%d_B = %d };\n" % (i, i, i, i))
        parts.append("#define D%d %d\n" % (i, i))
        for j in range(6):
            parts.append("int f%d_%d(int a, s%d_t *c, const char *d);\n" % (i, j, i))
    return "".join(parts)


def sqlite3_names():
    """The names of sqlite3.h but the three functions taking a `va_list`
    (opaque to cdef: no API-mode module can declare them), or None when
    the header is missing."""
    if not os.path.exists("/usr/include/sqlite3.h"):
        return None
    ffi = rcffi.FFI()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ffi.cdef_header("sqlite3.h")
    return [n for n in ffi._declared_names() if n not in ("sqlite3_vmprintf", "sqlite3_vsnprintf", "sqlite3_str_vappendf")]


def inputs():
    """(label, declare(ffi))"""
    text = thousand_decls()
    out = [("cdef, 1,000 declarations", lambda ffi: ffi.cdef(text))]
    only = sqlite3_names()
    if only is not None:
        out.append(("cdef_header(\"sqlite3.h\", only=...)", lambda ffi: ffi.cdef_header("sqlite3.h", only=only)))
    return out


def fresh(declare):
    ffi = rcffi.FFI()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        declare(ffi)
    ffi.set_source("_bench_codegen", "")
    return ffi


def steps(tmp):
    """(name, run(declare)) of each measured step."""
    path = os.path.join(tmp, "out.c")

    def declare(d):
        ffi = rcffi.FFI()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d(ffi)

    def emit(d):
        ffi = fresh(d)
        with contextlib.redirect_stdout(io.StringIO()):  # "generating ..."
            ffi.emit_c_code(path)

    def verifier(d):
        from rcffi.verifier import Verifier

        ffi = rcffi.FFI()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d(ffi)
        Verifier(ffi, "", tmpdir=tmp).write_source()

    return [("declare", declare), ("declare + emit_c_code", emit), ("declare + verify's write_source", verifier)]


def wall_clock(repeat):
    with tempfile.TemporaryDirectory() as tmp:
        print("| input | step | best ms |")
        print("|---|---|---:|")
        for label, d in inputs():
            for name, run in steps(tmp):
                times = []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    run(d)
                    times.append(time.perf_counter() - t0)
                print("| %s | %s | %.2f |" % (label, name, min(times) * 1e3))


def child():
    with tempfile.TemporaryDirectory() as tmp:
        for _, d in inputs():
            for _, run in steps(tmp):
                run(d)  # warm-up: imports, caches
                _callgrind.region(run, d)


def instructions():
    counts = iter(_callgrind.run([sys.executable, os.path.abspath(__file__), "--instructions-child"]))
    with tempfile.TemporaryDirectory() as tmp:
        print("| input | step | instructions |")
        print("|---|---|---:|")
        for label, _ in inputs():
            for name, _ in steps(tmp):
                print("| %s | %s | {:,} |".format(next(counts)) % (label, name))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--instructions", action="store_true")
    ap.add_argument("--instructions-child", action="store_true")
    args = ap.parse_args(argv)
    if args.instructions_child:
        child()
    elif args.instructions:
        instructions()
    else:
        wall_clock(args.repeat)


if __name__ == "__main__":
    main()
