"""``python -m rcffi cdef HEADER``: plain cdef text that FFI().cdef() accepts
and that declares the same names, layouts, function types and constants as
cdef_header()."""

import ctypes.util
import os
import subprocess
import sys

import pytest

from conftest import cffi_impl


def run_cli(*args, check=True):
    return subprocess.run([sys.executable, "-m", "rcffi", "cdef"] + list(args),
                          capture_output=True, text=True, check=check)


@pytest.mark.parametrize("header, libname, records, funcs", [
    ("zlib.h", "z", ["z_stream", "gz_header"], ["compress", "inflateInit2_", "gzprintf"]),
    ("sqlite3.h", "sqlite3", ["sqlite3_module", "sqlite3_index_info"], ["sqlite3_exec", "sqlite3_open_v2"]),
    ("sys/stat.h", None, ["struct stat", "struct timespec"], ["stat", "fstatat"]),
    ("time.h", None, ["struct tm", "struct itimerspec"], ["gmtime_r", "strftime"]),
    ("stdio.h", None, ["FILE", "fpos_t"], ["snprintf", "sscanf", "fopen"]),
])
def test_cli_text_is_accepted_by_plain_cdef(header, libname, records, funcs):
    if not any(os.path.exists(os.path.join(d, header)) for d in ("/usr/include", "/usr/include/x86_64-linux-gnu",
                                                                 "/usr/include/aarch64-linux-gnu")):
        pytest.skip("%s not installed" % header)
    if libname is not None and ctypes.util.find_library(libname) is None:
        pytest.skip("lib%s not installed" % libname)
    text = run_cli(header).stdout
    plain = cffi_impl.FFI()
    plain.cdef(text)
    via_header = cffi_impl.FFI()
    via_header.cdef_header(header)
    assert sorted(plain._declared_names()) == sorted(via_header._declared_names())
    for rec in records:
        assert (plain.sizeof(rec), plain.alignof(rec)) == (via_header.sizeof(rec), via_header.alignof(rec))
        # (printed type names may differ: plain cdef names 'struct _IO_FILE'
        # after its first typedef '__FILE', header mode prefers 'FILE')
        assert [(n, f.offset, f.bitshift, f.bitsize, plain.sizeof(f.type)) for n, f in plain.typeof(rec).fields] == \
            [(n, f.offset, f.bitshift, f.bitsize, via_header.sizeof(f.type)) for n, f in via_header.typeof(rec).fields]
    plain_lib, header_lib = plain.dlopen(libname), via_header.dlopen(libname)
    for f in funcs:
        assert plain.typeof(getattr(plain_lib, f)).cname == via_header.typeof(getattr(header_lib, f)).cname
    for n in via_header._declared_names():
        if via_header._lookup_kind(n) in ("constant", "enum"):
            assert plain.integer_const(n) == via_header.integer_const(n), n


def test_cli_only_and_include_dirs_and_defines(tmp_path):
    (tmp_path / "api.h").write_text(
        "#include \"types.h\"\n"
        "#define LEVEL (BASE * 3)\n"
        "#ifdef WITH_EXTRA\nint extra(void);\n#endif\n"
        "#pragma pack(push, 1)\nstruct msg { char kind; point_t where; };\n#pragma pack(pop)\n"
        "int send(struct msg *m, int level) __asm__(\"send_v2\");\n"
        "int other(int);\n")
    (tmp_path / "types.h").write_text("#define BASE 7\ntypedef struct { int x, y; } point_t;\n")
    out = run_cli("api.h", "-I", str(tmp_path), "-D", "WITH_EXTRA", "--only", "send", "--only", "LEVEL",
                  "--only", "extra").stdout
    assert "int other" not in out
    assert "#define LEVEL 21" in out
    assert "extra(void)" in out
    assert "send_v2" in out  # the __asm__ symbol, in a comment
    assert "pack" in out  # the packing, in a comment (plain cdef says it with pack=1)
    ffi = cffi_impl.FFI()
    ffi.cdef(out, pack=1)
    assert ffi.sizeof("struct msg") == 9 and ffi.integer_const("LEVEL") == 21
    # -o writes to a file
    dest = tmp_path / "out.cdef"
    run_cli("api.h", "-I", str(tmp_path), "-o", str(dest))
    assert "int other(int);" in dest.read_text()


def test_cli_errors_go_to_stderr():
    r = run_cli("no_such_header_rcffi.h", check=False)
    assert r.returncode == 1 and r.stdout == ""
    assert "no_such_header_rcffi.h" in r.stderr and "/usr/include" in r.stderr
    r = subprocess.run([sys.executable, "-m", "rcffi"], capture_output=True, text=True)
    assert r.returncode == 2 and "cdef" in r.stderr
