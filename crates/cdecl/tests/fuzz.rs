//! Random and mutated cdef text: the parser must never panic or hang,
//! whatever it is given; every failure is an `Error`.
//!
//! Bounded so the whole file runs in a few seconds (about 2000 cases).

use cdecl::{CdefOptions, Registry, TypeArena};
use proptest::prelude::*;

const SEEDS: &[&str] = &[
    "typedef struct foo_s { int a, *b; char c[10]; struct { int x; } inner; union { int p; float q; }; } foo_t, *foo_p;",
    "int f(int, char *, ...); void (*signal(int sig, void (*func)(int)))(int);",
    "enum e { A = 1, B = A << 3, C = 'x', D = -5, E = (int)7 / 2, F = 1 ? 2 : 3, ... };",
    "#define N 42\n#define M ...\nstatic const int K = N * 2;\nextern int arr[N][K];",
    "struct bits { unsigned a : 3; int : 0; long b : 5; int flex[]; };",
    "extern \"Python\" { int cb(int); }\ntypedef int... ui_t; typedef ... opaque_t; typedef float... fl_t;",
    "int __stdcall WINAPI g(DWORD, HANDLE); FILE *fopen(const char *restrict, const char *__restrict);",
    "struct s { int x; ...; }; typedef int arr_t[...]; int (*(*fp[3])(long))[5];",
    "/* comment */ int // line\n x; \\\n extern const volatile unsigned long long int * const * y;",
    "__attribute__((packed)) struct p { char a; int b; } __attribute__((aligned(8))); int h(void) __asm__(\"h2\");",
];

const PIECES: &[&str] = &[
    "int", "char", "struct", "union", "enum", "typedef", "extern", "static", "const", "unsigned", "long", "short",
    "void", "...", "*", "(", ")", "[", "]", "{", "}", ";", ",", ":", "=", "?", "'a'", "'\\n'", "0x1F", "077", "1u",
    "-", "+", "<<", "sizeof", "foo", "bar_t", "#define", "\n#", "\n#define X 1\n", "/*", "*/", "//", "\\\n",
    "\"Python\"", "__attribute__", "__int128", "_Bool", "_Complex", "float", "double", "size_t", "FILE", "x", "y",
    "1/0", "1 << 200", "(int)", "&&", "||", "!", "~", " ", "\n",
];

fn run(src: &str) {
    let mut arena = TypeArena::new();
    let mut reg = Registry::new();
    let _ = reg.cdef(&mut arena, "typedef int bar_t; struct known { int a; };", &CdefOptions::default());
    let r = reg.cdef(&mut arena, src, &CdefOptions::default());
    if let Err(e) = &r {
        // rendering must not panic either
        let _ = e.to_string();
    }
    // a second cdef on the same registry after a failure must still work
    reg.cdef(&mut arena, "extern int after_fuzz;", &CdefOptions::default()).unwrap();
    if let Ok(t) = reg.parse_type(&mut arena, src) {
        let _ = cdecl::names::type_name(&arena, t);
    }
}

fn mutated() -> impl Strategy<Value = String> {
    (0..SEEDS.len(), prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, 0..PIECES.len()), 1..6)).prop_map(
        |(seed, edits)| {
            let mut s: Vec<char> = SEEDS[seed].chars().collect();
            for (idx, op, piece) in edits {
                let at = if s.is_empty() { 0 } else { idx.index(s.len() + 1) };
                match op {
                    0 => {
                        // delete a few chars
                        let end = (at + 3).min(s.len());
                        s.drain(at.min(end)..end);
                    }
                    1 | 2 => {
                        for (k, c) in PIECES[piece].chars().enumerate() {
                            s.insert(at + k, c);
                        }
                    }
                    _ => {
                        // swap with the following char
                        if at + 1 < s.len() {
                            s.swap(at, at + 1);
                        }
                    }
                }
            }
            s.into_iter().collect()
        },
    )
}

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(0..PIECES.len(), 0..40).prop_map(|v| v.into_iter().map(|i| PIECES[i]).collect::<Vec<_>>().join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 800, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_seeds_never_panic(src in mutated()) {
        run(&src);
    }

    #[test]
    fn token_soup_never_panics(src in token_soup()) {
        run(&src);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        run(&src);
    }
}

#[test]
fn pathological_inputs_terminate() {
    for src in [
        "(".repeat(100_000),
        "*".repeat(100_000),
        "int ".to_string() + &"*".repeat(50_000) + "p;",
        "enum e { ".to_string() + &"A".repeat(10) + " = " + &"-".repeat(50_000) + "1 };",
        "struct s { ".to_string() + &"struct { ".repeat(5_000),
        "extern int a[".to_string() + &"1+".repeat(50_000) + "1];",
        "[".repeat(10_000),
        "#define X \\\n".repeat(1000),
        "'\\".to_string(),
        "\"".to_string(),
        "/*".to_string(),
    ] {
        run(&src);
    }
}

// ------------------------------------------------------- preprocessor

/// Headers with every kind of directive and macro use, mutated below.
const PP_SEEDS: &[&str] = &[
    "#define F(x, ...) f(#x, x ## 1, __VA_ARGS__)\n#define G F\nG(a, b, c) F() F(,)\n#undef G\n",
    "#if defined(A) && (B + 1) * 2 > 3 || !defined B\nint a;\n#elif C ? 1 : 0\nint b;\n#else\nint c;\n#endif\n",
    "#ifndef GUARD\n#define GUARD\n#pragma once\n#pragma pack(push, 2)\nstruct s { char c; int i; };\n#pragma pack(pop)\n#endif\n",
    "#define str(s) # s\n#define xstr(s) str(s)\n#define glue(a, b) a ## b\nxstr(glue(HIGH, LOW)) glue(1, 2) str( \"q\\n\" )\n",
    "#define e(fmt, args...) p(fmt, ## args)\n#define o(a, ...) f(a __VA_OPT__(,) __VA_ARGS__)\ne(1) e(1, 2) o(1) o(1, 2)\n",
    "#line 10 \"x.c\"\n__LINE__ __FILE__ __COUNTER__\n#if __has_include(<stddef.h>) && __has_attribute(packed)\n_Pragma(\"pack(1)\") int z;\n#endif\n",
    "typedef struct { int a : 3; unsigned : 0; } __attribute__((packed, aligned(4))) t;\nstatic inline int f(int x) { return x->y; }\n_Static_assert(1, \"\");\n",
    "#define MASK (FLAG(3) | 0x10)\n#define FLAG(n) (1u << (n))\nenum { A = MASK };\nextern __typeof__(A) v; int g(int n, int a[n]) __asm__(\"g2\");\n",
];

const PP_PIECES: &[&str] = &[
    "#", "##", "#define ", "#undef ", "#if ", "#ifdef ", "#ifndef ", "#elif ", "#else", "#endif", "#include ", "#include_next ",
    "#pragma pack(", "#pragma once", "#error ", "#line ", "defined", "__VA_ARGS__", "__VA_OPT__", "_Pragma(", "\"", "'", "\\\n",
    "(", ")", ",", "...", "<", ">", "\n", " ", "/*", "*/", "//", "F(", "G", "x", "1/0", "0x", "__LINE__", "__has_include(",
    "__attribute__((", "{", "}", ";", "struct", "typedef", "int", "*", "[", "]", ":", "?", "-", "<<", "~", "!",
];

fn run_pp(src: &str) {
    let opts = cdecl::preprocess::PpOptions { compiler_headers: false, ..Default::default() };
    if let Err(e) = cdecl::preprocess::preprocess(cdecl::preprocess::Source::Text { name: "fuzz.h", text: src }, &opts) {
        let _ = e.to_string();
    }
    let (mut arena, mut reg) = (TypeArena::new(), Registry::new());
    match cdecl::header::cdef_header_text(&mut reg, &mut arena, "fuzz.h", src, &Default::default()) {
        Ok(_) => {
            for d in reg.declarations() {
                let _ = d.name.len();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fn pp_mutated() -> impl Strategy<Value = String> {
    (0..PP_SEEDS.len(), prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, 0..PP_PIECES.len()), 1..8)).prop_map(
        |(seed, edits)| {
            let mut s: Vec<char> = PP_SEEDS[seed].chars().collect();
            for (idx, op, piece) in edits {
                let at = if s.is_empty() { 0 } else { idx.index(s.len() + 1) };
                match op {
                    0 => {
                        let end = (at + 4).min(s.len());
                        s.drain(at.min(end)..end);
                    }
                    1 | 2 => {
                        for (k, c) in PP_PIECES[piece].chars().enumerate() {
                            s.insert(at + k, c);
                        }
                    }
                    _ => {
                        if at + 1 < s.len() {
                            s.swap(at, at + 1);
                        }
                    }
                }
            }
            s.into_iter().collect()
        },
    )
}

fn pp_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(0..PP_PIECES.len(), 0..60).prop_map(|v| v.into_iter().map(|i| PP_PIECES[i]).collect::<Vec<_>>().join(""))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn preprocessor_mutated_seeds_never_panic(src in pp_mutated()) {
        run_pp(&src);
    }

    #[test]
    fn preprocessor_token_soup_never_panics(src in pp_soup()) {
        run_pp(&src);
    }

    #[test]
    fn preprocessor_arbitrary_text_never_panics(src in "\\PC{0,200}") {
        run_pp(&src);
    }
}

#[test]
fn preprocessor_pathological_inputs_terminate() {
    let mut exponential = String::from("#define A0 x\n");
    for i in 1..=40 {
        exponential.push_str(&format!("#define A{i} A{} A{}\n", i - 1, i - 1));
    }
    exponential.push_str("A40\n");
    let mut nested_args = String::from("#define f(x) x\n");
    nested_args.push_str(&"f(".repeat(5000));
    nested_args.push_str(&")".repeat(5000));
    let deep_if = "#if 1\n".repeat(20_000) + &"#endif\n".repeat(20_000);
    let deep_expr = format!("#if {}1{}\n#endif\n", "(".repeat(50_000), ")".repeat(50_000));
    let unary_chain = format!("#if {}1\n#endif\n", "-".repeat(50_000));
    for src in [
        exponential,
        nested_args,
        deep_if,
        deep_expr,
        unary_chain,
        "#define a a b\n#define b a\na b".to_string(),
        "#define f(x) f(x) g\n#define g f\nf(f(f(1)))".to_string(),
        "#define x(a) #a\nx(\"\\\")".to_string(),
        "#if\n#endif".to_string(),
        "#define\n#undef\n#include\n#line\n#pragma\n#".to_string(),
        "#if 1".to_string(),
        "\\".to_string(),
        "_Pragma(".to_string(),
        "#define F(...) __VA_OPT__(\nF(1)".to_string(),
    ] {
        let t = std::time::Instant::now();
        run_pp(&src);
        assert!(t.elapsed().as_secs() < 20, "took {:?} on {:?}", t.elapsed(), &src[..src.len().min(80)]);
    }
}

#[test]
fn self_including_header_is_an_error() {
    let dir = std::env::temp_dir().join(format!("cdecl-fuzz-self-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("loop.h");
    std::fs::write(&path, "#include \"loop.h\"\nint x;\n").unwrap();
    let (mut arena, mut reg) = (TypeArena::new(), Registry::new());
    let e = cdecl::header::cdef_header(&mut reg, &mut arena, path.to_str().unwrap(), &Default::default()).unwrap_err();
    assert!(e.to_string().contains("nested depth 200"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
