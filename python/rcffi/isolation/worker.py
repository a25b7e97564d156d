"""The worker process of an isolated library:

    python -m rcffi.isolation.worker READ_FD WRITE_FD SHM_FD PARENT_PID

It loads the declarations the parent sends (a snapshot of its ``ffi``),
``dlopen``s the library with rcffi in ABI mode, then answers requests
until the parent closes the pipe. A crash here ends only this process.
"""

import mmap
import os
import struct
import sys

from ..api import FFI
from . import protocol as P
# imported now, not at the first call: a warm spare worker has paid for it
from .plan import WorkerPlan


class _State:
    """What the calls of this worker share: the shared memory mapping."""

    def __init__(self, ffi, shm_fd):
        self.ffi = ffi
        self.shm_fd = shm_fd
        self.mm = None
        self.base = None
        self.size = 0

    def remap(self, size):
        if size == self.size:
            return
        if self.base is not None:
            self.ffi.release(self.base)
            self.base = None
        if self.mm is not None:
            self.mm.close()
            self.mm = None
        self.size = size
        if size:
            self.mm = mmap.mmap(self.shm_fd, size)
            self.base = self.ffi.from_buffer(self.mm, require_writable=True)


def _harden(parent_pid):
    """No core files from crashes (unless RCFFI_WORKER_CORE=1), no
    KeyboardInterrupt from the terminal (the parent decides), and on
    Linux death with the parent even while stuck in a C call."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a fatal signal kills the worker whatever the parent inherited: a job
    # started in the background (nohup, `cmd &`, CI) ignores SIGHUP or
    # SIGQUIT, and the worker would then survive what is meant to end it
    for name in ("SIGHUP", "SIGQUIT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGALRM"):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL)
    if os.environ.get("RCFFI_WORKER_CORE") != "1":
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        except (ImportError, ValueError, OSError):  # pragma: no cover
            pass
    if sys.platform.startswith("linux"):
        ffi = FFI()
        ffi.cdef("int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long);")
        libc = ffi.dlopen(None)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        sys.exit(0)  # the parent died before we could ask to follow it


_FNID = struct.Struct("=I")


def _write_all(fd, data):
    n = os.write(fd, data)
    if n < len(data):
        view = memoryview(data)
        while n < len(data):
            n += os.write(fd, view[n:])


class Server:
    def __init__(self, shm_fd):
        self.shm_fd = shm_fd
        self.ffi = None
        self.lib = None
        self.state = None
        self.plans = []

    def init(self, value):
        snapshot, name, flags, shm_size = value
        ffi = FFI()
        ffi._load_snapshot(snapshot)
        self.ffi = ffi
        self.state = _State(ffi, self.shm_fd)
        self.state.remap(shm_size)
        self.lib = ffi.dlopen(name, flags)

    def bind(self, value):
        fnid, name = value
        fn = getattr(self.lib, name)
        decl = self.ffi._decl_ctype(name)
        if decl is None or decl[0] != "function":
            raise AttributeError("%r is not a function declared in the cdef" % (name,))
        plan = WorkerPlan(self.ffi, name, decl[1], fn, self.state)
        plan.functions = self.plans
        while len(self.plans) <= fnid:
            self.plans.append(None)
        self.plans[fnid] = plan

    def getvar(self, name):
        ffi = self.ffi
        decl = ffi._decl_ctype(name)
        if decl is None or decl[0] != "variable":
            raise AttributeError(name)
        ct = decl[1]
        if ct.kind == "pointer":
            return ["p", int(ffi.cast("uintptr_t", ffi.addressof(self.lib, name)[0]))]
        if ct.kind in ("primitive", "enum"):
            return ["v", getattr(self.lib, name)]
        raise TypeError("the global '%s' of type '%s' cannot be read from an isolated library "
                        "(only numbers, characters and pointers cross)" % (name, ct.cname))

    def setvar(self, value):
        name, (kind, v) = value
        ffi = self.ffi
        decl = ffi._decl_ctype(name)
        if decl is None or decl[0] != "variable":
            raise AttributeError(name)
        if kind == "p":
            v = ffi.cast(decl[1], v)
        setattr(self.lib, name, v)

    def read(self, op, value):
        ffi = self.ffi
        if op == P.OP_STRING:
            cname, addr, maxlen = value
            try:
                ct = ffi.typeof(cname)
            except Exception:
                ct = ffi.typeof("char *")
            return ffi.string(ffi.cast(ct, addr), maxlen)
        addr, n = value
        return ffi.buffer(ffi.cast("char *", addr), n)[:]

    def cdef(self, calls):
        for text, override, pack in calls:
            self.ffi.cdef(text, override=override, pack=pack or None)

    def handle(self, frame):
        op = frame[4]
        if op == P.OP_CALL:
            fnid = struct.unpack_from("=I", frame, 5)[0]
            plan = self.plans[fnid] if fnid < len(self.plans) else None
            if plan is None:
                raise ValueError("function id %d is not bound" % (fnid,))
            return plan.call(frame)
        value, _ = P.decode(frame, 5)
        if op == P.OP_INIT:
            self.init(value)
            result = os.getpid()
        elif op == P.OP_BIND:
            result = self.bind(value)
        elif op == P.OP_GETVAR:
            result = self.getvar(value)
        elif op == P.OP_SETVAR:
            result = self.setvar(value)
        elif op in (P.OP_STRING, P.OP_READ):
            result = self.read(op, value)
        elif op == P.OP_REMAP:
            result = self.state.remap(value)
        elif op == P.OP_CDEF:
            result = self.cdef(value)
        elif op == P.OP_PING:
            result = None
        else:
            raise ValueError("unknown operation %d" % (op,))
        return P.reply(P.ST_OK, result)

    def serve(self, rfd, wfd):
        handle = self.handle
        plans = self.plans
        read, write, chunk_size = os.read, os.write, P.FIRST_READ
        frame_len, fnid_of, op_call = P.LEN.unpack_from, _FNID.unpack_from, P.OP_CALL
        while True:
            # a call arriving whole in one read goes straight to its plan:
            # the same steps as read_frame() and handle(), without their
            # frames (this loop is half of every isolated call's cost)
            frame = read(rfd, chunk_size)
            if len(frame) < 9 or frame_len(frame)[0] + 4 != len(frame):
                frame = P.rest_of_frame(rfd, frame)
                if frame is None:
                    return  # the parent closed the pipe (or died)
            try:
                plan = None
                if frame[4] == op_call:
                    fnid = fnid_of(frame, 5)[0]
                    plan = plans[fnid] if fnid < len(plans) else None
                out = plan.call(frame) if plan is not None else handle(frame)
            except Exception as e:
                try:
                    out = P.reply(P.ST_ERROR, [type(e).__name__, str(e)])
                except Exception:  # pragma: no cover - an unprintable exception
                    out = P.reply(P.ST_ERROR, ["RuntimeError", "unprintable %s" % (type(e).__name__,)])
            n = write(wfd, out)
            if n < len(out):
                _write_all(wfd, memoryview(out)[n:])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    rfd, wfd, shm_fd, parent_pid = (int(a) for a in argv)
    _harden(parent_pid)
    Server(shm_fd).serve(rfd, wfd)


if __name__ == "__main__":
    main()
