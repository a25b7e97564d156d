"""One Python file object given as a `FILE *` to both rcffi and real cffi in
one process, in every order: each library keeps its own `FILE *` on the
file under names of its own, so neither misreads the other's (they used to
share cffi's names with different contents, and the second one crashed).

Each order runs in a subprocess, so that a crash is a failed test."""

import subprocess
import sys

import pytest

try:
    import cffi  # noqa: F401  (the reference implementation, for this test only)
except ImportError:  # pragma: no cover - scripts/test.sh installs it
    cffi = None

pytestmark = pytest.mark.skipif(cffi is None, reason="real cffi is not installed: nothing to share a file with")

SCRIPT = r"""
import sys
import cffi, rcffi

libs = {}
for name, mod in (("cffi", cffi), ("rcffi", rcffi)):
    ffi = mod.FFI()
    ffi.cdef("int fputs(const char *, FILE *); int fflush(FILE *);")
    libs[name] = (ffi, ffi.dlopen(None))

path, order, how = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
with open(path, "wb") as f:
    for step, name in enumerate(order):
        ffi, lib = libs[name]
        f.write(b"<")
        arg = ffi.cast("FILE *", f) if how == "cast" else f
        assert lib.fputs(("%s%d" % (name, step)).encode(), arg) >= 0
        f.write(b">")
print("ok")
"""

ORDERS = [
    ("cffi", "rcffi"),
    ("rcffi", "cffi"),
    ("cffi", "rcffi", "cffi", "rcffi"),
    ("rcffi", "cffi", "rcffi", "cffi"),
    ("rcffi", "rcffi", "cffi", "cffi"),
    ("cffi", "cffi", "rcffi", "rcffi"),
]


@pytest.mark.parametrize("how", ["argument", "cast"])
@pytest.mark.parametrize("order", ORDERS, ids=",".join)
def test_one_file_as_FILE_pointer_in_cffi_and_rcffi(tmp_path, order, how):
    path = tmp_path / "out.txt"
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(path), ",".join(order), how],
                       capture_output=True, text=True)
    assert r.returncode == 0, "exit %d\n%s" % (r.returncode, r.stderr)
    assert r.stdout == "ok\n"
    expected = "".join("<%s%d>" % (name, step) for step, name in enumerate(order))
    assert path.read_text() == expected

