"""What crosses between the parent and an isolated worker, and what is
refused (docs/isolation.md, "What crosses")."""

import errno as errno_mod
import os

import pytest

import rcffi


def test_the_parent_never_maps_the_library(risky_ffi, risky_path, tmp_path):
    if not os.path.exists("/proc/self/maps"):
        pytest.skip("no /proc/self/maps on this system to look at the parent's mappings")
    # a copy no other test loads in this process
    path = tmp_path / "libonly_in_the_worker.so"
    path.write_bytes(open(risky_path, "rb").read())
    lib = risky_ffi.dlopen(str(path), isolated=True)
    try:
        assert lib.add(1, 2) == 3
        assert path.name not in open("/proc/self/maps").read()
        pid = rcffi.isolation.worker_pid(lib)
        assert pid != os.getpid()
        assert path.name in open("/proc/%d/maps" % pid).read()
    finally:
        risky_ffi.dlclose(lib)


def test_integers_floats_chars_bools_enums(isolated):
    assert isolated.add(-7, 3) == -4
    assert isolated.mul64(1 << 40, 3) == 3 << 40
    assert isolated.next_byte(255) == 0
    assert isolated.scale(2.0, 1.5) == 3.0
    assert isolated.scale(2, 1) == 2.0  # ints accepted for floating parameters, as rcffi does
    assert isolated.is_even(4) is True
    assert isolated.is_even(3) is False
    assert isolated.first_char(b"xyz") == b"x"
    assert isolated.next_color(isolated.RED) == isolated.GREEN == 5
    assert isolated.next_color(5) == isolated.BLUE == 6


def test_bad_scalars_raise_what_rcffi_raises(isolated, risky_ffi):
    plain = risky_ffi.dlopen(None)
    with pytest.raises(TypeError, match="an integer is required"):
        isolated.add("x", 1)
    with pytest.raises(OverflowError, match="does not fit 'int'"):
        isolated.add(1 << 40, 1)
    with pytest.raises(TypeError, match=r"'int\(\*\)\(int, int\)' expects 2 arguments, got 1"):
        isolated.add(1)
    with pytest.raises(OverflowError):
        isolated.next_byte(256)
    with pytest.raises(TypeError):
        isolated.scale("x", 1.0)
    del plain
    # the worker is fine after refused arguments
    assert isolated.add(1, 1) == 2


def test_bytes_and_str_for_char_pointers(isolated):
    assert isolated.string_len(b"hello") == 5
    assert isolated.string_len("h\u00e9llo") == 6  # str crosses as UTF-8
    assert isolated.string_len(b"") == 0
    assert isolated.sum_bytes(bytes(range(10)), 10) == 45
    with pytest.raises(TypeError):
        isolated.fill_squares(b"abcd", 1)  # bytes only for 1-byte items and void *


def test_arrays_are_copied_in_and_back(isolated, risky_ffi):
    ffi = risky_ffi
    out = ffi.new("int[6]")
    assert isolated.fill_squares(out, 6) == 6
    assert list(out) == [0, 1, 4, 9, 16, 25]
    buf = ffi.new("unsigned char[]", b"\x00\x01\x02")
    isolated.invert(buf, 3)
    assert list(buf) == [255, 254, 253, 0]
    # a list is a temporary array: passed in, nothing to copy back into
    assert isolated.sum_bytes([1, 2, 3], 3) == 6


@pytest.mark.parametrize("timeout", [None, 10.0])
def test_frames_longer_than_one_read_cross_whole(risky_ffi, risky_path, timeout):
    # buffers under the shared-memory threshold travel inside the call and
    # reply frames; these are longer than the first read of a frame (4 KB)
    ffi = risky_ffi
    lib = ffi.dlopen(risky_path, isolated=True, timeout=timeout)
    try:
        for n in (4090, 4096, 5000, 20000):
            data = bytes(range(256)) * (n // 256) + bytes(n % 256)
            assert lib.sum_bytes(data, n) == sum(data)
            buf = ffi.new("unsigned char[]", data)
            lib.invert(buf, n)                       # copied in and back
            assert bytes(buf)[:n] == bytes(255 - b for b in data)
    finally:
        ffi.dlclose(lib)


def test_big_buffers_go_through_shared_memory(isolated, risky_ffi):
    ffi = risky_ffi
    n = 3 << 20
    big = ffi.new("unsigned char[]", n)
    big[0] = 1
    big[n - 1] = 2
    isolated.invert(big, n)
    assert (big[0], big[1], big[n - 1]) == (254, 255, 253)
    data = bytes([1]) * n
    assert isolated.sum_bytes(data, n) == n
    assert isolated.string_len(b"y" * n) == n  # NUL-terminated in the shared memory too
    sup = isolated._rcffi_isolated
    assert sup.shm.size >= n


def test_from_buffer_is_copied_back(isolated, risky_ffi):
    ba = bytearray(b"\x0f" * 100)
    isolated.invert(risky_ffi.from_buffer(ba), 100)
    assert ba == bytearray(b"\xf0" * 100)


def test_structs_by_value_and_by_pointer(isolated, risky_ffi):
    ffi = risky_ffi
    p = isolated.make_point(3, 4)
    assert ffi.typeof(p) is ffi.typeof("struct point")
    assert (p.x, p.y) == (3, 4)
    assert isolated.point_sum(p) == 7
    assert isolated.point_sum([1, 2]) == 3
    assert isolated.point_sum({"x": 5, "y": 6}) == 11
    pp = ffi.new("struct point *", [2, 3])
    isolated.point_scale(pp, 10)  # an out-parameter struct
    assert (pp.x, pp.y) == (20, 30)


def test_null_and_returned_pointers(isolated, risky_ffi):
    ffi = risky_ffi
    r = isolated.maybe_null(0)
    assert r == ffi.NULL and ffi.typeof(r) is ffi.typeof("void *")
    h = isolated.maybe_null(1)
    assert isinstance(h, rcffi.isolation.handles.WorkerPointer)
    assert h != ffi.NULL and bool(h)
    s = isolated.dup_upper(b"abc")
    assert s.string() == b"ABC"
    assert s.read(3) == b"ABC"
    isolated.free_string(s)


def test_opaque_handles_round_trip(isolated):
    c = isolated.counter_new(10)
    assert "struct counter *" in repr(c)
    assert isolated.counter_incr(c) == 11
    assert isolated.counter_incr(c) == 12
    isolated.counter_free(c)


def test_returned_function_pointer_is_a_handle(isolated):
    neg = isolated.get_negate()
    assert isolated.apply(neg, 5) == -5


def test_handle_type_is_checked(isolated):
    c = isolated.counter_new(1)
    with pytest.raises(TypeError, match="isolated pointer of type 'struct counter \\*' where 'char \\*'"):
        isolated.free_string(c)
    isolated.counter_free(c)


def test_handles_are_stale_after_a_restart(isolated):
    c = isolated.counter_new(1)
    rcffi.isolation.restart(isolated)
    assert not c.alive and "stale" in repr(c)
    with pytest.raises(rcffi.StaleHandleError, match="replaced"):
        isolated.counter_incr(c)
    with pytest.raises(rcffi.StaleHandleError):
        c.string()
    assert isinstance(rcffi.StaleHandleError("x"), ValueError)


def test_handles_of_another_library_are_refused(risky_ffi, risky_path, isolated):
    other = risky_ffi.dlopen(risky_path, isolated=True)
    try:
        c = other.counter_new(1)
        with pytest.raises(rcffi.StaleHandleError, match="another isolated library"):
            isolated.counter_incr(c)
    finally:
        risky_ffi.dlclose(other)


def test_errno_is_the_workers(isolated, risky_ffi):
    risky_ffi.errno = 0
    assert isolated.set_errno(errno_mod.ENOENT) == -1
    assert risky_ffi.errno == errno_mod.ENOENT
    assert isolated.set_errno(0) == 0
    assert risky_ffi.errno == 0


def test_errno_set_before_the_call_reaches_the_worker(isolated, risky_ffi):
    # rcffi restores ffi.errno into C's errno before a call; so does an isolated call
    risky_ffi.errno = errno_mod.EPERM
    assert isolated.add(1, 1) == 2
    assert risky_ffi.errno == errno_mod.EPERM


def test_globals(isolated, risky_ffi):
    assert isolated.global_counter == 7
    isolated.global_counter = 42
    assert isolated.global_counter == 42
    name = isolated.global_name
    assert name.string() == b"risky"
    with pytest.raises(TypeError, match="cannot write"):
        isolated.global_counter = [1]


def test_constants_come_from_the_cdef(isolated):
    assert (isolated.RED, isolated.GREEN, isolated.BLUE) == (0, 5, 6)


def test_callbacks_are_refused_naming_the_argument(isolated, risky_ffi):
    cb = risky_ffi.callback("int(int)", lambda x: x)
    with pytest.raises(TypeError, match=r"argument 1 of isolated apply\(\).*callbacks are not supported"):
        isolated.apply(cb, 1)


def test_typeof_an_isolated_function_is_its_function_pointer_type(isolated, risky_ffi, risky_path):
    ffi = risky_ffi
    assert ffi.typeof(isolated.twice) is ffi.typeof("int(*)(int)")
    assert ffi.typeof(isolated.twice) is ffi.typeof(ffi.dlopen(risky_path).twice)  # as for an ordinary lib


def test_a_function_of_the_same_isolated_library_passes_as_a_function_pointer(isolated, risky_ffi):
    assert isolated.apply(isolated.twice, 21) == 42   # the worker passes its own address of twice()
    with pytest.raises(TypeError, match=r"argument 1 of isolated apply\(\): cannot pass isolated function 'add' "
                                        r"of type 'int\(\*\)\(int, int\)' where 'int\(\*\)\(int\)' is expected"):
        isolated.apply(isolated.add, 1)


def test_a_function_of_the_same_isolated_library_after_a_restart(isolated, risky_ffi):
    import rcffi

    with pytest.raises(rcffi.NativeCrash):
        isolated.crash_segv(1)
    assert isolated.apply(isolated.twice, 5) == 10    # bound again in the new worker


def test_a_function_of_another_isolated_library_is_refused(isolated, risky_ffi, risky_path):
    other = risky_ffi.dlopen(risky_path, isolated=True, timeout=10.0)
    try:
        with pytest.raises(TypeError, match=r"argument 1 of isolated apply\(\): isolated function 'twice' "
                                            r"belongs to another isolated library"):
            isolated.apply(other.twice, 1)
    finally:
        risky_ffi.dlclose(other)


def test_isolated_functions_have_no_address_here(isolated, risky_ffi):
    ffi = risky_ffi
    no_address = r"isolated function 'twice' lives in the worker process and has no address in this one"
    with pytest.raises(TypeError, match=no_address):
        ffi.cast("int(*)(int)", isolated.twice)
    with pytest.raises(TypeError, match=no_address):
        ffi.cast("void *", isolated.twice)
    with pytest.raises(TypeError, match=no_address):
        ffi.addressof(isolated.twice)
    with pytest.raises(TypeError, match=r"ffi.addressof\(lib, 'twice'\): lib is isolated"):
        ffi.addressof(isolated, "twice")
    with pytest.raises(TypeError, match=r"ffi.addressof\(lib, 'global_counter'\): lib is isolated"):
        ffi.addressof(isolated, "global_counter")


def test_variadic_functions_are_refused(isolated):
    with pytest.raises(TypeError, match="variadic function 'printf_like'"):
        isolated.printf_like(b"%d")


def test_memory_holding_pointers_is_refused(isolated, risky_ffi):
    n = risky_ffi.new("struct named *")
    with pytest.raises(TypeError, match=r"argument 1 of isolated named_id\(\): 'struct named' contains pointers"):
        isolated.named_id(n)


def test_unknown_pointee_size_is_refused(isolated, risky_ffi):
    p = risky_ffi.cast("void *", 1234)
    with pytest.raises(TypeError, match="size of what a 'void \\*' points to is unknown"):
        isolated.sum_bytes(p, 1)


def test_missing_symbol_is_attribute_error_at_access(risky_ffi, risky_path):
    risky_ffi.cdef("int not_in_the_library(int);")
    lib = risky_ffi.dlopen(risky_path, isolated=True)
    try:
        with pytest.raises(AttributeError, match="not_in_the_library"):
            lib.not_in_the_library
        with pytest.raises(AttributeError):
            lib.not_declared_at_all
    finally:
        risky_ffi.dlclose(lib)


def test_cdef_after_dlopen_reaches_the_worker(isolated, risky_ffi):
    risky_ffi.cdef("int abs(int);")  # in libc, which the worker's library links
    assert isolated.abs(-3) == 3


def test_library_that_cannot_load_is_oserror(risky_ffi, tmp_path):
    with pytest.raises(OSError, match="cannot load library"):
        risky_ffi.dlopen(str(tmp_path / "libnope.so"), isolated=True)


def test_dlopen_keywords_need_isolated(risky_ffi, risky_path):
    with pytest.raises(TypeError, match="timeout only with isolated=True"):
        risky_ffi.dlopen(risky_path, timeout=1.0)
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        risky_ffi.dlopen(risky_path, isolated=True, timeout=-1)


def test_dlclose(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path, isolated=True)
    f = lib.add
    pid = rcffi.isolation.worker_pid(lib)
    risky_ffi.dlclose(lib)
    with pytest.raises(ValueError, match="closed"):
        f(1, 2)
    with pytest.raises(ValueError, match="closed"):
        lib.add(1, 2)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # exited and reaped


def test_same_cdef_ordinary_and_isolated(risky_ffi, risky_path):
    plain = risky_ffi.dlopen(risky_path)
    iso = risky_ffi.dlopen(risky_path, isolated=True)
    try:
        assert plain.add(2, 5) == iso.add(2, 5) == 7
        assert dir(plain) == dir(iso)
    finally:
        risky_ffi.dlclose(iso)
