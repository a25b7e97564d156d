"""``ffi.set_source_pkgconfig()`` and the ``pkgconfig`` module build scripts
import (``from cffi import pkgconfig``): flags read from pkg-config, errors
as ``PkgConfigError``. A stand-in ``pkg-config`` script on ``PATH`` plays
the packages, so no system library is needed."""

import importlib
import os
import stat
import sys

import pytest

from conftest import IMPL_NAME, cffi_impl

pkgconfig = importlib.import_module(IMPL_NAME + ".pkgconfig")

FAKE = r"""#!/bin/sh
# arguments: --print-errors FLAG NAME
case "$3" in
  libfoo)
    case "$2" in
      --cflags) echo "-I/opt/foo/include -DFOO_API=2 -DFOO_STATIC -pthread" ;;
      --libs) echo "-L/opt/foo/lib -lfoo -Wl,-rpath,/opt/foo/lib" ;;
    esac ;;
  "libbar >= 1.2")
    case "$2" in
      --cflags) echo "-I/opt/bar/include" ;;
      --libs) echo "-lbar -lm" ;;
    esac ;;
  escaped)
    printf '%s\n' '-I/opt/with\ space' ;;
  latin1)
    printf '%s\n' "-I/opt/caf$(printf '\351')" ;;
  *)
    echo "Package $3 was not found in the pkg-config search path." >&2
    exit 1 ;;
esac
"""


@pytest.fixture
def fake_pkg_config(tmp_path, monkeypatch):
    tool = tmp_path / "pkg-config"
    tool.write_text(FAKE)
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ.get("PATH", ""))
    return tool


def test_flags_of_two_packages_are_merged(fake_pkg_config):
    flags = pkgconfig.flags_from_pkgconfig(["libfoo", "libbar >= 1.2"])
    assert flags == {
        "include_dirs": ["/opt/foo/include", "/opt/bar/include"],
        "library_dirs": ["/opt/foo/lib"],
        "libraries": ["foo", "bar", "m"],
        "define_macros": [("FOO_API", "2"), ("FOO_STATIC", None)],
        "extra_compile_args": ["-pthread"],
        "extra_link_args": ["-Wl,-rpath,/opt/foo/lib"],
    }


def test_call_returns_what_pkg_config_prints(fake_pkg_config):
    assert pkgconfig.call("libbar >= 1.2", "--libs").split() == ["-lbar", "-lm"]


def test_a_missing_package_is_a_pkgconfig_error(fake_pkg_config):
    with pytest.raises(cffi_impl.PkgConfigError, match="Package nosuch was not found"):
        pkgconfig.flags_from_pkgconfig(["nosuch"])


def test_output_the_encoding_cannot_decode(fake_pkg_config):
    with pytest.raises(cffi_impl.PkgConfigError, match="latin1"):
        pkgconfig.call("latin1", "--cflags", encoding="utf-8")
    assert pkgconfig.call("latin1", "--cflags", encoding="latin-1").strip() == "-I/opt/caf\xe9"


def test_backslash_escapes_are_refused(fake_pkg_config):
    with pytest.raises(cffi_impl.PkgConfigError, match="backslash-escaped"):
        pkgconfig.flags_from_pkgconfig(["escaped"])


def test_no_pkg_config_at_all(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory
    with pytest.raises(cffi_impl.PkgConfigError, match="cannot run pkg-config"):
        pkgconfig.call("libfoo", "--cflags")


def test_merge_flags():
    cfg = {"libraries": ["one"]}
    assert pkgconfig.merge_flags(cfg, {"libraries": ["two"], "include_dirs": ["x"]}) is cfg
    assert cfg == {"libraries": ["one", "two"], "include_dirs": ["x"]}
    with pytest.raises(TypeError, match="cfg1\\['libraries'\\] should be a list of strings"):
        pkgconfig.merge_flags({"libraries": "one"}, {"libraries": ["two"]})
    with pytest.raises(TypeError, match="cfg2\\['libraries'\\] should be a list of strings"):
        pkgconfig.merge_flags({"libraries": ["one"]}, {"libraries": "two"})


def test_set_source_pkgconfig_adds_the_flags_to_the_module(fake_pkg_config):
    ffi = cffi_impl.FFI()
    ffi.cdef("int foo(int);")
    ffi.set_source_pkgconfig("_pc_mod", ["libfoo"], "#include <foo.h>", libraries=["extra"])
    name, source, _ext, kwds = ffi._assigned_source
    assert (name, source) == ("_pc_mod", "#include <foo.h>")
    assert kwds["libraries"] == ["extra", "foo"]
    assert kwds["include_dirs"] == ["/opt/foo/include"]
    assert kwds["define_macros"] == [("FOO_API", "2"), ("FOO_STATIC", None)]
    with pytest.raises(TypeError, match="must be a list"):
        ffi.set_source_pkgconfig("_pc_mod2", "libfoo", "")


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="drop-in mode is rcffi's")
def test_drop_in_mode_has_cffi_pkgconfig(fake_pkg_config):
    import subprocess

    code = ("import rcffi; rcffi.install_as_cffi(); from cffi import pkgconfig; import cffi.pkgconfig as m; "
            "assert m is pkgconfig and m.flags_from_pkgconfig(['libbar >= 1.2'])['libraries'] == ['bar', 'm']; "
            "print(pkgconfig.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() in ("cffi.pkgconfig", "rcffi.pkgconfig")
