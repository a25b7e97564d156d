"""Round 5 of hostile input: single-threaded misuse from pure Python (array
types whose size cannot exist, ...). Each test also passes against cffi."""

import pytest


HUGE_RECORD = "struct big { char a[4611686018427387904]; }; struct opaque;"


@pytest.mark.parametrize("text", ["struct big[3]", "struct big[4611686018427387904]", "struct big(*)[3]"])
def test_an_array_of_records_too_large_is_an_overflow_error(ffi, text):
    # cffi refuses the type when it is made; rcffi made it and then
    # multiplied its length by its item's size unchecked on use
    # (ffi.sizeof, ffi.buffer, ffi.from_buffer of a cast to it: a panic in
    # a debug build, a wrapped size, and so the wrong memory, in a release one)
    ffi.cdef(HUGE_RECORD)
    with pytest.raises(OverflowError, match="array size would overflow a Py_ssize_t"):
        ffi.typeof(text)
    with pytest.raises(OverflowError, match="array size would overflow a Py_ssize_t"):
        ffi.cast(text, 4096)


def test_an_array_typedef_too_large_is_an_overflow_error(ffi):
    ffi.cdef(HUGE_RECORD + "typedef struct big bigarr[4611686018427387904];")
    with pytest.raises(OverflowError, match="array size would overflow a Py_ssize_t"):
        ffi.typeof("bigarr")


@pytest.mark.parametrize("text", ["struct opaque[3]", "struct opaque[]", "struct opaque(*)[3]"])
def test_an_array_of_opaque_records_is_a_value_error(ffi, text):
    # rcffi made the type, whose cdata then had a length but no item size
    ffi.cdef(HUGE_RECORD)
    with pytest.raises(ValueError, match=r"array item of unknown size: 'struct opaque'"):
        ffi.typeof(text)


def test_an_array_of_a_record_completed_later_works(ffi):
    ffi.cdef("struct later;")
    with pytest.raises(ValueError, match="array item of unknown size"):
        ffi.typeof("struct later[2]")
    ffi.cdef("struct later { int x; };")
    p = ffi.new("struct later[2]")
    p[1].x = 5
    assert ffi.sizeof(p) == 8 and p[1].x == 5


RECURSION_PROGRAM = r"""
import sys, threading
import {impl} as cffi
ffi = cffi.FFI()
ffi.cdef(open({header!r}).read())
lib = ffi.dlopen({path!r})
stack_kib, limit = int(sys.argv[1]), int(sys.argv[2])
if limit:
    sys.setrecursionlimit(limit)
depth = [0]

@ffi.callback("int(int, int)")
def again(a, b):
    depth[0] += 1
    return b if a <= 0 else lib.apply(again, a - 1, b + 1)

def run():
    print("result", lib.apply(again, 100000, 0), flush=True)

if stack_kib:
    threading.stack_size(stack_kib * 1024)
    t = threading.Thread(target=run)
    t.start()
    t.join()
else:
    run()
print("depth", depth[0] > 50, flush=True)
"""


def run_recursion(testlib_cdef, testlib_path, stack_kib, limit):
    import pathlib
    import subprocess
    import sys
    from conftest import CLIB_DIR, IMPL_NAME
    code = RECURSION_PROGRAM.format(impl=IMPL_NAME, header=str(CLIB_DIR / "testlib.h"), path=testlib_path)
    return subprocess.run([sys.executable, "-c", code, str(stack_kib), str(limit)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("stack_kib, limit", [(1024, 0), (0, 5000)])
def test_a_callback_calling_its_caller_deeply_is_a_recursion_error(testlib_cdef, testlib_path, stack_kib, limit):
    # a callback calling the C function that called it: C frames at each
    # level. rcffi's calls count no recursion level (cffi's count one, so
    # cffi stops at half the depth), and overflowed a 1 MiB thread's stack
    # at the default limit, or the main thread's under a limit of 5000
    # (SIGSEGV in both); now the innermost callback raises RecursionError,
    # reported as any callback error, and the calls return (cffi reaches
    # its recursion limit first, and prints nothing)
    from conftest import IMPL_NAME
    r = run_recursion(testlib_cdef, testlib_path, stack_kib, limit)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "result 0" in r.stdout and "depth True" in r.stdout
    if IMPL_NAME == "rcffi":
        assert "RecursionError: cffi callback: nested too deep" in r.stderr


@pytest.mark.parametrize("stack_kib, limit", [(256, 0), (0, 1000000)])
def test_a_callback_recursion_no_limit_stops_is_a_recursion_error(testlib_cdef, testlib_path, stack_kib, limit):
    from conftest import IMPL_NAME
    if IMPL_NAME != "rcffi":
        pytest.skip("cffi crashes here (the C stack overflows before the recursion limit)")
    r = run_recursion(testlib_cdef, testlib_path, stack_kib, limit)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "result 0" in r.stdout and "depth True" in r.stdout
    assert "nested too deep for this thread's C stack" in r.stderr


def test_detaching_the_destructor_of_a_released_gc_cdata_is_a_no_op(ffi):
    # rcffi raised TypeError ("Can remove destructor only on a object
    # previously returned by ffi.gc()"), also from inside the destructor
    # itself, which ffi.release() runs; cffi decides by the object's type
    ran = []

    def destructor(p):
        ran.append(p)
        ffi.gc(g, None)

    g = ffi.gc(ffi.cast("int *", 0), destructor)
    ffi.release(g)
    assert len(ran) == 1
    assert ffi.gc(g, None) is None
    alloc = ffi.new_allocator(alloc=lambda n: ffi.new("char[]", n), free=lambda p: None)
    z = alloc("int[3]")
    ffi.release(z)
    assert ffi.gc(z, None) is None
    with pytest.raises(TypeError, match="Can remove destructor only"):
        ffi.gc(ffi.new("int *"), None)


@pytest.mark.parametrize("ctype", ["char *", "void *", "int[3]", "int(*)(int)"])
@pytest.mark.parametrize("source", [b"x", "x"])
def test_a_pointer_cast_of_a_character_is_a_type_error(ffi, ctype, source):
    # rcffi took the character's code as the address: ffi.cast("char *",
    # b"x") was a pointer to 0x78, which crashes when read; cffi refuses it
    with pytest.raises(TypeError, match="an integer is required"):
        ffi.cast(ctype, source)
    # casts to integer types still take one character, as in cffi
    assert int(ffi.cast("int", source)) == 120


CONVERSION_RECURSION_PROGRAM = r"""
import sys, threading
import {impl} as cffi
ffi = cffi.FFI()
arr = ffi.new("int[2]")
ops = {{
    "cast": lambda x: int(ffi.cast("int", x)),
    "new": lambda x: ffi.new("int *", x)[0],
    "new_double": lambda x: int(ffi.new("double *", x)[0]),
    "store": lambda x: arr.__setitem__(0, x),
}}
op = ops[sys.argv[2]]

class Deeper:
    def __init__(self, n):
        self.n = n
    def __int__(self):
        return 0 if self.n == 0 else (op(Deeper(self.n - 1)) or 0)
    __float__ = lambda self: float(int(self))

def run():
    try:
        op(Deeper(100000))
    except RecursionError:
        print("RecursionError", flush=True)

threading.stack_size(int(sys.argv[1]) * 1024)
t = threading.Thread(target=run)
t.start()
t.join()
"""


def run_conversion_recursion(stack_kib, op):
    import subprocess
    import sys
    from conftest import IMPL_NAME
    code = CONVERSION_RECURSION_PROGRAM.format(impl=IMPL_NAME)
    return subprocess.run([sys.executable, "-c", code, str(stack_kib), op], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("op", ["cast", "new", "new_double", "store"])
def test_conversions_recursing_through_python_methods_are_a_recursion_error(op):
    # an `__int__` (`__float__`) converting another such object: one level
    # of C frames each; rcffi's frames take more stack than cffi's, so a
    # thread of 512 KiB overflowed (SIGSEGV) before the recursion limit,
    # where cffi raises RecursionError
    r = run_conversion_recursion(512, op)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "RecursionError"


@pytest.mark.parametrize("op", ["cast", "store"])
def test_conversions_recursing_in_a_tiny_stack_are_a_recursion_error(op):
    from conftest import IMPL_NAME
    if IMPL_NAME != "rcffi":
        pytest.skip("cffi crashes here (the C stack overflows before the recursion limit)")
    r = run_conversion_recursion(256, op)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "RecursionError"
