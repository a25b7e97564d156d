"""The names code reaches through cffi's ``_cffi_backend`` module, for code
that imports it next to ``cffi`` (``_cffi_backend.FFI.error``,
``_cffi_backend.FFI.CData``, ``RTLD_*``, ``__version__``), and what the
out-of-line modules real cffi generates call.

``FFI`` is the class of a compiled module's ``ffi``. Called as such a
module calls it, ``_cffi_backend.FFI(name, _version=..., _types=b'...',
_globals=..., ...)``, it declares what cffi's type tables describe
(decoded by rcffi's own reader, ``cdecl::cffi_tables``), so the module's
``ffi`` and its ``dlopen()`` libraries behave as cffi's."""

from . import _rcffi
# the class of compiled modules' `ffi` (an extension type, compiled_ffi.rs)
FFI = _rcffi._compiled_ffi_type()
from . import CFFI_API_VERSION as __version__  # noqa: F401  (cffi's API version, not rcffi's)

for _name in dir(_rcffi):
    if _name.startswith("RTLD_"):
        globals()[_name] = getattr(_rcffi, _name)
del _name


def _init_cffi_1_0_external_module(raw):
    """What the ``PyInit_`` of an extension module compiled by real cffi
    (API mode) calls. rcffi does not implement cffi's C export table that
    such a module then calls through (docs/compat.md, ``_cffi_backend``),
    so in drop-in mode (where ``_cffi_backend`` is this module) the module
    is handed to real cffi's backend when it is installed beside rcffi:
    wheels built with cffi (cryptography, PyNaCl, argon2-cffi-bindings, ...)
    keep working, their ``ffi`` and ``lib`` real cffi's. Without it, a clear
    ImportError. ('raw' is the address of the module's C tables, passed on
    as it came.)"""
    real = _real_cffi_backend()
    if real is not None:
        return real._init_cffi_1_0_external_module(raw)
    raise ImportError(
        "this extension module was compiled by real cffi (API mode): rcffi cannot load it, as it does not "
        "implement cffi's C export table (_cffi_exports); rebuild the module with rcffi (its ffibuilder script "
        "runs unchanged in drop-in mode), or install real cffi beside rcffi (its backend then loads such modules)"
    )


_real_backend = []


def _real_cffi_backend():
    """Real cffi's ``_cffi_backend`` extension, if installed: found on
    ``sys.path`` by the standard path finder (not through drop-in mode's
    alias), loaded once and kept here, never put in ``sys.modules`` (where
    ``_cffi_backend`` stays rcffi's). None when there is none."""
    if not _real_backend:
        import importlib.machinery
        import importlib.util

        spec = importlib.machinery.PathFinder.find_spec("_cffi_backend")
        if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            return None
        import sys

        ours = sys.modules.get("_cffi_backend")
        try:
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        finally:
            # (CPython files a single-phase extension module in sys.modules
            # as it loads it)
            if ours is None:
                sys.modules.pop("_cffi_backend", None)
            else:
                sys.modules["_cffi_backend"] = ours
        _real_backend.append(module)
    return _real_backend[0]
