"""scripts/soak_isolated.py at 4,000 calls with a crash every 1,000 (three crashes): the
parent's memory, descriptors and children stay flat (10^5 is a manual
run: docs/performance.md)."""

import os
import pathlib
import subprocess
import sys

import pytest

SOAK = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "soak_isolated.py"


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")
def test_isolated_calls_keep_the_parent_flat():
    r = subprocess.run([sys.executable, str(SOAK), "-n", "4000", "--crash-every", "1000", "--max-growth-mb", "2"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK: flat" in r.stdout
    assert "worker crashes: 3" in r.stdout
