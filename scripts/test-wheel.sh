#!/usr/bin/env bash
# The rcffi wheel as a user gets it: `maturin build --release`, its tags
# (auditwheel show), then the whole test suite against it in a fresh venv
# whose PATH has no Rust toolchain (API mode still needs a C compiler, as
# cffi). Needs ./.venv (scripts/test.sh makes it) for maturin.
#
#   scripts/test-wheel.sh                 # build, inspect, test
#   WHEEL=path/to/rcffi-*.whl scripts/test-wheel.sh   # an existing wheel
#   scripts/test-wheel.sh -k stubs        # extra pytest arguments
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=target/wheels-release
VENV=.venvs/wheel

if [ -z "${WHEEL:-}" ]; then
  rm -rf "$OUT"
  .venv/bin/maturin build --release -o "$OUT"
  WHEEL=$(ls "$OUT"/rcffi-*.whl)
fi
echo "== $WHEEL"

rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check auditwheel
echo "== auditwheel show"
"$VENV/bin/auditwheel" show "$WHEEL"

"$VENV/bin/python" -m pip install -q --disable-pip-version-check "$WHEEL" "pytest>=7" "setuptools>=70.1"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "cffi==2.0.0" "mypy>=1.16" pyright \
  || echo "note: cffi/mypy/pyright not installed; their tests will skip"

# the suite runs with no cargo or rustc reachable
NO_RUST_PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e '\.cargo' -e rustup | paste -sd: -)
if PATH="$NO_RUST_PATH" command -v cargo >/dev/null || PATH="$NO_RUST_PATH" command -v rustc >/dev/null; then
  echo "error: a Rust toolchain is still on PATH" >&2
  exit 1
fi
echo "== rcffi under test: $(PATH="$NO_RUST_PATH" "$VENV/bin/python" -c 'import rcffi; print(rcffi.__file__)')"
PATH="$NO_RUST_PATH" RUSTUP_HOME=/nonexistent CARGO_HOME=/nonexistent \
  "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
