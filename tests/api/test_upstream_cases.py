"""API mode: behaviours that cffi's own API-mode tests (test_recompiler,
test_new_ffi_1, test_verify1) check, written again as small cases."""

import sys
import types

import pytest

from conftest import cffi_impl

STRICT = ["-Werror", "-Wall", "-Wextra", "-Wconversion", "-Wno-unused-parameter"]


def test_approximate_function_declarations(build):
    # the cdef's types differ from the real ones: the compiler converts, and
    # ffi.addressof() gives a function of the declared type (no warning from
    # -Wcast-function-type, and calling it converts as a direct call does)
    mod = build(
        "long myfunc(long x); float half(double); int flag(int);",
        "char myfunc(char x) { return (char)(x + 42); }\n"
        "double half(double x) { return x / 2; }\n"
        "_Bool flag(_Bool b) { return !b; }",
        extra_compile_args=["-Werror", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    )
    ffi, lib = mod.ffi, mod.lib
    assert lib.myfunc(0xABC05) == 47
    addr = ffi.addressof(lib, "myfunc")
    assert ffi.typeof(addr) is ffi.typeof("long(*)(long)")
    assert addr(0xABC05) == 47
    assert lib.half(3.0) == 1.5
    assert ffi.addressof(lib, "half")(5.0) == 2.5
    assert lib.flag(0) == 1


def test_approximate_declaration_fails_with_wconversion(build):
    with pytest.raises(cffi_impl.VerificationError):
        build("short foo(void);", "long long foo(void) { return 1 << 20; }", extra_compile_args=STRICT)


def test_approximate_declaration_cpp(build):
    # `float sin(double)` is not an exact overload of C++'s sin: calling it
    # through a function of the declared type still works
    mod = build("float sin(double); double cos(double);", "#include <math.h>", source_extension=".cpp")
    assert abs(mod.lib.sin(1.23) - 0.942488) < 1e-5
    assert mod.lib.cos(0.0) == 1.0


def test_const_globals_are_constants(build):
    mod = build(
        """
        typedef const int const_t;
        const_t aaa;
        const int bbb;
        int (*const cb)(int);
        int call(int (*f)(int));
        """,
        """
        typedef const int const_t;
        #define aaa 42
        const int bbb = 43;
        static int twice(int x) { return 2 * x; }
        #define cb twice
        int call(int (*f)(int)) { return f(21); }
        """,
    )
    ffi, lib = mod.ffi, mod.lib
    assert lib.aaa == 42
    assert lib.bbb == 43
    with pytest.raises(AttributeError):
        lib.aaa = 43
    with pytest.raises(AttributeError):
        lib.bbb = 44
    assert lib.cb(5) == 10
    assert ffi.addressof(lib, "cb") == lib.cb
    assert lib.call(ffi.addressof(lib, "cb")) == 42
    assert "aaa" in lib.__all__ and "cb" in lib.__all__


@pytest.mark.parametrize("ext", [".c", ".cpp"])
def test_global_arrays_with_measured_inner_lengths(build, ext):
    mod = build(
        "extern int a[10][...]; extern int b[][5]; extern int c[][...]; extern int d[...][...];",
        "int a[10][8]; int b[10][5]; int c[10][6]; int d[3][4];",
        source_extension=ext,
    )
    ffi, lib = mod.ffi, mod.lib
    assert ffi.typeof(lib.a) is ffi.typeof("int[10][8]")
    lib.a[9][7] = 123456
    assert lib.a[9][7] == 123456
    with pytest.raises(IndexError):
        lib.a[0][8]
    assert ffi.typeof(lib.b) is ffi.typeof("int(*)[5]")
    assert ffi.typeof(lib.c) is ffi.typeof("int(*)[6]")
    assert ffi.typeof(lib.d) is ffi.typeof("int[3][4]")


def test_lib_all_has_no_global_variables(build):
    name = "_upstream_all_%d" % id(build)
    mod = build(
        "int myfunc(int); extern int myvar;\n#define MYFOO ...\n",
        "int myfunc(int x) { return x + 1; }\nint myvar = -5;\n#define MYFOO 42",
        name=name,
    )
    d = {}
    exec("from %s.lib import *" % name, d)
    assert set(k for k in d if not k.startswith("_")) == {"myfunc", "MYFOO"}
    assert sorted(dir(mod.lib)) == ["MYFOO", "myfunc", "myvar"]


def test_lib_is_module_like(build):
    lib = build("int f(void);", "int f(void) { return 1; }").lib
    if sys.version_info >= (3,):
        assert lib.__loader__ is None
        assert lib.__spec__ is None
    assert lib.__class__ is types.ModuleType


API_ONLY = (
    " are only supported as return value if the function is 'API mode' and non-variadic "
    "(i.e. declared inside ffibuilder.cdef()+ffibuilder.set_source() and not taking a final '...' argument)"
)


@pytest.mark.parametrize(
    "decl, cdef_kwds, csrc, check, detail",
    [
        ("struct foo { int x; ...; };", {}, "struct foo { int y, x; };", lambda r: r.x == 7,
         "ctype 'struct foo' not supported as return value.  It is a struct declared with \"...;\", but the C "
         "calling convention may depend on the missing fields; or, it contains anonymous struct/unions.  Such structs"),
        ("struct foo { int x:5; };", {}, "struct foo { int x:5; };", lambda r: r.x == 7,
         "ctype 'struct foo' not supported as return value.  It is a struct with bit fields, which libffi "
         "does not support.  Such structs"),
        ("union foo { int x; char b; };", {}, "union foo { int x; char b; };", lambda r: r.x == 7,
         "ctype 'union foo' not supported as return value by libffi.  Unions"),
        ("struct foo { char y; int x; };", {"packed": True}, "struct foo { char y; int x; } __attribute__((packed));",
         lambda r: r.x == 7,
         "ctype 'struct foo' not supported as return value.  It is a 'packed' structure, with a different layout "
         "than expected by libffi.  Such structs"),
    ],
)
def test_records_libffi_cannot_return(build, decl, cdef_kwds, csrc, check, detail):
    # the non-variadic function goes through the compiled code; the
    # variadic one needs libffi: NotImplementedError when called
    tag = decl.split()[0] + " foo"
    mod = build(
        decl + " %s f(void); %s g(int, ...);" % (tag, tag),
        csrc + "\n%s f(void) { %s s; memset(&s, 0, sizeof(s)); s.x = 7; return s; }\n"
        "%s g(int a, ...) { return f(); }" % (tag, tag, tag),
        cdef_kwds=cdef_kwds,
    )
    assert check(mod.lib.f())
    with pytest.raises(NotImplementedError) as e:
        mod.lib.g(0)
    assert str(e.value) == detail + API_ONLY


def test_cffi_macro_and_bool_in_cpp(build):
    mod = build(
        "#define CORRECT 1\nbool f(void);",
        "#ifdef _CFFI_\n#  define CORRECT 1\n#endif\nchar f(void) { return 2; }",
        source_extension=".cpp",
    )
    assert mod.lib.CORRECT == 1
    assert mod.lib.f() is True


def test_opaque_types_by_value_are_refused(build):
    with pytest.raises(TypeError) as e:
        build("struct a { struct b b[2]; };", "?")
    assert str(e.value) == "struct a: field 'a.b' is of an opaque type (not declared in cdef())"
    # named as cffi names them: the tag even when a typedef names it, else
    # 'anonymous' and the typedef name
    for cdef, message in (("typedef struct a { struct b b; } a_t;", "struct a: field 'a.b'"),
                          ("typedef struct { struct b b; } a_t;", "anonymous a_t: field '$a_t.b'")):
        with pytest.raises(TypeError) as e:
            build("struct b; " + cdef, "?")
        assert str(e.value) == message + " is of an opaque type (not declared in cdef())"
    with pytest.raises(TypeError) as e:
        build("struct a foo(int);", "?")
    assert str(e.value) == "function foo: 'struct a' is used as result type, but is opaque"


def test_pack_above_one_is_refused(build):
    with pytest.raises(NotImplementedError):
        build("struct foo { char y; int x; };", "", cdef_kwds={"pack": 2})


def test_partial_struct_field_of_wrong_size(build):
    # checked when the fields are first used, as in cffi
    mod = build("struct foo_s { int8_t x; ...; };", "#include <stdint.h>\nstruct foo_s { int y; int16_t x; };")
    with pytest.raises(Exception) as e:
        mod.ffi.new("struct foo_s *", [])
    assert str(e.value) == (
        "struct foo_s: wrong size for field 'x' (cdef says 1, but C compiler says 2). fix it or use "
        "\"...;\" as the last field in the cdef for struct foo_s to make it flexible"
    )


def test_compiled_ffi_type_strings(build):
    # a compiled module's ffi knows only the structs/unions it declares,
    # and its type string errors are ffi.error
    ffi = build("struct ab { int a, b; };", "struct ab { int a, b; };").ffi
    assert ffi.sizeof("struct ab") == 8
    for bad in ("struct baz *", "union baz *", "struct baz **"):
        with pytest.raises(ffi.error):
            ffi.new(bad)
    with pytest.raises(ffi.error):
        ffi.cast("int(int)", 42)
    with pytest.raises(ffi.error):
        ffi.new("int([5])(int)")
    with pytest.raises(ffi.error):
        ffi.typeof("int int")
    assert ffi.typeof("int(*)(int)") is ffi.typeof("int(*)(int)")


def test_builtin_and_named_pointer_types_in_compiled_modules(build):
    mod = build(
        "typedef ... *token_p; token_p foo(token_p); extern FILE *myfile;",
        "#include <stdio.h>\ntypedef struct _token_s *token_p;\n"
        "token_p foo(token_p arg) { return arg ? (token_p)0x12347 : (token_p)0x12345; }\n"
        "FILE *myfile;",
    )
    ffi, lib = mod.ffi, mod.lib
    assert int(ffi.cast("intptr_t", lib.foo(ffi.NULL))) == 0x12345
    assert ffi.typeof("FILE *") is ffi.typeof(lib.myfile)


def test_long_double_arguments_keep_precision(build):
    lib = build(
        "long double sq(long double); long double res(long double);",
        "#include <math.h>\nlong double sq(long double x) { return sqrtl(x); }\n"
        "long double res(long double a) { return a * a - 2; }",
        libraries=["m"],
    ).lib
    a = lib.sq(2.0)
    assert abs(float(lib.res(a))) < 1e-18


def test_constant_and_global_of_opaque_type(build):
    mod = build("typedef ... opaque_t; const opaque_t CONSTANT;", "typedef int opaque_t; const int CONSTANT = 42;")
    with pytest.raises(mod.ffi.error) as e:
        mod.lib.CONSTANT
    assert str(e.value) == "constant 'CONSTANT' is of type 'opaque_t', whose size is not known"
    mod = build("typedef ... opaque_t; extern opaque_t globvar;", 'typedef char opaque_t[6]; opaque_t globvar = "hello";')
    ffi, lib = mod.ffi, mod.lib
    with pytest.raises(TypeError) as e:
        lib.globvar
    assert str(e.value) == "cdata 'opaque_t' is opaque"
    with pytest.raises(TypeError) as e:
        lib.globvar = []
    assert str(e.value) == "'opaque_t' is opaque"
    p = ffi.addressof(lib, "globvar")
    assert ffi.typeof(p) == ffi.typeof("opaque_t *")
    assert ffi.string(ffi.cast("char *", p)) == b"hello"


def test_typedef_double_dots_that_is_no_float(build):
    mod = build("typedef double... foo_t; foo_t neg(foo_t); typedef double... ok_t; ok_t twice(ok_t);",
                "typedef unsigned long foo_t; foo_t neg(foo_t x) { return -x; }"
                " typedef float ok_t; ok_t twice(ok_t x) { return 2 * x; }")
    ffi, lib = mod.ffi, mod.lib
    assert lib.twice(1.5) == 3.0
    assert ffi.sizeof("ok_t") == 4
    with pytest.raises(ffi.error) as e:
        lib.neg
    assert str(e.value) == "primitive floating-point type with an unexpected size (or not a float type at all)"


def test_enumerator_of_two_enums_is_refused_at_build_time(build):
    with pytest.raises(Exception) as e:
        build("enum e1 { A1, ... }; enum e2 { A1, ... };", "enum e1 { A1 }; enum e2 { B1 };")
    assert type(e.value).__name__ == "VerificationError"
    assert str(e.value) == "enum e2: duplicate declaration of const 'A1'"


def test_typedef_int_dots_that_is_no_integer_fails_to_compile(build):
    with pytest.raises(Exception) as e:
        build("typedef int... foo_t;", "typedef float foo_t;")
    assert type(e.value).__name__ == "VerificationError"
    mod = build("typedef int... bar_t; bar_t ident(bar_t);",
                "typedef enum { Z, O } bar_t; static bar_t ident(bar_t x) { return x; }")
    assert mod.lib.ident(1) == 1


@pytest.mark.parametrize("ext", [".c", ".cpp"])
def test_typedef_arrays_of_unknown_lengths_as_parameters(build, ext):
    # each `[...]` is its own type: the inner dimension of mat_t is not
    # foo_t, though both are written int[...]
    cdef = """
        typedef int foo_t[...];
        typedef int mat_t[...][...];
        struct s { foo_t a; foo_t *b; foo_t **c; };
        int myfunc(foo_t a, foo_t *b, foo_t **c);
        struct sm { mat_t a; mat_t *b; mat_t **c; };
        int myfuncm(mat_t a, mat_t *b, mat_t **c);
    """
    source = """
        typedef int foo_t[50];
        typedef int mat_t[6][7];
        struct s { foo_t a; foo_t *b; foo_t **c; };
        static int myfunc(foo_t a, foo_t *b, foo_t **c) { return (**c)[49]; }
        struct sm { mat_t a; mat_t *b; mat_t **c; };
        static int myfuncm(mat_t a, mat_t *b, mat_t **c) { return (**c)[5][6]; }
    """
    mod = build(cdef, source, source_extension=ext, extra_compile_args=["-Wall", "-Werror"])
    ffi, lib = mod.ffi, mod.lib
    assert ffi.sizeof("foo_t") == 50 * ffi.sizeof("int")
    assert ffi.sizeof("mat_t") == 42 * ffi.sizeof("int")
    p = ffi.new("struct s *")
    p.a[49] = 321
    p.b = ffi.addressof(p, "a")
    p.c = ffi.addressof(p, "b")
    assert lib.myfunc(ffi.NULL, ffi.NULL, p.c) == 321
    q = ffi.new("struct sm *")
    q.a[5][6] = -321
    q.b = ffi.addressof(q, "a")
    q.c = ffi.addressof(q, "b")
    assert lib.myfuncm(ffi.NULL, ffi.NULL, q.c) == -321
    assert ffi.typeof(lib.myfuncm).args[0] is ffi.typeof("int(*)[7]")
