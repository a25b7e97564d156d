"""Round 4 of hostile input: declarations that would silently get another
type than C's, released cdata in arithmetic, ... (process-level cases:
test_exit.py; headers: tests/headers/test_hostile_headers.py)."""

import pytest

from conftest import IMPL_NAME


def test_subtracting_a_released_pointer_uses_its_old_address(ffi):
    # `q - p` is a number computed from two addresses (no memory is read);
    # a released `p` counts at its old address, as in comparisons and in
    # cffi, where its data pointer made the difference garbage
    p = ffi.new("int[3]")
    q = p + 1
    r = ffi.cast("int *", p) + 2
    ffi.release(p)
    assert q - p == 1
    assert r - q == 1
    s = ffi.new("int *")
    t = ffi.cast("int *", s)
    ffi.release(s)
    assert t - s == 0
    assert s - t == 0
    if IMPL_NAME == "rcffi":
        # rcffi: a pointer made from a released cdata is refused
        # (docs/compat.md); cffi makes one
        with pytest.raises(RuntimeError):
            p + 1


@pytest.mark.parametrize(
    "text, name",
    [
        ("typedef int t __attribute__((mode(QI)));", "mode"),
        ("typedef unsigned t __attribute__((__mode__(__DI__)));", "mode"),
        ("typedef int v4 __attribute__((vector_size(16)));", "vector_size"),
        ("struct s { int x; } __attribute__((scalar_storage_order(\"big-endian\")));", "scalar_storage_order"),
        ("union u { int *p; long l; } __attribute__((transparent_union));", "transparent_union"),
    ],
)
def test_attributes_that_change_the_type_are_refused_by_cdef(ffi_mod, text, name):
    # rcffi's cdef() ignored them: `mode(QI)` gave a 4-byte 't' where C's
    # is 1 byte, so every struct holding one had another layout than C's
    # (cffi refuses any __attribute__ as a parse error)
    ffi = ffi_mod.FFI()
    with pytest.raises(ffi_mod.CDefError) as e:
        ffi.cdef(text)
    if IMPL_NAME == "rcffi":
        assert "__attribute__((%s)) changes the declared type" % name in str(e.value)


def test_attributes_that_do_not_change_the_type_are_still_accepted():
    if IMPL_NAME != "rcffi":
        pytest.skip("cffi refuses every __attribute__")
    import rcffi

    ffi = rcffi.FFI()
    ffi.cdef("struct s { char c; int x; } __attribute__((packed)); int f(const char *, ...) __attribute__((format(printf, 1, 2)));")
    assert ffi.sizeof("struct s") == 5
