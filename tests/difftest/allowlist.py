"""Divergences the tester accepts: documented differences from cffi, and
known open findings.

* ``ENTRIES``: differences documented in docs/compat.md. Each entry's
  ``ref`` is a text that occurs in its row there (test_difftest.py checks
  it does) and ``pred`` recognises the divergence.
* ``known.ENTRIES``: findings of the tester not fixed yet, each with its
  section in docs/difftest-findings.md (``### ID``). Fixing one means
  deleting its entry; the CI budget then proves it stays fixed.
"""

import ast
import re


class Entry:
    def __init__(self, id, ref, pred, kind="compat"):
        self.id = id
        self.ref = ref
        self.pred = pred
        self.kind = kind


def only_more_gc_reports(ref, got):
    """rcffi's unraisable reports are cffi's (heading and exception class)
    plus at least one more from an ``ffi.gc`` destructor: a destructor
    whose release() was deferred reports when it runs, at teardown, next
    to whatever cffi reports there too."""
    parse = lambda t: [tuple(r[:2]) for r in ast.literal_eval(t)] if t not in (None, "None") else []
    try:
        mine, theirs = parse(got), parse(ref)
    except (ValueError, SyntaxError):
        return False
    for r in theirs:
        if r not in mine:
            return False
        mine.remove(r)
    return bool(mine) and all("from callback for ffi.gc" in r[0] for r in mine)


def src_has(*needles):
    return lambda d: d.src is not None and any(n in d.src for n in needles)


ENTRIES = [
    Entry("attribute", "`__attribute__((...))` in `cdef()`",
          lambda d: d.cls in ("raises", "exc-type") and "__attribute__" in (d.src or "")),
    Entry("pack-bitfields", "`pack=N` / `packed=True` with bitfields",
          lambda d: d.cls in ("raises", "value", "exc-type")
          and any(k in (d.src or "") for k in ("packed=True", "pack="))
          and re.search(r" : \d+;", d.src or "") is not None),
    # release() while a view, buffer or call holds the memory: the
    # destructor (or allocator free) runs when the last holder goes
    Entry("deferred-release", "can run later than `release()`",
          lambda d: (d.src or "").startswith("ffi.release(") and (
              d.cls == "log" or d.cls == "unraisable" and d.got in (None, "None"))),
    # ... and that destructor's own report comes when the last holder
    # goes (at teardown), not at release()
    Entry("deferred-release-report", "can run later than `release()`",
          lambda d: d.cls == "unraisable" and (d.src or "") == "<teardown>"
          and any(s.startswith("ffi.release(") for s in d.before)
          and only_more_gc_reports(d.ref, d.got)),
    # a struct with (unnamed, padding) bit fields by value: cffi describes
    # it to libffi without them (a wrong size) and accepts it
    Entry("bitfield-by-value", "A struct with bit fields (named or unnamed) passed or returned by value",
          lambda d: d.cls == "raises" and "NotImplementedError" in (d.got or "")
          and any(s.startswith("ffi.cdef(") and re.search(r" : \d+;", s) for s in d.before)),
    # a bit field as wide as its type: cffi's range is 0 <= x <= 0
    Entry("full-width-bitfield", "A bit field as wide as its type",
          lambda d: d.cls in ("raises", "value", "exc-type")
          and "outside the range allowed by the bit field width: 0 <= x <= 0" in (d.ref or "")),
    # a released cdata reaching C later (a destructor's argument): refused
    Entry("release-then-use", "`ffi.release(p)` then use of `p`",
          lambda d: d.cls == "unraisable" and d.ref in (None, "None")
          and "was released (ffi.release() or the end of its 'with' block)" in (d.got or "")),
    # a destructor that is garbage with its cdata, cleared before the cdata
    # dies (docs/difftest-findings.md DT1)
    Entry("gc-reference-order", "`ffi.gc` destructors (and an allocator's `free`) of objects in a reference cycle",
          lambda d: d.kind in ("defined", "api") and ((d.src or "") == "<teardown>" or "gc.collect()" in (d.src or "")) and (
              d.cls == "log" or d.cls == "unraisable"
              and "destructor not called: the cycle collector had already cleared it" in (d.got or ""))),
    # the same exception type, a more precise text
    Entry("message-text", "Exception messages (other than `CDefError`'s)",
          lambda d: d.cls == "message"),
    # a cdef() that fails is checked whole first: no warnings of it
    Entry("failed-cdef-warnings", "Warnings of a `cdef()` that raises",
          lambda d: d.cls == "warning" and d.got in (None, "None") and ".cdef(" in (d.src or "")
          and d.step_raised),
]


_VAR = re.compile(r"\bv\d+\b")
_ASSIGN = re.compile(r"^(v\d+) = (.*)$", re.S)
_CAST = re.compile(r"^ffi\.cast\('[^']*', (.*)\)$", re.S)


def _dangling_after_owner_died(d):
    """A misuse program crashed using memory whose owner died under a
    pointer made by ffi.cast() (of the owner, or of its address as an
    integer), or under something made from such a pointer: undefined in
    cffi and rcffi alike (docs/compat.md, DT41)."""
    if not (d.kind in ("misuse", "api-misuse") and d.cls in ("crash", "hang")):
        return False
    cast_of = {}        # v -> the variables its ffi.cast() was made from
    made_from = {}      # v -> the variables any other expression used
    deleted = set()
    for step in d.before:
        if step.startswith("del ") or "globals().pop" in step:
            deleted.update(_VAR.findall(step))
            continue
        m = _ASSIGN.match(step)
        if not m:
            continue
        name, expr = m.groups()
        c = _CAST.match(expr)
        if c:
            cast_of[name] = set(_VAR.findall(c.group(1)))
        else:
            made_from[name] = set(_VAR.findall(expr))

    def dangling(v, seen=()):
        if v in seen:
            return False
        if cast_of.get(v, set()) & deleted:
            return True
        return any(dangling(w, seen + (v,)) for w in cast_of.get(v, set()) | made_from.get(v, set()))

    # the crashing step, or (a crash at teardown, after freed memory was
    # written) any step after the first deletion
    first_del = next((i for i, s in enumerate(d.before) if s.startswith("del ") or "globals().pop" in s),
                     len(d.before))
    used = [d.src or ""] + list(d.before[first_del:])
    return any(dangling(v) for step in used for v in _VAR.findall(step))


_SLICE_STORE = re.compile(r"^(v\d+)\[[^\]]*:[^\]]*\] = ")


def _after_a_failed_slice_store(d):
    """A value read after `vN[a:b] = ...` raised in both, through vN or
    anything made from or with it (a cast, an item): cffi wrote the items
    it had converted, rcffi nothing (docs/compat.md, DT37)."""
    if d.cls not in ("value", "raises"):
        return False
    related = {}        # variables linked by an assignment, both ways
    for step in d.before:
        m = _ASSIGN.match(step)
        if m:
            name, expr = m.groups()
            for w in _VAR.findall(expr):
                related.setdefault(name, set()).add(w)
                related.setdefault(w, set()).add(name)
    stored = set()
    for j in d.raised_both:
        m = _SLICE_STORE.match(d.before[j]) if j < len(d.before) else None
        if m:
            stored.add(m.group(1))
    seen, todo = set(), list(stored)
    while todo:
        v = todo.pop()
        if v not in seen:
            seen.add(v)
            todo.extend(related.get(v, ()))
    return bool(seen & set(_VAR.findall(d.src or "")))


# DT41, DT7, DT10, DT16, DT17, DT37, DT38 of docs/difftest-findings.md: decided
# and documented differences
ENTRIES += [
    Entry("DT41", "used after the owner `p` died", _dangling_after_owner_died),
    Entry("DT7", "of a signature with a `_Complex` argument or result",
          lambda d: d.cls == "raises" and "ffi.callback(" in (d.src or "")
          and "callback with unsupported argument or return type" in (d.ref or "")
          and (d.got or "").startswith("cdata <cdata")),
    Entry("DT10", "declarations C compilers refuse",
          lambda d: d.cls in ("raises", "exc-type") and "cdef(" in (d.src or "")
          and "CDefError" in (d.got or "") and any(k in (d.src or "") for k in (
              "int x[-1]", "items[]; int after", "1/0", "A f(void)", "int f(int, void)"))),
    Entry("DT10-bit-width", "a negative bit width",
          lambda d: d.cls in ("raises", "exc-type", "value") and "cdef(" in (d.src or "")
          and "int a : -1" in (d.src or "")),
    Entry("DT10-zero-length", "`struct z { int a[0]; };`",
          lambda d: d.cls == "value" and "int a[0]" in (d.src or "")),
    Entry("DT16", "a character outside Unicode",
          lambda d: d.cls in ("exc-type", "raises") and "ValueError: character out of range" in (d.got or "")
          and ("invalid maximum character passed to PyUnicode_New" in (d.ref or "") or d.cls == "raises")),
    Entry("DT17", "`ffi.typeof(\"\")`, `ffi.typeof(\"...\")`",
          lambda d: d.cls == "exc-type" and "'NoneType' object has no attribute" in (d.ref or "")),
    Entry("DT37", "nothing is written: the items are converted into a buffer first", _after_a_failed_slice_store),
    Entry("DT38", "keeps obj's buffer export",
          lambda d: d.cls == "raises" and "BufferError: Existing exports" in (d.got or "")),
]


# API mode (gen_api.py)
ENTRIES += [
    # a cdata released just before it is passed: cffi's ffi.new() memory
    # lives on until the cdata dies, rcffi refuses it
    Entry("api-release-then-pass", "`ffi.release(p)` then use of `p`",
          lambda d: d.kind == "api" and d.cls == "raises" and (d.src or "").startswith("ffi.release(")
          and "was released (ffi.release() or the end of its 'with' block)" in (d.got or "")),
    # a compiled function's pointer called from Python: rcffi goes through
    # the module's trampoline, cffi through libffi, which refuses unions,
    # bit fields and complex numbers
    Entry("api-addressof-call", "`ffi.addressof(lib, \"f\")` of a compiled module's function whose signature",
          lambda d: d.kind == "api" and d.cls in ("raises", "exc-type", "value")
          and "ffi.addressof(lib, " in (d.src or "") and "NotImplementedError" in (d.ref or "")
          and "NotImplementedError" not in (d.got or "")),
    # a full-width signed bit field read from a compiled module's memory:
    # cffi reads 0 as -2**63 (difftest API mode, seed 9100341)
    Entry("api-full-width-bitfield", "A bit field as wide as its type",
          lambda d: d.kind == "api" and d.cls == "value" and "-9223372036854775808" in (d.ref or "")
          and any(re.search(r"long( long)? \w+ : 64;", s) for s in d.before[:1])),
    # cffi's process dies calling the second of two API-mode functions
    # taking a double _Complex (DT49 in docs/difftest-findings.md)
    Entry("api-cffi-complex-crash", "Two API-mode functions taking a `double _Complex`",
          lambda d: d.kind == "api" and d.cls == "both-crash" and d.got == "survived"
          and "_Complex" in (d.before[0] if d.before else "")),
    # DT50: a record whose layout cffi's own check rejects ("wrong size for
    # field ... but C compiler says"), where rcffi's is the compiler's: the
    # error itself, or a loop of reads where every cffi read is that error;
    # and a _Bool bit field C set to 1 that cffi reads as 0
    Entry("api-cffi-record-layout", "cffi's own layout of some of them differs from the C compiler's",
          lambda d: d.kind == "api" and (
              (d.cls in ("raises", "exc-type") and "wrong size for field" in (d.ref or "")
               and "wrong size" not in (d.got or ""))
              or (d.cls == "value" and re.fullmatch(r"\[('\w+', )*'\w+'\]", d.ref or "") is not None
                  and "'error'" in d.ref and "'error'" not in (d.got or "") and re.search(r": \d+;", (d.before or [""])[0]) is not None
                  and "union" in (d.before or [""])[0])
              or (d.cls == "value" and any(re.search(r"_Bool \w+ : 1;", s) for s in d.before[:1])))),
    # a cdata's __doc__: the class docstring, in rcffi's words (DT52)
    Entry("cdata-doc", "a docstring of the same meaning in rcffi's own words",
          lambda d: d.cls == "value" and ".__doc__" in (d.src or "")
          and "CData objects" in (d.ref or "") and "C data objects (ffi.CData)" in (d.got or "")),
    # lib.f.__self__ is the cdata: its __qualname__ names the cdata class
    Entry("api-qualname", "its `__qualname__` is `_CDataBase.f`",
          lambda d: d.kind == "api" and d.cls == "value" and "__qualname__" in (d.src or "")
          and "'_CDataBase." in (d.got or "") and "'Lib." in (d.ref or "")),
]


def match(div):
    from . import known
    for e in ENTRIES + known.ENTRIES:
        if e.pred(div):
            return e
    return None
