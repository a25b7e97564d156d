"""Drop-in mode: rcffi standing in for cffi, for code that says ``import
cffi`` and cannot be edited (``rcffi.install_as_cffi()``, or the
environment switch ``RCFFI_AS_CFFI=1`` read by the ``.pth`` file the wheel
installs at the root of site-packages, ``python/rcffi_as_cffi.pth``).

A finder placed first in ``sys.meta_path`` answers for ``cffi``, for the
``cffi.X`` modules rcffi also has (``cffi.api`` is ``rcffi.api``, ...) and
for ``_cffi_backend`` (``rcffi._cffi_backend``), so it wins over a real cffi
installed in the same environment. ``cffi`` itself is a module of its own:
rcffi's public names with cffi's version numbers (``rcffi.__version__``
stays rcffi's).
"""

import sys

# the cffi release whose API rcffi implements (what `cffi.__version__`
# reports in drop-in mode): one constant, rcffi.CFFI_API_VERSION
from . import CFFI_API_VERSION as CFFI_VERSION
from ._names import SUBMODULES as _SUBMODULES

# cffi's modules that rcffi has, under the same name: the public ones
# (attributes of `rcffi` too), a private one cffi's own code imports, and
# pkgconfig (build scripts import it; an attribute only once imported)
ALIASED = _SUBMODULES + ("_imp_emulation", "pkgconfig")

# cffi's other modules: importing one says why it is missing
NOT_PROVIDED = {
    "backend_ctypes": "cffi's pure-Python ctypes backend is not a target of rcffi",
    "cparser": "rcffi parses cdef() text in its Rust core (crates/cdecl)",
    "commontypes": "rcffi's common types (FILE, va_list, ...) live in its Rust core",
    "cffi_opcode": "cffi's type-table opcodes are read by rcffi's own decoder",
    "vengine_cpy": "rcffi.verifier has one engine, a CPython extension module",
    "vengine_gen": "rcffi.verifier has one engine, a CPython extension module",
    "lock": "rcffi has no module-level lock to share",
    "_shimmed_dist_utils": "rcffi uses setuptools directly",
    "gen_src": "not a target of rcffi",
    "_cffi_gen_src": "not a target of rcffi",
}


class _Finder:
    """Finds ``cffi``, ``cffi.X`` and ``_cffi_backend`` (see the module
    docstring); every other name is left to the next finder."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "cffi":
            return _spec(fullname, _CffiLoader(), is_package=True)
        if fullname == "_cffi_backend":
            return _spec(fullname, _AliasLoader("rcffi._cffi_backend"))
        if fullname == "pkg_resources":
            return _pkg_resources_spec(self, fullname, path, target)
        if fullname.startswith("cffi."):
            sub = fullname[len("cffi."):]
            if sub in ALIASED:
                return _spec(fullname, _AliasLoader("rcffi." + sub))
            reason = NOT_PROVIDED.get(sub)
            if reason is not None:
                raise ModuleNotFoundError(
                    "No module named %r: rcffi stands in for cffi here (drop-in mode) and has no such "
                    "module (%s)" % (fullname, reason), name=fullname)
        return None

    def find_distributions(self, context=None):
        """``importlib.metadata`` asks every finder: in the default search
        (the whole ``sys.path``, as setuptools checks ``setup_requires``)
        a ``cffi`` distribution of cffi's version is present. Searches of
        given directories (pip's view of what is installed) see none."""
        import importlib.metadata as metadata

        context = context or metadata.DistributionFinder.Context()
        if context.path is not sys.path or (context.name or "cffi").lower() != "cffi":
            return iter(())
        return iter((_cffi_distribution(),))

    def __repr__(self):
        return "<rcffi drop-in finder for cffi>"


_distribution_class = []  # made on first use: importlib.metadata is not loaded at startup


def _cffi_distribution():
    """The metadata of the cffi that rcffi stands in for."""
    if not _distribution_class:
        import importlib.metadata as metadata
        import pathlib

        class CffiDistribution(metadata.Distribution):
            # Distribution.name exists from Python 3.10; setuptools (through
            # its importlib_metadata backport) reads it on 3.9 too
            name = "cffi"

            def read_text(self, filename):
                if filename in ("METADATA", "PKG-INFO"):
                    return "Metadata-Version: 2.1\nName: cffi\nVersion: %s\nSummary: rcffi standing in for cffi\n" % (
                        CFFI_VERSION,)
                return None

            def locate_file(self, path):
                return pathlib.Path(__file__).parent / path

        _distribution_class.append(CffiDistribution)
    return _distribution_class[0]()


def _pkg_resources_spec(finder, fullname, path, target):
    """``pkg_resources`` as the next finder finds it, its loader made to add
    rcffi's ``cffi`` to the working set once the module has run: setuptools
    before 66 checks ``setup_requires`` through
    ``pkg_resources.working_set.resolve()``, which reads only the metadata
    files on ``sys.path``, not ``importlib.metadata``'s finders (without it,
    ``setup_requires=["cffi"]`` downloaded real cffi). The loader keeps its
    type (pkg_resources picks its resource provider by the type of a
    module's loader): only its ``exec_module`` is wrapped, on this one
    loader object."""
    spec = None
    for other in sys.meta_path:
        if other is finder or not hasattr(other, "find_spec"):
            continue
        spec = other.find_spec(fullname, path, target)
        if spec is not None:
            break
    loader = getattr(spec, "loader", None)
    if loader is None or not hasattr(loader, "exec_module"):
        return spec
    run = loader.exec_module

    def exec_module(module):
        run(module)
        _add_to_pkg_resources(module)

    loader.exec_module = exec_module
    return spec


def _add_to_pkg_resources(module):
    """rcffi's ``cffi`` (cffi's version, no requirements) in the working set
    of pkg_resources ``module``, in front of a real cffi's, as
    ``importlib.metadata`` sees it; not put on ``sys.path`` (the directory
    holding rcffi, its location, already is)."""
    import os

    working_set = getattr(module, "working_set", None)
    distribution = getattr(module, "Distribution", None)
    if working_set is None or distribution is None:
        return  # not the pkg_resources this was written for
    location = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dist = distribution(location=location, project_name="cffi", version=CFFI_VERSION)
    working_set.add(dist, insert=False, replace=True)


def _spec(name, loader, is_package=False):
    from importlib.machinery import ModuleSpec

    # the origin shows in repr(module): <module 'cffi' (rcffi drop-in)>
    return ModuleSpec(name, loader, origin="rcffi drop-in", is_package=is_package)


class _AliasLoader:
    """Loads a name as another module: the import system takes back what
    ``sys.modules`` holds after ``exec_module``, so the name ends up bound
    to the rcffi module itself (one module object, not a copy)."""

    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return None  # a throw-away module, replaced in exec_module

    def exec_module(self, module):
        import importlib

        real = importlib.import_module(self.target)
        sys.modules[module.__name__] = real


class _CffiLoader:
    """Makes the ``cffi`` module: rcffi's public names, cffi's versions."""

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        import rcffi

        for name in rcffi.__all__:
            setattr(module, name, getattr(rcffi, name))
        module.__all__ = ["FFI", "VerificationError", "VerificationMissing", "CDefError", "FFIError"]
        module.__version__ = CFFI_VERSION
        module.__version_info__ = tuple(int(x) for x in CFFI_VERSION.split("."))
        module.__version_verifier_modules__ = "0.8.6"
        module.__doc__ = "rcffi standing in for cffi %s (drop-in mode: rcffi.install_as_cffi())" % (CFFI_VERSION,)
        module.__path__ = []  # a package: `import cffi.api` goes through the finder
        module.__rcffi__ = rcffi
        # what `import cffi.api` would bind, already there (cffi's own
        # __init__ imports api and error)
        import importlib

        for sub in ("api", "error"):
            setattr(module, sub, importlib.import_module("rcffi." + sub))

        def __getattr__(name):
            # the other shared submodules (`cffi.model`, ...) on first use,
            # as attributes of a real cffi are once anything imported them
            if name in ALIASED:
                return importlib.import_module("cffi." + name)
            raise AttributeError("module 'cffi' has no attribute %r" % (name,))

        module.__getattr__ = __getattr__


_finder = _Finder()


def _is_ours(mod):
    if mod is None:
        return False
    name = getattr(mod, "__name__", "")
    return name == "rcffi" or name.startswith("rcffi.") or getattr(mod, "__rcffi__", None) is not None


def install_as_cffi():
    """Make ``import cffi``, ``import cffi.X`` and ``import _cffi_backend``
    give rcffi's modules, in this interpreter, from now on (as
    ``pymysql.install_as_MySQLdb()``). Names already bound to a real cffi's
    objects keep them: call it before anything imports cffi."""
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
        # pkg_resources imported already: its working set gets rcffi's cffi
        # now (imported later, the finder's loader hook adds it)
        if sys.modules.get("pkg_resources") is not None:
            _add_to_pkg_resources(sys.modules["pkg_resources"])
    # a real cffi imported earlier: the next import finds rcffi instead
    for name in list(sys.modules):
        if (name in ("cffi", "_cffi_backend") or name.startswith("cffi.")) and not _is_ours(sys.modules[name]):
            del sys.modules[name]


__all__ = ["install_as_cffi", "CFFI_VERSION"]
