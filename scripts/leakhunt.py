#!/usr/bin/env python3
"""Leak hunt over error paths: each row is one public entry point given an
input that raises; it runs N times after a warm-up and the growth of
sys.getallocatedblocks(), RSS and (on a debug CPython) sys.gettotalrefcount()
is printed per 100,000 runs.

    python scripts/leakhunt.py [-n 200000] [--impl rcffi|cffi] [--only TEXT] [--types]

--types also counts gc.get_objects() by type before and after each row and
prints the types that grew. Rows named "slow:" run n/200 times, "rare:"
(a C compiler run, a worker process killed) n/2000 times, at least 10;
LEAKHUNT_ISOLATED=1 adds the isolated-library rows; the API-mode,
compile() and verify() rows need a C compiler.

Unlike scripts/soak.py (a pass/fail check), this prints figures for every
row, so that rcffi and cffi can be compared side by side.
"""

import argparse
import ctypes
import gc
import importlib
import io
import os
import shutil
import sys
import tempfile

import _api_module  # scripts/: the API-mode module shared with the other script


def rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


class _MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]


try:
    _mallinfo2 = ctypes.CDLL(None).mallinfo2
    _mallinfo2.restype = _MallInfo2
except (OSError, AttributeError):  # not glibc >= 2.33
    _mallinfo2 = None


def malloc_bytes():
    """Bytes in use from malloc: what Rust allocates too (not tracemalloc)."""
    if _mallinfo2 is None:
        return 0
    m = _mallinfo2()
    return m.uordblks + m.hblkhd


def objects_by_type():
    """gc.get_objects() counted by type name (after a collection)."""
    gc.collect()
    counts = {}
    for o in gc.get_objects():
        name = type(o).__name__
        counts[name] = counts.get(name, 0) + 1
    return counts


def expect(exc, f):
    try:
        f()
    except exc:
        return
    raise AssertionError("no %r from %r" % (exc, f))


def quiet(f):
    def run():
        saved, sys.stderr = sys.stderr, io.StringIO()
        try:
            return f()
        finally:
            sys.stderr = saved
    return run


def rows(mod):
    ffi = mod.FFI()
    ffi.cdef("""
        struct pt { int x, y; };
        struct nest { struct pt a; int arr[3]; char *s; };
        struct var { int n; int items[]; };
        union u { int i; float f; };
        enum e { E0, E1 };
        typedef int (*fn_t)(int);
        int abs(int);
        size_t strlen(const char *);
        int printf(const char *, ...);
        int snprintf(char *, size_t, const char *, ...);
        double fabs(double);
        void qsort(void *, size_t, size_t, int(*)(const void *, const void *));
        int errno_global;
    """)
    libc = ffi.dlopen(None)
    arr = ffi.new("int[8]")
    pt = ffi.new("struct pt *")
    nest = ffi.new("struct nest *")
    p_int = ffi.new("int *")
    vp = ffi.cast("void *", 0)
    nullp = ffi.NULL
    fnp = ffi.cast("int(*)(int)", libc.abs)
    cb_int = ffi.callback("int(int)", lambda x: x)
    words = ffi.new("int[4]", [4, 3, 2, 1])
    R = {}

    def add(name, exc, f):
        R[name] = lambda: expect(exc, f)

    # ffi.new
    add("new: unknown type", Exception, lambda: ffi.new("struct nosuch_zz *"))
    add("new: not a pointer/array", TypeError, lambda: ffi.new("int"))
    add("new: bad init str", TypeError, lambda: ffi.new("int *", "x"))
    add("new: overflow init", OverflowError, lambda: ffi.new("signed char *", 1000))
    add("new: array list too long", IndexError, lambda: ffi.new("int[2]", [1, 2, 3]))
    add("new: array list bad item", TypeError, lambda: ffi.new("int[4]", [1, 2, "x", 4]))
    add("new: array list overflow item", OverflowError, lambda: ffi.new("int[4]", [1, 2, 1 << 40]))
    add("new: open array bad item", TypeError, lambda: ffi.new("int[]", [1, 2, None]))
    add("new: open array of objs", TypeError, lambda: ffi.new("int[]", [object()] * 3))
    add("new: struct dict unknown", KeyError, lambda: ffi.new("struct pt *", {"x": 1, "zz": 2}))
    add("new: struct dict bad value", TypeError, lambda: ffi.new("struct pt *", {"x": 1, "y": "s"}))
    add("new: struct list too long", (IndexError, ValueError), lambda: ffi.new("struct pt *", [1, 2, 3]))
    add("new: struct list bad", TypeError, lambda: ffi.new("struct pt *", [1, []]))
    add("new: nested bad", TypeError, lambda: ffi.new("struct nest *", {"a": {"x": 1, "y": 2}, "arr": [1, 2, "q"]}))
    add("new: nested struct bad", TypeError, lambda: ffi.new("struct nest *", {"a": [1, "y"]}))
    add("new: char* field from str", TypeError, lambda: ffi.new("struct nest *", {"s": "text"}))
    add("new: var struct bad", TypeError, lambda: ffi.new("struct var *", {"n": 1, "items": [1, "x"]}))
    add("new: negative length", ValueError, lambda: ffi.new("int[]", -5))
    add("new: huge length", (MemoryError, OverflowError, ValueError), lambda: ffi.new("int[]", 1 << 62))
    add("new: char[] from str", TypeError, lambda: ffi.new("char[]", "text"))
    add("new: char[] too long bytes", IndexError, lambda: ffi.new("char[2]", b"abcd"))
    add("new: union bad", TypeError, lambda: ffi.new("union u *", {"i": "x"}))
    add("new: fresh type string bad", Exception, lambda: ffi.new("int[%d" % (len(R))))
    counter = [0]

    def distinct_bad_type():
        counter[0] += 1
        expect(Exception, lambda: ffi.new("struct nosuch_%d *" % counter[0]))
    R["new: distinct unknown types"] = distinct_bad_type

    def distinct_bad_syntax():
        counter[0] += 1
        expect(Exception, lambda: ffi.typeof("int[%d" % counter[0]))
    R["typeof: distinct bad syntax"] = distinct_bad_syntax

    def distinct_good_types():
        counter[0] += 1
        ffi.typeof("int[%d]" % (counter[0] % 100000 + 1))
    R["typeof: distinct valid arrays"] = distinct_good_types

    # cast
    add("cast: list", TypeError, lambda: ffi.cast("int", []))
    add("cast: str to int", TypeError, lambda: ffi.cast("int", "ab"))
    add("cast: struct", TypeError, lambda: ffi.cast("struct pt", 1))
    add("cast: unknown type", Exception, lambda: ffi.cast("nosuch_t", 1))
    add("cast: float from obj", TypeError, lambda: ffi.cast("double", object()))
    add("cast: ptr from obj", TypeError, lambda: ffi.cast("int *", object()))
    # string/unpack/buffer/from_buffer/memmove
    add("string: int", TypeError, lambda: ffi.string(5))
    add("string: struct ptr", TypeError, lambda: ffi.string(pt))
    add("string: null", RuntimeError, lambda: ffi.string(ffi.cast("char *", 0)))
    add("unpack: negative", ValueError, lambda: ffi.unpack(arr, -1))
    add("unpack: int", TypeError, lambda: ffi.unpack(5, 3))
    add("unpack: void*", (TypeError, RuntimeError), lambda: ffi.unpack(vp, 3))
    add("buffer: int", TypeError, lambda: ffi.buffer(5))
    add("buffer: null", (RuntimeError, ValueError), lambda: ffi.buffer(ffi.cast("int *", 0)))
    add("from_buffer: str", TypeError, lambda: ffi.from_buffer("text"))
    add("from_buffer: bad type", Exception, lambda: ffi.from_buffer("int", b"abc"))
    add("from_buffer: readonly require", (TypeError, BufferError), lambda: ffi.from_buffer(b"abcd", require_writable=True))
    add("from_buffer: too small", ValueError, lambda: ffi.from_buffer("int[4]", bytearray(8)))
    add("memmove: bad src", TypeError, lambda: ffi.memmove(arr, "str", 3))
    add("memmove: bad dst", (TypeError, BufferError), lambda: ffi.memmove(b"abc", arr, 3))
    add("memmove: negative", ValueError, lambda: ffi.memmove(arr, arr, -1))
    # typeof & co
    add("typeof: bad string", Exception, lambda: ffi.typeof("int ]["))
    add("typeof: int", TypeError, lambda: ffi.typeof(5))
    add("sizeof: opaque", Exception, lambda: ffi.sizeof("struct nosuchs"))
    add("sizeof: func", Exception, lambda: ffi.sizeof("int(int)"))
    add("alignof: bad", Exception, lambda: ffi.alignof("void"))
    add("offsetof: unknown field", KeyError, lambda: ffi.offsetof("struct pt", "zz"))
    add("offsetof: not struct", TypeError, lambda: ffi.offsetof("int", "x"))
    add("offsetof: bad index", Exception, lambda: ffi.offsetof("int[4]", "x"))
    add("addressof: int", TypeError, lambda: ffi.addressof(5))
    add("addressof: bad field", KeyError, lambda: ffi.addressof(pt[0], "zz"))
    add("addressof: lib unknown", AttributeError, lambda: ffi.addressof(libc, "nosuch_sym_zz"))
    add("getctype: bad", Exception, lambda: ffi.getctype("int ]["))
    add("getctype: bad replace", Exception, lambda: ffi.getctype("int ][", "*"))
    add("new_handle: from_handle null", (RuntimeError, ValueError, TypeError), lambda: ffi.from_handle(nullp))
    add("from_handle: int", TypeError, lambda: ffi.from_handle(5))
    add("gc: int", TypeError, lambda: ffi.gc(5, None))
    
    add("release: int", TypeError, lambda: ffi.release(5))
    add("release: cast ptr", (ValueError, TypeError), lambda: ffi.release(vp))
    add("new_allocator: bad kw", TypeError, lambda: ffi.new_allocator(nosuch=5))
    bad_alloc = ffi.new_allocator(lambda n: 5)
    add("allocator returns int", TypeError, lambda: bad_alloc("int[4]"))

    def raising_alloc(n):
        raise MemoryError("none left")
    ra = ffi.new_allocator(raising_alloc)
    add("allocator raises", MemoryError, lambda: ra("int[4]"))
    add("integer_const: unknown", (ffi.error if hasattr(ffi, "error") else Exception, KeyError, AttributeError, TypeError),
        lambda: ffi.integer_const("nosuch_zz"))
    add("init_once raises", ZeroDivisionError, lambda: ffi.init_once(lambda: 1 / 0, "tag"))
    add("callback: bad type", TypeError, lambda: ffi.callback("int", lambda: 0))
    add("callback: not callable", TypeError, lambda: ffi.callback("int(int)", 5))
    add("callback: bad error", TypeError, lambda: ffi.callback("int(int)", lambda x: x, error="s"))
    add("callback: bad onerror", TypeError, lambda: ffi.callback("int(int)", lambda x: x, onerror=5))
    add("cdef: syntax", Exception, lambda: mod.FFI().cdef("int f("))
    add("cdef: redefine on ffi", Exception, lambda: ffi.cdef("struct pt { long z; };"))
    add("cdef: unknown type on ffi", Exception, lambda: ffi.cdef("nosuch_t g(void);"))
    add("cdef: bad packed", Exception, lambda: ffi.cdef("int h(void);", packed=5, pack=2))
    add("slow: dlopen missing lib", OSError, lambda: ffi.dlopen("/nonexistent/libnosuch_zz.so.9"))
    add("dlopen: bad arg", TypeError, lambda: ffi.dlopen(5))
    add("dlclose: not lib", (TypeError, AttributeError), lambda: ffi.dlclose(5))

    def closed_lib():
        l2 = ffi.dlopen(None)
        ffi.dlclose(l2)
        expect(ValueError, lambda: l2.abs(1))
    R["dlclose then call"] = closed_lib
    # lib get/set
    add("lib: missing attr", AttributeError, lambda: libc.nosuch_zz)
    add("lib: set missing", AttributeError, lambda: setattr(libc, "nosuch_zz", 5))
    add("lib: set global bad", TypeError, lambda: setattr(libc, "errno_global", "x") if False else setattr(pt, "x", "x"))
    # cdata ops
    add("index: out of range", IndexError, lambda: arr[8])
    add("index: negative", IndexError, lambda: arr[-1])
    add("index: str", TypeError, lambda: arr["x"])
    add("index: struct", TypeError, lambda: pt[0][0])
    add("index: void*", (TypeError, RuntimeError), lambda: vp[0])
    add("index: null", RuntimeError, lambda: ffi.cast("int *", 0)[0])
    add("setitem: bad value", TypeError, lambda: arr.__setitem__(0, "x"))
    add("setitem: overflow", OverflowError, lambda: arr.__setitem__(0, 1 << 40))
    add("setitem: out of range", IndexError, lambda: arr.__setitem__(9, 1))
    add("slice: bad bounds", IndexError, lambda: arr[3:20])
    add("slice: step", (IndexError, ValueError), lambda: arr[0:4:2])
    add("slice: reversed", (IndexError, ValueError), lambda: arr[4:2])
    add("slice: ptr no stop", IndexError, lambda: (arr + 0)[1:])
    add("slice set: wrong length", ValueError, lambda: arr.__setitem__(slice(0, 3), [1, 2]))
    add("slice set: bad item", TypeError, lambda: arr.__setitem__(slice(0, 3), [1, 2, "x"]))
    add("slice set: overflow item", OverflowError, lambda: arr.__setitem__(slice(0, 3), [1, 2, 1 << 40]))
    add("slice set: iter raises", ZeroDivisionError, lambda: arr.__setitem__(slice(0, 3), (1 / 0 for i in range(3))))
    add("getattr: missing field", AttributeError, lambda: pt.zz)
    add("getattr: on int cdata", AttributeError, lambda: arr.x)
    add("setattr: bad type", TypeError, lambda: setattr(pt, "x", "s"))
    add("setattr: overflow", OverflowError, lambda: setattr(pt, "x", 1 << 40))
    add("setattr: missing", AttributeError, lambda: setattr(pt, "zz", 1))
    add("setattr: nested struct bad", TypeError, lambda: setattr(nest, "a", {"x": "bad"}))
    add("setattr: nested array bad", TypeError, lambda: setattr(nest, "arr", [1, "bad"]))
    add("setattr: array too long", IndexError, lambda: setattr(nest, "arr", [1, 2, 3, 4]))
    add("arith: ptr + str", TypeError, lambda: arr + "x")
    add("arith: ptr - other type", TypeError, lambda: arr - pt)
    add("arith: ptr * 2", TypeError, lambda: arr * 2)
    add("arith: int cdata + 1", TypeError, lambda: ffi.cast("int", 1) + 1)
    add("compare: ptr < int", TypeError, lambda: arr < 5)
    add("call: not a function", TypeError, lambda: arr(1))
    add("call: wrong count", TypeError, lambda: libc.abs(1, 2))
    add("call: no args", TypeError, lambda: libc.abs())
    add("call: bad type", TypeError, lambda: libc.abs("x"))
    add("call: overflow", OverflowError, lambda: libc.abs(1 << 40))
    add("call: float for int", TypeError, lambda: libc.abs(1.5))
    add("call: bad double", TypeError, lambda: libc.fabs("x"))
    add("call: str for char*", TypeError, lambda: libc.strlen("text"))
    add("call: wrong pointer", TypeError, lambda: libc.strlen(arr))
    add("call: kwargs", TypeError, lambda: libc.abs(x=1))
    add("call: fnptr wrong count", TypeError, lambda: fnp(1, 2))
    add("call: fnptr bad type", TypeError, lambda: fnp("x"))
    add("call: null fnptr", RuntimeError, lambda: ffi.cast("int(*)(int)", 0)(1))
    add("call: list for char*", TypeError, lambda: libc.strlen([1, 2, 3]))
    add("call: qsort bad cb arg", TypeError, lambda: libc.qsort(words, 4, 4, lambda a, b: 0))
    add("variadic: int no cast", TypeError, lambda: libc.printf(b"%d", 5))
    add("variadic: float", TypeError, lambda: libc.printf(b"%f", 1.5))
    add("variadic: str", TypeError, lambda: libc.printf(b"%s", "x"))
    add("variadic: bad fixed", TypeError, lambda: libc.printf("x"))
    add("variadic: obj", TypeError, lambda: libc.printf(b"%p", object()))
    add("variadic: many args one bad", TypeError, lambda: libc.printf(b"%d%d%d", ffi.cast("int", 1), ffi.new("char[]", b"x"), 5))
    add("iter: pointer", TypeError, lambda: iter(ffi.cast("int *", arr)))
    add("iter: int", TypeError, lambda: iter(ffi.cast("int", 1)))
    add("int: struct", TypeError, lambda: int(pt[0]))
    add("int: array", TypeError, lambda: int(arr))
    add("float: ptr", TypeError, lambda: float(arr))
    add("float: struct", TypeError, lambda: float(pt[0]))
    add("len: pointer", TypeError, lambda: len(pt))
    add("len: int", TypeError, lambda: len(ffi.cast("int", 1)))
    add("hash/enum bad", TypeError, lambda: ffi.cast("enum e", "E9"))
    add("enum: unknown name", (ValueError, TypeError), lambda: ffi.new("enum e *", "NOPE"))
    add("ctype: missing attr", AttributeError, lambda: ffi.typeof("int").nosuch)
    add("ctype: fields of int", (AttributeError, TypeError), lambda: ffi.typeof("int").fields.x)

    # callbacks raising / wrong result
    def boom(x):
        raise ValueError("in a callback")

    raising = ffi.callback("int(int)", boom, error=7)
    handled = ffi.callback("int(int)", boom, onerror=lambda e, v, tb: -1)
    handled_bad = ffi.callback("int(int)", boom, error=5, onerror=lambda e, v, tb: 1 / 0)
    onerror_wrong = ffi.callback("int(int)", boom, error=5, onerror=lambda e, v, tb: "wrong")
    bad_result = ffi.callback("int(int)", lambda x: "not an int", error=3)
    overflow_result = ffi.callback("int(int)", lambda x: 1 << 40, error=3)
    ptr_result = ffi.callback("int *(int)", lambda x: 5)
    struct_result = ffi.callback("struct pt(int)", lambda x: {"x": "bad"})
    cb_args = ffi.callback("int(char *, struct pt *)", lambda s, p: p.zz)
    R["callback raises"] = quiet(lambda: raising(1))
    R["callback onerror"] = lambda: handled(1)
    R["callback onerror raises"] = quiet(lambda: handled_bad(1))
    R["callback onerror wrong type"] = quiet(lambda: onerror_wrong(1))
    R["callback bad result"] = quiet(lambda: bad_result(1))
    R["callback overflow result"] = quiet(lambda: overflow_result(1))
    R["callback ptr result"] = quiet(lambda: ptr_result(1))
    R["callback struct result"] = quiet(lambda: struct_result(1))
    R["callback attr error on args"] = quiet(lambda: cb_args(b"x", pt))
    add("callback call wrong args", TypeError, lambda: cb_int("x"))
    cmp_raise = ffi.callback("int(const void *, const void *)", lambda a, b: 1 / 0)
    R["qsort cb raising"] = quiet(lambda: libc.qsort(words, 4, 4, cmp_raise))
    # more conversions
    add("new: wchar_t bad code point", (ValueError, OverflowError, TypeError), lambda: ffi.new("wchar_t *", 0x110000))
    add("new: wchar_t[] from bytes", TypeError, lambda: ffi.new("wchar_t[]", b"abc"))
    add("new: char16_t[] bad item", TypeError, lambda: ffi.new("char16_t[]", [1, "ab"]))
    add("new: char32_t from long str", TypeError, lambda: ffi.new("char32_t *", "ab"))
    add("new: float from str", TypeError, lambda: ffi.new("double *", "1.5"))
    add("new: long double from obj", TypeError, lambda: ffi.new("long double *", object()))
    add("new: complex from str", TypeError, lambda: ffi.new("double _Complex *", "x"))
    add("new: bool from 2", OverflowError, lambda: ffi.new("_Bool *", 2))
    add("new: ptr from int", TypeError, lambda: ffi.new("int **", 5))
    add("new: ptr from wrong ptr", TypeError, lambda: ffi.new("int **", pt))
    add("new: fnptr from lambda", TypeError, lambda: ffi.new("fn_t *", lambda x: x))
    add("new: big int index", (OverflowError, IndexError), lambda: arr[1 << 70])
    add("new: int from __index__ raises", (ZeroDivisionError, TypeError),
        lambda: ffi.new("int *", type("I", (), {"__index__": lambda self: 1 / 0})()))
    add("new: int from __int__ raises", (ZeroDivisionError, TypeError),
        lambda: ffi.new("int *", type("I", (), {"__int__": lambda self: 1 / 0})()))
    add("new: float __float__ raises", ZeroDivisionError,
        lambda: ffi.new("double *", type("F", (), {"__float__": lambda self: 1 / 0})()))
    add("new: struct dict non-str key", (TypeError, KeyError), lambda: ffi.new("struct pt *", {1: 2}))
    add("string: wchar bad", (ValueError, OverflowError, UnicodeError),
        lambda: ffi.string(ffi.cast("wchar_t", 0x7fffffff)) if ffi.sizeof("wchar_t") == 4 else 1 / 0)
    add("unpack: wchar bad", (ValueError, OverflowError, UnicodeError),
        lambda: ffi.unpack(ffi.new("int[2]", [0x7fffffff, 0x7fffffff]) and ffi.cast("wchar_t *", ffi.new("int[2]", [0x7fffffff, 0x7fffffff])), 2))
    buf = ffi.buffer(arr)
    add("buffer: index out", IndexError, lambda: buf[100])
    add("buffer: set wrong length", (ValueError, TypeError), lambda: buf.__setitem__(slice(0, 4), b"ab"))
    add("buffer: set str", TypeError, lambda: buf.__setitem__(slice(0, 2), "ab"))
    add("buffer: step slice", (ValueError, TypeError, IndexError), lambda: buf[0:8:2])
    add("include: not ffi", TypeError, lambda: ffi.include(5))
    add("include: self", (ValueError, Exception), lambda: ffi.include(ffi))
    add("def_extern: abi ffi", Exception, lambda: ffi.def_extern()(lambda: 0))
    add("set_source: bad name", (TypeError, ValueError), lambda: mod.FFI().set_source(5, ""))
    add("new_handle then bad from", TypeError, lambda: ffi.from_handle(ffi.new_handle(arr) and 5))
    add("init_once: bad tag call", TypeError, lambda: ffi.init_once(5, "tag2"))
    add("cdef: override conflict", Exception, lambda: ffi.cdef("int abs(long);"))
    add("cdef: bad enum", Exception, lambda: ffi.cdef("enum zz { A = B };"))
    add("cdef: const expr", Exception, lambda: ffi.cdef("#define FOO 1 +\nint x;"))
    add("cdef: arg not str", TypeError, lambda: ffi.cdef(5))
    add("typeof: bad replace text", Exception, lambda: ffi.typeof("int(*)(int, ...")) 
    add("callback: struct result error", TypeError,
        lambda: ffi.callback("struct pt(int)", lambda x: x, error={"x": "bad"}))
    add("callback: decorator bad", TypeError, lambda: ffi.callback("int(int)")(5))
    add("cast: char from bytes2", TypeError, lambda: ffi.cast("char", b"ab"))
    add("cast: float from list", TypeError, lambda: ffi.cast("float", []))
    add("cast: int from huge float", (OverflowError, ValueError), lambda: ffi.cast("int", float("inf")) and 1 / 0)
    # destructors and releases that raise
    R["gc destructor raises"] = quiet(lambda: ffi.gc(ffi.new("int *"), lambda p: 1 / 0) and None)
    R["release: destructor raises"] = quiet(lambda: ffi.release(ffi.gc(ffi.new("int *"), lambda p: 1 / 0)))
    add("new_handle: from released", (RuntimeError, ValueError, TypeError),
        lambda: ffi.from_handle(ffi.cast("void *", ffi.new("int *"))))
    add("from_buffer: released memoryview", ValueError, lambda: ffi.from_buffer(_released_view()))
    # a callback raising in a thread of C (a thread state made and kept for it)
    tffi = mod.FFI()
    tffi.cdef("typedef unsigned long pthread_t; int pthread_create(pthread_t *, void *, void *(*)(void *), void *);"
              "int pthread_join(pthread_t, void **);")
    tlib = tffi.dlopen(None)
    traising = tffi.callback("void *(void *)", lambda arg: 1 / 0)
    tid = tffi.new("pthread_t *")

    def c_thread_raising():
        assert tlib.pthread_create(tid, tffi.NULL, traising, tffi.NULL) == 0
        tlib.pthread_join(tid[0], tffi.NULL)
    R["slow: callback raises in a C thread"] = quiet(c_thread_raising)
    bad_index = type("I", (), {"__index__": lambda self: 1 / 0, "__int__": lambda self: 1 / 0})()
    add("cast: __index__ raises", (ZeroDivisionError, TypeError), lambda: ffi.cast("int", bad_index))
    add("new: __index__ raises", (ZeroDivisionError, TypeError), lambda: ffi.new("int *", bad_index))
    add("call: __index__ raises", (ZeroDivisionError, TypeError), lambda: libc.abs(bad_index))
    # session 11: every kind of cdef() error, on the long-lived ffi (what
    # a failed cdef parsed is garbage in the shared arena) and on a fresh one
    for kind, text in [
        ("unterminated comment", "int a_zz; /* x"),
        ("bad #define", "#define X_ZZ (1 +"),
        ("duplicate struct", "struct d1_zz { int a; }; struct d1_zz { int b; };"),
        ("unknown field type", "struct f1_zz { nosuch_t a; };"),
        ("typedef redefined", "typedef int ti_zz; typedef long ti_zz;"),
        ("only dots", "int f1_zz(...);"),
        ("function body", "int f2_zz(void) { return 0; }"),
        ("#include", "#include <stdio.h>\nint i_zz;"),
        ("late syntax error", "struct late_zz { int a; long b[4]; union { int c; } u; }; typedef struct late_zz late_t; int g_zz("),
    ]:
        add("cdef error: %s" % kind, Exception, lambda text=text: ffi.cdef(text))
        add("cdef error (new ffi): %s" % kind, Exception, lambda text=text: mod.FFI().cdef(text))

    def distinct_failed_cdef():
        counter[0] += 1
        expect(Exception, lambda: ffi.cdef("struct dz%d { int a; }; typedef struct dz%d dz%d_t; int g(" % ((counter[0],) * 3)))
    R["cdef error: distinct names"] = distinct_failed_cdef

    # distinct tag names that only raise, or are dropped at once (session 11:
    # each stayed an implicit declaration of the ffi, ~0.75 KB)
    def distinct(fmt, exc, op):
        def run():
            counter[0] += 1
            if exc is None:
                op(fmt % counter[0])
            else:
                expect(exc, lambda: op(fmt % counter[0]))
        return run
    R["typeof: distinct tags dropped"] = distinct("struct dt%d *", None, ffi.typeof)
    R["typeof: distinct tag, bad syntax"] = distinct("struct db%d ][", Exception, ffi.typeof)
    R["sizeof: distinct opaque"] = distinct("struct ds%d", ValueError, ffi.sizeof)
    R["offsetof: distinct opaque"] = distinct("struct do%d", Exception, lambda t: ffi.offsetof(t, "a"))
    R["cast: distinct opaque struct"] = distinct("union dc%d", TypeError, lambda t: ffi.cast(t, 0))
    R["new: distinct enum tag bad init"] = quiet(distinct("enum de%d *", (ValueError, TypeError), lambda t: ffi.new(t, "NOPE")))

    # released cdata
    rel_arr = ffi.new("int[4]")
    rel_pt = ffi.new("struct pt *")
    ffi.release(rel_arr)
    ffi.release(rel_pt)
    add("released: index", (IndexError, RuntimeError), lambda: rel_arr[0])
    add("released: setitem", (IndexError, RuntimeError), lambda: rel_arr.__setitem__(0, 1))
    add("released: field", RuntimeError, lambda: rel_pt.x)
    add("released: set field", RuntimeError, lambda: setattr(rel_pt, "x", 1))
    add("released: buffer", RuntimeError, lambda: ffi.buffer(rel_arr))
    add("released: string", RuntimeError, lambda: ffi.string(ffi.cast("char *", rel_arr)))
    add("released: unpack", RuntimeError, lambda: ffi.unpack(rel_arr, 2))
    add("released: memmove", RuntimeError, lambda: ffi.memmove(rel_arr, b"ab", 2))
    add("released: call argument", (RuntimeError, TypeError), lambda: libc.strlen(ffi.cast("char *", rel_arr)))
    add("released: from_buffer", TypeError, lambda: ffi.from_buffer(rel_arr))
    add("released: with block", RuntimeError, lambda: [p.x for p in [ffi.new("struct pt *")] for _ in [ffi.release(p)]])
    add("release: callback", ValueError, lambda: ffi.release(cb_int))

    def new_released_twice():
        p = ffi.new("int[2]")
        with p:
            pass
        expect((IndexError, RuntimeError), lambda: p[1])
    R["released by with, then used"] = new_released_twice
    # ffi.gc misuse: a destructor that is not callable or raises (printed)
    R["gc: destructor not callable"] = quiet(lambda: ffi.gc(ffi.new("int *"), 5) and None)

    def gc_removed_then_released():
        q = ffi.gc(ffi.new("int *"), lambda p: 1 / 0)
        ffi.gc(q, None)
        ffi.release(q)
    R["gc: destructor removed, released"] = gc_removed_then_released
    add("new_allocator: alloc not callable", TypeError, lambda: ffi.new_allocator(5)("int *"))
    raising_free = ffi.new_allocator(lambda n: ffi.new("char[]", n), lambda p: 1 / 0)
    R["new_allocator: free raises"] = quiet(lambda: raising_free("int[4]") and None)
    add("new_allocator: alloc returns NULL", MemoryError, lambda: ffi.new_allocator(lambda n: ffi.NULL)("int[4]"))
    # a function declared but not in the library
    ffi.cdef("int nosuch_fn_zz(int); extern int nosuch_var_zz;")
    add("lib: declared, not in library", AttributeError, lambda: libc.nosuch_fn_zz)
    add("lib: variable not in library", KeyError, lambda: libc.nosuch_var_zz)  # as cffi
    add("addressof: declared, not in library", AttributeError, lambda: ffi.addressof(libc, "nosuch_fn_zz"))
    add("lib: dir then missing", AttributeError, lambda: dir(libc) and libc.nosuch_zz2)
    return R


def _released_view():
    m = memoryview(bytearray(8))
    m.release()
    return m


def rcffi_rows(mod):
    ffi = mod.FFI()
    ffi.cdef("int abs(int); size_t strlen(const char *); void *malloc(size_t); void free(void*);")
    R = {}
    lib = ffi.dlopen(None)
    tmp = tempfile.mkdtemp(prefix="leakhunt-")
    bad_header = os.path.join(tmp, "bad.h")
    with open(bad_header, "w") as f:
        f.write("struct hb { int a; };\nint g(\n")

    def add(name, exc, f):
        R[name] = lambda: expect(exc, f)

    add("cdef_header: missing file", Exception, lambda: ffi.cdef_header("/nonexistent/zz.h"))
    add("cdef_header: bad header", Exception, lambda: ffi.cdef_header(bad_header))
    for kind, text in [
        ("#error", '#error "no"\nint a;\n'),
        ("missing #include", "#include <nosuch_zz_header.h>\nint a;\n"),
        ("recursive #include", '#include "self.h"\nint a;\n'),
        ("unterminated #if", "#if 1\nint a;\n"),
        ("macro error", "#define F(a) a\nint F(;\n"),
        ("distinct struct then error", "struct hdr_zz { int a; };\nint g(\n"),
    ]:
        path = os.path.join(tmp, "self.h" if "recursive" in kind else "h%d.h" % len(R))
        with open(path, "w") as f:
            f.write(text)
        add("cdef_header: %s" % kind, Exception, lambda path=path: ffi.cdef_header(path, include_dirs=[tmp]))
    add("cdef_header: bad only", (TypeError, ValueError), lambda: ffi.cdef_header(bad_header, only=5))
    import rcffi.contracts as contracts
    import rcffi.metrics as metrics
    ffi2 = mod.FFI()
    ffi2.cdef("int abs(int); size_t strlen(const char *); void *malloc(size_t);")
    clib = ffi2.dlopen(None)
    metrics.enable(clib)
    mod.contract(clib, "abs", error_if=contracts.lt(5))
    mod.contract(clib, "malloc", error_if=mod.NULL, errno=True)
    ffi3 = mod.FFI()
    ffi3.cdef("int abs(int);")
    plib = ffi3.dlopen(None)
    mod.contract(plib, "abs", error_if=lambda rc: rc < 5)
    ffi4 = mod.FFI()
    ffi4.cdef("int abs(int);")
    rlib = ffi4.dlopen(None)
    mod.contract(rlib, "abs", error_if=lambda rc: 1 / 0)
    add("contract: lt fails", contracts.NativeError, lambda: clib.abs(1))
    add("contract: NULL errno", contracts.NativeError, lambda: clib.malloc(1 << 62))
    add("contract: predicate fails", contracts.NativeError, lambda: plib.abs(1))
    add("contract: predicate raises", ZeroDivisionError, lambda: rlib.abs(1))
    add("metrics: bad arg", TypeError, lambda: clib.strlen("x"))
    add("metrics: wrong count", TypeError, lambda: clib.strlen())
    add("metrics: overflow", OverflowError, lambda: clib.abs(1 << 40))
    if os.environ.get("LEAKHUNT_ISOLATED"):
        ffi5 = mod.FFI()
        ffi5.cdef("int abs(int); size_t strlen(const char *);")
        ilib = ffi5.dlopen(None, isolated=True)
        add("isolated: bad arg", TypeError, lambda: ilib.strlen(5))
        add("isolated: overflow", OverflowError, lambda: ilib.abs(1 << 40))
        add("isolated: wrong count", TypeError, lambda: ilib.abs())
        add("isolated: missing", AttributeError, lambda: ilib.nosuch_zz)
        from rcffi.isolation import NativeCrash, NativeTimeout
        ffi6 = mod.FFI()
        ffi6.cdef("void abort(void); int usleep(unsigned int); int abs(int);")
        clib6 = ffi6.dlopen(None, isolated=True, timeout=10.0, breaker=False)
        from rcffi.isolation import set_timeout
        set_timeout(clib6, 0.05, function="usleep")
        mod.contract(clib6, "abs", error_if=contracts.lt(5))
        add("rare: isolated worker crash", NativeCrash, lambda: clib6.abort())
        add("rare: isolated timeout", NativeTimeout, lambda: clib6.usleep(400000))
        add("isolated: contract fails", contracts.NativeError, lambda: clib6.abs(1))
        add("isolated: callback argument", TypeError, lambda: clib6.abs(ffi6.callback("int(int)", lambda x: x)))
    return R


def api_rows(mod, tmp):
    """Error paths of a compiled (API-mode) module, built here with the C
    compiler (left out, saying so, without one)."""
    ffi, lib, mode = _api_module.build(mod, tmp, "_leakhunt_api_")

    def extern_raises():
        mode["raise"] = True
        try:
            lib.call_cb(1)
        finally:
            mode["raise"] = False

    R = {}
    counter = [0]

    def add(name, exc, f):
        R[name] = lambda: expect(exc, f)

    add("api: unknown name", AttributeError, lambda: lib.no_such_name)
    add("api: set unknown name", AttributeError, lambda: setattr(lib, "no_such_name", 1))
    add("api: set a function", AttributeError, lambda: setattr(lib, "add", 1))
    add("api: bad argument", TypeError, lambda: lib.add(1, "x"))
    add("api: wrong count", TypeError, lambda: lib.add(1))
    add("api: kwargs", TypeError, lambda: lib.add(1, b=2))
    add("api: overflow", OverflowError, lambda: lib.add(1 << 40, 1))
    add("api: str for char *", TypeError, lambda: lib.echo("text"))
    add("api: struct argument None", TypeError, lambda: lib.sum(None))
    add("api: struct argument int", TypeError, lambda: lib.sum(5))
    add("api: global overflow", OverflowError, lambda: setattr(lib, "counter", 1 << 40))
    add("api: global bad type", TypeError, lambda: setattr(lib, "counter", "x"))
    add("api: undeclared struct", ffi.error, lambda: ffi.new("struct nosuch_zz *"))
    add("api: bad type string", ffi.error, lambda: ffi.typeof("int ]["))
    add("api: def_extern unknown", ffi.error, lambda: ffi.def_extern(name="nosuch_zz")(lambda: 0))
    add("api: def_extern bad error", TypeError, lambda: ffi.def_extern(name="py_cb", error="x")(lambda x: x))
    add("api: addressof unknown", AttributeError, lambda: ffi.addressof(lib, "nosuch_zz"))
    R["api: extern Python raises"] = quiet(extern_raises)

    def distinct_undeclared():
        counter[0] += 1
        expect(ffi.error, lambda: ffi.new("struct nosuch_%d *" % counter[0]))
    R["api: distinct undeclared structs"] = distinct_undeclared

    def distinct_bad():
        counter[0] += 1
        expect(ffi.error, lambda: ffi.typeof("struct bad_%d ][" % counter[0]))
    R["api: distinct tag, bad syntax"] = distinct_bad
    return R


def gcc_rows(mod, tmp):
    """compile()/verify() failures: each runs the C compiler (or loads the
    module verify() built the first time)."""
    R = {}
    verror = mod.VerificationError

    def verify_bad_c():
        f = mod.FFI()
        f.cdef("int foo(int);")
        expect(verror, lambda: f.verify("int foo(int x) { return x + ; }", tmpdir=tmp))
    R["rare: verify, C does not compile"] = quiet(verify_bad_c)

    contra = mod.FFI()
    contra.cdef("struct st_zz { int a; ...; }; static const int K_ZZ = 3;")

    def verify_contradicted():
        expect(verror, lambda: contra.verify("struct st_zz { int a; };\n#define K_ZZ 4\n", tmpdir=tmp))
    R["verify: cdef contradicted (module built)"] = quiet(verify_contradicted)

    def verify_contradicted_new_ffi():
        f = mod.FFI()
        f.cdef("static const int K_ZZ = 3;")
        expect(verror, lambda: f.verify("#define K_ZZ 4\n", tmpdir=tmp))
    R["verify: contradicted, new ffi"] = quiet(verify_contradicted_new_ffi)

    def compile_bad_c():
        f = mod.FFI()
        f.cdef("int foo(int);")
        f.set_source("_leakhunt_bad_" + mod.__name__, "int foo(int x) { return x + ; }")
        expect(verror, lambda: f.compile(tmpdir=tmp))
    R["rare: compile, C does not compile"] = quiet(compile_bad_c)
    return R


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("--impl", default="rcffi")
    ap.add_argument("--only", action="append")
    ap.add_argument("--min", type=float, default=0.0, help="print only rows whose growth is over this many blocks/100k")
    ap.add_argument("--types", action="store_true",
                    help="also count gc.get_objects() by type and print the types that grew")
    args = ap.parse_args(argv)
    mod = importlib.import_module(args.impl)
    R = rows(mod)
    if args.impl == "rcffi":
        R.update(rcffi_rows(mod))
    tmp = tempfile.mkdtemp(prefix="leakhunt-api-")
    if shutil.which(os.environ.get("CC", "gcc")) is None:
        print("API-mode, compile() and verify() rows left out: no C compiler")
    else:
        R.update(api_rows(mod, tmp))
        R.update(gcc_rows(mod, tmp))
    refs = getattr(sys, "gettotalrefcount", None)
    print("%-34s %10s %10s %10s %10s" % ("row (per 100k runs)", "blocks", "malloc KB", "RSS KB", "refs" if refs else ""))
    for name, op in R.items():
        if args.only and not any(o in name for o in args.only):
            continue
        if name.startswith("slow:"):  # runs gcc (find_library), starts a thread
            n = max(args.n // 200, 1)
        elif name.startswith("rare:"):  # runs gcc, or a worker process dies
            n = max(args.n // 2000, 10)
        else:
            n = args.n
        try:
            for _ in range(max(n // 10, 10)):
                op()
        except Exception as exc:
            print("%-34s BROKEN ROW: %r" % (name, exc))
            continue
        gc.collect()
        types0 = objects_by_type() if args.types else None
        b0, r0, m0 = sys.getallocatedblocks(), rss_kb(), malloc_bytes()
        t0 = refs() if refs else 0
        for _ in range(n):
            op()
        gc.collect()
        t1 = refs() if refs else 0
        scale = 100000 / n
        db = (sys.getallocatedblocks() - b0) * scale
        dr = (rss_kb() - r0) * scale
        dm = (malloc_bytes() - m0) * scale / 1024
        dt = (t1 - t0) * scale
        if max(db, dr, dt, dm) >= args.min:
            print("%-34s %10.0f %10.0f %10.0f %10s" % (name, db, dm, dr, ("%.0f" % dt) if refs else ""), flush=True)
        if types0 is not None:
            grown = objects_by_type()
            grown = sorted(((c - types0.get(t, 0), t) for t, c in grown.items()), reverse=True)
            grown = ["%s +%d" % (t, d) for d, t in grown[:5] if d > 0]
            if grown:
                print("%-34s gc objects: %s" % ("", ", ".join(grown)), flush=True)


if __name__ == "__main__":
    main()
