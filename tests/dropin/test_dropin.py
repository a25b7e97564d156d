"""Drop-in mode: ``rcffi.install_as_cffi()`` and the ``RCFFI_AS_CFFI=1``
switch (the .pth file the wheel installs), each checked in fresh
interpreters of a venv that has rcffi, and in some tests real cffi too."""

import importlib.util
import json
import pathlib
import subprocess
import textwrap
import zipfile

import pytest

from conftest import IMPL_NAME
from venvs import DROPIN_PTH, ROOT, clean_env, cffi_shim, make_project, make_venv, pip_install, rcffi_shim

pytestmark = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="rcffi's drop-in mode")

# what `import cffi` gives in the interpreter, as JSON
PROBE = textwrap.dedent("""
    import json, sys
    info = {"rcffi_at_startup": "rcffi" in sys.modules}
    try:
        import cffi, _cffi_backend
    except ImportError as e:
        info["cffi"] = None
    else:
        info["cffi"] = {
            "version": cffi.__version__,
            "version_info": list(cffi.__version_info__),
            # rcffi's FFI says it is cffi.api's, as cffi's: ask by identity
            "impl": "rcffi" if cffi.FFI is getattr(sys.modules.get("rcffi"), "FFI", None) else "cffi",
            "backend": _cffi_backend.__name__,
        }
        import importlib.metadata
        info["cffi"]["metadata"] = importlib.metadata.version("cffi")
        ffi = cffi.FFI()
        ffi.cdef("size_t strlen(const char *);")
        info["cffi"]["strlen"] = ffi.dlopen(None).strlen(b"drop-in")
    print(json.dumps(info))
""")


def probe(py, env, code=PROBE):
    out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def venv(tmp_path, real_cffi, cffi_first=False):
    shims = [rcffi_shim(tmp_path)]
    if real_cffi:
        shims.append(cffi_shim(tmp_path))
        if cffi_first:
            shims.reverse()
    return make_venv(tmp_path, shims, dropin_pth=True)


RCFFI_AS_CFFI = {"impl": "rcffi", "backend": "rcffi._cffi_backend", "version": "2.0.0",
                 "version_info": [2, 0, 0], "strlen": 7, "metadata": "2.0.0"}


@pytest.mark.parametrize("real_cffi", [False, True], ids=["rcffi_only", "with_real_cffi"])
@pytest.mark.parametrize("switch", [None, "0", "1"], ids=["unset", "off", "on"])
def test_switch_decides_what_import_cffi_gives(tmp_path, switch, real_cffi):
    py = venv(tmp_path, real_cffi, cffi_first=True)
    env = clean_env(**({"RCFFI_AS_CFFI": switch} if switch is not None else {}))
    info = probe(py, env)
    if switch == "1":
        assert info["cffi"] == RCFFI_AS_CFFI
        return
    # off: the .pth costs an environment lookup, rcffi is not even imported
    assert info["rcffi_at_startup"] is False
    if real_cffi:
        assert info["cffi"]["impl"] == "cffi"
        assert info["cffi"]["backend"] == "_cffi_backend"
    else:
        assert info["cffi"] is None


def test_submodules_are_rcffis_own(tmp_path):
    py = venv(tmp_path, real_cffi=True, cffi_first=True)
    code = textwrap.dedent("""
        import importlib, json, rcffi, rcffi._dropin as d, sys
        same = {}
        for sub in d.ALIASED:
            mod = importlib.import_module("cffi." + sub)
            same[sub] = mod is importlib.import_module("rcffi." + sub) and getattr(sys.modules["cffi"], sub) is mod
        import cffi.api, cffi.verifier, cffi.setuptools_ext
        from cffi.error import FFIError
        try:
            import cffi.backend_ctypes
            missing = None
        except ImportError as e:
            missing = str(e)
        print(json.dumps({"same": same, "FFIError": FFIError is rcffi.FFIError,
                          "api_FFI": cffi.api.FFI is rcffi.FFI, "missing": missing,
                          "rcffi_version": rcffi.__version__, "repr": repr(sys.modules["cffi"])}))
    """)
    info = probe(py, clean_env(RCFFI_AS_CFFI="1"), code)
    assert sorted(info["same"]) == sorted(
        ["api", "error", "ffiplatform", "model", "recompiler", "setuptools_ext", "verifier", "_imp_emulation",
         "pkgconfig"])
    assert all(info["same"].values()), info["same"]
    assert info["FFIError"] and info["api_FFI"]
    assert "No module named 'cffi.backend_ctypes'" in info["missing"] and "rcffi" in info["missing"]
    # rcffi keeps its own version; only the `cffi` module reports cffi's
    import rcffi

    assert info["rcffi_version"] == rcffi.__version__
    assert info["repr"] == "<module 'cffi' (rcffi drop-in)>"


@pytest.mark.parametrize("real_cffi", [False, True], ids=["rcffi_only", "with_real_cffi"])
def test_install_as_cffi(tmp_path, real_cffi):
    # no switch: the call itself; a real cffi imported before is replaced
    # for later imports (objects bound earlier stay real cffi's)
    py = venv(tmp_path, real_cffi)
    code = textwrap.dedent("""
        import json, sys
        try:
            import cffi as before
            before = before.FFI.__module__
        except ImportError:
            before = None
        import rcffi
        rcffi.install_as_cffi()
        rcffi.install_as_cffi()  # twice is harmless
        import cffi, _cffi_backend, cffi.api
        print(json.dumps({"before": before, "after": "rcffi" if cffi.FFI is rcffi.FFI else "other", "backend": _cffi_backend.__name__,
                          "api": cffi.api.__name__, "version": cffi.__version__,
                          "finders": sum(1 for f in sys.meta_path if "rcffi" in repr(f))}))
    """)
    info = probe(py, clean_env(), code)
    assert info == {"before": "cffi.api" if real_cffi else None, "after": "rcffi",
                    "backend": "rcffi._cffi_backend", "api": "rcffi.api", "version": "2.0.0", "finders": 1}


def test_the_wheel_installs_the_pth_file():
    # maturin puts `include`d files at the root of the wheel (site-packages)
    text = (ROOT / "pyproject.toml").read_text()
    assert 'include = [{ path = "python/rcffi_as_cffi.pth", format = "wheel" }]' in text
    line = DROPIN_PTH.read_text()
    assert line.startswith("import os;") and line.count("\n") == 1  # site.py executes it


@pytest.mark.parametrize("real_cffi", [False, True], ids=["rcffi_only", "with_real_cffi"])
def test_pip_build_subprocess_uses_rcffi(tmp_path, real_cffi):
    # `RCFFI_AS_CFFI=1 pip install --no-build-isolation`: a project written
    # for cffi (`from cffi import FFI`, `cffi_modules=`) is built by rcffi
    py = venv(tmp_path, real_cffi)
    proj = make_project(tmp_path, "cffi_modules", ffi_import="from cffi import FFI")
    r = pip_install(py, proj, clean_env(RCFFI_AS_CFFI="1", PIP_NO_INDEX="1"), tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    # the module is rcffi's: it loads without the switch
    code = ("import apidemo, rcffi; print(apidemo.compute('abc'), apidemo.lib.DEMO_VERSION, "
            "isinstance(apidemo.ffi, rcffi._rcffi.FFIBase))")
    out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, env=clean_env(), cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(ord("a") + ord("b") + ord("c")), "7", "True"]


def test_setup_requires_cffi_is_met_by_rcffi(tmp_path):
    # setuptools checks `setup_requires` through importlib.metadata: in
    # drop-in mode a "cffi" of cffi's version is there (nothing downloaded)
    py = venv(tmp_path, real_cffi=False)
    proj = make_project(tmp_path, "cffi_modules", ffi_import="from cffi import FFI",
                        setup_extra='setup_requires=["cffi>=1.0"],')
    env = clean_env(RCFFI_AS_CFFI="1", PIP_NO_INDEX="1")
    r = subprocess.run([str(py), "setup.py", "-q", "build_ext", "--inplace"], cwd=str(proj), env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    out = subprocess.run([str(py), "-c", "import apidemo; print(apidemo.compute('a'))"], cwd=str(proj),
                         env=clean_env(), capture_output=True, text=True)
    assert out.stdout.split() == [str(ord("a"))], out.stderr


def test_shared_submodules_are_attributes_before_any_import():
    # a real `cffi` has `cffi.model`, `cffi.error`, ... as attributes as soon
    # as it is imported; rcffi's and drop-in mode's resolve them on first use
    import sys

    code = textwrap.dedent("""
        import json, sys, rcffi
        out = {"rcffi": [rcffi.error.CDefError is rcffi.CDefError, rcffi.model.__name__, rcffi.verifier.__name__]}
        rcffi.install_as_cffi()
        import cffi
        out["cffi"] = [cffi.model is sys.modules["cffi.model"], cffi.ffiplatform.__name__, hasattr(cffi, "nope")]
        print(json.dumps(out))
    """)
    info = probe(sys.executable, clean_env(), code)
    assert info == {"rcffi": [True, "rcffi.model", "rcffi.verifier"], "cffi": [True, "rcffi.ffiplatform", False]}


# setuptools before 66 (65.5 is the one a Python 3.11 venv bundles) checks
# `setup_requires` with pkg_resources, not importlib.metadata: without a "cffi"
# in pkg_resources' working set, it downloaded real cffi from PyPI to satisfy
# `setup_requires=["cffi>=1.0.0"]` (seen building pysplice and atomiclong in
# drop-in mode), and an offline build failed
PKG_RESOURCES_PROBE = textwrap.dedent("""
    import json, os, sys, warnings
    warnings.simplefilter("ignore")  # pkg_resources' deprecation warning
    import pkg_resources
    if sys.argv[1:] == ["install"]:
        import rcffi
        rcffi.install_as_cffi()
    import rcffi
    def fetch(req):
        raise SystemExit("setup_requires would download %s" % req)
    dists = pkg_resources.working_set.resolve(pkg_resources.parse_requirements("cffi>=1.0.0"),
                                              installer=fetch, replace_conflicting=True)
    ours = os.path.dirname(os.path.dirname(os.path.abspath(rcffi.__file__)))
    dist = pkg_resources.get_distribution("cffi")
    print(json.dumps({"resolved": [[d.project_name, d.version] for d in dists], "version": dist.version,
                      "ours": dist.location == ours, "requires": [str(r) for r in dist.requires()]}))
""")


def venv_with_pkg_resources(tmp_path, real_cffi):
    """venv() plus a pkg_resources: the installed one (setuptools before 81
    has it), else the one in the setuptools wheel that ensurepip bundles
    (Python 3.11 and older); the test skips when there is neither."""
    shim = tmp_path / "shim_pkg_resources"
    shim.mkdir()
    spec = importlib.util.find_spec("pkg_resources")
    if spec is not None:
        (shim / "pkg_resources").symlink_to(pathlib.Path(spec.origin).parent)
    else:
        import ensurepip

        bundled = getattr(ensurepip, "_get_packages", dict)().get("setuptools")
        wheel = pathlib.Path(ensurepip.__file__).parent / "_bundled" / (bundled.wheel_name if bundled else "-")
        if not wheel.is_file():
            pytest.skip("no pkg_resources: setuptools 81+ is installed and ensurepip bundles no setuptools wheel")
        with zipfile.ZipFile(wheel) as z:
            z.extractall(shim, [n for n in z.namelist() if n.startswith("pkg_resources/")])
    shims = [rcffi_shim(tmp_path)] + ([cffi_shim(tmp_path)] if real_cffi else []) + [shim]
    return make_venv(tmp_path, shims, dropin_pth=True)


@pytest.mark.parametrize("real_cffi", [False, True], ids=["rcffi_only", "with_real_cffi"])
def test_pkg_resources_finds_cffi_in_dropin_mode(tmp_path, real_cffi):
    py = venv_with_pkg_resources(tmp_path, real_cffi)
    out = subprocess.run([str(py), "-c", PKG_RESOURCES_PROBE], capture_output=True, text=True,
                         env=clean_env(RCFFI_AS_CFFI="1"))
    assert out.returncode == 0, out.stdout + out.stderr
    info = json.loads(out.stdout.splitlines()[-1])
    # (with real cffi there too, rcffi's stands first, as for importlib.metadata)
    assert info == {"resolved": [["cffi", "2.0.0"]], "version": "2.0.0", "ours": True, "requires": []}


def test_pkg_resources_imported_before_install_as_cffi(tmp_path):
    py = venv_with_pkg_resources(tmp_path, real_cffi=False)
    out = subprocess.run([str(py), "-c", PKG_RESOURCES_PROBE, "install"], capture_output=True, text=True,
                         env=clean_env())
    assert out.returncode == 0, out.stdout + out.stderr
    info = json.loads(out.stdout.splitlines()[-1])
    assert info == {"resolved": [["cffi", "2.0.0"]], "version": "2.0.0", "ours": True, "requires": []}


def test_pkg_resources_without_dropin_mode_is_left_alone(tmp_path):
    # no switch, no install_as_cffi(): rcffi adds nothing
    py = venv_with_pkg_resources(tmp_path, real_cffi=False)
    code = ("import warnings; warnings.simplefilter('ignore'); import pkg_resources, rcffi\n"
            "print(pkg_resources.working_set.by_key.get('cffi'))")
    out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, env=clean_env())
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["None"]
