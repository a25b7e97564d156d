//! The layout engine against the real C compiler: hundreds of generated
//! structs and unions (random field mixes, nesting, arrays, bitfields,
//! anonymous members, flexible arrays, `pack=N`) are compiled with `gcc`,
//! which prints every size, alignment, offset and bitfield position; the
//! crate must give exactly the same answers.

mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::Command;

use cdecl::{CdefOptions, Packing, Registry, Type, TypeArena, TypeId};

const RECORDS: usize = 480;

/// xorshift64*: deterministic, so a failure is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// (spelling, bits) of the integer types a bitfield may use.
const BITFIELD_TYPES: &[(&str, u32)] = &[
    ("char", 8),
    ("signed char", 8),
    ("unsigned char", 8),
    ("short", 16),
    ("unsigned short", 16),
    ("int", 32),
    ("unsigned int", 32),
    ("long", 64),
    ("unsigned long", 64),
    ("long long", 64),
    ("unsigned long long", 64),
    ("_Bool", 1),
];

const PLAIN_TYPES: &[&str] = &[
    "char",
    "unsigned char",
    "short",
    "int",
    "unsigned int",
    "long",
    "long long",
    "float",
    "double",
    "long double",
    "void *",
    "_Bool",
    "int64_t",
    "uint16_t",
    "size_t",
    "enum e_small",
    "enum e_neg",
    "int(*)(int, double)",
];

/// The generated C text of every record plus the fields to check.
struct Generated {
    source: String,
    /// Per record: its C name, `pack` value, and the named leaf fields
    /// reachable from it (`a`, or through anonymous members).
    records: Vec<(String, Option<u32>, Vec<Leaf>)>,
}

#[derive(Clone)]
struct Leaf {
    name: String,
    bitfield: bool,
}

fn field_decl(ty: &str, name: &str) -> String {
    if let Some(inner) = ty.strip_suffix("(int, double)") {
        // a function pointer: `int(*name)(int, double)`
        format!("{}{name})(int, double)", inner.trim_end_matches(')'))
    } else {
        format!("{ty} {name}")
    }
}

fn generate(seed: u64) -> Generated {
    let mut rng = Rng(seed);
    let mut source = String::from("enum e_small { ES_A, ES_B = 7 };\nenum e_neg { EN_A = -3, EN_B = 100 };\n");
    let mut records = Vec::new();
    // records usable as members (no flexible array inside)
    let mut nestable: Vec<String> = Vec::new();

    for index in 0..RECORDS {
        let keyword = if rng.chance(20) { "union" } else { "struct" };
        let name = format!("{keyword} r{index}");
        let pack = match rng.below(8) {
            0 => Some(1),
            1 => Some(2),
            2 => Some(4),
            3 => Some(8),
            _ => None,
        };
        let mut body = String::new();
        let mut leaves = Vec::new();
        let nfields = 1 + rng.below(7);
        let mut counter = 0;
        let mut fresh = |leaves: &mut Vec<Leaf>, bitfield: bool| {
            counter += 1;
            let n = format!("f{counter}");
            leaves.push(Leaf { name: n.clone(), bitfield });
            n
        };
        let mut flexible = false;
        for i in 0..nfields {
            match rng.below(10) {
                0..=3 => {
                    let (ty, bits) = BITFIELD_TYPES[rng.below(BITFIELD_TYPES.len())];
                    let width = rng.below(bits as usize + 1) as u32;
                    if width == 0 || rng.chance(10) {
                        writeln!(body, "    {ty} : {width};").unwrap();
                    } else {
                        let n = fresh(&mut leaves, true);
                        writeln!(body, "    {ty} {n} : {width};").unwrap();
                    }
                }
                4 if !nestable.is_empty() => {
                    let inner = nestable[rng.below(nestable.len())].clone();
                    let n = fresh(&mut leaves, false);
                    if rng.chance(30) {
                        writeln!(body, "    {inner} {n}[{}];", 1 + rng.below(3)).unwrap();
                    } else {
                        writeln!(body, "    {inner} {n};").unwrap();
                    }
                }
                5 => {
                    // an anonymous struct or union member
                    let kw = if rng.chance(50) { "union" } else { "struct" };
                    writeln!(body, "    {kw} {{").unwrap();
                    for _ in 0..1 + rng.below(3) {
                        if rng.chance(40) {
                            let (ty, bits) = BITFIELD_TYPES[rng.below(BITFIELD_TYPES.len() - 1)];
                            let n = fresh(&mut leaves, true);
                            writeln!(body, "        {ty} {n} : {};", 1 + rng.below(bits as usize)).unwrap();
                        } else {
                            let ty = PLAIN_TYPES[rng.below(PLAIN_TYPES.len())];
                            let n = fresh(&mut leaves, false);
                            writeln!(body, "        {};", field_decl(ty, &n)).unwrap();
                        }
                    }
                    writeln!(body, "    }};").unwrap();
                }
                6 if i + 1 == nfields && keyword == "struct" && !leaves.is_empty() => {
                    let ty = PLAIN_TYPES[rng.below(5)];
                    let n = fresh(&mut leaves, false);
                    writeln!(body, "    {ty} {n}[];").unwrap();
                    flexible = true;
                }
                _ => {
                    let ty = PLAIN_TYPES[rng.below(PLAIN_TYPES.len())];
                    let n = fresh(&mut leaves, false);
                    if rng.chance(20) && !ty.contains('(') {
                        writeln!(body, "    {ty} {n}[{}];", 1 + rng.below(5)).unwrap();
                    } else {
                        writeln!(body, "    {};", field_decl(ty, &n)).unwrap();
                    }
                }
            }
        }
        if leaves.is_empty() {
            let n = fresh(&mut leaves, false);
            writeln!(body, "    int {n};").unwrap();
        }
        let text = format!("{name} {{\n{body}}};\n");
        match pack {
            Some(p) => write!(source, "#pragma pack(push, {p})\n{text}#pragma pack(pop)\n").unwrap(),
            None => source.push_str(&text),
        }
        if !flexible {
            nestable.push(name.clone());
        }
        records.push((name, pack, leaves));
    }
    Generated { source, records }
}

/// gcc's answers: record -> (size, align, leaf -> (bit start, bit count or 0)).
type Answers = HashMap<String, (u64, u64, HashMap<String, (u64, u64)>)>;

fn gcc_answers(generated: &Generated) -> Answers {
    let dir = std::env::temp_dir().join(format!("cdecl-gcc-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut c = String::from("#include <stdio.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n");
    c.push_str(&generated.source);
    c.push_str(
        "static void bits(const unsigned char *p, size_t n, const char *name) {\n\
         size_t first = (size_t)-1, count = 0;\n\
         for (size_t i = 0; i < n * 8; i++) if (p[i / 8] >> (i % 8) & 1) { if (first == (size_t)-1) first = i; count++; }\n\
         printf(\"B %s %zu %zu\\n\", name, first, count);\n}\n",
    );
    c.push_str("int main(void) {\n");
    for (index, (name, _, leaves)) in generated.records.iter().enumerate() {
        writeln!(c, "  {{ {name} s; printf(\"S {index} %zu %zu\\n\", sizeof(s), _Alignof({name}));").unwrap();
        for leaf in leaves {
            if leaf.bitfield {
                writeln!(
                    c,
                    "    memset(&s, 0, sizeof s); s.{0} = -1; if (!s.{0}) s.{0} = 1; bits((const unsigned char *)&s, sizeof s, \"{0}\");",
                    leaf.name
                )
                .unwrap();
            } else {
                writeln!(c, "    printf(\"F {} %zu\\n\", offsetof({name}, {}));", leaf.name, leaf.name).unwrap();
            }
        }
        c.push_str("  }\n");
    }
    c.push_str("  return 0;\n}\n");
    let src = dir.join("layout.c");
    let exe = dir.join("layout");
    std::fs::write(&src, &c).unwrap();
    let out = Command::new("gcc").args(["-std=gnu11", "-w", "-O0", "-o"]).arg(&exe).arg(&src).output().expect("gcc runs");
    assert!(out.status.success(), "gcc failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(&exe).output().expect("the layout program runs");
    assert!(run.status.success());
    let _ = std::fs::remove_dir_all(&dir);

    let mut answers = Answers::new();
    let mut current = String::new();
    for line in String::from_utf8(run.stdout).unwrap().lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        match parts[0] {
            "S" => {
                current = generated.records[parts[1].parse::<usize>().unwrap()].0.clone();
                answers.insert(current.clone(), (parts[2].parse().unwrap(), parts[3].parse().unwrap(), HashMap::new()));
            }
            "F" => {
                let offset: u64 = parts[2].parse().unwrap();
                answers.get_mut(&current).unwrap().2.insert(parts[1].into(), (offset * 8, 0));
            }
            "B" => {
                let pos = (parts[2].parse().unwrap(), parts[3].parse().unwrap());
                answers.get_mut(&current).unwrap().2.insert(parts[1].into(), pos);
            }
            other => panic!("unexpected line {other}"),
        }
    }
    answers
}

/// The crate's positions of every named leaf of a record, in bits.
fn crate_leaves(arena: &mut TypeArena, ty: TypeId, base_bit: u64, out: &mut HashMap<String, (u64, u64)>) {
    let Type::Record(rid) = *arena.get(ty) else { panic!("not a record") };
    let layout = cdecl::layout::record_layout(arena, rid).unwrap().clone();
    let fields = arena.record(rid).fields.clone().unwrap();
    for (field, at) in fields.iter().zip(&layout.fields) {
        let start = base_bit + at.offset * 8;
        if field.name.is_empty() {
            if field.bitsize.is_none() {
                crate_leaves(arena, field.ty, start, out);
            }
        } else if at.bitsize >= 0 {
            out.insert(field.name.clone(), (start + at.bitshift as u64, at.bitsize as u64));
        } else {
            out.insert(field.name.clone(), (start, 0));
        }
    }
}

#[test]
fn random_records_match_gcc() {
    let seed = std::env::var("CDECL_LAYOUT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_1234_ABCD_0001);
    let generated = generate(seed);
    let answers = gcc_answers(&generated);
    if let Ok(path) = std::env::var("CDECL_LAYOUT_DUMP") {
        std::fs::write(path, &generated.source).unwrap();
    }
    let mut arena = TypeArena::new();
    let mut reg = Registry::new();
    // One cdef per packing, in order, as a user with mixed packing would.
    let mut chunks: Vec<(Option<u32>, String)> = Vec::new();
    let pending = generated.source.lines();
    let mut current_pack = None;
    let mut text = String::new();
    for line in pending {
        if let Some(rest) = line.strip_prefix("#pragma pack(push, ") {
            chunks.push((current_pack, std::mem::take(&mut text)));
            current_pack = Some(rest.trim_end_matches(')').parse().unwrap());
        } else if line == "#pragma pack(pop)" {
            chunks.push((current_pack, std::mem::take(&mut text)));
            current_pack = None;
        } else {
            text.push_str(line);
            text.push('\n');
        }
    }
    chunks.push((current_pack, text));
    for (pack, text) in chunks {
        let options = CdefOptions { packing: pack.map_or(Packing::Natural, Packing::Pack), ..CdefOptions::default() };
        reg.cdef(&mut arena, &text, &options).unwrap_or_else(|e| panic!("{e}"));
    }

    let mut mismatches = Vec::new();
    for (name, _pack, _) in &generated.records {
        let ty = reg.parse_type(&mut arena, name).unwrap();
        let (size, align) = cdecl::layout::size_align(&mut arena, ty).unwrap();
        let (gsize, galign, gleaves) = &answers[name];
        if (size, align) != (*gsize, *galign) {
            mismatches.push(format!("{name}: size/align {size}/{align}, gcc {gsize}/{galign}"));
        }
        let mut leaves = HashMap::new();
        crate_leaves(&mut arena, ty, 0, &mut leaves);
        for (leaf, want) in gleaves {
            if leaves.get(leaf) != Some(want) {
                mismatches.push(format!("{name}.{leaf}: {:?}, gcc {want:?}", leaves.get(leaf)));
            }
        }
    }
    assert!(generated.records.len() >= 400);
    assert!(mismatches.is_empty(), "{} mismatches, first ones:\n{}\n\nsource:\n{}", mismatches.len(), mismatches[..mismatches.len().min(20)].join("\n"), "(see generate())");
}

/// `aligned(N)` on a typedef sets the typedef's alignment (higher or
/// lower) without padding its size; on the record itself it raises the
/// alignment and pads. glibc's `__pthread_unwind_buf_t` is the first shape
/// (gcc: sizeof 104, alignment 16). Checked in a header, in the cdef text
/// printed for it, and in hand-written cdef text.
const ALIGNED_TYPEDEFS_H: &str = r#"
typedef struct {
  struct { long __jmp_buf[8]; int __mask_was_saved; } __cancel_jmp_buf[1];
  void *__pad[4];
} unwind_buf_t __attribute__ ((__aligned__));
typedef struct { long a[13]; } __attribute__((aligned(16))) padded_t;
struct holds_unwind { char c; unwind_buf_t t; char d; };
union holds_unwind_u { char c; unwind_buf_t t; };
typedef struct { long x; } lowered_t __attribute__((aligned(4)));
struct holds_lowered { char c; lowered_t t; };
typedef struct { char c; } raised_t __attribute__((aligned(8)));
struct holds_raised { char c; raised_t t; raised_t u; };
typedef struct __attribute__((aligned(8))) { char c; } both_t __attribute__((aligned(32)));
typedef struct { int a[3]; } __attribute__((aligned(8))) both2_t __attribute__((aligned(16)));
struct holds_both { both_t a; char b; both2_t c; };
typedef union { char c[5]; } union_t __attribute__((aligned(8)));
struct holds_union { char c; union_t u; int i; };
struct tagged { long a[13]; };
"#;

const ALIGNED_TYPEDEF_QUERIES: &[(&str, &[&str])] = &[
    ("unwind_buf_t", &["__cancel_jmp_buf", "__pad"]),
    ("padded_t", &["a"]),
    ("struct holds_unwind", &["c", "t", "d"]),
    ("union holds_unwind_u", &["c", "t"]),
    ("lowered_t", &["x"]),
    ("struct holds_lowered", &["t"]),
    ("raised_t", &["c"]),
    ("struct holds_raised", &["t", "u"]),
    ("both_t", &["c"]),
    ("both2_t", &["a"]),
    ("struct holds_both", &["a", "b", "c"]),
    ("union_t", &["c"]),
    ("struct holds_union", &["u", "i"]),
    ("struct tagged", &["a"]),
];

#[test]
fn aligned_typedefs_match_gcc() {
    if !common::gcc_available() {
        return;
    }
    let want = common::gcc_layouts(ALIGNED_TYPEDEFS_H, ALIGNED_TYPEDEF_QUERIES, &[]);
    assert_eq!((want[0].size, want[0].align), (104, 16), "gcc's __pthread_unwind_buf_t");
    let check = |how: &str, reg: &Registry, arena: &mut TypeArena| {
        let got = common::crate_layouts(reg, arena, ALIGNED_TYPEDEF_QUERIES);
        for ((g, w), (ty, _)) in got.iter().zip(&want).zip(ALIGNED_TYPEDEF_QUERIES) {
            assert_eq!(g, w, "{how}: {ty}");
        }
    };
    // a header
    let options = cdecl::header::HeaderOptions::default();
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    cdecl::header::cdef_header_text(&mut reg, &mut arena, "aligned.h", ALIGNED_TYPEDEFS_H, &options).unwrap();
    check("cdef_header", &reg, &mut arena);
    // the cdef text rcffi prints for it (API mode embeds that text)
    let dir = common::temp_headers(&[("aligned.h", ALIGNED_TYPEDEFS_H)]);
    let text = cdecl::header::to_rcffi_cdef_text(dir.join("aligned.h").to_str().unwrap(), &options).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(text.contains("} unwind_buf_t __attribute__((aligned(16)));"), "{text}");
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    reg.cdef(&mut arena, &text, &CdefOptions::default()).unwrap_or_else(|e| panic!("{e}\n{text}"));
    check("printed cdef text", &reg, &mut arena);
    // the header itself as cdef() text
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    reg.cdef(&mut arena, ALIGNED_TYPEDEFS_H, &CdefOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    check("cdef", &reg, &mut arena);
}

/// An aligned typedef of a type that has another name (a tagged record, a
/// scalar) would need a second type with the same size: rcffi cannot
/// represent it, so a header leaves the typedef out (with the reason)
/// rather than giving it the wrong layout.
#[test]
fn aligned_typedef_of_a_named_type_is_skipped_not_wrong() {
    let text = "typedef struct tag { long a[13]; } tag_t __attribute__((aligned(16)));\n\
                typedef long long unaligned_ll __attribute__((aligned(4)));\n\
                typedef int same_int __attribute__((aligned(4)));\n";
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    cdecl::header::cdef_header_text(&mut reg, &mut arena, "t.h", text, &cdecl::header::HeaderOptions::default()).unwrap();
    for (name, natural) in [("tag_t", 8), ("unaligned_ll", 8)] {
        assert!(reg.typedef(name).is_none(), "{name} declared");
        let why = reg.skipped_reason(name).unwrap_or_else(|| panic!("{name} not listed as skipped"));
        assert!(why.contains(&format!("but its type's alignment is {natural}")), "{why}");
    }
    let t = reg.parse_type(&mut arena, "struct tag").unwrap();
    assert_eq!(cdecl::layout::size_align(&mut arena, t).unwrap(), (104, 8));
    let t = reg.parse_type(&mut arena, "same_int").unwrap();
    assert_eq!(cdecl::layout::size_align(&mut arena, t).unwrap(), (4, 4));
}
