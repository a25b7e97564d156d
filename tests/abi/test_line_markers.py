"""`gcc -E` output given to cdef(): line markers (`# 366 "/tmp/x.h"`,
`# 1 "<built-in>" 1 3 4`, `#line 12 "zstd.h"`, `#line 12`) may stand on any
line, inside an enum, a struct body or a parameter list too, and a later
error names the file and line they give."""

import pytest

from conftest import cffi_impl, IMPL_NAME

CDefError = cffi_impl.CDefError
FFIError = cffi_impl.FFIError

# what a project might feed to cdef(): `gcc -E -P`-less output of a header
GCC_E_OUTPUT = '''\
# 1 "zstd_wrap.h"
# 1 "<built-in>" 1 3 4
# 1 "<command-line>" 1
# 1 "zstd_wrap.h" 2
# 366 "/usr/include/zstd.h" 3 4
typedef enum {
  ZSTD_fast = 1,
# 370 "/usr/include/zstd.h"
  ZSTD_dfast = 2,
#line 371 "/usr/include/zstd.h"
  ZSTD_greedy
} ZSTD_strategy;
struct ZSTD_bounds {
# 400 "/usr/include/zstd.h"
  size_t error;
  #line 402
  int lowerBound,
# 403 "/usr/include/zstd.h"
      upperBound;
};
size_t ZSTD_compress(void *dst, size_t dstCapacity,
# 500 "/usr/include/zstd.h"
                     const void *src, size_t srcSize,
                     int compressionLevel);
# 12 "zstd_wrap.h" 2
'''


def test_markers_are_accepted_everywhere(ffi):
    ffi.cdef(GCC_E_OUTPUT)
    assert ffi.typeof("ZSTD_strategy").relements == {"ZSTD_fast": 1, "ZSTD_dfast": 2, "ZSTD_greedy": 3}
    assert [name for name, _ in ffi.typeof("struct ZSTD_bounds").fields] == ["error", "lowerBound", "upperBound"]
    assert ffi.offsetof("struct ZSTD_bounds", "upperBound") == ffi.sizeof("size_t") + 4
    ffi.cdef("int after(int);")   # the markers leave nothing behind


def test_marker_inside_an_enum(ffi):
    ffi.cdef('enum e {\n# 3 "zstd.h"\n A,\n#line 12 "zstd.h"\n B };')
    assert ffi.typeof("enum e").relements == {"A": 0, "B": 1}


def cdef_fails(ffi, src, exc=CDefError):
    with pytest.raises(exc) as info:
        ffi.cdef(src)
    return str(info.value)


@pytest.mark.parametrize("src, where", [
    ('# 366 "/tmp/x.h"\nint f(int);\nint x y;', "/tmp/x.h:367:7: "),
    ('#line 12 "zstd.h"\nint f(int);\n\nfoo_t x;', "zstd.h:14:1: "),
    # a marker without a file name keeps the file, or <cdef source string>
    ('# 12 "a.h"\n#line 40\nint f(int);\n\nfoo_t x;', "a.h:42:1: "),
    ('#line 12\nint f(int);\n\nfoo_t x;', "<cdef source string>:14:1: "),
    # the last marker above the error counts
    ('# 7 "a.h"\nint x;\n# 20 "b.h" 2\nint x y;', "b.h:20:7: "),
    ('  #  12  "a.h"  2\nint x y;', "a.h:12:7: "),
    # inside a struct body and a parameter list
    ('struct s {\n# 3 "zstd.h"\n int a;\n#line 12\n int b x; };', "zstd.h:12:8: "),
    ('int f(int a,\n# 3 "zstd.h"\n long b;', "zstd.h:3:8: "),
])
def test_parse_errors_name_the_marked_file_and_line(ffi, src, where):
    msg = cdef_fails(ffi, src)
    first, _, rest = msg.partition("\n")
    assert first == "parse error"       # cffi's first line when a marker moved the position
    assert rest.startswith(where)


@pytest.mark.parametrize("src, exc, message", [
    ('# 12 "a.h"\nstruct s { int a; };\n\nstruct s { int a; };', CDefError, "a.h:14: duplicate declaration of struct s"),
    ('#line 5 "x.h"\n\nint a[1.5];', CDefError, "x.h:6: invalid constant '1.5'"),
])
def test_rule_errors_name_the_marked_file_and_line(ffi, src, exc, message):
    assert cdef_fails(ffi, src, exc) == message


@pytest.mark.skipif(IMPL_NAME == "cffi", reason="cffi gives an empty file name here (':3: unsupported ...')")
def test_unsupported_expression_inside_an_enum_names_the_file(ffi):
    msg = cdef_fails(ffi, 'enum e {\n# 3 "zstd.h"\n A = n,\n B };', FFIError)
    assert msg.startswith("zstd.h:3: unsupported expression: expected a simple numeric constant")
