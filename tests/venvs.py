"""Fresh virtual environments for the tests that start other interpreters
(pip builds, drop-in mode).

A venv made here has no pip and copies nothing: a ``00-shims.pth`` file in
its site-packages puts "shim" directories on ``sys.path``, each holding
symbolic links to what this test run already has installed: rcffi and
setuptools (with rcffi's installed metadata, so the entry points are the
ones pyproject.toml declares), and, when asked, real cffi (with pycparser
and its own entry points). The order of the shims is the order in which
``importlib.metadata`` finds the two packages' entry points.
"""

import importlib.metadata
import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DROPIN_PTH = ROOT / "python" / "rcffi_as_cffi.pth"


def _dist_info(name):
    dist = importlib.metadata.distribution(name)
    return pathlib.Path(dist._path)  # the .dist-info directory


def _link(shim, path):
    path = pathlib.Path(path)
    if path.exists():
        (shim / path.name).symlink_to(path)


def rcffi_shim(base):
    """A directory with rcffi, setuptools and their metadata."""
    import rcffi
    import setuptools

    shim = base / "shim_rcffi"
    shim.mkdir()
    _link(shim, pathlib.Path(rcffi.__file__).parent)
    setuptools_dir = pathlib.Path(setuptools.__file__).parent
    _link(shim, setuptools_dir)
    for extra in ("_distutils_hack", "pkg_resources"):
        _link(shim, setuptools_dir.parent / extra)
    _link(shim, _dist_info("setuptools"))
    _link(shim, _dist_info("rcffi"))
    return shim


def cffi_shim(base):
    """A directory with real cffi (and pycparser); skips the test when
    real cffi is not installed next to the test run."""
    # find_spec only locates: the test process never imports real cffi
    spec = importlib.util.find_spec("_cffi_backend")
    try:
        dist = _dist_info("cffi")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if spec is None or dist is None or "rcffi" in (spec.origin or ""):
        pytest.skip("real cffi is not installed (scripts/test.sh installs cffi 2.0.0 into .venv)")
    shim = base / "shim_cffi"
    shim.mkdir()
    _link(shim, spec.origin)
    _link(shim, dist)
    _link(shim, dist.parent / "cffi")
    pycparser = importlib.util.find_spec("pycparser")
    if pycparser is not None:
        _link(shim, pathlib.Path(pycparser.origin).parent)
    return shim


def make_venv(base, shims, dropin_pth=False):
    """A venv (no pip) seeing 'shims' in that order; with 'dropin_pth' it
    also has rcffi's drop-in .pth file in its site-packages, as a wheel
    install puts it. Returns the venv's python."""
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.check_output(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip()
    # "00-": processed before rcffi_as_cffi.pth, which imports rcffi
    pathlib.Path(site, "00-shims.pth").write_text("".join(str(s) + "\n" for s in shims))
    if dropin_pth:
        shutil.copy(DROPIN_PTH, site)
    return py


def clean_env(**extra):
    """os.environ without PYTHONPATH and RCFFI_AS_CFFI, plus 'extra'."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("RCFFI_AS_CFFI", None)
    env.update(extra)
    return env


def make_project(base, keyword, ffi_import="from rcffi import FFI", setup_extra=""):
    """A setuptools project 'apidemo' whose compiled module apidemo._demo
    is built by '<keyword>=["apidemo/_build.py:ffibuilder"]'; the build
    script gets FFI through 'ffi_import'; 'setup_extra' is more keyword
    arguments of setup() (text)."""
    proj = base / "proj"
    (proj / "apidemo").mkdir(parents=True)
    (proj / "setup.py").write_text(textwrap.dedent("""
        from setuptools import setup
        setup(
            name="apidemo",
            version="0.1.0",
            packages=["apidemo"],
            %s=["apidemo/_build.py:ffibuilder"],
            %s
        )
    """ % (keyword, setup_extra)))
    (proj / "apidemo" / "__init__.py").write_text(textwrap.dedent("""
        from apidemo._demo import ffi, lib

        def compute(text):
            data = text.encode("utf-8")
            return lib.checksum(data, len(data))
    """))
    (proj / "apidemo" / "_build.py").write_text(ffi_import + "\n" + textwrap.dedent('''
        ffibuilder = FFI()
        ffibuilder.cdef("""
            int checksum(const char *data, int n);
            #define DEMO_VERSION ...
        """)
        ffibuilder.set_source("apidemo._demo", """
            #define DEMO_VERSION 7
            static int checksum(const char *data, int n) {
                int s = 0;
                for (int i = 0; i < n; i++) s += (unsigned char)data[i];
                return s;
            }
        """)
    '''))
    return proj


def pip_install(py, proj, env, cwd):
    """``pip install --no-build-isolation proj`` into the venv of 'py'
    (pip runs from this test run's environment); the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-build-isolation", "--no-index",
         "--no-deps", "--disable-pip-version-check", "-q", str(proj)],
        capture_output=True, text=True, env=env, cwd=str(cwd),
    )


def pythons_with_rcffi():
    """(version, executable) of each CPython that can import rcffi, oldest
    first: this one and the venvs scripts/test-pythons.sh made in .venvs/."""
    found = {sys.version_info[:2]: sys.executable}
    for py in sorted(ROOT.glob(".venvs/py3*/bin/python")):
        r = subprocess.run([str(py), "-c", "import sys, rcffi; print('%d.%d' % sys.version_info[:2])"],
                           capture_output=True, text=True, env=clean_env())
        if r.returncode == 0:
            major, minor = r.stdout.strip().split(".")
            found.setdefault((int(major), int(minor)), str(py))
    return sorted(found.items())
