"""Run-time side of API mode: the ``ffi`` and ``lib`` of a compiled module.

``PyInit_<module>`` calls ``_rcffi._init_api_module``, which creates a
:class:`CompiledFFI` whose declarations are read from the embedded
snapshot as they are first used (with what the C compiler measured), and
its ``lib``, an ``_rcffi.Lib`` over the module's tables (``lib_obj.rs``).
Compiled modules import this module and the package's ``api``: keep what
they need at start here, and the rest where it is used."""

import _thread

from . import _rcffi
from .api import FFI


# set while rcffi.verifier imports a module (in that thread only): the
# compiler checks are then made, and reported in cffi's verify() words, on
# the caller's ffi instead
_verify_state = _thread._local()  # threading's, without importing threading


def _verify_loading():
    return getattr(_verify_state, "loading", False)


# cffi's out-of-line modules carry a format number in this range
_CFFI_OUT_OF_LINE_VERSIONS = range(0x2601, 0x2900)


_NOT_GIVEN = object()


class CompiledFFI(FFI):
    """The ``ffi`` object of a compiled module: ``_cffi_backend.FFI``, as
    cffi's (see :mod:`rcffi._cffi_backend`; ``error``, ``CData``,
    ``CType`` are its class attributes). Called as the out-of-line modules
    real cffi generates call it (``_cffi_backend.FFI(name, _version=...,
    _types=b'...', ...)``), it declares what their type tables describe."""

    # cffi's compiled FFI objects carry their error class as `ffi.error`
    from .api import error

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

    # `_cdefsources` and `_cdef_calls` (the module's cdef texts, wanted by
    # `ffi.include()` of this module and by the verifier) are read from
    # the compiled module when first asked for, not at import. Properties,
    # not `__getattr__` (a class with one loses the interpreter's attribute
    # cache for every `ffi.X`), kept as attributes, never through
    # `self.__dict__` (which would turn the instance's inline attribute
    # values into a dict, a slower `ffi.X` too).
    def _cdef_texts_later(self):
        try:
            del self._rcffi_cdefsources
        except AttributeError:
            pass

    def _cdef_texts(self, key):
        try:
            return object.__getattribute__(self, key)
        except AttributeError:
            pass
        api = getattr(self, "_api_module", None)
        if api is None or hasattr(self, "_rcffi_cdef_calls"):
            raise AttributeError(key[len("_rcffi"):])
        calls = api.cdef_calls()
        self._rcffi_cdef_calls = calls
        self._rcffi_cdefsources = [c[0] for c in calls]
        return object.__getattribute__(self, key)

    _cdefsources = property(lambda self: self._cdef_texts("_rcffi_cdefsources"),
                            lambda self, v: setattr(self, "_rcffi_cdefsources", v))
    _cdef_calls = property(lambda self: self._cdef_texts("_rcffi_cdef_calls"),
                           lambda self, v: setattr(self, "_rcffi_cdef_calls", v))

    def def_extern(self, name=None, error=None, onerror=None):
        """A decorator: attach the Python function to the ``extern
        "Python"`` C function of the same name (or of 'name')."""
        api = getattr(self, "_api_module", None)
        if api is None:
            raise ValueError("ffi.def_extern() is only available on API-mode FFI objects")

        def def_extern_decorator(fn):
            api.def_extern(self, name if name is not None else fn.__name__, fn, error, onerror)
            return fn

        return def_extern_decorator


CompiledFFI.__module__ = "_cffi_backend"
CompiledFFI.__name__ = CompiledFFI.__qualname__ = "FFI"
# the name rcffi._cffi_backend and the runtime know it by
BackendFFI = CompiledFFI


__all__ = ["CompiledFFI", "BackendFFI", "_rcffi"]
