"""`py_limited_api`: compiled modules on Python's stable ABI, as cffi makes
them. The generated C uses the limited API unless told not to; the
setuptools hook names the module `.abi3.so` (and tags the wheel
`cp39-abi3`) unless `py_limited_api=False`; a module built on the oldest
CPython imports and runs on the newest."""

import pathlib
import subprocess
import sys
import sysconfig
import textwrap

import pytest

from conftest import IMPL_NAME, cffi_impl
from venvs import clean_env, make_project, pythons_with_rcffi

ROOT = pathlib.Path(__file__).resolve().parents[2]

# a function telling whether its own translation unit saw Py_LIMITED_API
SOURCE = """
static int limited(void) {
#ifdef Py_LIMITED_API
    return 1;
#else
    return 0;
#endif
}
struct pt { int x, y; };
static int add(int a, int b) { return a + b; }
static int norm1(struct pt *p) { return (p->x < 0 ? -p->x : p->x) + (p->y < 0 ? -p->y : p->y); }
static int counter = 40;
"""
CDEF = "int limited(void); int add(int, int); struct pt { int x, y; }; int norm1(struct pt *); extern int counter;"

EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")


def compiled(tmp_path, name, **kwds):
    ffi = cffi_impl.FFI()
    ffi.cdef(CDEF)
    ffi.set_source(name, SOURCE, **kwds)
    return pathlib.Path(ffi.compile(tmpdir=str(tmp_path)))


@pytest.mark.parametrize("kwds, limited, suffix", [
    ({}, 1, EXT_SUFFIX),                               # cffi's default for compile()
    ({"py_limited_api": True}, 1, ".abi3.so"),
    ({"py_limited_api": False}, 0, EXT_SUFFIX),
], ids=["default", "true", "false"])
def test_compile_honours_py_limited_api(tmp_path, build, kwds, limited, suffix):
    mod = build(CDEF, SOURCE, **kwds)
    assert mod.lib.limited() == limited
    assert mod.__file__.endswith(suffix)
    assert mod.lib.add(2, 3) == 5
    assert mod.lib.norm1(mod.ffi.new("struct pt *", [-3, 4])) == 7


def test_the_full_api_stays_available_with_py_limited_api_false(build):
    # PyTupleObject's layout is not part of the limited API (no GIL needed
    # to take an offset: calls into C release it)
    src = SOURCE + "static long items_offset(void) { return (long)offsetof(PyTupleObject, ob_item); }"
    mod = build(CDEF + "long items_offset(void);", src, py_limited_api=False)
    assert mod.lib.items_offset() >= 3 * mod.ffi.sizeof("void *")


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="builds a project with rcffi's setuptools hook")
@pytest.mark.parametrize("option, suffix, wheel_tag", [
    ("", ".abi3.so", "-cp39-abi3-"),
    ("py_limited_api=False", EXT_SUFFIX, None),
], ids=["default", "false"])
def test_setuptools_hook_builds_abi3_modules_and_wheels(tmp_path, option, suffix, wheel_tag):
    proj = make_project(tmp_path, "rcffi_modules")
    build_py = proj / "apidemo" / "_build.py"
    text = build_py.read_text()
    end = text.rindex('""")')  # the end of the set_source() call
    build_py.write_text(text[:end] + '""", %s)' % option + text[end + 4:])
    env = clean_env()
    subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=str(proj), env=env,
                   check=True, capture_output=True)
    built = [p.name for p in (proj / "apidemo").iterdir() if p.name.startswith("_demo.") and p.suffix == ".so"]
    assert built == ["_demo" + suffix]
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-build-isolation", "--no-deps",
                        "--no-index", "-w", str(tmp_path / "dist"), str(proj)],
                       cwd=str(tmp_path), env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    (wheel,) = (tmp_path / "dist").iterdir()
    if wheel_tag is None:
        assert "-abi3-" not in wheel.name
    else:
        assert wheel_tag in wheel.name


# ----------------------------------------------- built once, run everywhere

BUILD = textwrap.dedent("""
    import sys, rcffi
    ffi = rcffi.FFI()
    ffi.cdef(%r)
    ffi.set_source("_abi3_everywhere", %r, py_limited_api=True)
    print(ffi.compile(tmpdir=sys.argv[1]))
""") % (CDEF, SOURCE)

RUN = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    import _abi3_everywhere as m
    p = m.ffi.new("struct pt *", [5, -6])
    m.lib.counter += 2
    print(m.lib.limited(), m.lib.add(20, 22), m.lib.norm1(p), m.lib.counter, m.__file__.rsplit("/", 1)[1])
""")


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="builds with rcffi in other interpreters")
def test_built_on_the_oldest_python_runs_on_every_other(tmp_path):
    pythons = pythons_with_rcffi()
    if len(pythons) < 2:
        pytest.skip("only one CPython with rcffi built (scripts/test-pythons.sh builds it for the others)")
    (oldest_version, oldest), others = pythons[0], pythons[1:]
    out = subprocess.run([oldest, "-c", BUILD, str(tmp_path)], capture_output=True, text=True, env=clean_env())
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("_abi3_everywhere.abi3.so")
    for version, py in others:
        r = subprocess.run([py, "-c", RUN, str(tmp_path)], capture_output=True, text=True, env=clean_env())
        assert r.returncode == 0, "built on %s, run on %s: %s" % (oldest_version, version, r.stderr)
        assert r.stdout.split() == ["1", "42", "11", "42", "_abi3_everywhere.abi3.so"], (version, r.stdout)
