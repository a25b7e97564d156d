"""Wheels of what this test run has installed, for builds under pip's
build isolation without a network: ``pip wheel --no-index --find-links
<wheelhouse>`` then installs rcffi and setuptools into its build
environment from here.

A wheel is packed from the installed files: setuptools' from its RECORD,
rcffi's from its package directory (a `maturin develop` install lists only
a .pth file in RECORD) with this interpreter's extension only. Both are
only for these builds, never published.
"""

import base64
import hashlib
import importlib.metadata
import pathlib
import sys
import sysconfig
import zipfile

import pytest

SKIPPED_META = {"INSTALLER", "REQUESTED", "RECORD", "direct_url.json", "WHEEL"}


def _tag_of_this_python():
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    v = "cp%d%d" % sys.version_info[:2]
    return "%s-%s-%s" % (v, v, plat)


def _write_wheel(dest, name, version, tag, files, metadata_dir):
    """'files': (archive name, path) pairs; metadata from 'metadata_dir'."""
    dist_info = "%s-%s.dist-info" % (name, version)
    wheel = pathlib.Path(dest) / ("%s-%s-%s.whl" % (name, version, tag))
    records = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
        def add(arcname, data):
            z.writestr(arcname, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append("%s,sha256=%s,%d" % (arcname, digest, len(data)))

        for arcname, path in files:
            add(arcname, pathlib.Path(path).read_bytes())
        for meta in sorted(pathlib.Path(metadata_dir).iterdir()):
            if meta.is_file() and meta.name not in SKIPPED_META:
                add("%s/%s" % (dist_info, meta.name), meta.read_bytes())
        purelib = tag.endswith("-none-any")
        add("%s/WHEEL" % dist_info, ("Wheel-Version: 1.0\nGenerator: rcffi-tests\nRoot-Is-Purelib: %s\nTag: %s\n"
                                     % ("true" if purelib else "false", tag)).encode())
        z.writestr("%s/RECORD" % dist_info, "\n".join(records + ["%s/RECORD,," % dist_info]) + "\n")
    return wheel


def setuptools_wheel(dest):
    dist = importlib.metadata.distribution("setuptools")
    files = []
    for f in dist.files or ():
        parts = f.parts
        if parts[0].endswith(".dist-info") or "__pycache__" in parts or parts[0].startswith(".."):
            continue
        files.append((f.as_posix(), dist.locate_file(f)))
    if not files:
        pytest.skip("setuptools' installed files are not listed (no RECORD): cannot pack a wheel of it")
    return _write_wheel(dest, "setuptools", dist.version, "py3-none-any", files, dist._path)


def rcffi_wheel(dest):
    import rcffi

    dist = importlib.metadata.distribution("rcffi")
    pkg = pathlib.Path(rcffi.__file__).parent
    ext_suffix = sysconfig.get_config_var("EXT_SUFFIX")
    files = []
    for path in sorted(pkg.rglob("*")):
        rel = path.relative_to(pkg.parent)
        if path.is_dir() or "__pycache__" in rel.parts or path.suffix == ".pyc":
            continue
        if path.suffix == ".so" and not path.name.endswith(ext_suffix):
            continue  # another Python version's build (maturin develop for each)
        files.append((rel.as_posix(), path))
    pth = pkg.parent / "rcffi_as_cffi.pth"
    if pth.exists():
        files.append((pth.name, pth))
    return _write_wheel(dest, "rcffi", dist.version, _tag_of_this_python(), files, dist._path)


def make_wheelhouse(dest):
    """A directory with wheels of rcffi and setuptools: 'dest'."""
    dest = pathlib.Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    rcffi_wheel(dest)
    setuptools_wheel(dest)
    return dest
