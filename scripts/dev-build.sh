#!/usr/bin/env bash
# Rebuild the extension into ./.venv (after scripts/test.sh created it).
set -euo pipefail
cd "$(dirname "$0")/.."
. .venv/bin/activate
maturin develop --quiet --profile dev 2>&1 | grep -E "^(error|warning)" -A8 || true
