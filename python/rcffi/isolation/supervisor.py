"""The parent's side of an isolated library: it starts the worker
process, talks to it, notices when it dies or hangs, and replaces it.

One ``Supervisor`` per ``ffi.dlopen(..., isolated=True)``; one ``Worker``
per worker process it started (a *generation*). Calls are serialized by
the supervisor's lock (one request in flight per worker); the GIL is
released while the parent waits for the reply.
"""

import mmap
import os
import select
import signal
import subprocess
import sys
import threading
import time
import weakref

from . import protocol as P
from .errors import CircuitOpen, NativeCrash, NativeTimeout, StaleHandleError, WorkerStartError

# how long a new worker may take to start and load the library
DEFAULT_START_TIMEOUT = 30.0
# buffers of at least this many bytes go through the shared memory
DEFAULT_SHM_THRESHOLD = 32 * 1024


class Breaker:
    """A circuit breaker: after ``failures`` crashes or timeouts within
    ``window`` seconds, calls fail fast with ``rcffi.CircuitOpen`` for
    ``cooldown`` seconds (no worker is started meanwhile). Then one call
    is let through: if it crashes or times out the circuit opens again at
    once, if it succeeds the count starts afresh."""

    def __init__(self, failures=5, window=10.0, cooldown=5.0):
        if not isinstance(failures, int) or failures < 1:
            raise ValueError("Breaker(failures=...) must be a positive integer, not %r" % (failures,))
        for what, v in (("window", window), ("cooldown", cooldown)):
            if not isinstance(v, (int, float)) or v < 0:
                raise ValueError("Breaker(%s=...) must be a non-negative number of seconds, not %r" % (what, v))
        self.failures = failures
        self.window = float(window)
        self.cooldown = float(cooldown)
        self._times = []
        self._open_until = None
        self._half_open = False
        self._count = 0

    def __repr__(self):
        return "Breaker(failures=%d, window=%g, cooldown=%g)" % (self.failures, self.window, self.cooldown)

    @property
    def state(self):
        """``"closed"``, ``"open"`` or ``"half-open"``."""
        if self._open_until is not None:
            return "open" if time.monotonic() < self._open_until else "half-open"
        return "half-open" if self._half_open else "closed"

    def check(self, function, library):
        if self._open_until is None:
            return
        now = time.monotonic()
        if now < self._open_until:
            raise CircuitOpen(function, self._count, self._open_until - now, library)
        self._open_until = None
        self._half_open = True

    def failure(self):
        now = time.monotonic()
        times = [t for t in self._times if now - t <= self.window]
        times.append(now)
        self._times = times
        if self._half_open or len(times) >= self.failures:
            self._count = len(times)
            self._open_until = now + self.cooldown
            self._half_open = False

    def success(self):
        if self._half_open:
            self._half_open = False
            self._times = []

    def allows_start(self):
        return self._open_until is None or time.monotonic() >= self._open_until


class _NoBreaker(Breaker):
    def __init__(self):
        Breaker.__init__(self, 1, 0, 0)

    def check(self, function, library):
        pass

    def failure(self):
        pass

    def allows_start(self):
        return True


class Shm:
    """The shared memory of a supervisor (a memfd, or an unlinked file
    where there is none), mapped by the parent and by each worker.
    Allocation is a bump pointer reset before each call."""

    def __init__(self):
        if hasattr(os, "memfd_create"):
            self.fd = os.memfd_create("rcffi-isolated", os.MFD_CLOEXEC)
        else:  # pragma: no cover - not Linux
            import tempfile

            f = tempfile.TemporaryFile()
            self.fd = os.dup(f.fileno())
            f.close()
            os.set_inheritable(self.fd, False)
        self.size = 0
        self.mm = None
        self.top = 0

    def reset(self):
        self.top = 0

    def alloc(self, n):
        off = (self.top + 63) & ~63
        end = off + n
        if end > self.size:
            self._grow(end)
        self.top = end
        return off

    def _grow(self, need):
        page = mmap.PAGESIZE
        new = max(need, 2 * self.size, 1 << 20)
        new = (new + page - 1) // page * page
        os.ftruncate(self.fd, new)
        if self.mm is not None:
            self.mm.close()
        self.mm = mmap.mmap(self.fd, new)
        self.size = new

    def view(self, off, n):
        return memoryview(self.mm)[off:off + n]

    def close(self):
        if self.mm is not None:
            try:
                self.mm.close()
            except BufferError:  # pragma: no cover - a view still exported
                pass
            self.mm = None
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class _Died(Exception):
    pass


class _TimedOut(Exception):
    pass


class _Undelivered(_Died):
    """The first write of a request failed with EPIPE: the worker had died
    before the request (it cannot have caused it)."""


class _IdleDeath(Exception):
    """Raised by ``_exchange`` after replacing a worker found dead before
    a request was delivered; ``_with_worker`` runs the request again."""

    def __init__(self, worker, returncode):
        Exception.__init__(self)
        self.worker = worker
        self.returncode = returncode


class Worker:
    """One worker process (one generation of a supervisor)."""

    def __init__(self, supervisor, proc, rfd, wfd, generation):
        # weak: the supervisor's finalizer holds its workers (to end them),
        # and a strong reference back would keep the supervisor reachable
        # from the finalizer registry for ever: a dropped isolated library
        # would never end its two processes
        self._supervisor = weakref.ref(supervisor)
        self.library_id = id(supervisor)
        self.proc = proc
        self.pid = proc.pid
        self.rfd = rfd
        self.wfd = wfd
        self.generation = generation
        self.ready = False
        self.dead = False
        self.bound = set()
        self.ncalls = 0  # cdef calls the worker has
        self.shm = supervisor.shm
        self.shm_size = 0
        self.shm_threshold = supervisor.shm_threshold
        self.poller = select.poll()
        self.poller.register(rfd, select.POLLIN)

    @property
    def supervisor(self):
        """The supervisor of this worker; what holds a worker to use it
        (a ``WorkerPointer``) also holds the supervisor."""
        sup = self._supervisor()
        if sup is None:
            raise ValueError("the isolated library of worker pid %s has been dropped" % (self.pid,))
        return sup

    def is_current(self):
        sup = self._supervisor()
        return sup is not None and sup.worker is self and not self.dead

    def send(self, data):
        try:
            n = os.write(self.wfd, data)
        except (BrokenPipeError, ConnectionResetError):
            raise _Undelivered() from None  # no reader: the worker is gone
        except OSError as e:  # pragma: no cover - EBADF after a close
            raise _Died() from e
        if n < len(data):
            self._send_rest(data, n)

    def _send_rest(self, data, n):
        view = memoryview(data)
        try:
            while n < len(data):
                n += os.write(self.wfd, view[n:])
        except OSError:
            raise _Died() from None

    def _wait(self, deadline):
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _TimedOut()
            if self.poller.poll(left * 1000.0 + 0.5):
                return

    def recv(self, timeout):
        if timeout is None:
            wait = None
        else:
            deadline = time.monotonic() + timeout

            def wait():
                self._wait(deadline)
        try:
            frame = P.read_frame(self.rfd, wait)
        except ValueError:
            frame = None  # the worker is confused: treated as dead
        if frame is None:
            raise _Died()
        return frame

    def close_fds(self):
        for fd in (self.rfd, self.wfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.rfd = self.wfd = -1

    def kill(self):
        """SIGKILL the process and reap it; return its exit status."""
        self.dead = True
        try:
            self.proc.kill()
        except OSError:  # pragma: no cover - already gone
            pass
        return self.reap()

    def reap(self, timeout=5.0):
        self.dead = True
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                self.proc.kill()
                rc = self.proc.wait(timeout)
            except Exception:  # pragma: no cover - unkillable (D state)
                rc = None
        self.close_fds()
        return rc


_supervisors = weakref.WeakSet()


class _Spawner:
    """Starts the worker processes from one thread that lasts as long as
    the process. A worker asks Linux to kill it when its parent goes
    (``PR_SET_PDEATHSIG``, worker.py), and Linux means the *thread* that
    started it: a worker started by a short-lived thread (the one that
    opened the library, or made the call that restarted it) was killed
    when that thread ended, in the middle of another thread's call
    (``NativeCrash``, SIGKILL)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.wake = threading.Condition(self.lock)
        self.requests = []
        thread = threading.Thread(target=self._serve, name="rcffi-isolation-spawner", daemon=True)
        thread.start()

    def _serve(self):
        while True:
            with self.lock:
                while not self.requests:
                    self.wake.wait()
                request = self.requests.pop(0)
            try:
                outcome = (True, request["start"]())
            except BaseException as e:  # handed to the waiting thread
                outcome = (False, e)
            with self.lock:
                request["outcome"] = outcome
                abandoned = request["abandoned"]
                request["done"].set()
            if abandoned and outcome[0]:
                request["discard"](outcome[1])

    def run(self, start, discard):
        """``start()`` in the spawner's thread; its result, or what it
        raised. A caller interrupted while waiting (KeyboardInterrupt)
        leaves; what ``start()`` made then goes to ``discard``."""
        request = {"start": start, "discard": discard, "done": threading.Event(), "outcome": None, "abandoned": False}
        with self.lock:
            self.requests.append(request)
            self.wake.notify()
        try:
            request["done"].wait()
        except BaseException:
            with self.lock:
                request["abandoned"] = True
                outcome = request["outcome"]
            if outcome is not None and outcome[0]:
                discard(outcome[1])
            raise
        ok, value = request["outcome"]
        if not ok:
            raise value
        return value


_spawner = None
_spawner_lock = threading.Lock()


def _in_spawner(start, discard):
    """``start()`` from the long-lived spawner thread where the worker's
    death signal follows its parent thread (Linux), else here."""
    global _spawner
    if not sys.platform.startswith("linux"):
        return start()
    with _spawner_lock:
        if _spawner is None:
            _spawner = _Spawner()
        spawner = _spawner
    return spawner.run(start, discard)


def _discard_process(proc):
    try:
        proc.kill()
        proc.wait(5.0)
    except Exception:  # pragma: no cover - already gone
        pass


def _after_fork_in_child():
    global _spawner, _spawner_lock
    # the spawner's thread is not in the child: a new one on first use
    _spawner = None
    _spawner_lock = threading.Lock()
    # the workers belong to the parent process: forget them (without
    # killing them) and start new ones on the next call
    for sup in list(_supervisors):
        sup._forget_after_fork()


_NO_AT_FORK = not hasattr(os, "register_at_fork")
if not _NO_AT_FORK:
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _worker_env():
    import rcffi

    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(rcffi.__file__)))
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = root + (os.pathsep + old if old else "")
    return env


def _finalize(holder, shm):
    for w in holder:
        if w is not None and not w.dead:
            w.close_fds()  # the worker reads EOF and exits
            try:
                w.proc.wait(0.5)
            except Exception:
                try:
                    w.proc.kill()
                    w.proc.wait(1.0)
                except Exception:
                    pass
    shm.close()


def _cdef_calls(ffi):
    calls = ffi.__dict__.get("_cdef_calls", [])
    out = []
    for c in calls:
        out.append((c[0], bool(c[1]), int(c[2] or 0)))
    return out


class Supervisor:
    """Starts, watches and replaces the worker of one isolated library."""

    def __init__(self, ffi, name, flags, timeout=None, breaker=None, start_timeout=DEFAULT_START_TIMEOUT,
                 shm_threshold=DEFAULT_SHM_THRESHOLD, spare=True):
        self.ffi = ffi
        self.name = name
        self.flags = flags
        self.timeout = _check_timeout(timeout, "timeout")
        self.start_timeout = _check_timeout(start_timeout, "start_timeout")
        if breaker is None or breaker is True:
            breaker = Breaker()
        elif breaker is False:
            breaker = _NoBreaker()
        elif not isinstance(breaker, Breaker):
            raise TypeError("breaker must be an rcffi.Breaker, True, False or None, not %r" % (breaker,))
        self.breaker = breaker
        if not isinstance(shm_threshold, int) or shm_threshold < 0:
            raise ValueError("shm_threshold must be a non-negative integer, not %r" % (shm_threshold,))
        self.shm_threshold = shm_threshold
        # a warm spare: a worker process started ahead (Python and rcffi
        # imported, waiting for its INIT), so a restart skips that start-up
        self.use_spare = bool(spare)
        self.spare = None
        self.function_timeouts = {}
        self.lock = threading.Lock()
        self.worker = None
        self.generation = 0
        self.restarts = 0
        self.closed = False
        self.owner_pid = os.getpid()
        self.names = []          # function id -> name
        self.plans = {}          # name -> ParentPlan
        self.shm = Shm()
        self._holder = [None, None]  # current worker, spare (for the finalizer)
        self._env = _worker_env()
        self._calls = None
        self._snapshot = None
        # observers (rcffi.metrics, rcffi.contract): read by IsolatedFunction
        self.metrics = None
        self.contracts = {}
        self._finalizer = weakref.finalize(self, _finalize, self._holder, self.shm)
        # not at interpreter exit: daemon threads may still be inside a call
        # then (ending the worker under them raised NativeCrash, and printed
        # it, at every exit); the workers end by themselves when this process
        # does (their end of the pipes reads EOF, and PR_SET_PDEATHSIG)
        self._finalizer.atexit = False
        _supervisors.add(self)

    @property
    def library(self):
        return self.name if self.name is not None else "<None>"

    # -- worker lifecycle --------------------------------------------------

    def _init_frame(self):
        from .. import _rcffi

        calls = _cdef_calls(self.ffi)
        if calls != self._calls:
            # the declarations as the FFI holds them (not its texts parsed again)
            self._snapshot = _rcffi._snapshot_of(self.ffi)
            self._calls = calls
        return P.frame(P.OP_INIT, [self._snapshot, self.name, self.flags, self.shm.size]), len(calls)

    def _start_process(self):
        """A new worker process, not yet told what to load."""
        if not sys.executable:
            raise WorkerStartError("cannot start an isolated worker: sys.executable is not known")
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        argv = [sys.executable, "-m", "rcffi.isolation.worker", str(r1), str(w2), str(self.shm.fd), str(os.getpid())]
        fds = (r1, w2, self.shm.fd)
        env = self._env
        try:
            proc = _in_spawner(
                lambda: subprocess.Popen(argv, pass_fds=fds, stdin=subprocess.DEVNULL, env=env, close_fds=True),
                _discard_process)
        except BaseException:
            for fd in (r1, w1, r2, w2):
                os.close(fd)
            raise
        os.close(r1)
        os.close(w2)
        return Worker(self, proc, r2, w1, 0)

    def _take_spare(self):
        """The warm spare if it is alive, else None."""
        s = self.spare
        self.spare = None
        self._holder[1] = None
        if s is None:
            return None
        if s.dead or s.poller.poll(0):  # it died while waiting
            s.reap()
            return None
        return s

    def _start_spare(self):
        if self.use_spare and self.spare is None and not self.closed:
            try:
                self.spare = self._start_process()
                self._holder[1] = self.spare
            except Exception:  # pragma: no cover - fork failed: no spare this time
                self.spare = None

    def _spawn(self):
        """Start a worker (the warm spare if there is one); it loads the
        library while the parent goes on (``_await_ready`` waits for it)."""
        init, ncalls = self._init_frame()
        w = self._take_spare() or self._start_process()
        self.generation += 1
        w.generation = self.generation
        w.ncalls = ncalls
        w.shm_size = self.shm.size
        self.worker = w
        self._holder[0] = w
        try:
            w.send(init)
        except _Died:
            pass  # seen by _await_ready
        return w

    def _await_ready(self, w):
        try:
            body = w.recv(self.start_timeout)
        except _TimedOut:
            w.kill()
            raise WorkerStartError("isolated worker for %r (pid %s) did not start within %g s"
                                   % (self.library, w.pid, self.start_timeout)) from None
        except _Died:
            rc = w.reap()
            raise WorkerStartError("isolated worker for %r (pid %s) exited while starting (status %s)"
                                   % (self.library, w.pid, rc)) from None
        if body[4] != P.ST_OK:
            from .plan import remote_error

            err = remote_error(body)
            w.close_fds()
            w.reap()
            raise err
        w.ready = True
        self._start_spare()

    def start(self):
        """Start the first worker and wait until it has loaded the library
        (``ffi.dlopen`` raises what loading it raises)."""
        with self.lock:
            w = self._spawn()
            self._await_ready(w)

    def _current(self, function):
        """The worker to call, started (and waited for) if needed."""
        if self.closed:
            raise ValueError("library '%s' has already been closed" % (self.library,))
        if _NO_AT_FORK and os.getpid() != self.owner_pid:  # pragma: no cover - no os.register_at_fork
            self._forget_after_fork()
        self.breaker.check(function, self.library)
        w = self.worker
        if w is None or w.dead:
            w = self._spawn()
            self.restarts += 1
        if not w.ready:
            try:
                self._await_ready(w)
            except WorkerStartError:
                self.breaker.failure()
                raise
        if w.ncalls != len(self.ffi.__dict__.get("_cdef_calls", ())):
            self._sync_cdefs(w, function)
        return w

    def _sync_cdefs(self, w, function):
        """Declarations added with ``ffi.cdef()`` after the library was
        opened: sent to the worker before it binds a name."""
        calls = _cdef_calls(self.ffi)
        new = calls[w.ncalls:]
        self._request(w, P.frame(P.OP_CDEF, [list(c) for c in new]), function)
        w.ncalls = len(calls)

    def _forget_after_fork(self):
        self.lock = threading.Lock()
        for w in (self.worker, self.spare):
            if w is not None:
                w.dead = True
                w.close_fds()
        self.worker = self.spare = None
        self._holder[:] = [None, None]
        self.owner_pid = os.getpid()

    def _died(self, w, function):
        """The worker ``w`` died: reap it, start the next one, raise."""
        rc = w.reap()
        self.breaker.failure()
        self._restart_soon()
        sig = -rc if rc is not None and rc < 0 else None
        code = rc if rc is not None and rc >= 0 else None
        return NativeCrash(function, signal=sig, exitcode=code, pid=w.pid, library=self.library)

    def _restart_soon(self):
        # the next worker starts loading now, so the next call waits less
        if not self.closed and self.breaker.allows_start():
            try:
                self._spawn()
                self.restarts += 1
            except Exception:
                self.worker = None  # retried at the next call

    def _exchange(self, w, frame, timeout, function):
        """Send ``frame`` and return the reply; a dead or hung worker
        becomes ``NativeCrash`` / ``NativeTimeout``."""
        try:
            w.send(frame)
            return w.recv(timeout)
        except _Undelivered:
            # it died between requests (killed from outside): replaced
            # without blaming this request, which is then made again
            rc = w.reap()
            self.breaker.failure()
            self._restart_soon()
            raise _IdleDeath(w, rc) from None
        except _Died:
            raise self._died(w, function) from None
        except _TimedOut:
            w.kill()
            self.breaker.failure()
            self._restart_soon()
            raise NativeTimeout(function, timeout, pid=w.pid, library=self.library) from None
        except BaseException:
            # interrupted mid-call (KeyboardInterrupt, ...): the reply would
            # come out of step, so this worker is replaced
            w.kill()
            self._restart_soon()
            raise

    def _request(self, w, frame, function, timeout=None):
        """A non-call operation: its reply value, or the worker's error."""
        if timeout is None:
            # binding a name, growing the shared memory, ...: bounded by the
            # library's timeout, or while it has none by the start-up one
            timeout = self.timeout if self.timeout is not None else self.start_timeout
        body = self._exchange(w, frame, timeout, function)
        if body[4] != P.ST_OK:
            from .plan import remote_error

            raise remote_error(body)
        value, _ = P.decode(body, 5)
        return value

    def close(self):
        """``ffi.dlclose(lib)``: the worker exits (or is killed after a
        second); later calls raise ``ValueError``."""
        with self.lock:
            self.closed = True
            workers = (self.worker, self.spare)
            self.worker = self.spare = None
            self._holder[:] = [None, None]
            for w in workers:
                if w is not None and not w.dead:
                    w.close_fds()  # it reads EOF and exits
            for w in workers:
                if w is not None and not w.dead:
                    try:
                        w.proc.wait(1.0)
                    except subprocess.TimeoutExpired:
                        w.kill()
                    w.dead = True

    def restart(self):
        """Replace the worker now (pointers it returned become stale)."""
        with self.lock:
            w = self.worker
            if w is not None and not w.dead:
                w.kill()
            self.worker = None
            w = self._spawn()
            self.restarts += 1
            self._await_ready(w)

    def kill_worker(self, sig=signal.SIGKILL):
        """Send ``sig`` to the current worker (for tests and drills)."""
        w = self.worker
        if w is not None and not w.dead:
            os.kill(w.pid, sig)

    # -- calls ---------------------------------------------------------------

    def _with_worker(self, function, body, retried=False):
        """``body(worker)`` with the current worker (the lock held). A
        worker found dead before the request reached it is replaced and
        ``body`` runs once more (``retried``: this is that once more)."""
        if not retried:
            w = self._current(function)
            try:
                return body(w)
            except _IdleDeath:
                pass
        w = self._current(function)
        try:
            return body(w)
        except _IdleDeath as e:
            rc = e.returncode
            raise NativeCrash(function, signal=-rc if rc is not None and rc < 0 else None,
                              exitcode=rc if rc is not None and rc >= 0 else None, pid=e.worker.pid,
                              library=self.library) from None

    def plan(self, name):
        """The ``ParentPlan`` of function ``name``, bound in the current
        worker (so a missing symbol is an ``AttributeError`` now)."""
        from .plan import ParentPlan

        with self.lock:
            plan = self.plans.get(name)
            if plan is None:
                decl = self.ffi._decl_ctype(name)
                if decl is None or decl[0] != "function":
                    raise AttributeError("%s: not a function declared in the cdef" % (name,))
                fnid = len(self.names)
                plan = ParentPlan(self.ffi, name, decl[1], fnid)
                self._with_worker(name, lambda w: self._bind(w, plan))
                self.names.append(name)
                self.plans[name] = plan
            return plan

    def _bind(self, w, plan):
        self._request(w, P.frame(P.OP_BIND, [plan.fnid, plan.name]), plan.name)
        w.bound.add(plan.fnid)

    def call(self, plan, args):
        """One call: ``(result, bytes_in, bytes_out)``."""
        with self.lock:
            w = self.worker
            # the steady state, tested inline: what _current() and
            # _with_worker() would find with nothing to do (a worker ready,
            # the circuit closed, the function bound, no cdef to send)
            if (w is None or w.dead or not w.ready or self.closed or self.breaker._open_until is not None
                    or plan.fnid not in w.bound or plan.fnptr_args or _NO_AT_FORK
                    or w.ncalls != len(self.ffi.__dict__.get("_cdef_calls", ()))):
                return self._with_worker(plan.name, lambda w: self._call(w, plan, args))
            try:
                return self._call(w, plan, args)
            except _IdleDeath:
                # found dead before the request reached it: once more, as
                # _with_worker() does
                return self._with_worker(plan.name, lambda w: self._call(w, plan, args), retried=True)

    def _call(self, w, plan, args):
        if plan.fnid not in w.bound:
            self._bind(w, plan)
        for i in plan.fnptr_args:
            # a function of this library passed as a function pointer
            # (plan.py, P_FUNC): the worker needs it bound
            f = args[i] if i < len(args) else None
            if getattr(f, "_sup", None) is self and f._plan.fnid not in w.bound:
                self._bind(w, f._plan)
        frame, copyback, nin = plan.encode(args, w)
        if self.shm.size != w.shm_size:
            self._request(w, P.frame(P.OP_REMAP, self.shm.size), plan.name)
            w.shm_size = self.shm.size
        timeout = self.function_timeouts.get(plan.name, self.timeout) if self.function_timeouts else self.timeout
        body = self._exchange(w, frame, timeout, plan.name)
        result, nout = plan.decode(body, copyback, w)
        if self.breaker._half_open:
            self.breaker.success()
        return result, nin, nout

    def remote_read(self, h, mode, arg):
        """``WorkerPointer.string()`` / ``.read()``."""
        function = "WorkerPointer.%s" % (mode,)

        def body(w):
            if h._worker is not w:
                raise StaleHandleError("%r was returned by a worker that has since been replaced; "
                                       "its memory is gone" % (h,))
            if mode == "string":
                frame = P.frame(P.OP_STRING, [h.ctype.cname, h.address, arg])
            else:
                frame = P.frame(P.OP_READ, [h.address, arg])
            return self._request(w, frame, function)

        with self.lock:
            return self._with_worker(function, body)

    def get_variable(self, name):
        from .handles import WorkerPointer

        def body(w):
            kind, value = self._request(w, P.frame(P.OP_GETVAR, name), name)
            if kind == "p":
                ct = self.ffi._decl_ctype(name)[1]
                return self.ffi.cast(ct, 0) if value == 0 else WorkerPointer(ct, value, w)
            return value

        with self.lock:
            return self._with_worker(name, body)

    def set_variable(self, name, value):
        from .handles import WorkerPointer

        def body(w):
            if type(value) is WorkerPointer:
                if value._worker is not w:
                    raise StaleHandleError("%r was returned by a worker that has since been replaced" % (value,))
                payload = ["p", value.address]
            elif value is None or (isinstance(value, self.ffi.CData) and not value
                                   and self.ffi.typeof(value).kind == "pointer"):
                payload = ["p", 0]
            elif isinstance(value, (int, float, bytes, str)):
                payload = ["v", value]
            else:
                raise TypeError("cannot write %s to the global '%s' of an isolated library "
                                "(only numbers, bytes of length 1, NULL and pointers the worker returned)"
                                % (type(value).__name__, name))
            self._request(w, P.frame(P.OP_SETVAR, [name, payload]), name)

        with self.lock:
            self._with_worker(name, body)

    def ping(self):
        """One empty round trip (benchmarks; health checks)."""
        frame = P.frame(P.OP_PING, None)
        with self.lock:
            return self._with_worker("ping", lambda w: self._request(w, frame, "ping"))

    @property
    def pid(self):
        w = self.worker
        return None if w is None or w.dead else w.pid


def _check_timeout(value, what):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError("%s must be a positive number of seconds or None, not %r" % (what, value))
    return float(value)
