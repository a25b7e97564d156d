"""The ``lib`` object of ``ffi.dlopen(name, isolated=True)``: the same
names as an ordinary library of the same ``ffi``, but every function call
runs in the worker process (see ``supervisor.py``)."""

import time

from .errors import NativeCrash, NativeTimeout
from .supervisor import Supervisor


class IsolatedFunction:
    """``lib.f`` of an isolated library: calling it sends the call to the
    worker and returns its result (pointers as ``WorkerPointer``)."""

    __slots__ = ("_sup", "_plan", "__name__", "__weakref__")

    # what rcffi asks of an isolated function (docs/isolation.md, "Isolated
    # functions are not cdata"): ffi.typeof() reads its type; it can be
    # passed as a function pointer into the same library (plan.py, P_FUNC);
    # nothing gives it an address in this process
    _rcffi_isolated_function = True

    def __init__(self, sup, plan):
        self._sup = sup
        self._plan = plan
        self.__name__ = plan.name

    def __call__(self, *args):
        sup = self._sup
        if sup.metrics is None and not sup.contracts:
            return sup.call(self._plan, args)[0]
        return self._observed(args)

    def _observed(self, args):
        sup = self._sup
        name = self.__name__
        stats = sup.metrics.function(name) if sup.metrics is not None else None
        contract = sup.contracts.get(name)
        perf = time.perf_counter_ns
        t0 = perf()
        nin = 0
        try:
            if contract is not None and contract.errno:
                sup.ffi.errno = 0
            result, nin, nout = sup.call(self._plan, args)
            if contract is not None:
                contract.check(result, sup.ffi.errno if contract.errno else None)
        except BaseException as e:
            if stats is not None:
                kind = "timeout" if isinstance(e, NativeTimeout) else "crash" if isinstance(e, NativeCrash) else None
                stats.failed(perf() - t0, nin, 0, kind)
            raise
        if stats is not None:
            stats.ok(perf() - t0, nin, nout)
        return result

    @property
    def ctype(self):
        """The function's C type (what ``ffi.typeof(lib.f)`` gives)."""
        return self._plan.fnctype

    # ffi.typeof(lib.f) reads this name (crates/python/src/boundary.rs)
    _rcffi_function_ctype = ctype

    def no_address(self, what):
        """The ``TypeError`` of asking this function's address (``what``:
        the operation)."""
        return TypeError("%s: isolated function '%s' lives in the worker process and has no address in this one; "
                         "it can be called, passed to functions of the same isolated library, and "
                         "ffi.typeof() gives its type" % (what, self.__name__))

    def __int__(self):
        # ffi.cast("void *", lib.f), ffi.cast("int(*)(int)", lib.f), int(lib.f)
        raise self.no_address("ffi.cast() or int()")

    __index__ = __int__

    def __repr__(self):
        return "<isolated function '%s' %s>" % (self.__name__, self._plan.fnctype.cname)


class IsolatedLib:
    """A library loaded in a supervised worker process."""

    # slots, not the instance dict, which ffi.dlclose() empties
    __slots__ = ("_rcffi_ffi", "_rcffi_isolated", "__dict__", "__weakref__")

    def __init__(self, ffi, sup):
        object.__setattr__(self, "_rcffi_ffi", ffi)
        object.__setattr__(self, "_rcffi_handle", sup)   # ffi.dlclose() closes it
        object.__setattr__(self, "_rcffi_isolated", sup)

    @staticmethod
    def _rcffi_boundary_of(lib):
        from .._boundary import IsolatedBoundary

        return IsolatedBoundary(lib, lib._rcffi_isolated)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        ffi = self._rcffi_ffi
        sup = self._rcffi_isolated
        kind = ffi._lookup_kind(name)
        if kind == "function":
            if sup.closed:
                raise ValueError("library '%s' has already been closed" % (sup.library,))
            fn = IsolatedFunction(sup, sup.plan(name))
            self.__dict__[name] = fn
            return fn
        if kind in ("constant", "enum"):
            value = ffi._lib_constant(name)
            self.__dict__[name] = value
            return value
        if kind == "variable":
            return sup.get_variable(name)
        if kind is None:
            reason = ffi._skipped_reason(name) if hasattr(ffi, "_skipped_reason") else None
            if reason is not None:
                raise AttributeError("%s: skipped by cdef_header(): %s" % (name, reason))
            raise AttributeError(name)
        raise AttributeError("%s: extern \"Python\" functions are only available in API mode" % (name,))

    def __setattr__(self, name, value):
        ffi = self._rcffi_ffi
        if ffi._lookup_kind(name) == "variable" and not ffi._is_const_global(name):
            self._rcffi_isolated.set_variable(name, value)
            return
        raise AttributeError("cannot write to %r: not a global variable declared in the cdef" % (name,))

    def __dir__(self):
        return sorted(self._rcffi_ffi._declared_names())

    def __repr__(self):
        sup = self._rcffi_isolated
        return "<isolated Lib for '%s' (worker pid %s)>" % (sup.library, sup.pid)


def no_address(obj, fields):
    """The ``TypeError`` of ``ffi.addressof()`` on an isolated library or
    one of its functions."""
    if isinstance(obj, IsolatedFunction):
        return obj.no_address("ffi.addressof()")
    name = fields[0] if fields else "..."
    return TypeError("ffi.addressof(lib, %r): lib is isolated (dlopen(..., isolated=True)): its functions and "
                     "globals live in the worker process and have no address in this one (read globals as "
                     "lib.NAME; pass lib.f to functions of the same library)" % (name,))


def open_isolated(ffi, name, flags, timeout=None, breaker=None, start_timeout=None, shm_threshold=None,
                  spare=True):
    """``ffi.dlopen(name, flags, isolated=True, ...)``."""
    if name is not None and not isinstance(name, str):
        raise TypeError("dlopen(name, isolated=True): name must be a file name or None "
                        "(a handle of this process cannot be opened in another)")
    kwds = {}
    if start_timeout is not None:
        kwds["start_timeout"] = start_timeout
    if shm_threshold is not None:
        kwds["shm_threshold"] = shm_threshold
    sup = Supervisor(ffi, name, flags, timeout=timeout, breaker=breaker, spare=spare, **kwds)
    try:
        sup.start()
    except BaseException:
        sup.close()
        raise
    return IsolatedLib(ffi, sup)
