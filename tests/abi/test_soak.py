"""scripts/soak.py at 2*10^4 iterations: no public operation and no error
path grows the process (10^6 is a manual run: docs/performance.md)."""

import os
import pathlib
import subprocess
import sys

import pytest

from conftest import IMPL_NAME

SOAK = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "soak.py"


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc/self/statm (Linux)")
def test_every_operation_and_error_path_is_flat():
    # 1 MB over 20,000 runs: 50 bytes per run, half what one exception's
    # objects left in PyO3's pool cost before raw paths were attached.
    r = subprocess.run([sys.executable, str(SOAK), "-n", "20000", "--impl", IMPL_NAME, "--max-growth-mb", "1"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 grew" in r.stdout
