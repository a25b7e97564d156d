"""The ``verifier`` module behind ``ffi.verify()``: the ``Verifier`` class,
module names from a hash of the inputs (and the reuse of a module already
built), ``tmpdir``/``modulename``/``tag``/``ext_package``, ``cleanup_tmpdir``
and the errors verify() reports."""

import importlib
import math
import os
import sys

import pytest

from conftest import IMPL_NAME, cffi_impl

verifier = importlib.import_module(IMPL_NAME + ".verifier")
ffiplatform = importlib.import_module(IMPL_NAME + ".ffiplatform")
VerificationError = cffi_impl.VerificationError

SO_SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    # setuptools builds relative to the current directory
    monkeypatch.chdir(tmp_path)


def sin_ffi(ret="double"):
    ffi = cffi_impl.FFI()
    ffi.cdef("%s sin(double x);" % ret)
    return ffi


def no_compiling(*args, **kwds):
    raise AssertionError("the module should have been reused, not compiled")


def test_verifier_steps(tmp_path):
    ffi = sin_ffi()
    v = verifier.Verifier(ffi, "/* steps */\n#include <math.h>\n", tmpdir=str(tmp_path), libraries=["m"])
    assert v.get_module_name().startswith("_cffi_")
    assert v.sourcefilename == os.path.join(str(tmp_path), v.get_module_name() + ".c")
    assert v.modulefilename == os.path.join(str(tmp_path), v.get_module_name() + SO_SUFFIX)
    assert not os.path.exists(v.sourcefilename)
    v.write_source()
    with open(v.sourcefilename) as f:
        assert "/* steps */" in f.read()
    with pytest.raises(VerificationError, match="source code already written"):
        v.write_source()
    v.compile_module()
    assert os.path.exists(v.modulefilename)
    with pytest.raises(VerificationError, match="module already compiled"):
        v.compile_module()
    lib = v.load_library()
    assert lib.sin(0.5) == math.sin(0.5)


def test_write_source_to_a_file_object(tmp_path):
    import io

    v = verifier.Verifier(sin_ffi(), "/* to a file */", tmpdir=str(tmp_path))
    f = io.StringIO()
    v.write_source(file=f)
    assert "/* to a file */" in f.getvalue()
    assert not os.path.exists(v.sourcefilename)


def test_get_extension_writes_the_source(tmp_path):
    v = verifier.Verifier(sin_ffi(), "/* ext */", tmpdir=str(tmp_path), define_macros=[("X", "1")])
    ext = v.get_extension()
    assert os.path.exists(v.sourcefilename)
    assert ext.name == v.get_module_name()
    assert ext.sources == [ffiplatform.maybe_relative_path(v.sourcefilename)]
    assert ext.define_macros == [("X", "1")]


def test_explicit_file_names(tmp_path):
    v = verifier.Verifier(sin_ffi(), "#include <math.h>", tmpdir=str(tmp_path), libraries=["m"])
    v.sourcefilename = str(tmp_path / "elsewhere" / "mine.c")
    v.modulefilename = str(tmp_path / "elsewhere" / ("mine_sin" + SO_SUFFIX))
    assert v.get_module_name() == "mine_sin"
    lib = v.load_library()
    assert os.path.exists(str(tmp_path / "elsewhere" / "mine.c"))
    assert lib.sin(1.0) == math.sin(1.0)


def test_module_name_is_a_hash_of_the_inputs(tmp_path):
    def name(ret="double", source="#include <math.h>", **kwds):
        return verifier.Verifier(sin_ffi(ret), source, tmpdir=str(tmp_path), **kwds).get_module_name()

    assert name() == name()
    assert name() != name(ret="float")
    assert name() != name(source="#include <math.h>\n")
    assert name() != name(libraries=["m"])


def test_verify_reuses_the_module_already_built(tmp_path, monkeypatch):
    source = "int twice_rv(int x) { return 2 * x; }"
    ffi = cffi_impl.FFI()
    ffi.cdef("int twice_rv(int);")
    assert ffi.verify(source, tmpdir=str(tmp_path)).twice_rv(21) == 42
    built = ffi.verifier.modulefilename
    assert os.path.exists(built) and os.path.exists(ffi.verifier.sourcefilename)
    # the .c files removed, as between two runs of a program that kept its .so
    verifier.cleanup_tmpdir(str(tmp_path), keep_so=True)
    assert not os.path.exists(ffi.verifier.sourcefilename) and os.path.exists(built)
    monkeypatch.setattr(ffiplatform, "compile", no_compiling)
    ffi2 = cffi_impl.FFI()
    ffi2.cdef("int twice_rv(int);")
    assert ffi2.verify(source, tmpdir=str(tmp_path)).twice_rv(-4) == -8
    assert ffi2.verifier.modulefilename == built


def test_cleanup_tmpdir(tmp_path):
    ffi = sin_ffi()
    ffi.verify("#include <math.h>", tmpdir=str(tmp_path), libraries=["m"])
    (tmp_path / "other.c").write_text("/* not verify()'s */")
    verifier.cleanup_tmpdir(str(tmp_path))
    names = os.listdir(str(tmp_path))
    assert not [n for n in names if n.startswith("_cffi_") and n.endswith((".c", SO_SUFFIX))]
    assert "other.c" in names


def test_cleanup_tmpdir_of_a_missing_directory(tmp_path):
    verifier.cleanup_tmpdir(str(tmp_path / "nothing here"))


def test_modulename_and_tag(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("int plus_mn(int);")
    lib = ffi.verify("int plus_mn(int x) { return x + 1; }", tmpdir=str(tmp_path), modulename="my_verified_mod")
    assert lib.plus_mn(1) == 2
    assert ffi.verifier.sourcefilename == os.path.join(str(tmp_path), "my_verified_mod.c")
    assert ffi.verifier.modulefilename == os.path.join(str(tmp_path), "my_verified_mod" + SO_SUFFIX)
    ffi = cffi_impl.FFI()
    ffi.cdef("int plus_tag(int);")
    ffi.verify("int plus_tag(int x) { return x + 1; }", tmpdir=str(tmp_path), tag="mytag")
    assert os.path.basename(ffi.verifier.modulefilename).startswith("_cffi_mytag_")
    with pytest.raises(TypeError, match="can't specify both 'modulename' and 'tag'"):
        ffi.verify("", tmpdir=str(tmp_path), modulename="x", tag="y")


def test_default_tmpdir_is_pycache_next_to_the_caller_or_cffi_tmpdir(tmp_path, monkeypatch):
    monkeypatch.setenv("CFFI_TMPDIR", str(tmp_path / "from_env"))
    ffi = cffi_impl.FFI()
    ffi.cdef("int env_dir(void);")
    assert ffi.verify("int env_dir(void) { return 7; }").env_dir() == 7
    assert os.path.dirname(ffi.verifier.modulefilename) == str(tmp_path / "from_env")
    monkeypatch.delenv("CFFI_TMPDIR")
    v = verifier.Verifier(cffi_impl.FFI(), "")
    assert v.tmpdir == os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")


def test_partial_types_of_the_ffi_are_completed(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("struct pt_s { int x; ...; }; int get_x(struct pt_s *);\n#define PT_N ...")
    lib = ffi.verify("""
        struct pt_s { char pad[12]; int x; };
        int get_x(struct pt_s *p) { return p->x * 3; }
        #define PT_N 17
    """, tmpdir=str(tmp_path))
    assert ffi.sizeof("struct pt_s") == 16
    assert ffi.offsetof("struct pt_s", "x") == 12
    p = ffi.new("struct pt_s *", {"x": 5})
    assert lib.get_x(p) == 15
    assert lib.PT_N == 17
    assert ffi.verifier.ffi is ffi


def test_ext_package_finds_an_installed_module(tmp_path, monkeypatch):
    pkg = tmp_path / "installed_vpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    ffi = cffi_impl.FFI()
    ffi.cdef("int inst_f(int);")
    source = "int inst_f(int x) { return x * 5; }"
    ffi.verify(source, tmpdir=str(tmp_path / "build1"), ext_package="installed_vpkg")
    os.rename(ffi.verifier.modulefilename, str(pkg / os.path.basename(ffi.verifier.modulefilename)))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(ffiplatform, "compile", no_compiling)
    ffi2 = cffi_impl.FFI()
    ffi2.cdef("int inst_f(int);")
    lib = ffi2.verify(source, tmpdir=str(tmp_path / "build2"), ext_package="installed_vpkg")
    assert lib.inst_f(3) == 15
    assert os.path.dirname(ffi2.verifier.modulefilename) == str(pkg)


def test_compile_error_is_a_verification_error(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("int broken_f(void);")
    with pytest.raises(VerificationError):
        ffi.verify("int broken_f(void) { return syntax error; }", tmpdir=str(tmp_path))


def test_wrong_constant_value(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("#define WRONG_C 123")
    with pytest.raises(VerificationError) as e:
        ffi.verify("#define WRONG_C 124", tmpdir=str(tmp_path))
    assert str(e.value).endswith("WRONG_C has the real value 124, not 123")


def test_wrong_enum_value_and_a_retry(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("enum ve { VE1, VE2, VE3 };")
    with pytest.raises(VerificationError) as e:
        ffi.verify("enum ve { VE1, VE3, VE2 };", tmpdir=str(tmp_path))
    assert str(e.value) == "enum ve: VE2 has the real value 2, not 1"
    # nothing was changed by the refused verify()
    lib = ffi.verify("enum ve { VE1, VE2, VE3, VE4 };", tmpdir=str(tmp_path))
    assert (lib.VE2, lib.VE3) == (1, 2)


def test_typedef_int_dotdotdot_needs_set_source(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("typedef unsigned long... my_len_t;")
    with pytest.raises(VerificationError) as e:
        ffi.verify("", tmpdir=str(tmp_path))
    assert str(e.value) == ("feature not supported with ffi.verify(), but only "
                            "with ffi.set_source(): 'typedef int... my_len_t'")


def test_undefined_symbol_is_a_verification_error(tmp_path):
    ffi = cffi_impl.FFI()  # no -Werror: the module compiles, but cannot load
    ffi.cdef("void surely_not_defined_anywhere_vf(void);")
    with pytest.raises((VerificationError, OSError)):
        ffi.verify("", tmpdir=str(tmp_path))


def test_relative_to(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "rel.h").write_text("static int rel_f(int a) { return a + 42; }\n")
    ffi = cffi_impl.FFI()
    ffi.cdef("int rel_f(int);")
    lib = ffi.verify('#include "rel.h"', include_dirs=["."], relative_to=str(tmp_path / "sub" / "x"),
                     tmpdir=str(tmp_path))
    assert lib.rel_f(100) == 142


def test_field_of_another_type_with_the_same_size(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("struct ft_s { float x; ...; };")
    with pytest.raises(VerificationError):
        ffi.verify("struct ft_s { int x; };", tmpdir=str(tmp_path), extra_compile_args=["-Werror"])


def test_complete_struct_mismatch_in_verify_words(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("struct cm_s { char x; int y; };")
    with pytest.raises(VerificationError) as e:
        ffi.verify("struct cm_s { int y; char x; };", tmpdir=str(tmp_path))
    assert str(e.value) == "struct cm_s: wrong offset for field 'x' (we have 0, but C compiler says 4)"


def test_open_array_before_other_fields_of_a_partial_struct(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("struct oa_s { int a[]; int y; ...; }; int oa_get(struct oa_s *);")
    lib = ffi.verify("struct oa_s { int x; int a[5]; int y; };\n"
                     "int oa_get(struct oa_s *f) { return f->a[3] + f->y; }", tmpdir=str(tmp_path))
    assert ffi.sizeof("struct oa_s") == 7 * ffi.sizeof("int")
    s = ffi.new("struct oa_s *")
    assert ffi.typeof(s.a) is ffi.typeof("int[]")
    assert len(s.a) == 6  # up to the end of the struct
    s.a[3] = 40
    s.y = 2
    assert lib.oa_get(s) == 42


def test_unnamed_struct_in_a_signature(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("typedef struct { int x; } **un_sp; void un_f(un_sp);")
    with pytest.raises(VerificationError) as e:
        ffi.verify("typedef struct { int x; } **un_sp; void un_f(un_sp x) { }", tmpdir=str(tmp_path))
    assert "in argument of un_f: unknown type name" in str(e.value)


def test_partial_struct_by_value_through_a_function_pointer(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("struct pv_s { long a; ...; }; static int (*pv_fn)(struct pv_s);")
    lib = ffi.verify("struct pv_s { double b; long a; };\n"
                     "static int pv_real(struct pv_s s) { return (int)s.a; }\n"
                     "static int (*pv_fn)(struct pv_s) = &pv_real;", tmpdir=str(tmp_path))
    with pytest.raises(NotImplementedError) as e:
        lib.pv_fn(ffi.new("struct pv_s *")[0])
    assert str(e.value).startswith("ctype 'struct pv_s' not supported as argument.  It is a struct "
                                   'declared with "...;"')


def test_include_of_a_verified_ffi(tmp_path):
    ffi1 = cffi_impl.FFI()
    ffi1.cdef("typedef struct { int x; ...; } inc_t;")
    ffi1.verify("typedef struct { int y, x; } inc_t;", tmpdir=str(tmp_path))
    ffi2 = cffi_impl.FFI()
    ffi2.include(ffi1)
    ffi2.cdef("int inc_f(inc_t *);")
    lib = ffi2.verify("typedef struct { int y, x; } inc_t;\n"
                      "int inc_f(inc_t *p) { return 42 * p->x; }", tmpdir=str(tmp_path))
    assert lib.inc_f(ffi2.new("inc_t *", {"x": 10})) == 420
    assert lib.inc_f(ffi1.new("inc_t *", {"x": -1})) == -42


def test_partial_enum_completed_by_verify(tmp_path):
    ffi = cffi_impl.FFI()
    ffi.cdef("enum pe_v { PV1, PV2, PV3, ... };")
    with pytest.raises(cffi_impl.VerificationMissing):
        ffi.cast("enum pe_v", 1)
    ffi.verify("enum pe_v { PV1 = 10, PV2, PV3 = -10, PV4 };", tmpdir=str(tmp_path))
    assert ffi.string(ffi.cast("enum pe_v", 11)) == "PV2"
    assert ffi.typeof("enum pe_v").relements == {"PV1": 10, "PV2": 11, "PV3": -10}


def test_refused_verify_leaves_the_ffi_as_declared(tmp_path):
    # a layout disagreement refuses verify() at once (cffi's verify() words)
    # and leaves the struct as the cdef declared it
    ffi = cffi_impl.FFI()
    ffi.cdef("struct foo_s { char x; int y; long *z; };")
    with pytest.raises(cffi_impl.VerificationError) as e:
        ffi.verify("struct foo_s { int y; char x; long *z; };", tmpdir=str(tmp_path))
    assert str(e.value) == "struct foo_s: wrong offset for field 'x' (we have 0, but C compiler says 4)"
    assert ffi.sizeof("struct foo_s") == 8 + ffi.sizeof("long *")
    assert ffi.new("struct foo_s *", [b"a", 2]).y == 2
