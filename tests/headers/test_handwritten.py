"""Hand-written headers (packing, alignment, bitfields, macro arithmetic,
include chains, defines=, packed=/pack=) read with ffi.cdef_header() and
compared with what gcc makes of the same header."""

import pytest

LAYOUT_H = r"""
#ifndef LAYOUT_H
#define LAYOUT_H
#include <stdint.h>
#include "flags.h"

#define MASK (FLAG(3) | 0x10)
#define SHIFTED (MASK << 4)
#define NEG (-(FLAG(2) + 1))
#define BIGU (~0U)
#define WIDE (1ULL << 40)
#define COND (defined_elsewhere ? 1 : 2)
#define FROM_ENUM (COLOR_BLUE * 100)
#define STR "not a constant"
#define PTR ((void *)0)

enum color { COLOR_RED, COLOR_GREEN = MASK, COLOR_BLUE };

#pragma pack(push, 2)
struct pk2 { char c; int32_t i; double d; };
#pragma pack(push, 1)
struct pk1 { char c; int64_t l; short s; };
#pragma pack(pop)
struct still2 { char c; double d; };
#pragma pack(pop)
struct natural { char c; double d; };

struct __attribute__((packed, aligned(8))) pa8 { char c; int i; short s; };
struct __attribute__((packed)) onlypacked { char c; int i; };
struct al16 { char c; } __attribute__((aligned(16)));
typedef struct { int x; char y; } __attribute__((aligned(32))) al32_t;
struct withal { char c; al32_t inner; int tail; };

struct bits {
    unsigned a : 3;
    unsigned b : 7;
    int c : 5;
    unsigned : 0;
    unsigned char d : 4;
    unsigned long long e : 40;
    unsigned short f : 9;
    int g : 1;
};

#pragma pack(1)
struct packedbits { char c; unsigned x : 12; unsigned y : 20; short z : 3; };
#pragma pack()

#ifdef BIG_COUNTER
typedef int64_t counter_t;
#else
typedef int16_t counter_t;
#endif
struct holder { char tag; counter_t n; uint8_t arr[FLAG(2)]; };

static inline int helper(int x) { return x + MASK; }
int use_holder(struct holder *h, enum color c);
#endif
"""

FLAGS_H = r"""
#pragma once
#define FLAG(n) (1 << (n))
#define defined_elsewhere 0
"""

RECORDS = ["struct pk2", "struct pk1", "struct still2", "struct natural", "struct pa8", "struct onlypacked",
           "struct al16", "al32_t", "struct withal", "struct bits", "struct packedbits", "struct holder"]
CONSTANTS = ["MASK", "SHIFTED", "NEG", "BIGU", "WIDE", "COND", "FROM_ENUM", "COLOR_RED", "COLOR_GREEN", "COLOR_BLUE"]


@pytest.fixture
def layout_dir(write_headers):
    return write_headers({"layout.h": LAYOUT_H, "flags.h": FLAGS_H})


def plain_fields(ffi, rec):
    return [name for name, f in ffi.typeof(rec).fields if f.bitsize < 0]


def layout_exprs(ffi, rec):
    return ["sizeof(%s)" % rec, "_Alignof(%s)" % rec] + ["offsetof(%s, %s)" % (rec, f) for f in plain_fields(ffi, rec)]


def layout_ours(ffi, rec):
    return [ffi.sizeof(rec), ffi.alignof(rec)] + [ffi.offsetof(rec, f) for f in plain_fields(ffi, rec)]


@pytest.mark.parametrize("defines", [None, {"BIG_COUNTER": None}])
def test_layouts_and_constants_match_gcc(hffi, gcc_probe, layout_dir, defines):
    hffi.cdef_header("layout.h", include_dirs=[layout_dir], defines=defines)
    exprs, ours = [], []
    for rec in RECORDS:
        exprs += layout_exprs(hffi, rec)
        ours += layout_ours(hffi, rec)
    exprs += CONSTANTS
    lib = hffi.dlopen(None)
    ours += [getattr(lib, n) for n in CONSTANTS]
    flags = ["-I", str(layout_dir)] + (["-DBIG_COUNTER"] if defines else [])
    assert ours == gcc_probe('#include "layout.h"', exprs, flags)
    assert hffi.sizeof("counter_t") == (8 if defines else 2)
    assert lib.MASK == 0x18 and lib.BIGU == 4294967295 and lib.NEG == -5 and lib.WIDE == 1 << 40
    assert hffi.integer_const("FROM_ENUM") == 2500
    assert hffi.integer_const("SHIFTED") == 0x180


def test_non_integer_macros_are_not_constants(hffi, layout_dir):
    hffi.cdef_header("layout.h", include_dirs=[layout_dir])
    lib = hffi.dlopen(None)
    for name in ("STR", "PTR", "FLAG", "helper", "LAYOUT_H"):
        with pytest.raises(AttributeError):
            getattr(lib, name)
    assert "use_holder" in dir(lib)


BITFIELD_PROBE = r"""
#include <string.h>
static unsigned long long bits_of(const void *p, size_t n, size_t i) {
    const unsigned char *b = p; unsigned long long v = 0;
    for (size_t k = 0; k < 8 && i + k < n; k++) v |= (unsigned long long)b[i + k] << (8 * k);
    return v;
}
"""


@pytest.mark.parametrize("rec", ["struct bits", "struct packedbits"])
def test_bitfield_positions_match_gcc(hffi, gcc_probe, layout_dir, rec):
    """Each bitfield set to all ones in a zeroed record: the same bytes as gcc's."""
    hffi.cdef_header("layout.h", include_dirs=[layout_dir])
    size = hffi.sizeof(rec)
    names = [name for name, f in hffi.typeof(rec).fields if f.bitsize > 0]
    assert len(names) >= 3
    prelude = '#include "layout.h"\n' + BITFIELD_PROBE
    exprs, ours = [], []
    for name in names:
        fn = "f_" + name
        prelude += "static unsigned long long %s(size_t i) { %s r; memset(&r, 0, sizeof r); r.%s = -1; return bits_of(&r, sizeof r, i); }\n" % (fn, rec, name)
        r = hffi.new(rec + " *")
        f = dict(hffi.typeof(rec).fields)[name]
        signed = f.type.cname in ("int", "short", "signed char", "long", "long long")
        setattr(r, name, -1 if signed else (1 << f.bitsize) - 1)
        raw = hffi.buffer(r)[:]
        for i in range(0, size, 8):
            exprs.append("%s(%d)" % (fn, i))
            ours.append(int.from_bytes(raw[i:i + 8], "little"))
    got = [x & (2**64 - 1) for x in gcc_probe(prelude, exprs, ["-I", str(layout_dir)])]
    assert ours == got


def test_packed_and_pack_arguments(hffi, write_headers, gcc_probe):
    d = write_headers({"plain.h": "struct p { char c; int i; double d; };\n"
                                  "#pragma pack(4)\nstruct q { char c; double d; };\n#pragma pack()\n"})
    hffi.cdef_header("plain.h", include_dirs=[d], packed=True)
    assert (hffi.sizeof("struct p"), hffi.offsetof("struct p", "i")) == (13, 1)
    # the header's own #pragma pack(4) applies inside its scope
    assert (hffi.sizeof("struct q"), hffi.offsetof("struct q", "d")) == (12, 4)

    from conftest import cffi_impl
    ffi2 = cffi_impl.FFI()
    ffi2.cdef_header(str(d / "plain.h"), pack=2)
    assert gcc_probe("#pragma pack(2)\n#include \"plain.h\"", ["sizeof(struct p)", "offsetof(struct p, d)"],
                     ["-I", str(d)]) == [ffi2.sizeof("struct p"), ffi2.offsetof("struct p", "d")]
    for bad in (dict(pack=3), dict(packed=True, pack=2), dict(packed=2)):
        with pytest.raises(ValueError):
            cffi_impl.FFI().cdef_header(str(d / "plain.h"), **bad)


def test_functions_and_enums_declared(hffi, layout_dir):
    hffi.cdef_header("layout.h", include_dirs=[layout_dir])
    assert hffi.typeof("int(*)(struct holder *, enum color)") is hffi.typeof("int(*)(struct holder *, enum color)")
    assert hffi.string(hffi.cast("enum color", 0x19)) == "COLOR_BLUE"
    h = hffi.new("struct holder *", {"tag": b"x", "n": 5, "arr": [1, 2, 3, 4]})
    assert list(h.arr) == [1, 2, 3, 4]
