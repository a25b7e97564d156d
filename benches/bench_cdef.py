"""cdef parsing speed: rcffi vs cffi, in one process.

Run:  python benches/bench_cdef.py

Inputs:
  * sqlite3.h as the C compiler sees it (`gcc -E -P /usr/include/sqlite3.h`),
    cleaned only as cffi requires: cffi does not know `__builtin_va_list`,
    so the two lines that typedef `va_list` from it become `typedef ... va_list;`.
  * a synthetic cdef of about 13,500 declarations (typedef'd structs with 8
    fields, enums, #defines, 5-argument functions).
Prints the best-of-N time of `FFI().cdef(text)` for each and the ratio.
"""

import re
import shutil
import subprocess
import sys
import time

import rcffi

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


def best(mod, text, repeat):
    times = []
    for _ in range(repeat):
        ffi = mod.FFI()
        t0 = time.perf_counter()
        ffi.cdef(text)
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    inputs = []
    sq = sqlite3_cdef()
    if sq is not None:
        inputs.append(("sqlite3.h (%d lines)" % sq.count("\n"), sq, 5))
    syn = synthetic_cdef()
    ndecls = syn.count("\n")  # one declaration per line
    inputs.append(("synthetic (%d declarations, %d KiB)" % (ndecls, len(syn) // 1024), syn, 3))
    print("| input | rcffi ms | cffi ms | cffi/rcffi (speed-up) |")
    print("|---|---:|---:|---:|")
    for name, text, repeat in inputs:
        r = best(rcffi, text, repeat)
        c = best(cffi, text, 1 if len(text) > 100000 else repeat) if cffi else None
        speed = "%.0fx" % (c / r) if c else "-"
        print("| %s | %.2f | %s | %s |" % (name, r * 1e3, "%.1f" % (c * 1e3) if c else "-", speed))


if __name__ == "__main__":
    sys.exit(main())
