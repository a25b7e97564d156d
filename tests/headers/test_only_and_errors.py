"""cdef_header(only=...), skipped declarations, and the diagnostics of
malformed and missing headers."""

import os
import warnings

import pytest

from conftest import cffi_impl

HAVE_ZLIB = os.path.exists("/usr/include/zlib.h")


@pytest.mark.skipif(not HAVE_ZLIB, reason="zlib.h not installed")
def test_only_keeps_a_function_and_its_dependencies(hffi):
    hffi.cdef_header("zlib.h", only=["deflate", "Z_FINISH"])
    names = set(hffi._declared_names())
    assert names == {"deflate", "Z_FINISH"}
    # deflate(z_streamp, int): z_stream, struct z_stream_s and what its fields need are kept
    assert hffi.sizeof("z_stream") == hffi.sizeof("struct z_stream_s") > 0
    # typedefs are kept when they name a kept record (not z_streamp, a pointer)
    assert hffi.typeof("z_stream") is hffi.typeof("struct z_stream_s")
    assert dict(hffi.typeof("z_stream").fields)["zalloc"].type.kind == "function"
    # everything else is not declared
    with pytest.raises(cffi_impl.CDefError):
        hffi.typeof("gz_header")
    lib = hffi.dlopen("z")
    with pytest.raises(AttributeError):
        lib.inflate
    assert lib.Z_FINISH == 4
    assert callable(lib.deflate)


@pytest.mark.skipif(not HAVE_ZLIB, reason="zlib.h not installed")
def test_only_accepts_types_and_a_single_name(hffi):
    hffi.cdef_header("zlib.h", only="struct gz_header_s")
    assert hffi.offsetof("struct gz_header_s", "text") == 0
    assert hffi._declared_names() == []


def test_only_names_missing_or_skipped_are_errors(hffi, write_headers):
    d = write_headers({"s.h": "typedef __int128 i128;\ni128 twice(i128);\nint fine(int);\n"})
    # the error is of the kind of the reason (cffi's NotImplementedError for an unsupported type)
    with pytest.raises(NotImplementedError) as e:
        hffi.cdef_header("s.h", include_dirs=[d], only=["twice"])
    assert "twice" in str(e.value) and "__int128" in str(e.value)
    with pytest.raises(cffi_impl.CDefError) as e:
        hffi.cdef_header("s.h", include_dirs=[d], only=["nothere"])
    assert "'nothere' (named in only=) is not declared" in str(e.value)
    # only= skips the unrepresentable rest without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hffi.cdef_header("s.h", include_dirs=[d], only=["fine"])
    assert hffi._declared_names() == ["fine"]


def test_skipped_declarations_warn_and_say_why(hffi, write_headers):
    d = write_headers({"s.h": "typedef __int128 i128;\ni128 twice(i128);\nint fine(int);\n"
                              "struct S { int a; __int128 b; };\n"})
    with pytest.warns(UserWarning, match=r"skipped 3 declarations(.|\n)*i128 at .*s\.h:1(.|\n)*twice at .*s\.h:2"):
        hffi.cdef_header("s.h", include_dirs=[d])
    lib = hffi.dlopen(None)
    with pytest.raises(AttributeError, match="twice: skipped by cdef_header.*__int128"):
        lib.twice
    with pytest.raises(NotImplementedError, match="i128.*skipped.*__int128"):
        hffi.typeof("i128")
    assert "fine" in dir(lib)


def test_malformed_header_shows_location_and_include_chain(hffi, write_headers):
    d = write_headers({
        "top.h": "#include \"middle.h\"\nint ok_top(void);\n",
        "middle.h": "/* a comment */\n#include \"sub/bad.h\"\n",
        "sub/bad.h": "int good(int);\nint bad(int x y);\n",
    })
    with pytest.raises(cffi_impl.CDefError) as e:
        hffi.cdef_header("top.h", include_dirs=[d])
    msg = str(e.value)
    assert "sub/bad.h:2:15" in msg
    assert "In file included from" in msg and "middle.h:2" in msg and "top.h:1" in msg
    assert "int bad(int x y);" in msg
    caret_line = [l for l in msg.splitlines() if l.strip().startswith("|") and "^" in l]
    assert caret_line, msg
    # nothing of the failed header was declared
    assert hffi._declared_names() == []


def test_error_directive_and_unknown_type(hffi, write_headers):
    d = write_headers({"e.h": "#define V 3\n#if V > 2\n#error V too big\n#endif\n",
                       "u.h": "\n\nint f(unknown_t x);\n"})
    with pytest.raises(cffi_impl.CDefError, match=r"(?s)e\.h:3.*V too big"):
        hffi.cdef_header("e.h", include_dirs=[d])
    with pytest.raises(cffi_impl.CDefError, match=r"(?s)u\.h:3:7.*unknown_t"):
        hffi.cdef_header("u.h", include_dirs=[d])


def test_self_including_header_is_an_error(hffi, write_headers):
    d = write_headers({"loop.h": "#include \"loop.h\"\nint x;\n"})
    with pytest.raises(cffi_impl.CDefError, match="loop.h"):
        hffi.cdef_header("loop.h", include_dirs=[d])


def test_missing_header_lists_searched_dirs(hffi, tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    with pytest.raises(cffi_impl.CDefError) as e:
        hffi.cdef_header("no_such_header_rcffi.h", include_dirs=[extra])
    msg = str(e.value)
    assert "no_such_header_rcffi.h" in msg
    assert str(extra) in msg and "/usr/include" in msg


def test_missing_nested_include_names_the_includer(hffi, write_headers):
    d = write_headers({"a.h": "int a;\n#include <not_there_rcffi.h>\n"})
    with pytest.raises(cffi_impl.CDefError) as e:
        hffi.cdef_header("a.h", include_dirs=[d])
    assert "a.h:2" in str(e.value) and "not_there_rcffi.h" in str(e.value)


def test_header_given_as_a_path(hffi, tmp_path):
    p = tmp_path / "direct.h"
    p.write_text("#define ANSWER (6 * 7)\ntypedef struct { char c[ANSWER]; } blob_t;\n")
    hffi.cdef_header(p)  # os.PathLike
    assert hffi.sizeof("blob_t") == 42 and hffi.integer_const("ANSWER") == 42


def test_bad_arguments(hffi):
    with pytest.raises(TypeError):
        hffi.cdef_header(42)
    with pytest.raises(TypeError):
        hffi.cdef_header("stdio.h", defines={"X": 1.5})
    with pytest.raises(TypeError):
        hffi.cdef_header("stdio.h", "positional include dirs")


def test_defines_forms(hffi, write_headers):
    d = write_headers({"def.h": "#if defined(A) && B == 7 && C\n#define OK_ALL 1\n#endif\n#define SEEN_D D\n"})
    hffi.cdef_header("def.h", include_dirs=[str(d)], defines=["A", "B=7", ("C", True), ("D", 0x10)])
    assert hffi.integer_const("OK_ALL") == 1 and hffi.integer_const("SEEN_D") == 16


def test_defines_and_paths_are_checked(hffi, write_headers):
    # a define is one `#define NAME VALUE` line: a name that is no C
    # identifier, or a value with a line break or a NUL, would have been
    # pasted into other directives (or cut short) without a word
    d = write_headers({"ok.h": "#define SEEN X\n"})
    bad = [({"A B": 1}, "'A B' is not a macro name"), ({"A\0B": 1}, "is not a macro name"),
           ({"1A": 1}, "is not a macro name"), ({"A": "1\n#define B 2"}, "must be one line"),
           ({"A": "1\0"}, "without NUL characters"), (["A=1\r"], "must be one line")]
    for defines, message in bad:
        with pytest.raises(ValueError, match=message):
            hffi.cdef_header("ok.h", include_dirs=[str(d)], defines=defines)
    with pytest.raises(ValueError, match="contains a NUL character"):
        hffi.cdef_header("ok.h\0.h", include_dirs=[str(d)])
    with pytest.raises(ValueError, match="contains a NUL character"):
        hffi.cdef_header("ok.h", include_dirs=[str(d) + "\0"])
    # a function-like macro, as gcc's -D'F(x)=x', stays allowed
    hffi.cdef_header("ok.h", include_dirs=[str(d)], defines={"X": "F(7)", "F(a)": "(a * 6)"})
    assert hffi.integer_const("SEEN") == 42
