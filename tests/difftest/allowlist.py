"""Divergences that are documented differences from cffi.

Each entry names the row of docs/compat.md that documents it (``compat``:
a text that must occur in that file; tests/difftest/test_difftest.py checks
it does) and a predicate over a Divergence. Anything that matches no entry
fails the pytest test.
"""


class Entry:
    def __init__(self, id, compat, why, pred):
        self.id = id
        self.compat = compat
        self.why = why
        self.pred = pred


ENTRIES = []


def match(div):
    for e in ENTRIES:
        if e.pred(div):
            return e
    return None
