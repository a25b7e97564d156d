//! The value checks of cffi's older `ffi.verify()`, which (unlike API
//! mode, where enumerators silently take the compiler's values) refuses a
//! cdef whose integer constants or complete enums disagree with the
//! compiler, in its own words: `"enum e: B has the real value 2, not 1"`.
//! Read-only: run before [`crate::resolve::apply`], so a refused verify()
//! leaves the declarations as they were.

use crate::registry::{ConstValue, DeclKind, Registry};
use crate::resolve::CompilerFacts;
use crate::types::{Type, TypeArena};
use crate::error::Compiler;
use crate::Error;

/// The first disagreement between the cdef's values and the compiler's.
pub fn check_values(reg: &Registry, arena: &TypeArena, facts: &CompilerFacts) -> Result<(), Error> {
    debug_assert!(!reg.is_lazy(), "check_values() of a lazy registry: load_all() first");
    for d in &reg.decls {
        match &d.kind {
            DeclKind::Constant { value: ConstValue::Int(v), .. } => {
                if let Some(&real) = facts.ints.get(&d.name) {
                    if real != *v {
                        return Err(Error::ffi(Compiler::RealValue { owner: None, name: d.name.clone(), real, value: *v }));
                    }
                }
            }
            DeclKind::EnumConstant { ty, value } => {
                let Type::Enum(eid) = *arena.get(arena.strip_top_quals(*ty)) else { continue };
                let def = arena.enum_def(eid);
                if def.partial || def.declared_partial {
                    continue; // its values come from the compiler, per module
                }
                if let Some(&real) = facts.ints.get(&d.name) {
                    if real != *value {
                        let name = match &def.tag {
                            Some(t) => format!("enum {t}"),
                            None => def.cname.clone(),
                        };
                        return Err(Error::ffi(Compiler::RealValue { owner: Some(name), name: d.name.clone(), real, value: *value }));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The values of `#define X ...` and `static const T X;` taken out of
/// `facts` before they are applied: with `ffi.verify()` each compiled
/// module's `lib` has its own values (two verify() calls on one `ffi` may
/// build against headers that disagree, as lmdb's two bundled LMDB
/// versions do), so the shared declarations stay "value unknown" and each
/// `lib` reads its module's.
pub fn keep_values_per_module(reg: &Registry, facts: &mut CompilerFacts) {
    facts.ints.retain(|name, _| {
        !matches!(reg.lookup(name).map(|d| &d.kind), Some(DeclKind::Constant { value: ConstValue::Unknown, .. }))
    });
}
