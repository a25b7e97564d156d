"""Import time of generated modules, rcffi vs cffi, at several sizes.

Run:  python benches/bench_import.py [N ...] [--repeat R] [--instructions]

N: numbers of declarations (default: 1000 10000), a quarter each of
structs, enums of 2 values, functions and integer constants. For each N:

- a compiled (API-mode) module: `import _mod` + first `lib` access;
- an out-of-line ABI module (`set_source(name, None)`): `import _mod` +
  first use of a type (`ffi.sizeof("struct s1")`);

and once, what a compiled module imports at start besides itself (the
runtime: `rcffi`, whose `__init__` is the extension, and any other `rcffi.*`,
against `_cffi_backend`), summed from
`python -X importtime`.

Each import runs in a fresh interpreter (best of R, after a first warm-up
import that fills the OS file cache). `--instructions` counts the
instructions of the same regions under callgrind instead (one run each:
the counts repeat), see _callgrind.py.
"""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _callgrind  # noqa: E402

try:
    import cffi
except ImportError:  # pragma: no cover
    cffi = None

import rcffi  # noqa: E402

argv = sys.argv[1:]
REPEAT = 15
if "--repeat" in argv:
    i = argv.index("--repeat")
    REPEAT = int(argv[i + 1])
    del argv[i:i + 2]
INSTRUCTIONS = "--instructions" in argv
SIZES = [int(a) for a in argv if not a.startswith("--")] or [1000, 10000]


def declarations(n):
    """n/4 structs, n/4 enums of 2 values, n/4 functions, n/4 constants."""
    cdef, source = [], []
    for i in range(n // 4):
        cdef.append("struct s%d { int a; double b; char c[4]; };" % i)
        source.append("struct s%d { int a; double b; char c[4]; };" % i)
        cdef.append("enum e%d { E%d_A, E%d_B = %d };" % (i, i, i, i))
        source.append("enum e%d { E%d_A, E%d_B = %d };" % (i, i, i, i))
        cdef.append("int f%d(int, struct s%d *);" % (i, i))
        source.append("static int f%d(int x, struct s%d *p) { return x + p->a; }" % (i, i))
        cdef.append("#define K%d %d" % (i, i * 7))
        source.append("#define K%d %d" % (i, i * 7))
    return "\n".join(cdef), "\n".join(source)


def build(mod, name, tmp, n, out_of_line):
    ffi = mod.FFI()
    text, source = declarations(n)
    ffi.cdef(text)
    ffi.set_source(name, None if out_of_line else source)
    ffi.compile(tmpdir=tmp)


# what each kind of module is timed doing
USE = {"compiled": "m.lib.f1", "out-of-line": 'm.ffi.sizeof("struct s1")'}


# as users run them: with bytecode caches (some environments turn them off)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed_code(tmp, name, use):
    return ("import sys, time; sys.path.insert(0, %r); t = time.perf_counter(); "
            "import %s as m; %s; print((time.perf_counter() - t) * 1e3)" % (tmp, name, use))


def counted_code(tmp, name, use):
    return ("import sys, os; sys.path.insert(0, %r); os.getppid(); import %s as m; %s; os.getppid()" % (tmp, name, use))


def import_ms(tmp, name, use):
    runs = []
    for _ in range(REPEAT + 1):
        out = subprocess.run([sys.executable, "-c", timed_code(tmp, name, use)], capture_output=True, text=True, check=True, env=ENV)
        runs.append(float(out.stdout))
    return min(runs[1:])


def import_instructions(tmp, name, use):
    # a first import writes the bytecode cache of a generated .py module
    subprocess.run([sys.executable, "-c", counted_code(tmp, name, use)], check=True, env=ENV)
    return _callgrind.run([sys.executable, "-c", counted_code(tmp, name, use)])[0]


def runtime_ms(tmp, name, prefixes):
    """Microseconds `python -X importtime` gives the runtime modules a
    compiled module imports (their own time, summed); best of R."""
    best = None
    for _ in range(REPEAT + 1):
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import sys; sys.path.insert(0, %r); import %s" % (tmp, name)],
                             capture_output=True, text=True, check=True, env=ENV)
        total = 0
        for line in out.stderr.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[2].strip().startswith(prefixes):
                total += int(parts[0].split(":")[1])
        best = total if best is None else min(best, total)
    return best / 1e3


def runtime_instructions(tmp, name):
    """Instructions of the import of a compiled module's runtime alone."""
    return _callgrind.run([sys.executable, "-c", "import sys, os; os.getppid(); import %s; os.getppid()" % name])[0]


def row(label, r, c, unit):
    fmt = (lambda v: "%.2f" % v) if unit == "ms" else (lambda v: "{:,}".format(v))
    return "| %s | %s | %s | %s |" % (label, fmt(r), fmt(c) if c is not None else "-", "%.2fx" % (r / c) if c else "-")


def main():
    impls = [("rcffi", rcffi)] + ([("cffi", cffi)] if cffi else [])
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)  # cffi's compile runs setuptools here
        try:
            for n in SIZES:
                for kind in USE:
                    for label, mod in impls:
                        build(mod, "_imp_%s_%s_%d" % (label, kind[:3], n), tmp, n, kind == "out-of-line")
        finally:
            os.chdir(cwd)
        unit = "instructions" if INSTRUCTIONS else "ms"
        measure = import_instructions if INSTRUCTIONS else import_ms
        how = "callgrind" if INSTRUCTIONS else "best of %d fresh interpreters" % REPEAT
        print("python %s, cffi %s; %s" % (sys.version.split()[0], cffi.__version__ if cffi else "-", how))
        print("| import (declarations) | rcffi %s | cffi %s | rcffi/cffi |" % (unit, unit))
        print("|---|---:|---:|---:|")
        for n in SIZES:
            for kind, use in USE.items():
                r = measure(tmp, "_imp_rcffi_%s_%d" % (kind[:3], n), use)
                c = measure(tmp, "_imp_cffi_%s_%d" % (kind[:3], n), use) if cffi else None
                print(row("%s module, %s + first use (%s)" % (kind, "import", "{:,}".format(n)), r, c, unit))
        small = "_imp_%s_com_" + str(SIZES[0])
        if INSTRUCTIONS:
            r = runtime_instructions(tmp, "rcffi")
            c = runtime_instructions(tmp, "_cffi_backend") if cffi else None
            print(row("runtime: `import rcffi` (the extension) vs `import _cffi_backend`", r, c, unit))
        else:
            r = runtime_ms(tmp, small % "rcffi", ("rcffi",))
            c = runtime_ms(tmp, small % "cffi", ("_cffi_backend",)) if cffi else None
            print(row("runtime a compiled module imports (`-X importtime`)", r, c, unit))


if __name__ == "__main__":
    main()
