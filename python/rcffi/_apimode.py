"""Run-time side of API mode: the Python half of a compiled module's ``ffi``.

A compiled module's ``ffi`` is ``_cffi_backend.FFI``, an extension type
(``crates/python/src/api_module/compiled_ffi.rs``): importing the module
runs none of this. Its methods whose code is Python (``dlopen``,
``callback``, ``include``, ``init_once``, ``def_extern``, ...) import this
module on their first call and run here, as ``rcffi.FFI``'s methods; so
does ``_cffi_backend.FFI(name, _version=..., _types=...)`` of the
out-of-line modules real cffi generates."""

import _thread

from . import _rcffi
from .api import FFI as _FFI


# set while rcffi.verifier imports a module (in that thread only): the
# compiler checks are then made, and reported in cffi's verify() words, on
# the caller's ffi instead
_verify_state = _thread._local()  # threading's, without importing threading


def _verify_loading():
    return getattr(_verify_state, "loading", False)


# cffi's out-of-line modules carry a format number in this range
_CFFI_OUT_OF_LINE_VERSIONS = range(0x2601, 0x2900)


_NOT_GIVEN = object()

# the class of compiled `ffi` objects (made by the extension on first use)
BackendFFI = _rcffi._compiled_ffi_type()


def _state(ffi):
    """'ffi' with the attributes ``rcffi.FFI``'s methods keep (what
    ``FFI.__init__`` sets), made on the first call of one of them."""
    d = ffi.__dict__
    if "_libraries" not in d:
        d.update(_libraries=[], _init_once_cache={}, _backend=_rcffi, _windows_unicode=None, _embedding=None,
                 _assigned_source=None)
    return ffi


def _init_from_tables(ffi, module_name=_NOT_GIVEN, _version=None, _types=None, _globals=None, _struct_unions=None,
                      _enums=None, _typenames=None, _includes=None):
    """``_cffi_backend.FFI(...)`` called as the out-of-line modules real
    cffi generates call it: declare what their type tables describe."""
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
    _state(ffi)
    ffi._module_name = module_name
    for other in _includes or ():
        # the included module's types are shared, as cffi does
        ffi.include(other)
    ffi._load_cffi_tables(_types or b"", _globals, _struct_unions, _enums, _typenames)
    # read by rcffi.lib: its libraries behave as cffi's out-of-line ones
    ffi._rcffi_out_of_line = True
    # type strings name only declared records; errors are ffi.error
    ffi._set_api_mode()


def def_extern(ffi, name=None, error=None, onerror=None):
    """A decorator: attach the Python function to the ``extern "Python"``
    C function of the same name (or of 'name')."""
    api = ffi._api_module
    if api is None:
        raise ValueError("ffi.def_extern() is only available on API-mode FFI objects")

    def def_extern_decorator(fn):
        api.def_extern(ffi, name if name is not None else fn.__name__, fn, error, onerror)
        return fn

    return def_extern_decorator


def _delegate(name):
    method = getattr(_FFI, name)

    def run(ffi, *args, **kwds):
        return method(_state(ffi), *args, **kwds)

    run.__name__ = run.__qualname__ = name
    return run


dlopen = _delegate("dlopen")
dlclose = _delegate("dlclose")
callback = _delegate("callback")
getctype = _delegate("getctype")
include = _delegate("include")
init_once = _delegate("init_once")
new_allocator = _delegate("new_allocator")
getwinerror = _delegate("getwinerror")
addressof = _delegate("addressof")


__all__ = ["BackendFFI", "_rcffi"]
