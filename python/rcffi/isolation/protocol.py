"""The wire format between a parent process and its isolated worker.

One request is in flight at a time per worker (the parent holds a lock),
so a frame never shares a read with the next one.

Frame: ``u32 length`` (of what follows) then the body. Parent to worker,
the body's first byte is the operation (``OP_*``). Worker to parent, it is
a status (``ST_OK`` / ``ST_ERROR``).

* ``OP_CALL``: ``u32 function id, i32 errno``, then the fixed part of the
  function's arguments (see ``plan.py``), then the inline blobs. Reply:
  ``status, i32 errno``, the fixed part of the result, then the bytes of
  every in/out blob, in argument order.
* Every other operation carries one value in the small tagged encoding
  below (``encode``/``decode``) and is answered with one.
* ``ST_ERROR``: the value ``[type name, message]`` of the exception the
  worker raised (a conversion refused, a missing symbol, ...).

Integers are in native byte order with standard sizes (``=``): both ends
are the same machine and the same Python.
"""

import os
import struct

OP_INIT = 1
OP_BIND = 2
OP_CALL = 3
OP_GETVAR = 4
OP_SETVAR = 5
OP_READ = 6
OP_STRING = 7
OP_REMAP = 8
OP_CDEF = 9
OP_PING = 10

ST_OK = 0
ST_ERROR = 1

LEN = struct.Struct("=I")
# a call's header: length, OP_CALL, function id, errno
CALL_HEAD = "=IBIi"
CALL_HEAD_SIZE = struct.calcsize(CALL_HEAD)
# a call reply's header: length, status, errno
REPLY_HEAD = "=IBi"
REPLY_HEAD_SIZE = struct.calcsize(REPLY_HEAD)
# the first read of a frame: most calls and replies are a few dozen
# bytes, and a 64 KB read (the pipe's capacity) costs a 64 KB allocation;
# a bigger frame takes a second read of exactly what is missing
FIRST_READ = 4096

# pointer-argument tags (the byte before each pointer's u64)
P_NULL = 0      # value unused
P_HANDLE = 1    # value: an address in the worker
P_IN = 2        # value: length of an inline blob, copied in
P_INOUT = 3     # value: length of an inline blob, copied in and back
P_SHM = 4       # value: offset in the shared memory (the parent copies in, and back if needed)
P_FUNC = 5      # value: the id of a function of the same library, bound in the worker

_Q = struct.Struct("=q")
_D = struct.Struct("=d")
_U32 = struct.Struct("=I")


def encode(value, out=None):
    """``value`` (None, bool, int, float, bytes, str, or a list/tuple of
    these) in the tagged encoding; appended to the bytearray ``out``."""
    if out is None:
        out = bytearray()
    if value is None:
        out += b"N"
    elif value is True:
        out += b"T"
    elif value is False:
        out += b"F"
    elif isinstance(value, int):
        if -(1 << 63) <= value < (1 << 63):
            out += b"i"
            out += _Q.pack(value)
        else:
            text = str(value).encode()
            out += b"I"
            out += _U32.pack(len(text))
            out += text
    elif isinstance(value, float):
        out += b"d"
        out += _D.pack(value)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        out += b"b"
        out += _U32.pack(len(data))
        out += data
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        out += b"s"
        out += _U32.pack(len(data))
        out += data
    elif isinstance(value, (list, tuple)):
        out += b"l"
        out += _U32.pack(len(value))
        for item in value:
            encode(item, out)
    else:
        raise TypeError("cannot send %s to an isolated worker" % (type(value).__name__,))
    return out


def decode(buf, pos=0):
    """One value of the tagged encoding at ``buf[pos:]``: ``(value, end)``.
    Damaged input is a ``ValueError``, never anything worse."""
    try:
        tag = buf[pos]
        pos += 1
        if tag == 0x4E:  # N
            return None, pos
        if tag == 0x54:  # T
            return True, pos
        if tag == 0x46:  # F
            return False, pos
        if tag == 0x69:  # i
            return _Q.unpack_from(buf, pos)[0], pos + 8
        if tag == 0x64:  # d
            return _D.unpack_from(buf, pos)[0], pos + 8
        if tag in (0x62, 0x73, 0x49):  # b, s, I
            n = _U32.unpack_from(buf, pos)[0]
            pos += 4
            if pos + n > len(buf):
                raise ValueError("truncated")
            data = bytes(buf[pos:pos + n])
            pos += n
            if tag == 0x62:
                return data, pos
            if tag == 0x73:
                return data.decode("utf-8", "surrogatepass"), pos
            return int(data), pos
        if tag == 0x6C:  # l
            n = _U32.unpack_from(buf, pos)[0]
            pos += 4
            if n > len(buf):
                raise ValueError("bad list length")
            items = []
            for _ in range(n):
                item, pos = decode(buf, pos)
                items.append(item)
            return items, pos
    except (IndexError, struct.error, UnicodeDecodeError) as e:
        raise ValueError("damaged message from an isolated worker: %s" % (e,)) from None
    raise ValueError("damaged message from an isolated worker: tag %r" % (tag,))


def frame(op, value):
    """A frame carrying ``value`` after one byte: the operation of a
    parent-to-worker frame, the status (``ST_*``) of a reply."""
    body = bytearray(b"\0\0\0\0")
    body.append(op)
    encode(value, body)
    LEN.pack_into(body, 0, len(body) - 4)
    return bytes(body)


def reply(status, value):
    """A worker-to-parent frame carrying ``value``."""
    return frame(status, value)


def read_frame(fd, wait=None):
    """One whole frame read from ``fd`` (bytes, its length prefix
    included), or None at end of file. ``wait()``, if given, is called
    before each read (it raises to give up: a timeout)."""
    if wait is not None:
        wait()
    chunk = os.read(fd, FIRST_READ)
    if len(chunk) >= 4 and LEN.unpack_from(chunk)[0] + 4 == len(chunk):
        return chunk  # the usual case: the whole frame in one read
    return rest_of_frame(fd, chunk, wait)


def rest_of_frame(fd, chunk, wait=None):
    """``read_frame`` once its first read gave ``chunk`` (maybe a whole
    frame, maybe a part, maybe nothing: end of file)."""
    if not chunk:
        return None
    buf = bytearray(chunk)
    n = None
    while True:
        if n is None and len(buf) >= 4:
            n = LEN.unpack_from(buf)[0] + 4
        if n is not None and len(buf) >= n:
            if len(buf) > n:
                raise ValueError("more than one frame in flight")
            return bytes(buf)
        if wait is not None:
            wait()
        more = os.read(fd, 1 << 20 if n is None else max(n - len(buf), 1))
        if not more:
            return None
        buf += more
