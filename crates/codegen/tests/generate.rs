//! The generator's output for small cdefs (compiled for real by the pytest
//! suites in tests/api/, which also check -Wall -Wextra -Werror).

use codegen::{generate, snapshot_of, CdefInput, Embedding, GenError, ModuleSource};

/// A module of these declaration calls (parsed here: the runtime gives
/// the generator its FFI's registry instead).
fn module(name: &str, preamble: &str, cdefs: Vec<CdefInput>, embedding: Option<Embedding>) -> Result<ModuleSource, GenError> {
    Ok(ModuleSource {
        module_name: name.into(),
        preamble: preamble.into(),
        declarations: snapshot_of(&cdefs)?,
        cdefs,
        embedding,
    })
}

/// The name at `at` in the module's `_rcffi_names` (rows name themselves
/// by where their name starts there).
fn pool_name(c: &str, at: usize) -> String {
    let start = c.find("static const unsigned char _rcffi_names[] = {").expect("a name pool");
    let body = &c[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
    let bytes: Vec<u8> = body.split(',').map(|b| b.trim().parse().unwrap()).collect();
    let rest = &bytes[at..];
    String::from_utf8(rest[..rest.iter().position(|&b| b == 0).unwrap()].to_vec()).unwrap()
}

/// The name offset of the row whose other members are `rest`.
fn row_offset(c: &str, rest: &str) -> usize {
    let end = c.find(&format!("u, {rest} }}")).unwrap_or_else(|| panic!("no row {rest} in {c}"));
    let start = c[..end].rfind("{ ").unwrap() + 2;
    c[start..end].parse().unwrap()
}

/// The name of the row of table `table` (rows of names only) whose case
/// in the table's function runs `stmt`.
fn dispatched_name(c: &str, table: &str, stmt: &str) -> String {
    let at = c.find(&format!(": {stmt}")).unwrap_or_else(|| panic!("no case {stmt} in {c}"));
    let case = c[..at].rfind("case ").unwrap() + 5;
    let k: usize = c[case..at].parse().unwrap();
    let start = c.find(&format!("{table}[] = {{")).unwrap();
    let rows: Vec<&str> = c[start..].lines().skip(1).take_while(|l| l.trim_start().starts_with('{')).collect();
    let off = rows[k].trim().trim_start_matches("{ ").split('u').next().unwrap();
    pool_name(c, off.parse().unwrap())
}

fn gen(cdef: &str) -> Result<String, GenError> {
    generate(&module("pkg._m", "/* user */", vec![CdefInput { source: cdef.into(), ..Default::default() }], None)?)
}

#[test]
fn trampolines_use_c_types_with_qualifiers() {
    let c = gen("const char *name(const int *p, struct s *q); struct s { int a; };").unwrap();
    assert!(c.contains("static void _rcffi_t_name(void **a, void *r)"), "{c}");
    assert!(c.contains("*(const char **)r = name(*(const int **)a[0], *(struct s **)a[1]);"), "{c}");
    // the address Python sees: a function of exactly the declared type
    assert!(c.contains("static const char *_rcffi_d_name(const int *x0, struct s *x1)\n{\n    return name(x0, x1);\n}"), "{c}");
    assert_eq!(dispatched_name(&c, "_rcffi_funcs", "*a = (_rcffi_fn)_rcffi_d_name; *t = _rcffi_t_name; return;"), "name");
    assert!(c.contains("PyMODINIT_FUNC PyInit__m(void)"));
    assert!(c.contains("\"pkg._m\""));
}

#[test]
fn variadic_functions_get_no_trampoline() {
    let c = gen("int printf(const char *, ...);").unwrap();
    assert!(!c.contains("_rcffi_t_printf"));
    assert_eq!(dispatched_name(&c, "_rcffi_funcs", "*a = (_rcffi_fn)(int (*)(const char *, ...))&printf; *t = NULL; return;"), "printf");
}

#[test]
fn layouts_constants_and_unknown_types_are_measured() {
    let c = gen("struct p { int a; ...; };\n#define X ...\nenum e { A, B, ... }; typedef int... t; extern int arr[...];").unwrap();
    assert!(c.contains("offsetof(struct p, a), sizeof(((struct p *)0)->a)"), "{c}");
    assert!(c.contains("sizeof(struct p), _RCFFI_ALIGNOF(struct p)"), "{c}");
    assert!(c.contains("static int _rcffi_i_X(unsigned long long *o)"));
    assert!(c.contains("static int _rcffi_i_B(unsigned long long *o)"));
    assert_eq!(pool_name(&c, row_offset(&c, "0, sizeof(t), (((t)-1) < ((t)1))")), "t");
    assert_eq!(dispatched_name(&c, "_rcffi_ints", "return _rcffi_i_X(o);"), "X");
    assert_eq!(dispatched_name(&c, "_rcffi_ints", "return _rcffi_i_B(o);"), "B");
    // a record's cells are in the module's one array (no pointer in the row)
    assert!(c.contains("static const size_t _rcffi_fields[] = {\n    offsetof(struct p, a), sizeof(((struct p *)0)->a)"), "{c}");
    assert_eq!(pool_name(&c, row_offset(&c, "sizeof(struct p), _RCFFI_ALIGNOF(struct p), 1, 0u")), "struct p");
    assert!(c.contains("sizeof((arr)) / sizeof(((arr))[0])"), "{c}");
}

#[test]
fn extern_python_definitions() {
    let c = gen("extern \"Python\" int cb(int, double); extern \"Python+C\" void done(void);").unwrap();
    assert!(c.contains("static int cb(int a0, double a1)"), "{c}");
    assert!(c.contains("\nvoid done(void)"), "{c}");
    assert!(c.contains("{ \"pkg._m.cb\", sizeof(int), NULL, NULL }"));
    assert!(c.contains("_rcffi_call_python(&_rcffi_externpy_cb, args, (void *)&result);"));
    assert!(gen("extern \"Python\" int v(int, ...);").is_err());
}

#[test]
fn cdef_text_is_embedded_as_a_c_string() {
    let c = gen("int f(int); /* \"quoted\" ?? \\ */").unwrap();
    assert!(c.contains("\\\"quoted\\\" \\?\\? \\\\"), "{c}");
}

#[test]
fn parse_errors_are_reported() {
    assert!(matches!(gen("int f(;"), Err(GenError::Cdef(_))));
}

#[test]
fn damaged_declarations_are_an_error() {
    let mut src = module("_m", "", vec![CdefInput { source: "int f(int);".into(), ..Default::default() }], None).unwrap();
    src.declarations.truncate(src.declarations.len() / 2);
    assert!(matches!(generate(&src), Err(GenError::Cdef(_))));
}

#[test]
fn named_opaque_pointers_are_spelled_by_their_typedef() {
    let c = gen("typedef ... *token_p; token_p foo(token_p);").unwrap();
    assert!(c.contains("static token_p _rcffi_d_foo(token_p x0)"), "{c}");
}

#[test]
fn embedding_functions_are_exported_and_start_python() {
    let c = generate(
        &module(
            "_plug",
            "/* user */",
            vec![CdefInput { source: "int add(int, int);".into(), dllexport: true, ..Default::default() }],
            Some(Embedding { init_code: "x = 1\n".into(), runtime_dir: "/r".into(), version: "1.0".into() }),
        )
        .unwrap(),
    )
    .unwrap();
    // CFFI_DLLEXPORT and cffi_start_python() are there for the user's source
    let user = c.find("/* user */").unwrap();
    assert!(c[..user].contains("#  define CFFI_DLLEXPORT  __attribute__((visibility(\"default\")))"), "{c}");
    assert!(c[..user].contains("static _RCFFI_UNUSED_FN int cffi_start_python(void);"), "{c}");
    assert!(c.contains("CFFI_DLLEXPORT int add(int a0, int a1)\n{"), "{c}");
    assert!(c.contains("    _rcffi_embedding_call(&_rcffi_externpy_add, args, (void *)&result);"), "{c}");
    // replayed at import as embedding_api() text
    assert!(c.contains("{ \"int add(int, int);\", 2, 0 }"), "{c}");
    assert!(c.contains("    &_rcffi_call_python_rt,\n    _rcffi_snapshot, "), "{c}");
    assert!(c.contains(",\n    _rcffi_names, "), "{c}");
    assert!(c.contains("static const char _rcffi_emb_code[] = \"x = 1\\n\"\n\"\";"), "{c}");
    assert!(c.contains("_rcffi_emb_module = m;"), "{c}");
}

#[test]
fn modules_without_embedding_have_no_start_code() {
    let c = gen("extern \"Python\" int cb(int);").unwrap();
    assert!(!c.contains("cffi_start_python"));
    assert!(c.contains("    _rcffi_call_python(&_rcffi_externpy_cb, args, (void *)&result);"), "{c}");
}

#[test]
fn modules_use_the_limited_api_unless_told_not_to() {
    let c = gen("int f(int);").unwrap();
    let python_h = c.find("#include <Python.h>").unwrap();
    // defined before Python.h, after pyconfig.h told whether this is a debug build
    let define = c.rfind("#      define Py_LIMITED_API 0x03090000").unwrap(); // the non-MSVC branch
    assert!(define < python_h, "{c}");
    assert!(c[..define].contains("#if !defined(Py_LIMITED_API) && !defined(_CFFI_NO_LIMITED_API)"), "{c}");
    assert!(c[..define].contains("#    include <pyconfig.h>"), "{c}");
    assert!(c[..python_h].contains("!defined(Py_DEBUG) && !defined(Py_TRACE_REFS) && !defined(Py_REF_DEBUG)"), "{c}");
}

#[test]
fn embedding_libraries_use_the_full_api() {
    let c = generate(
        &module(
            "_plug",
            "",
            vec![CdefInput { source: "int add(int, int);".into(), dllexport: true, ..Default::default() }],
            Some(Embedding { init_code: String::new(), runtime_dir: "/r".into(), version: "1.0".into() }),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(!c.contains("Py_LIMITED_API"), "{c}");
}

#[test]
fn shared_structs_are_declared_and_checked_as_the_runtime_lays_them_out() {
    use codegen::protocol::{CdefC, ModuleC};
    use std::mem::{offset_of, size_of};
    let c = gen("int f(int);").unwrap();
    assert!(c.contains("struct _rcffi_cdef_s { const char *text; int flags; int pack; };"), "{c}");
    assert!(c.contains("int (*ints_get)(size_t, unsigned long long *);"), "{c}");
    let size = format!("_RCFFI_LAYOUT(sizeof(struct _rcffi_module_s) == {}u,", size_of::<ModuleC>());
    assert!(c.contains(&size), "{c}");
    let last = format!("_RCFFI_LAYOUT(offsetof(struct _rcffi_module_s, nfield_cells) == {}u,", offset_of!(ModuleC, nfield_cells));
    // rows name themselves by an offset into the module's names (no
    // pointer: no relocation to apply at import)
    assert!(c.contains("struct _rcffi_func_s { unsigned int name; };"), "{c}");
    assert!(c.contains(&last), "{c}");
    let pack = format!("_RCFFI_LAYOUT(offsetof(struct _rcffi_cdef_s, pack) == {}u,", offset_of!(CdefC, pack));
    assert!(c.contains(&pack), "{c}");
    // the checks come after the declarations they check
    assert!(c.find("struct _rcffi_module_s {").unwrap() < c.find(&size).unwrap());
}

#[test]
fn what_included_modules_declare_is_theirs() {
    use codegen::{generate_including, Includes};
    let theirs = CdefInput { source: "typedef struct a { int x; } a_t; int g(int); enum k { K1 };".into(), ..Default::default() };
    let ours = CdefInput { source: "struct b { a_t a; enum k k; }; int f(a_t *);".into(), ..Default::default() };
    // the including FFI's registry has both (what ffi.include() gives it)
    let src = ModuleSource {
        module_name: "_m".into(),
        preamble: String::new(),
        declarations: snapshot_of(&[theirs.clone(), ours.clone()]).unwrap(),
        cdefs: vec![ours],
        embedding: None,
    };
    let mut arena = cdecl::TypeArena::new();
    let mut reg = cdecl::Registry::new();
    reg.cdef(&mut arena, &theirs.source, &Default::default()).unwrap();
    let mut includes = Includes { modules: vec!["_other".into()], ..Default::default() };
    includes.add_names_of(&reg);
    let c = generate_including(&src, &includes).unwrap();
    assert!(c.contains("_rcffi_d_f(a_t *x0)"), "{c}");
    assert!(c.contains("offsetof(struct b, a)"), "{c}");
    assert!(!c.contains("_rcffi_d_g") && !c.contains("offsetof(a_t") && !c.contains("_rcffi_i_K1"), "{c}");
    // their module is imported, our text replayed; no snapshot of ours
    assert!(c.contains("{ \"_other\", 0, -1 }"), "{c}");
    assert!(c.contains("{ \"struct b { a_t a; enum k k; }; int f(a_t *);\", 0, 0 }"), "{c}");
    assert!(c.contains("    NULL, 0,\n    _rcffi_names, "), "{c}");
}
