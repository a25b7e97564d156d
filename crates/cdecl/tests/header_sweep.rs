//! Every `/usr/include/*.h` of this machine through `cdef_header`: at
//! least 95% of the headers that are valid C on their own must parse.
//! Headers that fail are checked against gcc: those gcc rejects too (C++
//! headers, headers that need another one included first, `#error`
//! stubs) are not valid C by themselves and do not count.
//!
//! Run with `--nocapture` to see the fractions and every failure.

mod common;

use std::path::Path;
use std::process::Command;

use cdecl::header::{cdef_header, HeaderOptions};
use cdecl::{Registry, TypeArena};

fn gcc_accepts(header: &str) -> Option<bool> {
    let mut child = Command::new("gcc")
        .args(["-fsyntax-only", "-std=gnu17", "-x", "c", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    use std::io::Write;
    child.stdin.take()?.write_all(format!("#include <{header}>\n").as_bytes()).ok()?;
    Some(child.wait().ok()?.success())
}

#[test]
fn most_usr_include_headers_parse() {
    let dir = Path::new("/usr/include");
    let Ok(entries) = std::fs::read_dir(dir) else {
        common::skipped("the sweep", "no /usr/include");
        return;
    };
    let mut headers: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".h") && dir.join(n).is_file())
        .collect();
    headers.sort();
    let mut parsed = 0;
    let mut skipped_decls = 0;
    let mut failures: Vec<(String, String, Option<bool>)> = Vec::new();
    for h in &headers {
        let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
        match cdef_header(&mut reg, &mut arena, h, &HeaderOptions::default()) {
            Ok(report) => {
                parsed += 1;
                skipped_decls += report
                    .warnings
                    .iter()
                    .filter_map(|w| w.lines().next()?.split(' ').nth(2)?.parse::<usize>().ok())
                    .sum::<usize>();
            }
            Err(e) => {
                let first =
                    e.to_string().lines().find(|l| !l.starts_with("In file") && !l.starts_with("  ")).unwrap_or("").to_string();
                failures.push((h.clone(), first, gcc_accepts(h)));
            }
        }
    }
    let total = headers.len();
    let invalid_c = failures.iter().filter(|f| f.2 == Some(false)).count();
    let valid = total - invalid_c;
    println!("/usr/include/*.h: {parsed} of {total} parse ({:.1}%)", 100.0 * parsed as f64 / total.max(1) as f64);
    println!(
        "of the {valid} that are valid C on their own (gcc -fsyntax-only): {parsed} parse ({:.1}%); {skipped_decls} unrepresentable declarations skipped with warnings",
        100.0 * parsed as f64 / valid.max(1) as f64
    );
    for (h, e, gcc) in &failures {
        let note = match gcc {
            Some(false) => " [gcc rejects it too]",
            Some(true) => " [gcc accepts it]",
            None => "",
        };
        println!("  FAIL {h}{note}: {e}");
    }
    if total > 0 {
        assert!(parsed * 100 >= valid * 95, "only {parsed} of {valid} valid headers parse");
    }
}
