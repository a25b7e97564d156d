"""Errors: CDefError / FFIError for bad cdef text and types, TypeError for
bad API arguments, NULL dereference, and use after release / dlclose."""

import gc
import re
import warnings

import pytest

from conftest import cffi_impl

CDefError = cffi_impl.CDefError
FFIError = cffi_impl.FFIError


def cdef_error(ffi, src, exc=CDefError):
    with pytest.raises(exc) as info:
        ffi.cdef(src)
    return str(info.value)


def cdef_exception(ffi, src, exc=CDefError):
    with pytest.raises(exc) as info:
        ffi.cdef(src)
    return info.value


def assert_note_points_at(exc, position):
    """rcffi keeps cffi's message and adds the column and a caret excerpt
    as an exception note (shown under the message in tracebacks)."""
    if IMPL_NAME == "rcffi":
        (note,) = exc.__notes__
        assert "--> <cdef source string>:%s\n" % position in note
        assert note.rstrip().endswith("^") or "= help:" in note


# ------------------------------------------------------- exception classes

def test_exception_hierarchy(ffi_mod):
    assert issubclass(ffi_mod.CDefError, Exception)
    assert issubclass(ffi_mod.FFIError, Exception)
    assert not issubclass(ffi_mod.CDefError, ffi_mod.FFIError)
    assert not issubclass(ffi_mod.FFIError, ffi_mod.CDefError)
    assert not issubclass(ffi_mod.VerificationMissing, ffi_mod.VerificationError)


# ----------------------------------------------------------- parse errors
#
# rcffi keeps the first line cffi prints (`cannot parse "LINE"`) and the
# `<cdef source string>:LINE:COL:` position, then explains the error and
# shows the line with a caret (docs/compat.md). cffi's own second line is
# pycparser's `before: TOKEN`. Each test pins both spellings.

from conftest import IMPL_NAME

RCFFI = IMPL_NAME == "rcffi"


def assert_parse_error(msg, line_text, position, cffi_detail, rcffi_detail):
    """`msg` opens with cffi's `cannot parse` line and names `position`;
    the rest is cffi's pycparser detail or rcffi's explanation + caret."""
    first, _, rest = msg.partition("\n")
    assert first == 'cannot parse "%s"' % line_text
    if RCFFI:
        assert rest.startswith("<cdef source string>:%s: %s" % (position, rcffi_detail))
        assert "| " + line_text in rest and "^" in rest
    else:
        assert rest == "<cdef source string>:%s: %s" % (position, cffi_detail)


def test_parse_error_names_line_column_and_offending_token(ffi):
    assert_parse_error(cdef_error(ffi, "int x y;"), "int x y;", "1:7", "before: y",
                       "Invalid declaration: expected ',' or ';' after 'x', found identifier 'y'")


def test_parse_error_reports_the_right_line(ffi):
    msg = cdef_error(ffi, "\n\n\nint x y;")
    assert msg.startswith('cannot parse "int x y;"\n')
    assert "<cdef source string>:4:7: " in msg


def test_parse_error_on_second_line_quotes_that_line(ffi):
    assert_parse_error(cdef_error(ffi, "int foo(int);\nint bar(;"), "int bar(;", "2:9", "before: ;",
                       "expected a parameter type, found ';'")


def test_parse_error_line_counts_from_start_of_each_cdef_call(ffi):
    ffi.cdef("int f(void);")
    msg = cdef_error(ffi, "int f2(void);\nint g(long x;")
    assert "<cdef source string>:2:" in msg
    assert ("found ';'" if RCFFI else "before: ;") in msg


def test_parse_error_after_user_typedef(ffi):
    assert_parse_error(cdef_error(ffi, "typedef int foo_t;\n\nfoo_t x y;"), "foo_t x y;", "3:9", "before: y",
                       "Invalid declaration: expected ',' or ';' after 'x'")


def test_unterminated_declaration_is_parse_error_at_end_of_input(ffi):
    msg = cdef_error(ffi, "int foo(int x")
    if RCFFI:
        assert "<cdef source string>:1:14: " in msg and "found end of input" in msg
    else:
        assert msg == "parse error\n<cdef source string>: At end of input"
    msg = cdef_error(ffi, "struct { int a; }")
    if RCFFI:
        assert "<cdef source string>:1:18: " in msg and "expected a name or ';' after '}', found end of input" in msg
    else:
        assert "At end of input" in msg


def test_preprocessor_include_is_rejected(ffi):
    assert_parse_error(cdef_error(ffi, "#include <stdio.h>"), "#include <stdio.h>", "1:1",
                       "Directives not supported yet", "Directives not supported yet")


def test_preprocessor_conditionals_are_rejected(ffi):
    msg = cdef_error(ffi, "#ifdef X\nint a;\n#endif")
    assert 'cannot parse "#ifdef X"' in msg
    assert "Directives not supported yet" in msg


def test_function_body_is_rejected(ffi):
    exc = cdef_exception(ffi, "int f(void) { return 0; }")
    assert str(exc) == ("<cdef source string>:1: unexpected <FuncDef>: "
                        "this construct is valid C but not valid in cdef()")
    assert_note_points_at(exc, "1:13")
    if RCFFI:
        assert "= help: declare only the prototype of 'f'" in exc.__notes__[0]


def test_gcc_attribute(ffi):
    # cffi cannot parse GNU attributes; rcffi reads and ignores them here
    # (docs/compat.md), so headers need less editing.
    if RCFFI:
        ffi.cdef("int __attribute__((x)) f(void);")
        assert "f" in ffi._declared_names()
    else:
        assert "before: (" in cdef_error(ffi, "int __attribute__((x)) f(void);")


def test_unknown_type_as_return_type(ffi):
    msg = cdef_error(ffi, "unknown_t f(void);")
    assert 'cannot parse "unknown_t f(void);"' in msg
    assert "<cdef source string>:1:1:" in msg


def test_unknown_type_as_argument_names_function_and_type(ffi):
    exc = cdef_exception(ffi, "int f(unknown_t);")
    assert str(exc).startswith("<cdef source string>:1: f arg 1: unknown type 'unknown_t'")
    assert_note_points_at(exc, "1:7")


def test_invalid_declarations(ffi):
    assert "Invalid declaration" in cdef_error(ffi, "typedef int;")
    assert "Invalid declaration" in cdef_error(ffi, "int;")
    assert "Invalid declaration" in cdef_error(ffi, "int f(int) int;")


def test_only_ellipsis_parameter_is_rejected(ffi):
    msg = cdef_error(ffi, "void f(...);")
    assert "f: a function with only '(...)' as argument is not correct C" in msg


def test_non_integer_define_is_rejected_with_syntax_help(ffi):
    for src in ("#define FOO bar", "#define FOO 1.5", '#define FOO "str"'):
        msg = cdef_error(ffi, src)
        assert msg.startswith("only supports one of the following syntax:")
        assert "#define FOO NUMBER" in msg
        assert msg.endswith("got:\n  " + src)


def test_duplicate_struct_is_cdef_error(ffi):
    exc = cdef_exception(ffi, "struct s { int a; }; struct s { int b; };")
    assert str(exc) == "<cdef source string>:1: duplicate declaration of struct s"
    assert_note_points_at(exc, "1:29")


def test_duplicate_struct_not_allowed_even_with_override(ffi):
    ffi.cdef("struct s { int a; };")
    with pytest.raises(CDefError, match="duplicate declaration of struct s"):
        ffi.cdef("struct s { long b; };", override=True)
    assert ffi.typeof("struct s").fields[0][0] == "a"


def test_cdef_argument_must_be_str(ffi):
    with pytest.raises(TypeError, match="cdef\\(\\) argument must be a string"):
        ffi.cdef(b"int x;")
    with pytest.raises(TypeError):
        ffi.cdef(42)


def test_failed_cdef_does_not_break_the_ffi(ffi):
    with pytest.raises(CDefError):
        ffi.cdef("int x y;")
    ffi.cdef("struct ok { int a; };")
    assert ffi.sizeof("struct ok") == 4


# -------------------------------------------------------------- FFIError

def test_redeclared_function_is_ffierror_suggesting_override(ffi):
    with pytest.raises(FFIError, match=re.escape(
            "multiple declarations of function f (for interactive usage, try cdef(xx, override=True))")):
        ffi.cdef("int f(int);\nint f(long);")


def test_identical_redeclaration_is_still_ffierror(ffi):
    with pytest.raises(FFIError, match="multiple declarations of function f"):
        ffi.cdef("int f(int);\nint f(int);")


def test_redeclared_typedef_is_ffierror_unless_override(ffi):
    with pytest.raises(FFIError, match="multiple declarations of typedef T"):
        ffi.cdef("typedef int T; typedef long T;")
    f = type(ffi)()
    f.cdef("typedef int T;")
    f.cdef("typedef long T;", override=True)
    assert f.typeof("T") is f.typeof("long")


def test_unsupported_type_is_ffierror_with_doc_link(ffi):
    with pytest.raises(FFIError, match="Unsupported type: '__int128'"):
        ffi.cdef("__int128 x;")
    with pytest.raises(FFIError, match="Unsupported type: 'unsigned double'"):
        ffi.typeof("unsigned double")
    with pytest.raises(FFIError, match="Unsupported type: 'long long long'"):
        ffi.typeof("long long long")


def test_non_constant_array_length_is_ffierror(ffi):
    with pytest.raises(FFIError, match="unsupported expression: expected a simple numeric constant"):
        ffi.cdef("int a[n];")


def test_non_constant_enum_value_is_ffierror(ffi):
    with pytest.raises(FFIError, match="unsupported expression: expected a simple numeric constant"):
        ffi.cdef("enum e { A = x };")


def test_dotdotdot_array_length_in_argument_is_ffierror(ffi):
    with pytest.raises(FFIError, match="unsupported '\\[...\\]' here"):
        ffi.cdef("int f(int[...]);")


def test_enum_body_given_twice_is_notimplementederror(ffi):
    with pytest.raises(NotImplementedError, match="should appear on the first time the enum is mentioned"):
        ffi.cdef("enum e {X}; enum e {Y};")


# --------------------------------------------------------------- warnings

def test_global_without_extern_warns(ffi):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ffi.cdef("int x;")
    assert [x.category for x in w] == [UserWarning]
    assert "Global variable 'x' in cdef(): for consistency with C it should have a storage class specifier (usually 'extern')" in str(w[0].message)


def test_extern_global_does_not_warn(ffi):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ffi.cdef("extern int y; static int z;")
    assert w == []


# ---------------------------------------------------- errors in type strings

def test_bad_type_strings_are_cdef_errors(ffi):
    with pytest.raises(CDefError, match="before: bar"):
        ffi.typeof("foo bar")
    with pytest.raises(CDefError, match="before: &"):
        ffi.typeof("int *&")
    with pytest.raises(CDefError, match="Invalid struct/union declaration"):
        ffi.typeof("struct")
    with pytest.raises(CDefError, match="unknown identifier 'nope_t'"):
        ffi.cast("nope_t", 0)


def test_unknown_type_in_new_is_cdef_error(ffi):
    with pytest.raises(CDefError, match="before: \\*"):
        ffi.new("nope_t *")


def test_array_length_in_type_string(ffi):
    with pytest.raises(ValueError, match="negative array length"):
        ffi.typeof("int[-1]")
    with pytest.raises(CDefError, match="invalid constant '1.5'"):
        ffi.typeof("int[1.5]")


# ----------------------------------------------------- bad API arguments

def test_new_of_non_pointer_type(ffi):
    with pytest.raises(TypeError, match="expected a pointer or array ctype, got 'struct nope'"):
        ffi.new("struct nope")


def test_non_ctype_arguments_are_typeerrors(ffi):
    with pytest.raises(TypeError):
        ffi.cast(42, 0)
    with pytest.raises(TypeError):
        ffi.new(42)
    with pytest.raises(TypeError, match="expected a 'cdata' or 'ctype' object"):
        ffi.sizeof(42)
    with pytest.raises(TypeError):
        ffi.string(42)
    with pytest.raises(TypeError):
        ffi.buffer(42)
    with pytest.raises(TypeError, match="expected a 'cdata' object"):
        ffi.release(42)
    with pytest.raises(TypeError, match="expected a 'cdata' object"):
        ffi.addressof(42)


def test_from_buffer_of_non_buffer(ffi):
    with pytest.raises(TypeError, match="a bytes-like object is required, not 'int'"):
        ffi.from_buffer(42)


def test_calling_non_function_cdata(ffi):
    with pytest.raises(TypeError, match="cdata 'int' is not callable"):
        ffi.cast("int", 0)()
    with pytest.raises(TypeError, match="cdata 'int \\*' is not callable"):
        ffi.new("int *")()


def test_bad_initialisers(ffi):
    with pytest.raises(TypeError, match="expected new array length or list/tuple/str, not NoneType"):
        ffi.new("int[]")
    with pytest.raises(TypeError, match="initializer for ctype 'int\\[3\\]' must be a list or tuple, not int"):
        ffi.new("int[3]", 5)
    with pytest.raises(TypeError, match="an integer is required"):
        ffi.new("int *", [1])


def test_cast_to_open_array_is_typeerror(ffi):
    with pytest.raises(TypeError, match="cannot cast to ctype 'int\\[\\]'"):
        ffi.cast("int[]", 0)


# ------------------------------------------------------ NULL dereference

@pytest.mark.parametrize("decl,shown", [
    ("char *", "char *"), ("int *", "int *"), ("double *", "double *"),
    ("void *", "void *"), ("int **", "int * *")])
def test_null_dereference_is_runtimeerror(ffi, decl, shown):
    with pytest.raises(RuntimeError, match=re.escape("cannot dereference null pointer from cdata '%s'" % shown)):
        ffi.cast(decl, 0)[0]


def test_null_struct_pointer_index_is_runtimeerror(ffi):
    ffi.cdef("struct s { int a; };")
    with pytest.raises(RuntimeError, match="cannot dereference null pointer from cdata 'struct s \\*'"):
        ffi.cast("struct s *", 0)[0]


def test_null_string_and_unpack_are_runtimeerrors(ffi):
    with pytest.raises(RuntimeError, match="cannot use string\\(\\) on <cdata 'char \\*' NULL>"):
        ffi.string(ffi.cast("char *", 0))
    with pytest.raises(RuntimeError, match="cannot use unpack\\(\\) on <cdata 'int \\*' NULL>"):
        ffi.unpack(ffi.cast("int *", 0), 3)


def test_from_handle_of_null_is_runtimeerror(ffi):
    with pytest.raises(RuntimeError, match="cannot use from_handle\\(\\) on NULL pointer"):
        ffi.from_handle(ffi.NULL)


# ------------------------------------------------------- use after release

def test_from_buffer_holds_buffer_export_until_released(ffi):
    ba = bytearray(b"abcd")
    p = ffi.from_buffer(ba)
    with pytest.raises(BufferError):
        ba.append(1)
    ffi.release(p)
    ba.append(1)
    assert len(ba) == 5
    assert repr(p) == "<cdata 'char[]' buffer RELEASED>"


def test_release_of_non_owning_cdata_is_valueerror(ffi):
    ffi.cdef("struct s { int a; };")
    with pytest.raises(ValueError, match="only 'cdata' object from ffi.new\\(\\), ffi.gc\\(\\), ffi.from_buffer\\(\\) or ffi.new_allocator\\(\\)\\(\\) can be used with the 'with' keyword or ffi.release\\(\\)"):
        ffi.release(ffi.new("struct s *")[0])
    with pytest.raises(ValueError):
        with ffi.cast("int *", 0):
            pass


def test_gc_destructor_not_run_again_after_release(ffi):
    calls = []
    p = ffi.gc(ffi.cast("void *", 1), lambda x: calls.append(1))
    ffi.release(p)
    ffi.release(p)
    del p
    gc.collect()
    assert calls == [1]


def test_use_after_dlclose_is_valueerror(ffi, testlib_cdef, testlib_path):
    ffi.cdef(testlib_cdef)
    lib = ffi.dlopen(testlib_path)
    ffi.dlclose(lib)
    with pytest.raises(ValueError, match=re.escape("library '%s' has already been closed" % testlib_path)):
        lib.tl_add


def test_missing_symbol_message_includes_library_and_dlerror(ffi, testlib_path):
    ffi.cdef("int not_here_zz(int);")
    lib = ffi.dlopen(testlib_path)
    with pytest.raises(AttributeError) as info:
        lib.not_here_zz
    msg = str(info.value)
    assert msg.startswith("function/symbol 'not_here_zz' not found in library '%s': " % testlib_path)
    assert "undefined symbol: not_here_zz" in msg


def test_parse_error_follows_line_markers(ffi):
    # text from `gcc -E` keeps pointing into the original file
    msg = cdef_error(ffi, '\n# 42 "foobar"\n\n    a b c d\n')
    assert msg.startswith("parse error\nfoobar:43:")


# ------------------------------------------- typedef names vs other names

@pytest.mark.parametrize("first, second, line_text", [
    ("typedef int X;", "enum e { A, X };", "enum e { A, X };"),
    ("typedef int X;", "int X(int);", "int X(int);"),
    ("typedef struct { int a; } X;", "extern int Y, X;", "extern int Y, X;"),
    ("typedef int X;", "static const int X = 3;", "static const int X = 3;"),
])
@pytest.mark.parametrize("together", [True, False])
def test_typedef_name_cannot_name_anything_else(ffi_mod, first, second, line_text, together):
    # cffi keeps C's one scope: in the same text or a later cdef(), even with override
    ffi = ffi_mod.FFI()
    if together:
        exc = cdef_exception(ffi, first + "\n" + second)
    else:
        ffi.cdef(first)
        with pytest.raises(CDefError) as info:
            ffi.cdef(second, override=True)
        exc = info.value
    msg = str(exc)
    assert msg.startswith('cannot parse "%s"\n<cdef source string>:%d:' % (line_text, 2 if together else 1))
    if RCFFI or "enum" not in second:   # pycparser says "before: X" for an enumerator
        assert "Non-typedef 'X' previously declared as typedef in this scope" in msg


@pytest.mark.parametrize("first", ["enum e { X };", "int X(int);", "extern int X;", "static const int X = 5;"])
def test_typedef_after_another_name_of_the_same_text(ffi_mod, first):
    ffi = ffi_mod.FFI()
    msg = cdef_error(ffi, first + "\ntypedef int X;")
    assert msg.startswith('cannot parse "typedef int X;"\n<cdef source string>:2:13: '
                          "Typedef 'X' previously declared as non-typedef in this scope")
    # from an earlier cdef() it is accepted, and a #define never clashes
    ffi = ffi_mod.FFI()
    ffi.cdef(first)
    ffi.cdef("typedef int X;")
    assert ffi.sizeof("X") == 4
    ffi = ffi_mod.FFI()
    ffi.cdef("#define Y 1\ntypedef long Y;")
    assert ffi.sizeof("Y") == ffi.sizeof("long")


# ------------------------------------- what is wrong with a record's layout

@pytest.mark.parametrize("src, message", [
    ("struct s { int x : 40; };", "bit field 'struct s.x' is declared 'int:40', which exceeds the width of the type"),
    ("struct s { char x[2] : 4; };", "field 'struct s.x' declared as 'char[2]' cannot be a bit field"),
    ("struct s { double x : 4; };", "field 'struct s.x' declared as 'double' cannot be a bit field"),
    ("struct s { int *x : 4; };", "field 'struct s.x' declared as 'int *' cannot be a bit field"),
    ("struct s { int x : 0; };", "field 'struct s.x' is declared with :0"),
    ("enum e { A }; struct s { enum e x : 33; };", "bit field 'struct s.x' is declared 'enum e:33', which exceeds the width of the type"),
    ("struct t; struct s { struct t y; };", "field 'struct s.y' has ctype 'struct t' of unknown size"),
])
@pytest.mark.parametrize("question", ["sizeof", "alignof"])
def test_sizeof_says_what_is_wrong_with_the_fields(ffi, src, message, question):
    # not just "ctype 'struct s' is of unknown size" (or alignment): cffi's
    # TypeError, naming the field, for the first question about the record
    ffi.cdef(src)
    with pytest.raises(TypeError) as info:
        getattr(ffi, question)("struct s")
    assert str(info.value) == message


@pytest.mark.skipif(not RCFFI, reason="the chained cause is rcffi's; cffi raises the ValueError alone")
@pytest.mark.parametrize("question, words", [
    ("sizeof", "ctype 'struct s' is of unknown size"),
    ("alignof", "ctype 'struct s' is of unknown alignment"),
])
def test_unknown_size_keeps_the_parsers_error_as_its_cause(ffi, question, words):
    # cffi's words, and (as `raise ... from`) the error that says why
    ffi.cdef("struct s;")
    with pytest.raises(ValueError) as info:
        getattr(ffi, question)("struct s")
    assert str(info.value) == words
    assert isinstance(info.value.__cause__, FFIError)
    assert str(info.value.__cause__) == "ctype 'struct s' is of unknown size"


@pytest.mark.parametrize("question", ["sizeof", "alignof"])
def test_a_record_containing_itself_says_so(ffi, question):
    ffi.cdef("struct s { struct s x; };")
    with pytest.raises(NotImplementedError, match=r"^recursive structure declaration for 's'$"):
        getattr(ffi, question)("struct s")


# ---------------------------------------------------- malformed cdef text

@pytest.mark.parametrize("src, position, rcffi_detail", [
    ("int g(void", "1:11", "expected ',' or ')' in the parameter list, found end of input"),
    ("int g(void;", "1:11", "expected ',' or ')' in the parameter list, found ';'"),
    ("struct { int x }", "1:16", "expected ',' or ';' after a field, found '}'"),
    ("int f(int x,);", "1:13", "expected a parameter type, found ')'"),
    ("struct s { int x; }};", "1:20", "Invalid declaration: expected a name or ';' after '}', found '}'"),
    ("int f(int);\n}", "2:1", "unbalanced '}': nothing is open here"),
    (")", "1:1", "unbalanced ')': nothing is open here"),
    ("struct s { int x : ; };", "1:20", "expected a constant expression, found ';'"),
    ("struct s { int x; }", "1:20", "Invalid declaration: expected a name or ';' after '}', found end of input"),
])
def test_malformed_cdef_says_what_was_expected_where(ffi, src, position, rcffi_detail):
    msg = cdef_error(ffi, src)
    first, _, rest = msg.partition("\n")
    if RCFFI:
        assert first == 'cannot parse "%s"' % src.splitlines()[int(position.split(":")[0]) - 1]
        assert rest.startswith("<cdef source string>:%s: %s" % (position, rcffi_detail))
    else:   # cffi: pycparser's words (at end of input it has no line to quote)
        assert first in ("parse error", 'cannot parse "%s"' % src.splitlines()[-1])


def test_typedef_of_a_tag_declares_the_tag(ffi):
    ffi.cdef("typedef struct s { int x; };\ntypedef struct t;")
    assert ffi.sizeof("struct s") == 4
    assert ffi.typeof("struct t *") is not None


def test_offsetof_and_addressof_of_an_opaque_record_are_type_errors(ffi):
    # cffi: TypeError "struct/union is opaque" (rcffi raised ffi.error)
    ffi.cdef("struct opaque; union uo;")
    for args in (("struct opaque", "a"), ("union uo", "a"), ("struct opaque *", "a"), ("struct opaque", "a", "b")):
        with pytest.raises(TypeError, match="opaque"):
            ffi.offsetof(*args)
    with pytest.raises(TypeError, match="opaque"):
        ffi.addressof(ffi.cast("struct opaque *", 0), "a")


def test_new_allocator_wants_an_int_for_should_clear_after_alloc(ffi):
    # cffi parses it as a C int: no truth value of any object
    for bad in ("x", None, [], 1.5):
        with pytest.raises(TypeError):
            ffi.new_allocator(should_clear_after_alloc=bad)
    with pytest.raises(OverflowError):
        ffi.new_allocator(should_clear_after_alloc=2**40)
    ffi.cdef("void *malloc(size_t); void free(void *);")
    C = ffi.dlopen(None)
    for good in (0, 1, 2, True, False):
        assert ffi.typeof(ffi.new_allocator(should_clear_after_alloc=good)("int[3]")) is ffi.typeof("int[3]")
        alloc = ffi.new_allocator(C.malloc, C.free, should_clear_after_alloc=good)
        p = alloc("int[3]", [4, 5, 6])
        assert ffi.typeof(p) is ffi.typeof("int[3]") and list(p) == [4, 5, 6]
    assert list(ffi.new_allocator(C.malloc, C.free, should_clear_after_alloc=2)("int[100]")) == [0] * 100
