"""Open findings of the differential tester: each entry is a section
``### ID`` of docs/difftest-findings.md (reproducer, classification) and a
predicate recognising its divergences. When a finding is fixed, delete its
entry: the CI budget (test_difftest.py) then fails if it comes back.

Every ABI-mode finding so far is fixed or a documented difference
(allowlist.py, docs/compat.md). Open: DT49 (API mode).
"""

from .allowlist import Entry

ENTRIES = [
    # cffi's process dies in a well-defined API-mode call that rcffi makes
    # (first seen: a struct with a long double array and a double _Complex
    # by value, seed 9100061); not minimised to a cffi-only reproducer yet
    Entry("DT49", "DT49", lambda d: d.kind == "api" and d.cls == "both-crash" and d.got == "survived",
          kind="known"),
]
