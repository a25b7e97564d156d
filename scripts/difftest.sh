#!/usr/bin/env bash
# Differential tester: random programs run on real cffi and on rcffi, in
# separate processes, outputs compared (tests/difftest, docs/architecture.md).
#   scripts/difftest.sh --minutes N [--seed S] [--jobs J] [--findings DIR] [--no-minimize]
#   scripts/difftest.sh --mode api --minutes N    compiled modules (set_source + compile,
#                                                 tests/difftest/gen_api.py); --mode mixed: 1 in 3
#   scripts/difftest.sh --count N [--seed S]      a fixed number of programs
#   scripts/difftest.sh --replay FILE.json        re-run a saved reproducer
# Needs gcc and cffi 2.0.0 in the venv (scripts/test.sh installs it) and
# rcffi built into it (maturin develop). Reproducers of new divergences,
# minimised, go to target/difftest/findings/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${RCFFI_VENV:-.venv}
PY="$VENV/bin/python"
[ -x "$PY" ] || { echo "no $VENV: run scripts/test.sh first" >&2; exit 2; }
"$PY" -c "import cffi, rcffi" || { echo "cffi and rcffi must both be importable from $VENV" >&2; exit 2; }
exec env PYTHONPATH=tests "$PY" -m difftest "$@"
