//! Behaviour of the cdef parser: what it accepts and what it builds.

use cdecl::names::{type_name, type_name_around};
use cdecl::{
    Abi, ArrayLen, CdefOptions, ConstValue, DeclKind, ErrorKind, Packing, Prim, Quals, Registry, Type, TypeArena, TypeId,
};

struct Ffi {
    arena: TypeArena,
    reg: Registry,
    warnings: Vec<String>,
}

impl Ffi {
    fn new() -> Ffi {
        Ffi { arena: TypeArena::new(), reg: Registry::new(), warnings: Vec::new() }
    }

    fn cdef(&mut self, src: &str) -> &mut Self {
        let r = self.reg.cdef(&mut self.arena, src, &CdefOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        self.warnings.extend(r.warnings);
        self
    }

    fn cdef_with(&mut self, src: &str, opts: CdefOptions) -> Result<(), cdecl::Error> {
        self.reg.cdef(&mut self.arena, src, &opts).map(|r| self.warnings.extend(r.warnings))
    }

    fn try_cdef(&mut self, src: &str) -> Result<(), cdecl::Error> {
        self.cdef_with(src, CdefOptions::default())
    }

    fn ty(&mut self, t: &str) -> TypeId {
        self.reg.parse_type(&mut self.arena, t).unwrap_or_else(|e| panic!("{e}"))
    }

    /// cname of the unqualified type, as cffi prints it.
    fn cname(&mut self, t: &str) -> String {
        let id = self.ty(t);
        let id = self.arena.unqualified(id);
        type_name(&self.arena, id)
    }

    fn decl(&self, name: &str) -> DeclKind {
        self.reg.lookup(name).unwrap_or_else(|| panic!("no declaration {name}")).kind.clone()
    }

    fn decl_cname(&mut self, name: &str) -> String {
        let ty = match self.decl(name) {
            DeclKind::Function { ty, .. } | DeclKind::Variable { ty } | DeclKind::Constant { ty, .. } => ty,
            DeclKind::EnumConstant { ty, .. } | DeclKind::ExternPython { ty, .. } => ty,
        };
        let ty = self.arena.unqualified(ty);
        type_name(&self.arena, ty)
    }
}

#[test]
fn primitive_spellings() {
    let mut f = Ffi::new();
    for (src, want) in [
        ("unsigned", "unsigned int"),
        ("long long int", "long long"),
        ("long unsigned", "unsigned long"),
        ("short int", "short"),
        ("short unsigned", "unsigned short"),
        ("signed char", "signed char"),
        ("signed", "int"),
        ("signed int", "int"),
        ("unsigned long long int", "unsigned long long"),
        ("long int", "long"),
        ("long double", "long double"),
        ("_Bool", "_Bool"),
        ("bool", "_Bool"),
        ("char", "char"),
        ("wchar_t", "wchar_t"),
        ("char16_t", "char16_t"),
        ("char32_t", "char32_t"),
        ("float _Complex", "_cffi_float_complex_t"),
        ("double _Complex", "_cffi_double_complex_t"),
        ("size_t", "size_t"),
        ("ssize_t", "ssize_t"),
        ("int_least16_t", "int_least16_t"),
        ("uint_fast64_t", "uint_fast64_t"),
        ("intmax_t", "intmax_t"),
        ("void", "void"),
        ("const volatile int", "int"),
    ] {
        assert_eq!(f.cname(src), want, "{src}");
    }
    for p in Prim::ALL {
        if p.name().ends_with("_t") && !p.name().starts_with("_cffi") {
            assert_eq!(f.cname(p.name()), p.name());
        }
    }
}

#[test]
fn derived_cnames() {
    let mut f = Ffi::new();
    for (src, want) in [
        ("int *", "int *"),
        ("int[10]", "int[10]"),
        ("int(*)(int)", "int(*)(int)"),
        ("int(*[3])(char *, double)", "int(*[3])(char *, double)"),
        ("int(*)[5]", "int(*)[5]"),
        ("void(*)(int, ...)", "void(*)(int, ...)"),
        ("int(*)(void)", "int(*)()"),
        ("char*[3]", "char *[3]"),
        ("int[]", "int[]"),
        ("int*[]", "int *[]"),
        ("int(**)(int)", "int(* *)(int)"),
        ("int(*(*)(int))(long)", "int(*(*)(int))(long)"),
        ("char *(*)(int)", "char *(*)(int)"),
        ("int[2][3]", "int[2][3]"),
        ("int * const", "int *"),
        ("const char * const *", "char * *"),
        ("FILE *", "FILE *"),
        ("FILE", "FILE"),
        ("int (*)(int a[], char b[3], int cb(int))", "int(*)(int *, char *, int(*)(int))"),
    ] {
        assert_eq!(f.cname(src), want, "{src}");
    }
}

#[test]
fn getctype_spelling() {
    let mut f = Ffi::new();
    let a5 = f.ty("int[5]");
    assert_eq!(type_name_around(&f.arena, a5, "*x"), "int(*x)[5]");
    assert_eq!(type_name_around(&f.arena, a5, "[3]"), "int[3][5]");
    assert_eq!(type_name_around(&f.arena, a5, "(*x)"), "int(*x)[5]");
    let p = f.ty("int *");
    assert_eq!(type_name_around(&f.arena, p, "x"), "int * x");
    assert_eq!(type_name_around(&f.arena, p, "[3]"), "int *[3]");
    let fp = f.ty("int(*)(int)");
    assert_eq!(type_name_around(&f.arena, fp, "x"), "int(* x)(int)");
    let i = f.ty("int");
    assert_eq!(type_name_around(&f.arena, i, "*"), "int *");
    assert_eq!(type_name_around(&f.arena, i, "  x "), "int x");
}

#[test]
fn typedef_names_records() {
    let mut f = Ffi::new();
    f.cdef(
        "typedef struct s2 s2_t;
         typedef struct { int x; } point;
         typedef struct s3 { int x; } *s3p, s3_t;
         typedef struct s4 *s4p; typedef struct s4 s4_t;
         typedef enum { EA, EB } en_t;
         typedef union u1 u1_t;
         typedef int arr5[5];
         typedef int (*fp)(int, char*);
         typedef void (*cb)(int, ...);",
    );
    for (src, want) in [
        ("struct s2", "s2_t"),
        ("s2_t", "s2_t"),
        ("point", "point"),
        ("struct s3", "struct s3"),
        ("s3p", "struct s3 *"),
        ("s3_t", "struct s3"),
        ("s4p", "s4_t *"),
        ("struct s4", "s4_t"),
        ("en_t", "en_t"),
        ("union u1", "u1_t"),
        ("arr5", "int[5]"),
        ("fp", "int(*)(int, char *)"),
        ("cb", "void(*)(int, ...)"),
    ] {
        assert_eq!(f.cname(src), want, "{src}");
    }
    assert_eq!(f.reg.typedef_names()[0], "s2_t");
    assert_eq!(f.reg.typedef("point"), Some(f.ty("point")));
}

#[test]
fn struct_bodies() {
    let mut f = Ffi::new();
    f.cdef(
        "struct a { int x, *y; char c[4]; struct { int p; }; union { int q; float r; }; };
         struct bits { int a : 3; int : 0; unsigned : 2; long b : 5; };
         struct flex { int n; double d[]; };
         struct part { int x; ...; };
         struct parr { int x[...]; };
         struct fwd;
         struct self_ref { struct self_ref *next; };",
    );
    let t = f.ty("struct a");
    let Type::Record(rid) = *f.arena.get(t) else { panic!() };
    let r = f.arena.record(rid);
    let names: Vec<&str> = r.fields.as_ref().unwrap().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["x", "y", "c", "", ""]);
    assert!(!r.partial);
    let t = f.ty("struct bits");
    let Type::Record(rid) = *f.arena.get(t) else { panic!() };
    let bits: Vec<Option<u32>> = f.arena.record(rid).fields.as_ref().unwrap().iter().map(|f| f.bitsize).collect();
    assert_eq!(bits, vec![Some(3), Some(0), Some(2), Some(5)]);
    for (name, partial) in [("struct part", true), ("struct parr", true), ("struct flex", false)] {
        let t = f.ty(name);
        let Type::Record(rid) = *f.arena.get(t) else { panic!() };
        assert_eq!(f.arena.record(rid).partial, partial, "{name}");
    }
    let t = f.ty("struct fwd");
    let Type::Record(rid) = *f.arena.get(t) else { panic!() };
    assert!(f.arena.record(rid).fields.is_none());
    // completing a forward declaration keeps the identity
    f.cdef("struct fwd { int z; };");
    assert_eq!(f.ty("struct fwd"), t);
    assert!(f.arena.record(rid).fields.is_some());
    assert_eq!(f.cname("struct parr"), "struct parr");
}

#[test]
fn packing_option() {
    let mut f = Ffi::new();
    f.cdef_with("struct p { char a; int b; };", CdefOptions { packing: Packing::Pack(1), ..CdefOptions::default() }).unwrap();
    f.cdef("struct q { char a; int b; };");
    let p = f.ty("struct p");
    let q = f.ty("struct q");
    let (Type::Record(rp), Type::Record(rq)) = (f.arena.get(p).clone(), f.arena.get(q).clone()) else { panic!() };
    assert_eq!(f.arena.record(rp).packing, Packing::Pack(1));
    assert_eq!(f.arena.record(rq).packing, Packing::Natural);
}

#[test]
fn functions() {
    let mut f = Ffi::new();
    f.cdef(
        "int f0(void);
         int f1();
         int printf(const char *fmt, ...);
         void f2(int a[], char b[3], int cb(int));
         int (*getfp(int))(double);
         int __stdcall sc(int);
         int WINAPI wa(int);
         int __cdecl cd(int);
         void (__stdcall *cbp)(int);
         int with_asm(int) __asm__(\"real_sym\");
         static inline int sf(int);",
    );
    assert_eq!(f.decl_cname("f0"), "int()()");
    assert_eq!(f.decl_cname("f1"), "int()()");
    assert_eq!(f.decl_cname("printf"), "int()(char *, ...)");
    assert_eq!(f.decl_cname("f2"), "void()(int *, char *, int(*)(int))");
    assert_eq!(f.decl_cname("getfp"), "int(*()(int))(double)");
    // `__stdcall` is a calling convention of its own only on 32-bit Windows
    let stdcall = if cfg!(all(windows, target_pointer_width = "32")) { Abi::Stdcall } else { Abi::Default };
    for name in ["sc", "wa"] {
        let DeclKind::Function { ty, .. } = f.decl(name) else { panic!() };
        let Type::Function(ft) = f.arena.get(ty) else { panic!() };
        assert_eq!(ft.abi, stdcall, "{name}");
    }
    let DeclKind::Function { ty, .. } = f.decl("cd") else { panic!() };
    let Type::Function(ft) = f.arena.get(ty) else { panic!() };
    assert_eq!(ft.abi, Abi::Default);
    let DeclKind::Variable { ty } = f.decl("cbp") else { panic!() };
    let Type::Pointer(fun) = *f.arena.get(ty) else { panic!() };
    let Type::Function(ft) = f.arena.get(fun) else { panic!() };
    assert_eq!(ft.abi, stdcall);
    let DeclKind::Function { asm_name, .. } = f.decl("with_asm") else { panic!() };
    assert_eq!(asm_name.as_deref(), Some("real_sym"));
    // function types in parse_type
    let t = f.ty("int(int)");
    assert!(matches!(f.arena.get(t), Type::Function(_)));
}

#[test]
fn globals_and_constants() {
    let mut f = Ffi::new();
    f.cdef(
        "extern int x; int y; const int z; static const int N; static const int M = 5;
         static const long NEG = -7; extern const char *const names[];
         #define D1 42
         #define D2 ...
         #define D3 0x1F
         #define D4 -5
         #define D5 10UL
         #define D6 'c'
         #define D7 010
         #define D8 0b101
         extern int arr[D1];",
    );
    assert_eq!(f.warnings, vec!["Global variable 'y' in cdef(): for consistency with C it should have a storage class specifier (usually 'extern')".to_string()]);
    assert!(matches!(f.decl("x"), DeclKind::Variable { .. }));
    let DeclKind::Variable { ty } = f.decl("z") else { panic!() };
    assert_eq!(f.arena.quals_of(ty), Quals::CONST);
    assert!(matches!(f.decl("N"), DeclKind::Constant { value: ConstValue::Unknown, .. }));
    assert!(matches!(f.decl("M"), DeclKind::Constant { value: ConstValue::Int(5), .. }));
    assert!(matches!(f.decl("NEG"), DeclKind::Constant { value: ConstValue::Int(-7), .. }));
    assert!(matches!(f.decl("names"), DeclKind::Variable { .. }));
    for (n, v) in [("D1", 42), ("D3", 31), ("D4", -5), ("D5", 10), ("D6", 99), ("D7", 8), ("D8", 5)] {
        assert!(matches!(f.decl(n), DeclKind::Constant { value: ConstValue::Int(x), .. } if x == v), "{n}");
    }
    assert!(matches!(f.decl("D2"), DeclKind::Constant { value: ConstValue::Unknown, .. }));
    assert_eq!(f.decl_cname("arr"), "int[42]");
}

#[test]
fn constant_expressions() {
    let mut f = Ffi::new();
    f.cdef(
        "#define N 4
         static const int K = N * 2 + 1;
         int a1[N << 2 | 1];
         int a2[(1 + 2) * 3 - 4 / 3 % 2];
         int a3[K];
         int a4[(int)4];
         int a5[(unsigned char)300];
         int a6[N > 3 ? 7 : 9];
         int a7[!0 + ~-2 + (3 && 0) + (0 || 5)];
         int a8['a' - 'a' + 2];
         int a9[-7 / 2 + 10];
         int a10[-7 % 3 + 10];",
    );
    for (n, want) in [
        ("a1", "int[17]"),
        ("a2", "int[8]"),
        ("a3", "int[9]"),
        ("a4", "int[4]"),
        ("a5", "int[44]"),
        ("a6", "int[7]"),
        ("a7", "int[3]"),
        ("a8", "int[2]"),
        ("a9", "int[7]"),
        ("a10", "int[9]"),
    ] {
        assert_eq!(f.decl_cname(n), want, "{n}");
    }
}

#[test]
fn unknown_and_opaque_typedefs() {
    let mut f = Ffi::new();
    f.cdef("typedef int... foo_t; typedef float... f_t; typedef double ... d_t; typedef ... opaque_t; typedef unsigned long... ul_t;");
    let t = f.ty("foo_t");
    assert_eq!(f.arena.get(t), &Type::UnknownInt("foo_t".into()));
    let t = f.ty("f_t");
    assert_eq!(f.arena.get(t), &Type::UnknownFloat("f_t".into()));
    assert_eq!(f.cname("opaque_t"), "opaque_t");
    assert_eq!(f.cname("opaque_t *"), "opaque_t *");
    assert_eq!(f.cname("ul_t"), "ul_t");
}

#[test]
fn extern_python() {
    let mut f = Ffi::new();
    f.cdef(
        "extern \"Python\" int cb1(int);
         extern \"Python\" { int cb2(int); void cb3(void); }
         extern \"Python+C\" { int cb4(int); }
         extern \"C+Python\" int cb5(int);
         int normal(int);",
    );
    assert!(matches!(f.decl("cb1"), DeclKind::ExternPython { plus_c: false, .. }));
    assert!(matches!(f.decl("cb3"), DeclKind::ExternPython { plus_c: false, .. }));
    assert!(matches!(f.decl("cb4"), DeclKind::ExternPython { plus_c: true, .. }));
    assert!(matches!(f.decl("cb5"), DeclKind::ExternPython { plus_c: true, .. }));
    assert!(matches!(f.decl("normal"), DeclKind::Function { .. }));
}

#[test]
fn dllexport_functions_are_exported_extern_python() {
    let mut f = Ffi::new();
    let opts = CdefOptions { dllexport: true, ..CdefOptions::default() };
    f.cdef_with("typedef struct { int x; } p_t; int add(p_t *, int); extern int glob; extern \"Python\" void cb(void);", opts)
        .unwrap();
    assert!(matches!(f.decl("add"), DeclKind::ExternPython { plus_c: true, dllexport: true, .. }));
    assert!(matches!(f.decl("cb"), DeclKind::ExternPython { dllexport: true, .. }));
    assert!(matches!(f.decl("glob"), DeclKind::Variable { .. }));
    f.cdef("int plain(int);");
    assert!(matches!(f.decl("plain"), DeclKind::Function { .. }));
}

#[test]
fn redeclarations() {
    let mut f = Ffi::new();
    f.cdef("typedef int a; typedef int a; extern int x; extern int x; struct s; struct s; typedef struct s s_t; typedef s_t s_t2;");
    f.cdef("typedef int a; extern int x;");
    let e = f.try_cdef("typedef long a;").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Ffi);
    // override replaces
    f.cdef_with("typedef long a; int x;", CdefOptions { override_existing: true, ..CdefOptions::default() }).unwrap();
    assert_eq!(f.cname("a"), "long");
    // cffi builds a new object for every function type: always a conflict
    assert_eq!(f.try_cdef("int g(int); int g(int);").unwrap_err().kind, ErrorKind::Ffi);
    f.cdef("#define X 1\n#define X 1");
    f.cdef("#define X 1");
    assert_eq!(f.try_cdef("#define X 2").unwrap_err().kind, ErrorKind::Ffi);
}

#[test]
fn failed_cdef_adds_nothing() {
    let mut f = Ffi::new();
    f.cdef("struct fwd; typedef struct fwd fwd_t;");
    let before = f.arena.record_count();
    let e = f.try_cdef("struct fwd { int a; }; typedef struct s9 s9_t; int ok(int); int bad(foo_t);").unwrap_err();
    assert!(e.to_string().contains("unknown type 'foo_t'"), "{e}");
    assert!(f.reg.lookup("ok").is_none());
    assert!(f.reg.typedef("s9_t").is_none());
    let t = f.ty("struct fwd");
    let Type::Record(rid) = *f.arena.get(t) else { panic!() };
    assert!(f.arena.record(rid).fields.is_none(), "the completion was rolled back");
    assert!(f.arena.record_count() >= before);
    f.cdef("struct fwd { int a; };");
}

#[test]
fn include_other() {
    let mut arena = TypeArena::new();
    let mut base = Registry::new();
    base.cdef(&mut arena, "typedef struct pt { int x; } pt_t;\n#define BASE_N 3\n int bf(int);", &CdefOptions::default()).unwrap();
    let mut reg = Registry::new();
    reg.include(&base).unwrap();
    reg.cdef(&mut arena, "pt_t *mk(int); extern int arr[BASE_N];", &CdefOptions::default()).unwrap();
    assert!(reg.lookup("bf").is_none());
    let t = reg.parse_type(&mut arena, "struct pt").unwrap();
    assert_eq!(Some(t), base.struct_tag("pt"));
    let mut other = Registry::new();
    other.cdef(&mut arena, "typedef long pt_t;", &CdefOptions::default()).unwrap();
    assert_eq!(reg.include(&other).unwrap_err().kind, ErrorKind::Ffi);
}

#[test]
fn comments_continuations_and_windows_types() {
    let mut f = Ffi::new();
    f.cdef("/* block\n comment */ int // line\n f(int); \\\n int g(DWORD, HANDLE, LPCSTR);\n#define LONG_ONE \\\n 7\n");
    assert_eq!(f.decl_cname("g"), "void()()".replace("void()()", "int()(unsigned long, void *, char *)").as_str());
    // user declarations shadow the built-in names
    f.cdef("typedef int DWORD2; typedef char BOOL;");
    assert_eq!(f.cname("BOOL"), "char");
    assert!(matches!(f.decl("LONG_ONE"), DeclKind::Constant { value: ConstValue::Int(7), .. }));
}

#[test]
fn arrays_in_declarations() {
    let mut f = Ffi::new();
    f.cdef("extern int m[3][4]; extern int (*pa)[4]; extern int open_arr[]; typedef int tarr[...]; extern char (*fns[2])(int);");
    assert_eq!(f.decl_cname("m"), "int[3][4]");
    assert_eq!(f.decl_cname("pa"), "int(*)[4]");
    assert_eq!(f.decl_cname("open_arr"), "int[]");
    let t = f.ty("tarr");
    assert!(matches!(f.arena.get(t), Type::Array { len: ArrayLen::Unknown(_), .. }));
    assert_eq!(f.decl_cname("fns"), "char(*[2])(int)");
}

#[test]
fn tags_first_seen_in_type_strings() {
    let mut f = Ffi::new();
    let a = f.ty("struct never_declared");
    let b = f.ty("struct never_declared *");
    assert_eq!(f.arena.get(b), &Type::Pointer(a));
    // a later cdef completes the very same type
    f.cdef("struct never_declared { int x; };");
    assert_eq!(f.ty("struct never_declared"), a);
    assert_eq!(f.reg.struct_tag("never_declared"), Some(a));
    let Type::Record(rid) = *f.arena.get(a) else { panic!() };
    assert!(f.arena.record(rid).fields.is_some());
}

/// `gcc -E` line markers may stand on any line of cdef() text (inside an
/// enum, a struct body, a parameter list) and move the position errors
/// report to the file and line they name.
#[test]
fn line_markers_anywhere_and_in_error_positions() {
    let mut f = Ffi::new();
    f.cdef("enum e {\n# 3 \"zstd.h\"\n A,\n#line 12 \"zstd.h\"\n B };\nstruct s {\n# 1 \"<built-in>\" 1 3 4\n int a;\n#line 7\n long b; };\nint g(int a,\n# 9 \"x.h\" 2\n long b);");
    let t = f.reg.parse_type(&mut f.arena, "struct s").unwrap();
    assert_eq!(cdecl::layout::size_align(&mut f.arena, t).unwrap(), (16, 8));
    assert!(f.reg.lookup("B").is_some() && f.reg.lookup("g").is_some());

    let cases = [
        ("# 366 \"/tmp/x.h\"\nint f(int);\nint x y;", "/tmp/x.h", 367, 7),
        ("# 12 \"a.h\"\n#line 40\nint f(int);\n\nfoo_t x;", "a.h", 42, 1),
        ("#line 12\nint f(int);\n\nfoo_t x;", "<cdef source string>", 14, 1),
        ("struct s {\n# 3 \"zstd.h\"\n int a;\n#line 12\n int b x; };", "zstd.h", 12, 8),
        ("# 5 \"x.h\"\n\nint a @;", "x.h", 6, 7),
    ];
    for (src, file, line, column) in cases {
        let e = Ffi::new().try_cdef(src).unwrap_err();
        let loc = e.into_diagnostic().location.unwrap_or_else(|| panic!("no location for {src:?}"));
        assert_eq!((loc.source_name.as_str(), loc.line, loc.column, loc.from_line_marker), (file, line, column, true), "{src:?}");
    }
    // without a marker the position is the text's own
    let loc = Ffi::new().try_cdef("int f(int);\nint x y;").unwrap_err().into_diagnostic().location.unwrap();
    assert_eq!((loc.source_name.as_str(), loc.line, loc.from_line_marker), ("<cdef source string>", 2, false));
}

#[test]
fn types_nested_deeper_than_the_limit_are_refused_not_a_stack_overflow() {
    let mut f = Ffi::new();
    // 200 levels are fine; the walks over them (names, unqualified) work
    let ok = format!("int{}", "*".repeat(200));
    let id = f.ty(&ok);
    assert_eq!(f.arena.depth(id), 200);
    assert_eq!(f.cname(&ok).matches('*').count(), 200);
    // far beyond: a clear error (before, 200,000 pointers overflowed the
    // stack of the recursive walks)
    for deep in [format!("int{}", "*".repeat(200_000)), format!("int{}", "[1]".repeat(100_000))] {
        let e = f.reg.parse_type(&mut f.arena, &deep).unwrap_err();
        assert!(e.to_string().contains("type nested too deep (more than 200 levels"), "{e}");
    }
    // one level at a time, through typedefs, too
    let mut src = String::from("typedef int *T0;\n");
    for i in 1..=250 {
        src.push_str(&format!("typedef T{} *T{i};\n", i - 1));
    }
    let e = f.try_cdef(&src).unwrap_err();
    assert!(e.to_string().contains("type nested too deep"), "{e}");
    // a function type counts its deepest argument or result
    let mut f = Ffi::new();
    let args = format!("int{}", "*".repeat(200));
    let e = f.reg.parse_type(&mut f.arena, &format!("int(*)({args})")).unwrap_err();
    assert!(e.to_string().contains("type nested too deep"), "{e}");
}

#[test]
fn anonymous_records_of_type_strings_go_on_with_the_registry_numbers() {
    // as cffi: one counter per FFI for cdefs and type strings (rcffi gave
    // the type string's struct `$1`, the name of the cdef's other struct)
    let mut f = Ffi::new();
    f.cdef("typedef union { struct { float a; } f2; } t1;");
    assert_eq!(f.cname("struct { float a; } *"), "struct $2 *");
    assert_eq!(f.cname("struct { int b; } *"), "struct $3 *");
    f.cdef("struct { int c; } *g;");
    assert_eq!(f.cname("struct { int d; } *"), "struct $5 *");
    // a type string that fails takes no number
    assert!(f.reg.parse_type(&mut f.arena, "struct { int e; } nope nope").is_err());
    assert_eq!(f.cname("struct { int f; } *"), "struct $6 *");
    // another FFI starts again at $1
    let mut g = Ffi::new();
    assert_eq!(g.cname("struct { float a; } *"), "struct $1 *");
}

/// An error is one pointer wide (the parser's and layout code's `Result`s
/// stay small) and says what kind of text it points into, which decides
/// how rcffi's Python edge words it.
#[test]
fn errors_are_small_and_know_their_origin() {
    assert_eq!(std::mem::size_of::<cdecl::Error>(), std::mem::size_of::<usize>());
    let in_cdef = Ffi::new().try_cdef("int x y;").unwrap_err();
    assert_eq!(in_cdef.location.as_ref().map(|l| l.origin), Some(cdecl::Origin::Cdef));
    let mut f = Ffi::new();
    let in_type = f.reg.parse_type(&mut f.arena, "int x y").unwrap_err();
    let loc = in_type.location.as_ref().expect("a located error");
    assert_eq!((loc.origin, loc.source_name.as_str()), (cdecl::Origin::TypeString, "<type string>"));
    // rendered the same as before: location, message, excerpt
    assert!(in_type.to_string().starts_with("<type string>:1:"), "{in_type}");
}
