//! Parse-time benchmark: a synthetic cdef of about 13,500 declarations
//! (typedef'd structs with 8 fields, enums, `#define`s and 5-argument
//! functions), parsed into a fresh registry several times; prints the
//! best time.
//!
//! `cargo run --release -p cdecl --example parse_bench [N]`
//!
//! `... parse_bench --functions N [N2 ...]`: issue #11's input instead,
//! N one-line functions `int f_K(int, long);` (424,000 of them are 10 MB),
//! one parse each, printing the time per size.

use std::fmt::Write;
use std::time::Instant;

use cdecl::{CdefOptions, Registry, TypeArena};

fn synthetic(groups: usize) -> (String, usize) {
    let mut s = String::with_capacity(groups * 700);
    let mut decls = 0;
    for i in 0..groups {
        writeln!(s, "#define CONST_{i} {}", i * 3 + 1).unwrap();
        writeln!(
            s,
            "typedef struct rec_{i} {{\n    int a;\n    unsigned long b;\n    char name[16];\n    double *d;\n    \
             struct rec_{i} *next;\n    short flags;\n    void (*cb)(int, void *);\n    long long big;\n}} rec_{i}_t;"
        )
        .unwrap();
        writeln!(s, "enum kind_{i} {{ KIND_{i}_A, KIND_{i}_B = 4, KIND_{i}_C, KIND_{i}_D = KIND_{i}_B << 2 }};").unwrap();
        writeln!(s, "int func_{i}(rec_{i}_t *self, const char *name, size_t len, double scale, enum kind_{i} kind);").unwrap();
        // define + struct + typedef + enum + 4 enumerators + function
        decls += 9;
    }
    (s, decls)
}

/// `int f_0(int, long);` ... : many names sharing a prefix.
fn functions(n: usize) -> String {
    let mut s = String::with_capacity(n * 24);
    for i in 0..n {
        writeln!(s, "int f_{i}(int, long);").unwrap();
    }
    s
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--functions") {
        for n in args[1..].iter().map(|a| a.parse::<usize>().expect("a count")) {
            let src = functions(n);
            let (mut arena, mut reg) = (TypeArena::new(), Registry::new());
            let t0 = Instant::now();
            reg.cdef(&mut arena, &src, &CdefOptions::default()).expect("the functions parse");
            let ms = t0.elapsed().as_secs_f64() * 1e3;
            assert_eq!(reg.declarations().len(), n);
            println!("parse_bench --functions: {n} declarations, {:.1} MB: {ms:.1} ms", src.len() as f64 / 1e6);
        }
        return;
    }
    let target: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(13_500);
    let groups = target.div_ceil(9);
    let (src, decls) = synthetic(groups);
    let mut best = f64::INFINITY;
    let runs = 7;
    for _ in 0..runs {
        let mut arena = TypeArena::new();
        let mut reg = Registry::new();
        let t0 = Instant::now();
        reg.cdef(&mut arena, &src, &CdefOptions::default()).expect("synthetic cdef parses");
        let dt = t0.elapsed().as_secs_f64() * 1e3;
        best = best.min(dt);
        assert_eq!(reg.declarations().len(), groups * 6);
    }
    // linearity check: twice the input should take about twice the time
    let (src2, _) = synthetic(groups * 2);
    let mut best2 = f64::INFINITY;
    for _ in 0..runs {
        let mut arena = TypeArena::new();
        let mut reg = Registry::new();
        let t0 = Instant::now();
        reg.cdef(&mut arena, &src2, &CdefOptions::default()).unwrap();
        best2 = best2.min(t0.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "parse_bench: {decls} declarations, {} KiB of cdef: {best:.2} ms (best of {runs}); 2x input: {best2:.2} ms (ratio {:.2})",
        src.len() / 1024,
        best2 / best
    );
}
