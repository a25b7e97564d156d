"""The exception classes of rcffi, named and placed as cffi's are."""


class FFIError(Exception):
    __module__ = "cffi"


class error(FFIError):
    """``ffi.error`` of compiled and out-of-line modules, named as cffi's
    (``<class 'ffi.error'>``). What rcffi raises for cffi's ``ffi.error``;
    a subclass of ``FFIError`` (cffi's two are unrelated), so that
    ``except FFIError`` catches it too."""

    __module__ = "ffi"


class CDefError(Exception):
    __module__ = "cffi"


class VerificationError(Exception):
    """An error raised when verification fails."""

    __module__ = "cffi"


class VerificationMissing(Exception):
    """An error raised when incomplete structures are passed into cdef,
    but no verification has been done."""

    __module__ = "cffi"


class PkgConfigError(Exception):
    """An error raised for missing modules in pkg-config."""

    __module__ = "cffi"
