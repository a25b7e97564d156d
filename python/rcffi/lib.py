"""Library objects returned by ``ffi.dlopen()``: functions are looked up on
first access and cached in the instance ``__dict__``; global variables are
properties of a class made per library, as cffi does."""

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
    return _make_ffi_library(ffi, handle, name)


def _symbol_error(ffi, e):
    """A missing symbol of an out-of-line module's library: ffi.error, in
    cffi's words ("symbol 'x' not found in library ...")."""
    msg = str(e)
    if msg.startswith("function/symbol "):
        msg = msg[len("function/"):]
    return ffi.error(msg)


def _make_ffi_library(ffi, handle, name):
    # named as cffi's (the class's qualified name shows in repr(lib))
    def make_accessor(libname):
        kind = ffi._lookup_kind(libname)
        if kind is None:
            reason = ffi._skipped_reason(libname)
            if reason is not None:  # skipped by cdef_header(): say why
                raise AttributeError("%s: skipped by cdef_header(): %s" % (libname, reason))
            raise AttributeError(libname)
        out_of_line = getattr(ffi, "_rcffi_out_of_line", False)
        if kind in ("function", "variable"):
            try:
                handle.check_open(libname)
            except ValueError as e:
                if not out_of_line:
                    raise
                raise ffi.error(str(e).replace("has already been closed", "has been closed")) from None
        if out_of_line and kind in ("function", "variable"):
            # as cffi's out-of-line modules: a missing symbol is ffi.error,
            # and `const T x;` is a constant, read once by value
            try:
                if kind == "function":
                    lib.__dict__[libname] = ffi._lib_function(handle, libname)
                    return
                ptr = ffi._lib_variable(handle, libname, True)
                if ffi._is_const_global(libname):
                    item = ffi.typeof(ptr).item
                    if item.kind in ("struct", "union") and item.fields is None:
                        raise ffi.error("constant '%s' is of type '%s', whose size is not known" % (libname, item.cname))
                    lib.__dict__[libname] = ptr[0]
                    return
            except AttributeError as e:
                raise _symbol_error(ffi, e) from None
        if kind == "function":
            value = ffi._lib_function(handle, libname)
            lib.__dict__[libname] = value
        elif kind in ("constant", "enum"):
            lib.__dict__[libname] = ffi._lib_constant(libname)
        elif kind == "variable":
            ptr = ffi._lib_variable(handle, libname)
            item = ffi.typeof(ptr).item
            if item.kind == "array" and item.length is None:
                # cffi reads `T x[]` as a `T *` and writes as many items as given
                items = ffi.cast(ffi.getctype(item.item, "*"), ptr)

                def getter(self, items=items, libname=libname):
                    handle.check_open(libname)
                    return items

                def setter(self, value, items=items, item=item, libname=libname):
                    handle.check_open(libname)
                    tmp = ffi.new(item, value)
                    ffi.memmove(items, tmp, ffi.sizeof(tmp))
            else:
                def getter(self, ptr=ptr, libname=libname):
                    handle.check_open(libname)
                    return ptr[0]

                def setter(self, value, ptr=ptr, libname=libname):
                    handle.check_open(libname)
                    ptr[0] = value

            if ffi._is_const_global(libname):
                # it may live in read-only memory: writing it could crash
                def setter(self, value, libname=libname):
                    raise AttributeError("cannot write to function or constant '%s'" % (libname,))

            # ffi.addressof(lib, name): a pointer to the global, except
            # for an array, where cffi's dlopen() libraries give the array
            # itself (`int[4]`; `int *` for `int x[]`), as `lib.name` does
            # (out-of-line ones give `int(*)[4]`, as compiled modules)
            if item.kind == "array" and not out_of_line:
                FFILibrary._rcffi_variables[libname] = items if item.length is None else ptr[0]
            else:
                FFILibrary._rcffi_variables[libname] = ptr

            setattr(FFILibrary, libname, property(getter, setter))
        else:
            raise AttributeError(
                "%s: extern \"Python\" functions are only available in API mode" % (libname,)
            )

    class FFILibrary(_rcffi.LibBase):
        _rcffi_variables = {}

        def _rcffi_missing(self, libname):
            """What LibBase asks for a name not in the instance dict."""
            if libname.startswith("__") and libname.endswith("__"):
                raise AttributeError(libname)
            make_accessor(libname)
            return getattr(self, libname)

        def __setattr__(self, libname, value):
            try:
                prop = getattr(self.__class__, libname)
            except AttributeError:
                if ffi._lookup_kind(libname) == "variable":
                    make_accessor(libname)
                    setattr(self, libname, value)
                    return
                raise AttributeError(
                    "cannot write to %r: not a global variable declared in the cdef" % (libname,)
                ) from None
            prop.__set__(self, value)

        def __dir__(self):
            return sorted(ffi._declared_names())

        def _rcffi_before_address(self, libname):
            """ffi.addressof() of a missing global variable is an
            AttributeError, as cffi's (reading it is a KeyError)."""
            if libname not in self._rcffi_variables and ffi._lookup_kind(libname) == "variable":
                try:
                    ffi._lib_variable(handle, libname, True)
                except AttributeError as e:
                    if not getattr(ffi, "_rcffi_out_of_line", False):
                        raise
                    raise _symbol_error(ffi, e) from None

    if getattr(ffi, "_rcffi_out_of_line", False):
        # as cffi's out-of-line libraries: `<Lib object for 'libm.so.6'>`
        def __repr__(self):
            return "<Lib object for '%s'>" % (handle.name,)

        FFILibrary.__repr__ = __repr__
        FFILibrary.__module__ = "_cffi_backend"
        FFILibrary.__name__ = FFILibrary.__qualname__ = "Lib"
    else:
        # as cffi's: `<cffi.api._make_ffi_library.<locals>.FFILibrary object at 0x...>`
        FFILibrary.__module__ = "cffi.api"
        if isinstance(name, str):
            FFILibrary.__name__ = "FFILibrary_%s" % (name,)
    lib = FFILibrary()
    object.__setattr__(lib, "_rcffi_handle", handle)
    return lib


def close_library(lib):
    handle = lib.__dict__.get("_rcffi_handle")
    if handle is None:
        raise TypeError("dlclose() takes a library returned by ffi.dlopen()")
    handle.close()
    for key in list(lib.__dict__):
        if key != "_rcffi_handle":
            del lib.__dict__[key]


def address_of_global(lib, name, ffi=None):
    """``ffi.addressof(lib, "name")``: a function's cdata, or a pointer to
    a global variable."""
    cls = type(lib)
    variables = cls.__dict__.get("_rcffi_variables", {})
    value = None
    before = getattr(cls, "_rcffi_before_address", None)
    if before is not None:
        before(lib, name)
    if name not in variables:
        try:
            value = getattr(lib, name)  # a global is fetched into `variables`
        except TypeError:
            # a global of opaque type cannot be read, but has an address
            if name not in variables:
                raise
    if name in variables:
        fresh = cls.__dict__.get("_rcffi_address")  # API mode: asked each time
        return fresh(lib, name) if fresh is not None else variables[name]
    fnptr = _rcffi._lib_function_pointer(value)
    if fnptr is not None:
        return fnptr
    if isinstance(value, _rcffi.CData) and (ffi is None or ffi.typeof(value).kind == "function"):
        # a function, or a constant function pointer (`int (*const f)(int);`)
        return value
    raise AttributeError("cannot take the address of the constant %r" % (name,))
