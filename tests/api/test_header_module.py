"""API mode with declarations read from a real header (`ffi.cdef_header`,
an rcffi extension): the compiled module carries them, layouts included."""

import pytest

from conftest import IMPL_NAME, cffi_impl

pytestmark = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="cdef_header() is an rcffi extension")

HEADER = """
#ifndef WIRE_H
#define WIRE_H
#define WIRE_MAGIC (0x10 | (1 << 8))
#pragma pack(push, 1)
struct wire { char tag; int value; short extra; };
#pragma pack(pop)
typedef struct { char c; } __attribute__((aligned(16))) slot_t;
struct plain { char c; double d; };
int wire_sum(const struct wire *w);
static inline int wire_unused(void) { return 0; }
#endif
"""

SOURCE = """
#include <stddef.h>
#include "wire.h"
int wire_sum(const struct wire *w) { return w->tag + w->value + w->extra; }
"""


def test_compiled_module_has_the_headers_declarations(tmp_path, build):
    (tmp_path / "wire.h").write_text(HEADER)
    ffi = cffi_impl.FFI()
    ffi.cdef_header(str(tmp_path / "wire.h"))
    mod = build(None, SOURCE, ffi=ffi, include_dirs=[str(tmp_path)])
    cffi_, lib = mod.ffi, mod.lib
    assert lib.WIRE_MAGIC == 0x110
    assert (cffi_.sizeof("struct wire"), cffi_.offsetof("struct wire", "value")) == (7, 1)
    assert cffi_.alignof("slot_t") == 16
    assert cffi_.sizeof("struct plain") == 16
    w = cffi_.new("struct wire *", {"tag": b"\x01", "value": 1000, "extra": 7})
    assert lib.wire_sum(w) == 1008
