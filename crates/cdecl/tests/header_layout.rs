//! Hand-written headers with packing, alignment, bitfields, macro
//! arithmetic and include chains: the layouts and values `cdef_header`
//! gives must be gcc's for the same files.

mod common;

use cdecl::header::{cdef_header, HeaderOptions};
use cdecl::{Registry, TypeArena};
use common::*;

const PACKING_H: &str = r#"
#ifndef PACKING_H
#define PACKING_H
#include "inner/types.h"

struct natural { char c; int i; double d; short s; };

#pragma pack(push, 1)
struct p1 { char c; int i; double d; short s; };
#pragma pack(push, 4)
struct p4 { char c; double d; long long ll; };
#pragma pack(pop)
struct p1_again { char c; long l; };
#pragma pack(pop)

#pragma pack(2)
struct p2 { char c; int i; char t; };
#pragma pack()
struct after_reset { char c; int i; };

struct attr_packed { char c; int i; short s; } __attribute__((packed));
struct __attribute__((__packed__)) attr_packed_before { char c; long l; };
struct attr_aligned { char c; } __attribute__((aligned(16)));
struct attr_both { char c; int i; } __attribute__((packed, aligned(4)));
typedef struct { int x; } __attribute__((aligned(ALIGN_OF_VEC))) vec_t;
typedef struct { char a; int b __attribute__((aligned(4))); } field_aligned_natural;

struct bits {
    unsigned a : 3;
    unsigned b : 7;
    int : 0;
    unsigned char c : 4;
    unsigned long long d : 40;
    signed e : 5;
    _Bool f : 1;
};
#pragma pack(push, 1)
struct packed_bits { char c; unsigned a : 12; unsigned b : 12; unsigned long long w : 33; };
#pragma pack(pop)
struct nested {
    struct natural n;
    union { int i; char bytes[6]; } u;
    struct { short x, y; };
    my_int arr[WIDTH];
    struct bits bitfields;
};
#endif
"#;

const TYPES_H: &str = r#"
#pragma once
#define WIDTH (FLAG(2) + 1)
#define FLAG(n) (1u << (n))
#define ALIGN_OF_VEC (2 * sizeof(long))
typedef long long my_int;
"#;

#[test]
fn packing_alignment_bitfields_match_gcc() {
    if !gcc_available() {
        return;
    }
    let dir = temp_headers(&[("packing.h", PACKING_H), ("inner/types.h", TYPES_H)]);
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    let report = cdef_header(&mut reg, &mut arena, dir.join("packing.h").to_str().unwrap(), &HeaderOptions::default()).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let q: &[(&str, &[&str])] = &[
        ("struct natural", &["c", "i", "d", "s"]),
        ("struct p1", &["c", "i", "d", "s"]),
        ("struct p4", &["c", "d", "ll"]),
        ("struct p1_again", &["l"]),
        ("struct p2", &["i", "t"]),
        ("struct after_reset", &["i"]),
        ("struct attr_packed", &["i", "s"]),
        ("struct attr_packed_before", &["l"]),
        ("struct attr_aligned", &["c"]),
        ("struct attr_both", &["i"]),
        ("vec_t", &["x"]),
        ("field_aligned_natural", &["b"]),
        ("struct bits", &["a:", "b:", "c:", "d:", "e:", "f:"]),
        ("struct packed_bits", &["c", "a:", "b:", "w:"]),
        ("struct nested", &["n.d", "u", "x", "y", "arr", "bitfields.d:"]),
    ];
    let want = gcc_layouts("#include \"packing.h\"", q, &[&dir]);
    let got = crate_layouts(&reg, &mut arena, q);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "{}", q[i].0);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const MACROS_H: &str = r#"
#define FLAG(n) (1 << (n))
#define MASK (FLAG(3) | 0x10)
#define SHIFTED (MASK << 4)
#define NEG (-MASK - 1)
#define BIG 0xFFFFFFFFFFFFULL
#define CHAR_A 'A'
#define TERN (MASK > 16 ? 100 : 200)
#define SIZE_OF_S ((int)sizeof(struct s))
#define FROM_ENUM (E_TWO * 10 + E_ONE)
#define CAST_WRAP ((unsigned char)0x1FF)
#define HEXOCT (0x10 + 010 + 0b11)
#define NESTED(x, y) ((x) * (y) + MASK)
#define USES_NESTED NESTED(3, 4)
#define EXPR_LONG (1L << 40)
#define DIV ((100 / 7) % 5)
#define NOT_A_NUMBER "text"
#define FLOAT_VAL 1.5
#define FUNC_ALIAS some_function
#define EMPTY
struct s { int a; char b[5]; };
enum e { E_ONE = 1, E_TWO };
int some_function(int);
"#;

#[test]
fn macro_arithmetic_matches_gcc() {
    let names = [
        "MASK",
        "SHIFTED",
        "NEG",
        "BIG",
        "CHAR_A",
        "TERN",
        "SIZE_OF_S",
        "FROM_ENUM",
        "CAST_WRAP",
        "HEXOCT",
        "USES_NESTED",
        "EXPR_LONG",
        "DIV",
    ];
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    cdecl::header::cdef_header_text(&mut reg, &mut arena, "macros.h", MACROS_H, &HeaderOptions::default()).unwrap();
    let got: Vec<i128> = names.iter().map(|n| const_value(&reg, n).unwrap_or_else(|| panic!("{n} is not a constant"))).collect();
    assert_eq!(got[0], 0x18);
    for skipped in ["NOT_A_NUMBER", "FLOAT_VAL", "FUNC_ALIAS", "EMPTY", "FLAG", "NESTED"] {
        assert!(const_value(&reg, skipped).is_none(), "{skipped}");
    }
    if gcc_available() {
        let dir = temp_headers(&[("macros.h", MACROS_H)]);
        assert_eq!(got, gcc_values("#include \"macros.h\"", &names, &[&dir]));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn include_chains_and_search_order() {
    let dir = temp_headers(&[
        ("top.h", "#include \"mid.h\"\n#include <lib/api.h>\nint top(void);\n"),
        ("mid.h", "#ifndef MID_H\n#define MID_H\n#include \"mid.h\"\nint mid(void);\n#endif\n"),
        ("sys/lib/api.h", "#include_next <lib/api.h>\nint first_api(void);\n"),
        ("sys2/lib/api.h", "#pragma once\nint second_api(void);\n#define API_LEVEL 2\n"),
    ]);
    let options = HeaderOptions { include_dirs: vec![dir.join("sys"), dir.join("sys2")], ..HeaderOptions::default() };
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    cdef_header(&mut reg, &mut arena, dir.join("top.h").to_str().unwrap(), &options).unwrap();
    for name in ["top", "mid", "first_api", "second_api"] {
        assert!(reg.lookup(name).is_some(), "{name}");
    }
    assert_eq!(const_value(&reg, "API_LEVEL"), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn defines_and_header_packing_option() {
    let text = "#if USE_WIDE\ntypedef long value_t;\n#else\ntypedef short value_t;\n#endif\nstruct pair { char c; value_t v; };\n#define LEVEL (BASE + 1)\n";
    let options = HeaderOptions {
        defines: vec![("USE_WIDE".into(), "1".into()), ("BASE".into(), "41".into())],
        packing: cdecl::Packing::Pack(2),
        ..HeaderOptions::default()
    };
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    cdecl::header::cdef_header_text(&mut reg, &mut arena, "d.h", text, &options).unwrap();
    let t = reg.parse_type(&mut arena, "struct pair").unwrap();
    assert_eq!(cdecl::layout::size_align(&mut arena, t).unwrap(), (10, 2));
    assert_eq!(const_value(&reg, "LEVEL"), Some(42));
}

/// Macro values follow C's types: unsigned wrap-around, `int` overflow of
/// shifts, `long` arithmetic, casts.
#[test]
fn macro_values_have_c_types() {
    const TYPED_H: &str = r#"
#define ALL_BITS (~0U)
#define MINUS_ONE_U (-1U)
#define HIGH_BIT (1 << 31)
#define HIGH_BIT_U (1U << 31)
#define WRAP (0xFFFFFFFFU + 2)
#define LONG_WRAP (0xFFFFFFFFFFFFFFFFUL + 2)
#define MIXED (1 - 2U)
#define MIXED_LONG (1L - 2U)
#define SIGNED_DIV (-7 / 2)
#define UNSIGNED_DIV (-7 / 2U)
#define NARROW ((unsigned short)-1)
#define NARROW_NEG ((signed char)200)
#define SIZE_MINUS (sizeof(int) - 8)
#define CMP (-1 < 0U)
#define TERNARY_TYPE (1 ? -1 : 0U)
enum big { BIG_E = 5 };
#define FROM_ENUM_U (BIG_E - 10U)
"#;
    let names = [
        "ALL_BITS",
        "MINUS_ONE_U",
        "HIGH_BIT",
        "HIGH_BIT_U",
        "WRAP",
        "LONG_WRAP",
        "MIXED",
        "MIXED_LONG",
        "SIGNED_DIV",
        "UNSIGNED_DIV",
        "NARROW",
        "NARROW_NEG",
        "SIZE_MINUS",
        "CMP",
        "TERNARY_TYPE",
        "FROM_ENUM_U",
    ];
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    cdecl::header::cdef_header_text(&mut reg, &mut arena, "typed.h", TYPED_H, &HeaderOptions::default()).unwrap();
    let got: Vec<i128> = names.iter().map(|n| const_value(&reg, n).unwrap_or_else(|| panic!("{n}"))).collect();
    assert_eq!(got[0], 4294967295);
    assert_eq!(got[2], -2147483648);
    if gcc_available() {
        let dir = temp_headers(&[("typed.h", TYPED_H)]);
        assert_eq!(got, gcc_values("#include \"typed.h\"", &names, &[&dir]));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn enum_values_match_gcc() {
    const ENUMS_H: &str = "enum flags { F_LOW = 1, F_HIGH = 1 << 31, F_ALL = ~0U };\nenum neg { N_A = -5, N_B, N_C = N_B * 3 };\nenum big { B_A = 1L << 40 };\n";
    let names = ["F_LOW", "F_HIGH", "F_ALL", "N_B", "N_C", "B_A", "sizeof(enum flags)", "sizeof(enum neg)", "sizeof(enum big)"];
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    let r = cdecl::header::cdef_header_text(&mut reg, &mut arena, "enums.h", ENUMS_H, &HeaderOptions::default());
    r.unwrap();
    let mut got: Vec<i128> = names[..6].iter().map(|n| const_value(&reg, n).unwrap()).collect();
    for e in ["enum flags", "enum neg", "enum big"] {
        let t = reg.parse_type(&mut arena, e).unwrap();
        got.push(cdecl::layout::size_align(&mut arena, t).unwrap().0 as i128);
    }
    if gcc_available() {
        let dir = temp_headers(&[("enums.h", ENUMS_H)]);
        assert_eq!(got, gcc_values("#include \"enums.h\"", &names, &[&dir]));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
