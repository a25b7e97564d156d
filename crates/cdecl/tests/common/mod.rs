//! Helpers shared by the header tests: ask gcc for sizes, offsets,
//! bitfield positions and constant values of a C text, and read the same
//! from the crate.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::process::Command;

use cdecl::{Registry, Type, TypeArena, TypeId};

/// Size, alignment and, per requested field, `(first bit, bit width)`
/// (width 0 for a field that is not a bitfield).
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct Layout {
    pub size: u64,
    pub align: u64,
    pub fields: Vec<(u64, u64)>,
}

/// Whether gcc runs here; when not, says so (see `skipped`).
pub fn gcc_available() -> bool {
    let ok = Command::new("gcc").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        skipped("the comparison with gcc", "gcc is not installed");
    }
    ok
}

/// Says that (part of) the running test does not run on this machine, on
/// the real stderr (libtest captures only `eprintln!`, so the line shows in
/// the output of a passing run too). Under `CI=true` it fails instead: CI
/// machines have gcc and the headers.
pub fn skipped(what: &str, why: &str) {
    use std::io::Write as _;
    let test = std::thread::current().name().unwrap_or("?").to_string();
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: {what} cannot run with CI=true: {why}");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED in {test}: {what} ({why})");
}

/// Compile and run `main` after `prelude` (a C text, usually `#include`s);
/// returns stdout.
pub fn run_c(prelude: &str, main_body: &str, include_dirs: &[&std::path::Path]) -> String {
    let dir = std::env::temp_dir().join(format!("cdecl-header-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("probe.c");
    let exe = dir.join("probe");
    let program = format!(
        "{prelude}\n#include <stdio.h>\n#include <stddef.h>\n#include <string.h>\nint main(void) {{\n{main_body}\nreturn 0;\n}}\n"
    );
    std::fs::write(&src, &program).unwrap();
    let mut cmd = Command::new("gcc");
    cmd.args(["-std=gnu11", "-w", "-O0", "-o"]).arg(&exe).arg(&src);
    for d in include_dirs {
        cmd.arg("-I").arg(d);
    }
    let out = cmd.output().expect("gcc runs");
    assert!(out.status.success(), "gcc failed:\n{}\n{program}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(&exe).output().expect("the probe runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(run.status.success());
    String::from_utf8(run.stdout).unwrap()
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// gcc's layout of each `(type, fields)`; a field written `name:` is a
/// bitfield (found by setting it to all ones), `a.b` is a nested member.
pub fn gcc_layouts(prelude: &str, queries: &[(&str, &[&str])], include_dirs: &[&std::path::Path]) -> Vec<Layout> {
    let mut body = String::new();
    for (ty, fields) in queries {
        writeln!(body, "printf(\"S %zu %zu\\n\", sizeof({ty}), _Alignof({ty}));").unwrap();
        for f in *fields {
            match f.strip_suffix(':') {
                Some(bf) => writeln!(
                    body,
                    "{{ union {{ {ty} s; unsigned char b[sizeof({ty})]; }} u; memset(&u, 0, sizeof u); u.s.{bf} = -1; \
                     int first = -1, n = 0; for (int i = 0; i < (int)sizeof({ty}) * 8; i++) if (u.b[i / 8] >> (i % 8) & 1) {{ if (first < 0) first = i; n++; }} \
                     printf(\"F %d %d\\n\", first, n); }}"
                )
                .unwrap(),
                None => writeln!(body, "printf(\"F %zu 0\\n\", offsetof({ty}, {f}) * 8);").unwrap(),
            }
        }
    }
    let out = run_c(prelude, &body, include_dirs);
    let mut layouts: Vec<Layout> = Vec::new();
    for line in out.lines() {
        let p: Vec<u64> = line[2..].split(' ').map(|x| x.parse().unwrap()).collect();
        if line.starts_with('S') {
            layouts.push(Layout { size: p[0], align: p[1], fields: Vec::new() });
        } else {
            layouts.last_mut().unwrap().fields.push((p[0], p[1]));
        }
    }
    layouts
}

/// The crate's layout of the same queries.
pub fn crate_layouts(reg: &Registry, arena: &mut TypeArena, queries: &[(&str, &[&str])]) -> Vec<Layout> {
    queries
        .iter()
        .map(|(ty, fields)| {
            let t = reg.parse_type(arena, ty).unwrap_or_else(|e| panic!("{ty}: {e}"));
            let (size, align) = cdecl::layout::size_align(arena, t).unwrap_or_else(|e| panic!("{ty}: {e}"));
            let fields = fields
                .iter()
                .map(|f| {
                    let path = f.trim_end_matches(':');
                    field_bits(arena, t, path).unwrap_or_else(|| panic!("{ty}: no field {path}"))
                })
                .collect();
            Layout { size, align, fields }
        })
        .collect()
}

/// `(first bit, width or 0)` of a member path, looking through anonymous members.
fn field_bits(arena: &mut TypeArena, ty: TypeId, path: &str) -> Option<(u64, u64)> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let (bit, width, fty) = find(arena, ty, head, 0)?;
    match rest {
        None => Some((bit, width)),
        Some(r) => field_bits(arena, fty, r).map(|(b, w)| (bit + b, w)),
    }
}

fn find(arena: &mut TypeArena, ty: TypeId, name: &str, base: u64) -> Option<(u64, u64, TypeId)> {
    let ty = arena.strip_top_quals(ty);
    let Type::Record(rid) = *arena.get(ty) else { return None };
    let layout = cdecl::layout::record_layout(arena, rid).ok()?.clone();
    let fields = arena.record(rid).fields.clone()?;
    for (f, at) in fields.iter().zip(&layout.fields) {
        let start = base + at.offset * 8;
        if f.name == name {
            return Some(if at.bitsize >= 0 { (start + at.bitshift as u64, at.bitsize as u64, f.ty) } else { (start, 0, f.ty) });
        }
        if f.name.is_empty() && f.bitsize.is_none() {
            if let Some(found) = find(arena, f.ty, name, start) {
                return Some(found);
            }
        }
    }
    None
}

/// gcc's values of integer constant expressions (after `prelude`).
pub fn gcc_values(prelude: &str, exprs: &[&str], include_dirs: &[&std::path::Path]) -> Vec<i128> {
    let mut body = String::new();
    for e in exprs {
        writeln!(
            body,
            "if (({e}) < 0) printf(\"%lld\\n\", (long long)({e})); else printf(\"%llu\\n\", (unsigned long long)({e}));"
        )
        .unwrap();
    }
    run_c(prelude, &body, include_dirs).lines().map(|l| l.parse().unwrap()).collect()
}

/// The integer value of a constant the crate declared.
pub fn const_value(reg: &Registry, name: &str) -> Option<i128> {
    match &reg.lookup(name)?.kind {
        cdecl::DeclKind::Constant { value: cdecl::ConstValue::Int(v), .. } | cdecl::DeclKind::EnumConstant { value: v, .. } => {
            Some(*v)
        }
        _ => None,
    }
}

/// A fresh temporary directory with the given files.
pub fn temp_headers(files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cdecl-headers-{}-{}", std::process::id(), unique()));
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}
