"""rcffi: the C Foreign Function Interface for Python, with a Rust core.

Speaks cffi's public API: ``import rcffi as cffi`` and code written for cffi
runs unchanged.
"""

from ._rcffi import __version__  # noqa: F401
from .api import FFI, CDefError, FFIError, VerificationError, VerificationMissing, PkgConfigError  # noqa: F401
from ._dropin import install_as_cffi  # noqa: F401

__version_info__ = tuple(int(x) for x in __version__.split("."))

__all__ = ["FFI", "CDefError", "FFIError", "VerificationError", "VerificationMissing", "PkgConfigError"]
