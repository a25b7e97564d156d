"""A project configured by pyproject.toml alone (`[tool.rcffi] modules`, no
setup.py), built by `pip wheel .` under build isolation; and `python -m
rcffi gen-src` for other build systems."""

import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile

import pytest

from conftest import IMPL_NAME
from venvs import clean_env, make_venv, rcffi_shim
from wheelhouse import make_wheelhouse

pytestmark = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="rcffi's packaging")

BUILD = textwrap.dedent('''
    import rcffi

    ffibuilder = rcffi.FFI()
    ffibuilder.cdef("""
        int triple(int);
        #define PKG_MAGIC ...
    """)
    ffibuilder.set_source("pkg._native", """
        #define PKG_MAGIC 42
        static int triple(int x) { return 3 * x; }
    """)

    if __name__ == "__main__":
        raise SystemExit("executed as __main__")
''')


def make_pyproject_project(base, modules='["src/pkg/_build.py:ffibuilder"]', extra=""):
    proj = base / "proj"
    (proj / "src" / "pkg").mkdir(parents=True)
    (proj / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools>=70", "rcffi"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "pkg"
        version = "1.0"
        requires-python = ">=3.9"
        dependencies = ["rcffi"]

        [tool.rcffi]
        modules = %s
        %s
    """) % (modules, extra))
    (proj / "src" / "pkg" / "__init__.py").write_text("from pkg._native import ffi, lib\n")
    (proj / "src" / "pkg" / "_build.py").write_text(BUILD)
    return proj


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory):
    return make_wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


def pip_wheel(proj, wheelhouse, out, isolation=True):
    args = [sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
            "--no-index", "--find-links", str(wheelhouse), "-w", str(out), str(proj)]
    if not isolation:
        args.insert(4, "--no-build-isolation")
    return subprocess.run(args, capture_output=True, text=True, env=clean_env(), cwd=str(proj.parent))


def test_pip_wheel_builds_the_modules_under_build_isolation(tmp_path, wheelhouse):
    proj = make_pyproject_project(tmp_path)
    assert not (proj / "setup.py").exists()
    r = pip_wheel(proj, wheelhouse, tmp_path / "dist")
    assert r.returncode == 0, r.stdout + r.stderr
    (wheel,) = (tmp_path / "dist").iterdir()
    assert wheel.name == "pkg-1.0-cp39-abi3-%s.whl" % sysconfig.get_platform().replace("-", "_").replace(".", "_")
    names = zipfile.ZipFile(wheel).namelist()
    assert "pkg/_native.abi3.so" in names and "pkg/__init__.py" in names
    assert "pkg/_native.pyi" in names  # typed stubs beside the module
    assert not any(n.endswith("_build.py.c") or n.endswith(".c") for n in names)
    # installed in a fresh venv (rcffi there through a shim), it runs
    py = make_venv(tmp_path, [rcffi_shim(tmp_path)])
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index",
                    "--disable-pip-version-check", str(wheel)], check=True, env=clean_env())
    out = subprocess.run([str(py), "-c", "import pkg; print(pkg.lib.triple(14), pkg.lib.PKG_MAGIC)"],
                         capture_output=True, text=True, env=clean_env(), cwd=str(tmp_path))
    assert out.stdout.split() == ["42", "42"], out.stderr


@pytest.mark.parametrize("modules, message", [
    ('["src/pkg/missing.py:ffibuilder"]', "'src/pkg/missing.py' does not name an existing file"),
    ('["src/pkg/_build.py:nothing"]', "'src/pkg/_build.py:nothing': object 'nothing' not found in module"),
    ("[1]", "[tool.rcffi] modules must be a list of"),
    ('"src/pkg/_build.py"', "must be of the form 'path/build.py:ffi_variable'"),
])
def test_bad_configuration_fails_the_build_with_its_reason(tmp_path, wheelhouse, modules, message):
    proj = make_pyproject_project(tmp_path, modules=modules)
    r = pip_wheel(proj, wheelhouse, tmp_path / "dist", isolation=False)
    assert r.returncode != 0
    assert message in r.stdout + r.stderr


def test_unknown_keys_are_refused(tmp_path, wheelhouse):
    proj = make_pyproject_project(tmp_path, extra="module = 1")
    r = pip_wheel(proj, wheelhouse, tmp_path / "dist", isolation=False)
    assert r.returncode != 0
    assert "[tool.rcffi] has unknown key(s) 'module' (known: modules)" in r.stdout + r.stderr


def test_projects_without_the_table_are_left_alone(tmp_path):
    # the hook runs for every setuptools build where rcffi is installed
    proj = tmp_path / "plain"
    (proj / "plain").mkdir(parents=True)
    (proj / "plain" / "__init__.py").write_text("X = 1\n")
    (proj / "pyproject.toml").write_text('[project]\nname = "plain"\nversion = "1"\n[tool.other]\nrcffi = 1\n')
    r = subprocess.run([sys.executable, "-c", "import setuptools; d = setuptools.Distribution(); print(d.ext_modules)"],
                       cwd=str(proj), capture_output=True, text=True, env=clean_env())
    assert r.stdout.split() == ["None"], r.stderr


# ------------------------------------------------------------------ gen-src

def gen_src(cwd, *args):
    return subprocess.run([sys.executable, "-m", "rcffi", "gen-src"] + list(args), cwd=str(cwd),
                          capture_output=True, text=True, env=clean_env())


def test_gen_src_writes_c_that_another_build_system_compiles(tmp_path):
    from api.conftest import c_compiler

    proj = make_pyproject_project(tmp_path)
    r = gen_src(proj, "src/pkg/_build.py:ffibuilder", "native.c")
    assert r.returncode == 0, r.stderr
    # compiled by hand, as meson or CMake would: no setuptools involved
    out = tmp_path / ("_native" + sysconfig.get_config_var("EXT_SUFFIX"))
    subprocess.run([c_compiler(), "-shared", "-fPIC", "-I", sysconfig.get_paths()["include"], "-o", str(out),
                    str(proj / "native.c")], check=True)
    code = ("import sys; sys.path.insert(0, %r); import importlib.util as u; "
            "spec = u.spec_from_file_location('pkg._native', %r); m = u.module_from_spec(spec); "
            "spec.loader.exec_module(m); print(m.lib.triple(5), m.lib.PKG_MAGIC)" % (str(tmp_path), str(out)))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean_env())
    assert run.stdout.split() == ["15", "42"], run.stderr
    # the default NAME and stdout
    r2 = gen_src(proj, "src/pkg/_build.py", "-")
    assert r2.stdout == (proj / "native.c").read_text()


@pytest.mark.parametrize("build, args, message", [
    # not an FFI: called (it might be a function returning one), still not one
    ("ffibuilder = int", [], "'build.py:ffibuilder' is not an FFI instance (got 'int')"),
    ("import rcffi\nffibuilder = rcffi.FFI()", [], "the set_source() method was not called"),
    ("import rcffi\nffibuilder = rcffi.FFI()\nffibuilder.set_source('m', None)", [], "out-of-line ABI mode"),
    ("import rcffi\nother = rcffi.FFI()", ["--ffi-var", "ffibuilder"], "object 'ffibuilder' not found"),
    ("import rcffi\nffibuilder = rcffi.FFI()\nffibuilder.cdef('int f(;')", [], "cannot parse"),
], ids=["not-ffi", "no-set-source", "abi-mode", "missing", "cdef-error"])
def test_gen_src_errors(tmp_path, build, args, message):
    (tmp_path / "build.py").write_text(build)
    r = gen_src(tmp_path, "build.py", "out.c", *args)
    assert r.returncode == 1
    assert r.stderr.startswith("rcffi gen-src: error: "), r.stderr
    assert message in r.stderr
    assert not os.path.exists(tmp_path / "out.c")
