"""The exception classes of rcffi, named and placed as cffi's are.

``FFIError`` and ``error`` (every module's ``ffi.error``) are made by the
extension (a compiled module's ``ffi`` raises them with no Python of
rcffi imported); the others when first asked for (module ``__getattr__``):
making a class is a good part of what importing costs, and a program that
raises none of them needs none.
"""

from ._rcffi import _error_classes

FFIError, error = _error_classes()

# name -> (base, docstring)
_LATER = {
    "CDefError": (Exception, None),
    "VerificationError": (Exception, "An error raised when verification fails."),
    "VerificationMissing": (
        Exception,
        "An error raised when incomplete structures are passed into cdef,\n    but no verification has been done.",
    ),
    "PkgConfigError": (Exception, "An error raised for missing modules in pkg-config."),
}


def __getattr__(name):
    try:
        base, doc = _LATER[name]
    except KeyError:
        raise AttributeError("module 'rcffi.error' has no attribute %r" % (name,)) from None
    cls = type(name, (base,), {"__module__": "cffi", "__doc__": doc})
    globals()[name] = cls  # made once: later lookups find it directly
    return cls


def __dir__():
    return sorted(set(globals()) | set(_LATER))


__all__ = ["FFIError", "error", "CDefError", "VerificationError", "VerificationMissing", "PkgConfigError"]
