"""A compiled module in a package (``setup(ext_package="pkg")`` with
``set_source("_foo", ...)``) is importable as ``pkg._foo``, and, as cffi
does when it initialises, is also ``sys.modules["_foo"]``, its lib
``sys.modules["_foo.lib"]``."""

import subprocess
import sys
import textwrap

from conftest import IMPL_NAME

from .conftest import unique


def test_ext_package_module_is_registered_under_its_own_name(tmp_path):
    name = unique("_foo")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "build_foo.py").write_text(textwrap.dedent("""
        from %s import FFI
        ffibuilder = FFI()
        ffibuilder.cdef("int plus_one(int);")
        ffibuilder.set_source(%r, "static int plus_one(int x) { return x + 1; }")
    """ % (IMPL_NAME, name)))
    (tmp_path / "setup.py").write_text(textwrap.dedent("""
        from setuptools import setup
        setup(name="pkg", version="0.1", packages=["pkg"], ext_package="pkg",
              %s=["build_foo.py:ffibuilder"])
    """ % ("rcffi_modules" if IMPL_NAME == "rcffi" else "cffi_modules",)))
    subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=str(tmp_path), check=True,
                   capture_output=True)
    code = textwrap.dedent("""
        import sys
        import pkg.NAME as m
        assert m.__name__ == "pkg.NAME", m.__name__
        assert sys.modules["NAME"] is m
        assert sys.modules["NAME.lib"] is m.lib
        assert "pkg.NAME.lib" not in sys.modules
        import NAME
        from NAME.lib import plus_one
        print(NAME is m, plus_one(41))
    """).replace("NAME", name)
    out = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "42"]
