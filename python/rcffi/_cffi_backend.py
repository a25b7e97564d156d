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
from ._apimode import CompiledFFI
from . import CFFI_API_VERSION as __version__  # noqa: F401  (cffi's API version, not rcffi's)

# cffi's out-of-line modules carry a format number in this range
_CFFI_OUT_OF_LINE_VERSIONS = range(0x2601, 0x2900)


_NOT_GIVEN = object()


class FFI(CompiledFFI):
    """``ffi`` objects of compiled modules (``error``, ``CData``, ``CType``
    are their class attributes, as in cffi), and of the out-of-line modules
    real cffi generates."""

    __module__ = "_cffi_backend"

    def __init__(self, module_name=_NOT_GIVEN, _version=None, _types=None, _globals=None, _struct_unions=None,
                 _enums=None, _typenames=None, _includes=None):
        super().__init__()
        if module_name is _NOT_GIVEN:
            module_name = None
        elif not isinstance(module_name, str):
            # as cffi's argument parsing (an old demo passes bytes)
            got = "None" if module_name is None else type(module_name).__name__
            raise TypeError("FFI() argument 1 must be str, not %s" % got)
        if _version is None and not _types:
            return  # FFI(): nothing declared
        if _version not in _CFFI_OUT_OF_LINE_VERSIONS:
            raise ImportError(
                "cffi out-of-line Python module '%s' has unknown version %s" % (module_name, hex(_version or 0))
            )
        self._module_name = module_name
        for other in _includes or ():
            # the included module's types are shared, as cffi does
            self.include(other)
        self._load_cffi_tables(_types or b"", _globals, _struct_unions, _enums, _typenames)
        # read by rcffi.lib: its libraries behave as cffi's out-of-line ones
        self._rcffi_out_of_line = True
        # type strings name only declared records; errors are ffi.error
        self._set_api_mode()


for _name in dir(_rcffi):
    if _name.startswith("RTLD_"):
        globals()[_name] = getattr(_rcffi, _name)
del _name
