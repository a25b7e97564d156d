"""``py_limited_api``: compiled modules on Python's stable ABI (abi3).

The generated C defines ``Py_LIMITED_API`` unless ``_CFFI_NO_LIMITED_API``
is defined (see crates/codegen/src/limited_api.rs). Here, as cffi's
setuptools hook does, the ``Extension`` keywords follow suit:

* the setuptools hook (``cffi_modules=``, ``[tool.rcffi]``) sets
  ``py_limited_api=True`` unless given: setuptools then names the module
  ``<name>.abi3.so`` and it imports on every CPython from 3.9 on;
* ``ffi.compile()`` keeps what ``set_source()`` was given (cffi's default
  there: the limited API in the C, the version-specific file name);
* ``py_limited_api=False`` defines ``_CFFI_NO_LIMITED_API`` (the full C API,
  for a ``set_source()`` source that needs it);
* no stable ABI where it does not exist: a debug build of Python
  (``sys.gettotalrefcount``), a free-threaded one, an embedding library.
"""

import sys
import sysconfig

# the oldest CPython the generated C targets: wheels are tagged cp39-abi3
ABI3_WHEEL_TAG = "cp39"


def _free_threaded():
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def stable_abi_possible(ffi):
    """Whether the module of 'ffi' can be built for the stable ABI here."""
    embedding = getattr(ffi, "_embedding", None) is not None
    return not (embedding or hasattr(sys, "gettotalrefcount") or _free_threaded())


def extension_kwds(ffi, kwds, default):
    """'kwds' (``set_source()``'s Extension keywords) with ``py_limited_api``
    decided: 'default' is what an unset option means (True for the
    setuptools hook, as cffi's)."""
    kwds = dict(kwds)
    if "py_limited_api" not in kwds and default and stable_abi_possible(ffi):
        kwds["py_limited_api"] = True
    if kwds.get("py_limited_api") and (getattr(ffi, "_embedding", None) is not None or _free_threaded()):
        # the generated C uses the full API there whatever is asked
        kwds["py_limited_api"] = False
    if kwds.get("py_limited_api") is False:
        macros = list(kwds.get("define_macros", ()))
        macros.append(("_CFFI_NO_LIMITED_API", None))
        kwds["define_macros"] = macros
    return kwds


def tag_abi3_wheels(dist):
    """Make ``bdist_wheel`` tag the wheel ``cp39-abi3`` when every extension
    module of 'dist' is built for the stable ABI and the project did not
    choose a tag itself (``[bdist_wheel] py_limited_api``): one wheel then
    installs on every supported CPython."""
    try:
        from setuptools.command.bdist_wheel import bdist_wheel
    except ImportError:  # pragma: no cover - setuptools < 70.1 (the wheel package's)
        try:
            from wheel.bdist_wheel import bdist_wheel
        except ImportError:
            return
    base = dist.cmdclass.get("bdist_wheel", bdist_wheel)
    if getattr(base, "_rcffi_tags_abi3", False):
        return

    class bdist_wheel_abi3(base):
        _rcffi_tags_abi3 = True

        def finalize_options(self):
            exts = self.distribution.ext_modules or ()
            if not self.py_limited_api and exts and all(getattr(e, "py_limited_api", False) for e in exts):
                self.py_limited_api = ABI3_WHEEL_TAG
            base.finalize_options(self)

    dist.cmdclass["bdist_wheel"] = bdist_wheel_abi3
