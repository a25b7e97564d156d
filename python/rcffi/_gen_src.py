"""``python -m rcffi gen-src BUILD.py[:NAME] OUT.c``: the C source of a
compiled module, for build systems other than setuptools (meson-python,
CMake, ...), as cffi 2.1's ``cffi-gen-src exec-python``.

The build script runs with ``__name__ == "rcffi.gen_src"`` (so an
``if __name__ == "__main__": ffibuilder.compile()`` block is skipped); NAME
(default ``ffibuilder``, or ``--ffi-var``) is its FFI object or a function
returning one, on which ``set_source()`` was called. Only the C is written:
the ``set_source()`` keywords (libraries, include_dirs, ...) are for the
build system to express, and ``py_limited_api`` too — the C uses the
limited API unless compiled with ``-D_CFFI_NO_LIMITED_API``.
"""


class GenSrcError(Exception):
    """A user error: printed as ``rcffi gen-src: error: ...``."""


def _fail(msg):
    raise GenSrcError(msg)


def load(spec, ffi_var=None, need_source=True):
    """The FFI of 'spec' ("build.py" or "build.py:name"); with
    'need_source', one on which ``set_source()`` made a compiled module."""
    from .setuptools_ext import _is_real_cffi_ffi, _load_ffi

    path, sep, name = spec.rpartition(":")
    if not sep or "/" in name or name.endswith(".py"):
        path, name = spec, None  # no ':name' (a ':' may be in a Windows path)
    if ffi_var is not None:
        if name is not None and name != ffi_var:
            _fail("%r names the FFI %r, and --ffi-var says %r" % (spec, name, ffi_var))
        name = ffi_var
    ffi = _load_ffi("%s:%s" % (path, name or "ffibuilder"), "gen-src", fail=_fail, run_name="rcffi.gen_src")
    if _is_real_cffi_ffi(ffi):
        _fail("%r is a real cffi FFI: use cffi's own cffi-gen-src" % (spec,))
    assigned = getattr(ffi, "_assigned_source", None)
    if not need_source:
        return ffi
    if assigned is None:
        _fail("%r: the set_source() method was not called" % (spec,))
    if assigned[1] is None:
        _fail("%r: set_source(%r, None) is out-of-line ABI mode, which has no C source "
              "(ffi.emit_python_code() writes its .py module)" % (spec, assigned[0]))
    return ffi


def write(ffi, output):
    """Write the C source of 'ffi' to 'output' (a path, or '-' for stdout)."""
    import sys

    from . import recompiler

    module_name, source, _ext, _kwds = ffi._assigned_source
    if output == "-":
        sys.stdout.write(recompiler.c_source(ffi, module_name, source))
    else:
        recompiler.make_c_source(ffi, module_name, source, output)
