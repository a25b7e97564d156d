"""Compiling a C extension with setuptools (cffi's ``cffi.ffiplatform``):
``get_extension()`` makes the ``Extension``, ``compile()`` builds it in a
directory and returns the absolute path of the shared object.  Used by
``ffi.compile()`` through :mod:`rcffi.recompiler`, and usable directly."""

import os
import sys

from .error import VerificationError

LIST_OF_FILE_NAMES = ["sources", "include_dirs", "library_dirs", "extra_objects", "depends"]


def get_extension(srcfilename, modname, sources=(), **kwds):
    """A setuptools ``Extension`` named 'modname' compiling 'srcfilename'
    plus 'sources'; other keywords go to ``Extension``."""
    from setuptools import Extension

    allsources = [srcfilename]
    for src in sources:
        allsources.append(os.path.normpath(src))
    return Extension(name=modname, sources=allsources, **kwds)


def _build(tmpdir, ext, compiler_verbose=0, debug=None):
    from setuptools import Distribution

    try:
        from setuptools.errors import CompileError, LinkError
    except ImportError:  # pragma: no cover - old setuptools
        from distutils.errors import CompileError, LinkError

    dist = Distribution({"ext_modules": [ext]})
    dist.parse_config_files()
    options = dist.get_option_dict("build_ext")
    if debug is None:
        debug = sys.flags.debug
    options["debug"] = ("ffiplatform", debug)
    options["force"] = ("ffiplatform", True)
    options["build_lib"] = ("ffiplatform", tmpdir)
    options["build_temp"] = ("ffiplatform", tmpdir)
    dist.verbose = compiler_verbose
    # distutils' log shows the build's steps (commands, compiler lines)
    # when verbose, and only warnings otherwise, as in cffi
    from distutils import log

    old_threshold = log.set_threshold(log.WARN) or log.WARN
    try:
        log.set_verbosity(compiler_verbose)
        dist.run_command("build_ext")
        cmd_obj = dist.get_command_obj("build_ext")
        [soname] = cmd_obj.get_outputs()
    except (CompileError, LinkError) as e:
        raise VerificationError("%s: %s" % (e.__class__.__name__, e))
    finally:
        log.set_threshold(old_threshold)
    return soname


def compile(tmpdir, ext, compiler_verbose=0, debug=None):
    """Compile the Extension 'ext' with setuptools in 'tmpdir'; the absolute
    path of the result.  Compiler and linker errors raise
    ``VerificationError``."""
    saved_environ = os.environ.copy()
    try:
        return os.path.abspath(_build(tmpdir, ext, compiler_verbose, debug))
    finally:
        # distutils may grow some environment variables on every use
        for key, value in saved_environ.items():
            if os.environ.get(key) != value:
                os.environ[key] = value


def samefile(f1, f2):
    return os.path.samefile(f1, f2)


def maybe_relative_path(path):
    """'path' relative to the current directory when it lies below it
    (setuptools then puts the object files under its build directory
    instead of next to the source), else unchanged."""
    if not os.path.isabs(path):
        return path
    try:
        rel = os.path.relpath(path, os.curdir)
    except ValueError:
        return path
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return path
    return rel


def _flatten(x, out):
    if isinstance(x, str):
        out.append("%ds%s" % (len(x), x))
    elif isinstance(x, dict):
        keys = sorted(x)
        out.append("%dd" % len(keys))
        for key in keys:
            _flatten(key, out)
            _flatten(x[key], out)
    elif isinstance(x, (list, tuple)):
        out.append("%dl" % len(x))
        for value in x:
            _flatten(value, out)
    elif isinstance(x, int):
        out.append("%di" % (x,))
    else:
        raise TypeError("the keywords to verify() contains unsupported object %r" % (x,))


def flatten(x):
    """A string that is equal for equal keyword dicts (lists, tuples,
    strings and integers only): part of verify()'s module name."""
    out = []
    _flatten(x, out)
    return "".join(out)
