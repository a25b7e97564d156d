"""How the arguments and the result of one C function cross between the
parent and its isolated worker (see ``protocol.py`` for the frames).

Both ends build the same ``Signature`` from the same declarations, so the
fixed part of a call (scalars, records by value, pointer tags) is one
``struct.Struct`` known to both; only buffers travel as blobs after it.

What crosses, per parameter type:

* integers, enums, ``float``/``double``, ``char``, ``_Bool``: by value;
  other primitives (``wchar_t``, ``long double``, complex) as their bytes.
* structs/unions by value, if they contain no pointer: as their bytes.
* data pointers: ``None``/NULL; a pointer the worker returned earlier (a
  ``WorkerPointer``, passed back as the worker's address); ``bytes``/``str``
  for pointers to 1-byte items or ``void`` (copied in, NUL-terminated);
  a list/tuple (a temporary array, copied in); any cdata array or pointer
  of the parent whose pointee has a known size and no pointer inside
  (copied in, and back after the call, so out-parameters work). Big
  buffers go through the shared memory instead of the pipe.
* function pointers: NULL, a function pointer the worker returned, or a
  function of the same isolated library (``lib.f``: the worker passes its
  own address of ``f``); Python callbacks are refused with a
  ``TypeError`` naming the argument.
"""

import struct

from . import protocol as P
from .handles import WorkerPointer

K_INT, K_FLOAT, K_CHAR, K_BOOL, K_RAW, K_RECORD, K_PTR, K_FNPTR, K_VOID = range(9)
_SCALARS = (K_INT, K_FLOAT, K_CHAR, K_BOOL)

_INT_CODES = {(1, True): "b", (1, False): "B", (2, True): "h", (2, False): "H",
              (4, True): "i", (4, False): "I", (8, True): "q", (8, False): "Q"}


class Slot:
    """One parameter, or the result, of a C function."""

    __slots__ = ("kind", "code", "rcode", "ctype", "size", "refusal", "item", "charlike", "ptrptr",
                 "array_of_item", "null", "ptr_ctype", "array1")

    def __init__(self, kind, code, ctype, size, refusal=None):
        self.kind = kind
        self.code = code          # its code in the fixed part of a call
        self.rcode = code         # its code in the fixed part of a reply
        self.ctype = ctype
        self.size = size
        self.refusal = refusal    # why it cannot cross (a TypeError when used)


def contains_pointer(ffi, ct, _seen=None):
    """Does a value of type ``ct`` hold a pointer somewhere (a field, an
    array item)? Such memory cannot be copied to another process: the
    pointer would mean nothing there."""
    kind = ct.kind
    if kind in ("pointer", "function"):
        return True
    if kind == "array":
        return contains_pointer(ffi, ct.item, _seen)
    if kind in ("struct", "union"):
        _seen = _seen or set()
        if ct in _seen:
            return False
        _seen.add(ct)
        for _, field in ct.fields or ():
            if contains_pointer(ffi, field.type, _seen):
                return True
    return False


def _is_void(ct):
    return ct.kind == "void"


def slot_of(ffi, ct):
    """The ``Slot`` for one parameter (or the result) of type ``ct``."""
    kind = ct.kind
    if kind == "void":
        return Slot(K_VOID, "", ct, 0)
    if kind == "primitive":
        name = ct.cname
        size = ffi.sizeof(ct)
        if name in ("float", "double"):
            return Slot(K_FLOAT, "f" if name == "float" else "d", ct, size)
        if name == "char":
            return Slot(K_CHAR, "c", ct, 1)
        if name == "_Bool":
            s = Slot(K_BOOL, "B", ct, 1)
            s.rcode = "?"
            return s
        if "char" in name or "double" in name or "_Complex" in name or "float" in name:
            # wchar_t, char16_t, char32_t, long double, complex types: as bytes
            s = Slot(K_RAW, "%ds" % size, ct, size)
            s.array1 = ffi.typeof(ffi.getctype(ct, "[1]"))
            return s
        return Slot(K_INT, _INT_CODES[(size, int(ffi.cast(ct, -1)) < 0)], ct, size)
    if kind == "enum":
        size = ffi.sizeof(ct)
        return Slot(K_INT, _INT_CODES[(size, int(ffi.cast(ct, -1)) < 0)], ct, size)
    if kind in ("struct", "union"):
        try:
            size = ffi.sizeof(ct)
        except Exception as e:
            return Slot(K_RECORD, "", ct, 0, "'%s' has no known size (%s)" % (ct.cname, e))
        s = Slot(K_RECORD, "%ds" % size, ct, size)
        s.ptr_ctype = ffi.typeof(ffi.getctype(ct, "*"))
        if contains_pointer(ffi, ct):
            s.refusal = ("'%s' contains a pointer, which would mean nothing in the other "
                         "process; pass it by pointer as a handle the worker returned" % (ct.cname,))
        return s
    if kind in ("pointer", "array", "function"):
        fn = kind == "function"
        s = Slot(K_FNPTR if fn else K_PTR, "BQ", ct, 8)
        s.rcode = "Q"
        s.null = ffi.cast(ct, 0) if kind != "array" else None
        s.ptrptr = ffi.typeof(ffi.getctype(ct, "*"))
        if not fn:
            item = ct.item
            s.item = item
            s.charlike = _is_void(item) or (item.kind == "primitive" and _size_or_none(ffi, item) == 1)
            try:
                s.array_of_item = ffi.typeof(ffi.getctype(item, "[]"))
            except Exception:
                s.array_of_item = None
        return s
    return Slot(K_RAW, "", ct, 0, "values of type '%s' cannot cross to an isolated worker" % (ct.cname,))


def _size_or_none(ffi, ct):
    try:
        return ffi.sizeof(ct)
    except Exception:
        return None


class Signature:
    """The layout of one function's calls, the same on both ends."""

    def __init__(self, ffi, name, fnctype):
        self.name = name
        self.fnctype = fnctype
        self.refusal = None
        if fnctype.ellipsis:
            self.refusal = ("variadic function '%s' cannot be called in an isolated library "
                            "(declare a fixed-argument variant in the cdef)" % (name,))
        self.args = [slot_of(ffi, a) for a in fnctype.args]
        self.result = slot_of(ffi, fnctype.result)
        if self.result.refusal and self.refusal is None:
            self.refusal = "%s() cannot be called in an isolated library: its result type %s" % (
                name, self.result.refusal.replace("; pass it by pointer as a handle the worker returned", ""))
        self.fixed = struct.Struct(P.CALL_HEAD + "".join(s.code for s in self.args))
        self.rfixed = struct.Struct(P.REPLY_HEAD + self.result.rcode)
        self.scalar_only = all(s.kind in _SCALARS for s in self.args)


# -- parent side ---------------------------------------------------------------


class ParentPlan(Signature):
    """Encodes a call in the parent and decodes its reply."""

    def __init__(self, ffi, name, fnctype, fnid):
        Signature.__init__(self, ffi, name, fnctype)
        self.ffi = ffi
        self.fnid = fnid
        self.nargs = len(self.args)
        self._pointer_free = {}
        self._tmp = [None] * self.nargs
        # function-pointer parameters: a function of the library passed
        # there must be bound in the worker first (Supervisor._call)
        self.fnptr_args = [i for i, slot in enumerate(self.args) if slot.kind == K_FNPTR]
        if self.result.kind in (K_PTR, K_FNPTR):
            self.result_null = ffi.cast(self.result.ctype, 0)

    def count_error(self, args):
        return TypeError("'%s' expects %d arguments, got %d" % (self.fnctype.cname, self.nargs, len(args)))

    def encode(self, args, worker):
        """``(frame, copyback, bytes_in)`` for a call with ``args``."""
        if self.refusal is not None:
            raise TypeError(self.refusal)
        if len(args) != self.nargs:
            raise self.count_error(args)
        errno = self.ffi.errno
        if self.scalar_only:
            try:
                return self.fixed.pack(self.fixed.size - 4, P.OP_CALL, self.fnid, errno, *args), (), 0
            except (struct.error, OverflowError, TypeError):
                args = self._normalized(args)
                return self.fixed.pack(self.fixed.size - 4, P.OP_CALL, self.fnid, errno, *args), (), 0
        vals = [P.OP_CALL, self.fnid, errno]
        blobs = []
        copyback = []
        nbytes = 0
        shm = worker.shm
        shm.reset()
        for i, (slot, a) in enumerate(zip(self.args, args)):
            kind = slot.kind
            if kind in _SCALARS:
                vals.append(a)
            elif kind == K_RAW:
                vals.append(self._raw_bytes(i, slot, a))
            elif kind == K_RECORD:
                data = self._record_bytes(i, slot, a)
                nbytes += len(data)
                vals.append(data)
            else:
                tag, value, n = self._pointer(i, slot, a, worker, blobs, copyback)
                nbytes += n
                vals.append(tag)
                vals.append(value)
        total = self.fixed.size - 4 + sum(len(b) for b in blobs)
        try:
            head = self.fixed.pack(total, *vals)
        except (struct.error, OverflowError, TypeError):
            # rcffi's own error for a bad scalar, or the scalars as it converts them
            vals = vals[:3] + self._normalized_vals(self._normalized(args), vals[3:])
            head = self.fixed.pack(total, *vals)
        if blobs:
            blobs.insert(0, head)
            return b"".join(blobs), copyback, nbytes
        return head, copyback, nbytes

    def _argument_error(self, i, message):
        return TypeError("argument %d of isolated %s(): %s" % (i + 1, self.name, message))

    def _normalized(self, args):
        """The scalar arguments converted as rcffi converts them (its
        exception, if one is bad); pointers and records unchanged."""
        out = list(args)
        for i, slot in enumerate(self.args):
            if slot.kind in _SCALARS:
                tmp = self._tmp[i]
                if tmp is None:
                    tmp = self._tmp[i] = self.ffi.new(self.ffi.getctype(slot.ctype, "[1]"))
                tmp[0] = args[i]
                v = tmp[0]
                out[i] = int(v) if slot.kind == K_BOOL else v
        return out

    def _normalized_vals(self, norm, tail):
        """``tail`` (the fixed values after the header) with its scalars
        replaced by those of ``norm``."""
        out = []
        pos = 0
        for i, slot in enumerate(self.args):
            if slot.kind in _SCALARS:
                out.append(norm[i])
                pos += 1
            elif slot.kind in (K_PTR, K_FNPTR):
                out.extend(tail[pos:pos + 2])
                pos += 2
            else:
                out.append(tail[pos])
                pos += 1
        return out

    def _raw_bytes(self, i, slot, a):
        tmp = self.ffi.new(slot.array1)
        tmp[0] = a
        return bytes(self.ffi.buffer(tmp))

    def _record_bytes(self, i, slot, a):
        if slot.refusal:
            raise self._argument_error(i, slot.refusal)
        ffi = self.ffi
        if isinstance(a, ffi.CData) and ffi.typeof(a) is slot.ctype:
            return bytes(ffi.buffer(ffi.addressof(a)))
        tmp = ffi.new(slot.ptr_ctype, a)
        return bytes(ffi.buffer(tmp))

    def _pointer(self, i, slot, a, worker, blobs, copyback):
        """``(tag, value, payload bytes)`` of pointer argument ``i``."""
        ffi = self.ffi
        if a is None:
            return P.P_NULL, 0, 0
        if type(a) is WorkerPointer:
            return P.P_HANDLE, self._handle(i, slot, a, worker), 0
        if slot.kind == K_FNPTR:
            if isinstance(a, ffi.CData) and not a:
                return P.P_NULL, 0, 0
            if getattr(a, "_rcffi_isolated_function", False):
                return P.P_FUNC, self._function(i, slot, a, worker), 0
            raise self._argument_error(i, "a function pointer from this process (such as an ffi.callback()) "
                                          "cannot be called from the worker process; callbacks are not "
                                          "supported in isolated mode")
        if isinstance(a, str):
            if not slot.charlike:
                raise self._argument_error(i, "str is only accepted for 'char *' (and 'void *') parameters")
            a = a.encode("utf-8")
        if type(a) is bytes:
            if not slot.charlike:
                # what rcffi says for bytes given to a non-char pointer
                ffi.new(slot.ptrptr)[0] = a
            return self._blob(a, None, True, worker, blobs, copyback)
        if isinstance(a, (list, tuple)):
            if slot.array_of_item is None:
                raise self._argument_error(i, "cannot make an array of '%s'" % (slot.item.cname,))
            tmp = ffi.new(slot.array_of_item, a)
            self._check_pointer_free(i, ffi.typeof(tmp).item)
            return self._blob(ffi.buffer(tmp), None, False, worker, blobs, copyback)
        if not isinstance(a, ffi.CData):
            ffi.new(slot.ptrptr)[0] = a  # raises rcffi's TypeError for this value
            raise self._argument_error(i, "cannot pass %s" % (type(a).__name__,))
        ct = ffi.typeof(a)
        if ct.kind == "function":
            raise self._argument_error(i, "a function pointer from this process (such as an ffi.callback()) "
                                          "cannot be called from the worker process; callbacks are not "
                                          "supported in isolated mode")
        if ct.kind not in ("pointer", "array"):
            ffi.new(slot.ptrptr)[0] = a
            raise self._argument_error(i, "expected a pointer or an array, got cdata '%s'" % (ct.cname,))
        if not a:
            return P.P_NULL, 0, 0
        item = ct.item
        if not (ct is slot.ctype or item is slot.item or _is_void(slot.item) or _is_void(item)):
            ffi.new(slot.ptrptr)[0] = a  # rcffi's own compatibility rules and message
        if ct.kind == "array":
            size = ffi.sizeof(a)
        else:
            size = _size_or_none(ffi, item)
            if size is None:
                raise self._argument_error(
                    i, "the size of what a '%s' points to is unknown, so it cannot be copied to the worker "
                       "(pass an array cdata, bytes, ffi.from_buffer(), or a pointer the worker returned)"
                    % (ct.cname,))
        self._check_pointer_free(i, item)
        return self._blob(ffi.buffer(a, size), a, False, worker, blobs, copyback)

    def _check_pointer_free(self, i, item):
        ok = self._pointer_free.get(item)
        if ok is None:
            ok = self._pointer_free[item] = not contains_pointer(self.ffi, item)
        if not ok:
            raise self._argument_error(
                i, "'%s' contains pointers, which would mean nothing in the worker process; only "
                   "pointer-free memory is copied (use a pointer the worker returned instead)" % (item.cname,))

    def _blob(self, data, target, is_string, worker, blobs, copyback):
        """Send ``data`` (bytes or a buffer); copy it back into the cdata
        ``target`` after the call unless it is None."""
        n = len(data)
        if n >= worker.shm_threshold:
            shm = worker.shm
            off = shm.alloc(n + 1)
            shm.mm[off:off + n] = data
            shm.mm[off + n] = 0  # a NUL after bytes, as rcffi's own char * arguments have
            if target is not None:
                copyback.append((target, n, off))
            return P.P_SHM, off, n
        if target is not None:
            copyback.append((target, n, -1))
            blobs.append(bytes(data))
            return P.P_INOUT, n, n
        blobs.append(data if is_string else bytes(data))
        return P.P_IN, n, n

    def _function(self, i, slot, fn, worker):
        """The id of ``fn``, a function of an isolated library passed as a
        function pointer: only into the same library, whose worker has it."""
        if fn._sup is not worker.supervisor:
            raise self._argument_error(i, "isolated function '%s' belongs to another isolated library; only "
                                          "functions of the same library can be passed (its worker has them)"
                                       % (fn.__name__,))
        if fn._plan.fnctype is not slot.ctype:
            raise self._argument_error(i, "cannot pass isolated function '%s' of type '%s' where '%s' is expected"
                                       % (fn.__name__, fn._plan.fnctype.cname, slot.ctype.cname))
        return fn._plan.fnid

    def _handle(self, i, slot, h, worker):
        if h._worker is not worker:
            from .errors import StaleHandleError

            raise StaleHandleError(
                "argument %d of isolated %s(): %r was returned by %s; its memory is gone"
                % (i + 1, self.name, h, "a worker that has since been replaced"
                   if h._worker.library_id == worker.library_id else "another isolated library"))
        ct = h.ctype
        if not (ct is slot.ctype or (slot.kind == K_PTR and (_is_void(slot.item) or (
                ct.kind == "pointer" and (_is_void(ct.item) or ct.item is slot.item))))):
            raise self._argument_error(i, "cannot pass an isolated pointer of type '%s' where '%s' is expected"
                                          % (ct.cname, slot.ctype.cname))
        return h.address

    def decode(self, body, copyback, worker):
        """``(result, bytes_out)`` of a reply; copies the in/out buffers
        back and sets ``ffi.errno`` to the worker's."""
        if body[4] != P.ST_OK:
            raise remote_error(body)
        vals = self.rfixed.unpack_from(body)
        ffi = self.ffi
        ffi.errno = vals[2]
        nbytes = 0
        if copyback:
            pos = self.rfixed.size
            view = memoryview(body)
            for target, n, off in copyback:
                if off < 0:
                    ffi.memmove(target, view[pos:pos + n], n)
                    pos += n
                else:
                    ffi.memmove(target, worker.shm.view(off, n), n)
                nbytes += n
        slot = self.result
        kind = slot.kind
        if kind == K_VOID:
            return None, nbytes
        value = vals[3]
        if kind in (K_PTR, K_FNPTR):
            if value == 0:
                return self.result_null, nbytes
            return WorkerPointer(slot.ctype, value, worker), nbytes
        if kind == K_RECORD:
            p = ffi.new(slot.ptr_ctype)
            ffi.buffer(p)[:] = value
            return p[0], nbytes + slot.size
        if kind == K_RAW:
            tmp = ffi.new(slot.array1)
            ffi.buffer(tmp)[:] = value
            return tmp[0], nbytes
        return value, nbytes


def remote_error(body, pos=5):
    """The exception a worker's ``ST_ERROR`` reply describes."""
    import builtins

    try:
        (name, message), _ = P.decode(body, pos)
    except (ValueError, TypeError):
        return RuntimeError("isolated worker sent a damaged error reply")
    cls = getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, (SystemExit,)):
        return cls(message)
    from .. import error

    cls = getattr(error, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        return cls(message)
    return RuntimeError("%s: %s" % (name, message))


# -- worker side ---------------------------------------------------------------


class WorkerPlan(Signature):
    """Decodes a call in the worker, makes it, and encodes the reply."""

    def __init__(self, ffi, name, fnctype, fn, state):
        Signature.__init__(self, ffi, name, fnctype)
        self.ffi = ffi
        self.fn = fn
        self.state = state  # has .base: the shared memory as a char[] cdata
        self.uintptr = ffi.typeof("uintptr_t")
        self.functions = ()  # the worker's plans by function id (set by the worker)

    def call(self, body):
        ffi = self.ffi
        vals = self.fixed.unpack_from(body)
        errno = vals[3]
        if self.refusal is not None:
            raise TypeError(self.refusal)
        if self.scalar_only:
            ffi.errno = errno
            r = self.fn(*vals[4:])
            errno = ffi.errno
            inout = ()
        else:
            # `keep` owns the memory the (non-owning) pointer casts in `args` point to
            args, inout, keep = self._arguments(body, vals)
            ffi.errno = errno
            r = self.fn(*args)
            errno = ffi.errno
        kind = self.result.kind
        if kind == K_VOID:
            head = self.rfixed.pack(self.rfixed.size - 4, P.ST_OK, errno)
        else:
            if kind in (K_PTR, K_FNPTR):
                r = int(ffi.cast(self.uintptr, r))
            elif kind == K_RECORD:
                r = bytes(ffi.buffer(ffi.addressof(r)))
            elif kind == K_RAW:
                tmp = ffi.new(self.result.array1)
                tmp[0] = r
                r = bytes(ffi.buffer(tmp))
            head = self.rfixed.pack(self.rfixed.size - 4, P.ST_OK, errno, r)
        if not inout:
            return head
        parts = [head]
        for buf, n in inout:
            parts.append(ffi.buffer(buf, n)[:])
        total = sum(len(p) for p in parts) - 4
        parts[0] = P.LEN.pack(total) + head[4:]
        return b"".join(parts)

    def _arguments(self, body, vals):
        ffi = self.ffi
        args = []
        inout = []
        keep = []
        pos = self.fixed.size
        j = 4
        for slot in self.args:
            kind = slot.kind
            if kind in _SCALARS:
                args.append(vals[j])
                j += 1
            elif kind == K_RAW:
                tmp = ffi.new(slot.array1)
                ffi.buffer(tmp)[:] = vals[j]
                args.append(tmp[0])
                j += 1
            elif kind == K_RECORD:
                p = ffi.new(slot.ptr_ctype)
                ffi.buffer(p)[:] = vals[j]
                keep.append(p)
                args.append(p[0])
                j += 1
            else:
                tag, value = vals[j], vals[j + 1]
                j += 2
                if tag == P.P_NULL:
                    args.append(slot.null)
                elif tag == P.P_HANDLE:
                    args.append(ffi.cast(slot.ctype, value))
                elif tag == P.P_SHM:
                    args.append(ffi.cast(slot.ctype, self.state.base + value))
                elif tag == P.P_FUNC:
                    fn = self.functions[value] if 0 <= value < len(self.functions) else None
                    if fn is None:
                        raise ValueError("function id %d is not bound" % (value,))
                    args.append(ffi.cast(slot.ctype, fn.fn))
                elif tag in (P.P_IN, P.P_INOUT):
                    if pos + value > len(body):
                        raise ValueError("truncated call frame")
                    buf = ffi.new("char[]", body[pos:pos + value])
                    pos += value
                    keep.append(buf)
                    if tag == P.P_INOUT:
                        inout.append((buf, value))
                    args.append(ffi.cast(slot.ctype, buf))
                else:
                    raise ValueError("bad pointer tag %d" % (tag,))
        return args, inout, keep
