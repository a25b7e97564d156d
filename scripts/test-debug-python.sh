#!/usr/bin/env bash
# tests/abi on a debug build of CPython (--with-pydebug: CPython checks each
# object rcffi makes and each reference it gives back, with assertions that
# abort where a release build goes on silently; sys.gettotalrefcount() counts
# leaked references). Called by scripts/test.sh; on its own:
#   ./scripts/test-debug-python.sh [pytest args]
# The debug interpreter is Debian's python3.11-dbg (installed with apt-get
# when this runs as root), or the one RCFFI_DEBUG_PY names. Without one,
# the step says it is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
DBG=${RCFFI_DEBUG_PY:-$(command -v python3.11d || true)}
if [ -z "$DBG" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  pkgs="python3.11-dbg python3.11-venv"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $pkgs >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $pkgs >/dev/null 2>&1; } \
    || true
  DBG=$(command -v python3.11d || true)
fi
if [ -z "$DBG" ] || ! "$DBG" -c "import sys; sys.gettotalrefcount" 2>/dev/null; then
  echo "skipped: no debug CPython (apt-get install python3.11-dbg python3.11-venv, or set RCFFI_DEBUG_PY)"
  exit 0
fi
VENV=.venvs/pydebug
if [ ! -x "$VENV/bin/python" ]; then
  "$DBG" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "pytest>=7"
# its own target directory: the debug ABI (cpython-311d) builds PyO3 apart
rm -rf target/pydebug/wheels
CARGO_TARGET_DIR=target/pydebug .venv/bin/maturin build --quiet --profile dev -i "$VENV/bin/python" -o target/pydebug/wheels
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps target/pydebug/wheels/*.whl
# the checkout's python/rcffi is not on the debug interpreter's path: its
# `import rcffi` is the wheel just installed (the debug ABI, cpython-311d)
RCFFI_DEBUG_PYTHON="$PWD/$VENV/bin/python" "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/abi "$@"
