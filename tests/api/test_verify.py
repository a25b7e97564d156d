"""`ffi.verify()`: cffi's older one-call API mode still works (it builds a
compiled module under the hood)."""

import pytest

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


def test_two_verify_calls_on_one_ffi_each_lib_keeps_its_constants(tmp_path, monkeypatch):
    # lmdb 3.0.0's cffi backend: one ffi, one verify() per bundled LMDB
    # version, whose `#define MDB_VERSION_MAJOR ...` differ (0, then 1)
    monkeypatch.chdir(tmp_path)
    ffi = cffi_impl.FFI()
    ffi.cdef("#define MAJOR ...\nstatic const int MINOR;\n#define FIXED 7")
    old = ffi.verify("#define MAJOR 0\n#define MINOR 9\n#define FIXED 7",
                     modulename="_rcffi_two_verify_old", tmpdir=str(tmp_path))
    new = ffi.verify("#define MAJOR 1\n#define MINOR 0\n#define FIXED 7",
                     modulename="_rcffi_two_verify_new", tmpdir=str(tmp_path))
    assert (old.MAJOR, old.MINOR, old.FIXED) == (0, 9, 7)
    assert (new.MAJOR, new.MINOR, new.FIXED) == (1, 0, 7)


def test_two_verify_calls_each_lib_keeps_its_partial_enum_values(tmp_path, monkeypatch):
    # `enum e { A, B, ... }` completed by one verify() and built again
    # against a header where the enumerators have other values: cffi reads
    # each module's values into its own lib; neither build is refused
    monkeypatch.chdir(tmp_path)
    ffi = cffi_impl.FFI()
    ffi.cdef("enum e { A, B, ... }; int first(void);")
    old = ffi.verify("enum e { A, B }; int first(void) { return A; }",
                     modulename="_rcffi_two_enum_old", tmpdir=str(tmp_path))
    new = ffi.verify("enum e { B = 5, A = 7 }; int first(void) { return A; }",
                     modulename="_rcffi_two_enum_new", tmpdir=str(tmp_path))
    assert (old.A, old.B, old.first()) == (0, 1, 0)
    assert (new.A, new.B, new.first()) == (7, 5, 7)


def test_verify_still_refuses_a_complete_enum_that_disagrees(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ffi = cffi_impl.FFI()
    ffi.cdef("enum e { A, B };")
    with pytest.raises(cffi_impl.VerificationError, match="A has the real value 7, not 0"):
        ffi.verify("enum e { B = 5, A = 7 };", modulename="_rcffi_enum_refused",
                   tmpdir=str(tmp_path))
