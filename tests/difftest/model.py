"""The generator's model of C types: enough to spell a type in a cdef or a
type string, and to choose values and operations that are well defined.

Sizes and offsets are deliberately NOT modelled: programs ask
``ffi.sizeof``/``ffi.offsetof`` at run time (the same expression runs under
both implementations), so the tester never needs its own layout engine.
"""


class Prim:
    """A primitive type. ``cls`` is one of int, char, wchar, bool, float,
    complex; ``lo``/``hi`` are the integer range (None for non-integers)."""

    def __init__(self, name, cls, bits=0, signed=False):
        self.name = name
        self.cls = cls
        self.bits = bits
        self.signed = signed
        if cls == "int":
            if signed:
                self.lo, self.hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
            else:
                self.lo, self.hi = 0, (1 << bits) - 1
        elif cls == "bool":
            self.lo, self.hi = 0, 1
        else:
            self.lo = self.hi = None

    def __repr__(self):
        return "Prim(%s)" % self.name


def _ints():
    out = []
    for name, bits, signed in [
        ("signed char", 8, True), ("unsigned char", 8, False),
        ("short", 16, True), ("unsigned short", 16, False),
        ("int", 32, True), ("unsigned int", 32, False),
        ("long", 64, True), ("unsigned long", 64, False),
        ("long long", 64, True), ("unsigned long long", 64, False),
        ("int8_t", 8, True), ("uint8_t", 8, False),
        ("int16_t", 16, True), ("uint16_t", 16, False),
        ("int32_t", 32, True), ("uint32_t", 32, False),
        ("int64_t", 64, True), ("uint64_t", 64, False),
        ("int_least8_t", 8, True), ("uint_least16_t", 16, False),
        ("int_fast32_t", 64, True), ("uint_fast8_t", 8, False),
        ("intptr_t", 64, True), ("uintptr_t", 64, False),
        ("size_t", 64, False), ("ssize_t", 64, True),
        ("ptrdiff_t", 64, True), ("intmax_t", 64, True),
        ("uintmax_t", 64, False),
    ]:
        out.append(Prim(name, "int", bits, signed))
    return out


INTS = _ints()
CHAR = Prim("char", "char", 8)
WCHARS = [Prim("wchar_t", "wchar", 32, True), Prim("char16_t", "wchar", 16),
          Prim("char32_t", "wchar", 32)]
BOOL = Prim("_Bool", "bool", 8)
FLOATS = [Prim("float", "float", 32, True), Prim("double", "float", 64, True),
          Prim("long double", "float", 80, True)]
COMPLEX = [Prim("float _Complex", "complex", 64),
           Prim("double _Complex", "complex", 128)]
PRIMS = INTS + [CHAR, BOOL] + WCHARS + FLOATS + COMPLEX
BY_NAME = {p.name: p for p in PRIMS}
INT = BY_NAME["int"]
# Types a bitfield may have (gcc and cffi both accept these).
BITFIELD_TYPES = [BY_NAME[n] for n in (
    "int", "unsigned int", "signed char", "unsigned char", "short",
    "unsigned short", "long long", "unsigned long long", "long",
    "int8_t", "uint32_t")] + [BOOL]


class Void:
    name = "void"

    def __repr__(self):
        return "void"


VOID = Void()


class Ptr:
    def __init__(self, item):
        self.item = item

    def __repr__(self):
        return "Ptr(%r)" % (self.item,)


class Arr:
    def __init__(self, item, n):
        self.item = item
        self.n = n          # None: open array ``T[]``

    def __repr__(self):
        return "Arr(%r, %r)" % (self.item, self.n)


class Func:
    def __init__(self, ret, args, varargs=False):
        self.ret = ret
        self.args = list(args)
        self.varargs = varargs

    def __repr__(self):
        return "Func(%r, %r)" % (self.ret, self.args)


class Field:
    def __init__(self, name, t, bits=None):
        self.name = name    # None: anonymous member (t is a Rec) or unnamed bitfield
        self.t = t
        self.bits = bits


class Rec:
    """A struct or union. ``name`` is what the type string says: ``struct s1``
    or a typedef name; anonymous inner records have name None."""

    def __init__(self, kw, name, fields):
        self.kw = kw
        self.name = name
        self.fields = fields

    def named_fields(self):
        """(name, Field) of every field reachable by name, anonymous members
        flattened as C and cffi do."""
        out = []
        for f in self.fields:
            if f.name is None:
                if isinstance(f.t, Rec):
                    out.extend(f.t.named_fields())
            else:
                out.append((f.name, f))
        return out

    def varsized(self):
        return (self.kw == "struct" and self.fields
                and isinstance(self.fields[-1].t, Arr)
                and self.fields[-1].t.n is None)

    def has_bitfields(self):
        for f in self.fields:
            if f.bits is not None:
                return True
            if f.name is None and isinstance(f.t, Rec) and f.t.has_bitfields():
                return True
        return False

    def __repr__(self):
        return "Rec(%s)" % (self.name,)


class Enum:
    def __init__(self, name, items):
        self.name = name
        self.items = items  # [(name, value)]

    def __repr__(self):
        return "Enum(%s)" % (self.name,)


class Typedef:
    """A typedef name for a non-record type (records keep their own
    ``name``)."""

    def __init__(self, name, target):
        self.name = name
        self.target = target


def resolve(t):
    while isinstance(t, Typedef):
        t = t.target
    return t


def spell(t, inner=""):
    """C spelling of type ``t`` around declarator ``inner``."""
    if isinstance(t, (Prim, Void, Enum, Typedef)) or (
            isinstance(t, Rec) and t.name is not None):
        return ("%s %s" % (t.name, inner)).strip()
    if isinstance(t, Rec):
        return ("%s %s" % (record_body(t), inner)).strip()
    if isinstance(t, Ptr):
        if isinstance(t.item, (Arr, Func)):
            return spell(t.item, "(*%s)" % inner)
        return spell(t.item, "*" + inner)
    if isinstance(t, Arr):
        return spell(t.item, "%s[%s]" % (inner, "" if t.n is None else t.n))
    if isinstance(t, Func):
        args = [spell(a) for a in t.args]
        if t.varargs:
            args.append("...")
        return spell(t.ret, "%s(%s)" % (inner, ", ".join(args) or "void"))
    raise TypeError(t)


def record_body(r):
    parts = []
    for f in r.fields:
        decl = spell(f.t, f.name or "")
        if f.bits is not None:
            decl += " : %d" % f.bits
        parts.append(decl + ";")
    return "%s { %s }" % (r.kw, " ".join(parts))


def is_int(t):
    t = resolve(t)
    return isinstance(t, Prim) and t.cls in ("int", "bool")


def is_scalar(t):
    t = resolve(t)
    return isinstance(t, (Prim, Enum, Ptr))


def is_charlike(t):
    t = resolve(t)
    return isinstance(t, Prim) and t.cls in ("char", "wchar")


def contains_ptr(t):
    """Whether the raw bytes of memory of type t can differ from run to run:
    it can hold an address, or a ``long double`` (cffi stores all 16 bytes
    of one from a temporary whose 6 padding bytes are unspecified). Such
    bytes are never printed."""
    t = resolve(t)
    if isinstance(t, Ptr) or t is BY_NAME["long double"]:
        return True
    if isinstance(t, Arr):
        return contains_ptr(t.item)
    if isinstance(t, Rec):
        return any(contains_ptr(f.t) for f in t.fields)
    return False


def overlaid_names(rec):
    """Names (as rec.named_fields() gives them) whose bytes may be shared
    with a pointer stored through another member of a union: reading them
    could print an address. Pointer-typed members are fine (their repr is
    masked)."""
    out = set()
    if rec.kw == "union" and contains_ptr(rec):
        return {n for n, f in rec.named_fields() if not isinstance(resolve(f.t), Ptr)}
    for f in rec.fields:
        if f.name is None and isinstance(f.t, Rec):
            out |= overlaid_names(f.t)
    return out
