"""Run-time side of out-of-line ABI mode (``ffi.set_source(name, None)``).

``ffi.emit_python_code()`` (or ``ffi.compile()``) writes a small Python
module that creates an :class:`OutOfLineFFI` from the cdef texts it embeds;
``ffi.dlopen()`` on it then works as in in-line ABI mode.  As compiled
modules do, it loads the declarations from the snapshot of their parse
(``cdecl::snapshot``) made when the file was generated; a file without one,
or with one of another rcffi's format, replays the cdef texts."""

from .api import FFI
from .api import FFIError

# version of the generated file's format; a newer file is refused
# (1: cdef texts only; 2: also their snapshot)
VERSION = 2


class OutOfLineFFI(FFI):
    """The ``ffi`` object of a generated out-of-line module (named
    ``_cffi_backend.FFI``, as cffi's)."""

    from .api import error
    # read by rcffi.lib: out-of-line libraries behave as cffi's do
    _rcffi_out_of_line = True

    def __init__(self, module_name, version, cdefs, snapshot=None):
        if version not in (1, VERSION):
            raise ImportError(
                "rcffi out-of-line Python module '%s' has unknown version %r "
                "(regenerate it with this rcffi)" % (module_name, version)
            )
        FFI.__init__(self)
        self._module_name = module_name
        replay = snapshot is None
        if not replay:
            try:
                self._load_snapshot(snapshot)
            except FFIError:
                replay = True  # written by another rcffi: parse the texts
        for text, override, pack in cdefs:
            if replay:
                # warnings were given when the module was generated
                self._cdef(text, override, False, pack or None)
            self._record(text, (text, override, pack))
        # `struct foo`, not its typedef name, as cffi's tables name it
        self._name_by_tag()


# what type(ffi) shows, as for cffi's out-of-line modules
OutOfLineFFI.__module__ = "_cffi_backend"
OutOfLineFFI.__name__ = OutOfLineFFI.__qualname__ = "FFI"
