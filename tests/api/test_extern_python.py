"""extern "Python" functions of compiled modules and @ffi.def_extern()."""

import pytest

from conftest import cffi_impl

QSORT_CDEF = """
    extern "Python" int compare(const void *, const void *);
    void sort_ints(int *items, size_t n);
"""
QSORT_SOURCE = """
#include <stdlib.h>
static int compare(const void *, const void *);
static void sort_ints(int *items, size_t n) { qsort(items, n, sizeof(int), compare); }
"""


def test_qsort_calls_back_into_python(build):
    mod = build(QSORT_CDEF, QSORT_SOURCE)
    ffi, lib = mod.ffi, mod.lib
    calls = []

    @ffi.def_extern()
    def compare(a, b):
        x = ffi.cast("int *", a)[0]
        y = ffi.cast("int *", b)[0]
        calls.append((x, y))
        return (x > y) - (x < y)

    items = ffi.new("int[]", [5, 3, 9, 1, 7])
    lib.sort_ints(items, 5)
    assert list(items) == [1, 3, 5, 7, 9]
    assert calls


def test_qsort_through_the_real_qsort_function_pointer(build):
    mod = build(
        'extern "Python" int cmp(const void *, const void *);'
        " void qsort(void *base, size_t nmemb, size_t size, int (*compar)(const void *, const void *));",
        "#include <stdlib.h>\nstatic int cmp(const void *, const void *);",
    )
    ffi, lib = mod.ffi, mod.lib

    @ffi.def_extern(name="cmp")
    def descending(a, b):
        x, y = ffi.cast("int *", a)[0], ffi.cast("int *", b)[0]
        return (y > x) - (y < x)

    items = ffi.new("int[]", [2, 8, 4, 6])
    lib.qsort(items, 4, ffi.sizeof("int"), lib.cmp)
    assert list(items) == [8, 6, 4, 2]


def test_undefined_extern_python_prints_and_returns_zero(build, capfd):
    mod = build(
        'extern "Python" int later(int); int call_later(int);',
        "static int later(int); static int call_later(int x) { return later(x) + 1; }",
    )
    lib = mod.lib
    assert lib.call_later(5) == 1
    err = capfd.readouterr().err
    assert (
        'extern "Python": function %s.later() called, but no code was attached '
        "to it yet with @ffi.def_extern().  Returning 0." % (mod.__name__,)
    ) in err

    @mod.ffi.def_extern()
    def later(x):
        return x * 10

    assert lib.call_later(5) == 51


def test_error_and_onerror(build, capfd):
    mod = build(
        'extern "Python" int fails(int); int call_fails(int);',
        "static int fails(int); static int call_fails(int x) { return fails(x); }",
    )
    ffi, lib = mod.ffi, mod.lib
    seen = []

    def onerror(exc, val, tb):
        seen.append(exc)
        return 7 if isinstance(val, KeyError) else None

    @ffi.def_extern(error=-1, onerror=onerror)
    def fails(x):
        if x == 0:
            raise KeyError(x)
        if x == 1:
            raise ValueError(x)
        return x

    assert lib.call_fails(3) == 3
    assert lib.call_fails(0) == 7
    assert lib.call_fails(1) == -1
    assert seen == [KeyError, ValueError]


def test_extern_python_plus_c_is_visible_to_other_c_code(build):
    mod = build(
        'extern "Python+C" int shared_cb(int); int use_it(int);',
        "int shared_cb(int);\nstatic int use_it(int x) { return shared_cb(x) * 2; }",
    )

    @mod.ffi.def_extern()
    def shared_cb(x):
        return x + 1

    assert mod.lib.use_it(4) == 10
    assert mod.lib.shared_cb(4) == 5


def test_def_extern_of_an_unknown_name(build):
    mod = build('extern "Python" void cb(void);', "static void cb(void);\nvoid (*keep)(void) = cb;")
    with pytest.raises(Exception) as e:
        @mod.ffi.def_extern()
        def nope():
            pass
    assert str(e.value) == "ffi.def_extern('nope'): no 'extern \"Python\"' function with this name"


def test_errno_goes_through_extern_python(build):
    # C's errno is ffi.errno inside the Python function, and the ffi.errno
    # it leaves is C's errno after it returns
    mod = build(
        'extern "Python" void touch(void); int errno_through(int);',
        "#include <errno.h>\n"
        "static void touch(void);\n"
        "static int errno_through(int e) { errno = e; touch(); return errno; }",
    )
    ffi, lib = mod.ffi, mod.lib
    seen = []

    @ffi.def_extern()
    def touch():
        seen.append(ffi.errno)
        ffi.errno = 2 * ffi.errno

    ffi.errno = 0
    assert lib.errno_through(21) == 42
    assert seen == [21]
