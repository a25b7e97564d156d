"""Run-time side of API mode: the ``ffi`` and ``lib`` of a compiled module.

``PyInit_<module>`` calls ``_rcffi._init_api_module``, which creates a
:class:`CompiledFFI` whose declarations are read from the embedded
snapshot as they are first used (with what the C compiler measured), and
calls :func:`make_lib` with the module's tables (an ``_rcffi.ApiModule``).
Compiled modules import this module and the package's ``api``: keep what
they need at start here, and the rest where it is used."""

import _thread
import sys

from . import _rcffi
from .api import FFI
from .api import FFIError


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


def _has_size(ffi, ctype):
    try:
        ffi.sizeof(ctype)
    except (ValueError, TypeError, FFIError):
        return False
    return True


class _LibWithDict(_rcffi.LibBase):
    """Gives the instance dict a descriptor that `Lib`'s own `__dict__`
    property (cffi's view of all names) does not hide."""


_instance_dict = _LibWithDict.__dict__["__dict__"].__get__


def make_lib(ffi, module_name, api, included_libs=()):
    """The ``lib`` object: functions and constants are fetched on first
    access and cached in the instance ``__dict__``; global variables are
    properties of the class made for this module.  Names it does not
    declare are looked up in the ``lib`` of every ``ffi.include()``d
    module (as cffi: ``lib.f is other_lib.f``)."""

    def fetch_included(libname):
        for other in included_libs:
            try:
                value = getattr(other, libname)
            except AttributeError:
                continue
            prop = type(other).__dict__.get(libname)
            if isinstance(prop, property):
                # a global variable of the other module: read and written there
                def getter(self, other=other):
                    return getattr(other, libname)

                def setter(self, value, other=other):
                    setattr(other, libname, value)

                ptr = type(other)._rcffi_variables.get(libname)
                if ptr is not None:
                    Lib._rcffi_variables[libname] = ptr
                    Lib._rcffi_included_from[libname] = other
                setattr(Lib, libname, property(getter, setter))
            else:
                _instance_dict(lib)[libname] = value
            return True
        return False

    def fetch(libname):
        kind = ffi._lookup_kind(libname)
        if kind in ("function", "extern_python"):
            value = api.function(ffi, libname)
            _instance_dict(lib)[libname] = value
        elif kind in ("constant", "enum"):
            _instance_dict(lib)[libname] = api.constant(ffi, libname)
        elif kind == "variable" and ffi._is_const_global(libname):
            # `const T x;`: a constant for cffi, read once by value
            ptr = api.variable(ffi, libname)
            item = ffi.typeof(ptr).item
            if not _has_size(ffi, item):
                raise CompiledFFI.error("constant '%s' is of type '%s', whose size is not known" % (libname, item.cname))
            _instance_dict(lib)[libname] = ptr[0]
        elif kind == "variable":
            ptr = api.variable(ffi, libname, True)
            item = ffi.typeof(ptr).item
            refresh = api.refresh
            if item.kind == "array" and item.length is None:
                # `T x[]`: read as a `T *`, written item by item
                items_type = ffi.getctype(item.item, "*")

                def getter(self, ptr=ptr):
                    refresh(ptr, libname)
                    return ffi.cast(items_type, ptr)

                def setter(self, value, ptr=ptr, item=item):
                    refresh(ptr, libname)
                    tmp = ffi.new(item, value)
                    ffi.memmove(ffi.cast(items_type, ptr), tmp, ffi.sizeof(tmp))
            elif not _has_size(ffi, item):
                # `extern opaque_t x;`: only its address is usable
                def getter(self, item=item):
                    raise TypeError("cdata '%s' is opaque" % (item.cname,))

                def setter(self, value, item=item):
                    raise TypeError("'%s' is opaque" % (item.cname,))
            else:
                # the address is asked at each access (it may be a macro)
                def getter(self, ptr=ptr):
                    refresh(ptr, libname)
                    return ptr[0]

                def setter(self, value, ptr=ptr):
                    refresh(ptr, libname)
                    ptr[0] = value

            Lib._rcffi_variables[libname] = ptr
            setattr(Lib, libname, property(getter, setter))
        elif not fetch_included(libname):
            raise AttributeError(
                "cffi library '%s' has no function, constant or global variable named '%s'" % (module_name, libname)
            )

    class Lib(_LibWithDict):
        _rcffi_variables = {}
        _rcffi_included_from = {}

        def _rcffi_address(self, libname):
            """``ffi.addressof(lib, "global")``: asked again each time."""
            other = Lib._rcffi_included_from.get(libname)
            if other is not None:
                from .lib import address_of_global

                return address_of_global(other, libname)
            return api.variable(ffi, libname)

        def _rcffi_missing(self, libname):
            """What LibBase asks for a name not in the instance dict."""
            if libname == "__name__":
                return "%s.lib" % (module_name,)
            if libname == "__all__":
                # what `from lib import *` gives: no global variables
                return [n for n in ffi._declared_names()
                        if ffi._lookup_kind(n) != "variable" or ffi._is_const_global(n)]
            if libname in ("__loader__", "__spec__"):
                return None
            if libname.startswith("__") and libname.endswith("__"):
                raise AttributeError(libname)
            fetch(libname)
            return getattr(self, libname)

        def __setattr__(self, libname, value):
            prop = Lib.__dict__.get(libname)
            if prop is None:
                kind = ffi._lookup_kind(libname)
                if kind == "variable" and not ffi._is_const_global(libname):
                    fetch(libname)
                    setattr(self, libname, value)
                    return
                if kind is None and included_libs:
                    try:
                        fetch(libname)
                    except AttributeError:
                        pass
                    else:
                        prop = Lib.__dict__.get(libname)
                        if prop is not None:
                            prop.__set__(self, value)
                            return
                        raise AttributeError("cannot write to function or constant '%s'" % (libname,))
                if kind is None:
                    raise AttributeError(
                        "cffi library '%s' has no function, constant or global variable named '%s'"
                        % (module_name, libname)
                    )
                raise AttributeError("cannot write to function or constant '%s'" % (libname,))
            prop.__set__(self, value)

        def __delattr__(self, libname):
            raise AttributeError("C attribute cannot be deleted")

        @property
        def __class__(self):
            # as cffi's lib: looks like a module (which help() wants)
            return type(sys)

        def __dir__(self):
            return sorted(ffi._declared_names())

        @property
        def __dict__(self):
            # as cffi: a new dict of every name; a global variable is
            # given as a pointer to it
            from .lib import address_of_global

            names = {}
            for libname in ffi._declared_names():
                if ffi._lookup_kind(libname) == "variable" and not ffi._is_const_global(libname):
                    names[libname] = address_of_global(self, libname, ffi)
                else:
                    names[libname] = getattr(self, libname)
            return names

        def __repr__(self):
            return "<Lib object for '%s'>" % (module_name,)

    Lib.__name__ = "Lib"
    Lib.__qualname__ = "Lib"
    Lib.__module__ = "_cffi_backend"
    lib = Lib()
    # ffi.addressof(lib, "name") goes through rcffi.lib.address_of_global
    object.__setattr__(lib, "_rcffi_handle", api)
    # `from _foo.lib import f` works, as with cffi (which replaces an
    # earlier module's lib of the same name)
    sys.modules[module_name + ".lib"] = lib
    return lib


__all__ = ["CompiledFFI", "BackendFFI", "make_lib", "_rcffi"]
