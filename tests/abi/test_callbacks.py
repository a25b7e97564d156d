"""ffi.callback: creation, decorator form, calls from C (same thread and
other threads), qsort, exceptions, error=/onerror=, lifetime."""

import gc
import re
import sys
import threading
import weakref

import pytest


@pytest.fixture
def libc(ffi):
    ffi.cdef("void qsort(void *base, size_t nmemb, size_t size,"
             " int (*compar)(const void *, const void *));")
    return ffi.dlopen(None)


# ---------------------------------------------------------------- creation

def test_callback_from_function_is_function_pointer_cdata(ffi):
    def mul(a, b):
        return a * b
    cb = ffi.callback("int(int, int)", mul)
    assert ffi.typeof(cb) is ffi.typeof("int(*)(int, int)")
    assert isinstance(cb, ffi.CData)
    assert re.fullmatch(r"<cdata 'int\(\*\)\(int, int\)' calling <function .*mul at 0x[0-9a-f]+>>", repr(cb))


def test_callback_accepts_pointer_to_function_type_too(ffi):
    cb = ffi.callback("int(*)(int)", lambda x: x + 1)
    assert ffi.typeof(cb) is ffi.typeof("int(*)(int)")
    assert cb(1) == 2


def test_callback_decorator_form(ffi, lib):
    @ffi.callback("int(int, int)")
    def sub(a, b):
        return a - b
    assert ffi.typeof(sub) is ffi.typeof("int(*)(int, int)")
    assert lib.apply(sub, 10, 3) == 7


def test_callback_without_callable_returns_decorator(ffi):
    dec = ffi.callback("int(int)")
    assert callable(dec)
    cb = dec(lambda x: x * 2)
    assert cb(21) == 42


def test_callback_callable_directly_from_python(ffi):
    cb = ffi.callback("int(int, int)", lambda a, b: a * b)
    assert cb(2, 3) == 6


def test_callback_with_non_function_type_is_typeerror(ffi):
    with pytest.raises(TypeError, match="expected a function ctype, got 'int'"):
        ffi.callback("int", lambda: 0)


def test_callback_with_non_callable_is_typeerror(ffi):
    with pytest.raises(TypeError, match="the 'python_callable' argument is not callable"):
        ffi.callback("int(int)", 42)


def test_variadic_callback_is_not_implemented(ffi):
    with pytest.raises(NotImplementedError, match="callback with unsupported argument or return type or with '...'"):
        ffi.callback("int(int, ...)", lambda *a: 0)


def test_callback_with_bitfield_struct_result_is_not_implemented(ffi):
    ffi.cdef("struct bf_s { int a; int x:1; };")
    with pytest.raises(NotImplementedError) as e:
        ffi.callback("struct bf_s foo(void)", lambda: 42)
    assert str(e.value) == ("struct bf_s(*)(): callback with unsupported "
                            "argument or return type or with '...'")


def test_callback_type_may_name_the_function(ffi):
    f = ffi.callback("char cb(char, char)", lambda a, b: bytes([a[0] + b[0]]))
    assert ffi.typeof(f) is ffi.typeof("char(*)(char, char)")
    assert f(b"A", b"\x01") == b"B"


def test_callback_calling_another_callback(ffi):
    # the inner call releases the GIL inside the outer callback
    inner = ffi.callback("int(int)", lambda x: x + 1)
    outer = ffi.callback("int g(int cb(int), int)", lambda cb, x: cb(x) * 10)
    assert outer(inner, 4) == 50


def test_python_function_is_not_accepted_where_callback_expected(lib):
    with pytest.raises(TypeError, match="must be a cdata pointer, not function"):
        lib.apply(lambda a, b: 0, 1, 2)


def test_callback_error_value_must_match_result_type(ffi):
    with pytest.raises(TypeError, match="an integer is required"):
        ffi.callback("int(int)", lambda x: x, error="x")
    with pytest.raises(TypeError, match="callback with the return type 'void' must return None"):
        ffi.callback("void(int)", lambda x: x, error=3)


# ---------------------------------------------------------- called from C

def test_c_calls_python_callback(ffi, lib):
    cb = ffi.callback("int(int, int)", lambda a, b: a * b)
    assert lib.apply(cb, 6, 7) == 42


def test_callback_called_repeatedly(ffi, lib):
    cb = ffi.callback("int(int)", lambda i: i * i)
    assert lib.tl_call_n(cb, 5) == 0 + 1 + 4 + 9 + 16


def test_double_callback(ffi, lib):
    assert lib.tl_apply_d(ffi.callback("double(double)", lambda x: x * 2), 1.25) == 2.5


def test_double_callback_may_return_python_int(ffi, lib):
    assert lib.tl_apply_d(ffi.callback("double(double)", lambda x: 3), 1.25) == 3.0


def test_void_callback(ffi, lib):
    seen = []
    cb = ffi.callback("void(int)", lambda x: seen.append(x))
    assert lib.tl_apply_void(cb, 5) is None
    assert seen == [5]


def test_long_long_callback(ffi, lib):
    cb = ffi.callback("long long(long long)", lambda x: x + 1)
    assert lib.tl_apply_ll(cb, 2**40) == 2**40 + 1


def test_struct_by_value_callback_argument(ffi, lib):
    cb = ffi.callback("int(struct tl_pair)", lambda p: p.a * 10 + p.b)
    assert lib.tl_apply_pair(cb, 3, 4) == 34


def test_struct_returning_callback_called_from_python(ffi, lib):
    cb = ffi.callback("struct tl_pair(int)", lambda x: [x, x + 1])
    r = cb(4)
    assert (r.a, r.b) == (4, 5)


def test_char_callback(ffi):
    cb = ffi.callback("char(char)", lambda c: c.upper())
    assert cb(b"a") == b"A"


def test_pointer_returning_callback(ffi):
    assert ffi.callback("int *(void)", lambda: ffi.NULL)() == ffi.NULL


def test_callback_receives_handle(ffi, lib):
    obj = {"v": 5}
    h = ffi.new_handle(obj)
    cb = ffi.callback("int(void *)", lambda p: ffi.from_handle(p)["v"])
    assert lib.tl_apply_ptr(cb, h) == 5


def test_qsort_with_python_comparator(ffi, libc):
    arr = ffi.new("int[]", [5, 3, 9, 1, 7])

    @ffi.callback("int(const void *, const void *)")
    def cmp(a, b):
        x = ffi.cast("int *", a)[0]
        y = ffi.cast("int *", b)[0]
        return (x > y) - (x < y)

    libc.qsort(arr, len(arr), ffi.sizeof("int"), cmp)
    assert list(arr) == [1, 3, 5, 7, 9]


def test_qsort_descending_on_doubles(ffi, libc):
    data = [2.5, -1.0, 7.25, 0.0]
    arr = ffi.new("double[]", data)
    cmp = ffi.callback("int(const void *, const void *)",
                       lambda a, b: int(ffi.cast("double *", b)[0] - ffi.cast("double *", a)[0] > 0)
                       - int(ffi.cast("double *", b)[0] - ffi.cast("double *", a)[0] < 0))
    libc.qsort(arr, 4, 8, cmp)
    assert list(arr) == sorted(data, reverse=True)


def test_callback_called_from_another_c_thread(ffi, lib):
    idents = []

    def add(a, b):
        idents.append(threading.get_ident())
        return a + b

    cb = ffi.callback("int(int, int)", add)
    assert lib.tl_apply_in_thread(cb, 1, 2) == 3
    assert len(idents) == 1
    assert idents[0] != threading.get_ident()


def test_callback_from_other_c_thread_repeated(ffi, lib):
    cb = ffi.callback("int(int, int)", lambda a, b: a * b)
    assert [lib.tl_apply_in_thread(cb, i, 3) for i in range(10)] == [3 * i for i in range(10)]


# -------------------------------------------------------------- exceptions
#
# cffi reports exceptions escaping a callback through sys.unraisablehook;
# the default hook prints them to stderr.  pytest installs its own hook, so
# the tests below restore the interpreter's default one to see what a user
# sees.

@pytest.fixture
def default_unraisablehook(monkeypatch):
    monkeypatch.setattr(sys, "unraisablehook", sys.__unraisablehook__)


@pytest.fixture
def capfd(capfd, default_unraisablehook):
    return capfd


def test_exception_in_callback_goes_through_sys_unraisablehook(ffi, lib, monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)

    def boom(a, b):
        raise ValueError("hooked")

    cb = ffi.callback("int(int, int)", boom, error=-1)
    assert lib.apply(cb, 1, 2) == -1
    assert len(seen) == 1
    assert seen[0].exc_type is ValueError
    assert str(seen[0].exc_value) == "hooked"
    assert "cffi callback" in (seen[0].err_msg or "")

def test_exception_in_callback_is_printed_and_returns_zero(ffi, lib, capfd):
    def boom(a, b):
        raise ValueError("boom in callback")
    cb = ffi.callback("int(int, int)", boom)
    assert lib.apply(cb, 1, 2) == 0
    err = capfd.readouterr().err
    assert "Exception ignored from cffi callback <function" in err
    assert "boom" in err
    assert "Traceback (most recent call last):" in err
    assert "ValueError: boom in callback" in err


def test_exception_in_callback_returns_error_value(ffi, lib, capfd):
    def boom(a, b):
        raise ValueError("boom")
    cb = ffi.callback("int(int, int)", boom, error=-7)
    assert lib.apply(cb, 1, 2) == -7
    assert "ValueError: boom" in capfd.readouterr().err


def test_exception_in_double_callback_returns_error_value(ffi, lib, capfd):
    def boom(x):
        raise RuntimeError("nope")
    cb = ffi.callback("double(double)", boom, error=-1.5)
    assert lib.tl_apply_d(cb, 2.0) == -1.5
    assert "RuntimeError: nope" in capfd.readouterr().err


def test_exception_in_callback_does_not_propagate_to_caller(ffi, lib, capfd):
    cb = ffi.callback("int(int, int)", lambda a, b: 1 // 0, error=5)
    assert lib.apply(cb, 1, 2) == 5
    assert "ZeroDivisionError" in capfd.readouterr().err


def test_onerror_receives_exception_info_and_its_result_is_returned(ffi, lib, capfd):
    got = []

    def boom(a, b):
        raise ValueError("boom")

    def onerror(exc, val, tb):
        got.append((exc, str(val), type(tb).__name__))
        return 99

    cb = ffi.callback("int(int, int)", boom, error=-7, onerror=onerror)
    assert lib.apply(cb, 1, 2) == 99
    assert got == [(ValueError, "boom", "traceback")]
    assert capfd.readouterr().err == ""


def test_onerror_returning_none_falls_back_to_error_value(ffi, lib, capfd):
    calls = []
    cb = ffi.callback("int(int, int)", lambda a, b: 1 // 0, error=-7,
                      onerror=lambda *exc: calls.append(exc[0]))
    assert lib.apply(cb, 1, 2) == -7
    assert calls == [ZeroDivisionError]
    assert capfd.readouterr().err == ""


def test_onerror_that_raises_prints_both_and_returns_error(ffi, lib, capfd):
    def boom(a, b):
        raise ValueError("outer")

    def onerror(exc, val, tb):
        raise KeyError("inner")

    cb = ffi.callback("int(int, int)", boom, error=-7, onerror=onerror)
    assert lib.apply(cb, 1, 2) == -7
    err = capfd.readouterr().err
    assert "ValueError: outer" in err
    assert "Exception ignored during handling of the above exception by 'onerror':" in err
    assert "KeyError: 'inner'" in err


def test_onerror_called_for_bad_return_value(ffi, lib, capfd):
    got = []
    cb = ffi.callback("int(int, int)", lambda a, b: "notint", error=-1,
                      onerror=lambda exc, val, tb: got.append(exc) or 3)
    assert lib.apply(cb, 1, 2) == 3
    assert got == [TypeError]


def test_bad_return_type_is_printed_with_conversion_note(ffi, lib, capfd):
    cb = ffi.callback("int(int, int)", lambda a, b: "notint")
    assert lib.apply(cb, 1, 2) == 0
    err = capfd.readouterr().err
    assert "trying to convert the result back to C:" in err
    assert "TypeError: an integer is required" in err


def test_out_of_range_return_is_printed_as_overflow(ffi, lib, capfd):
    cb = ffi.callback("int(int, int)", lambda a, b: 2**40, error=-2)
    assert lib.apply(cb, 1, 2) == -2
    assert "OverflowError: integer 1099511627776 does not fit 'int'" in capfd.readouterr().err


def test_none_return_from_int_callback_is_error(ffi, lib, capfd):
    cb = ffi.callback("int(int, int)", lambda a, b: None)
    assert lib.apply(cb, 1, 2) == 0
    assert "TypeError: an integer is required" in capfd.readouterr().err


def test_void_callback_returning_value_is_reported(ffi, lib, capfd):
    cb = ffi.callback("void(int)", lambda x: 5)
    assert lib.tl_apply_void(cb, 5) is None
    assert "callback with the return type 'void' must return None" in capfd.readouterr().err


def test_callback_arity_mismatch_is_reported_not_raised(ffi, lib, capfd):
    cb = ffi.callback("int(int, int)", lambda a: a)
    assert lib.apply(cb, 1, 2) == 0
    assert "TypeError" in capfd.readouterr().err


def test_exception_in_callback_from_other_thread_uses_error_value(ffi, lib, capfd):
    def boom(a, b):
        raise ValueError("thread boom")
    cb = ffi.callback("int(int, int)", boom, error=-3)
    assert lib.tl_apply_in_thread(cb, 1, 2) == -3
    assert "ValueError: thread boom" in capfd.readouterr().err


def test_exception_when_called_from_python_is_also_swallowed(ffi, capfd):
    cb = ffi.callback("int(int)", lambda x: 1 // 0, error=11)
    assert cb(1) == 11
    assert "ZeroDivisionError" in capfd.readouterr().err


# -------------------------------------------------------------------- errno

def test_callback_sees_c_errno_and_hands_its_own_back_to_c(ffi, lib):
    seen = []

    @ffi.callback("int(int)")
    def f(x):
        seen.append(ffi.errno)      # C's errno as the callback was entered
        ffi.errno = x + 1           # what C finds after the callback returns
        return 0

    ffi.errno = 0
    assert lib.tl_errno_through(f, 40) == 41
    assert seen == [40]


def test_errno_set_in_callback_called_from_python_is_kept(ffi):
    @ffi.callback("void(void)")
    def f():
        ffi.errno = ffi.errno - 6

    ffi.errno = 95
    f()
    assert ffi.errno == 89
    f()
    f()
    assert ffi.errno == 77


# ----------------------------------------------------------------- lifetime

def test_callback_cdata_keeps_python_function_alive(ffi, lib):
    def make():
        def inner(a, b):
            return a + b + 100
        return ffi.callback("int(int, int)", inner), weakref.ref(inner)
    cb, ref = make()
    gc.collect()
    assert ref() is not None
    assert lib.apply(cb, 1, 2) == 103


def test_function_freed_when_callback_cdata_dropped(ffi):
    def inner(x):
        return x
    ref = weakref.ref(inner)
    cb = ffi.callback("int(int)", inner)
    del inner
    gc.collect()
    assert ref() is not None
    del cb
    gc.collect()
    assert ref() is None


def test_stored_callback_called_later_while_kept_alive(ffi, lib):
    keep = ffi.callback("int(int)", lambda x: x * 3)
    lib.tl_store_cb(keep)
    gc.collect()
    assert lib.tl_call_stored(4) == 12
    assert lib.tl_call_stored(5) == 15


def test_decorated_callback_closure_sees_updated_state(ffi, lib):
    state = {"k": 1}

    @ffi.callback("int(int, int)")
    def f(a, b):
        return (a + b) * state["k"]

    assert lib.apply(f, 1, 2) == 3
    state["k"] = 10
    assert lib.apply(f, 1, 2) == 30


def test_stdcall_is_the_default_convention_here(ffi):
    # as cffi: outside 32-bit Windows `__stdcall` changes nothing, not even
    # the type's identity or name
    cb1 = ffi.callback("int(int)", lambda x: 2 * x)
    cb2 = ffi.callback("int __stdcall(int)", lambda x: 3 * x)
    assert ffi.typeof(cb2) is ffi.typeof(cb1)
    assert "__stdcall" not in str(ffi.typeof(cb2))
    assert cb2(5) == 15


def test_a_struct_argument_kept_after_the_callback_returns_stays_valid(ffi_mod, ffi, lib):
    if ffi_mod.__name__ != "rcffi":
        pytest.skip("cffi's struct argument points into libffi's argument space, reused after the call")
    # libffi's argument space is gone once the callback returns; the
    # callback's struct (and views of it) must not point there
    kept = []

    @ffi.callback("int(struct tl_pair)")
    def cb(p):
        kept.append(p)
        kept.append(p.a)
        kept.append(ffi.addressof(p, "b"))
        return p.a + p.b

    assert lib.tl_apply_pair(cb, 3, 4) == 7
    assert lib.tl_apply_pair(cb, 10, 20) == 30   # reuses the argument space
    first, a, pb = kept[:3]
    assert (first.a, first.b, a, pb[0]) == (3, 4, 3, 4)
    first.a = 99                                   # its own memory
    assert first.a == 99 and kept[3].a == 10
