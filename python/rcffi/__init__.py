"""rcffi: the C Foreign Function Interface for Python, with a Rust core.
``import rcffi as cffi``: code written for cffi runs unchanged."""

# Every compiled module imports this package at start: it holds only what
# that needs; the rest (FFI, the errors, the boundary tools, cffi's
# submodules, `__version_info__`) is given on first use by `_names.py`.

# The version of cffi whose API rcffi implements: what `cffi.__version__`
# and `_cffi_backend.__version__` report when rcffi stands in for cffi
# (version gates in setup scripts). `rcffi.__version__` is rcffi's own.
CFFI_API_VERSION = "2.0.0"

from ._rcffi import __version__  # noqa: E402,F401

# type checkers (which treat a `TYPE_CHECKING` name as true) see these
# here. (Not typing.TYPE_CHECKING: `typing` is not imported at start.)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .api import FFI as FFI, FFIError as FFIError  # noqa: F401
del TYPE_CHECKING

__all__ = ["FFI", "CDefError", "FFIError", "VerificationError", "VerificationMissing", "PkgConfigError"]


def __dir__():
    from ._names import names

    return names(globals())


def __getattr__(name):
    from ._names import attribute

    return attribute(name)
