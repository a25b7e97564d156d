"""Divergences the tester accepts: documented differences from cffi, and
known open findings.

* ``ENTRIES``: differences documented in docs/compat.md. Each entry's
  ``ref`` is a text that occurs in its row there (test_difftest.py checks
  it does) and ``pred`` recognises the divergence.
* ``known.ENTRIES``: findings of the tester not fixed yet, each with its
  section in docs/difftest-findings.md (``### ID``). Fixing one means
  deleting its entry; the CI budget then proves it stays fixed.
"""

import re


class Entry:
    def __init__(self, id, ref, pred, kind="compat"):
        self.id = id
        self.ref = ref
        self.pred = pred
        self.kind = kind


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
          lambda d: d.cls == "log" and (d.src or "").startswith("ffi.release(")),
    # a destructor that is garbage with its cdata, cleared before the cdata
    # dies (docs/difftest-findings.md DT1)
    Entry("gc-reference-order", "`ffi.gc` destructors of objects in a reference cycle",
          lambda d: d.kind == "defined" and d.cls == "log" and (d.src or "") == "<teardown>"),
]


def match(div):
    from . import known
    for e in ENTRIES + known.ENTRIES:
        if e.pred(div):
            return e
    return None
