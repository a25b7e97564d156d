"""zlib.h read with ffi.cdef_header(), libz called through ffi.dlopen("z")."""

import ctypes.util
import os
import zlib as py_zlib

import pytest

HAVE_ZLIB = os.path.exists("/usr/include/zlib.h") and ctypes.util.find_library("z") is not None
pytestmark = pytest.mark.skipif(not HAVE_ZLIB, reason="zlib.h or libz not installed")


@pytest.fixture
def z(hffi):
    hffi.cdef_header("zlib.h")
    return hffi, hffi.dlopen("z")


def test_compress_uncompress_round_trip(z):
    ffi, lib = z
    data = b"rcffi reads real headers " * 200
    bound = lib.compressBound(len(data))
    dest = ffi.new("Bytef[]", bound)
    dest_len = ffi.new("uLongf *", bound)
    assert lib.compress(dest, dest_len, data, len(data)) == lib.Z_OK
    compressed = ffi.buffer(dest, dest_len[0])[:]
    assert len(compressed) < len(data)
    assert py_zlib.decompress(compressed) == data  # a real zlib stream

    out = ffi.new("unsigned char[]", len(data))
    out_len = ffi.new("uLongf *", len(data))
    assert lib.uncompress(out, out_len, dest, dest_len[0]) == lib.Z_OK
    assert out_len[0] == len(data)
    assert ffi.buffer(out, out_len[0])[:] == data


def test_uncompress_error_code(z):
    ffi, lib = z
    out = ffi.new("unsigned char[16]")
    out_len = ffi.new("uLongf *", 16)
    assert lib.uncompress(out, out_len, b"not zlib data", 13) == lib.Z_DATA_ERROR


def test_constants(z, gcc_probe):
    ffi, lib = z
    names = ["Z_OK", "Z_STREAM_END", "Z_DATA_ERROR", "Z_BUF_ERROR", "Z_DEFAULT_COMPRESSION",
             "Z_BEST_COMPRESSION", "Z_FINISH", "Z_DEFLATED", "ZLIB_VERNUM", "MAX_WBITS", "MAX_MEM_LEVEL"]
    expected = gcc_probe("#include <zlib.h>", names)
    assert [getattr(lib, n) for n in names] == expected
    assert [ffi.integer_const(n) for n in names] == expected
    assert lib.Z_OK == 0 and lib.Z_DEFAULT_COMPRESSION == -1
    assert lib.ZLIB_VERNUM == expected[names.index("ZLIB_VERNUM")]
    # the header's version is the library's
    assert ffi.string(lib.zlibVersion()).decode().startswith("%d.%d" % (lib.ZLIB_VER_MAJOR, lib.ZLIB_VER_MINOR))


def test_z_stream_layout(z, gcc_probe):
    ffi, _ = z
    fields = [name for name, _ in ffi.typeof("z_stream").fields]
    assert "next_in" in fields and "adler" in fields
    expected = gcc_probe("#include <zlib.h>", ["sizeof(z_stream)", "_Alignof(z_stream)"]
                         + ["offsetof(z_stream, %s)" % f for f in fields])
    assert [ffi.sizeof("z_stream"), ffi.alignof("z_stream")] + [ffi.offsetof("z_stream", f) for f in fields] == expected


def test_streaming_deflate_with_z_stream(z):
    """deflateInit is a function-like macro: call deflateInit_ as it expands."""
    ffi, lib = z
    data = bytes(range(256)) * 64
    strm = ffi.new("z_stream *")
    assert lib.deflateInit_(strm, lib.Z_BEST_COMPRESSION, lib.zlibVersion(), ffi.sizeof("z_stream")) == lib.Z_OK
    src = ffi.new("unsigned char[]", data)
    out = ffi.new("unsigned char[]", 65536)
    strm.next_in = src
    strm.avail_in = len(data)
    strm.next_out = out
    strm.avail_out = 65536
    assert lib.deflate(strm, lib.Z_FINISH) == lib.Z_STREAM_END
    n = strm.total_out
    assert lib.deflateEnd(strm) == lib.Z_OK
    assert py_zlib.decompress(ffi.buffer(out, n)[:]) == data
    assert strm.adler == lib.adler32(lib.adler32(0, ffi.NULL, 0), data, len(data)) == py_zlib.adler32(data)
