#!/usr/bin/env bash
# valgrind memcheck over the pytest suites (or the test paths given), with
# Python's own allocator off so that every block is seen.
#   scripts/memcheck.sh                     # every suite (slow: an hour or more)
#   scripts/memcheck.sh tests/abi/test_lifetime.py
#   MEMCHECK_CHILDREN=1 scripts/memcheck.sh tests/abi/test_hostile_round6.py
#                                           # also the Python child processes
#                                           # a test starts (the crash tests)
# Prints the invalid reads/writes and uses of uninitialised values whose
# stack has a frame of rcffi's extension (_rcffi*.so), and exits 1 if any.
# MEMCHECK_LEAKS=1 adds leak checking (--leak-check=full): the "definitely
# lost" records with an rcffi frame are printed and counted too (each one
# block made once per process is expected: see docs/performance.md).
# Figures: docs/performance.md ("memcheck").
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${RCFFI_VENV:-.venv}
[ -x "$VENV/bin/python" ] || { echo "build first: ./scripts/test.sh"; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 2; }
log=$(mktemp -t rcffi-memcheck.XXXXXX)
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(tests)
# nouserintercepts: valgrind would otherwise take a test library's own
# function named `free` (tests/api/test_cffi_generated_every_cdef.py defines
# empty stubs of every declared function, `free` included, in libraries
# without a soname) for libc's and report the stub's calls as invalid frees
leak_opts=()
[ "${MEMCHECK_LEAKS:-0}" = 1 ] && leak_opts=(--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=none)
children=() logto=$log
# one log per process (%p: its pid), put together below
[ "${MEMCHECK_CHILDREN:-0}" = 1 ] && children=(--trace-children=yes) && logto=$log.%p
PYTHONMALLOC=malloc valgrind --tool=memcheck --error-limit=no --num-callers=40 "${leak_opts[@]}" "${children[@]}" \
  --soname-synonyms=somalloc=nouserintercepts \
  --suppressions=scripts/valgrind-python.supp --log-file="$logto" \
  "$VENV/bin/python" -m pytest -q -p no:cacheprovider "${paths[@]}" || true
if [ "$logto" != "$log" ]; then cat "$log".* > "$log" && rm -f "$log".*; fi
python3 - "$log" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.split(r"\n==\d+== \n", text)
bad = [b for b in blocks
       if re.search(r"Invalid (read|write)|uninitialised|Invalid free|Mismatched free", b)
       and "_rcffi" in b]
for b in bad[:20]:
    print(b, "\n")
lost = [b for b in blocks if "definitely lost in loss record" in b and "_rcffi" in b]
for b in lost[:20]:
    print(b, "\n")
if lost or "definitely lost:" in text:
    total = re.findall(r"definitely lost: ([\d,]+) bytes in ([\d,]+) blocks", text)
    print("definitely lost (all frames):", "%s bytes in %s blocks" % total[-1] if total else "?")
    print("definitely lost records with an rcffi frame:", len(lost))
summary = re.findall(r"ERROR SUMMARY: (\d+) errors", text)
print("valgrind errors (all frames):", summary[-1] if summary else "?",
      "(%d processes, %d errors in all)" % (len(summary), sum(map(int, summary))) if len(summary) > 1 else "")
print("errors with an rcffi frame:", len(bad))
print("log:", sys.argv[1])
sys.exit(1 if bad else 0)
PY
