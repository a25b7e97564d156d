"""The ABI-mode examples of the user's brief (/work/shared/seeds/*.txt),
turned into tests.  Each test names the seed it comes from.

Where a seed relies on a library that does not exist ("libpacket.so",
"my_point_library.so", "libfoo"), the same calls are made against the
compiled tests/clib/testlib.c, which provides functions of the same shape.
"""

import gc
import math
import time

import pytest

from conftest import cffi_impl


# ------------------------------------------------------------------ seed 002

def test_seed002_time_called_through_dlopen_none():
    ffi = cffi_impl.FFI()
    ffi.cdef("""
        long time(long *tloc);
    """)
    C = ffi.dlopen(None)
    current_time = C.time(ffi.NULL)
    assert isinstance(current_time, int)
    assert abs(current_time - time.time()) < 3600


def test_seed002_time_with_out_parameter():
    ffi = cffi_impl.FFI()
    ffi.cdef("long time(long *tloc);")
    C = ffi.dlopen(None)
    out = ffi.new("long *")
    r = C.time(out)
    assert out[0] == r


def test_seed002_point_struct_allocated_and_initialised():
    ffi = cffi_impl.FFI()
    ffi.cdef("""
        typedef struct { int x; int y; } Point;
    """)
    point = ffi.new("Point *", [10, 20])
    assert (point.x, point.y) == (10, 20)
    assert repr(point) == "<cdata 'Point *' owning 8 bytes>"


def test_seed002_c_allocated_struct_freed_by_ffi_gc(ffi, lib):
    # seed: point_ptr = C.create_point(5, 15); wrapped = ffi.gc(point_ptr, C.free_point)
    before = lib.tl_pairs_alive()
    point_ptr = lib.tl_pair_new(5, 15)
    wrapped_ptr = ffi.gc(point_ptr, lib.tl_pair_free)
    assert wrapped_ptr.a == 5 and wrapped_ptr.b == 15
    assert lib.tl_pairs_alive() == before + 1
    del point_ptr, wrapped_ptr
    gc.collect()
    assert lib.tl_pairs_alive() == before


def test_seed002_dlopen_before_cdef_then_cdef_is_seen(ffi, testlib_path):
    # the seed calls ffi.dlopen() first and ffi.cdef() afterwards
    C = ffi.dlopen(testlib_path)
    ffi.cdef("""
        struct tl_pair { int a; int b; };
        struct tl_pair *tl_pair_new(int a, int b);
        void tl_pair_free(struct tl_pair *p);
    """)
    p = ffi.gc(C.tl_pair_new(5, 15), C.tl_pair_free)
    assert p.a == 5


def test_seed002_opaque_struct_fields_cannot_be_read(ffi):
    # the seed declares "typedef struct Point Point;" (opaque) and then
    # reads wrapped_ptr.x: cffi refuses
    ffi.cdef("typedef struct Point Point;")
    p = ffi.cast("Point *", 0x1000)
    with pytest.raises(AttributeError, match="cdata 'Point \\*' points to an opaque type: cannot read fields"):
        p.x


def test_seed002_bytes_passed_for_const_char_pointer(lib):
    assert lib.tl_strlen(b"my string") == 9


def test_seed002_char_array_is_mutable_buffer(ffi, lib):
    buf = ffi.new("char[]", b"my string")
    lib.tl_upper(buf)
    assert ffi.string(buf) == b"MY STRING"


# ------------------------------------------------------------------ seed 003

def test_seed003_recipe1_sqrt_from_libm():
    ffi = cffi_impl.FFI()
    ffi.cdef("double sqrt(double x);")
    libm = ffi.dlopen("m")
    assert libm.sqrt(2.0) == 1.4142135623730951
    assert repr(libm.sqrt(2.0)) == "1.4142135623730951"


def test_seed003_recipe5_reinterpret_char_buffer_as_uint8():
    ffi = cffi_impl.FFI()
    buf = ffi.new("char[16]", b"\x01\x02\x03\x04")
    as_u8 = ffi.cast("uint8_t *", buf)
    assert [as_u8[i] for i in range(4)] == [1, 2, 3, 4]
    assert [as_u8[i] for i in range(4, 16)] == [0] * 12


def test_seed003_recipe5_write_through_uint8_view(ffi):
    buf = ffi.new("char[16]", b"\x01\x02\x03\x04")
    as_u8 = ffi.cast("uint8_t *", buf)
    as_u8[0] = 0xFF
    assert buf[0] == b"\xff"


def test_seed003_recipe4_greet_string_abi_mode(ffi, lib):
    assert ffi.string(lib.tl_greet()).decode() == "Hello, Alice Dev"


def test_seed003_faq_python_list_to_int_pointer(ffi, lib):
    arr = ffi.new("int[]", [1, 2, 3, 4])
    assert lib.tl_sum_array(arr, 4) == 10
    assert list(arr) == [1, 2, 3, 4]


def test_seed003_gotcha_str_initialiser_for_char_array_raises_typeerror(ffi):
    assert ffi.string(ffi.new("char[]", b"hello")) == b"hello"
    with pytest.raises(TypeError):
        ffi.new("char[]", "hello")


def test_seed003_gotcha_string_reads_until_nul_buffer_reads_n(ffi):
    p = ffi.new("char[]", b"ab\x00cd")
    assert ffi.string(p) == b"ab"
    assert bytes(ffi.buffer(p, 5)) == b"ab\x00cd"


def test_seed003_security_nul_byte_truncates_string(ffi):
    assert ffi.string(ffi.new("char[]", b"user\x00admin")) == b"user"


def test_seed003_cdata_returned_from_function_stays_alive(ffi):
    def get_pointer():
        buf = ffi.new("char[64]", b"data")
        return buf
    ptr = get_pointer()
    gc.collect()
    assert ffi.string(ptr) == b"data"


def test_seed003_keep_reference_while_c_holds_pointer(ffi, lib):
    ctx = ffi.new("int *", 1234)
    lib.tl_store(ctx)
    gc.collect()
    assert lib.tl_load() == 1234
    ctx[0] = 4321
    assert lib.tl_load() == 4321
    lib.tl_store(ffi.NULL)


def test_seed003_ffi_gc_runs_library_free_function(ffi, lib):
    before = lib.tl_blobs_alive()
    raw = lib.tl_make_blob(b"payload")
    managed = ffi.gc(raw, lib.tl_free_blob)
    assert ffi.string(managed) == b"payload"
    del raw, managed
    gc.collect()
    assert lib.tl_blobs_alive() == before


def test_seed003_faq_errno_read_right_after_call(ffi, lib):
    lib.tl_set_errno(34)
    assert ffi.errno == 34


def test_seed003_faq_callback_keeps_running_with_python_state(ffi, lib):
    calls = []

    @ffi.callback("int(int, int)")
    def cb(a, b):
        calls.append((a, b))
        return a + b

    assert lib.apply(cb, 2, 3) == 5
    assert calls == [(2, 3)]


def test_seed003_troubleshooting_callback_exception_returns_sentinel(ffi, lib, monkeypatch):
    # the cheat sheet claims a RuntimeError; what cffi actually does is report
    # the exception (sys.unraisablehook) and return the error= value to C
    seen = []
    monkeypatch.setattr("sys.unraisablehook", seen.append)

    def bad(a, b):
        raise RuntimeError("function not implemented")

    cb = ffi.callback("int(int, int)", bad, error=-1)
    assert lib.apply(cb, 1, 2) == -1
    assert [u.exc_type for u in seen] == [RuntimeError]


def test_seed003_troubleshooting_undefined_symbol(ffi, testlib_path):
    ffi.cdef("int foo_compute(const char *input, int length);")
    lib = ffi.dlopen(testlib_path)
    with pytest.raises(AttributeError, match="undefined symbol: foo_compute"):
        lib.foo_compute(b"x", 1)


def test_seed003_troubleshooting_cannot_load_library(ffi):
    with pytest.raises(OSError, match="cannot load library"):
        ffi.dlopen("/no/such/dir/libfoo.so")


def test_seed003_troubleshooting_cdef_include_is_cdef_error(ffi):
    with pytest.raises(cffi_impl.CDefError):
        ffi.cdef("#include <stdio.h>\nint foo_compute(const char *input, int length);")


def test_seed003_wrapper_encodes_text_before_crossing_boundary(ffi, lib):
    def compute(text):
        encoded = text.encode("utf-8")
        return lib.tl_strlen(encoded)
    assert compute("h\u00e9llo") == 6


# ------------------------------------------------------------------ seed 000

def test_seed000_parse_packet_declared_and_called(ffi, lib):
    assert lib.parse_packet(b"\xab\x01\x02", 3) == 3


def test_seed000_pattern_a_python_allocates_c_reads(ffi, lib):
    buf = ffi.new("char[]", b"hello")
    assert lib.tl_strlen(buf) == 5
    assert ffi.string(buf) == b"hello"


def test_seed000_pattern_b_c_allocates_python_frees_via_api(ffi, lib):
    before = lib.tl_blobs_alive()
    ptr = lib.tl_make_blob(b"blob-data")
    try:
        data = ffi.string(ptr)
    finally:
        lib.tl_free_blob(ptr)
    assert data == b"blob-data"
    assert lib.tl_blobs_alive() == before


def test_seed000_pattern_c_destructor_attached_with_ffi_gc(ffi, lib):
    before = lib.tl_blobs_alive()
    ptr = ffi.gc(lib.tl_make_blob(b"x"), lib.tl_free_blob)
    assert lib.tl_blobs_alive() == before + 1
    ffi.release(ptr)          # explicit lifetime, as the seed recommends
    assert lib.tl_blobs_alive() == before


def test_seed000_error_translation_layer(ffi, lib):
    class NativeParseError(Exception):
        pass

    def parse(data):
        rc = lib.parse_packet(data, len(data))
        if rc < 0:
            msg = ffi.string(lib.last_error()).decode("utf-8")
            raise NativeParseError(msg)
        return rc

    assert parse(b"\xab\x05\x06") == 11
    with pytest.raises(NativeParseError, match="packet too short"):
        parse(b"\xab")
    with pytest.raises(NativeParseError, match="bad magic byte"):
        parse(b"\x00\x01")


def test_seed000_contract_numeric_edge_cases(lib):
    assert lib.tl_int(-2**31) == -2**31 + 1
    assert lib.tl_u64(2**64 - 2) == 2**64 - 1
    with pytest.raises(OverflowError):
        lib.tl_int(2**31)


def test_seed000_contract_null_pointer_behaviour(ffi, lib):
    assert lib.tl_strlen(ffi.NULL) == -1
    assert lib.tl_null_string() == ffi.NULL


def test_seed000_size_t_vs_int_declaration(ffi, lib):
    big = 2**40
    assert lib.tl_size(big) == big + 1
    with pytest.raises(OverflowError):
        lib.tl_int(big)


def test_seed000_sizes_and_alignment_inspection(ffi):
    ffi.cdef("struct packet_hdr { unsigned char magic; unsigned int len; };")
    assert ffi.sizeof("struct packet_hdr") == 8
    assert ffi.alignof("struct packet_hdr") == 4


def test_seed000_batch_array_instead_of_many_calls(ffi, lib):
    values = list(range(100))
    arr = ffi.new("int[]", values)
    assert lib.tl_sum_array(arr, len(values)) == sum(values)


def test_seed000_from_buffer_zero_copy(ffi, lib):
    data = bytearray(b"\xab\x01\x02\x03")
    assert lib.parse_packet(ffi.from_buffer(data), len(data)) == 6


# ------------------------------------------------------------------ seed 001

@pytest.fixture
def seed001_libc():
    ffi = cffi_impl.FFI()
    ffi.cdef(
        """
        typedef int (*cmp_fn)(const void *a, const void *b);
        void qsort(void *base, size_t nmemb, size_t size, cmp_fn compar);
        // We will also use malloc and free to show ffi.gc
        void *malloc(size_t size);
        void free(void *ptr);
        """
    )
    return ffi, ffi.dlopen("libc.so.6")


def test_seed001_example_b_qsort_with_python_comparator(seed001_libc):
    ffi, libc = seed001_libc
    N = 10
    arr = ffi.new("int[]", [7, 1, 2, 9, 5, 3, 8, 4, 6, 0])

    @ffi.callback("int(const void *, const void *)")
    def cmp(a, b):
        ia = ffi.cast("const int *", a)[0]
        ib = ffi.cast("const int *", b)[0]
        return -1 if ia < ib else (1 if ia > ib else 0)

    libc.qsort(arr, N, ffi.sizeof("int"), cmp)
    assert [arr[i] for i in range(N)] == list(range(10))


def test_seed001_example_b_malloc_with_ffi_gc_and_unsigned_char_view(seed001_libc):
    ffi, libc = seed001_libc
    nbytes = 1024
    raw = libc.malloc(nbytes)
    buf = ffi.gc(raw, libc.free)
    p = ffi.cast("unsigned char *", buf)
    for i in range(nbytes):
        p[i] = i % 256
    assert (int(p[0]), int(p[255])) == (0, 255)
    assert int(p[256]) == 0 and int(p[1023]) == 255
    assert bytes(ffi.buffer(p, 4)) == b"\x00\x01\x02\x03"


def test_seed001_callback_type_via_typedef(seed001_libc):
    ffi, _ = seed001_libc
    t = ffi.typeof("cmp_fn")
    assert t.kind == "function"
    assert t.cname == "int(*)(void *, void *)"


def test_seed001_exact_width_types(ffi):
    assert ffi.sizeof("uint32_t") == 4
    assert ffi.sizeof("int64_t") == 8
    assert ffi.sizeof("size_t") == ffi.sizeof("ssize_t") == ffi.sizeof("void *")


def test_seed001_output_buffer_allocated_by_python(ffi, lib):
    out = ffi.new("int[]", 8)
    lib.tl_fill(out, 8, 100)
    assert list(out) == list(range(100, 108))


def test_seed001_pointer_integer_value_for_debugging(ffi):
    p = ffi.new("int[4]")
    addr = int(ffi.cast("uintptr_t", p))
    assert addr != 0
    assert int(ffi.cast("uintptr_t", p + 1)) == addr + 4


# ------------------------------------------ seed 001: zlib example in cffi

@pytest.fixture
def zlib():
    ffi = cffi_impl.FFI()
    ffi.cdef("""
        typedef unsigned char Bytef;
        typedef unsigned long uLong;
        typedef uLong uLongf;
        int compress2(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen, int level);
        uLong compressBound(uLong sourceLen);
        int uncompress(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen);
    """)
    return ffi, ffi.dlopen("z")


Z_OK = 0
Z_BUF_ERROR = -5
Z_DATA_ERROR = -3


class ZlibError(RuntimeError):
    pass


def zlib_compress(ffi, z, data, level=6):
    dest_cap = z.compressBound(len(data))
    dest = ffi.new("Bytef[]", dest_cap)
    dest_len = ffi.new("uLongf *", dest_cap)
    rc = z.compress2(dest, dest_len, data, len(data), level)
    if rc != Z_OK:
        raise ZlibError("compress2 failed with code %d" % rc)
    return bytes(ffi.buffer(dest, dest_len[0]))


def zlib_uncompress(ffi, z, data, expected_size=None):
    cap = expected_size or max(64, len(data) * 4)
    for _ in range(6):
        dest = ffi.new("Bytef[]", cap)
        dest_len = ffi.new("uLongf *", cap)
        rc = z.uncompress(dest, dest_len, data, len(data))
        if rc == Z_OK:
            return ffi.unpack(ffi.cast("char *", dest), dest_len[0])
        if rc != Z_BUF_ERROR:
            raise ZlibError("uncompress failed with code %d" % rc)
        cap *= 2
    raise ZlibError("uncompress ran out of attempts to grow buffer")


def test_seed001_zlib_round_trip(zlib):
    ffi, z = zlib
    blob = b"ffi " * 1000
    compressed = zlib_compress(ffi, z, blob, level=6)
    assert len(compressed) < len(blob)
    assert zlib_uncompress(ffi, z, compressed, expected_size=len(blob)) == blob


def test_seed001_zlib_output_matches_python_zlib(zlib):
    import zlib as pyzlib
    ffi, z = zlib
    blob = b"hello hello hello hello"
    assert pyzlib.decompress(zlib_compress(ffi, z, blob)) == blob
    assert zlib_uncompress(ffi, z, pyzlib.compress(blob)) == blob


def test_seed001_zlib_grows_buffer_on_buf_error(zlib):
    ffi, z = zlib
    blob = bytes(range(256)) * 64
    compressed = zlib_compress(ffi, z, blob)
    assert len(blob) == 16384
    assert zlib_uncompress(ffi, z, compressed, expected_size=1024) == blob


def test_seed001_zlib_corrupt_input_is_translated_to_exception(zlib):
    ffi, z = zlib
    with pytest.raises(ZlibError, match="code -3"):
        zlib_uncompress(ffi, z, b"this is not zlib data", expected_size=100)


def test_seed001_zlib_compress_bound_is_ulong(zlib):
    ffi, z = zlib
    assert z.compressBound(1000) >= 1000
    assert ffi.typeof(z.compressBound).result is ffi.typeof("unsigned long")
