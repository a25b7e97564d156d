"""Run-time side of out-of-line ABI mode (``ffi.set_source(name, None)``).

``ffi.emit_python_code()`` (or ``ffi.compile()``) writes a small Python
module that creates an :class:`OutOfLineFFI` from the cdef texts it embeds;
``ffi.dlopen()`` on it then works as in in-line ABI mode.  As for compiled
modules, rcffi replays the cdef texts (its parser is fast) rather than
loading serialized type tables."""

from .api import FFI
from .error import FFIError

# version of the generated file's format; a newer file is refused
VERSION = 1


class OutOfLineFFI(FFI):
    """The ``ffi`` object of a generated out-of-line module."""

    error = FFIError
    # read by rcffi.lib: out-of-line libraries behave as cffi's do
    _rcffi_out_of_line = True

    def __init__(self, module_name, version, cdefs):
        if version != VERSION:
            raise ImportError(
                "rcffi out-of-line Python module '%s' has unknown version %r "
                "(regenerate it with this rcffi)" % (module_name, version)
            )
        FFI.__init__(self)
        self._module_name = module_name
        calls = self.__dict__.setdefault("_cdef_calls", [])
        for text, override, pack in cdefs:
            # warnings were given when the module was generated
            self._cdef(text, override, False, pack or None)
            self._cdefsources.append(text)
            calls.append((text, override, pack))
