"""What a partial declaration (`...`) allows before a compiler completed
it (``ffi.verify()`` or API mode): cffi's ``VerificationMissing``; and
``ffi.cast("FILE *", python_file)``."""

import pytest

from conftest import cffi_impl


def test_size_of_a_partial_struct_is_verification_missing(ffi):
    ffi.cdef("struct bv_s { int x; ...; };")
    with pytest.raises(cffi_impl.VerificationMissing):
        ffi.sizeof("struct bv_s")
    with pytest.raises(cffi_impl.VerificationMissing):
        ffi.offsetof("struct bv_s", "x")
    with pytest.raises(cffi_impl.VerificationMissing):
        ffi.new("struct bv_s *")


def test_a_record_whose_layout_is_refused_is_still_a_type_error(ffi):
    ffi.cdef("struct bv_bad { float x:1; };")
    with pytest.raises(TypeError):
        ffi.new("struct bv_bad *")


def test_partial_enum_type_is_verification_missing(ffi):
    ffi.cdef("enum bv_e { BV_A, BV_B, ... };")
    with pytest.raises(cffi_impl.VerificationMissing):
        ffi.cast("enum bv_e", 1)
    with pytest.raises(cffi_impl.VerificationMissing):
        ffi.typeof("enum bv_e")


def test_cast_of_a_python_file_to_FILE_pointer(ffi, tmp_path):
    ffi.cdef("int fputs(const char *, FILE *);")
    C = ffi.dlopen(None)
    name = tmp_path / "cast.txt"
    with open(name, "wb") as f:
        f.write(b"<")
        fp = ffi.cast("FILE *", f)
        assert fp != ffi.NULL
        C.fputs(b"via cast", fp)
        f.write(b">")
    assert name.read_bytes() == b"<via cast>"
