"""Reading real headers: ``ffi.cdef_header(H)`` against ``gcc -E H`` alone.

Run:  python benches/bench_header.py [--repeat N]

For each header (sqlite3.h, stdio.h) prints the best-of-N wall time of
  * ``FFI().cdef_header(H)`` -- rcffi's preprocessor + header-mode parser +
    registry, in this process (a fresh FFI each time);
  * ``gcc -E H`` -- the C compiler's preprocessor only, run as a
    subprocess (process start included, output to a pipe), the natural
    anchor: preprocessing *and* declaring should cost no more than gcc's
    preprocessing alone;
and the ratio cdef_header / gcc -E (below 1 means rcffi is faster).
"""

import argparse
import shutil
import subprocess
import sys
import time
import warnings

import rcffi

HEADERS = ["sqlite3.h", "stdio.h"]


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def locate(gcc, header):
    """The path gcc finds for <header> (so both read the same file)."""
    probe = subprocess.run([gcc, "-E", "-H", "-x", "c", "-"], input="#include <%s>\n" % header,
                           capture_output=True, text=True)
    for line in probe.stderr.splitlines():
        if line.startswith(". "):
            return line[2:].strip()
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        sys.exit("no gcc to compare with")
    rows = []
    for header in HEADERS:
        path = locate(gcc, header)
        if path is None:
            print("%s: not installed, skipped" % header)
            continue

        def ours():
            ffi = rcffi.FFI()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ffi.cdef_header(path)
            return ffi

        n_decls = len(ours()._declared_names())
        t_rcffi = best(ours, args.repeat)
        t_gcc = best(lambda: subprocess.run([gcc, "-E", path], stdout=subprocess.PIPE, check=True), args.repeat)
        rows.append((header, n_decls, t_rcffi, t_gcc))

    print("best of %d; gcc = %s" % (args.repeat, subprocess.run([gcc, "-dumpfullversion"], capture_output=True, text=True).stdout.strip()))
    print("%-10s %8s %18s %10s %8s" % ("header", "names", "cdef_header (ms)", "gcc -E (ms)", "ratio"))
    for header, n, a, b in rows:
        print("%-10s %8d %18.2f %10.2f %8.2f" % (header, n, a * 1e3, b * 1e3, a / b))


if __name__ == "__main__":
    main()
