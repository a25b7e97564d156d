"""A small stand-in for cffi's private ``cffi.model``.

rcffi's types live in the Rust core (``ffi.typeof()`` gives ``CType``
objects), so there is no Python type model.  Only ``PrimitiveType`` is
provided: the names of the primitive types ``cdef()`` knows without a
declaration, with their kind, which code written for cffi sometimes reads
(``model.PrimitiveType.ALL_PRIMITIVE_TYPES``)."""

_INTEGERS = (
    "short int long signed_char unsigned_char unsigned_short unsigned_int "
    "unsigned_long _Bool"
).split() + ["long long", "unsigned long long"]
_INTEGERS = [n.replace("_", " ") if n != "_Bool" else n for n in _INTEGERS]
for _bits in (8, 16, 32, 64):
    for _prefix in ("int", "int_least", "int_fast"):
        _INTEGERS += ["%s%d_t" % (_prefix, _bits), "u%s%d_t" % (_prefix, _bits)]
_INTEGERS += ["intptr_t", "uintptr_t", "intmax_t", "uintmax_t", "ptrdiff_t", "size_t", "ssize_t"]
_CHARS = ["char", "wchar_t", "char16_t", "char32_t"]
_FLOATS = ["float", "double", "long double"]
_COMPLEXES = ["_cffi_float_complex_t", "_cffi_double_complex_t"]


class PrimitiveType(object):
    """A primitive C type by name; ``ALL_PRIMITIVE_TYPES`` maps each name
    to its kind: ``'c'`` character, ``'i'`` integer, ``'f'`` floating
    point, ``'j'`` complex."""

    ALL_PRIMITIVE_TYPES = dict(
        [(n, "c") for n in _CHARS]
        + [(n, "i") for n in _INTEGERS]
        + [(n, "f") for n in _FLOATS]
        + [(n, "j") for n in _COMPLEXES]
    )

    def __init__(self, name):
        if name not in self.ALL_PRIMITIVE_TYPES:
            raise ValueError("not a primitive type: %r" % (name,))
        self.name = name

    def _kind(self):
        return self.ALL_PRIMITIVE_TYPES[self.name]

    def is_char_type(self):
        return self._kind() == "c"

    def is_integer_type(self):
        return self._kind() == "i"

    def is_float_type(self):
        return self._kind() == "f"

    def is_complex_type(self):
        return self._kind() == "j"

    def __repr__(self):
        return "<PrimitiveType %s>" % (self.name,)


del _bits, _prefix
