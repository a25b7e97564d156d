"""`setup(cffi_modules=[...])` / `rcffi_modules=`: a project built by
`pip install` into a fresh virtual environment, then imported there.

The environment sees rcffi (with its entry points), setuptools and wheel,
but not real cffi, through a .pth file (no network, no copy of rcffi).
"""

import importlib.metadata
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

from conftest import IMPL_NAME

pytestmark = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="installs a project using rcffi's setuptools hook")

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _dist_path(name):
    dist = importlib.metadata.distribution(name)
    return pathlib.Path(dist._path)  # the .dist-info directory


def make_env(tmp_path):
    """A venv (no pip) whose site-packages sees a 'shim' directory holding
    rcffi and setuptools."""
    shim = tmp_path / "shim"
    shim.mkdir()
    import rcffi
    import setuptools

    (shim / "rcffi").symlink_to(pathlib.Path(rcffi.__file__).parent)
    (shim / "setuptools").symlink_to(pathlib.Path(setuptools.__file__).parent)
    for extra in ("_distutils_hack", "pkg_resources"):
        p = pathlib.Path(setuptools.__file__).parent.parent / extra
        if p.exists():
            (shim / extra).symlink_to(p)
    path = _dist_path("setuptools")
    (shim / path.name).symlink_to(path)
    # rcffi's metadata with the entry points pyproject.toml declares
    info = shim / "rcffi-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: rcffi\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(
        "[distutils.setup_keywords]\n"
        "cffi_modules=rcffi.setuptools_ext:cffi_modules\n"
        "rcffi_modules=rcffi.setuptools_ext:rcffi_modules\n"
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip()
    pathlib.Path(site, "shim.pth").write_text(str(shim) + "\n")
    return py


def make_project(tmp_path, keyword):
    proj = tmp_path / "proj"
    (proj / "apidemo").mkdir(parents=True)
    (proj / "setup.py").write_text(textwrap.dedent("""
        from setuptools import setup
        setup(
            name="apidemo",
            version="0.1.0",
            packages=["apidemo"],
            %s=["apidemo/_build.py:ffibuilder"],
        )
    """ % keyword))
    (proj / "apidemo" / "__init__.py").write_text(textwrap.dedent("""
        from apidemo._demo import ffi, lib

        def compute(text):
            data = text.encode("utf-8")
            return lib.checksum(data, len(data))
    """))
    (proj / "apidemo" / "_build.py").write_text(textwrap.dedent('''
        from rcffi import FFI

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


@pytest.mark.parametrize("keyword", ["cffi_modules", "rcffi_modules"])
def test_pip_install_builds_the_extension_into_the_wheel(tmp_path, keyword):
    text = (ROOT / "pyproject.toml").read_text()
    assert '%s = "rcffi.setuptools_ext:%s"' % (keyword, keyword) in text
    py = make_env(tmp_path)
    proj = make_project(tmp_path, keyword)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    r = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-build-isolation", "--no-index",
         "--no-deps", "--disable-pip-version-check", "-q", str(proj)],
        capture_output=True, text=True, env=env, cwd=str(tmp_path),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    out = subprocess.check_output(
        [str(py), "-c", "import apidemo, os; print(apidemo.compute('abc'), apidemo.lib.DEMO_VERSION,"
         " os.path.basename(apidemo._demo.__file__).split('.')[0])"],
        text=True, env=env, cwd=str(tmp_path),
    )
    assert out.split() == [str(ord("a") + ord("b") + ord("c")), "7", "_demo"]


def test_out_of_line_abi_module_is_generated(tmp_path):
    # `set_source(name, None)`: build_py writes the .py module into the
    # build directory, build_ext --inplace next to the sources
    proj = tmp_path / "ool"
    (proj / "oolpkg").mkdir(parents=True)
    (proj / "oolpkg" / "__init__.py").write_text("")
    (proj / "oolpkg" / "_build.py").write_text(textwrap.dedent("""
        import rcffi
        ffi = rcffi.FFI()
        ffi.cdef("struct point { int x, y; }; int abs(int);")
        ffi.set_source("oolpkg._ool", None)
    """))
    (proj / "setup.py").write_text(textwrap.dedent("""
        from setuptools import setup
        setup(name="oolpkg", version="0.1", packages=["oolpkg"],
              rcffi_modules=["oolpkg/_build.py:ffi"])
    """))
    for cmd in (["build"], ["build_ext", "-i"]):
        subprocess.run([sys.executable, "setup.py", "-q"] + cmd, cwd=str(proj), check=True)
    for path in (proj / "build" / "lib" / "oolpkg" / "_ool.py", proj / "oolpkg" / "_ool.py"):
        ns = {}
        exec(compile(path.read_text(), str(path), "exec"), ns)
        ffi = ns["ffi"]
        assert ffi.sizeof("struct point") == 2 * ffi.sizeof("int")
        assert ffi.dlopen(None).abs(-5) == 5
