"""Library objects returned by ``ffi.dlopen()``: an ``_rcffi.Lib`` over the
opened library (crates/python/src/lib_obj.rs), of a class named per library
as cffi's."""

import os
import sys

from . import _rcffi


def _open(name, flags):
    """Open the library called `name` as cffi does: a name with a dot or a
    slash is tried as a file name first; then ctypes.util.find_library()
    resolves it ("m", "c"), and nothing else is tried ('' is an error, not
    the main program)."""
    first_error = None
    if "." in name or "/" in name or os.sep in name:
        try:
            return _rcffi.Library(name, flags)
        except OSError as e:
            first_error = e
    import ctypes.util

    path = ctypes.util.find_library(name)
    if path is None:
        if name == "c" and sys.platform == "win32":  # pragma: no cover
            raise OSError("dlopen(None) cannot work on Windows for Python 3 (see http://bugs.python.org/issue23606)")
        msg = "ctypes.util.find_library() did not manage to locate a library called %r" % (name,)
        if first_error is not None:
            msg = "%s.  Additionally, %s" % (first_error, msg)
        raise OSError(msg)
    return _rcffi.Library(path, flags)


def load_library(ffi, name, flags):
    if isinstance(name, _rcffi.CData):
        handle = _rcffi.Library._from_handle(name)
    elif name is None:
        handle = _rcffi.Library(None, flags)
    else:
        handle = _open(name, flags)
    if getattr(ffi, "_rcffi_out_of_line", False):
        # as cffi's out-of-line libraries: `<Lib object for 'libm.so.6'>`
        return _rcffi.Lib(ffi, handle, True)

    # named as cffi's (`cffi.api._make_ffi_library.<locals>.FFILibrary`,
    # `__name__` `FFILibrary_<name>`): a class per library, as cffi makes;
    # everything else is `_rcffi.Lib`'s (crates/python/src/lib_obj.rs)
    class FFILibrary(_rcffi.Lib):
        __slots__ = ()

    FFILibrary.__module__ = "cffi.api"
    FFILibrary.__qualname__ = "_make_ffi_library.<locals>.FFILibrary"
    if isinstance(name, str):
        FFILibrary.__name__ = "FFILibrary_%s" % (name,)
    _rcffi._lib_subclass_ready(FFILibrary)
    return FFILibrary(ffi, handle)


def close_library(lib):
    if isinstance(lib, _rcffi.Lib):
        _rcffi._lib_close(lib)
        return
    handle = getattr(lib, "__dict__", {}).get("_rcffi_handle")
    if handle is None:
        raise TypeError("dlclose() takes a library returned by ffi.dlopen()")
    handle.close()  # an isolated library (rcffi.isolation)
    for key in list(lib.__dict__):
        if key != "_rcffi_handle":
            del lib.__dict__[key]
