"""Python code that runs in the middle of an rcffi operation (an argument's
`__int__`, a dict being converted) or sizes no allocation can satisfy must
give a Python exception, never a crash or an abort. Cases that crashed
rcffi before their fix run in a child process, so that a crash fails the
test instead of the run."""

import subprocess
import sys
import textwrap

import pytest

from conftest import IMPL_NAME

rcffi_only = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="cffi crashes here (rcffi's own checks)")


def run_child(body):
    """Runs `body` with `ffi` (a fresh FFI of the implementation under
    test) in a child; returns its stdout (the child must exit normally)."""
    code = "import gc\nimport %s as m\nffi = m.FFI()\n" % IMPL_NAME + textwrap.dedent(body)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "child died (%d): %s" % (r.returncode, r.stderr[-2000:])
    return r.stdout


def test_addressof_index_is_an_int_so_no_code_runs_before_the_address_is_read():
    # an index object whose __index__ released the array was read as an
    # offset from the released array's NULL address (then a SIGSEGV on use)
    out = run_child("""
        ffi.cdef("struct t { int z[100]; };")
        a = ffi.new("struct t[]", 100)
        class I:
            def __index__(self):
                ffi.release(a)
                gc.collect()
                return 99
        try:
            ffi.addressof(a, I()).z[0]
        except TypeError as e:
            print("TypeError", e)
        print(ffi.addressof(a, True) == a + 1)
    """)
    assert out.splitlines() == ["TypeError field name or array index expected", "True"]


def test_offsetof_index_is_an_int(ffi):
    index_one = type("IndexOne", (), {"__index__": lambda self: 1})()
    with pytest.raises(TypeError, match="field name or array index expected"):
        ffi.offsetof("int[10]", index_one)
    assert ffi.offsetof("int[10]", 3) == 12


def test_struct_initializer_dict_changed_by_a_value_conversion(ffi):
    # converting a field value runs its __int__, which empties the dict
    # being iterated: PyO3's dict iterator panicked (an uncatchable
    # PanicException); cffi raises KeyError from the mutated dict, rcffi
    # converts the items the dict had when it started
    ffi.cdef("struct s { int a, b, c; };")
    d = {}

    class I:
        def __int__(self):
            d.clear()
            d.update({"x%d" % i: i for i in range(100)})
            return 1
    d.update(a=I(), b=2, c=3)
    try:
        p = ffi.new("struct s *", d)
    except KeyError:
        assert IMPL_NAME == "cffi"
    else:
        assert (p.a, p.b, p.c) == (1, 2, 3)
    assert ffi.new("struct s *", {"b": 5}).b == 5


def test_bytes_too_large_to_allocate_are_a_memory_error(ffi):
    # the address is never read: CPython cannot allocate the bytes object
    # (PyO3's PyBytes::new panicked on its NULL)
    b = ffi.buffer(ffi.cast("char *", 1), 2 ** 62)
    with pytest.raises(MemoryError):
        b[:]
    with pytest.raises(MemoryError):
        bytes(b)
    with pytest.raises(MemoryError):
        ffi.unpack(ffi.cast("char *", 1), 2 ** 62)
    with pytest.raises(MemoryError):
        ffi.unpack(ffi.cast("int *", 4), 2 ** 62)


@rcffi_only
def test_wide_strings_too_large_to_allocate_are_a_memory_error():
    # rcffi allocates the units before reading them (cffi reads first and
    # crashes on this address); the allocation failed with a Rust abort
    out = run_child("""
        for t in ("char16_t *", "wchar_t *"):
            try:
                ffi.unpack(ffi.cast(t, 1), 2 ** 60)
            except MemoryError:
                print("MemoryError")
    """)
    assert out.split() == ["MemoryError", "MemoryError"]


def test_getwinerror_outside_windows_is_an_attribute_error(ffi):
    if sys.platform == "win32":
        pytest.skip("Windows has getwinerror")
    with pytest.raises(AttributeError):
        ffi.getwinerror()


def test_an_allocator_calling_itself_is_a_recursion_error():
    # the first error of the process fetched at the recursion limit: PyO3
    # made its PanicException type then, failed, and deadlocked fetching
    # that failure (the process hung)
    out = run_child("""
        import sys
        sys.setrecursionlimit(1000)
        alloc = ffi.new_allocator(lambda n: alloc("char[]", n), None)
        try:
            alloc("int[]", 5)
        except RecursionError:
            print("RecursionError")
    """)
    assert out.split() == ["RecursionError"]


def test_an_allocator_returning_a_function_pointer_is_a_type_error(ffi):
    cb = ffi.callback("int(int)", lambda x: x)
    alloc = ffi.new_allocator(lambda n: cb, None, should_clear_after_alloc=False)
    # rcffi wrote the zeroes or the initializer over the callback's code
    with pytest.raises(TypeError, match="alloc\\(\\) must return a cdata pointer, not 'int\\(\\*\\)\\(int\\)'"):
        alloc("int[]", 5)
    assert cb(7) == 7


@rcffi_only
def test_an_allocator_returning_a_handle_is_refused():
    # a handle's address is inside its own cdata object: clearing 20 bytes
    # there overwrote the object (cffi crashes)
    out = run_child("""
        h = ffi.new_handle([1])
        alloc = ffi.new_allocator(lambda n: h, None)
        try:
            alloc("int[]", 5)
        except ValueError as e:
            print("ValueError", e)
        try:
            ffi.memmove(h, b"x" * 16, 16)
        except ValueError as e:
            print("ValueError", e)
        print(ffi.from_handle(h))
    """)
    assert out.splitlines() == [
        "ValueError alloc() returned cdata 'void *' with room for 0 bytes, but 'int[]' needs 20",
        "ValueError ffi.memmove(): 16 bytes do not fit in the memory cdata 'void *' points into (0 bytes)",
        "[1]",
    ]


def test_cdata_types_are_not_acceptable_base_types(ffi):
    for base in (ffi.CData, type(ffi.new("int *")), type(ffi.cast("int", 0))):
        with pytest.raises(TypeError, match="not an acceptable base type"):
            type("X", (base,), {})
    # rcffi's own subtypes still work
    g = ffi.gc(ffi.new("int *", 3), lambda p: None)
    assert g[0] == 3 and isinstance(g, ffi.CData)


def test_iterating_an_array_reads_each_item_when_it_is_reached(ffi):
    a = ffi.new("int[]", [1, 2, 3])
    seen = []
    for x in a:
        a[2] = 99  # a store ahead of the loop is seen, as in cffi
        seen.append(x)
    assert seen == [1, 2, 99]
    it = iter(a)
    assert iter(it) is it and type(it).__name__ == "__CData_iterator"


def test_iterating_a_huge_array_reads_only_what_is_asked():
    # iter() read every item first: far past the 4 bytes that exist
    out = run_child("""
        keep = ffi.new("char[]", b"abc")
        arr = ffi.cast("char(*)[%d]" % 2 ** 62, keep)[0]
        print(next(iter(arr)))
        try:
            list(arr)
        except MemoryError:
            print("MemoryError")
    """)
    assert out.split() == ["b'a'", "MemoryError"]


def test_array_iterators_give_every_kind_of_item(ffi):
    ffi.cdef("struct itp { int x; };")
    points = ffi.new("struct itp[2]", [[1], [2]])
    views = list(points)          # records come back as views of the array
    views[1].x = 7
    assert points[1].x == 7
    assert [float(x) for x in ffi.new("double[]", [0.5, 1.5])] == [0.5, 1.5]
    assert [p == ffi.NULL for p in ffi.new("char *[2]")] == [True, True]
    assert list(ffi.new("char[]", b"ab")) == [b"a", b"b", b"\0"]
    with pytest.raises(TypeError):
        type(iter(points))()      # made only by iter(array)


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="cffi keeps reading the released memory "
                    "(docs/compat.md, `ffi.release(p)` then use of `p`)")
def test_an_array_iterator_stops_when_the_array_is_released(ffi):
    a = ffi.new("int[]", [1, 2, 3])
    it = iter(a)
    assert next(it) == 1
    ffi.release(a)                # the iterator holds the cdata, not its memory
    assert list(it) == []


@rcffi_only
def test_the_panic_exception_class_is_an_ordinary_exception_class():
    # rcffi makes PyO3's PanicException at import from a spec (not by
    # type()): its instances still carry a __dict__ and weak references,
    # die with their last reference (with their weak references' callbacks
    # run) and it can be subclassed, as the class type() made
    out = run_child("""
        import weakref
        P = next(c for c in BaseException.__subclasses__() if c.__name__ == "PanicException")
        T = type("PanicException", (BaseException,), {"__doc__": P.__doc__, "__module__": "pyo3_runtime"})
        print(P.__module__, P.__qualname__, P.__mro__[1:] == T.__mro__[1:], P.__doc__ == T.__doc__)
        # (from 3.12, type() keeps the weak reference list outside the
        # object, Py_TPFLAGS_MANAGED_WEAKREF: 8 bytes less, nothing else)
        managed = __import__("sys").version_info >= (3, 12)
        print(sorted(dir(P)) == sorted(dir(T)), P.__basicsize__ == T.__basicsize__ + 8 * managed)
        class Q(P):
            pass
        for cls in (P, Q):
            e = cls("boom")
            e.note = 1
            dead = []
            r = weakref.ref(e, lambda _: dead.append(1))
            print(e.__weakref__ is r, str(e), e.__dict__)
            before = sys.getrefcount(cls)
            del e
            print(r() is None, dead == [1], sys.getrefcount(cls) == before - 1)
            try:
                raise cls("x")
            except BaseException as caught:
                print(type(caught).__name__)
    """.replace("sys.getrefcount", "__import__('sys').getrefcount"))
    assert out.split("\n")[:2] == ["pyo3_runtime PanicException True True", "True True"]
    assert out.split("\n")[2:] == [
        "True boom {'note': 1}", "True True True", "PanicException",
        "True boom {'note': 1}", "True True True", "Q", "",
    ]
