//! `cdef_header` speed against `gcc -E` of the same header (the natural
//! anchor: preprocessing plus parsing should cost no more than running the
//! compiler's preprocessor alone). Prints the best of several runs.
//!
//! `cargo run --release -p cdecl --example header_bench [HEADER ...]`
//! (default: sqlite3.h and stdio.h)

use std::process::{Command, Stdio};
use std::time::Instant;

use cdecl::header::{cdef_header, HeaderOptions};
use cdecl::preprocess::{preprocess, PpOptions, Source};
use cdecl::{Registry, TypeArena};

fn best_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let mut headers: Vec<String> = std::env::args().skip(1).collect();
    if headers.is_empty() {
        headers = vec!["sqlite3.h".into(), "stdio.h".into()];
    }
    println!("{:<12} {:>10} {:>16} {:>10} {:>8}", "header", "pp only", "cdef_header", "gcc -E", "decls");
    for h in &headers {
        let mut decls = 0;
        let pp = best_ms(20, || {
            preprocess(Source::Header(h), &PpOptions::default()).expect("preprocesses");
        });
        let full = best_ms(20, || {
            let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
            cdef_header(&mut reg, &mut arena, h, &HeaderOptions::default()).expect("parses");
            decls = reg.declarations().len() + reg.typedef_names().len();
        });
        let gcc = best_ms(10, || {
            let mut child = match Command::new("gcc")
                .args(["-E", "-P", "-x", "c", "-"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
            {
                Ok(c) => c,
                Err(_) => return,
            };
            use std::io::Write;
            let _ = child.stdin.take().map(|mut s| s.write_all(format!("#include <{h}>\n").as_bytes()));
            let _ = child.wait();
        });
        println!("{h:<12} {pp:>8.2}ms {full:>14.2}ms {gcc:>8.2}ms {decls:>8}");
    }
}
