"""Error contracts: a C function's error convention, declared once.

    rcffi.contract(lib, "parse_packet", error_if=lambda rc: rc < 0,
                   raise_=NativeParseError,
                   message=lambda rc: ffi.string(lib.last_error()).decode())
    rcffi.contract(lib, "fopen", error_if=rcffi.NULL, errno=True)
    rcffi.contract(lib, {"open": {}, "close": {}, "read": {}}, errno=True)   # table form

After that, ``lib.parse_packet(...)`` raises instead of returning an
error code. The exception carries ``function`` (also named in its
message), ``result`` (what C returned) and ``errno`` (the C errno right
after the call when ``errno=True``, else None). It counts as an error in
``rcffi.metrics``.

* ``error_if``: ``rcffi.NULL`` (a NULL result is an error); a
  comparison ``lt(v)``, ``le(v)``, ``gt(v)``, ``ge(v)``, ``eq(v)``,
  ``ne(v)`` (of this module); a callable ``rc -> bool``; or any other
  value, compared with ``==``. Left out with ``errno=True``, it is the
  POSIX convention: ``-1`` for an integer result, NULL for a pointer.
  All but the callable are checked in Rust on the call path; a callable
  is called there with the result.
* ``raise_``: the exception class (default ``rcffi.NativeError``). An
  ``OSError`` subclass gets ``(errno, message)`` as its arguments.
* ``message``: a callable ``rc -> str``, a format string with the fields
  ``{function} {result} {errno} {strerror}``, or None for a default.
* ``errno=True``: errno is set to 0 before the call and read after it.
"""

import os

from ._boundary import _private_ffi, boundary_of


class NativeError(Exception):
    """The default exception of an error contract: ``function``,
    ``result`` and ``errno`` (None unless the contract reads errno)."""

    def __init__(self, message, function=None, result=None, errno=None):
        Exception.__init__(self, message)
        self.function = function
        self.result = result
        self.errno = errno


_MISSING = object()


class Compare:
    """``error_if=lt(0)`` and its siblings: the result compared with a
    constant, checked in Rust on the call path (no Python frame per
    call, unlike a lambda). Also callable: ``lt(0)(-1)`` is True."""

    __slots__ = ("op", "value")
    _OPS = {"lt": "<", "le": "<=", "eq": "==", "ne": "!=", "gt": ">", "ge": ">="}

    def __init__(self, op, value):
        if op not in self._OPS:
            raise ValueError("unknown comparison %r" % (op,))
        self.op = op
        self.value = value

    def __call__(self, rc):
        v = self.value
        return {"lt": rc < v, "le": rc <= v, "eq": rc == v, "ne": rc != v, "gt": rc > v, "ge": rc >= v}[self.op]

    def __repr__(self):
        return "<error_if: result %s %r>" % (self._OPS[self.op], self.value)


def lt(value):
    """``error_if=lt(value)``: the result is an error when ``< value``."""
    return Compare("lt", value)


def le(value):
    """``error_if=le(value)``: an error when ``<= value``."""
    return Compare("le", value)


def eq(value):
    """``error_if=eq(value)``: an error when ``== value`` (as ``error_if=value``)."""
    return Compare("eq", value)


def ne(value):
    """``error_if=ne(value)``: an error when ``!= value`` (e.g. ``ne(0)``
    for functions returning 0 on success)."""
    return Compare("ne", value)


def gt(value):
    """``error_if=gt(value)``: an error when ``> value``."""
    return Compare("gt", value)


def ge(value):
    """``error_if=ge(value)``: an error when ``>= value``."""
    return Compare("ge", value)


class Contract:
    """The error convention of one function (see the module's doc)."""

    def __init__(self, error_if=_MISSING, raise_=None, message=None, errno=False):
        if raise_ is not None and not (isinstance(raise_, type) and issubclass(raise_, BaseException)):
            raise TypeError("contract(): raise_ must be an exception class, not %r" % (raise_,))
        if message is not None and not (callable(message) or isinstance(message, str)):
            raise TypeError("contract(): message must be a callable, a format string or None, not %r" % (message,))
        if error_if is _MISSING and not errno:
            raise TypeError("contract(): give error_if= (a callable, rcffi.NULL or a value), or errno=True")
        self.error_if = error_if
        self.raise_ = raise_ or NativeError
        self.message = message
        self.errno = bool(errno)
        self.name = None
        self._test = None
        self._spec = None

    def attach(self, name, fnctype):
        """Fix the function this contract is for (its name and type)."""
        ffi = _private_ffi()
        self.name = name
        result = fnctype.result if fnctype is not None else None
        pointer = result is not None and result.kind in ("pointer", "function")
        error_if = self.error_if
        if error_if is _MISSING:
            error_if = ffi.NULL if pointer else -1
        if isinstance(error_if, Compare):
            self._spec = (error_if.op, error_if.value)
            self._test = error_if
        elif isinstance(error_if, ffi.CData):
            if result is not None and not pointer:
                raise TypeError("contract(): error_if=NULL for %s(), which returns '%s', not a pointer"
                                % (name, result.cname))
            marker = error_if
            self._spec = ("null", None) if marker == ffi.NULL else ("eq", marker)
            self._test = lambda rc: rc == marker
        elif callable(error_if):
            self._spec = ("call", error_if)
            self._test = error_if
        else:
            value = error_if
            self._spec = ("eq", value)
            self._test = lambda rc: rc == value

    def spec(self):
        """``(kind, value, errno, failure)``: the contract as the call path
        in Rust checks it (crates/python/src/metered_check.rs)."""
        kind, value = self._spec
        return (kind, value, self.errno, self.failure)

    def failure(self, rc, err):
        """The exception for the result ``rc`` (errno ``err`` or None)."""
        name = self.name
        strerror = os.strerror(err) if err else ""
        message = self.message
        if message is None:
            text = "%s() returned %r" % (name, rc)
        elif isinstance(message, str):
            text = message.format(function=name, result=rc, errno=err, strerror=strerror)
        else:
            text = message(rc)
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            text = str(text)
        if name not in text:
            text = "%s(): %s" % (name, text)
        cls = self.raise_
        if issubclass(cls, OSError) and err:
            exc = cls(err, text)  # which prints "[Errno N] text" itself
        else:
            if err and strerror not in text:
                text = "%s [errno %d: %s]" % (text, err, strerror)
            exc = cls(text)
        for attr, value in (("function", name), ("result", rc), ("errno", err)):
            try:
                setattr(exc, attr, value)
            except (AttributeError, TypeError):  # pragma: no cover - a class with __slots__
                pass
        return exc

    def check(self, rc, err=None):
        """``rc``, or the contract's exception raised."""
        if self._test(rc):
            raise self.failure(rc, err)
        return rc


def contract(lib, name, error_if=_MISSING, raise_=None, message=None, errno=False):
    """Declare the error convention of ``lib.name`` (see the module's
    doc). ``name`` may be a dict ``{name: {keywords}}`` (the table form);
    the keywords given here are then the defaults of every entry.
    Returns ``lib``."""
    b = boundary_of(lib)
    defaults = {"raise_": raise_, "message": message, "errno": errno}
    if error_if is not _MISSING:
        defaults["error_if"] = error_if
    if isinstance(name, dict):
        entries = []
        for fname, kwds in name.items():
            if kwds is None:
                kwds = {}
            if not isinstance(kwds, dict):
                raise TypeError("contract(): the table maps names to dicts of keywords, not %r" % (kwds,))
            unknown = set(kwds) - {"error_if", "raise_", "message", "errno"}
            if unknown:
                raise TypeError("contract(): unknown keyword(s) %s for %r" % (", ".join(sorted(unknown)), fname))
            entries.append((fname, Contract(**dict(defaults, **kwds))))
        for fname, c in entries:
            b.set_contract(fname, c)
        return lib
    if not isinstance(name, str):
        raise TypeError("contract(): name must be a function name or a dict, not %r" % (name,))
    b.set_contract(name, Contract(**defaults))
    return lib


def remove(lib, name):
    """Forget the contract of ``lib.name`` (calls return codes again)."""
    boundary_of(lib).set_contract(name, None)


def contracts_of(lib):
    """``{name: Contract}`` of ``lib``."""
    return dict(boundary_of(lib).contracts)
