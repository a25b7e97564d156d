"""Names for annotations of code that uses rcffi (and of the ``.pyi``
stubs rcffi writes for compiled modules; see ``rcffi._stubs``).

At run time ``CData`` and ``CType`` are the classes of every cdata and
ctype object (``ffi.CData``, ``ffi.CType``); ``AnyCData`` is ``CData`` too.
In typed.pyi, ``CData`` is the precise base of the stub classes (only what
every cdata supports) and ``AnyCData`` a cdata of a type the stub does not
describe, on which any access type-checks.
"""

from .api import FFI

CData = FFI.CData
CType = FFI.CType
AnyCData = FFI.CData

__all__ = ["AnyCData", "CData", "CType"]
