"""What rcffi makes on first use rather than at import (a compiled module
imports `rcffi` at start (its `__init__` is the extension, also named
`rcffi._rcffi`) and needs none of it,
docs/performance.md "Import time"): each name works when it is the first
thing a fresh interpreter asks for, and is kept once made."""

import subprocess
import sys
import textwrap

import pytest

from conftest import IMPL_NAME

pytestmark = pytest.mark.skipif(IMPL_NAME == "cffi", reason="rcffi's own modules")


def fresh(body):
    """Run `body` in a fresh interpreter; its printed words."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(body)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


# (name, a use of it that shows it is the right thing: `m` is the module)
EXTENSION_NAMES = [
    ("CType", "print(isinstance(rcffi.FFI().typeof('int'), m.CType))"),
    ("buffer", "ffi = rcffi.FFI(); print(isinstance(ffi.buffer(ffi.new('int *')), m.buffer))"),
    ("CData", "print(isinstance(rcffi.FFI().new('int *'), m.CData))"),
    ("CField", "ffi = rcffi.FFI(); ffi.cdef('struct s { int a; };'); "
               "print(isinstance(ffi.typeof('struct s').fields[0][1], m.CField))"),
    ("Library", "print(m.Library.__name__ == 'Library')"),
    ("Meter", "print(m.Meter.__name__ == 'Meter')"),
    ("ApiModule", "print(m.ApiModule.__name__ == 'ApiModule')"),
    ("_lib_function_pointer", "print(m._lib_function_pointer(1) is None)"),
    ("_collect_types", "print(isinstance(m._collect_types(), dict))"),
    ("_null", "print(m._null() == rcffi.FFI().NULL)"),
    ("_error_classes", "print(issubclass(m._error_classes()[0], Exception))"),
    ("header_cdef_text", "print(callable(m.header_cdef_text))"),
    ("_boundary_function", "print(callable(m._boundary_function))"),
    ("_lib_address", "print(callable(m._lib_address))"),
    ("_lib_cache", "print(callable(m._lib_cache))"),
    ("_lib_set_hook", "print(callable(m._lib_set_hook))"),
    ("_lib_close", "print(callable(m._lib_close))"),
    ("_lib_subclass_ready", "print(callable(m._lib_subclass_ready))"),
    ("_make_lib", "print(callable(m._make_lib))"),
    ("_generate_c", "print(callable(m._generate_c))"),
    ("_snapshot_of", "ffi = rcffi.FFI(); ffi.cdef('int x;'); print(isinstance(m._snapshot_of(ffi), bytes))"),
    ("_parse_counts", "print(len(m._parse_counts()) == 2)"),
    ("_compiled_ffi_type", "print(m._compiled_ffi_type().__name__ == 'FFI')"),
    ("_out_of_line_ffi", "print(callable(m._out_of_line_ffi))"),
]


def first_use(module, name, use):
    """In a fresh interpreter: `import <module> as m` and nothing else,
    then `m.<name>` and `use` of it. What `use` printed, whether the name
    was held before its first use, whether the second read gives the same
    object, whether the module holds it after."""
    return fresh("""
        import rcffi
        import %s as m
        made_before = %r in vars(m)
        first = m.%s
        %s
        print(made_before, m.%s is first, %r in vars(m))
    """ % (module, name, name, use, name, name))


@pytest.mark.parametrize("name,use", EXTENSION_NAMES, ids=[n for n, _ in EXTENSION_NAMES])
def test_extension_name_made_on_first_use(name, use):
    assert first_use("rcffi._rcffi", name, use) == ["True", "False", "True", "True"]


@pytest.mark.parametrize("module", ["rcffi", "rcffi._rcffi"])
def test_unknown_name_is_an_attribute_error(module):
    # (`rcffi._rcffi` is the package itself: its name is `rcffi`)
    out = fresh("""
        import %s as m
        try:
            m.no_such_name
        except AttributeError as e:
            print(str(e) == "module 'rcffi' has no attribute 'no_such_name'")
        print(hasattr(m, "no_such_name"))
    """ % (module,))
    assert out == ["True", "False"]


def test_the_package_init_is_the_extension_under_both_names():
    # one module, one file: `import rcffi` runs no Python (no `.py` of rcffi
    # read), and `rcffi._rcffi`, however imported first, is the package
    for first in ("rcffi", "rcffi._rcffi"):
        out = fresh("""
            import sys
            import %s
            import rcffi, rcffi._rcffi
            from rcffi import _rcffi
            print(rcffi._rcffi is rcffi, sys.modules["rcffi._rcffi"] is rcffi, _rcffi is rcffi)
            print(rcffi.__name__, rcffi.__file__.endswith(".so"), rcffi.__path__ == [__import__("os").path.dirname(rcffi.__file__)])
            print(sorted(k for k in sys.modules if k.startswith("rcffi")))
        """ % first)
        assert out == ["True", "True", "True", "rcffi", "True", "True", "['rcffi',", "'rcffi._rcffi']"]


def test_package_names_and_docstring_are_cffis():
    out = fresh("""
        import rcffi
        print(rcffi.__all__ == ["FFI", "CDefError", "FFIError", "VerificationError", "VerificationMissing",
                                "PkgConfigError"])
        print(rcffi.CFFI_API_VERSION, rcffi.__version__ == rcffi.__version__.strip(), rcffi.__doc__.split(":")[0])
        from rcffi import *
        print(FFI is rcffi.FFI, issubclass(VerificationMissing, Exception), issubclass(CDefError, Exception))
    """)
    assert out == ["True", "2.0.0", "True", "rcffi", "True", "True", "True"]


def test_importing_the_extension_makes_none_of_them():
    # (what a compiled module's import pays for: tests/api/test_compiled_ffi_type.py)
    out = fresh("""
        import rcffi._rcffi as r
        print(sorted(set(vars(r)) & set(%r)) or "none")
    """ % ([n for n, _ in EXTENSION_NAMES],))
    assert out == ["none"]


# rcffi's own names given on first use (rcffi/_names.py)
PACKAGE_NAMES = [
    ("__version_info__", "print(rcffi.__version_info__ == tuple(int(x) for x in rcffi.__version__.split('.')))"),
    ("FFI", "print(rcffi.FFI().sizeof('int') == 4)"),
    ("FFIError", "print(issubclass(rcffi.FFIError, Exception))"),
    ("NULL", "print(rcffi.NULL == rcffi.FFI().NULL)"),
    ("CDefError", "print(issubclass(rcffi.CDefError, Exception))"),
    ("install_as_cffi", "print(callable(rcffi.install_as_cffi))"),
    ("model", "print(rcffi.model.__name__ == 'rcffi.model')"),
    ("contract", "print(callable(rcffi.contract))"),
]


@pytest.mark.parametrize("name,use", PACKAGE_NAMES, ids=[n for n, _ in PACKAGE_NAMES])
def test_package_name_given_on_first_use(name, use):
    # (a name given by `__getattr__` is not kept but for FFI/FFIError and
    # `__version_info__`: each later use asks again, as before)
    out = first_use("rcffi", name, use)
    assert out[:2] == ["True", "False"]


def test_package_dir_lists_the_names_given_on_use():
    out = fresh("""
        import rcffi
        names = dir(rcffi)
        print(all(n in names for n in ("FFI", "FFIError", "install_as_cffi", "__version_info__", "CDefError")))
        print("_names" in vars(rcffi) or "rcffi._names" in __import__("sys").modules)
    """)
    assert out == ["True", "True"]

