"""squares: a typed Python API over the compiled module squares._native."""
from typing import Sequence

from squares._native import ffi, lib

__all__ = ["square", "norm2", "sum_squares", "VERSION"]

VERSION: int = lib.SQUARES_VERSION


def square(n: int) -> int:
    return lib.square(n)


def norm2(x: float, y: float) -> float:
    v = ffi.new("vec2 *", {"x": x, "y": y})
    return lib.norm2(v)


def sum_squares(values: Sequence[int]) -> int:
    arr = ffi.new("int[]", list(values))
    out = ffi.new("long *")
    if lib.sum_squares(arr, len(arr), out) != 0:
        raise ValueError("sum_squares failed")
    return out[0]
