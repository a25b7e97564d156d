"""Build-time side of embedding (``ffi.embedding_api()``,
``ffi.embedding_init_code()``): argument checks, the init code as the
library stores it, and the link flags. The C that starts Python is written
by ``crates/codegen/src/embedding.rs``."""

import os
import re
import sys
import textwrap


def prepare_init_code(pysource):
    """The init code as the library keeps it: leading blank lines removed
    (so tracebacks count lines from its first line), the common indentation
    removed, and checked for syntax errors now rather than at run time."""
    if not isinstance(pysource, str):
        raise TypeError("embedding_init_code() argument must be a string, not %s" % (type(pysource).__name__,))
    blank = re.match(r"\s*\n", pysource)
    if blank:
        pysource = pysource[blank.end():]
    pysource = textwrap.dedent(pysource)
    if not pysource.endswith("\n"):
        pysource += "\n"
    compile(pysource, "cffi_init", "exec")
    return pysource


def python_library():
    """The name of libpython for ``libraries=`` (``python3.11``, with the
    ABI flags of this interpreter)."""
    import sysconfig

    name = "python%d.%d" % sys.version_info[:2]
    name += sysconfig.get_config_var("DEBUG_EXT") or ""
    return name + getattr(sys, "abiflags", "")


def apply_embedding_fix(kwds):
    """Link against libpython: the library calls Python's C API itself,
    from a program that does not load Python."""
    libraries = list(kwds.get("libraries", ()))
    if python_library() not in libraries:
        libraries.append(python_library())
    kwds["libraries"] = libraries


def runtime_dir():
    """The directory that holds the ``rcffi`` package, appended to
    ``sys.path`` by a library whose host cannot import rcffi."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def generator_args(ffi):
    """``_rcffi._generate_c``'s ``embedding`` argument for 'ffi': ``None``
    when it is not an embedding FFI."""
    from . import __version__

    code = getattr(ffi, "_embedding", None)
    if code is None:
        return None
    return (code, runtime_dir(), __version__)
