"""ffi.typeof / sizeof / alignof / offsetof, CType attributes, getctype,
list_types and typedef naming."""

import pytest

from conftest import cffi_impl


PRIMITIVE_SIZES = [
    ("char", 1), ("signed char", 1), ("unsigned char", 1), ("_Bool", 1),
    ("short", 2), ("unsigned short", 2), ("int", 4), ("unsigned int", 4),
    ("long long", 8), ("unsigned long long", 8), ("float", 4), ("double", 8),
    ("int8_t", 1), ("uint8_t", 1), ("int16_t", 2), ("uint16_t", 2),
    ("int32_t", 4), ("uint32_t", 4), ("int64_t", 8), ("uint64_t", 8),
    ("char16_t", 2), ("char32_t", 4),
]


@pytest.mark.parametrize("name,size", PRIMITIVE_SIZES)
def test_sizeof_fixed_size_primitive(ffi, name, size):
    assert ffi.sizeof(name) == size


@pytest.mark.parametrize("name", ["long", "unsigned long", "size_t", "ssize_t",
                                  "intptr_t", "uintptr_t", "ptrdiff_t", "void *"])
def test_sizeof_pointer_sized_types_on_lp64(ffi, name):
    assert ffi.sizeof(name) == 8


def test_sizeof_wchar_t_is_4_on_linux(ffi):
    assert ffi.sizeof("wchar_t") == 4


def test_sizeof_long_double_is_16_on_x86_64(ffi):
    assert ffi.sizeof("long double") == 16
    assert ffi.alignof("long double") == 16


@pytest.mark.parametrize("name,align", [
    ("char", 1), ("short", 2), ("int", 4), ("long long", 8), ("double", 8),
    ("float", 4), ("int *", 8), ("_Bool", 1)])
def test_alignof_primitives(ffi, name, align):
    assert ffi.alignof(name) == align


def test_sizeof_arrays_and_pointers_to_arrays(ffi):
    assert ffi.sizeof("int[10]") == 40
    assert ffi.sizeof("char[3][5]") == 15
    assert ffi.sizeof("int(*)[10]") == 8
    assert ffi.sizeof("int *[10]") == 80
    assert ffi.alignof("int[10]") == 4


def test_sizeof_struct_includes_padding_and_alignment(ffi):
    ffi.cdef("struct s { char a; double b; char c; };")
    assert ffi.sizeof("struct s") == 24
    assert ffi.alignof("struct s") == 8


def test_sizeof_of_cdata_instance_is_size_of_its_type(ffi):
    ffi.cdef("struct s { int a, b, c; };")
    assert ffi.sizeof(ffi.new("struct s *")) == 8          # the pointer
    assert ffi.sizeof(ffi.new("struct s *")[0]) == 12      # the struct
    assert ffi.sizeof(ffi.new("int[7]")) == 28
    assert ffi.sizeof(ffi.new("int[]", 5)) == 20


def test_sizeof_of_opaque_struct_raises_valueerror(ffi):
    ffi.cdef("struct opaque;")
    with pytest.raises(ValueError, match="ctype 'struct opaque' is of unknown size"):
        ffi.sizeof("struct opaque")
    with pytest.raises(ValueError, match="unknown alignment"):
        ffi.alignof("struct opaque")


def test_sizeof_of_void_and_open_array_raise_valueerror(ffi):
    with pytest.raises(ValueError, match="ctype 'void' is of unknown size"):
        ffi.sizeof("void")
    with pytest.raises(ValueError, match=r"ctype 'int\[\]' is of unknown size"):
        ffi.sizeof("int[]")


def test_offsetof_fields_and_nested_fields_and_array_items(ffi):
    ffi.cdef("struct s { char a; int b; struct { short x; double y; } in; int arr[3]; };")
    assert ffi.offsetof("struct s", "a") == 0
    assert ffi.offsetof("struct s", "b") == 4
    assert ffi.offsetof("struct s", "in") == 8
    assert ffi.offsetof("struct s", "in", "y") == 16
    assert ffi.offsetof("struct s", "arr", 2) == 32
    assert ffi.offsetof("int[10]", 3) == 12


def test_offsetof_dotted_path_is_not_supported(ffi):
    ffi.cdef("struct s { struct { int x; } in; };")
    with pytest.raises(KeyError):
        ffi.offsetof("struct s", "in.x")


def test_offsetof_unknown_field_raises_keyerror(ffi):
    ffi.cdef("struct s { int a; };")
    with pytest.raises(KeyError):
        ffi.offsetof("struct s", "zz")


def test_offsetof_accepts_pointer_to_struct_type(ffi):
    ffi.cdef("struct s { int a; int b; };")
    assert ffi.offsetof("struct s *", "b") == 4


def test_ctype_kinds(ffi):
    ffi.cdef("struct s { int a; }; union u { int i; }; enum e { E0 };")
    kinds = {
        "int": "primitive", "char": "primitive", "double": "primitive",
        "long double": "primitive", "_Bool": "primitive", "void": "void",
        "int *": "pointer", "void *": "pointer", "int[3]": "array",
        "struct s": "struct", "union u": "union", "enum e": "enum",
        "int(*)(int)": "function",
    }
    for name, kind in kinds.items():
        assert ffi.typeof(name).kind == kind, name


def test_ctype_cname_is_normalised(ffi):
    expected = {
        "unsigned": "unsigned int", "long int": "long", "short int": "short",
        "unsigned long long int": "unsigned long long", "signed char": "signed char",
        "const int *": "int *", "int const *": "int *", "int * const": "int *",
        "int(*)[3]": "int(*)[3]", "int*[3]": "int *[3]", "bool": "_Bool",
        "int [ 2 ] [ 3 ]": "int[2][3]",
    }
    for decl, cname in expected.items():
        assert ffi.typeof(decl).cname == cname, decl


def test_ctype_repr(ffi):
    ffi.cdef("struct point { int x, y; };")
    assert repr(ffi.typeof("int")) == "<ctype 'int'>"
    assert repr(ffi.typeof("struct point *")) == "<ctype 'struct point *'>"
    assert repr(ffi.typeof("char[]")) == "<ctype 'char[]'>"


def test_ctype_type_is_ffi_CType(ffi):
    t = ffi.typeof("int")
    assert isinstance(t, ffi.CType)
    assert type(t).__name__ == "CType"


def test_pointer_ctype_item(ffi):
    assert ffi.typeof("int *").item is ffi.typeof("int")
    assert ffi.typeof("int **").item is ffi.typeof("int *")
    assert ffi.typeof("void *").item.kind == "void"


def test_array_ctype_item_and_length(ffi):
    t = ffi.typeof("int[5]")
    assert t.item is ffi.typeof("int")
    assert t.length == 5
    assert ffi.typeof("int[]").length is None
    assert ffi.typeof("int[2][3]").item is ffi.typeof("int[3]")
    assert ffi.typeof("int[2][3]").length == 2


def test_function_pointer_ctype_args_result_ellipsis_abi(ffi):
    ffi.cdef("typedef int (*fn_t)(int, ...);")
    t = ffi.typeof("fn_t")
    assert t.kind == "function"
    assert t.cname == "int(*)(int, ...)"
    assert t.args == (ffi.typeof("int"),)
    assert isinstance(t.args, tuple)
    assert t.result is ffi.typeof("int")
    assert t.ellipsis is True
    assert isinstance(t.abi, int)
    assert ffi.typeof("void(*)(double, char *)").ellipsis is False
    assert ffi.typeof("void(*)(double, char *)").result.kind == "void"
    assert ffi.typeof("int(*)(void)").args == ()


def test_function_abi_is_libffis_default_on_this_machine(ffi):
    # libffi's FFI_DEFAULT_ABI (2 on x86-64 Unix, 1 on AArch64), as cffi
    # reports it; __stdcall means nothing outside 32-bit Windows
    backend = pytest.importorskip("_cffi_backend", reason="cffi's backend gives libffi's number to compare with")
    assert ffi.typeof("int(*)(int)").abi == backend.FFI_DEFAULT_ABI
    assert ffi.typeof("int(__stdcall *)(int)").abi == backend.FFI_DEFAULT_ABI


def test_function_argument_arrays_and_functions_decay_to_pointers(ffi):
    t = ffi.typeof("int(*)(int[3], int(int))")
    assert t.args == (ffi.typeof("int *"), ffi.typeof("int(*)(int)"))
    assert t.cname == "int(*)(int *, int(*)(int))"


def test_typeof_bare_function_type_is_cdef_error(ffi):
    with pytest.raises(cffi_impl.CDefError, match="function type"):
        ffi.typeof("int(int, double)")


def test_type_strings_may_name_their_declarator(ffi):
    # cffi parses a type string as a parameter declaration
    assert ffi.typeof("int x") is ffi.typeof("int")
    assert ffi.typeof("int x[5]") is ffi.typeof("int[5]")
    assert ffi.typeof("int (*p)(int)") is ffi.typeof("int(*)(int)")
    with pytest.raises(cffi_impl.CDefError, match="function type"):
        ffi.typeof("void foo(void)")


def test_new_and_cast_reject_bare_function_types(ffi):
    with pytest.raises(cffi_impl.CDefError, match="is a function type, not a pointer-to-function type"):
        ffi.cast("int(int)", 42)
    with pytest.raises(cffi_impl.CDefError, match="is a function type, not a pointer-to-function type"):
        ffi.new("int(int)")
    assert ffi.cast("int(*)(int)", 42) != ffi.NULL


def test_typedef_of_void_as_the_only_parameter_means_no_arguments(ffi):
    ffi.cdef("typedef void vt1; typedef vt1 vt2; typedef int (*vfunc_t)(vt2);")
    assert ffi.typeof("vfunc_t").args == ()


def test_function_returning_array_type_string_is_typeerror(ffi):
    with pytest.raises(TypeError):
        ffi.typeof("int(*)(int)[5]")
    with pytest.raises(TypeError):
        ffi.cast("int(*)(int)[5]", 0)


def test_primitive_ctype_has_only_kind_and_cname(ffi):
    t = ffi.typeof("int")
    assert sorted(dir(t)) == ["cname", "kind"]
    with pytest.raises(AttributeError):
        t.item
    with pytest.raises(AttributeError):
        t.fields


def test_dir_of_ctypes_lists_kind_specific_attributes(ffi):
    ffi.cdef("struct s { int a; }; enum e { E0 };")
    assert sorted(dir(ffi.typeof("int[3]"))) == ["cname", "item", "kind", "length"]
    assert sorted(dir(ffi.typeof("struct s"))) == ["cname", "fields", "kind"]
    assert sorted(dir(ffi.typeof("enum e"))) == ["cname", "elements", "kind", "relements"]
    assert sorted(dir(ffi.typeof("int(*)(int)"))) == [
        "abi", "args", "cname", "ellipsis", "kind", "result"]
    assert sorted(dir(ffi.typeof("int *"))) == ["cname", "item", "kind"]


def test_struct_fields_list_of_name_cfield_pairs(ffi):
    ffi.cdef("struct s { char a; int b; double c; };")
    fields = ffi.typeof("struct s").fields
    assert isinstance(fields, list)
    assert [name for name, _ in fields] == ["a", "b", "c"]
    offsets = [f.offset for _, f in fields]
    assert offsets == [0, 4, 8]
    assert [f.type for _, f in fields] == [ffi.typeof("char"), ffi.typeof("int"),
                                          ffi.typeof("double")]
    for _, f in fields:
        assert f.bitshift == -1
        assert f.bitsize == -1
        assert f.flags == 0
    assert type(fields[0][1]).__name__ == "CField"


def test_bitfield_cfield_bitshift_and_bitsize(ffi):
    ffi.cdef("struct b { int x : 3; unsigned y : 5; int z; };")
    f = dict(ffi.typeof("struct b").fields)
    assert (f["x"].bitshift, f["x"].bitsize) == (0, 3)
    assert (f["y"].bitshift, f["y"].bitsize) == (3, 5)
    assert (f["z"].bitshift, f["z"].bitsize) == (-1, -1)
    assert f["z"].offset == 4


def test_fields_of_opaque_struct_is_none(ffi):
    ffi.cdef("struct later;")
    assert ffi.typeof("struct later").fields is None


def test_field_flags_mark_union_members_after_the_first(ffi):
    ffi.cdef("struct nu_s { int a; union { int b; union { int c, d; }; }; int e; };")
    fields = [(n, f.offset, f.flags) for n, f in ffi.typeof("struct nu_s").fields]
    assert fields == [("a", 0, 0), ("b", 4, 0), ("c", 4, 1), ("d", 4, 1), ("e", 8, 0)]


def test_opaque_enum_warns_it_guesses_unsigned_int(ffi):
    ffi.cdef("enum oe;")
    with pytest.warns(UserWarning) as log:
        n = ffi.cast("enum oe", -1)
    assert int(n) == 0xffffffff
    assert str(log[0].message) == ("'enum oe' has no values explicitly defined; "
                                   "guessing that it is equivalent to 'unsigned int'")


def test_union_fields_all_at_offset_zero(ffi):
    ffi.cdef("union u { int i; double d; char c[3]; };")
    fields = ffi.typeof("union u").fields
    assert [n for n, _ in fields] == ["i", "d", "c"]
    assert all(f.offset == 0 for _, f in fields)
    assert ffi.sizeof("union u") == 8


def test_enum_elements_and_relements(ffi):
    ffi.cdef("enum e { A, B = 5, C, D = -2 };")
    t = ffi.typeof("enum e")
    assert t.elements == {0: "A", 5: "B", 6: "C", -2: "D"}
    assert t.relements == {"A": 0, "B": 5, "C": 6, "D": -2}
    assert t.cname == "enum e"


def test_enum_elements_with_duplicate_values_keep_first_name(ffi):
    ffi.cdef("enum e { FIRST = 1, ALIAS = 1, OTHER = 2 };")
    t = ffi.typeof("enum e")
    assert t.relements == {"FIRST": 1, "ALIAS": 1, "OTHER": 2}
    assert t.elements[1] == "FIRST"


def test_equal_ctypes_are_identical_objects(ffi):
    assert ffi.typeof("int") is ffi.typeof("int")
    assert ffi.typeof("int *") is ffi.typeof("int*")
    assert ffi.typeof("unsigned") is ffi.typeof("unsigned int")
    assert ffi.typeof("int[3]") is ffi.typeof("int [3]")
    assert ffi.typeof("int(*)(int)") is ffi.typeof("int (*)(int)")


def test_primitive_ctypes_are_shared_between_ffi_instances(ffi_mod):
    assert ffi_mod.FFI().typeof("int *") is ffi_mod.FFI().typeof("int *")


def test_struct_ctypes_of_different_ffi_instances_are_distinct(ffi_mod):
    f1, f2 = ffi_mod.FFI(), ffi_mod.FFI()
    f1.cdef("struct foo { int a; };")
    f2.cdef("struct foo { int a; };")
    assert f1.typeof("struct foo") is not f2.typeof("struct foo")
    assert f1.typeof("struct foo") != f2.typeof("struct foo")


def test_fixed_width_typedefs_are_distinct_ctypes_from_same_sized_ints(ffi):
    assert ffi.typeof("int32_t") is not ffi.typeof("int")
    assert ffi.typeof("int64_t") is not ffi.typeof("long")
    assert repr(ffi.typeof("int64_t")) == "<ctype 'int64_t'>"
    assert repr(ffi.typeof("size_t")) == "<ctype 'size_t'>"


def test_user_typedef_of_primitive_resolves_to_primitive(ffi):
    ffi.cdef("typedef int myint; typedef myint myint2;")
    assert ffi.typeof("myint") is ffi.typeof("int")
    assert ffi.typeof("myint2 *") is ffi.typeof("int *")
    assert ffi.getctype("myint") == "int"


def test_typedef_of_named_struct_renames_the_struct_ctype(ffi):
    ffi.cdef("struct s { int a; }; typedef struct s s_t;")
    assert ffi.typeof("struct s") is ffi.typeof("s_t")
    assert ffi.typeof("struct s").cname == "s_t"
    assert repr(ffi.typeof("struct s *")) == "<ctype 's_t *'>"


def test_typedef_naming_uses_the_first_typedef_name(ffi):
    ffi.cdef("typedef struct two { int z; } two_a, two_b;")
    assert ffi.typeof("struct two").cname == "two_a"
    assert ffi.typeof("two_b").cname == "two_a"


def test_typedef_of_struct_pointer_does_not_rename_struct(ffi):
    ffi.cdef("struct foo { int a; }; typedef struct foo *foo_p;")
    assert ffi.typeof("struct foo").cname == "struct foo"
    assert ffi.typeof("foo_p").cname == "struct foo *"


def test_anonymous_struct_named_by_its_typedef(ffi):
    ffi.cdef("typedef struct { int q; } anon_t;")
    assert ffi.typeof("anon_t").cname == "anon_t"
    assert ffi.typeof("anon_t").kind == "struct"


def test_anonymous_nested_struct_gets_dollar_name(ffi):
    ffi.cdef("struct s { struct { short x; } in; }; typedef struct { int k; } *anonp_t;")
    inner = dict(ffi.typeof("struct s").fields)["in"].type
    assert inner.kind == "struct"
    assert inner.cname.startswith("struct $")
    assert ffi.typeof("anonp_t").item.cname.startswith("struct $")


def test_anonymous_types_are_numbered_per_ffi(ffi):
    # as cffi: `$1` is the first type left unnamed in this FFI, whatever
    # other FFIs declared before
    text = ("typedef struct { int x; } foo_t; typedef struct { int y; } *bar_p;"
            " typedef struct { int y; } **baz_pp; enum { Q }; typedef struct { int w; } *q_p;")
    other = cffi_impl.FFI()
    other.cdef(text)
    ffi.cdef(text)
    assert repr(ffi.typeof("foo_t")) == "<ctype 'foo_t'>"
    assert repr(ffi.typeof("bar_p")) == "<ctype 'struct $1 *'>"
    assert repr(ffi.typeof("baz_pp")) == "<ctype 'struct $2 * *'>"
    assert repr(ffi.typeof("q_p")) == "<ctype 'struct $4 *'>"
    assert ffi.typeof("bar_p") is not other.typeof("bar_p")


def test_forward_declared_struct_usable_as_pointer_before_definition(ffi):
    ffi.cdef("typedef struct node node_t; struct node { int v; node_t *next; };")
    t = ffi.typeof("struct node")
    assert t.cname == "node_t"
    assert dict(t.fields)["next"].type is ffi.typeof("node_t *")


def test_list_types_returns_typedefs_structs_unions_sorted(ffi):
    ffi.cdef("""
        typedef int zint; typedef struct { int a; } anon_t;
        struct beta { int b; }; struct alpha { int a; };
        union uu { int i; }; typedef int (*fn_t)(int);
    """)
    typedefs, structs, unions = ffi.list_types()
    assert typedefs == ["anon_t", "fn_t", "zint"]
    assert structs == ["alpha", "beta"]
    assert unions == ["uu"]


def test_list_types_empty_for_fresh_ffi(ffi):
    assert ffi.list_types() == ([], [], [])


def test_getctype_with_replace_with(ffi):
    assert ffi.getctype("int") == "int"
    assert ffi.getctype("int", "*a") == "int *a"
    assert ffi.getctype("int *", "[3]") == "int *[3]"
    assert ffi.getctype("int[3]", "*") == "int(*)[3]"
    assert ffi.getctype("int[5]", "*p") == "int(*p)[5]"
    assert ffi.getctype("int[3]", "[4]") == "int[4][3]"
    assert ffi.getctype("int(*)(int)", "f") == "int(* f)(int)"
    assert ffi.getctype("char *", "x") == "char * x"


def test_getctype_accepts_ctype_objects(ffi):
    assert ffi.getctype(ffi.typeof("char *"), "*") == "char * *"
    assert ffi.getctype(ffi.typeof("unsigned")) == "unsigned int"


def test_typeof_cdata_returns_its_ctype(ffi):
    p = ffi.new("int *")
    assert ffi.typeof(p) is ffi.typeof("int *")
    assert ffi.typeof(ffi.new("int[3]")) is ffi.typeof("int[3]")


def test_typeof_rejects_non_cdata_non_string(ffi):
    with pytest.raises(TypeError):
        ffi.typeof(42)
    with pytest.raises(TypeError):
        ffi.typeof(ffi.typeof("int"))


def test_typeof_unknown_identifier_is_cdef_error(ffi):
    with pytest.raises(cffi_impl.CDefError, match="unknown identifier 'xyz'"):
        ffi.typeof("xyz")


def test_typeof_undeclared_struct_creates_opaque_type(ffi):
    t = ffi.typeof("struct never_declared")
    assert t.kind == "struct"
    assert t.fields is None
    with pytest.raises(TypeError, match="cannot instantiate ctype 'struct never_declared' of unknown size"):
        ffi.new("struct never_declared *")


def test_module_exception_classes(ffi_mod):
    for name in ("CDefError", "FFIError", "VerificationError", "VerificationMissing"):
        cls = getattr(ffi_mod, name)
        assert issubclass(cls, Exception)


def test_typedef_dots_pointer_names_an_opaque_struct(ffi):
    ffi.cdef("typedef ... *opaque_p;")
    t = ffi.typeof("opaque_p")
    assert t.cname == "struct $$opaque_p *"
    assert t.item.kind == "struct"


def test_long_double_cdata_keeps_its_precision(ffi):
    # a 'long double' cdata passed as argument or stored is copied, not
    # rounded through a Python float
    if ffi.sizeof("long double") == ffi.sizeof("double"):
        pytest.skip("long double is double here")
    ffi.cdef("long double sqrtl(long double); long double fmal(long double, long double, long double);")
    m = ffi.dlopen("m")
    a = m.sqrtl(2.0)
    assert abs(float(m.fmal(a, a, -2.0))) < 1e-18
    p = ffi.new("long double[1]", [a])
    assert abs(float(m.fmal(p[0], p[0], -2.0))) < 1e-18


def test_cast_to_bool_of_large_ints(ffi):
    for value, expected in [(1, 1), (0, 0), (-1, 1), (10**200, 1), (10**40000, 1), (2**64, 1), (True, 1)]:
        assert int(ffi.cast("_Bool", value)) == expected


def test_cast_calls_dunder_int(ffi):
    class Foo(object):
        def __int__(self):
            return self.value

    f = Foo()
    f.value = 2**64 + 42
    assert int(ffi.cast("int", f)) == 42
    f.value = 42
    assert int(ffi.cast("_Bool", f)) == 1
    f.value = 0
    assert int(ffi.cast("_Bool", f)) == 0
    with pytest.raises(TypeError):
        ffi.cast("_Bool", [])


def test_function_type_with_an_opaque_record_by_value_is_refused(ffi):
    ffi.cdef("struct op; struct later; void take(struct later);")
    with pytest.raises(TypeError) as e:
        ffi.typeof("void(*)(struct op)")
    assert str(e.value) == "ctype 'struct op' has incomplete type"
    with pytest.raises(TypeError):
        ffi.typeof("struct op(*)(int)")
    # by pointer is fine, and so is a record completed later
    assert ffi.typeof("void(*)(struct op *)").kind == "function"
    ffi.cdef("struct later { int x; };")
    assert ffi.typeof("void(*)(struct later)").args[0] is ffi.typeof("struct later")
    # ffi.new of a struct builds its fields' types: the same error
    ffi.cdef("struct holder { void (*x)(struct op); };")
    with pytest.raises(TypeError):
        ffi.new("struct holder *")


def test_private_typeof_used_by_code_written_for_cffi(ffi, ffi_mod):
    # ffi._typeof(): cffi's demo/api.py and others call it (issue 10)
    assert ffi._typeof("int *") is ffi.typeof("int *")
    with pytest.raises(ffi_mod.CDefError, match=r"the type 'int\(int\)' is a function type, not a pointer-to-function type"):
        ffi._typeof("int(int)")
    fp = ffi._typeof("int(int)", consider_function_as_funcptr=True)
    assert fp is ffi.typeof("int(*)(int)")
    assert ffi.getctype(fp, "name") == "int(* name)(int)"
    assert ffi.callback(fp, lambda x: x + 1)(41) == 42
