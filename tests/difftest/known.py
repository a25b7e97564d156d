"""Open findings of the differential tester: each entry is a section
``### ID`` of docs/difftest-findings.md (reproducer, classification) and a
predicate recognising its divergences. When a finding is fixed, delete its
entry: the CI budget (test_difftest.py) then fails if it comes back.

Every ABI-mode finding so far is fixed or a documented difference
(allowlist.py, docs/compat.md). Open: DT50 (API mode).
"""

import re

from .allowlist import Entry

ENTRIES = [
    # DT50: a record whose layout cffi's API-mode check rejects ("wrong
    # size for field") where rcffi takes the compiler's (a union holding an
    # anonymous struct with a bit field and a double _Complex, and a long
    # double); and a _Bool bit field after a char array that C set to 1 and
    # cffi reads as 0 (rcffi: 1). Not checked against gcc's layout by hand yet.
    Entry("DT50", "DT50", lambda d: d.kind == "api" and (
        (d.cls in ("raises", "exc-type") and "wrong size for field" in (d.ref or "")
         and "wrong size" not in (d.got or ""))
        or (d.cls == "value" and any(re.search(r"_Bool \w+ : 1;", s) for s in d.before[:1]))),
        kind="known"),
]