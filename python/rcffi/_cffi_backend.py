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
    such a module then calls through (docs/compat.md, ``_cffi_backend``):
    a clear ImportError instead of an AttributeError. ('raw' is the
    address of the module's C tables: not read.)"""
    raise ImportError(
        "this extension module was compiled by real cffi (API mode): rcffi cannot load it, as it does not "
        "implement cffi's C export table (_cffi_exports); rebuild the module with rcffi (its ffibuilder script "
        "runs unchanged in drop-in mode), or use real cffi for it"
    )
