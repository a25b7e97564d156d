"""`ffi.verify()`: cffi's older one-call API mode still works (it builds a
compiled module under the hood)."""

from conftest import cffi_impl


def test_verify_compiles_functions_and_constants(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # cffi's verify runs setuptools in the current directory
    ffi = cffi_impl.FFI()
    ffi.cdef("double scale(double x); static const int LIMIT; struct pair { int a; ...; };"
             "struct pair *make_pair(int a);")
    lib = ffi.verify("""
        struct pair { long pad; int a; };
        double scale(double x) { return x * 42.0; }
        #define LIMIT (6 * 7)
        struct pair *make_pair(int a) { static struct pair p; p.a = a; return &p; }
    """, tmpdir=str(tmp_path))
    assert lib.scale(-1.5) == -63.0
    assert lib.LIMIT == 42
    assert lib.make_pair(9).a == 9


def test_verify_layout_answers_match_the_ffi(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ffi = cffi_impl.FFI()
    ffi.cdef("struct s1 { int a; short b:9; short c:7; int y; };")
    probe = cffi_impl.FFI()
    probe.cdef("static const int OFS_Y, SIZE;")
    lib = probe.verify("""
        #include <stddef.h>
        struct s1 { int a; short b:9; short c:7; int y; };
        #define OFS_Y offsetof(struct s1, y)
        #define SIZE sizeof(struct s1)
    """, tmpdir=str(tmp_path))
    assert (ffi.offsetof("struct s1", "y"), ffi.sizeof("struct s1")) == (lib.OFS_Y, lib.SIZE)
