//! The preprocessor's behaviour: macro expansion (the C standard's own
//! examples), `#if` arithmetic, `#` and `##`, predefined macros,
//! diagnostics, and include handling with real files.

mod common;

use cdecl::preprocess::{preprocess, PpOptions, Source};

fn pp(text: &str) -> String {
    let opts = PpOptions { compiler_headers: false, ..PpOptions::default() };
    match preprocess(Source::Text { name: "t.h", text }, &opts) {
        Ok(p) => p.text().to_string(),
        Err(e) => panic!("{e}"),
    }
}

/// The output with all white space removed, for comparing with the
/// standard's examples (which only fix the tokens).
fn squeezed(text: &str) -> String {
    pp(text).split_whitespace().collect()
}

#[test]
fn object_and_function_macros() {
    assert_eq!(pp("#define N 4\nint a[N];"), "int a[4];");
    assert_eq!(pp("#define F(x, y) ((x) + (y))\nF(1, 2)"), "((1) + (2))");
    assert_eq!(pp("#define F(x) x\nF"), "F");
}

/// C11 6.10.3.5 example 3.
#[test]
fn standard_example_3() {
    let src = r#"#define x 3
#define f(a) f(x * (a))
#undef x
#define x 2
#define g f
#define z z[0]
#define h g(~
#define m(a) a(w)
#define w 0,1
#define t(a) a
#define p() int
#define q(x) x
#define r(x,y) x ## y
#define str(x) # x
f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);
g(x+(3,4)-w) | h 5) & m
(f)^m(m);
p() i[q()] = { q(1), r(2,3), r(4,), r(,5), r(,) };
char c[2][6] = { str(hello), str() };
"#;
    let want = r#"f(2 * (y+1)) + f(2 * (f(2 * (z[0])))) % f(2 * (0)) + t(1);
f(2 * (2+(3,4)-0,1)) | f(2 * (~ 5)) & f(2 * (0,1))^m(0,1);
int i[] = { 1, 23, 4, 5, };
char c[2][6] = { "hello", "" };"#;
    assert_eq!(squeezed(src), want.split_whitespace().collect::<String>());
}

/// C11 6.10.3.5 example 4 (without the `#include` line).
#[test]
fn standard_example_4() {
    let src = r#"#define str(s) # s
#define xstr(s) str(s)
#define debug(s, t) printf("x" # s "= %d, x" # t "= %s", \
 x ## s, x ## t)
#define INCFILE(n) vers ## n
#define glue(a, b) a ## b
#define xglue(a, b) glue(a, b)
#define HIGHLOW "hello"
#define LOW LOW ", world"
debug(1, 2);
fputs(str(strncmp("abc\0d", "abc", '\4') // this goes away
 == 0) str(: @\n), s);
xstr(INCFILE(2).h)
glue(HIGH, LOW);
xglue(HIGH, LOW)
"#;
    let out = pp(src);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], r#"printf("x" "1" "= %d, x" "2" "= %s", x1, x2);"#);
    assert_eq!(lines[1], r#"fputs("strncmp(\"abc\\0d\", \"abc\", '\\4') == 0" ": @\n", s);"#);
    assert_eq!(lines[2], r#""vers2.h""#);
    assert_eq!(lines[3], r#""hello";"#);
    assert_eq!(lines[4], r#""hello" ", world""#);
}

/// C11 6.10.3.5 example 5: placemarkers.
#[test]
fn standard_example_5() {
    let src =
        "#define t(x,y,z) x ## y ## z\nint j[] = { t(1,2,3), t(,4,5), t(6,,7), t(8,9,),\n t(10,,), t(,11,), t(,,12), t(,,) };";
    assert_eq!(squeezed(src), "intj[]={123,45,67,89,10,11,12,};");
}

/// C11 6.10.3.5 example 7: variable arguments.
#[test]
fn standard_example_7() {
    let src = r#"#define debug(...) fprintf(stderr, __VA_ARGS__)
#define showlist(...) puts(#__VA_ARGS__)
#define report(test, ...) ((test)?puts(#test):\
 printf(__VA_ARGS__))
debug("Flag");
debug("X = %d\n", x);
showlist(The first, second, and third items.);
report(x>y, "x is %d but y is %d", x, y);
"#;
    let out = pp(src);
    let lines: Vec<String> = out.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines[0], r#"fprintf(stderr,"Flag");"#);
    assert_eq!(lines[1], r#"fprintf(stderr,"X=%d\n",x);"#);
    assert!(out.contains(r#"puts("The first, second, and third items.")"#), "{out}");
    assert_eq!(lines[3], r#"((x>y)?puts("x>y"):printf("xis%dbutyis%d",x,y));"#);
}

/// C11 6.10.3.4 example: rescanning picks up a following argument list.
#[test]
fn rescan_and_recursion() {
    assert_eq!(squeezed("#define f(a) a*g\n#define g(a) f(a)\nf(2)(9)"), "2*9*g");
    assert_eq!(pp("#define foo foo\nfoo"), "foo");
    assert_eq!(squeezed("#define a a b\n#define b a\na"), "aa");
    assert_eq!(squeezed("#define f(x) g(x)\n#define g(x) f(x)\nf(1)"), "f(1)");
}

#[test]
fn gnu_variadics() {
    let src = "#define e(fmt, ...) p(fmt, ## __VA_ARGS__)\n#define n(fmt, args...) p(fmt, ## args)\ne(1) e(1, 2, 3) n(4) n(4, 5)";
    assert_eq!(squeezed(src), "p(1)p(1,2,3)p(4)p(4,5)");
    let src = "#define o(a, ...) f(a __VA_OPT__(,) __VA_ARGS__)\no(1) o(1, 2)";
    assert_eq!(squeezed(src), "f(1)f(1,2)");
}

#[test]
fn conditionals_and_arithmetic() {
    let src = r#"#define A 3
#if A * 2 == 6 && defined(A) && !defined B
ok1
#endif
#if (-1 < 0u)
bad
#elif -1 > 0u
ok2
#endif
#if 0x7fffffffffffffff + 0 > 0 && (1 ? 2 : (1/0)) == 2 && (0 && 1/0) == 0
ok3
#else
bad
#endif
#ifdef A
# if 0
bad
# elif A == 3
ok4
# else
bad
# endif
#endif
#if 'a' == 97 && '\377' < 0 && (1 << 62) > 0 && ~0u == 18446744073709551615u
ok5
#endif
#if defined __STDC_VERSION__ && __STDC_VERSION__ >= 201112L && __GNUC__ >= 4
ok6
#endif
#if __has_include(<stddef.h>) && !__has_include("no/such/header.h") && __has_attribute(__packed__)
ok7
#endif
#define LEVEL(x) ((x) * 10)
#if LEVEL(2) % 7 == 6 || UNDEFINED_NAME
ok8
#endif
"#;
    let out = pp(src);
    let words: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(words, ["ok1", "ok2", "ok3", "ok4", "ok5", "ok6", "ok7", "ok8"]);
}

#[test]
fn stringify_and_paste() {
    assert_eq!(pp("#define s(x) #x\ns( a  +   \"b\\n\" )"), r#""a + \"b\\n\"""#);
    assert_eq!(pp("#define cat(a, b) a ## b\ncat(x, 1) cat(<, <=) cat(0x, 1F)"), "x1 <<= 0x1F");
    assert_eq!(pp("#define cat(a, b) a ## b\n#define xcat(a, b) cat(a, b)\n#define ONE 1\ncat(ONE, 2) xcat(ONE, 2)"), "ONE2 12");
    let e = preprocess(Source::Text { name: "t.h", text: "#define cat(a, b) a ## b\ncat(+, /)" }, &PpOptions::default())
        .err()
        .unwrap();
    assert!(e.to_string().contains("pasting \"+\" and \"/\" does not give a valid preprocessing token"), "{e}");
}

#[test]
fn predefined_and_builtin_macros() {
    let out = pp("__LINE__ __FILE__ __COUNTER__ __COUNTER__ __x86_64__ __SIZEOF_POINTER__ __INCLUDE_LEVEL__\n#line 100 \"renamed.h\"\n__LINE__ __FILE__");
    #[cfg(target_arch = "x86_64")]
    assert_eq!(out, "1 \"t.h\" 0 1 1 8 0\n100 \"renamed.h\"");
    let _ = out;
    assert_eq!(pp("#ifdef __has_include\nyes\n#endif"), "yes");
    assert_eq!(pp("#define P _Pragma(\"pack(1)\") x\nP"), "x");
}

#[test]
fn errors_have_locations() {
    let err = |text: &str| match preprocess(Source::Text { name: "t.h", text }, &PpOptions::default()) {
        Ok(_) => panic!("no error for {text:?}"),
        Err(e) => e.to_string(),
    };
    let e = err("int a;\n#error this is \"bad\"\n");
    assert!(e.starts_with("t.h:2:1: #error this is \"bad\""), "{e}");
    assert!(e.contains("2 | #error"), "{e}");
    assert!(err("#if 1\nint x;\n").contains("t.h:1:2: unterminated #if"));
    assert!(err("#endif\n").contains("#endif without #if"));
    assert!(err("#if 1 +\n#endif").contains("t.h:1:"));
    assert!(err("#if 1/0\n#endif").contains("division by zero"));
    assert!(err("#define f(x) x\nf(1, 2)").contains("passed 2 arguments, but takes just 1"));
    assert!(err("#define f(x) x\nf(1").contains("unterminated argument list"));
    assert!(err("#include <no/such/rcffi_header.h>").contains("cannot find header <no/such/rcffi_header.h>; searched:"));
    assert!(err("#foo").contains("invalid preprocessing directive #foo"));
    assert!(err("#else\n").contains("#else without #if"));
    assert!(err("#if 1\n#else\n#else\n#endif").contains("#else after #else"));
    assert!(err("#define defined 1").contains("\"defined\" cannot be used"));
    assert!(err("#define f(x) #y").contains("'#' is not followed by a macro parameter"));
}

#[test]
fn skipped_groups_may_hold_anything() {
    assert_eq!(pp("#if 0\n#error no\n#include <nowhere.h>\nit's 'not' \"code\n#bogus\n#endif\nok"), "ok");
}

#[test]
fn include_guards_once_and_next() {
    let dir = common::temp_headers(&[
        ("main.h", "#include \"g.h\"\n#include \"g.h\"\n#include \"o.h\"\n#include \"o.h\"\n#include <n.h>\nend\n"),
        ("g.h", "#ifndef G_H\n#define G_H\nguarded\n#endif\n"),
        ("o.h", "#pragma once\nonce\n"),
        ("i1/n.h", "first\n#include_next <n.h>\n"),
        ("i2/n.h", "second __INCLUDE_LEVEL__\n#if __has_include(\"g.h\") || !__has_include(<n.h>)\nbad\n#endif\n"),
    ]);
    let opts = PpOptions { include_dirs: vec![dir.join("i1"), dir.join("i2")], ..PpOptions::default() };
    let p = preprocess(Source::Header(dir.join("main.h").to_str().unwrap()), &opts).unwrap();
    assert_eq!(p.text().split_whitespace().collect::<Vec<_>>(), ["guarded", "once", "first", "second", "2", "end"]);
    assert!(p.is_defined("G_H"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn line_directive_renames_in_diagnostics() {
    let e =
        preprocess(Source::Text { name: "t.h", text: "#line 40 \"orig.c\"\n#error moved\n" }, &PpOptions::default()).unwrap_err();
    assert!(e.to_string().starts_with("orig.c:40:1: #error moved"), "{e}");
}

#[test]
fn macro_bodies_are_inspectable() {
    let p = preprocess(Source::Text { name: "t.h", text: "#define F(a, b) a + b * 2\n" }, &PpOptions::default()).unwrap();
    assert_eq!(p.macro_body("F").as_deref(), Some("$0 + $1 * 2"));
    assert!(p.is_defined("__x86_64__") || p.is_defined("__aarch64__"));
    assert!(p.is_defined("__GNUC__") && p.is_defined("__linux__") && p.is_defined("__SIZEOF_LONG__"));
}

#[test]
fn embedded_compiler_headers() {
    // Without gcc's own directory, rcffi's stddef.h & co. are used.
    let opts = PpOptions { compiler_headers: false, ..PpOptions::default() };
    let text = "#include <stddef.h>\n#include <stdarg.h>\n#include <stdbool.h>\n#include <stdint.h>\n#include <limits.h>\n#include <float.h>\n\
                size_t s; va_list v; bool b = true; int64_t i; int m = INT_MAX; long l = LONG_MIN; unsigned long long u = ULLONG_MAX; int d = DBL_DIG;\n";
    let p = preprocess(Source::Text { name: "t.h", text }, &opts).unwrap();
    assert!(p.files().iter().any(|f| f == "<rcffi>/stddef.h"), "{:?}", p.files());
    let out: String = p.text().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(out.contains("typedef long unsigned int size_t;"), "{out}");
    assert!(out.contains("_Bool b = 1;"), "{out}");
    assert!(out.contains("int m = 0x7fffffff;"), "{out}");
    assert!(out.contains("int d = 15;"), "{out}");
    // And the declarations parse.
    let (mut reg, mut arena) = (cdecl::Registry::new(), cdecl::TypeArena::new());
    let r = cdecl::header::cdef_header_text(
        &mut reg,
        &mut arena,
        "t.h",
        "#include <stdint.h>\n#include <stddef.h>\nint64_t f(size_t);\n",
        &Default::default(),
    );
    assert!(r.is_ok(), "{r:?}");
}
