//! `cdef_header` as a user meets it: diagnostics with file, line, column,
//! caret and include chain; skipped declarations; `only=`; the cdef text.

mod common;

use cdecl::header::{cdef_header, cdef_header_text, to_cdef_text, HeaderOptions};
use cdecl::{ErrorKind, Registry, TypeArena};
use common::*;

fn header_err(files: &[(&str, &str)], main: &str) -> (cdecl::Error, String) {
    let dir = temp_headers(files);
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    let e = cdef_header(&mut reg, &mut arena, dir.join(main).to_str().unwrap(), &HeaderOptions::default()).unwrap_err();
    let shown = e.to_string().replace(&format!("{}/", dir.display()), "");
    let _ = std::fs::remove_dir_all(&dir);
    (e, shown)
}

#[test]
fn syntax_error_shows_file_line_column_caret_and_include_chain() {
    let (e, shown) = header_err(
        &[
            ("a.h", "int a(void);\n\n#include \"b.h\"\n"),
            ("b.h", "int ok(void);\n#include \"c.h\"\n"),
            ("c.h", "int fine;\nint broken(int x;\n"),
        ],
        "a.h",
    );
    assert_eq!(e.kind, ErrorKind::CDef);
    assert_eq!(
        shown,
        "In file included from b.h:2,\n                 from a.h:3:\nc.h:2:17: expected ',' or ')' in the parameter list, found ';'\n  |\n2 | int broken(int x;\n  |                 ^"
    );
}

#[test]
fn error_through_a_macro_points_at_the_use() {
    let (_, shown) = header_err(&[("m.h", "#define DECLARE(name) int name(\nDECLARE(f) void);\nDECLARE(g) int, @);\n")], "m.h");
    assert!(shown.starts_with("m.h:3:"), "{shown}");
    assert!(shown.contains("3 | DECLARE(g) int, @);"), "{shown}");
}

#[test]
fn preprocessor_errors() {
    let (_, shown) = header_err(
        &[("e.h", "#include \"f.h\"\n"), ("f.h", "#if !defined(NEEDED)\n#error \"define NEEDED first\"\n#endif\n")],
        "e.h",
    );
    assert!(shown.starts_with("In file included from e.h:1:\nf.h:2:1: #error \"define NEEDED first\""), "{shown}");

    let (_, shown) = header_err(&[("m.h", "#include <surely/not/here.h>\n")], "m.h");
    assert!(shown.contains("cannot find header <surely/not/here.h>; searched:\n"), "{shown}");
    assert!(shown.contains("/usr/include\n"), "{shown}");

    // A header including itself without a guard stops at depth 200.
    let (_, shown) = header_err(&[("self.h", "int x;\n#include \"self.h\"\n")], "self.h");
    assert!(shown.contains("#include nested depth 200 exceeds the maximum of 200"), "{}", &shown[shown.len() - 400..]);

    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    let e = cdef_header(&mut reg, &mut arena, "no_such_header_rcffi.h", &HeaderOptions::default()).unwrap_err();
    assert!(e.to_string().starts_with("cannot find header 'no_such_header_rcffi.h'; searched:\n"), "{e}");
}

const MIXED: &str = r#"
typedef __int128 wide_t;
typedef struct { int x; } point_t;
typedef unsigned int flags_t;
struct uses_wide { wide_t w; };
wide_t twice(wide_t);
int keep_me(point_t *p, flags_t f);
int other(void);
extern int counter;
long double _Complex cl(void);
static inline int helper(int x) { return x->y + '\n'; }
static int hidden(int);
_Static_assert(sizeof(int) == 4, "int");
__extension__ typedef long long big_t;
extern __typeof__(keep_me) keep_me_too;
#define MASK (1 << 4)
#define NAME "x"
enum color { RED, GREEN = MASK };
"#;

#[test]
fn unrepresentable_declarations_are_skipped_with_one_warning() {
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    let report = cdef_header_text(&mut reg, &mut arena, "mixed.h", MIXED, &HeaderOptions::default()).unwrap();
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    let w = &report.warnings[0];
    assert!(w.starts_with("cdef_header: skipped 4 declarations that rcffi cannot represent:"), "{w}");
    for name in ["wide_t at mixed.h:2", "struct uses_wide at mixed.h:5", "twice at mixed.h:6", "cl at mixed.h:10"] {
        assert!(w.contains(name), "{name} in {w}");
    }
    for name in ["keep_me", "other", "counter", "keep_me_too", "MASK", "RED", "GREEN"] {
        assert!(reg.lookup(name).is_some(), "{name}");
    }
    for name in ["helper", "hidden", "twice", "NAME"] {
        assert!(reg.lookup(name).is_none(), "{name}");
    }
    assert!(reg.typedef("big_t").is_some() && reg.typedef("point_t").is_some());
    // Using a skipped type says why.
    let e = reg.parse_type(&mut arena, "wide_t").unwrap_err();
    assert!(e.message.to_string().contains("its declaration was skipped (Unsupported type: '__int128'"), "{e}");
    assert!(reg.skipped_reason("twice").is_some());
}

#[test]
fn only_keeps_names_and_dependencies() {
    let options =
        HeaderOptions { only: Some(vec!["keep_me".into(), "MASK".into(), "enum color".into()]), ..HeaderOptions::default() };
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    let report = cdef_header_text(&mut reg, &mut arena, "mixed.h", MIXED, &options).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    for name in ["keep_me", "MASK", "RED", "GREEN"] {
        assert!(reg.lookup(name).is_some(), "{name}");
    }
    for name in ["other", "counter", "keep_me_too"] {
        assert!(reg.lookup(name).is_none(), "{name}");
    }
    // point_t names the record keep_me's argument points to.
    assert!(reg.typedef("point_t").is_some());
    assert!(reg.typedef("big_t").is_none() && reg.typedef("flags_t").is_none());
    assert!(reg.parse_type(&mut arena, "point_t *").is_ok());

    // A name of `only` that cannot be declared is an error saying why.
    let options = HeaderOptions { only: Some(vec!["twice".into()]), ..HeaderOptions::default() };
    let e = cdef_header_text(&mut Registry::new(), &mut arena, "mixed.h", MIXED, &options).unwrap_err();
    assert!(e.message.to_string().starts_with("cannot declare 'twice' (named in only=): type 'wide_t' cannot be used"), "{e}");
    let options = HeaderOptions { only: Some(vec!["NAME".into()]), ..HeaderOptions::default() };
    let e = cdef_header_text(&mut Registry::new(), &mut arena, "mixed.h", MIXED, &options).unwrap_err();
    assert!(e.message.to_string().contains("'NAME' (named in only=): the macro is not an integer constant"), "{e}");
    let options = HeaderOptions { only: Some(vec!["nope".into()]), ..HeaderOptions::default() };
    let e = cdef_header_text(&mut Registry::new(), &mut arena, "mixed.h", MIXED, &options).unwrap_err();
    assert_eq!(e.message.to_string(), "'nope' (named in only=) is not declared by the header");
}

#[test]
fn failed_header_adds_nothing_and_headers_can_be_combined() {
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    assert!(cdef_header_text(&mut reg, &mut arena, "bad.h", "int good(void);\nint bad(;\n", &HeaderOptions::default()).is_err());
    assert!(reg.lookup("good").is_none());
    // The same declarations twice (two headers sharing one) are fine.
    let shared = "struct s { int a; };\ntypedef struct { char c; } anon_t;\nenum e { E1 };\nint f(struct s *);\n";
    cdef_header_text(&mut reg, &mut arena, "one.h", shared, &HeaderOptions::default()).unwrap();
    cdef_header_text(&mut reg, &mut arena, "two.h", shared, &HeaderOptions::default()).unwrap();
    cdef_header(&mut reg, &mut arena, "stdio.h", &HeaderOptions::default()).unwrap();
    cdef_header(&mut reg, &mut arena, "stdlib.h", &HeaderOptions::default()).unwrap();
    assert!(reg.lookup("printf").is_some() && reg.lookup("malloc").is_some());
    // Plain cdef keeps cffi's strictness.
    assert!(reg.cdef(&mut arena, "__attribute__((weird)) int x;", &cdecl::CdefOptions::default()).is_ok());
    assert!(reg.cdef(&mut arena, "static inline int h(void) { return 1; }", &cdecl::CdefOptions::default()).is_err());
}

#[test]
fn cdef_text_round_trips() {
    let dir = temp_headers(&[(
        "api.h",
        "#include <stddef.h>\n#pragma pack(push, 1)\nstruct packed_s { char c; int i; };\n#pragma pack(pop)\n\
         typedef struct node { struct node *next; int v[4]; unsigned flag : 1; } node_t;\n\
         typedef enum { A, B = 5 } kind_t;\ntypedef int (*cb_t)(void *, size_t);\n\
         int walk(node_t *, cb_t, kind_t);\nextern const char *names[];\n#define LIMIT (4 * 16)\n\
         int scan(const char *, ...) __asm__(\"real_scan\");\nunion u { int i; struct { short a, b; }; };\n",
    )]);
    let options = HeaderOptions {
        only: Some(vec!["walk".into(), "names".into(), "LIMIT".into(), "scan".into(), "union u".into()]),
        ..HeaderOptions::default()
    };
    let text = to_cdef_text(dir.join("api.h").to_str().unwrap(), &options).unwrap();
    assert_eq!(
        text,
        "struct node { struct node *next; int v[4]; unsigned int flag : 1; };\ntypedef struct node node_t;\n\
         typedef enum { A = 0, B = 5 } kind_t;\nint walk(struct node *, int (*)(void *, unsigned long), kind_t);\n\
         extern char *names[];\nint scan(char *, ...); /* symbol: real_scan */\n\
         union u { int i; struct { short a; short b; }; };\n#define LIMIT 64\n"
    );
    // The text is valid cdef for the strict parser.
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    reg.cdef(&mut arena, &text, &cdecl::CdefOptions::default()).unwrap();
    let t = reg.parse_type(&mut arena, "node_t").unwrap();
    assert_eq!(cdecl::layout::size_align(&mut arena, t).unwrap(), (32, 8));
    let all = to_cdef_text(dir.join("api.h").to_str().unwrap(), &HeaderOptions::default()).unwrap();
    assert!(all.contains("/* needs cdef(..., pack=1) */ struct packed_s { char c; int i; };"), "{all}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Header mode also reads text another preprocessor produced (`gcc -E`):
/// linemarkers are skipped, GNU syntax accepted.
#[test]
fn header_mode_reads_gcc_preprocessed_text() {
    let Ok(out) = std::process::Command::new("gcc").args(["-E", "-x", "c", "-"]).stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn().and_then(|mut c| {
        use std::io::Write;
        c.stdin.take().unwrap().write_all(b"#include <stdio.h>\n#include <stdlib.h>\n")?;
        c.wait_with_output()
    }) else {
        return;
    };
    let text = String::from_utf8(out.stdout).unwrap();
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    let options = cdecl::CdefOptions { header_mode: true, ..cdecl::CdefOptions::default() };
    reg.cdef(&mut arena, &text, &options).unwrap();
    assert!(reg.lookup("printf").is_some() && reg.lookup("qsort").is_some());
}

/// The printed text of whole system headers is valid strict cdef and
/// gives the same layouts.
#[test]
fn cdef_text_of_system_headers_is_valid_cdef() {
    for h in ["stdio.h", "pthread.h", "signal.h", "sys/stat.h", "time.h", "zlib.h"] {
        // `sys/stat.h` lives in the multiarch directory on Debian
        let installed = ["/usr/include", "/usr/include/x86_64-linux-gnu", "/usr/include/aarch64-linux-gnu"]
            .iter()
            .any(|dir| std::path::Path::new(dir).join(h).is_file());
        if !installed {
            common::skipped(&format!("<{h}>"), "the header is not installed");
            continue;
        }
        let text = to_cdef_text(h, &HeaderOptions::default()).unwrap();
        let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
        reg.cdef(&mut arena, &text, &cdecl::CdefOptions::default()).unwrap_or_else(|e| panic!("{h}: {e}"));
        let (mut hreg, mut harena) = (Registry::new(), TypeArena::new());
        cdef_header(&mut hreg, &mut harena, h, &HeaderOptions::default()).unwrap();
        for ty in ["struct stat", "pthread_mutex_t", "struct sigaction", "struct tm", "z_stream", "FILE *"] {
            if let (Ok(a), Ok(b)) = (reg.parse_type(&mut arena, ty), hreg.parse_type(&mut harena, ty)) {
                assert_eq!(cdecl::layout::size_align(&mut arena, a).ok(), cdecl::layout::size_align(&mut harena, b).ok(), "{h}: {ty}");
            }
        }
    }
}
