"""Failure isolation: ``ffi.dlopen(name, isolated=True, timeout=...)``
loads the library in a supervised worker process, so that a crash or a
hang in C becomes an exception here (``NativeCrash``, ``NativeTimeout``)
and the next call gets a fresh worker. See docs/isolation.md.

This package's ``__init__`` imports only the exceptions; the machinery
(``supervisor``, ``plan``, ``library``) loads on the first isolated
``dlopen``.
"""

from .errors import CircuitOpen, IsolationError, NativeCrash, NativeTimeout, StaleHandleError, WorkerStartError  # noqa: F401


def _supervisor(lib):
    sup = getattr(lib, "_rcffi_isolated", None)
    if sup is None:
        raise TypeError("expected a library opened with ffi.dlopen(..., isolated=True), not %r" % (lib,))
    return sup


def is_isolated(lib):
    """Was ``lib`` opened with ``isolated=True``?"""
    return getattr(lib, "_rcffi_isolated", None) is not None


def worker_pid(lib):
    """The process id of ``lib``'s current worker (None between a crash
    and the next start)."""
    return _supervisor(lib).pid


def restart(lib):
    """Replace ``lib``'s worker now; pointers it returned become stale."""
    _supervisor(lib).restart()


def set_timeout(lib, seconds, function=None):
    """The timeout of calls into ``lib`` (or only of ``lib.function``):
    a positive number of seconds, or None for no timeout."""
    from .supervisor import _check_timeout

    sup = _supervisor(lib)
    value = _check_timeout(seconds, "timeout")
    with sup.lock:
        if function is None:
            sup.timeout = value
        else:
            sup.function_timeouts[function] = value


def status(lib):
    """``{"pid", "spare_pid", "generation", "restarts", "breaker",
    "timeout"}`` of ``lib``'s supervisor."""
    sup = _supervisor(lib)
    spare = sup.spare
    return {"pid": sup.pid, "spare_pid": None if spare is None or spare.dead else spare.pid,
            "generation": sup.generation, "restarts": sup.restarts, "breaker": sup.breaker.state,
            "timeout": sup.timeout}


def Breaker(failures=5, window=10.0, cooldown=5.0):
    """A circuit breaker for ``ffi.dlopen(..., isolated=True,
    breaker=rcffi.Breaker(...))``: after ``failures`` crashes or timeouts
    within ``window`` seconds, calls raise ``CircuitOpen`` for
    ``cooldown`` seconds."""
    from .supervisor import Breaker as _Breaker

    return _Breaker(failures, window, cooldown)
