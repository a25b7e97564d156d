"""pkg-config for ``ffi.set_source_pkgconfig()``, and ``cffi.pkgconfig``'s
public functions for build scripts that call them directly:
``merge_flags``, ``call`` and ``flags_from_pkgconfig``."""

import os
import shlex
import subprocess
import sys

from .error import PkgConfigError

__all__ = ["merge_flags", "call", "flags_from_pkgconfig"]


def merge_flags(cfg1, cfg2):
    """Extend the setuptools keywords ``cfg1`` with those of ``cfg2``
    (lists are concatenated; a key only in ``cfg2`` is copied). Returns
    ``cfg1``."""
    for key, value in cfg2.items():
        if key not in cfg1:
            cfg1[key] = value
            continue
        if not isinstance(cfg1[key], list):
            raise TypeError("cfg1[%r] should be a list of strings" % (key,))
        if not isinstance(value, list):
            raise TypeError("cfg2[%r] should be a list of strings" % (key,))
        cfg1[key].extend(value)
    return cfg1


def call(libname, flag, encoding=sys.getfilesystemencoding()):
    """The text ``pkg-config FLAG LIBNAME`` prints; ``PkgConfigError`` if
    pkg-config is missing, fails, or prints what cannot be decoded."""
    # Popen, as cffi's: build scripts' tests replace pkgconfig.subprocess.Popen
    try:
        proc = subprocess.Popen(["pkg-config", "--print-errors", flag, libname],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        raise PkgConfigError("cannot run pkg-config: %s" % (str(e).strip(),)) from None
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        if isinstance(stderr, bytes):
            stderr = stderr.decode(encoding, "replace")
        raise PkgConfigError(stderr.strip())
    try:
        text = stdout.decode(encoding) if isinstance(stdout, bytes) else stdout
    except UnicodeDecodeError:
        raise PkgConfigError("pkg-config %s %s returned bytes that cannot be decoded with encoding %r:\n%r"
                             % (flag, libname, encoding, stdout)) from None
    if os.altsep != "\\" and "\\" in text:
        # shell quoting rcffi would have to undo differently from the compiler's shell
        raise PkgConfigError("pkg-config %s %s returned an unsupported backslash-escaped output:\n%r"
                             % (flag, libname, text))
    return text


def _macro(flag):
    name, eq, value = flag[2:].partition("=")
    return (name, value) if eq else (name, None)


def flags_from_pkgconfig(libs):
    """The setuptools keywords (``include_dirs``, ``library_dirs``,
    ``libraries``, ``define_macros``, ``extra_compile_args``,
    ``extra_link_args``) pkg-config gives for the packages ``libs``
    (names, or requirements such as ``"libfoo >= 1.2"``)."""
    result = {}
    for lib in libs:
        cflags = shlex.split(call(lib, "--cflags"))
        ldflags = shlex.split(call(lib, "--libs"))
        merge_flags(result, {
            "include_dirs": [x[2:] for x in cflags if x.startswith("-I")],
            "library_dirs": [x[2:] for x in ldflags if x.startswith("-L")],
            "libraries": [x[2:] for x in ldflags if x.startswith("-l")],
            "define_macros": [_macro(x) for x in cflags if x.startswith("-D")],
            "extra_compile_args": [x for x in cflags if not x.startswith(("-I", "-D"))],
            "extra_link_args": [x for x in ldflags if not x.startswith(("-L", "-l"))],
        })
    return result
