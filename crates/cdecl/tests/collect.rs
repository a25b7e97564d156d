//! `TypeArena::collect`: what a dead registry declared is given back and
//! reused; what a live one names (and everything it reaches) is untouched.

use cdecl::names::type_name;
use cdecl::{CdefOptions, Registry, Type, TypeArena, TypeId};

const LIVE: &str = "struct node { int value; struct node *next; const char *name; };
                    typedef struct node node_t;
                    enum color { RED, GREEN = 5 };
                    int walk(node_t *, enum color, double (*cb)(float));";
const PER_TASK: &str = "struct task { int id; char tag[16]; struct task *parent; };
                        typedef struct task task_t;
                        union u { int i; double d; };
                        enum state { IDLE, BUSY };
                        int run(task_t *, union u, enum state);";

fn declare(arena: &mut TypeArena, src: &str) -> Registry {
    let mut reg = Registry::new();
    reg.cdef(arena, src, &CdefOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    reg
}

fn ty(reg: &Registry, arena: &mut TypeArena, text: &str) -> TypeId {
    reg.parse_type(arena, text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_dead_registrys_types_are_freed_and_their_slots_reused() {
    let mut arena = TypeArena::new();
    let live = declare(&mut arena, LIVE);
    let node_ptr = ty(&live, &mut arena, "node_t *");
    let walk_ptr = ty(&live, &mut arena, "int(*)(node_t *, enum color, double(*)(float))");
    let node = ty(&live, &mut arena, "struct node");
    let (size, align) = cdecl::layout::size_align(&mut arena, node).unwrap();
    let field_names = |arena: &TypeArena| -> Vec<String> {
        let Type::Record(rid) = arena.get(node).clone() else { panic!("struct node is a record") };
        arena.record(rid).fields.clone().unwrap().iter().map(|f| type_name(arena, f.ty)).collect()
    };
    let fields_before = field_names(&arena);
    assert_eq!(fields_before, ["int", "node_t *", "char *"]);

    // one FFI per task: declare, use, drop, collect
    let mut slots_after_first = None;
    for round in 0..200 {
        let task = declare(&mut arena, PER_TASK);
        let arr = ty(&task, &mut arena, "task_t[4]");
        assert_eq!(type_name(&arena, arr), "task_t[4]");
        assert_eq!(cdecl::layout::size_align(&mut arena, arr).unwrap().0, 4 * 32);
        drop(task);
        let mut roots = live.type_roots().unwrap();
        roots.extend([node_ptr, walk_ptr]);
        let done = arena.collect(roots);
        assert!(done.freed_records >= 2, "round {round}: {done:?}");
        assert!(done.freed_enums >= 1, "round {round}: {done:?}");
        let slots = (arena.len(), arena.record_count(), arena.enum_count());
        match slots_after_first {
            None => slots_after_first = Some(slots),
            Some(first) => assert_eq!(slots, first, "round {round}: the arena grew"),
        }
    }

    // what the live registry names is intact, with the same ids
    assert_eq!(ty(&live, &mut arena, "node_t *"), node_ptr);
    assert_eq!(type_name(&arena, node_ptr), "node_t *");
    assert_eq!(type_name(&arena, walk_ptr), "int(*)(node_t *, enum color, double(*)(float))");
    assert_eq!(ty(&live, &mut arena, "struct node"), node);
    assert_eq!(cdecl::layout::size_align(&mut arena, node).unwrap(), (size, align));
    assert_eq!(field_names(&arena), fields_before);
}

#[test]
fn interning_after_a_collection_finds_live_types_and_makes_fresh_ones_correctly() {
    let mut arena = TypeArena::new();
    let live = declare(&mut arena, LIVE);
    let dead = declare(&mut arena, PER_TASK);
    let dead_ptr = ty(&dead, &mut arena, "struct task **");
    drop(dead);
    let done = arena.collect(live.type_roots().unwrap());
    assert!(done.freed_types >= 3, "{done:?}");
    // the freed pointer type's slot now holds whatever comes next
    let fresh = ty(&live, &mut arena, "double *[7]");
    assert_eq!(type_name(&arena, fresh), "double *[7]");
    let again = declare(&mut arena, PER_TASK);
    let task_ptr = ty(&again, &mut arena, "struct task **");
    assert_eq!(type_name(&arena, task_ptr), "task_t * *");
    let _ = dead_ptr; // an id of a dead registry: never looked up again
}

#[test]
fn explicit_roots_keep_what_they_reach() {
    let mut arena = TypeArena::new();
    let dead = declare(&mut arena, PER_TASK);
    let kept = ty(&dead, &mut arena, "task_t *");
    drop(dead);
    arena.collect([kept]);
    assert_eq!(type_name(&arena, kept), "task_t *");
    let Type::Pointer(to) = arena.get(kept).clone() else { panic!("a pointer") };
    assert_eq!(cdecl::layout::size_align(&mut arena, to).unwrap(), (32, 8));
}

#[test]
fn tags_met_only_in_type_strings_are_weak() {
    let mut arena = TypeArena::new();
    let mut reg = declare(&mut arena, LIVE);
    let kept = ty(&reg, &mut arena, "struct kept_tag *");
    for i in 0..100 {
        ty(&reg, &mut arena, &format!("struct gone_{i} *"));
    }
    let mut roots = reg.type_roots().unwrap();
    roots.push(kept);
    let reached = arena.reachable(roots);
    assert_eq!(reg.forget_unreached_implicit_tags(&reached), 100);
    let done = arena.sweep(&reached);
    assert!(done.freed_records >= 100, "{done:?}");
    // what is still reached is the same type at every mention...
    assert_eq!(ty(&reg, &mut arena, "struct kept_tag *"), kept);
    // ...a forgotten tag is made again, and a cdef completes either
    let again = ty(&reg, &mut arena, "struct gone_7 *");
    assert_eq!(type_name(&arena, again), "struct gone_7 *");
    reg.cdef(&mut arena, "struct kept_tag { int a; }; struct gone_7 { char c[3]; };", &CdefOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    for (ptr, size) in [(kept, 4), (again, 3)] {
        let Type::Pointer(to) = arena.get(ptr).clone() else { panic!("a pointer") };
        assert_eq!(cdecl::layout::size_align(&mut arena, to).unwrap().0, size);
    }
}
