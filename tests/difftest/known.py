"""Open findings of the differential tester: each entry is a section
``### ID`` of docs/difftest-findings.md (reproducer, classification) and a
predicate recognising its divergences. When a finding is fixed, delete its
entry: the CI budget (test_difftest.py) then fails if it comes back.
"""

import re

from .allowlist import Entry


def _src(d):
    return d.src or ""


def _txt(s):
    return s or ""


def _misuse_crash(d):
    return d.kind == "misuse" and d.cls in ("crash", "hang")


_INT_LIKE = re.compile(r"\b(IntOnly|IndexOnly|Decimal|Fraction)\(")
_FLOAT_SPECIAL = re.compile(r"float\('(nan|inf)'\)|-float\('inf'\)|Decimal\('nan'\)|\b1e300\b|\b1e30\b")


def _int_protocol(d):
    # __int__ vs __index__: cffi takes integers through __int__ (Decimal,
    # Fraction, IntOnly) and refuses __index__-only objects; rcffi the
    # reverse. Recognised by the objects in the step, on either side.
    return d.cls in ("raises", "exc-type", "value") and bool(_INT_LIKE.search(_src(d)))


def _int_protocol_in_callback(d):
    # the same, for a callback's result: the side that refuses it reports
    # the error and returns the error value (0 by default)
    if d.cls == "value":
        called = re.search(r"\bv\d+(\.\w+)?\(", _src(d)) is not None
        ints = [x for x in (d.ref, d.got) if x and x.lstrip("-").isdigit()]
        return called and len(ints) == 2 and "0" in (d.ref, d.got)
    return d.cls == "unraisable" and "an integer is required" in _txt(d.ref) and d.got == "None"


def _bools_as_ints(text):
    return re.sub(r"\bTrue\b", "1", re.sub(r"\bFalse\b", "0", text or ""))


def _float_to_int(d):
    return d.cls in ("raises", "value", "exc-type") and "ffi.cast(" in _src(d) and bool(
        _FLOAT_SPECIAL.search(_src(d)))


# an address taken out of its owner: as an integer, or by a cast (which
# holds nothing, as in cffi)
_ADDRESS_AS_INT = re.compile(r"^(v\d+) = ffi\.cast\('[^']*', v\d+\)")


def _owner_died_under_an_integer_address(d):
    # v3 = ffi.cast('size_t', v1); v4 = ffi.cast('int *', v3); del v1; v4[0]:
    # the address left Python as an integer, then its owner died. cffi's
    # contract (and rcffi's, docs/architecture.md "Not covered"): keep the
    # owner alive. Undefined on both; cffi survives only by luck.
    if not (d.kind == "misuse" and d.cls == "crash"):
        return False
    escaped = any(_ADDRESS_AS_INT.match(s) for s in d.before)
    died = any(s.startswith("del v") for s in d.before)
    return escaped and died


ENTRIES = [
    Entry("DT41", "owner died under an address kept as an integer", _owner_died_under_an_integer_address,
          kind="known"),
    Entry("DT3", "integers through __int__", lambda d: _int_protocol(d) or _int_protocol_in_callback(d),
          kind="known"),
    Entry("DT4", "float to integer", _float_to_int, kind="known"),
    Entry("DT5", "addressof/offsetof index", lambda d: d.cls == "raises" and re.search(
        r"ffi\.(addressof|offsetof)\([^)]*, -?\d+\)", _src(d)) is not None
        and "IndexError" in _txt(d.got), kind="known"),
    Entry("DT6", "addressof(lib, array)", lambda d: "ffi.addressof(lib, 'dt_garr')" in _src(d)
          or "int(*)[4]" in _txt(d.got), kind="known"),
    Entry("DT7", "callback signatures", lambda d: d.cls in ("raises", "exc-type")
          and "ffi.callback(" in _src(d) and ("NotImplementedError" in _txt(d.ref) + _txt(d.got)
                                             or "struct layout not supported" in _txt(d.got)),
          kind="known"),
    Entry("DT8", "complex from a character", lambda d: d.cls == "raises" and "ffi.cast(" in _src(d)
          and "_complex_t'" in _txt(d.ref) and "must be real number, not" in _txt(d.got), kind="known"),
    Entry("DT9", "open array of arrays", lambda d: "[3][]" in _src(d) or "ffi.alignof('int[]')" in _src(d)
          or "array item of unknown size" in _txt(d.ref), kind="known"),
    Entry("DT10", "cdef checks at cdef time", lambda d: d.cls in ("raises", "exc-type", "value")
          and "cdef(" in _src(d) and (d.cls == "exc-type" and "raises CDefError" in _txt(d.got)
                                      or any(k in _src(d) for k in (
              "int x[-1]", "items[]; int after", "1/0", "enum e { T }", "a[0x2000000000000000]",
              "int a[0]", "float f : 3", "int a : -1", "int a : 40", "struct s { S y; }",
              "void v;", "A f(void)"))),
          kind="known"),
    Entry("DT11", "string() of non-char", lambda d: d.cls in ("raises", "exc-type")
          and "ffi.string(" in _src(d) and ("string(): unexpected cdata" in _txt(d.ref) + _txt(d.got)),
          kind="known"),
    Entry("DT12", "long double comparisons", lambda d: d.cls == "raises" and (
        "cannot use <cdata 'long double'> in a comparison" in _txt(d.ref)
        or "complex() not supported on cdata 'long double'" in _txt(d.ref)), kind="known"),
    Entry("DT13", "_Bool holding 2", lambda d: d.cls in ("raises", "exc-type")
          and "got a _Bool of value" in _txt(d.ref), kind="known"),
    Entry("DT14", "cast pointer to float", lambda d: d.cls == "raises"
          and re.search(r"cannot cast ctype '[^']*\*' to ctype '(float|double|long double)'", _txt(d.ref))
          is not None, kind="known"),
    Entry("DT15", "huge index", lambda d: d.cls == "exc-type"
          and "cannot fit 'int' into an index-sized integer" in _txt(d.ref), kind="known"),
    Entry("DT16", "character out of range", lambda d: d.cls in ("exc-type", "raises") and (
        "invalid maximum character passed to PyUnicode_New" in _txt(d.ref)
        or "ValueError: character out of range" in _txt(d.got)), kind="known"),
    Entry("DT17", "bad type strings", lambda d: d.cls == "exc-type" and (
        "'NoneType' object has no attribute" in _txt(d.ref) or "void[3]" in _src(d)), kind="known"),
    Entry("DT18", "string(NULL)", lambda d: d.cls == "exc-type" and "ffi.string(ffi.NULL)" in _src(d),
          kind="known"),
    Entry("DT19", "list for void *", lambda d: d.cls == "exc-type" and "ctype 'void' is of unknown size"
          in _txt(d.got), kind="known"),
    Entry("DT20", "array size overflow", lambda d: d.cls == "exc-type"
          and "array size would overflow" in _txt(d.ref), kind="known"),
    Entry("DT21", "variadic callback check order", lambda d: d.cls == "exc-type"
          and "ffi.callback('int(int, ...)'" in _src(d), kind="known"),
    Entry("DT22", "buffer type name", lambda d: d.cls == "value"
          and "from '_cffi_backend.buffer' object" in _txt(d.ref), kind="known"),
    Entry("DT23", "allocator repr", lambda d: d.cls == "value" and re.search(
        r"owning \d+ bytes>$", _txt(d.ref)) is not None and re.search(r"^v\d+ = v\d+\('", _src(d)) is not None,
          kind="known"),
    Entry("DT24", "item of an array of structs", lambda d: d.cls == "value"
          and re.search(r"cdata <cdata '[^']*&' 0xADDR>", _txt(d.ref)) is not None
          and "owning" in _txt(d.got), kind="known"),
    Entry("DT25", "anonymous record numbering", lambda d: d.cls == "value"
          and "$" in _txt(d.ref) and "$" in _txt(d.got), kind="known"),
    Entry("DT26", "hash of char", lambda d: d.cls == "value" and re.match(r"hash\(v\d+\)$", _src(d))
          is not None, kind="known"),
    Entry("DT27", "enum relements order", lambda d: d.cls == "value" and "relements" in _src(d),
          kind="known"),
    Entry("DT28", "gc destructor report", lambda d: d.cls == "unraisable"
          and "Exception ignored from callback for ffi.gc" in _txt(d.ref), kind="known"),
    Entry("DT29", "onerror result", lambda d: d.cls == "unraisable"
          and "during handling of the above exception by 'onerror'" in _txt(d.ref) + _txt(d.got),
          kind="known"),
    Entry("DT30", "buffer size warning", lambda d: d.cls == "warning"
          and "ffi.buffer(" in _src(d), kind="known"),
    Entry("DT31", "errno in callbacks", lambda d: d.cls == "value" and (
        "dt_callerr" in _src(d) or _src(d) == "ffi.errno"), kind="known"),
    Entry("DT33", "complex()", lambda d: d.cls == "raises" and re.match(r"complex\(v\d+\)$", _src(d))
          is not None, kind="known"),
    Entry("DT35", "char compared as a number", lambda d: d.cls in ("value", "raises")
          and re.match(r"v\d+ (==|!=|<|<=|>|>=) v\d+$", _src(d)) is not None, kind="known"),
    Entry("DT36", "bool() of complex", lambda d: d.cls == "value" and re.match(r"bool\(v\d+\)$", _src(d))
          is not None, kind="known"),
    Entry("DT38", "derived pointers keep the owner", lambda d: d.cls == "raises"
          and "BufferError: Existing exports" in _txt(d.got), kind="known"),
    Entry("DT40", "gc(None) on an allocator result", lambda d: d.cls == "raises"
          and "Can remove destructor only on a object previously returned by ffi.gc()" in _txt(d.got),
          kind="known"),
    Entry("DT34", "_Bool bitfield", lambda d: d.cls == "value" and d.ref != d.got
          and _bools_as_ints(d.ref) == _bools_as_ints(d.got), kind="known"),
]
