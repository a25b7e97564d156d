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
