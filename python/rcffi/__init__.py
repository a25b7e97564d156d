"""rcffi: the C Foreign Function Interface for Python, with a Rust core.

Speaks cffi's public API: ``import rcffi as cffi`` and code written for cffi
runs unchanged.
"""

# The version of cffi whose API rcffi implements: what `cffi.__version__`
# and `_cffi_backend.__version__` report when rcffi stands in for cffi
# (version gates in setup scripts). `rcffi.__version__` is rcffi's own.
CFFI_API_VERSION = "2.0.0"

from ._rcffi import __version__  # noqa: E402,F401

# `FFI` and `FFIError` come from rcffi.api when first named (`__getattr__`
# below); type checkers (which treat a `TYPE_CHECKING` name as true) see
# them here. (Not typing.TYPE_CHECKING: `typing` is not imported at start.)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .api import FFI as FFI, FFIError as FFIError  # noqa: F401
del TYPE_CHECKING

__version_info__ = tuple(int(x) for x in __version__.split("."))


def __dir__():
    return sorted(set(globals()) | set(__all__) | {"install_as_cffi"})

__all__ = ["FFI", "CDefError", "FFIError", "VerificationError", "VerificationMissing", "PkgConfigError"]


# rcffi's boundary tools (docs/isolation.md, docs/metrics.md), loaded on
# first use so that `import rcffi` stays as cheap as it was.
_BOUNDARY = {
    "NativeCrash": ("rcffi.isolation.errors", "NativeCrash"),
    "NativeTimeout": ("rcffi.isolation.errors", "NativeTimeout"),
    "CircuitOpen": ("rcffi.isolation.errors", "CircuitOpen"),
    "StaleHandleError": ("rcffi.isolation.errors", "StaleHandleError"),
    "IsolationError": ("rcffi.isolation.errors", "IsolationError"),
    "Breaker": ("rcffi.isolation", "Breaker"),
    "contract": ("rcffi.contracts", "contract"),
    "NativeError": ("rcffi.contracts", "NativeError"),
    "DriftError": ("rcffi.check", "DriftError"),
    "metrics": ("rcffi.metrics", None),
    "isolation": ("rcffi.isolation", None),
    "contracts": ("rcffi.contracts", None),
    "check": ("rcffi.check", None),
}


# the public submodules rcffi shares with cffi (drop-in mode's ALIASED
# adds cffi's private `_imp_emulation`)
_SUBMODULES = ("api", "error", "ffiplatform", "model", "recompiler", "setuptools_ext", "verifier")


def __getattr__(name):
    # imported when first used: compiled modules import this package at
    # start, and need none of it (the FFI class, drop-in mode's switch, the exception
    # classes that rcffi.error makes on demand, the boundary tools)
    if name in ("FFI", "FFIError", "NULL"):
        # rcffi.api (the FFI class) is imported when first named: compiled
        # modules import this package and need none of it
        from . import api

        globals().update(FFI=api.FFI, FFIError=api.FFIError)
        return api.FFI.NULL if name == "NULL" else globals()[name]
    if name == "install_as_cffi":
        from ._dropin import install_as_cffi

        return install_as_cffi
    if name in ("CDefError", "VerificationError", "VerificationMissing", "PkgConfigError"):
        from . import error

        return getattr(error, name)
    if name in _SUBMODULES:
        # `cffi.model`, `cffi.error`, ... are attributes once `cffi` is
        # imported (its __init__ imports them): here on first use
        import importlib

        return importlib.import_module("rcffi." + name)
    try:
        module, attr = _BOUNDARY[name]
    except KeyError:
        raise AttributeError("module 'rcffi' has no attribute %r" % (name,)) from None
    import importlib

    mod = importlib.import_module(module)
    return mod if attr is None else getattr(mod, attr)
