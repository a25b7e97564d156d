"""Crashes, hangs and floods of failures in an isolated library leave the
parent healthy (docs/isolation.md, "Failures")."""

import gc
import os
import pathlib
import signal
import threading
import time

import pytest

import rcffi

# signals whose default action ends a process (SIGINT is ignored by the
# worker on purpose, SIGPIPE by every Python process)
FATAL = [s for s in ("SIGHUP", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
                     "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGALRM", "SIGTERM", "SIGXCPU", "SIGSYS")
         if hasattr(signal, s)]


def _soak_script():
    """scripts/soak_isolated.py as a module: its /proc helpers."""
    import importlib.util

    path = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "soak_isolated.py"
    spec = importlib.util.spec_from_file_location("soak_isolated", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def children_states():
    """The state letter of every child process of this one."""
    return _soak_script().children()


def open_fds():
    return _soak_script().fds()


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc (Linux)")


def test_sigsegv_becomes_native_crash(isolated):
    old = rcffi.isolation.worker_pid(isolated)
    with pytest.raises(rcffi.NativeCrash) as info:
        isolated.crash_segv(0)
    e = info.value
    assert e.signal == signal.SIGSEGV and e.exitcode is None
    assert e.function == "crash_segv" and e.pid == old
    assert "SIGSEGV" in str(e) and "crash_segv()" in str(e)
    assert isolated.add(2, 2) == 4  # the next call gets a fresh worker
    assert rcffi.isolation.worker_pid(isolated) != old


def test_abort_and_exit(isolated):
    with pytest.raises(rcffi.NativeCrash) as info:
        isolated.crash_abort()
    assert info.value.signal == signal.SIGABRT
    with pytest.raises(rcffi.NativeCrash) as info:
        isolated.exit_now(3)
    assert info.value.signal is None and info.value.exitcode == 3
    assert isolated.add(1, 2) == 3


@pytest.mark.parametrize("name", FATAL)
def test_every_fatal_signal_during_a_call(isolated, name):
    sig = getattr(signal, name)
    with pytest.raises(rcffi.NativeCrash) as info:
        isolated.kill_self(sig)
    assert info.value.signal == sig
    assert isolated.add(20, 22) == 42


@pytest.mark.parametrize("name", ["SIGINT", "SIGPIPE", "SIGCHLD", "SIGURG", "SIGWINCH", "SIGCONT"])
def test_signals_the_worker_survives(isolated, name):
    assert isolated.kill_self(getattr(signal, name)) == -1
    assert isolated.add(1, 1) == 2


@pytest.mark.parametrize("name", ["SIGKILL", "SIGTERM", "SIGSEGV"])
def test_killed_from_outside_during_a_call(isolated, name):
    sig = getattr(signal, name)
    result = {}

    def call():
        try:
            result["value"] = isolated.sleep_ms(30000)
        except BaseException as e:
            result["error"] = e

    pid = rcffi.isolation.worker_pid(isolated)
    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.2)
    os.kill(pid, sig)
    t.join(60)
    assert not t.is_alive()
    assert isinstance(result.get("error"), rcffi.NativeCrash), result
    assert result["error"].signal == sig and result["error"].function == "sleep_ms"
    assert isolated.add(1, 1) == 2


@pytest.mark.parametrize("name", ["SIGKILL", "SIGTERM", "SIGSEGV", "SIGHUP"])
def test_killed_from_outside_while_idle_is_replaced_quietly(isolated, name):
    pid = rcffi.isolation.worker_pid(isolated)
    os.kill(pid, getattr(signal, name))
    time.sleep(0.1)
    # not blamed on the next call: it just gets a new worker
    assert isolated.add(3, 4) == 7
    assert rcffi.isolation.worker_pid(isolated) != pid


def test_stopped_worker_times_out(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path, isolated=True, timeout=0.5)
    try:
        add = lib.add
        os.kill(rcffi.isolation.worker_pid(lib), signal.SIGSTOP)
        with pytest.raises(rcffi.NativeTimeout):
            add(1, 1)
        assert add(1, 1) == 2
        os.kill(rcffi.isolation.worker_pid(lib), signal.SIGSTOP)
        with pytest.raises(rcffi.NativeTimeout):
            lib.mul64  # binding a name in the worker is bounded by the timeout too
        assert lib.mul64(2, 3) == 6
    finally:
        risky_ffi.dlclose(lib)


def test_hung_call_times_out_and_worker_is_replaced(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path, isolated=True, timeout=0.5)
    try:
        old = rcffi.isolation.worker_pid(lib)
        with pytest.raises(rcffi.NativeTimeout) as info:
            lib.hang()
        e = info.value
        assert isinstance(e, TimeoutError)
        assert e.function == "hang" and e.timeout == 0.5 and e.pid == old
        with pytest.raises(ProcessLookupError):
            os.kill(old, 0)  # killed and reaped
        assert lib.add(5, 6) == 11
    finally:
        risky_ffi.dlclose(lib)


def test_per_function_timeout(isolated):
    rcffi.isolation.set_timeout(isolated, 0.3, function="hang")
    with pytest.raises(rcffi.NativeTimeout):
        isolated.hang()
    assert isolated.sleep_ms(400) == 400  # the library's own timeout (10 s) still applies to others


def test_circuit_breaker_opens_then_recovers(risky_ffi, risky_path):
    breaker = rcffi.Breaker(failures=3, window=60.0, cooldown=0.5)
    lib = risky_ffi.dlopen(risky_path, isolated=True, breaker=breaker)
    try:
        for _ in range(3):
            with pytest.raises(rcffi.NativeCrash):
                lib.crash_segv(0)
        assert rcffi.isolation.status(lib)["breaker"] == "open"
        restarts = rcffi.isolation.status(lib)["restarts"]
        with pytest.raises(rcffi.CircuitOpen) as info:
            lib.add(1, 1)  # fails fast: no worker is started
        assert info.value.failures == 3 and info.value.retry_after > 0
        assert rcffi.isolation.worker_pid(lib) is None
        assert rcffi.isolation.status(lib)["restarts"] == restarts
        time.sleep(0.6)
        # half-open: one call is let through; it succeeds, so the circuit closes
        assert lib.add(1, 1) == 2
        assert rcffi.isolation.status(lib)["breaker"] == "closed"
        assert lib.add(2, 2) == 4
    finally:
        risky_ffi.dlclose(lib)


def test_circuit_reopens_when_the_trial_call_fails(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path, isolated=True, breaker=rcffi.Breaker(failures=2, window=60, cooldown=0.3))
    try:
        for _ in range(2):
            with pytest.raises(rcffi.NativeCrash):
                lib.crash_abort()
        time.sleep(0.4)
        with pytest.raises(rcffi.NativeCrash):
            lib.crash_abort()  # the trial call
        with pytest.raises(rcffi.CircuitOpen):
            lib.add(1, 1)
    finally:
        risky_ffi.dlclose(lib)


def test_timeouts_count_for_the_breaker(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path, isolated=True, timeout=0.2,
                           breaker=rcffi.Breaker(failures=2, window=60, cooldown=30))
    try:
        for _ in range(2):
            with pytest.raises(rcffi.NativeTimeout):
                lib.hang()
        with pytest.raises(rcffi.CircuitOpen):
            lib.hang()
    finally:
        risky_ffi.dlclose(lib)


@needs_proc
def test_flood_of_crashes_leaves_the_parent_healthy(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path, isolated=True, breaker=False)
    try:
        lib.add(1, 1)
        gc.collect()  # libraries of earlier tests close their pipes now, not during the count
        fds = open_fds()
        crashers = [lambda: lib.crash_segv(0), lib.crash_abort, lambda: lib.kill_self(signal.SIGKILL)]
        for i in range(30):
            with pytest.raises(rcffi.NativeCrash):
                crashers[i % 3]()
        assert lib.add(2, 3) == 5
        assert open_fds() <= fds  # no pipe leaked
        states = children_states()
        assert "Z" not in states  # every dead worker was reaped
        assert len(states) <= 2   # and only the current one and the warm spare run
    finally:
        risky_ffi.dlclose(lib)


@needs_proc
def test_flood_with_the_default_breaker_fails_fast(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path, isolated=True)
    try:
        crashes = opens = 0
        for _ in range(50):
            try:
                lib.crash_segv(0)
            except rcffi.NativeCrash:
                crashes += 1
            except rcffi.CircuitOpen:
                opens += 1
        assert crashes == rcffi.Breaker().failures and opens == 50 - crashes
        assert "Z" not in children_states()
    finally:
        risky_ffi.dlclose(lib)


def test_restart_on_demand(isolated):
    old = rcffi.isolation.worker_pid(isolated)
    rcffi.isolation.restart(isolated)
    assert rcffi.isolation.worker_pid(isolated) not in (None, old)
    assert isolated.add(1, 1) == 2


def test_fork_child_gets_its_own_worker(isolated):
    if not hasattr(os, "fork"):
        pytest.skip("no os.fork on this platform")
    parent_worker = rcffi.isolation.worker_pid(isolated)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            ok = isolated.add(2, 2) == 4 and rcffi.isolation.worker_pid(isolated) != parent_worker
            os.write(w, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(w)
    answer = os.read(r, 1)
    os.close(r)
    os.waitpid(pid, 0)
    assert answer == b"1"
    assert rcffi.isolation.worker_pid(isolated) == parent_worker
    assert isolated.add(3, 3) == 6


class Interrupted(Exception):
    pass


def test_interrupted_call_replaces_the_worker(isolated):
    # an exception raised in the parent while it waits (Ctrl-C is the usual
    # one) leaves the reply out of step: the worker is replaced
    def handler(signum, frame):
        raise Interrupted()

    old_handler = signal.signal(signal.SIGUSR1, handler)
    try:
        pid = rcffi.isolation.worker_pid(isolated)
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGUSR1))
        timer.start()
        with pytest.raises(Interrupted):
            isolated.sleep_ms(30000)
        timer.join()
    finally:
        signal.signal(signal.SIGUSR1, old_handler)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert isolated.add(2, 3) == 5


def test_calls_from_many_threads(isolated):
    results = []
    errors = []

    def work(k):
        try:
            for i in range(200):
                results.append(isolated.add(k, i) == k + i)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 1600 and all(results)


def test_output_of_the_library_does_not_disturb_the_channel(risky_ffi, isolated):
    risky_ffi.cdef("int puts(const char *); int fflush(void *);")
    assert isolated.puts(b"written by C to the worker's stdout") >= 0
    isolated.fflush(None)
    assert isolated.add(1, 2) == 3


@needs_proc
def test_a_dropped_library_ends_its_worker_and_spare(risky_ffi, risky_path):
    # no dlclose(): the last reference to the library goes, and with it its
    # two processes and their pipes, while the ffi stays (each dlopen() kept
    # two processes until the ffi went: 20 drops left 40 children)
    gc.collect()
    before_children, before_fds = len(children_states()), open_fds()
    for _ in range(20):
        lib = risky_ffi.dlopen(risky_path, isolated=True, timeout=10.0)
        assert lib.add(2, 3) == 5
        del lib
        gc.collect()
    deadline = time.monotonic() + 10.0
    while len(children_states()) > before_children and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(children_states()) == before_children
    assert open_fds() == before_fds


def test_what_a_library_gave_keeps_it_alive(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path, isolated=True, timeout=10.0)
    add = lib.add
    s = lib.dup_upper(b"keep")
    pid = rcffi.isolation.worker_pid(lib)
    del lib
    gc.collect()
    # the function and the pointer still reach the same worker
    assert add(20, 22) == 42
    assert s.alive and s.string() == b"KEEP"
    assert "worker pid %s" % (pid,) in repr(s)


def test_a_daemon_thread_calling_at_exit_sees_no_crash(risky_path, risky_cdef):
    # the interpreter exits while a daemon thread is inside a call of an
    # isolated library: the supervisor's finalizer used to end the worker
    # at exit, under that call, which then raised NativeCrash ("exited with
    # status 0 while calling add()"), printed at every such exit. The
    # workers now end with the process (EOF on their pipes)
    import subprocess
    import sys
    code = """
import threading, rcffi
ffi = rcffi.FFI()
ffi.cdef(%r)
lib = ffi.dlopen(%r, isolated=True, timeout=10.0)
started = threading.Event()
def loop():
    while True:
        lib.add(1, 2)
        started.set()
threading.Thread(target=loop, daemon=True).start()
started.wait()
print("exit")
""" % (risky_cdef, risky_path)
    for _ in range(3):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and r.stdout == "exit\n", r.stderr[-2000:]
        assert "NativeCrash" not in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]
