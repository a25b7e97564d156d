# The `rcffi` package's __init__ is its Rust extension
# (rcffi/__init__.<abi>.so): what type checkers see of it. The other names
# (the errors, the boundary tools, cffi's submodules) come from
# `__getattr__` on first use (rcffi/_names.py).
from typing import Any

from .api import FFI as FFI, FFIError as FFIError
from .error import (
    CDefError as CDefError,
    PkgConfigError as PkgConfigError,
    VerificationError as VerificationError,
    VerificationMissing as VerificationMissing,
)

CFFI_API_VERSION: str
__version__: str
__version_info__: tuple[int, ...]
__all__ = ["FFI", "CDefError", "FFIError", "VerificationError", "VerificationMissing", "PkgConfigError"]

def install_as_cffi() -> None: ...
def __getattr__(name: str) -> Any: ...
