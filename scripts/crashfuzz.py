#!/usr/bin/env python3
"""Crash fuzzer for rcffi's ABI mode (docs/memory.md, "Crash fuzzing").

Generates random short programs (10-40 operations) over the public ABI-mode
API with hostile arguments (released cdata, views of released memory, huge
or negative sizes, objects whose __index__/__len__/__eq__/... release a
cdata or run the garbage collector, threads releasing while another uses,
callbacks that release what C is working on), runs each in a child process
and records every program whose child

  - dies of a signal, or aborts ("Fatal Python error", a Rust panic),
  - hangs past the timeout,
  - prints a Rust panic ("panicked at", PanicException) or a SystemError.

Python exceptions are the expected outcome of hostile input and are ignored:
each operation runs in its own try/except. The generator only emits what
rcffi promises to survive: memory is dereferenced only through cdata whose
memory rcffi owns (ffi.new, allocators, from_buffer, views of those: rcffi
checks every access against that memory, docs/compat.md); pointers rcffi
cannot place (ffi.cast of an int, C's memory) are only compared, hashed,
printed and moved, and C functions get sizes that fit.

    python scripts/crashfuzz.py --seed 1 --minutes 5 --findings /tmp/cf
    python scripts/crashfuzz.py --replay /tmp/cf/f-1234.py       # run one again
    python scripts/crashfuzz.py --show 1234                        # print program 1234
    python scripts/crashfuzz.py --seed 1 --count 200 --impl cffi  # the same programs on cffi

Program N of a run is generated from seed N alone (`--seed S` runs S, S+1,
...), so `--show N` regenerates it. Each finding is written to
DIR/f-N.py (runnable alone with `python f-N.py`) and DIR/f-N.min.py (after
the minimiser dropped every operation the crash does not need), with the
outcome in a comment at the top; DIR/summary.txt lists them by signature.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time

PRELUDE = r'''
import sys, gc, threading, weakref, pickle, copy, array, mmap, os, faulthandler, traceback
faulthandler.enable()
sys.setrecursionlimit(3000)
sys.setswitchinterval(1e-5)   # threads switch often: more interleavings
import IMPL as cffi
ffi = cffi.FFI()
ffi.cdef("""
struct inr { int a; char c; };
union U { int i; float f; char b[8]; };
struct S { int x; double d; struct inr in2; union U u; int arr[4]; char name[8]; int *p; unsigned bf1:3; int bf2:5; };
struct F { int n; int data[]; };
struct N { struct S s[2]; union { int ui; short us[2]; }; };
typedef int (*cmp_t)(const void *, const void *);
size_t strlen(const char *);
void *memset(void *, int, size_t);
void qsort(void *, size_t, size_t, cmp_t);
char *getenv(const char *);
int abs(int);
""")
lib = ffi.dlopen(None)
V = [None] * 8
L = [1, 2, 3, 4]
D = {"x": 1, "d": 2.0}
KEEP = []

def rel(x):
    try:
        if isinstance(x, memoryview):
            x.release()
        elif isinstance(x, mmap.mmap):
            x.close()
        else:
            ffi.release(x)
    except Exception:
        pass

def bg(f):
    def run():
        try:
            f()
        except Exception:
            pass
    t = threading.Thread(target=run)
    t.start()
    KEEP.append(t)
    return t

class Boom(Exception):
    pass

def boom():
    raise Boom("hostile")

class H:
    """A value whose conversions run `act` first."""
    def __init__(self, v, act=None):
        self.v = v
        self.act = act
    def _a(self):
        a, self.act = self.act, None    # once: no endless loops
        if a is not None:
            a()
    def __index__(self):
        self._a()
        return int(self.v)
    __int__ = __index__
    def __float__(self):
        self._a()
        return float(self.v)
    def __len__(self):
        self._a()
        return max(int(self.v), 0)
    def __iter__(self):
        self._a()
        return iter([1, 2, 3][: max(0, min(3, int(self.v)))])
    def __eq__(self, other):
        self._a()
        return True
    def __lt__(self, other):
        self._a()
        return False
    def __hash__(self):
        self._a()
        return 1
    def __bool__(self):
        self._a()
        return True

class Del:
    def __init__(self, act):
        self.act = act
    def __del__(self):
        try:
            self.act()
        except Exception:
            pass

def gen(items, act):
    for i, x in enumerate(items):
        if i == 1:
            act()
        yield x

def deep(n, f):
    return f() if n == 0 else deep(n - 1, f)

def nested_h(n, act):
    return H(0, act) if n == 0 else H(0, lambda: int(nested_h(n - 1, act)))

def safe_unpack(p, k=1):
    return ffi.unpack(p, k)

_ok = [0, 0]
def run(f, slot=None):
    # `slot`: the V[] item the operation assigns; emptied when it fails, so
    # it never keeps an object of another kind than the generator assumed
    try:
        f()
        _ok[0] += 1
        return
    except SystemError:
        traceback.print_exc()
        print("CRASHFUZZ-SYSTEMERROR", file=sys.stderr, flush=True)
    except Exception:
        pass
    _ok[1] += 1
    if slot is not None:
        V[slot] = None
'''

EPILOGUE = r'''
for t in list(KEEP):
    if isinstance(t, threading.Thread):
        t.join(30)
V[:] = [None] * 8
KEEP.clear()
gc.collect()
print("CRASHFUZZ-END ok %d raised %d" % tuple(_ok), flush=True)
'''

SCALARS = ["int", "char", "signed char", "unsigned char", "short", "unsigned int", "long", "long long",
           "unsigned long long", "float", "double", "_Bool", "wchar_t", "char16_t", "char32_t", "size_t",
           "int8_t", "uint64_t", "long double", "float _Complex", "double _Complex"]
ARRAYS = ["int[4]", "char[8]", "char[]", "int[]", "double[3]", "struct S[2]", "struct inr[]", "union U[2]",
          "wchar_t[5]", "short[2][3]", "struct N[1]", "unsigned char[]"]
STRUCTS = ["struct S *", "union U *", "struct inr *", "struct N *", "struct S[1]"]
FIELDS = ["x", "d", "in2", "u", "arr", "name", "bf1", "bf2", "a", "c", "i", "f", "b", "n", "data", "s", "ui",
          "us", "p", "nope"]
CAST_TYPES = ["int", "long", "char", "double", "float", "_Bool", "int *", "char *", "void *", "struct S *",
              "intptr_t", "uint8_t", "size_t", "int[4]", "int(*)(int)", "wchar_t", "long double"]


class Gen:
    """One program: a list of operations, each a function body."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        # what each slot holds: "own" (rcffi's memory: may be dereferenced),
        # "raw" (an address rcffi cannot place: no dereference), "cstr" (a
        # NUL-terminated char array of rcffi's), "py" (a Python buffer),
        # "buf" (ffi.buffer / memoryview), "cb", "handle", "other"
        self.kinds = ["none"] * 8
        self.ops = []
        self.focus = None

    def slot(self, *kinds):
        """A slot holding one of `kinds` (mostly), never a "raw" one unless asked."""
        cands = [i for i, k in enumerate(self.kinds) if k in kinds] if kinds else []
        if cands and self.r.random() < 0.9:
            self.focus = self.r.choice(cands)
        else:
            self.focus = self.r.choice([i for i, k in enumerate(self.kinds) if k != "raw" or "raw" in kinds] or [0])
        return self.focus

    def any_slot(self):
        """Any slot: for operations that never dereference it."""
        return self.r.randrange(8)

    def deref_slot(self):
        cands = [i for i, k in enumerate(self.kinds) if k in ("own", "cstr")]
        self.focus = self.r.choice(cands) if cands else None
        return self.focus

    def act(self):
        """A callable run in the middle of an operation (an __index__, a
        destructor, a callback): most often it releases or drops the slot
        the operation works on (`self.focus`)."""
        r = self.r
        k = self.focus if self.focus is not None and r.random() < 0.5 else r.randrange(8)
        return r.choice([
            "lambda: rel(V[%d])" % k,
            "lambda: rel(V[%d])" % k,
            "gc.collect",
            "boom",
            "L.clear",
            "D.clear",
            "lambda: V.__setitem__(%d, None)" % k,
            "lambda: (V.__setitem__(%d, None), gc.collect())" % k,
            "lambda: bg(lambda: rel(V[%d])).join()" % k,
            "lambda: L.extend(range(100))",
            "lambda: V[%d].__setitem__(slice(None), b'')" % k,   # resize a bytearray
            "lambda: deep(2500, gc.collect)",
        ])

    def num(self, small=None, size=False):
        """An integer-ish argument. `size`: the length of something made
        (no lengths of 2**31..2**40 that could really be allocated: a loop
        over 4 G items is a hang of the program's own making)."""
        r = self.r
        if small is not None and r.random() < 0.5:
            return str(small)
        c = r.random()
        if c < 0.55:
            return r.choice(["0", "1", "2", "3", "4", "7", "8", "-1", "-2", "16", "100"])
        if c < 0.75:
            big = ["2**63", "2**63-1", "-2**63", "2**64", "sys.maxsize", "-sys.maxsize-1", "10**30", "2**62"]
            if not size:
                big += ["2**31", "2**32", "sys.maxsize//2", "2**40", "sys.maxsize//4+1"]
            return r.choice(big)
        if c < 0.95:
            return "H(%s, %s)" % (r.choice(["0", "1", "2", "3", "-1", "2**63", "100"]), self.act())
        return r.choice(["None", "1.5", "'3'", "True", "nested_h(50, %s)" % self.act()])

    def value(self):
        r = self.r
        c = r.random()
        if c < 0.3:
            return self.num()
        return r.choice([
            "1", "-1", "0.5", "float('nan')", "1e300", "b'a'", "b'abc'", "'x'", "'\\u1234'", "b'\\xff' * 20",
            "[1, 2, 3]", "[1] * 50", "(1, 2)", "{'x': 1, 'd': 2.5}", "D", "L", "[]", "[[1, 2], [3]]",
            "gen([1, 2, 3, 4], %s)" % self.act(), "iter(L)", "H(5, %s)" % self.act(),
            "[H(1, %s), 2]" % self.act(), "{'x': H(1, %s)}" % self.act(), "V[%d]" % r.randrange(8),
            "[V[%d], V[%d]]" % (r.randrange(8), r.randrange(8)), "None", "ffi.NULL", "{'arr': L}",
            "{'x': 1, 'nope': 2}", "1+2j", "bytearray(b'xyz')", "ffi.new('int *', 3)",
        ])

    def buffer_source(self):
        r = self.r
        return r.choice([
            "bytearray(b'0123456789abcdef' * %d)" % r.choice([1, 2, 16]),
            "b'0123456789abcdef'", "bytes(64)", "array.array('i', range(%d))" % r.choice([0, 1, 4, 16]),
            "memoryview(bytearray(32))", "memoryview(bytearray(32))[4:20]", "memoryview(b'abcdefgh')[::2]",
            "mmap.mmap(-1, 4096)", "bytearray()", "memoryview(bytearray(64)).cast('i')", "'text'",
            "V[%d]" % self.slot("py", "buf"), "ffi.buffer(ffi.new('char[16]'))",
        ])

    def emit(self, name, body):
        m = re.match(r"V\[(\d)\] = ", body)
        self.ops.append((name, body, int(m.group(1)) if m else None))

    # ---- operations: each adds one function body -------------------------

    def op_new(self):
        r = self.r
        k = r.randrange(8)
        c = r.random()
        if c < 0.3:
            t = r.choice(SCALARS)
            self.emit("new_scalar", "V[%d] = ffi.new(%r, %s)" % (k, t + " *", self.value() if r.random() < 0.5 else "0"))
        elif c < 0.6:
            t = r.choice(ARRAYS)
            if t.endswith("[]"):
                init = r.choice([self.num(4, size=True), "b'hello'", "L", "[1, 2, 3]", "[H(1, %s)] * 3" % self.act()])
            else:
                init = r.choice(["None", self.value()])
            self.emit("new_array", "V[%d] = ffi.new(%r, %s)" % (k, t, init))
        elif c < 0.8:
            t = r.choice(STRUCTS)
            self.emit("new_struct", "V[%d] = ffi.new(%r, %s)" % (k, t, r.choice(["None", self.value()])))
        else:
            init = r.choice(["[%s, [1, 2, 3]]" % self.num(3, size=True), "{'n': 2, 'data': %s}" % self.value(),
                             "{'data': [1] * %s}" % r.choice(["0", "4", "100"]), self.num(4, size=True), "[1, L]"])
            self.emit("new_flex", "V[%d] = ffi.new('struct F *', %s)" % (k, init))
        self.kinds[k] = "own"

    def op_new_cstr(self):
        k = self.r.randrange(8)
        self.emit("new_cstr", "V[%d] = ffi.new('char[]', %s)" % (k, self.r.choice(["b'hello'", "b''", "b'x' * 100", "7"])))
        self.kinds[k] = "cstr"

    def op_cast(self):
        r = self.r
        k = r.randrange(8)
        t = r.choice(CAST_TYPES)
        src = r.choice([self.num(), "V[%d]" % r.randrange(8), "0", "ffi.NULL", "b'a'", "1.5"])
        if "(" in t:
            src = "0"   # no calls through made-up addresses
        self.emit("cast", "V[%d] = ffi.cast(%r, %s)" % (k, t, src))
        self.kinds[k] = "raw"

    def op_py_buffer(self):
        k = self.r.randrange(8)
        self.emit("py_buffer", "V[%d] = %s" % (k, self.buffer_source()))
        self.kinds[k] = "py"

    def op_from_buffer(self):
        r = self.r
        k = r.randrange(8)
        t = r.choice(["", "'char[]', ", "'int[]', ", "'struct S[]', ", "'int *', ", "'struct S *', ",
                      "'int[2]', ", "'struct F *', ", "'union U[]', "])
        src = "V[%d]" % self.slot("py", "buf") if r.random() < 0.6 else self.buffer_source()
        extra = r.choice(["", ", require_writable=True", ", require_writable=H(1, %s)" % self.act()])
        self.emit("from_buffer", "V[%d] = ffi.from_buffer(%s%s%s)" % (k, t, src, extra))
        self.kinds[k] = "own"

    def op_buffer(self):
        r = self.r
        k = r.randrange(8)
        s = self.deref_slot()
        if s is None:
            return self.op_new()
        size = r.choice(["", ", " + self.num(), ", %d" % r.choice([0, 1, 4, 8])])
        self.emit("buffer", "V[%d] = ffi.buffer(V[%d]%s)" % (k, s, size))
        self.kinds[k] = "buf"

    def op_memoryview(self):
        k = self.r.randrange(8)
        s = self.slot("buf", "py", "own")
        self.emit("memoryview", "V[%d] = memoryview(V[%d])" % (k, s))
        self.kinds[k] = "buf"

    def op_buf_ops(self):
        r = self.r
        s = self.slot("buf", "py")
        o = self.slot()
        body = r.choice([
            "V[%d][%s:%s] = %s" % (s, self.num(), self.num(), r.choice(["b'xy'", "b''", "b'x' * 100", "V[%d]" % o, "bytearray(4)", "memoryview(b'abcd')", "H(1, %s)" % self.act()])),
            "V[%d][%s] = %s" % (s, self.num(), r.choice(["b'x'", "1", "300", self.num()])),
            "x = V[%d][%s:%s]" % (s, self.num(), self.num()),
            "x = V[%d][%s]" % (s, self.num()),
            "x = bytes(V[%d])" % s,
            "x = V[%d] == V[%d]" % (s, o),
            "x = len(V[%d])" % s,
            "x = V[%d][:] ; V[%d][:] = x" % (s, s),
            "V[%d].release()" % s,
            "V[%d][::-1] = V[%d][::-1]" % (s, s),
            "x = hash(V[%d])" % s,
            "x = list(V[%d])" % s,
            "V[%d].extend(b'x' * %s)" % (s, r.choice(["10", "1000", "0"])),   # bytearray growth
            "del V[%d][:%s]" % (s, self.num()),
            "V[%d].resize(%s)" % (s, r.choice(["0", "8192"])),                 # mmap
            "V[%d].close()" % s,
        ])
        self.emit("buf_ops", body)

    def op_gc(self):
        r = self.r
        k = r.randrange(8)
        s = self.slot("own", "raw", "cstr")
        d = r.choice(["lambda p: None", "lambda p: rel(p)", "lambda p: rel(V[%d])" % r.randrange(8),
                      "lambda p: KEEP.append(p)", "lambda p: gc.collect()", "lambda p: boom()",
                      "lambda p: p.__setitem__(0, 1)" if self.kinds[s] != "raw" else "None", "None", "lambda p: ffi.gc(p, None)"])
        size = r.choice(["", ", size=%s" % self.num()])
        self.emit("gc", "V[%d] = ffi.gc(V[%d], %s%s)" % (k, s, d, size))
        self.kinds[k] = self.kinds[s] if self.kinds[s] in ("own", "raw", "cstr") else "other"

    def op_allocator(self):
        r = self.r
        k = r.randrange(8)
        alloc = r.choice([
            "None", "lambda n: ffi.new('char[]', n)", "lambda n: ffi.new('char[]', 1)",
            "lambda n: None", "lambda n: 0", "lambda n: boom()", "lambda n: ffi.cast('void *', 0)",
            "lambda n: V[%d]" % self.slot("own"), "lambda n: ffi.from_buffer(bytearray(n))",
            "lambda n: (lambda c: (rel(c), c)[1])(ffi.new('char[]', n))",
            "lambda n: ffi.new_handle(n)", "lambda n: ffi.gc(ffi.new('char[]', n), lambda p: None)",
            "lambda n: ffi.buffer(ffi.new('char[]', n))",
        ])
        free = r.choice(["None", "lambda p: None", "lambda p: rel(p)", "lambda p: boom()", "lambda p: gc.collect()"])
        t = r.choice(["int *", "int[]", "struct S *", "char[]", "struct F *", "int[3]"])
        init = r.choice(["None", self.num(4, size=True), "[1, 2, 3]"])
        self.emit("allocator", "V[%d] = ffi.new_allocator(%s, %s, should_clear_after_alloc=%s)(%r, %s)"
                  % (k, alloc, free, r.choice(["True", "False"]), t, init))
        self.kinds[k] = "own"

    def op_handle(self):
        r = self.r
        k = r.randrange(8)
        if r.random() < 0.6:
            self.emit("new_handle", "V[%d] = ffi.new_handle(%s)" % (k, r.choice(["V[%d]" % r.randrange(8), "L", "D", "Del(%s)" % self.act()])))
            self.kinds[k] = "handle"
        else:
            self.emit("from_handle", "x = ffi.from_handle(V[%d])" % self.slot("handle", "own"))

    def op_callback(self):
        r = self.r
        k = r.randrange(8)
        body = r.choice(["return 0", "return H(1, %s)" % self.act(), "(%s)(); return 0" % self.act(),
                         "return deep(2500, lambda: 1)", "return ffi.cast('int *', a)[0] - ffi.cast('int *', b)[0]",
                         "raise Boom()", "return 2**70", "return None"])
        onerror = r.choice(["", ", onerror=lambda *e: None", ", onerror=lambda *e: boom()",
                            ", onerror=lambda *e: (%s)()" % self.act(), ", error=H(1, %s)" % self.act()])
        self.emit("callback", "def f(a, b):\n        %s\n    V[%d] = ffi.callback('int(void *, void *)', f%s)" % (body, k, onerror))
        self.kinds[k] = "cb"

    def op_call_cb(self):
        s = self.slot("cb")
        a = "ffi.new('int *', 1)"
        self.emit("call_cb", "x = V[%d](%s, ffi.new('int *', 2))" % (s, a))

    def op_qsort(self):
        r = self.r
        n = r.choice([0, 1, 2, 5, 20])
        k = r.randrange(8)
        cmp_body = r.choice([
            "return ffi.cast('int *', a)[0] - ffi.cast('int *', b)[0]",
            "(%s)(); return ffi.cast('int *', a)[0] - ffi.cast('int *', b)[0]" % self.act(),
            "rel(V[%d]); return 1" % k, "raise Boom()", "return H(-1, %s)" % self.act(),
            "V[%d][0] = 99; return -1" % k, "return (ffi.cast('int *', a)[0] == H(1, %s)) - 1" % self.act(),
            "gc.collect(); return 0",
        ])
        count = r.choice([str(n), "H(%d, %s)" % (n, self.act()), "len(V[%d])" % k])
        how = r.choice(["V[%d] = ffi.new('int[]', list(range(%d, 0, -1)))" % (k, n),
                        "V[%d] = ffi.from_buffer('int[]', bytearray(%d))" % (k, 4 * n),
                        "V[%d] = ffi.new_allocator()('int[]', %d)" % (k, n)])
        self.emit("qsort", "%s\n    def cmp(a, b):\n        %s\n    cb = ffi.callback('cmp_t', cmp, %s)\n"
                  "    lib.qsort(V[%d], %s, 4, cb)" % (how, cmp_body, r.choice(["0", "H(0, %s)" % self.act()]), k, count))
        self.kinds[k] = "own"

    def op_libc(self):
        r = self.r
        s = self.slot("cstr")
        if self.kinds[s] == "cstr" and r.random() < 0.6:
            body = "x = lib.strlen(V[%d])" % s
        else:
            body = r.choice([
                "x = lib.strlen(%s)" % r.choice(["b'abc'", "ffi.new('char[]', b'abc')", "'str'", "1", "[1]"]
                                                + ["V[%d]" % i for i, k in enumerate(self.kinds) if k in ("py", "cstr")]),
                "lib.memset(V[%d], %s, %s)" % (self.slot("own"), self.num(), r.choice(["0", "H(0, %s)" % self.act()])),
                "x = lib.getenv(%s)" % r.choice(["b'HOME'", "b'NOPE_NOPE'", "ffi.new('char[]', b'PATH')"]
                                                + ["V[%d]" % i for i, k in enumerate(self.kinds) if k == "cstr"]),
                "x = lib.abs(%s)" % self.num(),
                "x = ffi.string(lib.getenv(b'PATH'), %s)" % self.num(),
                "x = lib.strlen", "x = ffi.addressof(lib, %r)" % r.choice(["strlen", "abs", "nope"]),
            ])
        self.emit("libc", body)

    def op_view(self):
        r = self.r
        k = r.randrange(8)
        s = self.deref_slot()
        if s is None:
            return self.op_new()
        f = r.choice(FIELDS)
        c = r.random()
        if c < 0.3:
            body, kind = "V[%d] = V[%d][%s]" % (k, s, self.num(0)), "own"
        elif c < 0.5:
            body, kind = "V[%d] = V[%d][%s:%s]" % (k, s, self.num(0), self.num(2)), "own"
        elif c < 0.7:
            body, kind = "V[%d] = V[%d].%s" % (k, s, f), "own"
        elif c < 0.8:
            body, kind = "V[%d] = V[%d][0].%s" % (k, s, f), "own"
        elif c < 0.9:
            body, kind = "V[%d] = ffi.addressof(V[%d]%s)" % (k, s, r.choice(["", ", %r" % f, ", %s" % self.num(0), ", %r, %r" % (f, f)])), "own"
        else:
            body, kind = "V[%d] = V[%d] + %s" % (k, s, self.num(1)), "own"
        if "p" == f and ".p" in body:
            kind = "raw"
        self.emit("view", body)
        self.kinds[k] = kind

    def op_store(self):
        r = self.r
        s = self.deref_slot()
        if s is None:
            return self.op_new()
        c = r.random()
        if c < 0.35:
            body = "V[%d][%s] = %s" % (s, self.num(0), self.value())
        elif c < 0.6:
            body = "V[%d][%s:%s] = %s" % (s, self.num(0), self.num(2), self.value())
        elif c < 0.85:
            body = "V[%d].%s = %s" % (s, r.choice(FIELDS), self.value())
        else:
            body = "V[%d][0].%s = %s" % (s, r.choice(FIELDS), self.value())
        self.emit("store", body)

    def op_read(self):
        r = self.r
        s = self.deref_slot()
        if s is None:
            return self.op_new()
        body = r.choice([
            "x = V[%d][%s]" % (s, self.num(0)),
            "x = V[%d][%s:%s]" % (s, self.num(0), self.num(1)),
            "x = list(V[%d])" % s,
            "x = len(V[%d])" % s,
            "x = ffi.string(V[%d]%s)" % (s, r.choice(["", ", " + self.num()])),
            "x = ffi.unpack(V[%d], %s)" % (s, self.num(1)),
            "x = ffi.buffer(V[%d], %s)[:]" % (s, self.num()),
            "x = bytes(ffi.buffer(V[%d]))" % s,
            "x = list(ffi.buffer(V[%d]))" % s,
            "x = memoryview(ffi.buffer(V[%d])).tobytes()" % s,
            "x = V[%d].%s" % (s, r.choice(FIELDS)),
            "x = V[%d][0]" % s,
            "x = [y for y in V[%d] if (%s)()]" % (s, self.act()),
            "it = iter(V[%d]); next(it); (%s)(); x = list(it)" % (s, self.act()),
            "x = sum(1 for _ in V[%d][%s:%s])" % (s, self.num(0), self.num(1)),
            "x = dir(V[%d]); x = list(ffi.typeof(V[%d]).fields or [])" % (s, s),
        ])
        self.emit("read", body)

    def op_memmove(self):
        r = self.r
        d = self.slot("own", "py", "buf", "cstr")
        s = self.slot("own", "py", "buf", "cstr")
        if self.kinds[d] == "raw":
            d = None
        dst = "V[%d]" % d if d is not None else "bytearray(8)"
        self.emit("memmove", "ffi.memmove(%s, V[%d], %s)" % (dst, s, self.num(r.choice([0, 1, 4]))))

    def op_generic(self):
        r = self.r
        a, b = r.randrange(8), r.randrange(8)
        c = self.slot()
        body = r.choice([
            "x = repr(V[%d])" % a, "x = str(V[%d])" % a, "x = hash(V[%d])" % a, "x = bool(V[%d])" % a,
            "x = int(V[%d])" % a, "x = float(V[%d])" % a, "x = complex(V[%d])" % a,
            "x = V[%d] == V[%d]" % (a, b), "x = V[%d] < V[%d]" % (a, b), "x = V[%d] != %s" % (a, self.value()),
            "x = V[%d] - V[%d]" % (a, b), "x = V[%d] + %s" % (a, self.num()), "x = V[%d] - %s" % (a, self.num()),
            "x = ffi.typeof(V[%d])" % a, "x = ffi.sizeof(V[%d])" % a, "x = ffi.alignof(ffi.typeof(V[%d]))" % a,
            "ffi.release(V[%d])" % a, "rel(V[%d])" % a, "rel(V[%d]); rel(V[%d])" % (a, a),
            "with V[%d]: pass" % a, "with V[%d]: rel(V[%d])" % (a, b),
            "x = pickle.dumps(V[%d])" % c, "x = copy.copy(V[%d])" % c, "x = copy.deepcopy(V[%d])" % c,
            "KEEP.append(weakref.ref(V[%d]))" % a, "x = weakref.proxy(V[%d]); x[0]" % self.slot(),
            "V[%d] = None" % a, "gc.collect()", "x = {V[%d]: 1, V[%d]: 2}" % (a, b),
            "x = sorted([V[%d], V[%d]])" % (a, b), "x = ffi.getctype(ffi.typeof(V[%d]), %r)" % (a, r.choice(["*", "a", "[5]"])),
            "x = V[%d](%s)" % (c, self.value()), "x = ffi.cast('intptr_t', V[%d])" % a,
            "x = ffi.cast(ffi.typeof(V[%d]), V[%d])" % (a, b), "x = ffi.new(ffi.typeof(V[%d]), V[%d])" % (a, b),
            "x = ffi.offsetof(ffi.typeof(V[%d]), %s)" % (a, r.choice(["'x'", "'arr'", self.num()])),
            "x = ffi.string(%s)" % r.choice(["ffi.cast('int', V[%d])" % a, "ffi.cast('char', 65)", "V[%d]" % a]) if self.kinds[a] != "raw" else "x = 1",
            "x = format(V[%d], '')" % a, "x = V[%d].__reduce_ex__(2)" % c, "x = V[%d].__sizeof__()" % a,
            "x = [V[%d]] * 3; x.sort()" % a, "x = ffi.from_handle(V[%d]) if %r == 'handle' else 0" % (a, self.kinds[a]),
        ])
        self.emit("generic", body)

    def op_thread(self):
        r = self.r
        a = r.randrange(8)
        s = self.deref_slot()
        use = ("for _ in range(200):\n            x = V[%d][0]; y = bytes(ffi.buffer(V[%d]))" % (s, s)) if s is not None else "pass"
        body = r.choice([
            "t = bg(lambda: [rel(V[%d]) for _ in range(3)])\n    for _ in range(50):\n        x = repr(V[%d]); x = V[%d] == V[%d]" % (a, a, a, a),
            "def use():\n        %s\n    t = bg(use)\n    rel(V[%d]); gc.collect()" % (use, s if s is not None else a),
            "def use():\n        %s\n    t1 = bg(use); t2 = bg(use)\n    V[%d] = None" % (use, s if s is not None else a),
            "t = bg(lambda: ffi.string(V[%d]))\n    rel(V[%d])" % ((s, s) if s is not None else (0, 0)),
        ])
        self.emit("thread", body)

    def op_deep(self):
        r = self.r
        a = r.randrange(8)
        body = r.choice([
            "x = deep(2000, lambda: ffi.new('int[3]', [H(1, %s), 2, 3]))" % self.act(),
            "x = ffi.new('int *', nested_h(800, %s))" % self.act(),
            "x = deep(2400, lambda: repr(V[%d]))" % a,
            "ffi.cast('int', nested_h(1500, gc.collect))",
        ])
        self.emit("deep", body)

    OPS = [
        (op_new, 14), (op_new_cstr, 3), (op_cast, 5), (op_py_buffer, 5), (op_from_buffer, 8), (op_buffer, 5),
        (op_memoryview, 3), (op_buf_ops, 8), (op_gc, 5), (op_allocator, 5), (op_handle, 3), (op_callback, 3),
        (op_call_cb, 2), (op_qsort, 3), (op_libc, 4), (op_view, 10), (op_store, 10), (op_read, 12),
        (op_memmove, 4), (op_generic, 16), (op_thread, 2), (op_deep, 1),
    ]

    def program(self):
        n = self.r.randint(10, 40)
        funcs = [f for f, _ in self.OPS]
        weights = [w for _, w in self.OPS]
        while len(self.ops) < n:
            self.focus = None
            self.r.choices(funcs, weights)[0](self)
        return self.ops


def render(ops, impl):
    parts = [PRELUDE.replace("IMPL", impl, 1)]
    for i, (name, body, slot) in enumerate(ops):
        parts.append("def o%d_%s():\n    %s\nrun(o%d_%s%s)\n" % (i, name, body, i, name, "" if slot is None else ", %d" % slot))
    parts.append(EPILOGUE)
    return "\n".join(parts)


def classify(rc, out, err, timed_out):
    """(class, signature) of a child's outcome, or None when it was fine."""
    where = ""
    m = re.findall(r'line \d+ in (o\d+_\w+)', err)
    if m:
        where = re.sub(r"^o\d+_", "", m[0])
    if timed_out:
        return "hang", "hang"
    pm = re.search(r"panicked at ([^\n]*?):\d+:\d+", err)
    if pm:
        msg = err[pm.end():].split("\n", 2)[1][:80] if "\n" in err[pm.end():] else ""
        return "panic", "panic %s: %s" % (pm.group(1), re.sub(r"\d+", "N", msg))
    if "malloc(): " in err or "free(): " in err or "corrupted" in err or "double free" in err:
        gm = re.search(r"((?:malloc|free|realloc)\(\): [^\n]*|corrupted [^\n]*|double free[^\n]*)", err)
        return "heap", "heap %s (%s)" % (gm.group(1)[:60] if gm else "", where)
    if "PanicException" in err:
        return "panic", "panic " + where
    if "Fatal Python error" in err:
        fm = re.search(r"Fatal Python error: ([^\n]*)", err)
        return "fatal", "fatal %s (%s)" % (re.sub(r"0x[0-9a-f]+|\d+", "N", fm.group(1)[:60]), where)
    if rc < 0:
        return "signal", "signal %d (%s)" % (-rc, where)
    if "SystemError: <built-in function iter> returned a result" in err and "released memoryview" in err:
        return None     # CPython 3.11's own bug: iter() of a released non-contiguous memoryview
    if "CRASHFUZZ-SYSTEMERROR" in err or "SystemError" in err:
        sm = re.search(r"SystemError: ([^\n]*)", err)
        return "systemerror", "SystemError %s" % re.sub(r"\d+", "N", sm.group(1)[:60] if sm else "")
    if rc != 0 or "CRASHFUZZ-END" not in out:
        return "exit", "exit %d (%s)" % (rc, err.strip().splitlines()[-1][:80] if err.strip() else "")
    return None


# glibc's malloc under Python's objects (PYTHONMALLOC=malloc), checking the
# heap at every free and filling freed blocks: a write to freed memory (a
# bytearray given back under a cdata, ...) aborts the child instead of going
# unnoticed; a read of it reads the fill byte (0xa5)
CHILD_ENV = {"PYTHONFAULTHANDLER": "1", "PYTHONMALLOC": "malloc", "MALLOC_CHECK_": "3", "MALLOC_PERTURB_": "165"}


def run_child(src, timeout):
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, prefix="crashfuzz-") as f:
        f.write(src)
        path = f.name
    try:
        p = subprocess.Popen([sys.executable, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True, env=dict(os.environ, **CHILD_ENV))
        try:
            out, err = p.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            out, err = p.communicate()
            timed_out = True
        return p.returncode, out, err, timed_out
    finally:
        os.unlink(path)


def minimize(ops, impl, cls, sig, timeout, budget=60):
    """Drop operations (halves, quarters, ..., single ones) while the crash
    keeps its signature; at most `budget` child runs."""
    runs = 0
    chunk = max(1, len(ops) // 2)
    while chunk >= 1 and runs < budget:
        i = 0
        changed = False
        while i < len(ops) and runs < budget:
            trial = ops[:i] + ops[i + chunk:]
            runs += 1
            res = classify(*run_child(render(trial, impl), timeout))
            if res is not None and res[1] == sig:
                ops = trial
                changed = True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    return ops


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--count", type=int, default=0, help="stop after this many programs (0: only --minutes)")
    ap.add_argument("--findings", default="crashfuzz-findings")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--impl", default="rcffi", help="module the programs import (rcffi, or cffi to compare)")
    ap.add_argument("--no-minimize", action="store_true")
    ap.add_argument("--show", type=int, help="print the program of this seed and exit")
    ap.add_argument("--replay", help="run this program file and print its outcome")
    a = ap.parse_args()
    if a.show is not None:
        print(render(Gen(a.show).program(), a.impl))
        return 0
    if a.replay:
        with open(a.replay) as f:
            rc, out, err, to = run_child(f.read(), a.timeout)
        print(err[-3000:])
        print("outcome:", classify(rc, out, err, to))
        return 0
    os.makedirs(a.findings, exist_ok=True)
    end = time.time() + a.minutes * 60
    seen = {}
    n = 0
    seed = a.seed
    t0 = time.time()
    while time.time() < end and (not a.count or n < a.count):
        ops = Gen(seed).program()
        rc, out, err, to = run_child(render(ops, a.impl), a.timeout)
        res = classify(rc, out, err, to)
        n += 1
        if res is not None:
            cls, sig = res
            new = sig not in seen
            seen.setdefault(sig, []).append(seed)
            print("seed %d: %s%s" % (seed, sig, "  (new)" if new else ""), flush=True)
            head = "# crashfuzz seed %d, impl %s: %s\n# %s\n" % (seed, a.impl, cls, sig)
            with open(os.path.join(a.findings, "f-%d.py" % seed), "w") as f:
                f.write(head + "# stderr tail:\n" + "".join("#   " + l + "\n" for l in err[-1500:].splitlines()) + render(ops, a.impl))
            if new and not a.no_minimize:
                small = minimize(ops, a.impl, cls, sig, min(a.timeout, 10.0) if cls == "hang" else a.timeout)
                with open(os.path.join(a.findings, "f-%d.min.py" % seed), "w") as f:
                    f.write(head + render(small, a.impl))
                print("  minimized to %d operations: %s" % (len(small), os.path.join(a.findings, "f-%d.min.py" % seed)), flush=True)
        seed += 1
    mins = (time.time() - t0) / 60
    lines = ["programs %d (seeds %d..%d), %.1f minutes, impl %s, %d distinct signatures" % (n, a.seed, seed - 1, mins, a.impl, len(seen))]
    for sig, seeds in sorted(seen.items(), key=lambda kv: -len(kv[1])):
        lines.append("%5d  %s  (seeds %s)" % (len(seeds), sig, " ".join(map(str, seeds[:8]))))
    with open(os.path.join(a.findings, "summary.txt"), "a") as f:
        f.write("\n".join(lines) + "\n\n")
    print("\n".join(lines))
    return 1 if seen else 0


if __name__ == "__main__":
    sys.exit(main())
