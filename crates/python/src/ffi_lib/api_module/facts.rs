//! The compiler's answers in a compiled module's tables (`codegen::protocol`)
//! as `cdecl::resolve` takes them: row by row as declarations are loaded
//! lazily ([`ModuleFacts`]), or all at once ([`collect_facts`]). Read at
//! import (`import.rs`) and by `ffi.verify()` (`runtime.rs`).

use codegen::protocol::{IntC, ModuleC, RecordC, TypeC};
use cdecl::resolve::{CompilerFacts, RecordFact, TypeFact, TypeFactKind};

use super::{cstr, find, slice};

/// What the compiled module measured, read row by row as declarations are
/// loaded lazily (`cdecl::Registry::from_snapshot`).
pub(super) struct ModuleFacts {
    pub(super) module: &'static ModuleC,
}

// SAFETY: static data of a loaded extension module, and functions that
// only compute constants.
unsafe impl Send for ModuleFacts {}
unsafe impl Sync for ModuleFacts {}

impl cdecl::resolve::Facts for ModuleFacts {
    fn int(&self, name: &str) -> Option<i128> {
        // SAFETY: the module's sorted table; the getter writes one value.
        unsafe { find(slice(self.module.ints, self.module.nints), name, |i| i.name).map(|i| int_value(i)) }
    }

    fn type_fact(&self, name: &str) -> Option<TypeFact> {
        // SAFETY: the module's sorted table.
        unsafe { find(slice(self.module.types, self.module.ntypes), name, |t| t.name).map(type_fact) }
    }

    fn length(&self, key: &str) -> Option<u64> {
        // SAFETY: the module's sorted table.
        unsafe { find(slice(self.module.lengths, self.module.nlengths), key, |l| l.name).map(|l| l.length as u64) }
    }

    fn record(&self, name: &str) -> Option<RecordFact> {
        // SAFETY: the module's sorted table and its field cells.
        unsafe { find(slice(self.module.records, self.module.nrecords), name, |r| r.name).map(|r| record_fact(r)) }
    }
}

/// The value of an integer constant (cffi's `(X) <= 0` trick: the getter
/// says whether it is negative).
///
/// # Safety
/// A row of a module's table.
unsafe fn int_value(i: &IntC) -> i128 { unsafe {
    let mut v: u64 = 0;
    let neg = (i.get)(&mut v);
    if neg != 0 && v != 0 {
        v as i64 as i128
    } else {
        v as i128
    }
}}

fn type_fact(t: &TypeC) -> TypeFact {
    let kind = match t.kind {
        0 => TypeFactKind::Int,
        1 => TypeFactKind::Float,
        _ => TypeFactKind::Enum,
    };
    TypeFact { kind, size: t.size as u64, signed: t.is_signed != 0 }
}

/// # Safety
/// A row of a module's table (`fields` has `nfields` pairs of cells).
// SAFETY (contract): `r` is a row of the module's static tables (see
// `slice`): `fields` holds `2 * nfields` cells.
unsafe fn record_fact(r: &RecordC) -> RecordFact { unsafe {
    let cells = slice(r.fields, r.nfields * 2);
    let fields = cells.chunks(2).map(|c| if c[0] == usize::MAX { None } else { Some((c[0] as u64, c[1] as u64)) }).collect();
    RecordFact { size: r.size as u64, align: r.align as u64, fields }
}}

/// Every answer of the compiler at once (for `resolve::apply`).
// SAFETY (contract): `module` is the loaded module's descriptor, its
// tables as `slice` requires.
pub(super) unsafe fn collect_facts(module: &ModuleC) -> CompilerFacts { unsafe {
    let mut facts = CompilerFacts::default();
    for i in slice(module.ints, module.nints) {
        facts.ints.insert(cstr(i.name), int_value(i));
    }
    for t in slice(module.types, module.ntypes) {
        facts.types.insert(cstr(t.name), type_fact(t));
    }
    for l in slice(module.lengths, module.nlengths) {
        facts.lengths.insert(cstr(l.name), l.length as u64);
    }
    for r in slice(module.records, module.nrecords) {
        facts.records.push((cstr(r.name), record_fact(r)));
    }
    facts
}}
