//! The exact text of every diagnostic, pinned with insta snapshots.
//!
//! Each case is rendered as `kind: Display` so both the exception class
//! and the message (location, source line, caret) are pinned.

use cdecl::{CdefOptions, Registry, TypeArena};

fn cdef_err(prelude: &str, src: &str) -> String {
    let mut arena = TypeArena::new();
    let mut reg = Registry::new();
    if !prelude.is_empty() {
        reg.cdef(&mut arena, prelude, &CdefOptions::default()).unwrap();
    }
    match reg.cdef(&mut arena, src, &CdefOptions::default()) {
        Ok(_) => panic!("no error for {src:?}"),
        Err(e) => format!("{:?}: {e}", e.kind),
    }
}

fn type_err(prelude: &str, src: &str) -> String {
    let mut arena = TypeArena::new();
    let mut reg = Registry::new();
    if !prelude.is_empty() {
        reg.cdef(&mut arena, prelude, &CdefOptions::default()).unwrap();
    }
    match reg.parse_type(&mut arena, src) {
        Ok(_) => panic!("no error for {src:?}"),
        Err(e) => format!("{:?}: {e}", e.kind),
    }
}

macro_rules! cases {
    ($f:ident, $( $name:ident : $prelude:expr, $src:expr; )*) => {
        $(
            insta::assert_snapshot!(stringify!($name), $f($prelude, $src));
        )*
    };
}

#[test]
fn cdef_diagnostics() {
    cases! { cdef_err,
        unknown_type_name: "", "foo_bar_t x;";
        unknown_type_in_param: "", "int f(int a, foo_t *b);";
        knr_param: "", "int f(x);";
        missing_semicolon: "", "int x";
        missing_semicolon_next_line: "", "extern int x\nextern int y;";
        unclosed_array: "", "extern int x[4";
        function_body: "", "int f(int x) { return x; }";
        include_directive: "", "#include <stdio.h>\nint f(int);";
        if_directive: "", "#if 1\nint x;\n#endif";
        define_float: "", "#define X 3.14";
        define_macro_fn: "", "#define X(a) a";
        define_name: "", "#define FOO bar";
        define_string: "", "#define FOO \"str\"";
        define_missing_name: "", "#define";
        duplicate_struct: "", "struct s { int a; };\nstruct s { int b; };";
        duplicate_struct_later: "struct s { int a; };", "struct s { long b; };";
        int128: "", "__int128 x;";
        unsigned_int128: "", "extern unsigned __int128 x;";
        unsigned_double: "", "extern unsigned double x;";
        long_long_long: "", "extern long long long x;";
        two_types: "", "extern int char x;";
        typedef_no_name: "", "typedef int;";
        int_no_name: "", "int;";
        decl_after_function: "", "int f(int) int;";
        only_ellipsis: "", "void f(...);";
        array_unknown_const: "", "extern int a[n];";
        array_float_len: "", "extern int a[1.5];";
        array_negative: "", "extern int a[-1];";
        array_div_zero: "", "extern int a[1/0];";
        array_overflow: "", "extern int a[1 << 200];";
        array_dotdotdot_param: "", "int f(int[...]);";
        array_of_functions: "", "extern int a[3](int);";
        function_returning_function: "", "int f(int)(long);";
        function_returning_array: "", "int f(int)[3];";
        void_param: "", "int f(void, int);";
        void_array: "", "extern void a[3];";
        dots_variable: "", "extern ... x;";
        dots_pointer_pointer: "", "typedef ... **p;";
        dots_int_pointer: "", "typedef int... *p;";
        partial_no_name: "", "struct { int x; ...; };";
        partial_bitfields: "", "struct s { ...; int x : 3; };";
        bitfield_negative: "", "struct s { int x : -1; };";
        duplicate_field: "", "struct s { int a; long a; };";
        flexible_not_last: "", "struct s { int a[]; int b; };";
        field_no_name: "", "struct s { int; };";
        field_function: "", "struct s { int f(int); };";
        struct_unclosed: "", "struct s { int a;";
        extern_python_variable: "", "extern \"Python\" int x;";
        extern_python_unclosed: "", "extern \"Python\" { int f(int);";
        extern_c: "", "extern \"C\" { int f(int); }";
        redeclared_function: "", "int f(int);\nint f(long);";
        identical_function: "", "int f(int);\nint f(int);";
        redeclared_typedef: "", "typedef int T; typedef long T;";
        redeclared_typedef_later: "typedef int T;", "typedef long T;";
        redefined_constant: "#define X 1", "#define X 2";
        unterminated_comment: "", "int f(int); /* oops";
        bad_character: "", "int f(int) @;";
        unterminated_char: "", "enum e { A = 'x };";
        multichar: "", "enum e { A = 'ab' };";
        bad_escape: "", "enum e { A = '\\q' };";
        unterminated_string: "", "extern \"Python int f(int);";
        bad_int_literal: "", "extern int a[0x];";
        bad_octal: "", "extern int a[09];";
        stray_hash: "", "int f(int) # 3;";
        sizeof_expr: "", "extern int a[sizeof 3];";
        cast_non_int: "", "extern int a[(double)3];";
        unknown_define_value: "#define N ...", "extern int a[N];";
        deep_nesting: "", &format!("extern int {}x{};", "(".repeat(300), ")".repeat(300));
        deep_expression: "", &format!("extern int a[{}1{}];", "(".repeat(300), ")".repeat(300));
        storage_in_field: "", "struct s { static int x; };";
        two_storage: "", "extern static int x;";
        statement_keyword: "", "return 0;";
        initializer_unterminated: "", "static const double D = (1.0";
        asm_unclosed: "", "int f(int) __asm__(\"sym\";";
        attribute_unclosed: "", "int f(int) __attribute__((noreturn);";
        struct_no_tag: "", "struct;";
        function_initializer: "", "int f(int) = 3;";
        empty_enumerator: "", "enum e { A, , B };";
        var_length_array: "", "int f(int a[*]);";
        tab_in_line: "", "\tint\tx y;";
        pragma_is_ok_but_include_not: "", "#pragma pack(1)\n#include \"x.h\"";
    }
}

#[test]
fn enum_diagnostics() {
    cases! { cdef_err,
        enum_twice: "", "enum e {X}; enum e {Y};";
        enum_twice_later: "enum e {X};", "enum e {Y};";
        enum_unknown_value: "", "enum e { A = x };";
        enum_constant_conflict: "enum e { A, B };", "enum f { A = 1, B };";
        enum_missing_comma: "", "enum e { A B };";
        enum_bad_token: "", "enum e { 3 };";
        enum_unclosed: "", "enum e { A,";
        enum_dots_name: "", "enum ... x;";
    }
}

/// Malformed text: each message says what was expected, where, and what
/// was found instead (never a complaint about something else).
#[test]
fn malformed_cdef_diagnostics() {
    cases! { cdef_err,
        void_unclosed: "", "int g(void";
        void_then_semicolon: "", "int g(void;";
        params_unclosed: "", "int g(int a, long";
        params_trailing_comma: "", "int f(int x,);";
        params_after_ellipsis: "", "void f(int, ...,);";
        extra_close_brace: "", "struct s { int x; }};";
        stray_close_brace: "", "int f(int);\n}";
        nested_struct_unclosed: "", "struct s { struct t { int a; };";
        struct_missing_semicolon_at_end: "", "struct s { int x; }";
        field_missing_semicolon: "", "struct { int x }";
        stray_close_paren: "", "int f(int));";
        lone_close_paren: "", ")";
        bitfield_no_width: "", "struct s { int x : ; };";
        enumerator_no_value: "", "enum e { A = , B };";
        aligned_not_power_of_two: "", "struct s { int x; } __attribute__((aligned(3)));";
    }
}

/// C's one scope for typedef names and other identifiers, as cffi keeps
/// it: a typedef name cannot also name a function, variable, constant or
/// enumerator (even from a later cdef, even with override), nor the other
/// way round within one text.
#[test]
fn typedef_name_clash_diagnostics() {
    cases! { cdef_err,
        clash_typedef_then_enumerator: "", "typedef int X;\nenum e { A, X };";
        clash_typedef_then_enumerator_later: "typedef int X;", "enum e { X = 5 };";
        clash_typedef_then_function: "typedef int X;", "int X(int);";
        clash_typedef_then_variable: "", "typedef struct { int a; } X;\nextern int Y, X;";
        clash_typedef_then_static_const: "", "typedef int X; static const int X = 3;";
        clash_typedef_then_extern_python: "", "typedef int X; extern \"Python\" int X(int);";
        clash_enumerator_then_typedef: "", "enum e { X };\ntypedef int X;";
        clash_function_then_typedef: "", "int X(int);\ntypedef int Y, X;";
    }
}

#[test]
fn type_string_diagnostics() {
    cases! { type_err,
        type_two_idents: "", "foo bar";
        type_ampersand: "", "int *&";
        type_struct_no_tag: "", "struct";
        type_unknown_identifier: "", "nope_t";
        type_unknown_pointer: "", "nope_t *";
        type_declared_not_type: "int f(int);", "f";
        type_empty: "", "";
        type_negative_len: "", "int[-1]";
        type_float_len: "", "int[1.5]";
        type_dots_len: "", "int[...]";
        type_name_then_junk: "", "int x y";
        type_unclosed_paren: "", "int (*";
        type_unsupported: "", "unsigned double";
        type_dots: "", "...";
    }
}
