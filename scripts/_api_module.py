"""The small compiled (API-mode) module that scripts/soak.py and
scripts/leakhunt.py both run their API-mode rows on: built here with the C
compiler, for rcffi or cffi (`mod`)."""

import importlib
import sys

CDEF = """
    struct pt { int x, y; };
    extern int counter;
    extern "Python" int py_cb(int);
    int add(int, int);
    struct pt make(int, int);
    int sum(struct pt);
    int call_cb(int);
    const char *echo(const char *);
"""
SOURCE = """
struct pt { int x, y; };
int counter;
static int py_cb(int);
static int add(int a, int b) { return a + b; }
static struct pt make(int x, int y) { struct pt p = { x, y }; return p; }
static int sum(struct pt p) { return p.x + p.y; }
static int call_cb(int x) { return py_cb(x); }
static const char *echo(const char *s) { return s; }
"""


def build(mod, tmpdir, prefix):
    """Compile and import the module (named `prefix` + the FFI's module
    name) into `tmpdir`; its `py_cb` returns x + 1, or raises ValueError
    while `mode["raise"]` is true. Returns (ffi, lib, mode)."""
    builder = mod.FFI()
    builder.cdef(CDEF)
    name = prefix + mod.__name__
    builder.set_source(name, SOURCE)
    builder.compile(tmpdir=tmpdir)
    sys.path.insert(0, tmpdir)
    compiled = importlib.import_module(name)
    ffi, lib = compiled.ffi, compiled.lib
    mode = {"raise": False}

    @ffi.def_extern(error=-1)
    def py_cb(x):
        if mode["raise"]:
            raise ValueError('in an extern "Python" function')
        return x + 1

    return ffi, lib, mode
