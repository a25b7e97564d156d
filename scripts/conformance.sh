#!/usr/bin/env bash
# Runs cffi's own upstream test suite against rcffi (../shared/conformance).
#   CFFI_MIRROR=<git dir of python-cffi/cffi, from the search tool's fetch>
#   FILES="test_ffi_backend test_parsing test_unicode_literals" (default)
# Needs rcffi built into ./.venv (./scripts/test.sh does that).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CFFI_MIRROR:?set CFFI_MIRROR to the fetched python-cffi/cffi git directory}"
VENV=${RCFFI_VENV:-.venv}
export PYTHON="$PWD/$VENV/bin/python"
export ALT=rcffi
export TEST_GROUPS=${TEST_GROUPS:-public}
export FILES=${FILES:-"test_ffi_backend test_parsing test_unicode_literals"}
exec ../shared/conformance/run.sh "$@"
