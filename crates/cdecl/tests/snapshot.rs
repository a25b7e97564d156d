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
    let mut arena = TypeArena::new();
    let mut parsed = Registry::new();
    parsed.cdef(&mut arena, CDEF, &CdefOptions::default()).expect("valid cdef");
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
fn damaged_bytes_are_an_error_not_a_panic() {
    let (mut arena, _, bytes) = parsed_and_encoded();
    for cut in [0, 1, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
        let mut reg = Registry::new();
        let e = snapshot::decode(&bytes[..cut], &mut reg, &mut arena).expect_err("truncated");
        assert!(e.message.contains("rebuild it"), "{}", e.message);
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
