"""API-mode divergences from cffi found by the differential tester's API
mode (tests/difftest/gen_api.py, docs/difftest-findings.md), each fixed."""

from conftest import cffi_impl


def test_variadic_function_is_a_function_pointer_cdata(build):
    # cffi's module has no wrapper for a variadic function: `lib.vf` is
    # the function-pointer cdata itself (rcffi gave a builtin method)
    mod = build("int vf(int, ...);", """
        #include <stdarg.h>
        static int vf(int n, ...) { va_list ap; int s = 0; va_start(ap, n);
            for (int i = 0; i < n; i++) s += va_arg(ap, int); va_end(ap); return s; }
    """)
    ffi, lib = mod.ffi, mod.lib
    f = lib.vf
    assert isinstance(f, ffi.CData)
    assert type(f).__name__ == "_CDataBase"
    assert ffi.typeof(f) is ffi.typeof("int(*)(int, ...)")
    assert repr(f).startswith("<cdata 'int(*)(int, ...)' 0x")
    assert [f(2, ffi.cast("int", 3), ffi.cast("int", 4)) for _ in range(3)] == [7, 7, 7]
    assert f == ffi.addressof(lib, "vf")


def test_bool_constants_are_ints(build):
    # to cffi `_Bool` is an integer type: its constants read as 0/1
    mod = build("static const _Bool KT; static const _Bool KF; const _Bool gb;",
                "static const _Bool KT = 1; static const _Bool KF = 0; const _Bool gb = 1;")
    lib = mod.lib
    assert (lib.KT, lib.KF, lib.gb) == (1, 0, 1)
    assert [type(x) for x in (lib.KT, lib.KF, lib.gb)] == [int, int, int]


def test_implementation_under_test():
    assert cffi_impl is not None


def test_struct_result_cannot_be_released(build):
    # a struct returned by value owns its memory, but cffi's ffi.release()
    # refuses it; rcffi released it, and passing it on by value then read
    # through NULL (a crash)
    import pytest
    mod = build("struct s1 { int f0 : 27; int f1; }; int take(struct s1); struct s1 mk(int);", """
        struct s1 { int f0 : 27; int f1; };
        static int take(struct s1 a) { return a.f0 + a.f1; }
        static struct s1 mk(int x) { struct s1 r = { x, 2 * x }; return r; }
    """)
    ffi, lib = mod.ffi, mod.lib
    for i in range(3):       # the first call and the switched entry's results
        v = lib.mk(5)
        with pytest.raises(ValueError, match="only 'cdata' object from ffi.new"):
            ffi.release(v)
        with pytest.raises(ValueError, match="only 'cdata' object from ffi.new"):
            with v:
                pass
        assert (v.f0, v.f1, lib.take(v)) == (5, 10, 15)
    p = ffi.new("struct s1 *", [1, 2])
    ffi.release(p)           # ffi.new() memory still is


def test_char_constants_are_characters(build):
    # `static const char K;`: cffi gives b'z' (rcffi gave 122)
    # (a wide character one is read the same way; not in this cdef, which
    # test_cffi_generated_every_cdef.py also loads with values from a
    # library of its own, outside Unicode for wchar_t: the DT16 row)
    mod = build("static const char K1; static const unsigned char K2;",
                "static const char K1 = 'z'; static const unsigned char K2 = 200;")
    lib = mod.lib
    assert (lib.K1, lib.K2) == (b"z", 200)


def test_writing_or_deleting_a_contradicted_constant_reports_it(build):
    # cffi's lib fetches the name first: a constant the compiler
    # contradicts raises ffi.error, not the AttributeError (DT51)
    import pytest
    mod = build("#define K1 42\n#define K2 5\nint f(int);", "#define K1 43\n#define K2 5\nstatic int f(int x) { return x; }")
    ffi, lib = mod.ffi, mod.lib
    for op in (lambda: setattr(lib, "K1", 1), lambda: delattr(lib, "K1")):
        with pytest.raises(ffi.error, match="the C compiler says 'K1' is equal to 43"):
            op()
    with pytest.raises(AttributeError, match="cannot write to function or constant 'K2'"):
        lib.K2 = 1
    for name in ("K2", "f"):
        with pytest.raises(AttributeError, match="C attribute cannot be deleted"):
            delattr(lib, name)
    with pytest.raises(AttributeError, match="has no function, constant or global variable named 'nope'"):
        del lib.nope
