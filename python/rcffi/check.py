"""Drift checks: an FFI's declarations held against the real C header
(read with rcffi's own header reader, as ``ffi.cdef_header()``) and the
real library's exported symbols.

    report = ffi.check(header="zlib.h", library="z")
    assert report.ok, report
    python -m rcffi check binding.cdef --header zlib.h --lib z [--json]

Compared, per name declared in the cdef:

* functions and global variables: parameter and result types (after
  typedef resolution: both sides are compared as resolved C types, an
  integer type by its size and signedness, so ``size_t`` matches the
  header's ``unsigned long`` but not ``int``; ``const`` does not count,
  as for the ABI);
* structs and unions (by tag, by typedef name, and every record a
  compared type reaches): size, alignment, and each field's offset, type
  and bit-field width; fields missing on either side;
* typedefs: the types they resolve to;
* enum values and integer constants (``#define N 42``, ``static const``);
* with a library: that every declared function and global is exported.

A name the cdef declares that the header does not is a mismatch too (it
was renamed or removed). Things that cannot be compared (a ``...``
record or constant, a declaration the header reader skipped) are listed
as notes, not mismatches.
"""

import json

__all__ = ["check_ffi", "Report", "Mismatch", "DriftError"]


class DriftError(AssertionError):
    """Raised by ``Report.raise_if_mismatch()``; ``report`` is the report."""

    def __init__(self, report):
        AssertionError.__init__(self, str(report))
        self.report = report


class Mismatch:
    """One difference: ``kind`` (``function``, ``variable``, ``struct``,
    ``union``, ``typedef``, ``enum``, ``constant``, ``symbol``), ``name``,
    ``what`` differs, and the ``cdef`` and ``header`` sides (strings, or
    None when that side has nothing)."""

    __slots__ = ("kind", "name", "what", "cdef", "header")

    def __init__(self, kind, name, what, cdef=None, header=None):
        self.kind = kind
        self.name = name
        self.what = what
        self.cdef = cdef
        self.header = header

    def as_dict(self):
        return {"kind": self.kind, "name": self.name, "what": self.what, "cdef": self.cdef, "header": self.header}

    def __str__(self):
        if self.name.startswith(self.kind + " "):
            text = "%s: %s" % (self.name, self.what)  # "struct rec: size"
        else:
            text = "%s %s: %s" % (self.kind, self.name, self.what)
        if self.cdef is not None or self.header is not None:
            src = "library" if self.kind == "symbol" else "header"
            text += " (cdef: %s; %s: %s)" % (_show(self.cdef), src, _show(self.header))
        return text

    def __repr__(self):
        return "<Mismatch %s>" % (self,)


def _show(v):
    return "-" if v is None else str(v)


class Report:
    """The result of a drift check."""

    def __init__(self, header, library):
        self.header = header
        self.library = library
        self.mismatches = []
        self.notes = []
        self.checked = 0

    @property
    def ok(self):
        """No mismatch found."""
        return not self.mismatches

    def add(self, *args):
        self.mismatches.append(Mismatch(*args))

    def as_dict(self):
        return {"ok": self.ok, "header": self.header, "library": self.library, "checked": self.checked,
                "mismatches": [m.as_dict() for m in self.mismatches], "notes": list(self.notes)}

    def to_json(self, indent=2):
        return json.dumps(self.as_dict(), indent=indent)

    def raise_if_mismatch(self):
        if self.mismatches:
            raise DriftError(self)
        return self

    def __str__(self):
        against = "header %s" % (self.header,)
        if self.library is not None:
            against += " and library %s" % (self.library,)
        lines = ["rcffi check against %s: %d name(s) checked, %d mismatch(es)"
                 % (against, self.checked, len(self.mismatches))]
        lines.extend("  " + str(m) for m in self.mismatches)
        lines.extend("  note: " + n for n in self.notes)
        return "\n".join(lines)

    def __repr__(self):
        return "<rcffi.check.Report: %d mismatch(es)>" % (len(self.mismatches),)


def _anonymous(ct):
    return "$" in ct.cname


def _fields(ct):
    """``[(name, CField)]`` of a record, or None (opaque), or the string
    "partial" (declared with ``...``)."""
    try:
        return ct.fields
    except Exception:
        return "partial"


class _Comparer:
    def __init__(self, ffi, hffi, report):
        self.ffi = ffi
        self.hffi = hffi
        self.report = report
        self.records_done = set()

    def size(self, f, ct):
        try:
            return f.sizeof(ct)
        except Exception:
            return None

    def align(self, f, ct):
        try:
            return f.alignof(ct)
        except Exception:
            return None

    def same_type(self, a, b, where):
        """Do the ctypes ``a`` (cdef) and ``b`` (header) agree? Records
        met on the way are queued for a layout comparison; anonymous ones
        are compared here (their ``$N`` names differ between FFIs)."""
        if a.kind != b.kind:
            return False
        kind = a.kind
        if kind in ("pointer", "array"):
            if kind == "array" and a.length != b.length:
                return False
            return self.same_type(a.item, b.item, where)
        if kind == "function":
            if a.ellipsis != b.ellipsis or len(a.args) != len(b.args):
                return False
            return self.same_type(a.result, b.result, where) and all(
                self.same_type(x, y, where) for x, y in zip(a.args, b.args))
        if kind in ("struct", "union"):
            if _anonymous(a) or _anonymous(b):
                return _anonymous(a) and _anonymous(b) and not self.record_differences(a, b)
            if a.cname != b.cname:
                return False
            self.compare_record(a.cname, a, b)
            return True
        if kind == "primitive":
            return _primitive_key(self.ffi, a) == _primitive_key(self.hffi, b)
        return a.cname == b.cname

    def record_differences(self, a, b):
        """``[(what, cdef, header)]``: how two records' layouts differ."""
        out = []
        fa, fb = _fields(a), _fields(b)
        if fa is None or fb is None:
            if fa is not None and fb is None:
                self.report.notes.append("%s: declared with fields in the cdef, opaque in the header: not compared"
                                         % (a.cname,))
            return out
        if fa == "partial":
            # rcffi cannot give the fields of a '...' record before a compiler did
            self.report.notes.append("%s: declared with '...' in the cdef: its layout is not compared" % (a.cname,))
            return out
        if fb == "partial":  # pragma: no cover - a header cannot say '...'
            return out
        sa, sb = self.size(self.ffi, a), self.size(self.hffi, b)
        if sa != sb:
            out.append(("size", sa, sb))
        aa, ab = self.align(self.ffi, a), self.align(self.hffi, b)
        if aa != ab:
            out.append(("alignment", aa, ab))
        by_name = dict(fb)
        for name, f in fa:
            g = by_name.get(name)
            label = "field '%s'" % (name,)
            if g is None:
                out.append((label + " not in the header", f.type.cname, None))
                continue
            if not self.same_type(f.type, g.type, label):
                out.append((label + " type", f.type.cname, g.type.cname))
            if f.offset != g.offset:
                out.append((label + " offset", f.offset, g.offset))
            if f.bitsize != g.bitsize:
                out.append((label + " bit-field width", _bits(f.bitsize), _bits(g.bitsize)))
            elif f.bitshift != g.bitshift:
                out.append((label + " bit position", f.bitshift, g.bitshift))
        names = {n for n, _ in fa}
        for name, g in fb:
            if name not in names:
                out.append(("field '%s' not in the cdef" % (name,), None, g.type.cname))
        return out

    def compare_record(self, name, a, b):
        key = (a, b)
        if key in self.records_done:
            return
        self.records_done.add(key)
        self.report.checked += 1
        for what, x, y in self.record_differences(a, b):
            self.report.add(a.kind, name, what, _str(x), _str(y))

    def header_type(self, name):
        try:
            return self.hffi.typeof(name)
        except Exception:
            return None


def _primitive_key(f, ct):
    """What identifies a primitive type for the ABI: an integer type by its
    size and signedness (``size_t``, which cdef knows as a type of its own,
    is the header's ``unsigned long``; ``int32_t`` is ``int``), a floating
    or boolean type by its name."""
    name = ct.cname
    if name in ("float", "double", "long double", "_Bool", "char") or "_Complex" in name:
        return name
    try:
        return ("integer", f.sizeof(ct), int(f.cast(ct, -1)) < 0)
    except Exception:
        return name


def _bits(v):
    return "not a bit-field" if v < 0 else v


def _str(v):
    return None if v is None else str(v)


def _signature_differences(cmp, a, b):
    """``[(what, cdef, header)]`` between two function ctypes."""
    out = []
    if a.ellipsis != b.ellipsis:
        out.append(("variadic", a.ellipsis, b.ellipsis))
    if len(a.args) != len(b.args):
        out.append(("number of parameters", len(a.args), len(b.args)))
    if not cmp.same_type(a.result, b.result, "result"):
        out.append(("result type", a.result.cname, b.result.cname))
    for i, (x, y) in enumerate(zip(a.args, b.args)):
        if not cmp.same_type(x, y, "parameter %d" % (i + 1,)):
            out.append(("parameter %d type" % (i + 1,), x.cname, y.cname))
    return out


def check_ffi(ffi, header, library=None, include_dirs=(), defines=None):
    """Compare ``ffi``'s declarations with ``header`` and, if given, the
    exports of ``library`` (a name or path as for ``ffi.dlopen``).
    Returns a ``Report``."""
    from .api import FFI

    hffi = FFI()
    hffi.cdef_header(header, include_dirs=include_dirs, defines=defines)
    report = Report(str(header), None if library is None else str(library))
    cmp = _Comparer(ffi, hffi, report)

    def missing(kind, name):
        reason = hffi._skipped_reason(name) if hasattr(hffi, "_skipped_reason") else None
        if reason is not None:
            report.notes.append("%s %s: not compared, the header reader skipped it: %s" % (kind, name, reason))
        else:
            report.add(kind, name, "declared in the cdef, not in the header")

    names = ffi._declared_names()
    for name in names:
        kind = ffi._lookup_kind(name)
        hkind = hffi._lookup_kind(name)
        if kind in ("function", "variable"):
            report.checked += 1
            if hkind is None:
                missing(kind, name)
                continue
            if hkind != kind:
                report.add(kind, name, "is a %s in the header" % (hkind,))
                continue
            a = ffi._decl_ctype(name)[1]
            b = hffi._decl_ctype(name)[1]
            if kind == "function":
                for what, x, y in _signature_differences(cmp, a, b):
                    report.add("function", name, what, _str(x), _str(y))
            elif not cmp.same_type(a, b, name):
                report.add("variable", name, "type", a.cname, b.cname)
        elif kind in ("constant", "enum"):
            report.checked += 1
            if hkind is None:
                missing(kind, name)
                continue
            try:
                x = ffi._lib_constant(name)
            except Exception as e:
                report.notes.append("%s %s: not compared: %s" % (kind, name, e))
                continue
            try:
                y = hffi._lib_constant(name)
            except Exception as e:
                report.notes.append("%s %s: not compared, the header's value is unknown: %s" % (kind, name, e))
                continue
            if x != y:
                report.add(kind, name, "value", _str(x), _str(y))

    typedefs, structs, unions = ffi.list_types()
    for name in typedefs:
        report.checked += 1
        a = ffi.typeof(name)
        b = cmp.header_type(name)
        if b is None:
            missing("typedef", name)
        elif not cmp.same_type(a, b, name):
            report.add("typedef", name, "resolves to a different type", a.cname, b.cname)
    for kind, tags in (("struct", structs), ("union", unions)):
        for tag in tags:
            cname = "%s %s" % (kind, tag)
            a = ffi.typeof(cname)
            b = cmp.header_type(cname)
            if b is None:
                report.checked += 1
                missing(kind, cname)
            else:
                cmp.compare_record(cname, a, b)

    if library is not None:
        _check_exports(ffi, library, names, report)
    return report


def _check_exports(ffi, library, names, report):
    from .lib import close_library, load_library

    lib = load_library(ffi, library, 0)
    try:
        for name in names:
            kind = ffi._lookup_kind(name)
            if kind == "function":
                try:
                    getattr(lib, name)
                except AttributeError:
                    symbol = ffi._decl_ctype(name)[2]
                    what = "declared function not exported by the library"
                    if symbol != name:
                        what += " (looked up as '%s')" % (symbol,)
                    report.add("symbol", name, what)
            elif kind == "variable":
                try:
                    ffi.addressof(lib, name)
                except (AttributeError, KeyError):
                    report.add("symbol", name, "declared global variable not exported by the library")
    finally:
        close_library(lib)
