"""The names ``rcffi`` gives on first use (its ``__getattr__`` and
``__dir__``, which the package's ``__init__``, rcffi's Rust extension,
hands to this module): every compiled module imports the package at start
and needs none of them, so none of this is read then (docs/performance.md)."""

import importlib
import sys

# the public submodules rcffi shares with cffi (drop-in mode's ALIASED
# adds cffi's private `_imp_emulation`)
SUBMODULES = ("api", "error", "ffiplatform", "model", "recompiler", "setuptools_ext", "verifier")

# rcffi's boundary tools (docs/isolation.md, docs/metrics.md), loaded on
# first use so that `import rcffi` stays cheap
BOUNDARY = {
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


def names(package_globals):
    """``dir(rcffi)``: what the package holds and what it gives on use."""
    return sorted(set(package_globals) | set(package_globals["__all__"]) | {"install_as_cffi", "__version_info__"})


def attribute(name):
    """``rcffi.<name>`` for a name the package does not hold yet."""
    package = sys.modules["rcffi"]
    if name in ("FFI", "FFIError", "NULL"):
        # rcffi.api (the FFI class) is imported when first named
        from . import api

        package.FFI, package.FFIError = api.FFI, api.FFIError
        return api.FFI.NULL if name == "NULL" else getattr(api, name)
    if name == "__version_info__":
        package.__version_info__ = tuple(int(x) for x in package.__version__.split("."))
        return package.__version_info__
    if name == "install_as_cffi":
        from ._dropin import install_as_cffi

        return install_as_cffi
    if name in ("CDefError", "VerificationError", "VerificationMissing", "PkgConfigError"):
        from . import error

        return getattr(error, name)
    if name in SUBMODULES:
        # `cffi.model`, `cffi.error`, ... are attributes once `cffi` is
        # imported (its __init__ imports them): here on first use
        return importlib.import_module("rcffi." + name)
    try:
        module, attr = BOUNDARY[name]
    except KeyError:
        raise AttributeError("module 'rcffi' has no attribute %r" % (name,)) from None
    mod = importlib.import_module(module)
    return mod if attr is None else getattr(mod, attr)
