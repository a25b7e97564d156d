"""Callbacks on hardened systems: `ffi.callback()` needs no memory that is
writable and executable, so it works in a process that forbids it
(`prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN)`, as SELinux `deny_execmem`
and systemd `MemoryDenyWriteExecute=` do) where cffi raises MemoryError; and
in the child of a `fork()`. Each case runs in its own interpreter."""

import subprocess
import sys
import textwrap

import pytest

from conftest import IMPL_NAME

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_MDWE) and /proc are Linux's")

PRELUDE = textwrap.dedent("""
    import os, sys
    impl = __import__(sys.argv[1])
    ffi = impl.FFI()
    ffi.cdef('''
        int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long);
        void *mmap(void *, size_t, int, int, int, long);
        void qsort(void *, size_t, size_t, int (*)(const void *, const void *));
    ''')
    C = ffi.dlopen(None)

    def sort_with_callback():
        @ffi.callback("int(const void *, const void *)")
        def cmp(a, b):
            x, y = ffi.cast("int *", a)[0], ffi.cast("int *", b)[0]
            return (x > y) - (x < y)
        arr = ffi.new("int[]", [3, 1, 2])
        C.qsort(arr, 3, ffi.sizeof("int"), cmp)
        return list(arr)
""")

MDWE = PRELUDE + textwrap.dedent("""
    PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
    if C.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
        print("unsupported", os.strerror(ffi.errno))
        sys.exit(0)
    # the process is hardened: an anonymous write+execute mapping is refused
    wx = C.mmap(ffi.NULL, 4096, 7, 0x22, -1, 0)  # PROT_READ|WRITE|EXEC, MAP_PRIVATE|MAP_ANONYMOUS
    print("wx-mmap", "refused" if ffi.cast("intptr_t", wx) == -1 else "allowed")
    try:
        print("sorted", sort_with_callback())
    except MemoryError as e:
        print("MemoryError", e)
""")


def run(code, impl):
    r = subprocess.run([sys.executable, "-c", code, impl], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def _mdwe(impl):
    out = run(MDWE, impl)
    if out[0].startswith("unsupported"):
        pytest.skip("this kernel has no PR_SET_MDWE (Linux 6.3+): %s" % out[0])
    assert out[0] == "wx-mmap refused"
    return out[1]


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="what rcffi does beyond cffi")
def test_callback_works_when_the_process_refuses_write_execute_memory():
    assert _mdwe("rcffi") == "sorted [1, 2, 3]"


def test_cffi_callback_fails_there():
    # the claim in the README and docs/callbacks.md, checked against real
    # cffi when it is installed (if cffi ever stops failing, say so there)
    import importlib.util

    spec = importlib.util.find_spec("_cffi_backend")
    if spec is None or "rcffi" in (spec.origin or ""):
        pytest.skip("real cffi is not installed (scripts/test.sh installs cffi 2.0.0)")
    assert _mdwe("cffi").startswith("MemoryError Cannot allocate write+execute memory for ffi.callback()")


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="what rcffi does beyond cffi")
def test_no_mapping_is_ever_writable_and_executable():
    # the reason: libffi's static trampolines map code pages read+execute
    # from its own text and keep the data read+write (checked on any kernel)
    code = PRELUDE + textwrap.dedent("""
        cbs = [ffi.callback("int(int)", lambda x, i=i: x + i) for i in range(300)]
        assert [cb(1) for cb in cbs[:3]] == [1, 2, 3]
        sort_with_callback()
        maps = open("/proc/self/maps").read().splitlines()
        print("rwx", [m for m in maps if m.split()[1].startswith("rwx")])
    """)
    assert run(code, "rcffi") == ["rwx []"]


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="what rcffi does beyond cffi")
def test_callbacks_in_the_child_of_fork():
    code = PRELUDE + textwrap.dedent("""
        before = ffi.callback("int(int)", lambda x: x * 10)
        pid = os.fork()
        if pid == 0:
            # the child: a callback made before fork still works, new ones too
            ok = before(4) == 40 and sort_with_callback() == [1, 2, 3]
            made = [ffi.callback("int(int)", lambda x, i=i: x - i) for i in range(50)]
            ok = ok and [cb(100) for cb in made[:3]] == [100, 99, 98]
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)
        print("parent", before(5), sort_with_callback())
    """)
    assert run(code, "rcffi") == ["child 0", "parent 50 [1, 2, 3]"]
