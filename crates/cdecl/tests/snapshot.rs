//! A registry written by `snapshot::encode` and read back by
//! `snapshot::decode` declares the same things as the one parsed.

use cdecl::names::type_name;
use cdecl::{layout, snapshot, CdefOptions, DeclKind, Registry, Type, TypeArena, TypeId};

const CDEF: &str = r#"
typedef int... small_t;
typedef double... real_t;
typedef int foo_t[...];
typedef int mat_t[...][...];
typedef struct { int x, y; } point_t;
typedef struct { int y; } *anon_p;
struct node { int key; struct node *next; int (*cmp)(struct node, const char *); };
struct partial { long a; ...; };
union u { char c; double d; struct { short s1, s2; }; unsigned bits : 3; };
struct flex { int n; int data[]; };
struct fwd;
enum color { RED, GREEN = 5, BLUE };
enum partial_e { PA, PB, ... };
typedef enum { Q1 = -1, Q2 } q_t;
#define ANSWER 42
#define BIG 0xFFFFFFFFFFFFFFFF
enum wide { WMIN = -9223372036854775807, WMAX = 9223372036854775807 };
#define LATER ...
static const double RATIO;
extern int table[...];
extern const char *const names[4];
int apply(int (*f)(int, ...), volatile struct node *n, point_t p, size_t len);
void *alloc(size_t) __asm__("my_alloc");
extern "Python" int cb(int);
extern "Python+C" void cb2(void);
extern FILE *myfile;
int vlog(const char *, va_list);
"#;

fn describe(reg: &Registry, arena: &mut TypeArena) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen_records = Vec::new();
    let mut note_type = |arena: &mut TypeArena, what: &str, ty: TypeId, out: &mut Vec<String>| {
        out.push(format!("{what}: {}", type_name(arena, ty)));
        let mut stack = vec![ty];
        while let Some(t) = stack.pop() {
            match arena.get(t).clone() {
                Type::Pointer(x) | Type::Qualified(x, _) => stack.push(x),
                Type::Array { item, .. } => stack.push(item),
                Type::Function(f) => {
                    stack.push(f.result);
                    stack.extend(f.args.iter().copied());
                }
                Type::Record(rid) if !seen_records.contains(&rid) => {
                    seen_records.push(rid);
                    let r = arena.record(rid).clone();
                    out.push(format!("  record {} {:?} partial={} packing={:?} align={:?}", r.cname, r.kind, r.partial, r.packing, r.forced_align));
                    for f in r.fields.iter().flatten() {
                        out.push(format!("    {}: {} bits={:?}", f.name, type_name(arena, f.ty), f.bitsize));
                        stack.push(f.ty);
                    }
                    if !r.partial && r.fields.is_some() {
                        let rty = arena.intern(Type::Record(rid));
                        out.push(format!("    size/align: {:?}", layout::size_align(arena, rty).ok()));
                    }
                }
                Type::Enum(eid) => {
                    let e = arena.enum_def(eid).clone();
                    out.push(format!("  enum {} {:?} partial={} base={:?}", e.cname, e.values, e.partial, e.base));
                }
                _ => {}
            }
        }
    };
    for d in reg.declarations() {
        let (label, ty) = match &d.kind {
            DeclKind::Function { ty, asm_name } => (format!("function {} asm={asm_name:?}", d.name), *ty),
            DeclKind::Variable { ty } => (format!("variable {}", d.name), *ty),
            DeclKind::Constant { ty, value } => (format!("constant {} = {value:?}", d.name), *ty),
            DeclKind::EnumConstant { ty, value } => (format!("enumerator {} = {value}", d.name), *ty),
            DeclKind::ExternPython { ty, plus_c, dllexport } => (format!("extern python {} {plus_c} {dllexport}", d.name), *ty),
        };
        note_type(arena, &label, ty, &mut out);
    }
    for name in reg.typedef_names().to_vec() {
        let ty = reg.typedef(&name).expect("listed");
        note_type(arena, &format!("typedef {name}"), ty, &mut out);
    }
    for tag in ["node", "partial", "flex", "fwd"] {
        out.push(format!("struct tag {tag}: {:?}", reg.struct_tag(tag).map(|t| type_name(arena, t))));
    }
    out
}

/// `CDEF` parsed into a fresh arena, and its snapshot.
fn parsed_and_encoded() -> (TypeArena, Registry, Vec<u8>) {
    encoded(CDEF)
}

/// `text` parsed into a fresh arena, and its snapshot.
fn encoded(text: &str) -> (TypeArena, Registry, Vec<u8>) {
    let mut arena = TypeArena::new();
    let mut parsed = Registry::new();
    parsed.cdef(&mut arena, text, &CdefOptions::default()).expect("valid cdef");
    let bytes = snapshot::encode(&parsed, &arena);
    (arena, parsed, bytes)
}

#[test]
fn decoded_registry_declares_what_was_parsed() {
    let (mut arena, parsed, bytes) = parsed_and_encoded();
    let mut loaded = Registry::new();
    snapshot::decode(&bytes, &mut loaded, &mut arena).expect("decodes");
    let (a, b) = (describe(&parsed, &mut arena), describe(&loaded, &mut arena));
    assert!(a.len() > 40, "the description covers the declarations: {a:#?}");
    assert_eq!(a, b);
    // records are new ones (nominal types), the rest is shared
    assert_ne!(parsed.struct_tag("node"), loaded.struct_tag("node"));
    assert_eq!(parsed.typedef("small_t"), loaded.typedef("small_t"));
    // FILE is the arena's one FILE, not a copy
    let file_of = |reg: &Registry| match reg.lookup("myfile").map(|d| &d.kind) {
        Some(DeclKind::Variable { ty }) => *ty,
        other => panic!("{other:?}"),
    };
    assert_eq!(file_of(&parsed), file_of(&loaded));
    // and the loaded registry keeps working: more cdef on top of it
    loaded.cdef(&mut arena, "struct fwd { point_t p; }; int more(struct fwd *);", &CdefOptions::default()).expect("extends");
    assert!(loaded.lookup("more").is_some());
}

#[test]
fn decoded_as_parsed_keeps_the_parsers_names() {
    let (mut arena, parsed, bytes) = encoded("typedef struct foo { int a; } foo_t; typedef enum e { E1 } e_t; struct bar { foo_t f; };");
    let name = |reg: &Registry, arena: &TypeArena, t: &str| type_name(arena, reg.typedef(t).unwrap());
    // the runtime's registries name tagged records by tag, as cffi's tables
    let mut by_tag = Registry::new();
    snapshot::decode(&bytes, &mut by_tag, &mut arena).unwrap();
    assert_eq!((name(&by_tag, &arena, "foo_t"), name(&by_tag, &arena, "e_t")), ("struct foo".to_string(), "enum e".to_string()));
    // the generator's copy keeps the typedef names the parser gave them
    let as_parsed = snapshot::decode_as_parsed(&bytes, &mut arena).unwrap();
    assert_eq!((name(&as_parsed, &arena, "foo_t"), name(&as_parsed, &arena, "e_t")), ("foo_t".to_string(), "e_t".to_string()));
    assert_eq!(describe(&parsed, &mut arena), describe(&as_parsed, &mut arena));
    assert!(snapshot::decode_as_parsed(&bytes[..bytes.len() - 1], &mut arena).is_err());
}

#[test]
fn damaged_bytes_are_an_error_not_a_panic() {
    let (mut arena, _, bytes) = parsed_and_encoded();
    for cut in [0, 1, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
        let mut reg = Registry::new();
        let e = snapshot::decode(&bytes[..cut], &mut reg, &mut arena).expect_err("truncated");
        assert_eq!(e.message, cdecl::Message::DamagedSnapshot, "{}", e.message);
    }
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(snapshot::decode(&extra, &mut Registry::new(), &mut arena).is_err());
}

#[test]
fn any_byte_changed_decodes_or_errors_without_panicking() {
    let (mut arena, _, bytes) = parsed_and_encoded();
    let mut errors = 0;
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[i] ^= flip;
            if snapshot::decode(&damaged, &mut Registry::new(), &mut arena).is_err() {
                errors += 1;
            }
        }
    }
    assert!(errors > 0, "some damage is detected");
    // runs of 0xff (huge lengths) and pseudo-random garbage anywhere
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for i in (0..bytes.len()).step_by(7) {
        let mut damaged = bytes.clone();
        for b in damaged.iter_mut().skip(i).take(12) {
            *b = 0xff;
        }
        let _ = snapshot::decode(&damaged, &mut Registry::new(), &mut arena);
        let mut garbage = bytes[..i].to_vec();
        for _ in 0..64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            garbage.push(seed as u8);
        }
        let _ = snapshot::decode(&garbage, &mut Registry::new(), &mut arena);
    }
}

use std::sync::Arc;

use cdecl::resolve::{self, CompilerFacts, RecordFact, TypeFact, TypeFactKind};
use cdecl::snapshot::SnapshotBytes;

/// Every name `CDEF` declares, in some order.
const NAMES: &[&str] = &[
    "apply", "alloc", "names", "table", "ANSWER", "BIG", "RED", "GREEN", "BLUE", "PA", "PB", "Q1", "Q2", "WMIN", "LATER",
    "RATIO", "cb", "cb2", "myfile", "vlog", "small_t", "real_t", "foo_t", "mat_t", "point_t", "anon_p", "q_t", "node",
    "partial", "u", "flex", "fwd", "color", "partial_e", "wide",
];

fn lazy(bytes: &[u8], facts: Option<Arc<dyn resolve::Facts + Send + Sync>>) -> Registry {
    Registry::from_snapshot(SnapshotBytes::Owned(bytes.into()), facts).expect("opens")
}

#[test]
fn a_lazy_registry_declares_each_name_when_first_asked() {
    let (mut arena, parsed, bytes) = parsed_and_encoded();
    let mut reg = lazy(&bytes, None);
    assert!(reg.is_lazy());
    assert!(reg.lookup("apply").is_none() && reg.typedef("point_t").is_none());
    reg.load(&mut arena, "apply").unwrap();
    assert!(matches!(reg.lookup("apply").map(|d| &d.kind), Some(DeclKind::Function { .. })));
    // only that name: the records it reaches exist, other names are not declared yet
    assert!(reg.lookup("ANSWER").is_none() && reg.typedef("small_t").is_none() && reg.struct_tag("node").is_none());
    // what a type string names
    reg.load_type_text(&mut arena, "struct node *(*)(point_t, enum color)").unwrap();
    assert!(reg.struct_tag("node").is_some() && reg.typedef("point_t").is_some() && reg.enum_tag("color").is_some());
    let t = reg.parse_type(&mut arena, "struct node *").unwrap();
    assert_eq!(type_name(&arena, t), "struct node *");
    // the same declarations, in the same order, once everything is read
    reg.load_all(&mut arena).unwrap();
    assert!(!reg.is_lazy());
    assert_eq!(describe(&parsed, &mut arena), describe(&reg, &mut arena));
}

#[test]
fn the_order_names_are_read_in_does_not_matter() {
    let (mut arena, _, bytes) = parsed_and_encoded();
    let mut forward = lazy(&bytes, None);
    let mut backward = lazy(&bytes, None);
    for name in NAMES {
        forward.load(&mut arena, name).unwrap();
    }
    for name in NAMES.iter().rev() {
        backward.load(&mut arena, name).unwrap();
    }
    forward.load_all(&mut arena).unwrap();
    backward.load_all(&mut arena).unwrap();
    assert_eq!(describe(&forward, &mut arena), describe(&backward, &mut arena));
    // a clone shares what was read: the same record, not a copy
    let mut reg = lazy(&bytes, None);
    reg.load(&mut arena, "node").unwrap();
    let mut other = reg.clone();
    other.load(&mut arena, "apply").unwrap();
    reg.load(&mut arena, "apply").unwrap();
    assert_eq!(reg.struct_tag("node"), other.struct_tag("node"));
    assert_eq!(reg.lookup("apply"), other.lookup("apply"));
}

/// A cdef whose compiler answers each concern one item (no `typedef
/// int... t;`, no `[...]`), with such answers.
const LOCAL_CDEF: &str = r#"
struct partial { long a; ...; };
struct outer { struct partial p; int tail; };
struct full { char c; int i; };
enum partial_e { PA, PB, ... };
enum color { RED, GREEN = 5, BLUE };
#define ANSWER 42
#define LATER ...
int use(struct outer *, enum partial_e);
"#;

fn local_facts() -> CompilerFacts {
    let mut f = CompilerFacts::default();
    for (name, v) in [("PA", 3), ("PB", -1), ("RED", 0), ("GREEN", 5), ("BLUE", 6), ("ANSWER", 43), ("LATER", 7)] {
        f.ints.insert(name.to_string(), v);
    }
    f.types.insert("enum partial_e".to_string(), TypeFact { kind: TypeFactKind::Enum, size: 1, signed: true });
    f.records.push(("struct partial".to_string(), RecordFact { size: 24, align: 8, fields: vec![Some((8, 8))] }));
    f.records.push(("struct outer".to_string(), RecordFact { size: 32, align: 8, fields: vec![Some((0, 24)), Some((24, 4))] }));
    // the compiler disagrees about this one
    f.records.push(("struct full".to_string(), RecordFact { size: 8, align: 4, fields: vec![Some((0, 1)), Some((2, 4))] }));
    f
}

#[test]
fn facts_given_to_a_lazy_registry_give_what_apply_gives() {
    let mut arena = TypeArena::new();
    let mut parsed = Registry::new();
    parsed.cdef(&mut arena, LOCAL_CDEF, &CdefOptions::default()).unwrap();
    let bytes = snapshot::encode(&parsed, &arena);
    let facts = local_facts();
    // all at once, as before
    let mut eager = Registry::new();
    snapshot::decode(&bytes, &mut eager, &mut arena).unwrap();
    let mismatches = resolve::apply(&mut eager, &mut arena, &facts).unwrap();
    // one name at a time, in an order where a record is reached before
    // what it contains is asked for
    let mut reg = lazy(&bytes, Some(Arc::new(facts.clone())));
    for name in ["use", "outer", "ANSWER", "LATER", "PB", "BLUE", "full", "color", "partial_e", "partial", "PA", "RED", "GREEN"] {
        reg.load(&mut arena, name).unwrap();
    }
    reg.load_all(&mut arena).unwrap();
    let summary = |reg: &Registry, arena: &mut TypeArena| -> Vec<String> {
        let mut out = describe(reg, arena);
        for tag in ["partial", "outer", "full"] {
            let t = reg.struct_tag(tag).unwrap();
            let Type::Record(rid) = *arena.get(t) else { panic!() };
            out.push(format!("{tag}: {:?} broken={:?}", layout::size_align(arena, t).ok(), arena.record(rid).broken));
        }
        out
    };
    let (a, b) = (summary(&eager, &mut arena), summary(&reg, &mut arena));
    assert_eq!(a, b);
    assert!(a.iter().any(|l| l.contains("partial: Some((24, 8))")) && a.iter().any(|l| l.contains("full: None")), "{a:#?}");
    assert!(a.iter().any(|l| l.contains("enumerator PA = 3")) && a.iter().any(|l| l.contains("constant LATER = Int(7)")), "{a:#?}");
    // a constant the compiler contradicts keeps the cdef's value; the
    // error is the one apply() reports
    let answer = match reg.lookup("ANSWER").map(|d| &d.kind) {
        Some(DeclKind::Constant { value, .. }) => value.clone(),
        other => panic!("{other:?}"),
    };
    let e = resolve::constant_mismatch("ANSWER", &answer, &facts).expect("disagrees");
    assert_eq!(e.message, mismatches.constants["ANSWER"].message);
}

#[test]
fn damage_found_lazily_is_an_error_not_a_panic() {
    let (mut arena, _, bytes) = parsed_and_encoded();
    let mut errors = 0;
    for i in (0..bytes.len()).step_by(3) {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[i] ^= flip;
            let Ok(mut reg) = Registry::from_snapshot(SnapshotBytes::Owned(damaged.into()), None) else {
                errors += 1;
                continue;
            };
            for name in NAMES {
                if let Err(e) = reg.load(&mut arena, name) {
                    assert_eq!(e.message, cdecl::Message::DamagedSnapshot, "{}", e.message);
                    errors += 1;
                }
            }
            let _ = reg.load_type_text(&mut arena, "struct node *");
            if reg.load_all(&mut arena).is_err() {
                errors += 1;
            }
        }
    }
    assert!(errors > 0, "some damage is detected");
}
