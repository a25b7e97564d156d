"""Where metrics (``rcffi.metrics``) and error contracts
(``rcffi.contract``) attach to a library.

For an ordinary library (``ffi.dlopen()`` or a compiled module's ``lib``)
a ``LibBoundary`` replaces the function objects cached in the library's
cache of names by wrappers, and wraps the functions fetched later (through
the library's fetch hook, ``_rcffi._lib_set_hook``). A library with neither metrics nor
contracts keeps its own function objects: its call path is untouched.

For an isolated library the ``IsolatedFunction`` objects read the
supervisor's ``metrics`` and ``contracts`` themselves at each call
(``isolation/library.py``); ``IsolatedBoundary`` only sets them.
"""

import weakref

from . import _rcffi

_boundaries = weakref.WeakKeyDictionary()
_ffi = None


def _private_ffi():
    global _ffi
    if _ffi is None:
        from .api import FFI

        _ffi = FFI()
    return _ffi


def boundary_of(lib):
    """The ``LibBoundary`` (or ``IsolatedBoundary``) of ``lib``."""
    b = getattr(type(lib), "_rcffi_boundary_of", None)
    if b is not None:
        return b(lib)
    if not isinstance(lib, _rcffi.Lib):
        raise TypeError("expected a library (from ffi.dlopen() or a compiled module's lib), not %s"
                        % (type(lib).__name__,))
    b = _boundaries.get(lib)
    if b is None:
        b = _boundaries[lib] = LibBoundary(lib)
    return b


def _instance_dict(lib):
    # what the library fetched: functions are replaced there
    return _rcffi._lib_cache(lib)


def _label(lib, d):
    handle = getattr(lib, "_rcffi_handle", None)  # the library or compiled module
    name = getattr(handle, "name", None)
    if isinstance(name, str):
        return name
    try:
        text = repr(lib)
    except Exception:  # pragma: no cover
        text = ""
    if text.startswith("<Lib object for '") and text.endswith("'>"):
        return text[len("<Lib object for '"):-2]
    return text or "lib"


def function_ctype(value):
    """The function ctype of ``value`` if it is a C function of a library
    (a cdata or a compiled module's function), else None."""
    try:
        ct = _private_ffi().typeof(value)
    except (TypeError, ValueError):
        return None
    return ct if ct.kind == "function" else None


def payload_positions(fnctype):
    """``([(index, item size or None)], bytes_out constant)``: which
    arguments carry a payload (pointers, arrays, records by value) and
    the size of a record result."""
    ffi = _private_ffi()
    positions = []
    for i, a in enumerate(fnctype.args):
        if a.kind in ("pointer", "array", "struct", "union"):
            size = None
            if a.kind in ("pointer", "array"):
                try:
                    size = ffi.sizeof(a.item)
                except Exception:
                    size = None
            positions.append((i, size))
    out = 0
    if fnctype.result.kind in ("struct", "union"):
        try:
            out = ffi.sizeof(fnctype.result)
        except Exception:
            out = 0
    return positions, out


def payload_in(args, positions):
    """Bytes of payload the arguments at ``positions`` pass to C: bytes
    and str their length, arrays their size, pointers their pointee's
    size where known, records their size, lists their length times the
    item size."""
    ffi = _private_ffi()
    CData = ffi.CData
    n = 0
    nargs = len(args)
    for i, item_size in positions:
        if i >= nargs:
            break
        a = args[i]
        t = type(a)
        if t is bytes or t is str or t is bytearray:
            n += len(a)
        elif isinstance(a, CData):
            try:
                ct = ffi.typeof(a)
                kind = ct.kind
                if kind in ("array", "struct", "union"):
                    n += ffi.sizeof(a)
                elif kind == "pointer" and a:
                    n += ffi.sizeof(ct.item)
            except Exception:
                pass
        elif (t is list or t is tuple) and item_size:
            n += len(a) * item_size
    return n


def make_wrapper(raw, name, stats, contract, fnctype):
    """The function object ``lib.name`` becomes: ``raw`` with the
    contract's check applied and/or counted in ``stats``. A boundary function
    (``_rcffi._boundary_function``, whose call entry is in Rust), which
    rcffi unwraps back to ``raw`` wherever it takes a C function pointer
    (``ffi.typeof``, ``ffi.cast``, arguments, ``ffi.addressof``)."""
    positions, out = [], 0
    if stats is not None and fnctype is not None:
        positions, out = payload_positions(fnctype)
    return _rcffi._boundary_function(raw, raw, stats, [(i, -1 if s is None else s) for i, s in positions], out,
                                     name, None if contract is None else contract.spec())


class LibBoundary:
    """Metrics and contracts of one ordinary library."""

    def __init__(self, lib):
        self.dict = _instance_dict(lib)
        self.label = _label(lib, self.dict)
        self.metrics = None
        self.contracts = {}
        self.raw = {}        # name -> the library's own function object
        self.wrappers = {}   # name -> the wrapper installed in the dict
        self._lib = weakref.ref(lib)
        self._patch(lib)

    def _patch(self, lib):
        ref = weakref.ref(self)

        def fetched(name, value):
            b = ref()
            if b is not None and (b.metrics is not None or name in b.contracts):
                return b._install(name, value)
            return value

        _rcffi._lib_set_hook(lib, fetched)

    def _install(self, name, raw):
        """Wrap ``raw`` (just fetched as ``lib.name``) if it is a function."""
        fnctype = function_ctype(raw)
        if fnctype is None:
            return raw
        self.raw[name] = raw
        return self._rewrap(name, fnctype)

    def _rewrap(self, name, fnctype=None):
        raw = self.raw[name]
        if fnctype is None:
            fnctype = function_ctype(raw)
        contract = self.contracts.get(name)
        stats = self.metrics.function(name) if self.metrics is not None else None
        if stats is None and contract is None:
            self.dict[name] = raw
            self.wrappers.pop(name, None)
            return raw
        wrapper = make_wrapper(raw, name, stats, contract, fnctype)
        self.dict[name] = wrapper
        self.wrappers[name] = wrapper
        return wrapper

    def _raw_function(self, name):
        """The library's own function ``name`` (fetched if needed)."""
        raw = self.raw.get(name)
        if raw is not None:
            return raw
        lib = self._lib()
        value = self.dict.get(name)
        if value is None:
            value = getattr(lib, name)  # may come back wrapped by _install
            raw = self.raw.get(name)
            if raw is not None:
                return raw
        if function_ctype(value) is None:
            raise TypeError("'%s' is not a function of %r" % (name, lib))
        self.raw[name] = value
        return value

    def _cached_functions(self):
        names = set(self.raw)
        for name, value in list(self.dict.items()):
            if name not in names and not name.startswith("_rcffi") and function_ctype(value) is not None:
                self.raw[name] = value
                names.add(name)
        return names

    def set_metrics(self, m):
        self.metrics = m
        for name in self._cached_functions():
            self._rewrap(name)

    def set_contract(self, name, contract):
        raw = self._raw_function(name)
        if contract is None:
            self.contracts.pop(name, None)
        else:
            contract.attach(name, function_ctype(raw))
            self.contracts[name] = contract
        self._rewrap(name)


class IsolatedBoundary:
    """Metrics and contracts of an isolated library: kept on its
    supervisor, read by its functions at each call."""

    def __init__(self, lib, supervisor):
        self.lib = lib
        self.sup = supervisor
        self.label = supervisor.library

    @property
    def metrics(self):
        return self.sup.metrics

    @property
    def contracts(self):
        return self.sup.contracts

    def set_metrics(self, m):
        self.sup.metrics = m

    def set_contract(self, name, contract):
        plan = self.sup.plan(name)  # AttributeError for an unknown name, as getattr
        if contract is None:
            self.sup.contracts.pop(name, None)
        else:
            contract.attach(name, plan.fnctype)
            self.sup.contracts[name] = contract
