"""cffi's ``cffi.verifier``: the machinery behind the deprecated
``ffi.verify()``.

A :class:`Verifier` names a compiled module after a hash of everything that
shapes it (the cdefs, the C preamble, the compiler keywords, the Python and
rcffi versions), writes its C source with rcffi's API-mode generator,
compiles it with setuptools, and loads it.  A module already built (in
``tmpdir``, or installed in ``ext_package``) is loaded without compiling.
The loaded module's ``lib`` is then rebound to the caller's ``ffi``: the
compiler's measurements complete that ``ffi``'s partial types in place, as
cffi's ``verify()`` does, so the caller's types and the ``lib`` agree;
the values of ``#define X ...`` stay with each ``lib`` (its module's), as in
cffi, where two ``verify()`` calls on one ``ffi`` may see different ones."""

import hashlib
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import threading

from . import _rcffi, ffiplatform
from .error import FFIError, VerificationError

# one lock for every Verifier: writing, compiling and loading are rare
_lock = threading.RLock()


class Verifier(object):
    """Builds and loads the compiled module of one ``ffi.verify()`` call.

    ``sourcefilename`` and ``modulefilename`` may be changed before
    ``write_source()`` / ``compile_module()`` to write elsewhere."""

    def __init__(self, ffi, preamble, tmpdir=None, modulename=None, ext_package=None, tag="",
                 force_generic_engine=False, source_extension=".c", flags=None, relative_to=None,
                 **kwds):
        feature = _new_feature(ffi)
        if feature:
            raise VerificationError(
                "feature not supported with ffi.verify(), but only with ffi.set_source(): %s" % (feature,))
        if not isinstance(preamble, str):
            raise TypeError("the C source given to verify() must be a string, not %s" % (type(preamble).__name__,))
        self.ffi = ffi
        self.preamble = preamble
        # rcffi has one engine (a CPython extension module); the keyword is
        # accepted for cffi compatibility
        self.force_generic_engine = force_generic_engine
        self.flags = flags
        self.kwds = self.make_relative_to(kwds, relative_to)
        if modulename:
            if tag:
                raise TypeError("can't specify both 'modulename' and 'tag'")
        else:
            modulename = "_cffi_%s_%s" % (tag, _checksum(ffi, preamble, kwds))
        self.tmpdir = tmpdir or _caller_dir_pycache()
        self.sourcefilename = os.path.join(self.tmpdir, modulename + source_extension)
        self.modulefilename = os.path.join(self.tmpdir, modulename + _get_so_suffixes()[0])
        self.ext_package = ext_package
        self._has_source = False
        self._has_module = False

    # -- public API -------------------------------------------------------

    def write_source(self, file=None):
        """Write the C source to 'file' (a file object) or, by default,
        to ``self.sourcefilename``."""
        with _lock:
            if self._has_source and file is None:
                raise VerificationError("source code already written")
            self._write_source(file)

    def compile_module(self):
        """Write the C source if not done yet, and compile it into
        ``self.modulefilename``."""
        with _lock:
            if self._has_module:
                raise VerificationError("module already compiled")
            if not self._has_source:
                self._write_source()
            self._compile_module()

    def load_library(self):
        """The ``lib`` of the compiled module, bound to ``self.ffi``.  The
        module is looked for first (``tmpdir``, then ``ext_package``), and
        written and compiled only if not found."""
        with _lock:
            if not self._has_module:
                self._locate_module()
                if not self._has_module:
                    if not self._has_source:
                        self._write_source()
                    self._compile_module()
            return self._load_library()

    def get_module_name(self):
        """The module's name: the file name of ``modulefilename`` up to its
        first dot (``_cffi_xyz.cpython-311-x86_64-linux-gnu.so``)."""
        return os.path.basename(self.modulefilename).split(".", 1)[0]

    def get_extension(self):
        """The setuptools ``Extension`` building the module (the C source
        is written first if needed)."""
        with _lock:
            if not self._has_source:
                self._write_source()
        source = ffiplatform.maybe_relative_path(self.sourcefilename)
        return ffiplatform.get_extension(source, self.get_module_name(), **self.kwds)

    def generates_python_module(self):
        """Always true: rcffi's verify() builds a CPython extension module."""
        return True

    def make_relative_to(self, kwds, relative_to):
        """Paths in the keywords naming files (``sources``, ``include_dirs``,
        ...) taken relative to the directory of 'relative_to'."""
        if not relative_to or not os.path.dirname(relative_to):
            return kwds
        dirname = os.path.dirname(relative_to)
        kwds = dict(kwds)
        for key in ffiplatform.LIST_OF_FILE_NAMES:
            if key in kwds:
                value = kwds[key]
                if not isinstance(value, (list, tuple)):
                    raise TypeError("keyword '%s' should be a list or tuple" % (key,))
                kwds[key] = [os.path.join(dirname, fn) for fn in value]
        return kwds

    # -- steps (the tests of cffi wrap some of them) ------------------------

    def _locate_module(self):
        if not os.path.isfile(self.modulefilename):
            found = self._find_installed()
            if found is None:
                return
            self.modulefilename = found
        self._has_module = True

    def _find_installed(self):
        """The module installed in ``ext_package`` (or on sys.path without
        one), if any."""
        if self.ext_package:
            try:
                pkg = __import__(self.ext_package, None, None, ["__doc__"])
            except ImportError:
                return None  # the package itself is not there (yet)
            path = list(pkg.__path__)
        else:
            path = None
        spec = importlib.machinery.PathFinder.find_spec(self.get_module_name(), path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
            return None
        return spec.origin

    def _c_source(self):
        from . import recompiler

        # what ffi.include() brought is declared again in this module: with
        # verify(), included ffis are not compiled modules of their own
        # the full C API, as cffi's verify() (its sources may use any of it)
        return "#define _CFFI_NO_LIMITED_API\n" + _rcffi._generate_c(
            self.ffi, self.get_module_name(), self.preamble, recompiler.cdef_calls(self.ffi))

    def _write_source_to(self, file):
        file.write(self._c_source())

    def _write_source(self, file=None):
        if file is not None:
            self._write_source_to(file)
            return
        data = self._c_source()
        try:
            with open(self.sourcefilename, "r") as f:
                unchanged = f.read() == data
        except OSError:
            unchanged = False
        if not unchanged:
            _ensure_dir(self.sourcefilename)
            with open(self.sourcefilename, "w") as f:
                f.write(data)
        self._has_source = True

    def _compile_module(self):
        tmpdir = os.path.dirname(self.sourcefilename)
        output = ffiplatform.compile(tmpdir, self.get_extension())
        try:
            same = ffiplatform.samefile(output, self.modulefilename)
        except OSError:
            same = False
        if not same:
            _ensure_dir(self.modulefilename)
            shutil.move(output, self.modulefilename)
        self._has_module = True

    def _load_library(self):
        assert self._has_module
        name = self.get_module_name()
        module = _load_extension(name, self.modulefilename, self.flags)
        try:
            api = module.lib._rcffi_handle
        except AttributeError:
            raise VerificationError("%s is not a module built by rcffi's verify()" % (self.modulefilename,))
        try:
            api.apply_facts(self.ffi, verify=True)
        except FFIError as e:
            raise VerificationError(str(e)) from None
        # as cffi's CPython-engine libs: the extension module behind it
        # is its `_cffi_python_module`
        return _rcffi._make_lib(self.ffi, name, api, python_module=module)


def _load_extension(name, path, flags):
    """Import the extension module 'name' from 'path' (dlopen()ed with
    'flags' if given); the compiler checks it fails become
    ``VerificationError``, as cffi's verify() reports them."""
    from . import _apimode

    spec = importlib.util.spec_from_file_location(name, path, loader=importlib.machinery.ExtensionFileLoader(name, path))
    saved = sys.getdlopenflags()
    if flags is not None:
        sys.setdlopenflags(flags)
    _apimode._verify_state.loading = True
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except ImportError as e:
        # e.g. an undefined symbol: cffi's verify() reports it so
        raise VerificationError("importing %r: %s" % (path, e)) from None
    except FFIError as e:
        raise VerificationError(str(e)) from None
    finally:
        _apimode._verify_state.loading = False
        sys.setdlopenflags(saved)
    sys.modules[name] = module
    return module


def _new_feature(ffi):
    """What the cdefs use that only set_source() supports (cffi refuses
    ``typedef int... t;`` and ``typedef float... t;`` in verify())."""
    for name, kind in ffi._dots_typedefs():
        return "'typedef %s... %s'" % (kind, name)
    return None


def _checksum(ffi, preamble, kwds):
    """Hex digest naming the module: equal inputs reuse the module built
    before, any change (cdefs, preamble, keywords, versions) builds anew."""
    from . import recompiler

    key = "\x00".join(
        ["%d.%d" % sys.version_info[:2], _rcffi.__version__, str(_rcffi._API_PROTOCOL), preamble,
         ffiplatform.flatten(kwds),
         repr(recompiler.cdef_calls(ffi))]
        + list(getattr(ffi, "_cdefsources", ()))
    )
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


# -- temporary directory ------------------------------------------------------

_TMPDIR = None


def _caller_dir_pycache():
    """Where verify() builds by default: ``set_tmpdir()``'s directory,
    else ``$CFFI_TMPDIR``, else ``__pycache__`` next to the file of the
    caller's caller."""
    if _TMPDIR:
        return _TMPDIR
    result = os.environ.get("CFFI_TMPDIR")
    if result:
        return result
    filename = sys._getframe(2).f_code.co_filename
    return os.path.abspath(os.path.join(os.path.dirname(filename), "__pycache__"))


def set_tmpdir(dirname):
    """Build verify()'s modules in 'dirname' instead of ``__pycache__``."""
    global _TMPDIR
    _TMPDIR = dirname


def cleanup_tmpdir(tmpdir=None, keep_so=False):
    """Remove verify()'s files from 'tmpdir' (default: as verify() picks
    it): every ``_cffi_*.c`` and ``_cffi_*`` extension module (only the
    ``.c`` files with keep_so=True), and the files under ``build``."""
    tmpdir = tmpdir or _caller_dir_pycache()
    try:
        names = os.listdir(tmpdir)
    except OSError:
        return
    suffixes = (".c",) if keep_so else (".c", _get_so_suffixes()[0].lower())
    for fn in names:
        low = fn.lower()
        if low.startswith("_cffi_") and low.endswith(suffixes):
            try:
                os.unlink(os.path.join(tmpdir, fn))
            except OSError:
                pass
    pending = [os.path.join(tmpdir, "build")]
    for d in pending:
        try:
            entries = os.listdir(d)
        except OSError:
            continue
        for fn in entries:
            path = os.path.join(d, fn)
            if os.path.isdir(path):
                pending.append(path)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass


def _get_so_suffixes():
    return importlib.machinery.EXTENSION_SUFFIXES[:] or [".so"]


def _ensure_dir(filename):
    dirname = os.path.dirname(filename)
    if dirname:
        os.makedirs(dirname, exist_ok=True)


class _Engine(object):
    """What ``_locate_engine_class()`` gives: rcffi has one engine, which
    builds a CPython extension module whatever is asked."""

    _gen_python_module = True
    _class_key = "r"


# cffi's switch for its tests; rcffi's only engine builds a CPython module
_FORCE_GENERIC_ENGINE = False


def _locate_engine_class(ffi, force_generic_engine):
    return _Engine
