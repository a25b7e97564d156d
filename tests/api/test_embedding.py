"""Embedding (``ffi.embedding_api()``, ``ffi.embedding_init_code()``):
libraries built here are linked into small C programs, compiled with the C
compiler and run; Python is started by the library itself."""

import os
import subprocess
import sys
import sysconfig

import pytest

from conftest import cffi_impl, IMPL_NAME

from .conftest import c_compiler, unique

ADD_API = "int add(int, int);"


def make_library(tmp_path, api, init_code, source="", name=None, cdef=None, **kwds):
    """Build an embedding library in tmp_path; its path and module name."""
    name = name or unique("_emb")
    ffi = cffi_impl.FFI()
    if cdef:
        ffi.cdef(cdef)
    ffi.embedding_api(api)
    if init_code is not None:
        ffi.embedding_init_code(init_code.replace("MODULE", name))
    ffi.set_source(name, source, **kwds)
    path = ffi.compile(tmpdir=str(tmp_path))
    assert os.path.basename(path) == name + ".so"
    return path, name


def run_host(tmp_path, c_source, libraries, threads=True, args=(), link=()):
    """Compile the C program 'c_source' against 'libraries' and run it;
    the completed process (text stdout/stderr)."""
    c_file = tmp_path / "host.c"
    c_file.write_text(c_source)
    exe = tmp_path / "host"
    cmd = [c_compiler(), "-o", str(exe), str(c_file)] + [os.path.abspath(p) for p in libraries]
    if threads:
        cmd.append("-pthread")
    cmd.extend(link)
    subprocess.run(cmd, check=True)
    env = dict(os.environ)
    # the libpython this interpreter uses, and nothing of this process's
    # sys.path: rcffi must find its own runtime
    libdir = sysconfig.get_config_var("LIBDIR")
    env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [libdir, env.get("LD_LIBRARY_PATH")]))
    env.pop("PYTHONPATH", None)
    if IMPL_NAME == "cffi":
        import _cffi_backend

        env["PYTHONPATH"] = os.path.dirname(_cffi_backend.__file__)
    return subprocess.run([str(exe)] + [os.path.abspath(a) for a in args], cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300)


BASIC_INIT = r"""
    import sys
    from MODULE import ffi, lib
    sys.stdout.write("init, registered: %s\n" % ("MODULE" in sys.modules,))

    @ffi.def_extern()
    def add(x, y):
        sys.stdout.write("add %d %d\n" % (x, y))
        return x + y

    @ffi.def_extern(name="scale")
    def anything(p, factor):
        p.x = int(p.x * factor)
        p.y = int(p.y * factor)
        return ffi.cast("point_t *", p)

    sys.stdout.flush()
"""

BASIC_HOST = r"""
#include <stdio.h>
typedef struct { int x, y; } point_t;
extern int add(int, int);
extern point_t *scale(point_t *, double);
int main(void)
{
    point_t pt = { 3, 5 };
    int a;
    printf("before the first call\n");
    fflush(stdout);
    a = add(40, 2);
    point_t *q = scale(&pt, 2.5);
    int b = add(a, -2);
    fflush(stdout);
    printf("got: %d %d %d %d %d\n", a, b, pt.x, pt.y, q == &pt);
    return 0;
}
"""


def test_first_call_starts_python_and_runs_the_init_code_once(tmp_path):
    lib, _ = make_library(
        tmp_path,
        "typedef struct { int x, y; } point_t; int add(int, int); point_t *scale(point_t *, double);",
        BASIC_INIT,
        "typedef struct { int x, y; } point_t;",
    )
    r = run_host(tmp_path, BASIC_HOST, [lib], threads=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "before the first call\ninit, registered: True\nadd 40 2\nadd 42 -2\ngot: 42 40 7 12 1\n"
    assert r.stderr == ""


ERROR_HOST = r"""
#include <stdio.h>
extern int add(int, int);
int main(void)
{
    int x = add(40, 2);
    int y = add(100, -5);
    printf("got: %d %d\n", x, y);
    return 0;
}
"""


def test_error_in_init_code_is_reported_and_functions_return_zero(tmp_path):
    lib, name = make_library(tmp_path, ADD_API, "import sys\nsys.stdout.write('starting\\n')\nraise KeyError('boom')\n")
    r = run_host(tmp_path, ERROR_HOST, [lib], threads=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "starting\ngot: 0 0\n"
    err = r.stderr
    assert "Failed to initialize the Python-CFFI embedding logic:" in err
    assert "Traceback (most recent call last):" in err
    assert "<init code for '%s'>\", line 3" % name in err
    assert "KeyError: 'boom'" in err
    assert "From: %s\n" % name in err
    assert "sys.path: [" in err
    # every call after the failure says so
    assert err.count("function %s.add() called, but initialization code failed.  Returning 0." % name) >= 1


def test_function_without_def_extern_returns_zero(tmp_path):
    lib, name = make_library(tmp_path, ADD_API + " int other(int, int);", "from MODULE import ffi\n"
                             "@ffi.def_extern()\ndef other(x, y):\n    return x * y\n")
    host = ERROR_HOST.replace("extern int add(int, int);", "extern int add(int, int);\nextern int other(int, int);")
    host = host.replace("int y = add(100, -5);", "int y = other(6, 7);")
    r = run_host(tmp_path, host, [lib], threads=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "got: 0 42\n"
    assert "%s.add()" % name in r.stderr
    assert "Returning 0." in r.stderr


THREADS_HOST = r"""
#include <pthread.h>
#include <stdio.h>
#define N 8
extern int add(int, int);
static int results[N];
static void *run(void *arg)
{
    int i = (int)(long)arg;
    results[i] = add(i, 1000);
    return NULL;
}
int main(void)
{
    pthread_t th[N];
    long i;
    for (i = 0; i < N; i++)
        pthread_create(&th[i], NULL, run, (void *)i);
    for (i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    for (i = 0; i < N; i++)
        printf("%d ", results[i]);
    printf("\n");
    return 0;
}
"""

THREADS_INIT = r"""
    import sys, time
    from MODULE import ffi
    sys.stdout.write("init\n")
    sys.stdout.flush()
    time.sleep(0.3)   # the other threads' first calls arrive meanwhile

    @ffi.def_extern()
    def add(x, y):
        return x + y
"""


def test_first_calls_from_several_threads_wait_for_one_init(tmp_path):
    lib, _ = make_library(tmp_path, ADD_API, THREADS_INIT)
    for _ in range(3):
        r = run_host(tmp_path, THREADS_HOST, [lib])
        assert r.returncode == 0, r.stderr
        assert r.stdout == "init\n" + "".join("%d " % (i + 1000) for i in range(8)) + "\n"
        assert r.stderr == ""


TLOCAL_INIT = r"""
    import itertools, threading
    from MODULE import ffi
    counter = itertools.count(1)
    local = threading.local()

    @ffi.def_extern()
    def add(x, y):
        if not hasattr(local, "n"):
            local.n = next(counter) * 1000
        return x + y + local.n
"""

TLOCAL_HOST = r"""
#include <pthread.h>
#include <stdio.h>
#define N 4
extern int add(int, int);
static int same[N], base[N];
static void *run(void *arg)
{
    int i = (int)(long)arg, k, first = add(0, 0);
    base[i] = first;
    same[i] = 1;
    for (k = 1; k < 20; k++)
        if (add(k, 0) != first + k)
            same[i] = 0;
    return NULL;
}
int main(void)
{
    pthread_t th[N];
    long i, j;
    int distinct = 1, all_same = 1;
    for (i = 0; i < N; i++)
        pthread_create(&th[i], NULL, run, (void *)i);
    for (i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    for (i = 0; i < N; i++) {
        all_same &= same[i];
        for (j = 0; j < i; j++)
            distinct &= base[i] != base[j];
    }
    printf("same within a thread: %d, distinct between threads: %d\n", all_same, distinct);
    return 0;
}
"""


def test_thread_local_data_lasts_for_the_whole_thread(tmp_path):
    lib, _ = make_library(tmp_path, ADD_API, TLOCAL_INIT)
    r = run_host(tmp_path, TLOCAL_HOST, [lib])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "same within a thread: 1, distinct between threads: 1\n"


RECURSIVE_INIT = r"""
    from MODULE import ffi, lib

    @ffi.def_extern()
    def add(x, y):
        return x + y

    # a C function of the library, calling add() while this code runs
    print("from init:", lib.call_add(20, 22))
    import sys; sys.stdout.flush()
"""


def test_init_code_may_call_the_library_functions(tmp_path):
    # call_add() is a C function of the library, calling add() while the
    # init code runs (on the same thread, which must not wait for itself)
    lib, _ = make_library(
        tmp_path,
        ADD_API,
        RECURSIVE_INIT,
        "int add(int, int);\nCFFI_DLLEXPORT int call_add(int x, int y) { return add(x, y) + 1000; }",
        cdef="int call_add(int, int);",
    )
    r = run_host(tmp_path, ERROR_HOST, [lib], threads=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "from init: 1042\ngot: 42 95\n"


def test_cffi_start_python_from_c(tmp_path):
    lib, _ = make_library(
        tmp_path,
        "",
        "print('started')",
        "CFFI_DLLEXPORT int start(void) { int r = cffi_start_python(); fflush(stdout); return r; }",
    )
    host = "#include <stdio.h>\nint start(void);\nint main(void) { int a = start(); int b = start(); printf(\"%d %d\\n\", a, b); return 0; }\n"
    r = run_host(tmp_path, host, [lib], threads=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "started\n0 0\n"


TWO_HOST = r"""
#include <pthread.h>
#include <stdio.h>
extern int add(int, int);
extern int sub(int, int);
static int r1, r2;
static void *one(void *a) { r1 = add(1, 2); return a; }
static void *two(void *a) { r2 = sub(10, 4); return a; }
int main(void)
{
    pthread_t t1, t2;
    pthread_create(&t1, NULL, one, NULL);
    pthread_create(&t2, NULL, two, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("%d %d\n", r1, r2);
    return 0;
}
"""


def test_two_libraries_first_called_from_two_threads(tmp_path):
    lib1, _ = make_library(tmp_path, ADD_API, "from MODULE import ffi\n@ffi.def_extern()\ndef add(x, y):\n    return x + y\n")
    lib2, _ = make_library(tmp_path, "int sub(int, int);",
                           "from MODULE import ffi\n@ffi.def_extern()\ndef sub(x, y):\n    return x - y\n")
    for _ in range(5):
        r = run_host(tmp_path, TWO_HOST, [lib1, lib2])
        assert r.returncode == 0, r.stderr
        assert r.stdout == "3 6\n"


def test_library_imported_by_a_running_python(tmp_path):
    lib, name = make_library(tmp_path, ADD_API, "print('init')\nfrom MODULE import ffi\n"
                             "@ffi.def_extern()\ndef add(x, y):\n    return x + y\n")
    code = ("import sys; sys.path.insert(0, %r); import %s as m; print('imported'); "
            "print(m.lib.add(2, 3)); print(m.lib.add(4, 5))" % (str(tmp_path), name))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "imported\ninit\n5\n9\n"


def test_embedding_init_code_checks_its_argument():
    ffi = cffi_impl.FFI()
    with pytest.raises(SyntaxError):
        ffi.embedding_init_code("def f(:\n")
    ffi.embedding_init_code("x = 1")
    with pytest.raises(ValueError, match="can only be called once"):
        ffi.embedding_init_code("y = 2")


def test_embedding_api_declares_exported_extern_python_functions():
    ffi = cffi_impl.FFI()
    ffi.embedding_api("typedef struct { int a; } s_t; int f(s_t *); extern int glob;\n#define N 5\n")
    assert ffi.sizeof("s_t") == 4
    assert ffi._embedding == ""
    with pytest.raises(TypeError):
        ffi.embedding_api(42)


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="checks rcffi's generated C")
@pytest.mark.parametrize("compiler, ext, std", [(None, ".c", "-std=gnu11"), ("g++", ".cpp", "-std=c++11")])
def test_generated_embedding_c_compiles_without_warnings(tmp_path, compiler, ext, std):
    import shutil

    compiler = compiler or c_compiler()
    if shutil.which(compiler) is None:
        pytest.skip("no %s" % compiler)
    ffi = cffi_impl.FFI()
    ffi.cdef('extern "Python" int cb(int); int use_cb(int);')
    ffi.embedding_api("typedef struct { int x; } pt_t; int f(int, double); void g(void); pt_t h(pt_t *); extern int glob;")
    ffi.embedding_init_code("pass")
    ffi.set_source("_emb_strict", "typedef struct { int x; } pt_t;\nCFFI_DLLEXPORT int glob;\n"
                   "static int cb(int);\nstatic int use_cb(int x) { return cb(x) + cffi_start_python(); }\n",
                   source_extension=ext)
    c_file = tmp_path / ("_emb_strict" + ext)
    ffi.emit_c_code(str(c_file))
    include = sysconfig.get_paths()["include"]
    r = subprocess.run(
        [compiler, "-c", "-fPIC", std, "-Wall", "-Wextra", "-Wconversion", "-Werror", "-I", include,
         str(c_file), "-o", str(tmp_path / "x.o")],
        capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("target, expected", [("plugin-1.5.*", "plugin-1.5.so"), ("libplug.so.1", "libplug.so.1")])
def test_compile_target_names_the_library(tmp_path, target, expected):
    ffi = cffi_impl.FFI()
    ffi.embedding_api(ADD_API)
    ffi.set_source(unique("_emb_target"), "")
    path = ffi.compile(tmpdir=str(tmp_path), target=target)
    assert path == os.path.join(str(tmp_path), expected)
    assert os.path.exists(path)


def test_extern_python_called_from_exported_c_code_starts_python(tmp_path):
    # cffi's "Embedding and Extending": a C function of set_source() calls a
    # (static) extern "Python" function, which starts Python when needed
    lib, _ = make_library(
        tmp_path,
        "",
        "from MODULE import ffi\n@ffi.def_extern()\ndef mycb(x):\n    return x * 10\n",
        "static int mycb(int);\nCFFI_DLLEXPORT int myfunc(int a, int b) { return mycb(a * b); }",
        cdef='extern "Python" int mycb(int);',
    )
    host = "#include <stdio.h>\nint myfunc(int, int);\nint main(void) { printf(\"%d\\n\", myfunc(6, 7)); return 0; }\n"
    r = run_host(tmp_path, host, [lib], threads=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "420\n"


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="cffi leaves it to the host to load libpython with RTLD_GLOBAL")
def test_library_loaded_as_a_plugin_with_dlopen(tmp_path):
    # dlopen(RTLD_LOCAL) keeps libpython out of the global scope, where the
    # runtime (an extension module) looks for it: the library promotes it
    lib1, _ = make_library(tmp_path, ADD_API, "from MODULE import ffi\n@ffi.def_extern()\ndef add(x, y):\n    return x + y\n")
    lib2, _ = make_library(tmp_path, "int sub(int, int);",
                           "from MODULE import ffi\n@ffi.def_extern()\ndef sub(x, y):\n    return x - y\n")
    host = r"""
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    void *h1 = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL), *h2 = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    int (*add)(int, int), (*sub)(int, int);
    if (h1 == NULL || h2 == NULL) {
        printf("dlopen: %s\n", dlerror());
        return 1;
    }
    *(void **)&add = dlsym(h1, "add");
    *(void **)&sub = dlsym(h2, "sub");
    printf("%d %d\n", add(2, 3), sub(10, 4));
    return 0;
}
"""
    r = run_host(tmp_path, host, [], threads=False, args=[lib1, lib2], link=["-ldl"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "5 6\n", r.stderr
