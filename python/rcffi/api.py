"""``rcffi.FFI``: cffi's FFI class. The hot methods (``new``, ``cast``,
``typeof``, ``sizeof``, ...) are inherited from the Rust base class
``_rcffi.FFIBase``; this module adds the ones that are glue."""

import operator
import sys

from . import _rcffi

_unspecified = object()


# `FFIError` (named `cffi.FFIError`) and `error` (`ffi.error` of compiled
# and out-of-line modules, `<class 'ffi.error'>`; a subclass of `FFIError`,
# where cffi's two are unrelated, so that `except FFIError` catches it too)
# are made by the extension: a compiled module's `ffi` raises them without
# importing this module. (The other exception classes: rcffi.error.)
FFIError, error = _rcffi._error_classes()


def __getattr__(name):
    # CDefError, VerificationError, ...: made when first used (rcffi.error)
    if name in ("CDefError", "VerificationError", "VerificationMissing", "PkgConfigError"):
        from importlib import import_module

        return getattr(import_module("rcffi.error"), name)
    raise AttributeError("module 'rcffi.api' has no attribute %r" % (name,))


class FFI(_rcffi.FFIBase):
    r"""The main top-level class that you instantiate once, or once per module.

    Example usage::

        ffi = FFI()
        ffi.cdef('''
            int printf(const char *, ...);
        ''')
        C = ffi.dlopen(None)   # standard library
        C.printf(b"hello, %s!\n", ffi.new("char[]", b"world"))
    """

    # named as cffi's class is (repr(ffi) is `<cffi.api.FFI object at 0x...>`)
    __module__ = "cffi.api"

    CData = _rcffi.CData
    CType = _rcffi.CType
    buffer = _rcffi.buffer

    def __init__(self, backend=None):
        self._backend = backend if backend is not None else _rcffi
        self._libraries = []
        self._cdefsources = []
        self._included_ffis = []
        self._init_once_cache = {}
        self._windows_unicode = None
        self._embedding = None
        self._assigned_source = None
        # an instance attribute, as cffi's: the interpreter's attribute
        # cache (3.11+) serves `ffi.NULL` from the instance, not the class
        self.NULL = _NULL

    def __copy__(self):
        """``copy.copy(ffi)``: as cffi's shallow copy, a new ``FFI`` sharing
        this one's declarations, type caches and instance attributes'
        values (a ``cdef()`` on either declares for both)."""
        cls = type(self)
        new = cls.__new__(cls, _rcffi_copy_of=self)
        new.__dict__.update(self.__dict__)
        return new

    # -- declarations --------------------------------------------------------

    def cdef(self, csource, override=False, packed=False, pack=None):
        """Parse the given C source. This registers all declared functions,
        types, and global variables. If 'packed' is true, all structs in this
        cdef are packed; 'pack=N' caps the alignment of their fields at N."""
        effective_pack = _checked_pack("cdef", csource, packed, pack)
        for message in self._cdef(csource, override, packed, pack):
            _warn(message, 3)
        self._record(csource, (csource, bool(override), effective_pack))

    def _record(self, source, call):
        """Log one declaration call, already declared: ``source`` in
        ``_cdefsources`` (cffi's list of texts), and the call as ``(text,
        override, pack[, dllexport])`` in ``_cdef_calls`` (every call, an
        included FFI's first: what the verifier, out-of-line modules and
        isolated libraries replay) and ``_own_cdef_calls`` (this FFI's
        own: the texts its compiled module embeds). The C generator reads
        the declarations themselves from the registry, never this text."""
        self._cdefsources.append(source)
        self._recorded_calls().append(call)
        own = getattr(self, "_own_cdef_calls", None)
        if own is None:
            own = self._own_cdef_calls = []
        own.append(call)

    def _recorded_calls(self):
        """``_cdef_calls``: every declaration call, in order."""
        calls = getattr(self, "_cdef_calls", None)
        if calls is None:
            calls = self._cdef_calls = []
        return calls

    def embedding_api(self, csource, packed=False, pack=None):
        """Declare what the library built from this FFI exports: its
        functions are defined by the generated C, start Python on their
        first call and call the function attached with
        ``@ffi.def_extern()`` (types, constants and variables as in
        ``cdef()``; variables must be defined in ``set_source()``)."""
        pack = _checked_pack("embedding_api", csource, packed, pack)
        for message in self._cdef(csource, False, False, pack or None, True):
            _warn(message, 3)
        self._record(csource, (csource, False, pack, True))
        if self._embedding is None:
            self._embedding = ""

    def embedding_init_code(self, pysource):
        """The Python code the library runs once, when one of its functions
        is first called; it attaches their implementations with
        ``@ffi.def_extern()``."""
        from ._embedding import prepare_init_code

        if self._embedding:
            raise ValueError("embedding_init_code() can only be called once")
        self._embedding = prepare_init_code(pysource)

    def set_unicode(self, enabled_flag):
        """Declare the Windows text types (TBYTE, TCHAR, LPCTSTR, PCTSTR,
        LPTSTR, PTSTR, PTBYTE, PTCHAR) over ``wchar_t`` (True, also defining
        UNICODE and _UNICODE for the C compiler) or over ``char`` (False).
        Can be called once per ffi; the types do not exist before."""
        if self._windows_unicode is not None:
            raise ValueError("set_unicode() can only be called once")
        enabled_flag = bool(enabled_flag)
        char = "wchar_t" if enabled_flag else "char"
        self.cdef(
            "typedef {c} TBYTE; typedef {c} TCHAR; typedef const {c} *LPCTSTR; typedef const {c} *PCTSTR;"
            " typedef {c} *LPTSTR; typedef {c} *PTSTR; typedef TBYTE *PTBYTE; typedef TCHAR *PTCHAR;".format(c=char))
        self._windows_unicode = enabled_flag

    def _apply_windows_unicode(self, kwds):
        """Add UNICODE and _UNICODE to the setuptools keywords 'kwds'
        (after ``set_unicode(True)``), as the compiler must see them."""
        macros = kwds.get("define_macros", ())
        if not isinstance(macros, (list, tuple)):
            raise TypeError("'define_macros' must be a list or tuple")
        kwds["define_macros"] = list(macros) + [("UNICODE", "1"), ("_UNICODE", "1")]

    def _apply_embedding_fix(self, kwds):
        """Add to the setuptools keywords 'kwds' what linking against
        libpython needs (an embedding library starts Python itself)."""
        from ._embedding import apply_embedding_fix

        apply_embedding_fix(kwds)

    def cdef_header(self, header, *, include_dirs=(), defines=None, only=None, packed=False, pack=None):
        """rcffi extension: declare what a real C header declares, read with
        rcffi's own preprocessor (no compiler needed). See
        ``_header.cdef_header_args`` for the arguments."""
        from ._header import cdef_header_args

        args = cdef_header_args(header, include_dirs, defines, only, packed, pack)
        # the header is read once: its declarations go into the registry,
        # and the cdef text of what it declared comes back for API mode to
        # embed (packed/aligned records as GNU attributes, which rcffi's
        # cdef() reads)
        warnings, text = self._cdef_header(*args)
        for message in warnings:
            _warn(message, 3)
        self._record("#include <%s>" % (args[0],), (text, False, 0))

    def getctype(self, cdecl, replace_with=""):
        """Return a string giving the C type 'cdecl', which may be itself a
        string or a <ctype> object. If 'replace_with' is given, it gives
        extra text to append (or insert for more complicated C types), like
        a variable name, or '*' to get actually the C type 'pointer-to-cdecl'."""
        replace_with = replace_with.strip()
        if replace_with.startswith("*") and "&[" in self._getcname(cdecl, "&"):
            replace_with = "(%s)" % replace_with
        elif replace_with and replace_with[0] not in "[(":
            replace_with = " " + replace_with
        return self._getcname(cdecl, replace_with)

    def include(self, ffi_to_include):
        """Includes the typedefs, structs, unions and enums defined in
        another FFI instance."""
        if not isinstance(ffi_to_include, _rcffi.FFIBase):
            raise TypeError("ffi.include() expects an argument that is also of type cffi.FFI, not %r" % (type(ffi_to_include).__name__,))
        if ffi_to_include is self:
            raise ValueError("self.include(self)")
        self._include(ffi_to_include)
        self._cdefsources.append("[")
        self._cdefsources.extend(ffi_to_include._cdefsources)
        self._cdefsources.append("]")
        self._cdef_calls = getattr(ffi_to_include, "_cdef_calls", []) + getattr(self, "_cdef_calls", [])
        self._included_ffis.append(ffi_to_include)

    # -- libraries ---------------------------------------------------------

    def dlopen(self, name, flags=0, *, isolated=False, metrics=False, **isolation):
        """Load and return a dynamic library identified by 'name'. The
        standard C library can be loaded by passing None.

        rcffi extensions: ``isolated=True`` loads it in a supervised worker
        process (keywords ``timeout``, ``breaker``, ``start_timeout``,
        ``shm_threshold``: see docs/isolation.md); ``metrics=True`` counts
        its calls (``rcffi.metrics``)."""
        if not (isinstance(name, str) or name is None or isinstance(name, _rcffi.CData)):
            raise TypeError("dlopen(name): name must be a file name, None, or an already-opened 'void *' handle")
        if isolated:
            from .isolation.library import open_isolated

            lib = open_isolated(self, name, flags, **isolation)
        else:
            if isolation:
                raise TypeError("dlopen(): %s only with isolated=True" % (", ".join(sorted(isolation)),))
            from .lib import load_library

            lib = load_library(self, name, flags)
        if metrics:
            from . import metrics as _metrics

            _metrics.enable(lib)
        if not isolated:
            # as cffi: a library lives as long as its ffi. An isolated one
            # does not (what it gives out holds its supervisor, and nothing
            # of it has an address here): dropped, its worker and spare end
            # (supervisor.py's finalizer), instead of two processes per
            # dlopen() kept until the ffi goes
            self._libraries.append(lib)
        return lib

    def check(self, header, library=None, *, include_dirs=(), defines=None):
        """rcffi extension: hold this FFI's declarations against the real
        C header (read with ``cdef_header``) and, if given, the library's
        exported symbols. Returns an ``rcffi.check.Report`` (``.ok``,
        ``.mismatches``, ``str()``, ``.as_dict()``); see docs/drift-checks.md."""
        from .check import check_ffi

        return check_ffi(self, header, library, include_dirs=include_dirs, defines=defines)

    def addressof(self, cdata, *fields_or_indexes):
        """Return the address of a <cdata 'struct-or-union'>, of one of its
        fields or items, or of a global variable or function of a library."""
        if isinstance(cdata, _rcffi.CData):
            return _rcffi.FFIBase.addressof(self, cdata, *fields_or_indexes)
        if isinstance(cdata, _rcffi.Lib):
            if len(fields_or_indexes) != 1:
                raise TypeError("addressof(Lib, fieldname) takes exactly one field name")
            return _rcffi._lib_address(cdata, fields_or_indexes[0])
        if hasattr(cdata, "_rcffi_isolated") or getattr(cdata, "_rcffi_isolated_function", False):
            from .isolation.library import no_address

            raise no_address(cdata, fields_or_indexes)
        return _rcffi.FFIBase.addressof(self, cdata, *fields_or_indexes)

    def dlclose(self, lib):
        """Close a library obtained with ffi.dlopen(). After this call,
        access to functions or variables from the library will fail."""
        from .lib import close_library

        close_library(lib)
        # cffi keeps every library for the ffi's life, so that what was
        # fetched from it stays valid; here what was fetched pins the
        # library itself (library.rs), so a closed one is let go: opening
        # and closing in a loop does not grow the ffi. `list.remove` is one
        # step under the GIL (a `Lib` compares by identity): a copy filtered
        # and assigned back would drop a `dlopen()` another thread appended
        # in between
        while True:
            try:
                self._libraries.remove(lib)
            except ValueError:
                break

    # -- callbacks -----------------------------------------------------------

    def callback(self, cdecl, python_callable=None, error=None, onerror=None):
        """Return a callback object or a decorator making such a callback
        object. 'cdecl' must name a C function pointer type."""

        def callback_decorator_wrap(python_callable):
            if not callable(python_callable):
                raise TypeError("the 'python_callable' argument is not callable")
            return self._callback(cdecl, python_callable, error, onerror)

        if python_callable is None:
            return callback_decorator_wrap
        return callback_decorator_wrap(python_callable)

    def init_once(self, func, tag):
        # Read _init_once_cache[tag], which is either (False, lock, running)
        # if we're calling the function now in some thread, or (True, result).
        # `running` names the thread calling it: the same thread asking for
        # the same tag again (from inside `func`) would wait for itself
        # forever (cffi hangs there); it gets a RuntimeError instead.
        try:
            x = self._init_once_cache[tag]
        except KeyError:
            import threading

            x = self._init_once_cache.setdefault(tag, (False, threading.Lock(), [None]))
        if x[0]:
            return x[1]
        import threading

        me = threading.get_ident()
        if x[2][0] == me:
            raise RuntimeError("ffi.init_once(): the function for tag %r called ffi.init_once() "
                               "with the same tag again, while it was still running" % (tag,))
        with x[1]:
            x = self._init_once_cache[tag]
            if x[0]:
                return x[1]
            x[2][0] = me
            try:
                result = func()
            finally:
                x[2][0] = None
            self._init_once_cache[tag] = (True, result)
        return result

    def getwinerror(self, code=-1):
        # AttributeError as in cffi, whose backend has no getwinerror
        # outside Windows (code that catches it keeps working)
        raise AttributeError("getwinerror() is only available on Windows")

    def new_allocator(self, alloc=None, free=None, should_clear_after_alloc=True):
        """Return a new allocator, i.e. a function that behaves like
        ffi.new() but uses the provided low-level 'alloc' and 'free'
        functions."""
        if alloc is None and free is not None:
            raise TypeError("cannot pass 'free' without 'alloc'")
        # an int, as cffi's (a C `int` argument: `__index__`, no truth value)
        should_clear_after_alloc = operator.index(should_clear_after_alloc)
        if not -0x80000000 <= should_clear_after_alloc <= 0x7FFFFFFF:
            raise OverflowError("should_clear_after_alloc does not fit in a C int")
        should_clear_after_alloc = should_clear_after_alloc != 0
        ffi = self

        def allocator(cdecl, init=None):
            if alloc is None:
                return ffi.new(cdecl, init)
            return ffi._new_allocated(cdecl, init, alloc, free,
                                      should_clear_after_alloc)

        return allocator

    def def_extern(self, *args, **kwds):
        raise ValueError("ffi.def_extern() is only available on API-mode FFI objects")

    # -- API mode (compiled modules): see rcffi.recompiler ------------------

    def set_source(self, module_name, source, source_extension=".c", **kwds):
        """API mode: the compiled module 'module_name' will contain the C
        'source' (e.g. '#include "foo.h"') and be checked against the cdef.
        'kwds' are setuptools Extension keywords (include_dirs, libraries,
        sources, define_macros, extra_compile_args, ...)."""
        import os

        if getattr(self, "_assigned_source", None) is not None:
            raise ValueError("set_source() cannot be called several times per ffi object")
        if not isinstance(module_name, str):
            raise TypeError("'module_name' must be a string")
        if os.sep in module_name or (os.altsep and os.altsep in module_name):
            raise ValueError("'module_name' must not contain '/': use a dotted name to make a 'package.module' location")
        self._assigned_source = (str(module_name), source, source_extension, kwds)

    def set_source_pkgconfig(self, module_name, pkgconfig_libs, source, source_extension=".c", **kwds):
        from . import pkgconfig

        if not isinstance(pkgconfig_libs, list):
            raise TypeError("the pkgconfig_libs argument must be a list of package names")
        pkgconfig.merge_flags(kwds, pkgconfig.flags_from_pkgconfig(pkgconfig_libs))
        self.set_source(module_name, source, source_extension, **kwds)

    def _source_or_error(self, what):
        if getattr(self, "_assigned_source", None) is None:
            raise ValueError("set_source() must be called before %s()" % (what,))
        module_name, source, source_extension, kwds = self._assigned_source
        if source is None:
            raise TypeError("%s() is only for C extension modules, not for dlopen()-style pure Python modules" % (what,))
        return module_name, source, source_extension, kwds

    def emit_c_code(self, filename):
        """Write the C source of the compiled module to 'filename'."""
        from . import recompiler

        module_name, source, source_extension, kwds = self._source_or_error("emit_c_code")
        recompiler.recompile(self, module_name, source, c_file=filename, call_c_compiler=False,
                             uses_ffiplatform=False, **kwds)

    def verify(self, source="", tmpdir=None, **kwargs):
        """cffi's older (deprecated) API mode in one call: compile 'source'
        together with the declarations and return the module's 'lib'.
        A ``rcffi.verifier.Verifier`` (kept as ``ffi.verifier``) names the
        module after a hash of its inputs, builds it in 'tmpdir' (default:
        '__pycache__' next to the caller) unless already built, and
        completes this ffi's partial types with the compiler's answers."""
        from .verifier import Verifier, _caller_dir_pycache

        # here, not in Verifier(): the caller's directory is the one of
        # whoever called verify()
        tmpdir = tmpdir or _caller_dir_pycache()
        if self._windows_unicode:
            self._apply_windows_unicode(kwargs)
        self.verifier = Verifier(self, source, tmpdir, **kwargs)
        lib = self.verifier.load_library()
        # keep it alive even if the caller does not
        self._libraries.append(lib)
        return lib

    def emit_python_code(self, filename):
        """Out-of-line ABI mode (``set_source(name, None)``): write the
        Python module 'name' to 'filename'; importing it gives an ``ffi``
        with these declarations, to use with ``ffi.dlopen()``."""
        from . import recompiler

        if getattr(self, "_assigned_source", None) is None:
            raise ValueError("set_source() must be called before emit_python_code()")
        module_name, source, source_extension, kwds = self._assigned_source
        if source is not None:
            raise TypeError("emit_python_code() is only for dlopen()-style pure Python modules, not for C extension modules")
        recompiler.recompile(self, module_name, None, c_file=filename, call_c_compiler=False, uses_ffiplatform=False)

    def distutils_extension(self, tmpdir="build", verbose=True):
        """Write the C source into 'tmpdir' and return the setuptools
        Extension that compiles it."""
        from . import recompiler

        module_name, source, source_extension, kwds = self._source_or_error("distutils_extension")
        os_makedirs(tmpdir)
        ext, updated = recompiler.recompile(self, module_name, source, tmpdir=tmpdir, extradir=tmpdir,
                                            source_extension=source_extension, call_c_compiler=False, **kwds)
        if verbose:
            sys.stderr.write("%s: %r\n" % ("regenerated" if updated else "not modified", ext.sources[0]))
        return ext

    def compile(self, tmpdir=".", verbose=0, target=None, debug=None):
        """Generate the C source, compile it with setuptools' build_ext
        and return the path of the extension module. 'target' gives the
        file name ('*': the platform's default; 'name.*': 'name.so')."""
        from . import recompiler

        if getattr(self, "_assigned_source", None) is None:
            raise ValueError("set_source() must be called before compile()")
        module_name, source, source_extension, kwds = self._assigned_source
        path = recompiler.recompile(self, module_name, source, tmpdir=tmpdir, target=target,
                                    source_extension=source_extension, compiler_verbose=verbose,
                                    debug=debug, **kwds)
        if self._embedding is None:
            # typed stubs beside the module (an embedding library is not imported)
            from ._stubs import write_stubs_beside

            write_stubs_beside(self, module_name, path)
        return path

    def emit_stubs(self, filename):
        """Write typed stubs (a ``.pyi``) of these declarations to
        'filename': the module-level ``ffi`` and ``lib`` of the module
        ``set_source()`` named, if it was called (see ``rcffi._stubs``)."""
        from ._stubs import write_stubs

        write_stubs(self, filename)


def os_makedirs(path):
    import os

    os.makedirs(path, exist_ok=True)


# the same object as every compiled module's `ffi.NULL`
_NULL = FFI.NULL = _rcffi._null()
# `ffi.RTLD_NOW`, ...: class attributes, set once
for _name, _value in vars(_rcffi).items():
    if _name.startswith("RTLD_"):
        setattr(FFI, _name, _value)
del _name, _value


def _checked_pack(method, csource, packed, pack):
    """The arguments of ``cdef()`` (and ``embedding_api()``) checked as
    cffi checks them; the pack value API mode records (1 for
    ``packed=True``, 0 for none)."""
    if not isinstance(csource, str):
        raise TypeError("%s() argument must be a string" % (method,))
    return _pack_value(packed, pack)


def _pack_value(packed, pack):
    """``packed``/``pack`` checked as cffi checks them: the pack value (1
    for ``packed=True``, 0 for none). That ``pack`` is a power of two is
    checked where the value is used (``cdecl::Packing::from_pack``, before
    anything is declared or recorded)."""
    if packed:
        if packed is not True:
            raise ValueError("'packed' should be False or True; use 'pack' to give another value")
        if pack:
            raise ValueError("cannot give both 'pack' and 'packed'")
        return 1
    return pack or 0


def _warn(message, stacklevel):
    """A UserWarning; `warnings` is imported only when there is one (it
    is not loaded at Python startup, and compiled modules import rcffi)."""
    import warnings

    warnings.warn(message, UserWarning, stacklevel=stacklevel)
