"""A compiled module's ``ffi`` is ``_cffi_backend.FFI``, an extension type
as cffi's: importing the module imports none of the Python that builds
modules (``rcffi.api``, the FFI class; ``rcffi._apimode``), and the
``ffi`` still does everything cffi's compiled ``ffi`` does, the rare
methods (``dlopen``, ``callback``, ``init_once``, ...) included."""

import subprocess
import sys
import textwrap

import pytest
from conftest import IMPL_NAME

from .conftest import unique

CDEF = """
    struct point { int x, y; };
    typedef int (*binop)(int, int);
    int apply(binop, int, int);
    int twice(int);
    extern "Python" int py_add(int, int);
    int call_py_add(int, int);
    #define ANSWER 42
    enum color { RED, GREEN };
    int counter;
"""
SOURCE = """
    struct point { int x, y; };
    typedef int (*binop)(int, int);
    static int apply(binop f, int a, int b) { return f(a, b); }
    static int twice(int x) { return 2 * x; }
    static int py_add(int, int);
    static int call_py_add(int a, int b) { return py_add(a, b); }
    #define ANSWER 42
    enum color { RED, GREEN };
    int counter = 7;
"""


def compile_module(tmp_path, name):
    code = "from %s import FFI\nffi = FFI()\nffi.cdef(%r)\nffi.set_source(%r, %r)\nffi.compile(tmpdir=%r)\n" % (
        IMPL_NAME, CDEF, name, SOURCE, str(tmp_path))
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def run(tmp_path, body):
    code = "import sys\nsys.path.insert(0, %r)\n%s" % (str(tmp_path), textwrap.dedent(body))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_importing_a_compiled_module_imports_no_ffi_class(tmp_path):
    name = unique("_ffitype")
    compile_module(tmp_path, name)
    out = run(tmp_path, """
        import %s as m
        print(m.lib.twice(21), m.ffi.sizeof("struct point"), m.lib.ANSWER)
        print(sorted(k for k in sys.modules if k in ("cffi.api", "rcffi.api", "rcffi._apimode")) or "none")
    """ % name)
    assert out == ["42", "8", "42", "none"]


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="rcffi's runtime")
def test_importing_a_compiled_module_imports_only_the_extension(tmp_path):
    # what it imports at start is one module, `rcffi`, whose `__init__` is
    # the extension (as cffi's `_cffi_backend`): no Python of rcffi
    name = unique("_ffitype")
    compile_module(tmp_path, name)
    out = run(tmp_path, """
        import %s as m
        print(m.lib.twice(21), m.ffi.sizeof("struct point"), m.lib.ANSWER, m.lib.RED, m.lib.counter)
        print(",".join(sorted(k for k in sys.modules if "rcffi" in k)))
        print(sys.modules["rcffi"].__file__.endswith(".so"))
    """ % name)
    assert out == ["42", "8", "42", "0", "7", "rcffi,rcffi._rcffi", "True"]


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="rcffi's runtime")
def test_module_importing_the_extension_by_its_earlier_name_loads(tmp_path):
    # modules generated before the extension became the package's
    # __init__ import `rcffi._rcffi`: the same module, in either order
    name = unique("_ffitype_old")
    code = ("import sys\nfrom rcffi import FFI\nfrom rcffi.recompiler import compile_extension, get_extension\n"
            "ffi = FFI()\nffi.cdef(%r)\nffi.set_source(%r, %r)\nc = sys.argv[1] + '/' + %r + '.c'\n"
            "ffi.emit_c_code(c)\ntext = open(c).read()\nassert text.count('PyImport_ImportModule(\"rcffi\")') == 1\n"
            "open(c, 'w').write(text.replace('PyImport_ImportModule(\"rcffi\")', 'PyImport_ImportModule(\"rcffi._rcffi\")'))\n"
            "compile_extension(sys.argv[1], get_extension(c, %r))\n") % (CDEF, name, SOURCE, name, name)
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=str(tmp_path))
    if r.returncode != 0 and "command 'gcc' failed" in r.stderr + r.stdout:
        pytest.skip("no C compiler")
    assert r.returncode == 0, r.stderr
    for first in ("pass", "import rcffi"):
        out = run(tmp_path, """
            %s
            import %s as m
            print(m.lib.twice(21), m.ffi.sizeof("struct point"), sys.modules["rcffi._rcffi"] is sys.modules["rcffi"])
        """ % (first, name))
        assert out == ["42", "8", "True"]


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="rcffi's runtime")
def test_buffer_and_tables_classes_are_made_when_first_named(tmp_path):
    # the import makes no buffer class and no `ApiModule` class; `ffi.buffer`
    # and `_cffi_backend.FFI.buffer` are it once named
    name = unique("_ffitype")
    compile_module(tmp_path, name)
    out = run(tmp_path, """
        import gc
        import %s as m
        m.lib.twice
        made = lambda name="buffer", module="_cffi_backend": any(
            isinstance(o, type) and o.__name__ == name and o.__module__ == module for o in gc.get_objects())
        print(made(), made("ApiModule", "rcffi"))
        b = m.ffi.buffer
        import rcffi, rcffi._cffi_backend as backend
        print(made(), b is backend.FFI.buffer, b is rcffi.buffer, isinstance(b, type))
        p = m.ffi.new("int[2]", [1, 2])
        print(len(m.ffi.buffer(p)), isinstance(m.ffi.buffer(p), type(m.ffi).buffer))
        print(type(m.ffi._api_module).__name__, made("ApiModule", "rcffi"))
    """ % name)
    assert out == ["False", "False", "True", "True", "True", "True", "8", "True", "ApiModule", "True"]


def test_compiled_ffi_does_what_cffis_does(tmp_path):
    name = unique("_ffitype")
    compile_module(tmp_path, name)
    out = run(tmp_path, """
        import %s as m
        ffi, lib = m.ffi, m.lib
        print(type(ffi).__module__ + "." + type(ffi).__name__, repr(ffi).startswith("<_cffi_backend.FFI object"))
        p = ffi.new("struct point *", [3, 4])
        print(p.x + p.y, ffi.cast("int", 7.9), ffi.string(ffi.new("char[]", b"abc")).decode())
        print(ffi.typeof(p).cname, ffi.sizeof("int"), ffi.alignof("struct point"), ffi.offsetof("struct point", "y"))
        print(len(ffi.buffer(p)), ffi.from_buffer(bytearray(b"xy"))[1].decode(), ffi.NULL == ffi.cast("void *", 0))
        print(isinstance(p, ffi.CData), isinstance(ffi.typeof(p), ffi.CType), ffi.RTLD_NOW > 0)
        freed = []
        q = ffi.gc(ffi.new("int *"), lambda x: freed.append(1)); del q
        print(freed == [1], ffi.from_handle(ffi.new_handle("obj")), ffi.list_types()[1])
        try:
            ffi.new("struct nope *")
        except ffi.error as e:
            print(type(e).__module__ + "." + type(e).__name__)
        ffi.errno = 5
        print(ffi.errno, ffi.integer_const("ANSWER"), ffi.getctype("struct point", "*"))
        # the methods written in Python
        cb = ffi.callback("int(int, int)", lambda a, b: a * b)
        print(lib.apply(cb, 6, 7), ffi.init_once(lambda: "once", "tag"), ffi.init_once(lambda: "twice", "tag"))

        @ffi.def_extern()
        def py_add(a, b):
            return a + b
        print(lib.call_py_add(40, 2), ffi.addressof(lib, "counter")[0], ffi.addressof(p, "y")[0])
        alloc = ffi.new_allocator(should_clear_after_alloc=True)
        print(alloc("int[3]")[2], ffi.dlopen(None) is not None)
        print(ffi.new("struct point *", [5, 6]).y, ffi.cast("int", 9))
    """ % name)
    assert out == [
        "_cffi_backend.FFI", "True",
        "7", "<cdata", "'int'", "7>", "abc",
        "struct", "point", "*", "4", "4", "4",
        "8", "y", "True",
        "True", "True", "True",
        "True", "obj", "['point']",
        "ffi.error",
        "5", "42", "struct", "point", "*",
        "42", "once", "once",
        "42", "7", "4",
        "0", "True",
        "6", "<cdata", "'int'", "9>",
    ]


def test_compiled_ffi_is_not_an_instance_of_the_builder_class(tmp_path):
    # as cffi: `isinstance(compiled.ffi, cffi.FFI)` is False; the class is
    # `_cffi_backend.FFI`, whose `error` is the `ffi.error` it raises
    name = unique("_ffitype")
    compile_module(tmp_path, name)
    out = run(tmp_path, """
        import %s as m, %s as impl, _cffi_backend
        print(isinstance(m.ffi, impl.FFI), type(m.ffi) is _cffi_backend.FFI, m.ffi.error is _cffi_backend.FFI.error)
    """ % (name, IMPL_NAME) if IMPL_NAME == "cffi" else """
        import %s as m, rcffi, rcffi._cffi_backend as backend
        print(isinstance(m.ffi, rcffi.FFI), type(m.ffi) is backend.FFI, m.ffi.error is backend.FFI.error)
    """ % name)
    assert out == ["False", "True", "True"]


def test_out_of_line_module_imports_no_ffi_class(tmp_path):
    # an out-of-line ABI module (`set_source(name, None)`): its `ffi` is the
    # same `_cffi_backend.FFI`, made without the Python that builds modules
    name = unique("_ffitype_ool")
    code = ("from %s import FFI\nffi = FFI()\nffi.cdef('struct pt { int x, y; }; int abs(int); int strlen(const char *);')\n"
            "ffi.set_source(%r, None)\nffi.emit_python_code(%r)\n") % (IMPL_NAME, name, str(tmp_path / (name + ".py")))
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    out = run(tmp_path, """
        import %s as m
        ffi = m.ffi
        print(type(ffi).__module__ + "." + type(ffi).__name__, ffi.sizeof("struct pt"), ffi.new("struct pt *", [1, 2]).y)
        print(sorted(k for k in sys.modules if k in ("cffi.api", "rcffi.api", "rcffi._apimode")) or "none")
        lib = ffi.dlopen(None)
        print(lib.abs(-5), ffi.cast("int", 3) == 3)
    """ % name)
    assert out == ["_cffi_backend.FFI", "8", "2", "none", "5", "True"]
