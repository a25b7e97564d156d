"""Error paths (and the caches they touch) do not grow the process.

Each case runs a loop in a fresh interpreter: a warm-up, then N more runs,
and reports the growth of what malloc holds (glibc's ``mallinfo2``: it
sees the Rust core's allocations, which tracemalloc does not), of
``sys.getallocatedblocks()`` and, on a debug CPython, of
``sys.gettotalrefcount()``. The bounds are generous: a leak of even a few
bytes per run exceeds them many times over, the steady state (free lists,
caches filled during the warm-up) stays far below. No timing is involved.
scripts/leakhunt.py prints the same figures for ~250 error paths.

The last test needs a debug CPython with rcffi installed, named by
RCFFI_DEBUG_PYTHON (skipped otherwise). On Debian: `apt-get install
python3.11-dbg`, `python3.11d -m venv V`, `CARGO_TARGET_DIR=target-dbg
maturin build --profile dev -i V/bin/python -o W`, `V/bin/pip install W/*.whl`.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import IMPL_NAME

linux_only = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")
rcffi_only = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="cffi's type-string cache grows without bound (docs/compat.md)")

HARNESS = r'''
import ctypes, gc, json, os, sys

class MI(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]

try:
    _mi = ctypes.CDLL(None).mallinfo2
    _mi.restype = MI
except (OSError, AttributeError):
    _mi = None

def heap():
    if _mi is not None:
        m = _mi()
        return m.uordblks + m.hblkhd
    with open("/proc/self/statm") as f:  # not glibc 2.33+: RSS
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

def expect(exc, f):
    try:
        f()
    except exc:
        return
    raise AssertionError("no %s" % (exc,))

def measure(rows, n, warm):
    refs = getattr(sys, "gettotalrefcount", lambda: 0)
    out = {}
    for name, op in rows.items():
        for _ in range(warm):
            op()
        gc.collect()
        h0, b0, r0 = heap(), sys.getallocatedblocks(), refs()
        for _ in range(n):
            op()
        gc.collect()
        out[name] = {"heap": heap() - h0, "blocks": sys.getallocatedblocks() - b0, "refs": refs() - r0}
    print(json.dumps(out))
'''


def run(body, impl=IMPL_NAME, timeout=600):
    code = HARNESS + "\nimport %s as mod\n" % impl + textwrap.dedent(body)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


@linux_only
@rcffi_only
def test_distinct_type_strings_do_not_grow_the_ffi():
    # "int[%d]" % n: each a valid, new type string. The FFI's type-string
    # cache kept every one (the string, its CType and its arena type: about
    # 540 bytes and 2 Python blocks each, 32 MB over these 60,000); it now
    # holds at most 1024 and the types only it kept are collected.
    got = run("""
        ffi = mod.FFI()
        it = iter(range(1, 10**9))
        measure({"typeof": lambda: ffi.typeof("int[%d]" % next(it)),
                 "new": lambda: ffi.new("char[%d]" % next(it))}, n=60000, warm=20000)
    """)
    for name, g in got.items():
        assert g["heap"] < 8 * 2**20, (name, g)
        assert g["blocks"] < 20000, (name, g)
    # and the types still are what they were
    import rcffi
    ffi = rcffi.FFI()
    t = ffi.typeof("int[7]")
    for i in range(5000):
        ffi.typeof("long[%d]" % i)
    assert ffi.typeof("int[7]") is t and t.length == 7


@linux_only
@rcffi_only
def test_tags_named_only_in_type_strings_do_not_pile_up():
    # A struct tag met only in a type string is an opaque type of its own.
    # It was kept for the ffi's life (as cffi keeps it), so an error path
    # naming a new one each time grew for ever: ffi.new("struct t%d *")
    # (TypeError: unknown size), a type string failing after the tag
    # ("struct t%d ]["), or a typeof() dropped at once; about 0.75 KB
    # each, 45 MB over these. A tag nothing else uses is now forgotten.
    got = run("""
        ffi = mod.FFI()
        it = iter(range(1, 10**9))
        measure({
            "new fails": lambda: expect(TypeError, lambda: ffi.new("struct nosuch_%d *" % next(it))),
            "bad after the tag": lambda: expect(mod.CDefError, lambda: ffi.typeof("struct bad_%d ][" % next(it))),
            "typeof dropped": lambda: ffi.typeof("union u_%d *" % next(it)),
            "sizeof fails": lambda: expect(ValueError, lambda: ffi.sizeof("struct opaque_%d" % next(it))),
        }, n=30000, warm=5000)
    """)
    for name, g in got.items():
        assert g["heap"] < 6 * 2**20, (name, g)
        assert g["blocks"] < 20000, (name, g)


@rcffi_only
def test_a_tag_named_in_a_type_string_is_one_type_while_in_use():
    # what forgetting must not change: while anything holds the type (a
    # CType, a cdata), every mention is that type, and a later cdef()
    # completes it in place, as in cffi
    import rcffi
    from rcffi import _rcffi
    ffi = rcffi.FFI()
    held = ffi.typeof("struct kept_tag *")
    p = ffi.cast("struct kept_cdata *", 0)
    ffi.typeof("struct dropped_tag *")
    for i in range(3000):  # past the type-string cache's bound
        ffi.typeof("struct churn_%d *" % i)
    _rcffi._collect_types()
    assert ffi.typeof("struct kept_tag *") is held
    assert ffi.typeof("struct kept_cdata") is ffi.typeof(p).item
    ffi.cdef("struct kept_tag { int a; long b; }; struct kept_cdata { char c[3]; }; struct dropped_tag { short s; };")
    assert held.item.fields[1][0] == "b" and ffi.sizeof(held.item) == ffi.sizeof("struct kept_tag")
    assert ffi.sizeof(ffi.typeof(p).item) == 3
    assert ffi.sizeof("struct dropped_tag") == ffi.sizeof("short")
    assert ffi.new("struct dropped_tag *", [7]).s == 7


@linux_only
@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="forgets a lib's names through rcffi's private _rcffi._lib_cache")
def test_a_compiled_function_made_again_shares_its_method_definition(tmp_path):
    # A compiled module's `lib.f` is a builtin function whose method
    # definition CPython never frees: each one made (a `lib` whose names
    # were forgotten and fetched again) leaked it and its two strings,
    # about 170 bytes; equal definitions are now shared.
    if shutil.which(os.environ.get("CC", "gcc")) is None:
        pytest.skip("needs a C compiler (gcc) to build the module")
    got = run("""
        import importlib
        from rcffi import _rcffi
        b = mod.FFI()
        b.cdef("int leak_add_one(int);")
        b.set_source("_leak_api_mod", "static int leak_add_one(int x) { return x + 1; }")
        b.compile(tmpdir=%r)
        sys.path.insert(0, %r)
        lib = importlib.import_module("_leak_api_mod").lib

        def fetch_again():
            _rcffi._lib_cache(lib).clear()
            assert lib.leak_add_one(1) == 2

        measure({"fetch": fetch_again}, n=30000, warm=3000)
    """ % (str(tmp_path), str(tmp_path)))
    g = got["fetch"]
    assert g["heap"] < 1 * 2**20, g  # 5 MB before
    assert g["blocks"] < 3000, g


@linux_only
def test_error_paths_stay_flat():
    # a representative set of error paths (scripts/leakhunt.py has ~250),
    # all flat today: a guard against a new leak in the shared machinery
    # (argument conversion, initializers, callbacks, lib lookups)
    got = run("""
        import io
        ffi = mod.FFI()
        ffi.cdef('''
            struct pt { int x, y; };
            struct nest { struct pt a; int arr[3]; };
            int abs(int);
            size_t strlen(const char *);
            int printf(const char *, ...);
            void qsort(void *, size_t, size_t, int(*)(const void *, const void *));
        ''')
        libc = ffi.dlopen(None)
        arr = ffi.new("int[8]")
        pt = ffi.new("struct pt *")
        nest = ffi.new("struct nest *")
        words = ffi.new("int[4]", [4, 3, 2, 1])

        def boom(*a):
            raise ValueError("in a callback")

        raising = ffi.callback("int(int)", boom, error=7)
        onerror_raises = ffi.callback("int(int)", boom, error=5, onerror=lambda e, v, tb: 1 / 0)
        bad_result = ffi.callback("int(int)", lambda x: "not an int", error=3)
        struct_result = ffi.callback("struct pt(int)", lambda x: {"x": "bad"})
        cmp_raises = ffi.callback("int(const void *, const void *)", boom)

        def quiet(f):
            def run():
                saved, sys.stderr = sys.stderr, io.StringIO()
                try:
                    f()
                finally:
                    sys.stderr = saved
            return run

        rows = {
            "nested initializer": lambda: expect(TypeError, lambda: ffi.new("struct nest *", {"a": {"x": 1}, "arr": [1, "q"]})),
            "array initializer overflow": lambda: expect(OverflowError, lambda: ffi.new("int[]", [1, 2, 1 << 40])),
            "struct dict unknown key": lambda: expect(KeyError, lambda: ffi.new("struct pt *", {"x": 1, "zz": 2})),
            "slice assign from a raising iterator": lambda: expect(ZeroDivisionError, lambda: arr.__setitem__(slice(0, 3), (1 / 0 for i in range(3)))),
            "field assign of a bad array": lambda: expect(IndexError, lambda: setattr(nest, "arr", [1, 2, 3, 4])),
            "call with a wrong type": lambda: expect(TypeError, lambda: libc.strlen("text")),
            "call with wrong count": lambda: expect(TypeError, lambda: libc.abs(1, 2)),
            "variadic bad argument": lambda: expect(TypeError, lambda: libc.printf(b"%d%d", ffi.cast("int", 1), 5)),
            "unknown name of a library": lambda: expect(AttributeError, lambda: libc.nosuch_zz),
            "unknown type": lambda: expect(Exception, lambda: ffi.cast("nosuch_t", 1)),
            "failed cdef": lambda: expect(Exception, lambda: ffi.cdef("struct zz { int a; }; int g(")),
            "callback raising": quiet(lambda: raising(1)),
            "onerror raising": quiet(lambda: onerror_raises(1)),
            "callback bad result": quiet(lambda: bad_result(1)),
            "callback bad struct result": quiet(lambda: struct_result(1)),
            "qsort with a raising callback": quiet(lambda: libc.qsort(words, 4, 4, cmp_raises)),
        }
        measure(rows, n=20000, warm=2000)
    """)
    for name, g in got.items():
        # 20 bytes a run, 1 block per 20 runs, 1 reference per 100 runs
        assert g["heap"] < 400000, (name, g)
        assert g["blocks"] < 1000, (name, g)
        assert abs(g["refs"]) < 200, (name, g)


def _debug_python():
    exe = os.environ.get("RCFFI_DEBUG_PYTHON")
    if not exe:
        pytest.skip("set RCFFI_DEBUG_PYTHON to a debug CPython (--with-pydebug) where rcffi is installed")
    r = subprocess.run([exe, "-c", "import sys, %s; sys.gettotalrefcount" % IMPL_NAME], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("RCFFI_DEBUG_PYTHON=%s is not a debug CPython with %s: %s" % (exe, IMPL_NAME, r.stderr[-300:]))
    return exe


@linux_only
def test_debug_cpython_ffi_gc_and_no_reference_leaks():
    # On a debug CPython, rcffi's ffi.gc() subtypes had the vectorcall flag
    # without a tp_call of their own: CPython asserted when they were
    # made (the first ffi.gc() aborted the process). The same run counts
    # references over error paths (sys.gettotalrefcount()).
    exe = _debug_python()
    code = HARNESS + textwrap.dedent("""
        import %s as mod
        ffi = mod.FFI()
        ffi.cdef("int abs(int);")
        libc = ffi.dlopen(None)
        p = ffi.gc(ffi.new("int *"), lambda p: None)
        bad = ffi.callback("int(int)", lambda x: "no", error=1)
        import io
        def quiet():
            saved, sys.stderr = sys.stderr, io.StringIO()
            try:
                bad(1)
            finally:
                sys.stderr = saved
        measure({
            "gc": lambda: ffi.gc(ffi.new("int *"), lambda p: None),
            "bad argument": lambda: expect(TypeError, lambda: libc.abs("x")),
            "overflow": lambda: expect(OverflowError, lambda: ffi.new("int *", 1 << 40)),
            "bad callback result": quiet,
        }, n=5000, warm=500)
    """ % IMPL_NAME)
    r = subprocess.run([exe, "-c", code], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    for name, g in got.items():
        assert abs(g["refs"]) < 100, (name, g)
