"""`setup(cffi_modules=[...])` / `rcffi_modules=`: a project built by
`pip install` into a fresh virtual environment, then imported there.

The environment sees rcffi (with its entry points) and setuptools, and in
some tests real cffi too, through a .pth file (no network, no copy of
rcffi; see tests/venvs.py).
"""

import pathlib
import subprocess
import sys
import textwrap

import pytest

from conftest import IMPL_NAME
from venvs import clean_env, cffi_shim, make_project, make_venv, pip_install, rcffi_shim

pytestmark = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="installs a project using rcffi's setuptools hook")

ROOT = pathlib.Path(__file__).resolve().parents[2]


def make_env(tmp_path):
    return make_venv(tmp_path, [rcffi_shim(tmp_path)])


def install_and_run(py, proj, env, cwd, code):
    """pip-install 'proj' into the venv of 'py', then run 'code' there: its
    output, split."""
    r = pip_install(py, proj, env, cwd)
    assert r.returncode == 0, r.stdout + r.stderr
    return subprocess.check_output([str(py), "-c", code], text=True, env=env, cwd=str(cwd)).split()


@pytest.mark.parametrize("keyword", ["cffi_modules", "rcffi_modules"])
def test_pip_install_builds_the_extension_into_the_wheel(tmp_path, keyword):
    text = (ROOT / "pyproject.toml").read_text()
    assert '%s = "rcffi.setuptools_ext:%s"' % (keyword, keyword) in text
    py = make_env(tmp_path)
    proj = make_project(tmp_path, keyword)
    out = install_and_run(py, proj, clean_env(), tmp_path,
                          "import apidemo, os; print(apidemo.compute('abc'), apidemo.lib.DEMO_VERSION,"
                          " os.path.basename(apidemo._demo.__file__).split('.')[0])")
    assert out == [str(ord("a") + ord("b") + ord("c")), "7", "_demo"]


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


def _keyword_hooks(py, env):
    """The values of the `cffi_modules` keyword hooks, in the order
    setuptools calls them in the venv of 'py'."""
    out = subprocess.check_output(
        # setuptools' own metadata module (a backport before Python 3.10,
        # whose importlib.metadata lacks entry_points(group=))
        [str(py), "-c", "from setuptools._importlib import metadata as m; print(' '.join(e.value for e in "
         "m.entry_points(group='distutils.setup_keywords') if e.name == 'cffi_modules'))"],
        text=True, env=env,
    )
    return out.split()


@pytest.mark.parametrize("cffi_first", [False, True], ids=["rcffi_hook_first", "cffi_hook_first"])
def test_cffi_modules_next_to_real_cffi(tmp_path, cffi_first):
    # one project, two compiled modules: one made by an rcffi.FFI, one by a
    # real cffi.FFI; whichever keyword hook setuptools calls first, each is
    # built by its own package
    shims = [rcffi_shim(tmp_path), cffi_shim(tmp_path)]
    py = make_venv(tmp_path, shims[::-1] if cffi_first else shims)
    env = clean_env()
    hooks = _keyword_hooks(py, env)
    expected = ["rcffi.setuptools_ext:cffi_modules", "cffi.setuptools_ext:cffi_modules"]
    assert hooks == (expected[::-1] if cffi_first else expected)
    proj = make_project(tmp_path, "cffi_modules")
    (proj / "apidemo" / "_build_real.py").write_text(textwrap.dedent('''
        import cffi
        ffibuilder = cffi.FFI()
        ffibuilder.cdef("int twice(int);")
        ffibuilder.set_source("apidemo._real", "static int twice(int x) { return 2 * x; }")
    '''))
    setup_py = (proj / "setup.py").read_text()
    (proj / "setup.py").write_text(setup_py.replace(
        '["apidemo/_build.py:ffibuilder"]', '["apidemo/_build.py:ffibuilder", "apidemo/_build_real.py:ffibuilder"]'))
    out = install_and_run(py, proj, env, tmp_path,
                          "import apidemo, apidemo._real as real, rcffi; print(apidemo.compute('ab'), real.lib.twice(21),"
                          " isinstance(apidemo.ffi, rcffi._rcffi.FFIBase), type(real.ffi).__module__)")
    # (a compiled module's ffi is rcffi's `_cffi_backend.FFI`; as in cffi,
    # not an instance of the FFI class that builds modules)
    assert out == [str(ord("a") + ord("b")), "42", "True", "_cffi_backend"]


def test_cffi_modules_hook_adds_a_module_once(tmp_path, monkeypatch):
    # in drop-in mode both `cffi_modules` entry points are rcffi's hook, and
    # the finalize hook may already have built it: one Extension, not two
    from setuptools import Distribution

    from rcffi.setuptools_ext import cffi_modules, claim_cffi_modules

    proj = make_project(tmp_path, "cffi_modules")
    monkeypatch.chdir(proj)
    dist = Distribution({"name": "apidemo"})
    dist.cffi_modules = ["apidemo/_build.py:ffibuilder"]
    claim_cffi_modules(dist)
    assert dist.cffi_modules is None  # nothing left for real cffi's hook
    cffi_modules(dist, "cffi_modules", ["apidemo/_build.py:ffibuilder"])
    cffi_modules(dist, "cffi_modules", "apidemo/_build.py:ffibuilder")
    assert [e.name for e in dist.ext_modules] == ["apidemo._demo"]
