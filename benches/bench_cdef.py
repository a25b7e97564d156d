"""cdef parsing speed: rcffi vs cffi, in one process.

Run:  python benches/bench_cdef.py [--instructions]

Inputs:
  * sqlite3.h as the C compiler sees it (`gcc -E -P /usr/include/sqlite3.h`),
    cleaned only as cffi requires: cffi does not know `__builtin_va_list`,
    so the two lines that typedef `va_list` from it become `typedef ... va_list;`.
  * a synthetic cdef of about 13,500 declarations (typedef'd structs with 8
    fields, enums, #defines, 5-argument functions).
  * issue #11's input, one-line functions `int f_N(int, long);`: 424,000 of
    them are 10 MB, and twice as many (parse time must stay linear); rcffi
    only (cffi takes minutes).
Prints the best-of-N time of `FFI().cdef(text)` for each (wall clock and
CPU time) and the ratio. `--instructions` counts the instructions of one
`cdef()` of each input under callgrind instead (cffi: sqlite3.h only).
"""

import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _callgrind  # noqa: E402

import rcffi  # noqa: E402

try:
    import cffi
except ImportError:  # pragma: no cover
    cffi = None


def sqlite3_cdef():
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        return None
    try:
        out = subprocess.run([gcc, "-E", "-P", "/usr/include/sqlite3.h"], check=True, capture_output=True, text=True).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    out = re.sub(r"typedef __builtin_va_list __gnuc_va_list;\s*typedef __gnuc_va_list va_list;", "typedef ... va_list;", out)
    return out


def synthetic_cdef(n_groups=1500):
    parts = []
    for i in range(n_groups):
        parts.append(
            "typedef struct s%d { int a; long b; char c[8]; double d; void *e; unsigned short f; float g; struct s%d *next; } s%d_t;\n" % (i, i, i)
        )
        parts.append("enum e%d { E%d_A, E%d_B = %d, E%d_C };\n" % (i, i, i, i, i))
        parts.append("#define D%d %d\n" % (i, i))
        for j in range(6):
            parts.append("int f%d_%d(int a, long b, s%d_t *c, const char *d, double e);\n" % (i, j, i))
    return "".join(parts)


def functions_cdef(n):
    return "".join("int f_%d(int, long);\n" % i for i in range(n))


def inputs():
    """(label, text, repeat, cffi too?)"""
    out = []
    sq = sqlite3_cdef()
    if sq is not None:
        out.append(("sqlite3.h (%d lines)" % sq.count("\n"), sq, 5, True))
    syn = synthetic_cdef()
    out.append(("synthetic (%d declarations, %d KiB)" % (syn.count("\n"), len(syn) // 1024), syn, 3, True))
    for n in (424000, 848000):
        text = functions_cdef(n)
        out.append(("`int f_N(int, long);` x %d (%.1f MB)" % (n, len(text) / 1e6), text, 2, False))
    return out


def best(mod, text, repeat):
    """Best (wall, CPU) seconds of `cdef(text)` into a fresh FFI."""
    runs = []
    for _ in range(repeat):
        ffi = mod.FFI()
        t0, c0 = time.perf_counter(), time.process_time()
        ffi.cdef(text)
        runs.append((time.perf_counter() - t0, time.process_time() - c0))
        del ffi
    return min(runs)


def wall_clock():
    print("| input | rcffi ms (CPU ms) | cffi ms | cffi/rcffi (speed-up) |")
    print("|---|---:|---:|---:|")
    for name, text, repeat, with_cffi in inputs():
        r, rc = best(rcffi, text, repeat)
        c = best(cffi, text, 1 if len(text) > 100000 else repeat)[0] if cffi and with_cffi else None
        speed = "%.0fx" % (c / r) if c else "-"
        print("| %s | %.1f (%.1f) | %s | %s |" % (name, r * 1e3, rc * 1e3, "%.1f" % (c * 1e3) if c else "-", speed))


def child(which):
    """Under callgrind: one region per input (rcffi, or cffi where it runs)."""
    mod = rcffi if which == "rcffi" else cffi
    for _, text, _, with_cffi in inputs():
        if mod is rcffi or with_cffi:
            ffi = mod.FFI()
            _callgrind.region(ffi.cdef, text)


def instructions():
    here = os.path.abspath(__file__)
    r = _callgrind.run([sys.executable, here, "--instructions-child", "rcffi"])
    c = iter(_callgrind.run([sys.executable, here, "--instructions-child", "cffi"]) if cffi else [])
    print("| input | rcffi instructions | cffi instructions | cffi/rcffi |")
    print("|---|---:|---:|---:|")
    for (name, _, _, with_cffi), ri in zip(inputs(), r):
        ci = next(c, None) if with_cffi else None
        cs = "{:,}".format(ci) if ci else "-"
        print("| %s | %s | %s | %s |" % (name, "{:,}".format(ri), cs, "%.0fx" % (ci / ri) if ci else "-"))


if __name__ == "__main__":
    if "--instructions-child" in sys.argv:
        child(sys.argv[sys.argv.index("--instructions-child") + 1])
    elif "--instructions" in sys.argv:
        instructions()
    else:
        wall_clock()
