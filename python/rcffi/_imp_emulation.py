"""The few functions of the removed ``imp`` module that code written for
cffi reaches through ``cffi._imp_emulation`` (cffi's own stand-in, used by
its tests and by old ``ffi.verify()`` users), on top of importlib."""

import importlib.machinery
import importlib.util
import os
import sys

# imp's kinds of module, as find_module() reports them
PY_SOURCE = 1
PY_COMPILED = 2
C_EXTENSION = 3
PKG_DIRECTORY = 5
C_BUILTIN = 6
PY_FROZEN = 7


def get_suffixes():
    """``(suffix, mode, kind)`` of every file a module can be loaded from."""
    return ([(s, "rb", C_EXTENSION) for s in importlib.machinery.EXTENSION_SUFFIXES]
            + [(s, "r", PY_SOURCE) for s in importlib.machinery.SOURCE_SUFFIXES]
            + [(s, "rb", PY_COMPILED) for s in importlib.machinery.BYTECODE_SUFFIXES])


def find_module(name, path=None):
    """``(file, pathname, (suffix, mode, kind))`` of the top-level module
    'name' in 'path' (default: sys.path); 'file' is an open file for source
    and compiled modules, else None.  ImportError if not found."""
    if name in sys.builtin_module_names and path is None:
        return None, name, ("", "", C_BUILTIN)
    for entry in (sys.path if path is None else path):
        entry = entry or os.getcwd()
        pkg = os.path.join(entry, name)
        if os.path.isfile(os.path.join(pkg, "__init__.py")):
            return None, pkg, ("", "", PKG_DIRECTORY)
        for suffix, mode, kind in get_suffixes():
            candidate = pkg + suffix
            if os.path.isfile(candidate):
                opened = None if kind == C_EXTENSION else open(candidate, mode)
                return opened, candidate, (suffix, mode, kind)
    raise ImportError("No module named %r" % (name,), name=name)


def load_dynamic(name, path, file=None):
    """Import the extension module 'name' from the shared object 'path'."""
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module
