"""Open findings of the differential tester: each entry is a section
``### ID`` of docs/difftest-findings.md (reproducer, classification) and a
predicate recognising its divergences. When a finding is fixed, delete its
entry: the CI budget (test_difftest.py) then fails if it comes back.

Every ABI-mode finding so far is fixed or a documented difference
(allowlist.py, docs/compat.md). None is open now.
"""

from .allowlist import Entry

ENTRIES = [
]