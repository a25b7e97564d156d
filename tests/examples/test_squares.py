"""examples/squares: a pyproject-only abi3 binding with typed stubs. Built
once with `pip wheel .` under build isolation (offline: rcffi and
setuptools come from wheels packed from this test run), then installed,
run and type-checked in fresh venvs of the oldest and newest CPython that
have rcffi built (scripts/test-pythons.sh builds them in .venvs/)."""

import importlib.util
import json
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from conftest import IMPL_NAME
from venvs import ROOT, clean_env, pythons_with_rcffi
from wheelhouse import make_wheelhouse

pytestmark = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="an rcffi binding")

EXAMPLE = ROOT / "examples" / "squares"
EXPECTED = "158 25.0 26.0 0 41 1"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("squares")
    proj = tmp / "squares"
    shutil.copytree(EXAMPLE, proj)
    house = make_wheelhouse(tmp / "wheelhouse")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index", "--find-links",
                        str(house), "-w", str(tmp / "dist"), str(proj)],
                       capture_output=True, text=True, env=clean_env(), cwd=str(tmp))
    assert r.returncode == 0, r.stdout + r.stderr
    (built,) = (tmp / "dist").iterdir()
    return built


def test_one_abi3_wheel_with_its_stub(wheel):
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert wheel.name == "squares-1.0-cp39-abi3-%s.whl" % plat
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"squares/_native.abi3.so", "squares/_native.pyi", "squares/py.typed", "squares/__init__.py"} <= names


def _venv_for(tmp_path, py):
    """A fresh venv of interpreter 'py' where rcffi is the one this
    checkout built for it (through a .pth, as in tests/venvs.py)."""
    venv = tmp_path / "venv"
    subprocess.run([py, "-m", "venv", "--without-pip", str(venv)], check=True)
    vpy = venv / "bin" / "python"
    site = subprocess.check_output([str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   text=True).strip()
    rcffi_dir = subprocess.check_output([py, "-c", "import os, rcffi; print(os.path.dirname(os.path.dirname("
                                         "rcffi.__file__)))"], text=True, env=clean_env()).strip()
    pathlib.Path(site, "00-rcffi.pth").write_text(rcffi_dir + "\n")
    return vpy


@pytest.mark.parametrize("which", ["oldest", "newest"])
def test_installs_runs_and_type_checks(tmp_path, wheel, which):
    pythons = pythons_with_rcffi()
    version, py = pythons[0] if which == "oldest" else pythons[-1]
    if which == "newest" and len(pythons) < 2:
        pytest.skip("only one CPython with rcffi built (scripts/test-pythons.sh builds the others)")
    vpy = _venv_for(tmp_path, py)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(vpy), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, env=clean_env(), capture_output=True)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(EXAMPLE / "check_types.py", work)
    r = subprocess.run([str(vpy), "check_types.py"], cwd=str(work), capture_output=True, text=True, env=clean_env())
    assert r.stdout.strip() == EXPECTED, r.stderr
    pyver = "%d.%d" % version
    checked = []
    if shutil.which("node") is not None and importlib.util.find_spec("pyright") is not None:
        (work / "pyrightconfig.json").write_text(json.dumps({"typeCheckingMode": "strict", "pythonVersion": pyver}))
        r = subprocess.run([sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", str(vpy),
                            "check_types.py"], cwd=str(work), capture_output=True, text=True, env=clean_env())
        diags = json.loads(r.stdout)["generalDiagnostics"]
        assert [d for d in diags if d["severity"] == "error"] == [], diags
        checked.append("pyright")
    if importlib.util.find_spec("mypy") is not None and version >= (3, 10):
        r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--python-version", pyver, "--python-executable",
                            str(vpy), "--cache-dir", str(work / ".mypy_cache"), "check_types.py"],
                           cwd=str(work), capture_output=True, text=True, env=clean_env())
        assert r.returncode == 0, r.stdout + r.stderr
        checked.append("mypy")
    if not checked:
        pytest.skip("neither pyright (with node) nor mypy for Python %s is installed here; the wheel ran" % pyver)
