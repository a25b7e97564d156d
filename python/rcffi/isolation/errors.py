"""The exceptions of isolated libraries (``ffi.dlopen(..., isolated=True)``).

They are re-exported as ``rcffi.NativeCrash`` etc.; this module imports
nothing, so ``except rcffi.NativeCrash`` costs no import of the isolation
machinery.
"""

import signal as _signal


class IsolationError(Exception):
    """Base class of what an isolated library raises about its worker
    (not about the arguments of a call)."""


class NativeCrash(IsolationError):
    """The worker process died during a call: a signal (``SIGSEGV``,
    ``SIGABRT``, ``SIGKILL`` from outside, ...) or an ``exit()`` in C.

    ``signal`` is the signal number (None if the worker exited),
    ``exitcode`` the exit status (None if killed by a signal),
    ``function`` the C function being called (None outside a call),
    ``pid`` the dead worker's process id. The next call starts a fresh
    worker; pointers returned by the dead one are no longer valid.
    """

    def __init__(self, function, signal=None, exitcode=None, pid=None, library=None):
        self.function = function
        self.signal = signal
        self.exitcode = exitcode
        self.pid = pid
        self.library = library
        if signal is not None:
            try:
                how = "killed by signal %d (%s)" % (signal, _signal.Signals(signal).name)
            except ValueError:
                how = "killed by signal %d" % (signal,)
        elif exitcode is not None:
            how = "exited with status %d" % (exitcode,)
        else:
            how = "stopped answering"
        where = "calling %s()" % (function,) if function else "outside a call"
        super().__init__("isolated worker of library %r (pid %s) %s while %s" % (library, pid, how, where))


class NativeTimeout(IsolationError, TimeoutError):
    """A call into an isolated library took longer than its timeout: the
    worker was killed (SIGKILL) and is replaced at the next call.
    ``function``, ``timeout`` (seconds), ``pid`` of the killed worker."""

    def __init__(self, function, timeout, pid=None, library=None):
        self.function = function
        self.timeout = timeout
        self.pid = pid
        self.library = library
        super().__init__("%s() of isolated library %r did not return within %g s: worker (pid %s) killed"
                         % (function, library, timeout, pid))


class CircuitOpen(IsolationError):
    """Calls fail fast: the library's worker crashed or timed out
    ``failures`` times within the breaker's window. ``retry_after`` is
    the number of seconds until one call is let through again."""

    def __init__(self, function, failures, retry_after, library=None):
        self.function = function
        self.failures = failures
        self.retry_after = retry_after
        self.library = library
        super().__init__("%s(): circuit open for isolated library %r after %d crashes/timeouts; retry in %.3g s"
                         % (function, library, failures, retry_after))


class StaleHandleError(IsolationError, ValueError):
    """A pointer returned by an isolated library's worker was used after
    that worker was replaced (crash, timeout, restart) or with another
    isolated library: the memory it pointed to is gone."""


class WorkerStartError(IsolationError, OSError):
    """The worker process could not be started or did not answer its
    start-up handshake."""
