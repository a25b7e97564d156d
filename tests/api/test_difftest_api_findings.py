"""API-mode divergences from cffi found by the differential tester's API
mode (tests/difftest/gen_api.py, docs/difftest-findings.md), each fixed."""

import types

import pytest

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


def test_a_bad_type_string_on_the_module_ffi_is_ffi_error(build):
    # DT53: cffi's compiled ffi refuses a negative array length while it
    # parses the type string, as any other parse error: `ffi.error`
    # (rcffi raised ValueError, what an in-line ffi raises)
    ffi = build("struct s { int x; };", "struct s { int x; };").ffi
    for text in ("int[-1]", "struct s[-2]"):
        with pytest.raises(ffi.error):
            ffi.typeof(text)
        with pytest.raises(ffi.error):
            ffi.new(text)
    # an array of void is refused when the type is made: ValueError in both
    with pytest.raises(ValueError, match="array item of unknown size: 'void'"):
        ffi.typeof("void[3]")


def test_a_cdata_has_a_docstring(build):
    # DT52: help(p) and p.__doc__ give the class's docstring (cffi's says
    # the same thing in its words); rcffi had None
    mod = build("int vf(int, ...); struct s { int x; };", "int vf(int n, ...) { return n; } struct s { int x; };")
    ffi, lib = mod.ffi, mod.lib
    for x in (lib.vf, ffi.new("struct s *"), ffi.cast("int", 1), ffi.new_handle(ffi),
              ffi.gc(ffi.cast("void *", 0), lambda p: None)):
        assert isinstance(x.__doc__, str) and "CData" in x.__doc__
    assert "CData" in ffi.CData.__doc__


def test_the_compiled_lib_has_only_cffi_special_attributes(build):
    # cffi's compiled `lib` answers only __all__, __dict__, __class__,
    # __name__, __loader__ and __spec__: anything else is a missing C name.
    # So copy.copy(lib) finds no __reduce_ex__ and raises copy.Error (rcffi
    # gave TypeError, and pickle a TypeError instead of PicklingError)
    import copy
    import pickle
    mod = build("int f(int); enum e { B1, A1 };\n#define MM 3",
                "int f(int x) { return x; } enum e { B1, A1 }; \n#define MM 3\n")
    lib = mod.lib
    for name in ("__doc__", "__reduce_ex__", "__reduce__", "__repr__", "__file__", "__module__", "__getstate__"):
        with pytest.raises(AttributeError, match="has no function, constant or global variable named '%s'" % name):
            getattr(lib, name)
    with pytest.raises(copy.Error):
        copy.copy(lib)
    with pytest.raises(copy.Error):
        copy.deepcopy(lib)
    with pytest.raises(pickle.PicklingError):
        pickle.dumps(lib)
    # what stays: the special attributes, dir(), repr(), the C names
    assert lib.__class__ is types.ModuleType and lib.__loader__ is None and lib.__spec__ is None
    assert lib.__name__.endswith(".lib") and sorted(lib.__dict__) == ["A1", "B1", "MM", "f"]
    assert dir(lib) == ["A1", "B1", "MM", "f"] and repr(lib).startswith("<Lib object for ")
    assert lib.f(4) == 4


def test_lib_all_is_sorted_as_cffi_table(build):
    # cffi's `lib.__all__` lists its table of globals, sorted by name
    # (bytewise); rcffi listed the declarations in cdef order
    lib = build("int zeta(void); enum e { Y2, B1, A1 };\n#define MM 3\nint alpha(void);",
                "int zeta(void) { return 0; } int alpha(void) { return 1; } enum e { Y2, B1, A1 };\n#define MM 3\n").lib
    assert lib.__all__ == ["A1", "B1", "MM", "Y2", "alpha", "zeta"]


def test_addressof_a_name_with_a_nul_is_a_value_error(build):
    # cffi's argument parsing refuses it before any lookup (rcffi looked up
    # the name and said it was missing)
    mod = build("extern int g;", "int g = 5;")
    with pytest.raises(ValueError, match="embedded null character"):
        mod.ffi.addressof(mod.lib, "g\0x")
    assert mod.ffi.addressof(mod.lib, "g")[0] == 5
