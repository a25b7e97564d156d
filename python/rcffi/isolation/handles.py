"""``WorkerPointer``: what a pointer returned by an isolated library
becomes in the parent. The address is the worker's, so the parent must
never dereference it: it is not a cdata, only a token to pass back to
later calls into the same worker, or to read through the worker
(``string()``, ``read()``)."""


class WorkerPointer:
    """A non-NULL pointer of C type ``ctype`` living in an isolated
    worker. Valid for calls into the worker that returned it; once that
    worker is replaced (crash, timeout, restart), using it raises
    ``rcffi.StaleHandleError``."""

    __slots__ = ("ctype", "address", "_worker", "_supervisor", "__weakref__")

    def __init__(self, ctype, address, worker):
        self.ctype = ctype
        self.address = address
        self._worker = worker
        # a pointer keeps its library's supervisor (and so its worker) alive,
        # as a function fetched from it does: the worker holds it only weakly
        self._supervisor = worker.supervisor

    @property
    def alive(self):
        """Is the worker that returned this pointer still the library's
        current worker?"""
        return self._worker.is_current()

    def string(self, maxlen=-1):
        """``ffi.string()`` of this pointer, computed in the worker (a bad
        pointer crashes the worker, not this process)."""
        return self._supervisor.remote_read(self, "string", maxlen)

    def read(self, size):
        """The ``size`` bytes this pointer points to, read in the worker."""
        if not isinstance(size, int) or size < 0:
            raise ValueError("read(size): size must be a non-negative integer, not %r" % (size,))
        return self._supervisor.remote_read(self, "read", size)

    def __repr__(self):
        state = "" if self.alive else ", stale"
        return "<isolated cdata '%s' 0x%x in worker pid %s%s>" % (
            self.ctype.cname, self.address, self._worker.pid, state)

    def __eq__(self, other):
        if type(other) is WorkerPointer:
            return self._worker is other._worker and self.address == other.address
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self):
        return hash((id(self._worker), self.address))

    def __bool__(self):
        return True  # NULL results are returned as ordinary NULL cdata

    def __reduce__(self):
        raise TypeError("a pointer into an isolated worker cannot be pickled")
