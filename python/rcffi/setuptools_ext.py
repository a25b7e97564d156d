"""setuptools integration: the ``cffi_modules=`` and ``rcffi_modules=``
keywords of ``setup()``, registered as ``distutils.setup_keywords`` entry
points (see pyproject.toml).

``setup(cffi_modules=["pkg/_build.py:ffibuilder"])`` executes the build
script, takes its FFI object (or calls it, if it is a function returning
one) and adds an Extension whose C source is generated just before
``build_ext`` runs — so ``pip install .`` puts the compiled module in the
wheel. ``rcffi_modules=`` is the same, under a name real cffi never claims.

When real cffi is installed in the same build environment, setuptools calls
*both* packages' hooks for ``cffi_modules``, in an order that depends on
where they are installed, and cffi's rejects rcffi's FFI objects. So rcffi
also registers :func:`claim_cffi_modules` as a
``setuptools.finalize_distribution_options`` hook whose ``order`` runs it
before every keyword hook: it builds the modules whose FFI is an
``rcffi.FFI`` and leaves only the others (real cffi's) in
``dist.cffi_modules`` for cffi's hook. rcffi's keyword hook then skips what
was built already and what is real cffi's, so a module is added once
whichever hook runs (in drop-in mode both entry points are rcffi's).
"""

import os
import sys


def error(msg):
    try:
        from setuptools.errors import SetupError
    except ImportError:  # pragma: no cover - old setuptools
        from distutils.errors import DistutilsSetupError as SetupError
    raise SetupError(msg)


def execfile(filename, glob):
    # exec() rather than import: a package's __init__ may import the very
    # module being generated.
    with open(filename) as f:
        src = f.read()
    src += "\n"
    code = compile(src, filename, "exec")
    exec(code, glob, glob)


def _is_real_cffi_ffi(obj):
    from .api import FFI

    if isinstance(obj, FFI):
        return False  # rcffi's FFI carries cffi's class name, `cffi.api.FFI`
    cls = type(obj)
    return any(c.__module__.split(".")[0] == "cffi" and c.__name__ == "FFI" for c in cls.__mro__)


def _load_ffi(mod_spec, attr, fail=error, run_name="__cffi__"):
    """Execute the build script of 'mod_spec' ("path/build.py:name") as a
    module named 'run_name' and return its FFI: an ``rcffi.FFI``, or a
    real cffi one (returned as is). 'fail' raises an error with a message
    (setuptools' by default; ``python -m rcffi gen-src`` has its own)."""
    from .api import FFI

    error = fail

    if not isinstance(mod_spec, str):
        error("argument to '%s=...' must be a str or a list of str, not %r" % (attr, type(mod_spec).__name__))
    try:
        build_file_name, ffi_var_name = mod_spec.split(":")
    except ValueError:
        error("%r must be of the form 'path/build.py:ffi_variable'" % (mod_spec,))
    if not os.path.exists(build_file_name):
        ext = ""
        rewritten = build_file_name.replace(".", "/") + ".py"
        if os.path.exists(rewritten):
            ext = " (rewrite %s to [%r])" % (attr, rewritten + ":" + ffi_var_name)
        error("%r does not name an existing file%s" % (build_file_name, ext))

    mod_vars = {"__name__": run_name, "__file__": build_file_name}
    execfile(build_file_name, mod_vars)
    try:
        ffi = mod_vars[ffi_var_name]
    except KeyError:
        error("%r: object %r not found in module" % (mod_spec, ffi_var_name))
    if not isinstance(ffi, FFI) and not _is_real_cffi_ffi(ffi):
        ffi = ffi()  # maybe it's a function instead of directly an ffi
    if not isinstance(ffi, FFI) and not _is_real_cffi_ffi(ffi):
        error("%r is not an FFI instance (got %r)" % (mod_spec, type(ffi).__name__))
    return ffi


def _done(dist):
    """The specs of 'dist' already built by rcffi (hooks may run twice, and
    a spec may be given by several keywords and by pyproject.toml)."""
    return dist.__dict__.setdefault("_rcffi_modules_done", set())


def add_cffi_module(dist, mod_spec, attr="cffi_modules"):
    """Add the module of 'mod_spec' to 'dist', unless already added or
    (for ``cffi_modules``) made by real cffi; True if rcffi builds it."""
    if mod_spec in _done(dist):
        return True
    ffi = _load_ffi(mod_spec, attr)
    if _is_real_cffi_ffi(ffi):
        if attr == "cffi_modules":
            return False  # a real cffi FFI: real cffi's own hook builds it
        error("%r is a real cffi FFI: list it in cffi_modules=, not %s=" % (mod_spec, attr))
    if getattr(ffi, "_assigned_source", None) is None:
        error("%r: the set_source() method was not called" % (mod_spec,))
    _done(dist).add(mod_spec)
    module_name, source, source_extension, kwds = ffi._assigned_source
    if source is None:
        _add_py_module(dist, ffi, module_name)
    else:
        _add_c_module(dist, ffi, module_name, source, source_extension, kwds)
    return True


def _add_py_module(dist, ffi, module_name):
    """Out-of-line ABI mode: the generated .py module is written by
    ``build_py`` into the build directory (so it lands in the wheel), and
    by ``build_ext --inplace`` next to the package's sources."""
    from setuptools.command.build_ext import build_ext
    from setuptools.command.build_py import build_py

    from . import recompiler

    parts = module_name.split(".")

    def generate(py_file):
        from ._stubs import write_stubs_beside

        os.makedirs(os.path.dirname(py_file) or ".", exist_ok=True)
        recompiler.make_py_source(ffi, module_name, py_file)
        write_stubs_beside(ffi, module_name, py_file)

    py_base = dist.cmdclass.get("build_py", build_py)

    class build_py_make_mod(py_base):
        def run(self):
            py_base.run(self)
            generate(os.path.join(self.build_lib, *parts[:-1], parts[-1] + ".py"))

        def get_source_files(self):
            # for sdist: the generated module is not a source file
            saved = self.py_modules
            try:
                if saved:
                    self.py_modules = [m for m in saved if m != module_name]
                return py_base.get_source_files(self)
            finally:
                self.py_modules = saved

    dist.cmdclass["build_py"] = build_py_make_mod
    # listed so that install --record and friends know about it
    if dist.py_modules is None:
        dist.py_modules = []
    dist.py_modules.append(module_name)

    ext_base = dist.cmdclass.get("build_ext", build_ext)

    class build_ext_make_mod(ext_base):
        def run(self):
            ext_base.run(self)
            if self.inplace:
                package_dir = self.get_finalized_command("build_py").get_package_dir(".".join(parts[:-1]))
                generate(os.path.join(package_dir, parts[-1] + ".py"))

    dist.cmdclass["build_ext"] = build_ext_make_mod


def _add_c_module(dist, ffi, module_name, source, source_extension, kwds):
    from setuptools import Extension
    from setuptools.command.build_ext import build_ext

    from . import _abi3, recompiler

    # py_limited_api=True unless given, as cffi: a '.abi3.so' module
    kwds = _abi3.extension_kwds(ffi, kwds, default=True)
    if getattr(ffi, "_windows_unicode", None):
        ffi._apply_windows_unicode(kwds)  # (kwds is a copy already)
    if kwds.get("py_limited_api"):
        _abi3.tag_abi3_wheels(dist)
    allsources = ["$PLACEHOLDER"]
    allsources.extend(kwds.pop("sources", []))
    ext = Extension(name=module_name, sources=allsources, **kwds)

    def make_mod(tmpdir, pre_run=None):
        c_file = os.path.join(tmpdir, module_name + source_extension)
        os.makedirs(tmpdir, exist_ok=True)
        # setuptools-only hook, as in cffi: build_ext subclasses may define
        # 'pre_run(self, ext, ffi)', called before the C code is generated.
        if pre_run is not None:
            pre_run(ext, ffi)
        recompiler.make_c_source(ffi, module_name, source, c_file)
        return c_file

    if dist.ext_modules is None:
        dist.ext_modules = []
    dist.ext_modules.append(ext)

    base_class = dist.cmdclass.get("build_ext", build_ext)

    class build_ext_make_mod(base_class):
        def run(self):
            if ext.sources[0] == "$PLACEHOLDER":
                pre_run = getattr(self, "pre_run", None)
                ext.sources[0] = make_mod(self.build_temp, pre_run)
            base_class.run(self)
            if getattr(ffi, "_embedding", None) is None:
                # typed stubs beside the built module (in the wheel, or in place)
                from ._stubs import write_stubs_beside

                write_stubs_beside(ffi, module_name, self.get_ext_fullpath(module_name))

    dist.cmdclass["build_ext"] = build_ext_make_mod


def _specs(value):
    return [value] if isinstance(value, str) else list(value)


def cffi_modules(dist, attr, value):
    """The ``cffi_modules=`` keyword."""
    for spec in _specs(value):
        add_cffi_module(dist, spec, attr)


def rcffi_modules(dist, attr, value):
    """The ``rcffi_modules=`` keyword (never claimed by real cffi)."""
    for spec in _specs(value):
        add_cffi_module(dist, spec, attr)


def claim_cffi_modules(dist):
    """``setuptools.finalize_distribution_options`` hook, run before the
    keyword hooks (see ``order``): build the ``cffi_modules`` whose FFI is
    rcffi's and leave only real cffi's in ``dist.cffi_modules``."""
    value = getattr(dist, "cffi_modules", None)
    if not value:
        return
    left = [spec for spec in _specs(value) if not add_cffi_module(dist, spec, "cffi_modules")]
    # None: setuptools then calls no keyword hook at all
    dist.cffi_modules = left or None


# below 0, the order of setuptools' own hook that calls the keyword hooks
claim_cffi_modules.order = -10


def pyproject_modules(dist):
    """``setuptools.finalize_distribution_options`` hook: the modules that
    ``[tool.rcffi] modules = ["path/build.py:ffibuilder", ...]`` of the
    project's pyproject.toml (in the current directory, where setuptools
    reads it too) lists, for projects without a setup.py."""
    from ._pyproject import module_specs

    for spec in module_specs(os.getcwd(), error):
        add_cffi_module(dist, spec, "[tool.rcffi] modules")


pyproject_modules.order = -5


__all__ = ["cffi_modules", "rcffi_modules", "claim_cffi_modules", "pyproject_modules", "add_cffi_module", "sys"]
