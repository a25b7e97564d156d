#!/usr/bin/env bash
# Runs rcffi's Python suite on every CPython it finds (3.9 and newer), each
# in its own venv under .venvs/pyXY with rcffi built for it (a Cargo target
# directory per version, so that switching versions rebuilds nothing).
#
#   scripts/test-pythons.sh                  # every version, the full suite
#   scripts/test-pythons.sh --subset         # the representative subset only
#   scripts/test-pythons.sh 3.9 3.13         # only these versions
#   scripts/test-pythons.sh --ends --subset  # the oldest and newest found (CI)
#   PYTHONS="/usr/bin/python3.11 ..." scripts/test-pythons.sh
#
# Interpreters are taken from $PYTHONS if set, else from pyenv's versions
# ($(pyenv root)/versions/3.*), else python3.9 ... python3.13 on PATH.
# Extra pytest arguments go after `--`. Prints one line per version and
# exits non-zero if any version failed.
set -uo pipefail
cd "$(dirname "$0")/.."

# The subset: API-mode builds (setuptools hook, compile(), abi3 modules) and
# the ABI-mode suite; what differs between Python versions is in these.
SUBSET=(tests/abi tests/api/test_module.py tests/api/test_setuptools.py tests/api/test_abi3.py
        tests/api/test_pyproject.py
        tests/api/test_extern_python.py tests/api/test_include.py
        tests/dropin/test_dropin.py::test_setup_requires_cffi_is_met_by_rcffi)

subset=0
ends=0
wanted=()
pytest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --subset) subset=1 ;;
    --ends) ends=1 ;;
    --) shift; pytest_args=("$@"); break ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) wanted+=("$1") ;;
  esac
  shift
done

find_pythons() {
  if [ -n "${PYTHONS:-}" ]; then
    printf '%s\n' $PYTHONS
    return
  fi
  local root
  if root=$(pyenv root 2>/dev/null) && [ -d "$root/versions" ]; then
    ls -d "$root"/versions/3.*/bin/python 2>/dev/null | sort -V
    return
  fi
  for v in 3.9 3.10 3.11 3.12 3.13; do
    command -v "python$v" || true
  done
}

# "VERSION PATH" of every supported interpreter found, oldest first
supported=()
for py in $(find_pythons); do
  ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
  minor=${ver#3.}
  if [ "${ver%%.*}" != 3 ] || [ "$minor" -lt 9 ]; then
    continue  # rcffi supports CPython 3.9 and newer
  fi
  if [ ${#wanted[@]} -gt 0 ] && ! printf '%s\n' "${wanted[@]}" | grep -qx "$ver"; then
    continue
  fi
  supported+=("$ver $py")
done
if [ $ends = 1 ] && [ ${#supported[@]} -gt 2 ]; then
  supported=("${supported[0]}" "${supported[${#supported[@]}-1]}")
fi

results=()
status=0
for entry in "${supported[@]}"; do
  ver=${entry%% *}
  py=${entry#* }
  minor=${ver#3.}
  tag="py3$minor"
  venv=".venvs/$tag"
  echo "== Python $ver ($py) in $venv"
  if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv" || { results+=("$ver: venv failed"); status=1; continue; }
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.16,<2" "pytest>=7" "setuptools>=70.1" \
    || { results+=("$ver: pip install failed"); status=1; continue; }
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "cffi==2.0.0" \
    || echo "note: cffi not installed for $ver; comparison tests will skip"
  # a Cargo target directory per version keeps local re-runs incremental; on
  # CI (a fresh clone) one shared directory builds libffi and the pure-Rust
  # crates once instead of once per version
  if [ "${CI:-}" = true ]; then target_dir=target; else target_dir="target/$tag"; fi
  if ! ( . "$venv/bin/activate" && CARGO_TARGET_DIR="$target_dir" maturin develop --quiet --profile dev ); then
    results+=("$ver: BUILD FAILED"); status=1; continue
  fi
  if [ $subset = 1 ]; then targets=("${SUBSET[@]}"); else targets=(tests); fi
  if "$venv/bin/python" -m pytest -q -p no:cacheprovider "${targets[@]}" "${pytest_args[@]}"; then
    results+=("$ver: passed ($([ $subset = 1 ] && echo subset || echo full suite))")
  else
    results+=("$ver: FAILED"); status=1
  fi
done

echo "== summary"
if [ ${#results[@]} -eq 0 ]; then
  echo "no CPython 3.9+ interpreter found (set PYTHONS=...)"
  # --ends (scripts/test.sh) on a machine with only the default Python: said, not failed
  [ $ends = 1 ] && exit 0
  exit 1
fi
printf '%s\n' "${results[@]}"
exit $status
