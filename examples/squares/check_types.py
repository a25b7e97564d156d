"""Uses the installed package the way its users would: type-checked in
strict mode by mypy and pyright (examples/README.md)."""
import squares
from squares._native import ffi, lib

total: int = squares.square(12) + squares.sum_squares([1, 2, 3])
length: float = squares.norm2(3.0, 4.0)
v = ffi.new("vec2 *", [1.0, 2.0])
v.y = 5.0
direct: float = lib.norm2(v)
out = ffi.new("long *")
status: int = lib.sum_squares(ffi.new("int[]", [4, 5]), 2, out)
print(total, length, direct, status, out[0], squares.VERSION)
