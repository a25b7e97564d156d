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
from ._apimode import BackendFFI as FFI  # noqa: F401  (defined there: compiled modules need only that module)
from . import CFFI_API_VERSION as __version__  # noqa: F401  (cffi's API version, not rcffi's)

for _name in dir(_rcffi):
    if _name.startswith("RTLD_"):
        globals()[_name] = getattr(_rcffi, _name)
del _name
