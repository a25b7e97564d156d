"""Round 5 of threads: what holds when the thread that runs next is another
one. A C call, a callback or any Python code rcffi runs (a warning shown,
a value's `__int__`) lets another thread in, which may close the library
or drop the last reference to a callback. Each case runs in a fresh
interpreter (a crash must not take pytest down), with a C library built
by gcc for the test."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import IMPL_NAME, build_c_library

SOURCE = r"""
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
/* says it is running (a byte into the FIFO `path`), then takes `ms` ms */
int signal_then_sleep(const char *path, int ms) {
    int fd = open(path, O_WRONLY);
    if (fd >= 0) { (void)!write(fd, "x", 1); close(fd); }
    usleep(ms * 1000);
    return ms;
}
int add(int a, int b) { return a + b; }
int gvar = 42;
typedef int (*cb_t)(int);
typedef signed char (*cbc_t)(int);
int call_cb(cb_t cb, int x) { return cb(x); }
int call_cbc(cbc_t cb, int x) { return cb(x); }
struct job { cb_t cb; int x, r; };
static void *run(void *a) { struct job *j = a; j->r = j->cb(j->x); return 0; }
int call_cb_in_c_thread(cb_t cb, int x) {
    struct job j = { cb, x, 0 };
    pthread_t t;
    pthread_create(&t, 0, run, &j);
    pthread_join(t, 0);
    return j.r;
}
"""


@pytest.fixture(scope="module")
def libpath(tmp_path_factory):
    return build_c_library(tmp_path_factory.mktemp("threads5"), "threads5", SOURCE, "-lpthread")


def run(body, **names):
    """`body` in a fresh interpreter; its output lines."""
    code = "import {impl} as cffi\n".format(impl=IMPL_NAME) + textwrap.dedent(body).format(**names)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stdout[-2000:], r.stderr[-3000:])
    return r.stdout.splitlines()


@pytest.mark.parametrize("what", ["function", "variable"])
def test_dlclose_in_another_thread_during_the_first_lookup(libpath, tmp_path, what):
    # the first `lib.add` looks the symbol up, then builds its type, which
    # shows a warning (Python code: here it lets another thread close the
    # library). rcffi pinned the library only after that: the real
    # dlclose() ran, `lib.add` was a pointer into unmapped code and the
    # call crashed (SIGSEGV). The lookup now pins the library before
    # dlsym(), and what it fetched is not kept once the library was closed
    # meanwhile (kept in `lib`'s cache, `lib.add` went on working after
    # the close): the lookup raises, as every later one, and as in cffi
    # (which builds the type before the lookup; it crashes in the same
    # race when its lookup comes first).
    private = tmp_path / "libprivate.so"  # mapped by this process only
    shutil.copy(libpath, private)
    out = run("""
        import threading, warnings
        ffi = cffi.FFI()
        ffi.cdef("enum e; enum e add(int, int); extern enum e gvar;")
        lib = ffi.dlopen({path!r})
        closed = []
        def close_in_another_thread(*args, **kwargs):
            if not closed:
                t = threading.Thread(target=lambda: closed.append(ffi.dlclose(lib)))
                t.start()
                t.join()
        warnings.showwarning = close_in_another_thread
        warnings.simplefilter("always")
        for attempt in range(2):
            try:
                if {what!r} == "function":
                    print(lib.add(1, 2))
                else:
                    print(lib.gvar)
            except (ValueError, AttributeError) as e:
                print(type(e).__name__, bool(closed))
    """, path=str(private), what=what)
    if IMPL_NAME == "rcffi" or what == "function":
        assert out == ["ValueError True"] * 2
    else:
        # cffi: no variable of that type (before any warning)
        assert [line.split()[0] for line in out] == ["AttributeError"] * 2


CALLBACK_DROPPED = """
    import gc, threading
    ffi = cffi.FFI()
    ffi.cdef("typedef int (*cb_t)(int); typedef signed char (*cbc_t)(int);"
             "int call_cb(cb_t, int); int call_cbc(cbc_t, int); int call_cb_in_c_thread(cb_t, int);")
    lib = ffi.dlopen({path!r})
    caller = getattr(lib, {caller!r})
    ctype = "signed char(int)" if {caller!r} == "call_cbc" else "int(int)"
    inside, dropped = threading.Event(), threading.Event()
    def body(x):
        inside.set()
        dropped.wait()
        junk = [bytearray(64) for _ in range(2000)]  # reuses freed memory
        if {fail!r}:
            raise ValueError(x)
        return x * 3
    kept = [ffi.callback(ctype, body, error=-1, onerror=lambda *exc: None)]
    # C gets the bare address: nothing but `kept` holds the callback
    address = ffi.cast(ffi.typeof(kept[0]), kept[0])
    res = []
    t = threading.Thread(target=lambda: res.append(caller(address, 14)))
    t.start()
    inside.wait()
    kept.clear()      # the last reference goes while the callback runs
    gc.collect()
    dropped.set()
    t.join()
    print(res)
"""


@pytest.mark.parametrize("caller", ["call_cb", "call_cbc", "call_cb_in_c_thread"])
@pytest.mark.parametrize("fail", [False, True])
def test_the_last_reference_to_a_running_callback_goes_in_another_thread(libpath, caller, fail):
    # rcffi's callback freed its closure and its data (callable, error
    # value, onerror) as soon as the cdata died, while the call still used
    # them: the error path crashed (SIGSEGV), and a small integer result
    # was widened from freed memory. Each call now holds the callback
    # while it runs, as cffi holds its callback's data.
    out = run(CALLBACK_DROPPED, path=libpath, caller=caller, fail=fail)
    assert out == (["[-1]"] if fail else ["[42]"])


def test_a_callback_that_drops_its_own_last_reference(libpath):
    # the same in one thread: the callable clears the only reference to
    # its own callback, then raises (its onerror gives the result)
    out = run("""
        import gc
        ffi = cffi.FFI()
        ffi.cdef("typedef int (*cb_t)(int); int call_cb(cb_t, int);")
        lib = ffi.dlopen({path!r})
        kept = []
        def body(x):
            kept.clear()
            gc.collect()
            junk = [bytearray(64) for _ in range(2000)]
            raise ValueError(x)
        kept.append(ffi.callback("int(int)", body, onerror=lambda *exc: 7))
        print(lib.call_cb(ffi.cast("cb_t", kept[0]), 1))
    """, path=libpath)
    assert out == ["7"]


@pytest.mark.skipif(IMPL_NAME != "rcffi", reason="isolated libraries are rcffi's")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_an_isolated_library_opened_by_a_thread_that_ends(libpath, tmp_path):
    # the worker asks Linux to kill it when its parent goes
    # (PR_SET_PDEATHSIG), and Linux means the parent *thread*: the worker
    # of a library opened (or restarted) by a thread that then ended was
    # killed with SIGKILL, in the middle of another thread's call
    # (NativeCrash; 3 runs in 8 of a probe with 6 threads and restarts).
    # Workers are now started from one thread that lasts as long as the
    # process.
    fifo = str(tmp_path / "inside")
    os.mkfifo(fifo)
    out = run("""
        import threading
        import rcffi.isolation
        ffi = cffi.FFI()
        ffi.cdef("int signal_then_sleep(const char *, int);")
        opened, ready, done = [], threading.Event(), threading.Event()
        def opener():
            opened.append(ffi.dlopen({path!r}, isolated=True))
            ready.set()
            done.wait()       # ends while the call below runs
        t = threading.Thread(target=opener)
        t.start()
        ready.wait()
        lib = opened[0]
        pid = rcffi.isolation.worker_pid(lib)
        res = []
        def call():
            try:
                res.append(lib.signal_then_sleep({fifo!r}.encode(), 1500))
            except Exception as e:
                res.append(type(e).__name__)
        c = threading.Thread(target=call)
        c.start()
        with open({fifo!r}, "rb") as f:
            f.read(1)         # the worker is inside the call
        done.set()
        t.join()
        c.join()
        print(res, rcffi.isolation.worker_pid(lib) == pid)
    """, path=libpath, fifo=fifo)
    assert out == ["[1500] True"]
