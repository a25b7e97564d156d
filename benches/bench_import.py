"""Import time of a compiled (API-mode) module with 1,000 declarations:
rcffi vs cffi. Each import runs in a fresh interpreter (best of N), after a
first warm-up import that fills the OS file cache.

Run:  python benches/bench_import.py [--repeat N]
"""

import os
import subprocess
import sys
import tempfile

try:
    import cffi
except ImportError:  # pragma: no cover
    cffi = None

import rcffi

REPEAT = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 15
N = 1000


def declarations():
    """250 structs, 250 enums of 2 values, 250 functions, 250 constants."""
    cdef, source = [], []
    for i in range(N // 4):
        cdef.append("struct s%d { int a; double b; char c[4]; };" % i)
        source.append("struct s%d { int a; double b; char c[4]; };" % i)
        cdef.append("enum e%d { E%d_A, E%d_B = %d };" % (i, i, i, i))
        source.append("enum e%d { E%d_A, E%d_B = %d };" % (i, i, i, i))
        cdef.append("int f%d(int, struct s%d *);" % (i, i))
        source.append("static int f%d(int x, struct s%d *p) { return x + p->a; }" % (i, i))
        cdef.append("#define K%d %d" % (i, i * 7))
        source.append("#define K%d %d" % (i, i * 7))
    return "\n".join(cdef), "\n".join(source)


def build(mod, name, tmp):
    ffi = mod.FFI()
    text, source = declarations()
    ffi.cdef(text)
    ffi.set_source(name, source)
    ffi.compile(tmpdir=tmp)


def import_ms(name, tmp):
    code = ("import sys, time; sys.path.insert(0, %r); t = time.perf_counter(); "
            "import %s as m; m.lib.f1; print((time.perf_counter() - t) * 1e3)" % (tmp, name))
    runs = []
    for _ in range(REPEAT + 1):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        runs.append(float(out.stdout))
    return min(runs[1:])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)  # cffi's compile runs setuptools here
        try:
            build(rcffi, "_imp_rcffi", tmp)
            if cffi:
                build(cffi, "_imp_cffi", tmp)
        finally:
            os.chdir(cwd)
        r = import_ms("_imp_rcffi", tmp)
        c = import_ms("_imp_cffi", tmp) if cffi else None
        print("python %s, %d declarations, best of %d fresh interpreters" % (sys.version.split()[0], N, REPEAT))
        print("| module import | rcffi ms | cffi ms | rcffi/cffi |")
        print("|---|---:|---:|---:|")
        print("| import + first `lib` access | %.2f | %s | %s |" % (r, "%.2f" % c if c else "-", "%.2fx" % (r / c) if c else "-"))


if __name__ == "__main__":
    main()
