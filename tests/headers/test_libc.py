"""glibc's stdio.h, stdlib.h, string.h, sys/stat.h and time.h read with
ffi.cdef_header(); their functions called through ffi.dlopen(None)."""

import calendar
import os
import time as py_time

import pytest

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/include/stdio.h"), reason="no C library headers")


@pytest.fixture
def c(hffi):
    for h in ("stdio.h", "stdlib.h", "string.h", "sys/stat.h", "time.h"):
        hffi.cdef_header(h)
    return hffi, hffi.dlopen(None)


def test_snprintf_variadic(c):
    ffi, lib = c
    buf = ffi.new("char[64]")
    n = lib.snprintf(buf, 64, b"%s|%5d|%.3f|%c|%lu", ffi.new("char[]", b"abc"), ffi.cast("int", -42),
                     ffi.cast("double", 3.14159), ffi.cast("int", ord("z")), ffi.cast("unsigned long", 2**63))
    assert ffi.string(buf) == b"abc|  -42|3.142|z|9223372036854775808"
    assert n == len(ffi.string(buf))
    # truncation reports the full length
    small = ffi.new("char[4]")
    assert lib.snprintf(small, 4, b"%s", ffi.new("char[]", b"abcdef")) == 6
    assert ffi.string(small) == b"abc"


def test_sscanf_asm_label(c):
    """glibc declares sscanf with __asm__("__isoc99_sscanf"): the lookup uses the label."""
    ffi, lib = c
    a, b = ffi.new("int *"), ffi.new("char[16]")
    assert lib.sscanf(b"17 words", b"%d %15s", a, b) == 2
    assert a[0] == 17 and ffi.string(b) == b"words"


def test_string_functions(c):
    ffi, lib = c
    assert lib.strlen(b"hello, world") == 12
    s = ffi.new("char[32]", b"abc")
    lib.strcat(s, b"def")
    assert ffi.string(s) == b"abcdef"
    assert lib.strcmp(b"abc", b"abd") < 0
    p = lib.strchr(s, ord("d"))
    assert p - s == 3 and ffi.string(p) == b"def"
    dst = ffi.new("char[8]")
    lib.memcpy(dst, b"1234567", 8)
    assert ffi.string(dst) == b"1234567"


def test_qsort_with_callback(c):
    ffi, lib = c
    values = [5, -3, 99, 0, 42, -100, 7]
    arr = ffi.new("int[]", values)

    @ffi.callback("int(const void *, const void *)")
    def cmp(a, b):
        x, y = ffi.cast("int *", a)[0], ffi.cast("int *", b)[0]
        return (x > y) - (x < y)

    lib.qsort(arr, len(values), ffi.sizeof("int"), cmp)
    assert list(arr) == sorted(values)


def test_stdlib_functions(c):
    ffi, lib = c
    assert lib.atoi(b"  123xyz") == 123
    end = ffi.new("char **")
    assert lib.strtol(b"0x1fZ", end, 16) == 31 and ffi.string(end[0]) == b"Z"
    p = lib.malloc(16)
    assert p != ffi.NULL
    lib.free(p)
    assert lib.abs(-7) == 7
    assert lib.EXIT_FAILURE == 1 and lib.RAND_MAX == 2**31 - 1


def test_stat_on_a_temp_file(c, tmp_path):
    ffi, lib = c
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 12345)
    st = ffi.new("struct stat *")
    assert lib.stat(str(path).encode(), st) == 0
    ref = os.stat(path)
    assert st.st_size == 12345 == ref.st_size
    assert st.st_ino == ref.st_ino
    assert st.st_mode == ref.st_mode
    # S_IFMT/S_IFREG are macros of sys/stat.h
    assert st.st_mode & lib.S_IFMT == lib.S_IFREG
    assert lib.stat(b"/no/such/file", st) == -1 and ffi.errno == 2


def test_time_and_gmtime_r(c):
    ffi, lib = c
    t = ffi.new("time_t *")
    now = lib.time(t)
    assert abs(now - py_time.time()) < 5 and t[0] == now
    tm = ffi.new("struct tm *")
    when = ffi.new("time_t *", 1700000000)
    assert lib.gmtime_r(when, tm) == tm
    ref = py_time.gmtime(1700000000)
    assert (tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_yday + 1) == \
        (ref.tm_year, ref.tm_mon, ref.tm_mday, ref.tm_hour, ref.tm_min, ref.tm_sec, ref.tm_yday)
    assert lib.timegm(tm) == calendar.timegm(ref) == 1700000000
    buf = ffi.new("char[64]")
    assert lib.strftime(buf, 64, b"%Y-%m-%d %H:%M:%S", tm) == 19
    assert ffi.string(buf) == b"2023-11-14 22:13:20"


def test_file_functions(c, tmp_path):
    ffi, lib = c
    path = str(tmp_path / "out.txt").encode()
    f = lib.fopen(path, b"w")
    assert f != ffi.NULL
    assert lib.fprintf(f, b"%d-%s\n", ffi.cast("int", 7), ffi.new("char[]", b"seven")) == 8
    assert lib.fputs(b"tail\n", f) >= 0
    assert lib.fclose(f) == 0
    assert open(path, "rb").read() == b"7-seven\ntail\n"
    assert lib.EOF == -1 and lib.SEEK_END == 2 and lib.BUFSIZ == 8192


@pytest.mark.parametrize("prelude, type_name", [
    ("#include <sys/stat.h>", "struct stat"),
    ("#include <time.h>", "struct tm"),
    ("#include <time.h>", "struct timespec"),
    ("#include <stdio.h>", "FILE"),
    ("#include <stdlib.h>", "div_t"),
    ("#include <stdlib.h>", "lldiv_t"),
    # an anonymous struct typedef'd with __attribute__((__aligned__)):
    # alignment 16 but size 104, not 112
    ("#include <pthread.h>", "__pthread_unwind_buf_t"),
])
def test_struct_layouts_match_gcc(hffi, gcc_probe, prelude, type_name):
    hffi.cdef_header(prelude.split("<")[1].rstrip(">"))
    fields = [name for name, f in hffi.typeof(type_name).fields if f.bitsize < 0]
    assert fields
    exprs = ["sizeof(%s)" % type_name, "_Alignof(%s)" % type_name] + \
        ["offsetof(%s, %s)" % (type_name, f) for f in fields]
    ours = [hffi.sizeof(type_name), hffi.alignof(type_name)] + [hffi.offsetof(type_name, f) for f in fields]
    assert ours == gcc_probe(prelude, exprs)
