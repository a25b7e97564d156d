"""Runs one generated program under one implementation and prints one JSON
line per step: ``python child.py IMPL PROGRAM.json CLIB.so``.

IMPL is ``cffi`` (the reference) or ``rcffi`` (imported as ``cffi``: the
program text is the same for both). Every step's outcome is normalised here
so that the parent compares plain strings:

* a value: ``repr`` for Python scalars; cdata and ctypes by ``repr`` with
  addresses (hex numbers of 5+ digits) masked as ``0xADDR``; buffers by
  length and content; anything else by its type name;
* an exception: its class name and its message (addresses masked);
* destructor / allocator log entries appended during the step, and every
  "Exception ignored ..." report (``sys.unraisablehook``): what cffi prints
  for a failing callback or ``ffi.gc`` destructor.

This module never imports anything the parent generated: the program is
data (the cdef pieces and the source of each step).
"""

import ast
import faulthandler
import os
import gc
import importlib
import json
import re
import sys
import warnings
from decimal import Decimal
from fractions import Fraction

ADDR = re.compile(r"0x[0-9a-fA-F]{5,}")


def mask(s):
    return ADDR.sub("0xADDR", s)


class IntOnly:
    """Has ``__int__`` but no ``__index__`` (cffi converts through
    ``__int__`` where it is not strict)."""

    def __init__(self, v):
        self.v = v

    def __int__(self):
        return self.v


class IndexOnly:
    def __init__(self, v):
        self.v = v

    def __index__(self):
        return self.v


class FloatOnly:
    def __init__(self, v):
        self.v = v

    def __float__(self):
        return self.v


def raise_(e):
    raise e


def gen_then(items, fn):
    """Yields the first item, calls fn(), yields the rest: a slice
    assignment whose source runs code part-way (misuse programs)."""
    it = iter(items)
    for x in it:
        yield x
        break
    fn()
    yield from it


def describe(v, ffi, depth=0):
    if depth > 4:
        return "..."
    if v is None or isinstance(v, (bool, int, float, complex, str, bytes)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        inner = ", ".join(describe(x, ffi, depth + 1) for x in v[:64])
        more = ", +%d" % (len(v) - 64) if len(v) > 64 else ""
        return ("[%s%s]" if isinstance(v, list) else "(%s%s)") % (inner, more)
    if isinstance(v, dict):
        return "{%s}" % ", ".join(
            "%s: %s" % (describe(k, ffi, depth + 1), describe(x, ffi, depth + 1))
            for k, x in v.items())
    if isinstance(v, ffi.CData):
        return "cdata " + mask(repr(v))
    if isinstance(v, ffi.CType):
        return "ctype " + repr(v)
    tname = type(v).__name__
    if tname == "buffer":
        try:
            data = bytes(v)
        except Exception as e:
            data = "<%s>" % type(e).__name__
        return "buffer len=%d %r" % (len(v), data)
    if isinstance(v, memoryview):
        return "memoryview fmt=%s itemsize=%d nbytes=%d readonly=%s %r" % (
            v.format, v.itemsize, v.nbytes, v.readonly, v.tobytes())
    if isinstance(v, bytearray):
        return "bytearray(%r)" % bytes(v)
    if tname == "CField":
        return "CField(type=%s, offset=%s, bitshift=%s, bitsize=%s, flags=%s)" % (
            describe(v.type, ffi), v.offset, v.bitshift, v.bitsize, v.flags)
    if callable(v) and tname in ("function", "builtin_function_or_method"):
        return "<callable>"
    if tname.startswith("FFILibrary"):
        return "<lib>"     # cffi names the class after the library's path
    return "<%s>" % tname


class Recorder:
    def __init__(self):
        self.unraisable = []

    def hook(self, u):
        self.unraisable.append([
            mask(u.err_msg or ""),
            u.exc_type.__name__ if u.exc_type else None,
            mask(str(u.exc_value)),
        ])


def main():
    faulthandler.enable()
    impl, prog_path, clib = sys.argv[1], sys.argv[2], sys.argv[3]
    cffi = importlib.import_module(impl)
    with open(prog_path) as f:
        prog = json.load(f)
    out = sys.stdout
    rec = Recorder()
    sys.unraisablehook = rec.hook
    LOG = []

    def mkd(tag):
        def destructor(p):
            LOG.append(tag)
        return destructor

    def onerr(tag, ret=None):
        def handler(exc, val, tb):
            LOG.append("%s:%s" % (tag, exc.__name__ if exc else None))
            return ret
        return handler

    ffi = cffi.FFI()

    def load(path, name):
        """API mode: import the module ffi.compile() built, and go on with
        its ffi and lib."""
        sys.path.insert(0, os.path.dirname(path))
        importlib.invalidate_caches()
        mod = importlib.import_module(name)
        ns["ffi"], ns["lib"] = mod.ffi, mod.lib

    ns = {
        "cffi": cffi, "ffi": ffi, "gc": gc, "LOG": LOG, "mkd": mkd,
        "onerr": onerr, "raise_": raise_, "gen_then": gen_then, "IntOnly": IntOnly,
        "IndexOnly": IndexOnly, "FloatOnly": FloatOnly, "Decimal": Decimal,
        "Fraction": Fraction, "CLIB": clib, "LOAD": load,
        "TMP": os.environ.get("DIFFTEST_TMP") or ".",
    }

    def emit(i, kind, text, warned=()):
        entry = {"i": i, kind: text}
        if warned:
            entry["warnings"] = ["%s: %s" % (w.category.__name__, mask(str(w.message)))
                                 for w in warned]
        if rec.unraisable:
            entry["unraisable"] = rec.unraisable[:]
            del rec.unraisable[:]
        if LOG:
            entry["log"] = [str(x) for x in LOG]
            del LOG[:]
        out.write(json.dumps(entry) + "\n")
        out.flush()

    def run(i, src):
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            kind, text = evaluate(src)
        emit(i, kind, text, warned)

    def evaluate(src):
        try:
            tree = ast.parse(src)
            body = tree.body
            if len(body) == 1 and isinstance(body[0], ast.Expr):
                v = eval(compile(ast.Expression(body[0].value), "<op>", "eval"), ns)
            elif (len(body) == 1 and isinstance(body[0], ast.Assign)
                  and len(body[0].targets) == 1
                  and isinstance(body[0].targets[0], ast.Name)):
                v = eval(compile(ast.Expression(body[0].value), "<op>", "eval"), ns)
                ns[body[0].targets[0].id] = v
            else:
                exec(compile(tree, "<op>", "exec"), ns)
                v = ns.pop("_out", None)
            d = mask(describe(v, ns["ffi"]))
        except BaseException as e:  # noqa: B902 - every outcome is data
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            return "exc", "%s: %s" % (type(e).__name__, mask(str(e)))
        return "val", d

    for i, src in enumerate(prog["steps"]):
        run(i, src)
    # Teardown in a fixed order: destructors run here too and are compared.
    names = [k for k in ns if k.startswith("v")]
    for k in sorted(names, key=lambda n: -int(n[1:]) if n[1:].isdigit() else 0):
        del ns[k]
    gc.collect()
    emit(len(prog["steps"]), "val", "end")


if __name__ == "__main__":
    main()
