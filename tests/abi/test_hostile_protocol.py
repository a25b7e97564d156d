"""Round 4 of hostile input: object protocol misuse (released cdata in
arithmetic, ...)."""

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
