"""Bugs found by a static audit of the PyO3 crate's `unsafe` blocks: an
invariant a SAFETY comment (or its absence) took for granted, broken from
pure Python. Each crash case runs in a subprocess, so that a crash fails
the test instead of the test run."""

import subprocess
import sys
import textwrap

import pytest

from conftest import IMPL_NAME


def run(code):
    """Run `code` (with `ffi_mod` imported as the implementation under
    test) in a fresh interpreter; its stdout, or a failure naming the crash."""
    prelude = "import %s as ffi_mod\n" % IMPL_NAME
    r = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "rc=%d\n%s%s" % (r.returncode, r.stdout, r.stderr[-3000:])
    return r.stdout


def test_a_gc_function_pointer_released_by_an_argument_is_still_called():
    # call.rs read the function's address after converting the arguments;
    # `__index__` released the `ffi.gc()` function pointer in between, whose
    # address then read as NULL: a call to address 0 (SIGSEGV). Its hold
    # keeps the destructor until the call returned, as in cffi
    out = run("""
        ffi = ffi_mod.FFI()
        ffi.cdef("int abs(int); double fabs(double);")
        lib = ffi.dlopen(None)
        ran = []
        f = ffi.gc(ffi.cast("int(*)(int)", lib.abs), ran.append)
        class Index:
            def __index__(self):
                ffi.release(f)
                return -5
            __int__ = __index__  # what cffi takes
        print(f(Index()), len(ran))
        g = ffi.gc(ffi.cast("double(*)(double)", lib.fabs), ran.append)
        class Float:
            def __float__(self):
                ffi.release(g)
                return -2.5
        print(g(Float()), len(ran))
    """)
    assert out.split() == ["5", "1", "2.5", "2"]


VALUE_OPS = ["int(g)", "float(g)", "bool(g)", "g == 1", "repr(g)[:10]",
             "ffi.cast('int', g)", "ffi.new('int *', g)[0]", "lib.abs(g)"]


@pytest.mark.parametrize("ctype", ["int", "double", "char", "_Bool", "wchar_t", "long double"])
def test_a_released_gc_of_a_value_still_reads_its_value(ctype):
    # ffi.release() of an `ffi.gc()` of a primitive nulled its data
    # pointer, as for memory: every read of the value (int(), ==, hash,
    # repr, a conversion) then read address 0 (SIGSEGV). Now, as in cffi,
    # the destructor runs at once and the value stays
    out = run("""
        ffi = ffi_mod.FFI()
        ffi.cdef("int abs(int);")
        lib = ffi.dlopen(None)
        ran = []
        g = ffi.gc(ffi.cast(%r, 1), ran.append)
        ffi.release(g)
        ffi.release(g)
        print(len(ran))
        for op in %r:
            try:
                print(op, repr(eval(op)))
            except Exception as e:
                print(op, type(e).__name__)
        hash(g) if %r != "long double" else None
        print("done")
    """ % (ctype, VALUE_OPS, ctype))
    lines = out.splitlines()
    assert lines[0] == "1"  # the destructor ran once
    assert lines[-1] == "done"
    assert "int(g) 1" in lines
    assert "bool(g) True" in lines


def test_a_released_gc_of_a_struct_is_still_passed_by_value():
    # the same for a struct by value: passing it read its bytes from NULL
    out = run("""
        ffi = ffi_mod.FFI()
        ffi.cdef("struct in_addr { uint32_t s_addr; }; char *inet_ntoa(struct in_addr);")
        lib = ffi.dlopen(None)
        s = ffi.new("struct in_addr *", [0x0100007f])[0]
        ran = []
        g = ffi.gc(s, ran.append)
        ffi.release(g)
        print(ffi.string(lib.inet_ntoa(g)).decode(), g.s_addr == 0x0100007f, len(ran))
    """)
    assert out.split() == ["127.0.0.1", "True", "1"]


@pytest.mark.parametrize("ctype", ["int[4611686018427387905]", "long long[2305843009213693953]"])
def test_from_buffer_of_an_array_type_too_large_to_measure(ffi, ctype):
    # buffer.rs multiplied length by item size unchecked: wrapped around,
    # `int[2**62 + 1]` passed the "buffer is too small" check over 16 bytes
    # and read and wrote far outside them (a panic in debug builds)
    ba = bytearray(16)
    with pytest.raises(OverflowError):
        ffi.from_buffer(ctype, ba)
    ba.append(0)  # no buffer export was left behind


def test_assigning_an_open_array_global_copies_what_was_given():
    # lib_obj.rs measured the array to copy with `ffi.sizeof()` through
    # Python: an FFI subclass's `sizeof` decided how many bytes were
    # copied into the global (1 GiB out of a 1-item array: SIGSEGV)
    out = run("""
        class MyFFI(ffi_mod.FFI):
            def sizeof(self, x):
                return 1 << 30
        ffi = MyFFI()
        ffi.cdef("extern char *environ[];")
        lib = ffi.dlopen(None)
        first = lib.environ[0]
        lib.environ = [first]
        print(lib.environ[0] == first)
    """)
    assert out.split() == ["True"]


def test_a_file_argument_stays_open_while_c_uses_it(tmp_path):
    # a Python file passed as `FILE *` is a FILE kept on the file object;
    # a later argument's `__index__` removed it (fclose) after the FILE *
    # was taken, and C then used a closed FILE (cffi aborts here: "free():
    # invalid pointer"). The call now keeps it open until it returns
    attr = "__rcffi_FILE" if IMPL_NAME == "rcffi" else "__cffi_FILE"
    if IMPL_NAME == "cffi":
        pytest.skip("cffi crashes here (a closed FILE used by C)")
    out = run("""
        ffi = ffi_mod.FFI()
        ffi.cdef("int fseek(FILE *, long, int); long ftell(FILE *);")
        lib = ffi.dlopen(None)
        f = open(%r, "w")
        f.write("0123456789")
        class Offset:
            def __index__(self):
                if hasattr(f, %r):
                    delattr(f, %r)
                import gc; gc.collect()
                Offset.junk = [bytearray(b"\\xff" * 400) for _ in range(200)]
                return 3
            __int__ = __index__
        print([lib.fseek(f, Offset(), 0) for i in range(3)])
    """ % (str(tmp_path / "f.txt"), attr, attr))
    assert out.split() == ["[0,", "0,", "0]"]


def test_a_view_writes_its_flexible_array_after_the_root_was_released(ffi):
    # room_at() measured the room left from the root's address, which
    # reads NULL once released: the view that keeps the memory then had
    # no room, and its flexible array member refused any item
    ffi.cdef("struct s { int n; int arr[]; };")
    p = ffi.new("struct s *", {"n": 3, "arr": [1, 2, 3]})
    v = p[0]
    a = v.arr
    ffi.release(p)
    v.arr = [4, 5, 6]
    assert list(a) == [4, 5, 6]
    assert len(v.arr) == 3  # still the allocated length


GC_AT_ALLOCATION = """
    import gc
    ffi = ffi_mod.FFI()
    ffi.cdef("struct v { int n; struct { int x, y; } inner[3]; int arr[]; };")
    p = ffi.from_buffer(%r, bytearray(1 << 22))
    class Releaser:
        def __del__(self):
            ffi.release(p)
    gc.collect()
    gc.disable()
    r = Releaser()
    r.self = r
    del r  # garbage with a __del__, for the next collection
    # a collection at the j-th tracked allocation from here
    gc.set_threshold(gc.get_count()[0] + %d)
    gc.enable()
    try:
        q = %s
        gc.set_threshold(700)
        print(%s)
    except RuntimeError as e:
        gc.set_threshold(700)
        print("RuntimeError", "released" in str(e))
"""


@pytest.mark.parametrize("j", range(8))
@pytest.mark.parametrize("ctype, op, use", [
    ("struct v[]", "p + 1", "q[0].n"),                 # slots.rs pointer_offset
    ("struct v *", "p[0:2]", "q[1].n"),                # slots.rs get_slice
    ("struct v *", "p.arr", "q[5]"),                   # slots.rs getattro, read_var_array
    ("int[]", "ffi.unpack(p, 10)", "q[9]"),            # strings.rs: the list
    ("int(*)[]", "p[0]", "q[5]"),                      # convert::read_in: an open array's pointer type
    ("unsigned short[]", "ffi.addressof(p, 3)", "q[0]"),  # ffi_obj.rs: the pointer type
])
def test_a_release_by_a_collection_inside_the_operation(ctype, op, use, j):
    # Each operation read the cdata's address, then allocated (a ctype, a
    # list), which can start a collection whose `__del__` releases the
    # cdata (its 4 MiB buffer is given back), then made the result from
    # the address read before: a view at NULL + offset holding nothing,
    # or a read of the given-back memory (SIGSEGV; cffi crashes on the
    # slice too). The address is now read after every allocation, and the
    # release is seen. `j` moves the collection through the operation
    if IMPL_NAME == "cffi":
        pytest.skip("cffi reads the given-back buffer (it crashes on the slice)")
    out = run(GC_AT_ALLOCATION % (ctype, j, op, use))
    assert out.strip() in ("RuntimeError True", "0")


def test_an_allocator_keeps_the_buffer_its_alloc_returned():
    # an allocator's cdata points into what alloc() returned; when that was
    # an `ffi.from_buffer()` cdata, releasing it gave the buffer back (and
    # the bytearray died) under the allocator's cdata, which then read and
    # wrote freed memory (SIGSEGV; cffi crashes too). The allocator's cdata
    # now holds that memory, as a view does: the release waits for it
    if IMPL_NAME == "cffi":
        pytest.skip("cffi gives the buffer back under the allocator's cdata (it crashes)")
    out = run("""
        import gc
        ffi = ffi_mod.FFI()
        bufs = []
        def alloc(n):
            b = ffi.from_buffer(bytearray(1 << 22))  # only the view holds the bytearray
            bufs.append(b)
            return b
        new = ffi.new_allocator(alloc, None, should_clear_after_alloc=False)
        p = new("int[1048576]")
        p[0] = 42
        ffi.release(bufs[0])
        bufs.clear()
        gc.collect()
        junk = [bytes(1 << 22) for _ in range(4)]
        p[1000] = 7
        print(p[0], p[1000])
        del p
        gc.collect()
        print("ok")
    """)
    assert out.split() == ["42", "7", "ok"]


def test_a_released_array_given_as_an_initializer_raises(ffi):
    # a released array reads as empty at NULL: given as the initializer of
    # an array of its type it copied nothing (silently zeros: cffi copies
    # its items), and ptr::copy was handed NULL
    ffi.cdef("struct s { int x[3]; };")
    b = ffi.new("int[3]", [1, 2, 3])
    ffi.release(b)
    p = ffi.new("struct s *")
    a = ffi.new("int[3]")
    if IMPL_NAME == "cffi":
        assert list(ffi.new("int[3]", b)) == [1, 2, 3]
        return
    for store in (lambda: ffi.new("int[3]", b), lambda: ffi.new("struct s *", {"x": b}),
                  lambda: setattr(p, "x", b), lambda: a.__setitem__(slice(0, 3), b)):
        with pytest.raises(RuntimeError, match="was released"):
            store()


def test_a_destructor_detached_by_gc_none_may_release_its_cdata_in_its_del():
    # ffi.gc(p, None) dropped the old destructor while it still held the
    # cdata's owner borrowed: the destructor's `__del__` released `p`,
    # whose owner still named the destructor being freed, so it was called
    # and freed a second time (a use after free), and the detach then
    # wrote into the owner that replaced it
    out = run("""
        import gc
        ffi = ffi_mod.FFI()
        ffi.cdef("void *malloc(size_t); void free(void *);")
        lib = ffi.dlopen(None)
        calls = []
        class Destructor:
            def __call__(self, x):
                calls.append("called")
            def __del__(self):
                ffi.release(q)
                calls.append("del")
        q = ffi.gc(ffi.cast("int *", lib.malloc(16)), Destructor())
        ffi.gc(q, None)
        gc.collect()
        print(" ".join(calls) or "-")
        del q
        gc.collect()
        print("ok")
    """)
    assert out.split() == ["del", "ok"]
