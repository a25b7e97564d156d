"""Building a module reads the FFI's own declarations (its registry, as
`cdecl::snapshot` bytes), not their text: nothing declared is parsed
again, and a header read with ``cdef_header()`` is preprocessed once for
the whole build (``_rcffi._parse_counts()``, rcffi's count of parses and
preprocessor runs)."""

import importlib
import warnings

import pytest

from conftest import IMPL_NAME, cffi_impl

pytestmark = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="rcffi's parse counters")

CDEF = """
typedef struct point { int x, y; } point_t;
enum colour { RED, GREEN = 5 };
#define LIMIT 42
int sum_point(const point_t *p);
extern int counter;
"""

HEADER = """
#ifndef SHAPES_H
#define SHAPES_H
#define SHAPES_MAX (1 << 4)
struct shape { int kind; double size; };
typedef struct shape shape_t;
double shape_area(const shape_t *s);
#endif
"""


def counts():
    from rcffi import _rcffi

    return _rcffi._parse_counts()


def test_emitting_c_parses_nothing(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef(CDEF)
    ffi.set_source("_reads_registry", "")
    before = counts()
    ffi.emit_c_code(str(tmp_path / "m.c"))
    assert counts() == before
    c = (tmp_path / "m.c").read_text()
    for what in ("_rcffi_d_sum_point", "_rcffi_v_counter", "_rcffi_i_LIMIT", "_rcffi_i_GREEN", "offsetof(point_t, y)"):
        assert what in c


def test_a_header_is_read_once_for_a_build(tmp_path):
    (tmp_path / "shapes.h").write_text(HEADER)
    from rcffi.verifier import Verifier

    before = counts()
    ffi = cffi_impl.FFI()
    ffi.cdef_header(str(tmp_path / "shapes.h"))
    ffi.set_source("_reads_header_once", '#include "shapes.h"')
    ffi.emit_c_code(str(tmp_path / "m.c"))
    # verify() names its module after the declarations' text, and writes it
    Verifier(ffi, '#include "shapes.h"', tmpdir=str(tmp_path / "v")).write_source()
    # the out-of-line module embeds the registry too
    ool = cffi_impl.FFI()
    ool.cdef_header(str(tmp_path / "shapes.h"))
    ool.set_source("_reads_header_ool", None)
    ool.emit_python_code(str(tmp_path / "ool.py"))
    parses, preprocesses = counts()
    assert (parses - before[0], preprocesses - before[1]) == (2, 2)  # one per cdef_header() call
    # what the module embeds for `ffi._cdefsources` is the header's declarations as cdef text
    assert "double shape_area(" in (tmp_path / "m.c").read_text()


def test_a_module_built_from_a_header_works(tmp_path, build):
    (tmp_path / "shapes.h").write_text(HEADER)
    ffi = cffi_impl.FFI()
    ffi.cdef_header(str(tmp_path / "shapes.h"))
    before = counts()
    mod = build(None, '#include "shapes.h"\ndouble shape_area(const shape_t *s) { return s->size * s->size; }',
                ffi=ffi, include_dirs=[str(tmp_path)])
    # generating, compiling and importing it parsed and preprocessed nothing
    assert counts() == before
    s = mod.ffi.new("shape_t *", {"kind": 1, "size": 3.0})
    assert mod.lib.shape_area(s) == 9.0
    assert mod.lib.SHAPES_MAX == 16
    assert mod.ffi.offsetof("struct shape", "size") == 8
    # the texts are still there, read from the module when asked for
    assert mod.ffi._cdefsources and "shape_area" in mod.ffi._cdefsources[0]


def test_out_of_line_modules_embed_the_registry(tmp_path, monkeypatch):
    ffi = cffi_impl.FFI()
    ffi.cdef(CDEF)
    ffi.set_source("_reads_registry_ool", None)
    before = counts()
    ffi.emit_python_code(str(tmp_path / "_reads_registry_ool.py"))
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mod = importlib.import_module("_reads_registry_ool")
    assert counts() == before
    assert mod.ffi.sizeof("point_t") == 8
    assert mod.ffi.integer_const("GREEN") == 5


def test_a_header_record_packed_above_1_is_refused_when_generating(tmp_path):
    # generated from the registry, which has the header's `#pragma pack(2)`
    # (as cdef(..., pack=2) is refused: cffi's API mode supports 0 or 1)
    (tmp_path / "p2.h").write_text("#pragma pack(push, 2)\nstruct q { char c; int d; };\n#pragma pack(pop)\n")
    ffi = cffi_impl.FFI()
    ffi.cdef_header(str(tmp_path / "p2.h"))
    assert ffi.sizeof("struct q") == 6
    ffi.set_source("_p2", '#include "p2.h"')
    with pytest.raises(NotImplementedError, match=r"struct q is declared with 'pack=2'; only 0 or 1 are supported"):
        ffi.emit_c_code(str(tmp_path / "p2.c"))
