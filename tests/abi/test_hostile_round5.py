"""Round 5 of hostile input: single-threaded misuse from pure Python (array
types whose size cannot exist, ...). Each test also passes against cffi."""

import pytest


HUGE_RECORD = "struct big { char a[4611686018427387904]; }; struct opaque;"


@pytest.mark.parametrize("text", ["struct big[3]", "struct big[4611686018427387904]", "struct big(*)[3]"])
def test_an_array_of_records_too_large_is_an_overflow_error(ffi, text):
    # cffi refuses the type when it is made; rcffi made it and then
    # multiplied its length by its item's size unchecked on use
    # (ffi.sizeof, ffi.buffer, ffi.from_buffer of a cast to it: a panic in
    # a debug build, a wrapped size, and so the wrong memory, in a release one)
    ffi.cdef(HUGE_RECORD)
    with pytest.raises(OverflowError, match="array size would overflow a Py_ssize_t"):
        ffi.typeof(text)
    with pytest.raises(OverflowError, match="array size would overflow a Py_ssize_t"):
        ffi.cast(text, 4096)


def test_an_array_typedef_too_large_is_an_overflow_error(ffi):
    ffi.cdef(HUGE_RECORD + "typedef struct big bigarr[4611686018427387904];")
    with pytest.raises(OverflowError, match="array size would overflow a Py_ssize_t"):
        ffi.typeof("bigarr")


@pytest.mark.parametrize("text", ["struct opaque[3]", "struct opaque[]", "struct opaque(*)[3]"])
def test_an_array_of_opaque_records_is_a_value_error(ffi, text):
    # rcffi made the type, whose cdata then had a length but no item size
    ffi.cdef(HUGE_RECORD)
    with pytest.raises(ValueError, match=r"array item of unknown size: 'struct opaque'"):
        ffi.typeof(text)


def test_an_array_of_a_record_completed_later_works(ffi):
    ffi.cdef("struct later;")
    with pytest.raises(ValueError, match="array item of unknown size"):
        ffi.typeof("struct later[2]")
    ffi.cdef("struct later { int x; };")
    p = ffi.new("struct later[2]")
    p[1].x = 5
    assert ffi.sizeof(p) == 8 and p[1].x == 5
