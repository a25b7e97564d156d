"""Argument handling shared by ``FFI.cdef_header()`` and
``python -m rcffi cdef`` (both rcffi extensions; the work is done by
``cdecl::header`` in Rust)."""

import os
import re

from .api import _pack_value


# a name, or a function-like macro's name and parameters (`-D'F(x)=x'`)
_MACRO_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\([A-Za-z0-9_, .]*\))?\Z")


def _text(value, what):
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    elif isinstance(value, os.PathLike):
        value = os.fsdecode(os.fspath(value))
    elif not isinstance(value, str):
        raise TypeError("%s must be a string or a path, not %s" % (what, type(value).__name__))
    if "\0" in value:
        # no path holds one: the open() would fail, or find a shorter name
        raise ValueError("%s %r contains a NUL character" % (what, value))
    return value


def cdef_header_args(header, include_dirs=(), defines=None, only=None, packed=False, pack=None):
    """Validate ``cdef_header()``'s arguments and return the positional
    arguments of ``FFIBase._cdef_header`` / ``_rcffi.header_cdef_text``:
    ``(header, include_dirs, defines, only, pack)``.

    * ``header``: a path, or a name such as ``"zlib.h"`` / ``"sys/stat.h"``
      searched in ``include_dirs`` then the system include directories;
    * ``include_dirs``: an iterable of directories (str or path);
    * ``defines``: ``{"NAME": value}`` (value a string, an int, or None
      for ``1``), or an iterable of ``"NAME=VALUE"`` / ``"NAME"`` strings or
      ``(name, value)`` pairs;
    * ``only``: a name or an iterable of names to keep with what they need;
    * ``packed`` / ``pack``: as for ``cdef()``.
    """
    header = _text(header, "cdef_header() header")
    if isinstance(include_dirs, (str, bytes, os.PathLike)):
        include_dirs = [include_dirs]
    dirs = [_text(d, "include_dirs item") for d in include_dirs]
    defs = []
    if defines is not None:
        items = defines.items() if hasattr(defines, "items") else defines
        if isinstance(items, (str, bytes)):
            items = [items]
        for item in items:
            if isinstance(item, str):
                name, eq, value = item.partition("=")
                value = value if eq else "1"
            else:
                name, value = item
            if not isinstance(name, str) or not name:
                raise TypeError("defines: macro names must be non-empty strings, not %r" % (name,))
            if not _MACRO_NAME.match(name):
                raise ValueError("defines: %r is not a macro name (a C identifier, or one with its parameters)" % (name,))
            if value is None:
                value = "1"
            elif isinstance(value, bool):
                value = str(int(value))
            elif isinstance(value, int):
                value = str(value)
            elif not isinstance(value, str):
                raise TypeError("defines: the value of %r must be a string, an int or None, not %s" % (name, type(value).__name__))
            if "\0" in value or "\n" in value or "\r" in value:
                # a `#define` is one line: a line break would start another
                # directive, a NUL would end the text early
                raise ValueError("defines: the value of %r must be one line without NUL characters, not %r" % (name, value))
            defs.append((name, value))
    if only is not None:
        if isinstance(only, str):
            only = [only]
        only = list(only)
        for name in only:
            if not isinstance(name, str):
                raise TypeError("only: names must be strings, not %r" % (name,))
    pack = _pack_value(packed, pack)
    return header, dirs, defs, only, pack
