//! The compiler's answers in a compiled module's tables (`codegen::protocol`)
//! as `cdecl::resolve` takes them: row by row as declarations are loaded
//! lazily ([`ModuleFacts`]), or all at once ([`collect_facts`]). Read at
//! import (`import.rs`) and by `ffi.verify()` (`runtime.rs`).

use codegen::protocol::{ModuleC, RecordC, TypeC};
use cdecl::resolve::{CompilerFacts, RecordFact, TypeFact, TypeFactKind};

use super::{find, find_index, row_name, slice};

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
        unsafe { find_index(self.module, slice(self.module.ints, self.module.nints), name, |i| i.name).map(|i| int_value(self.module, i)) }
    }

    fn type_fact(&self, name: &str) -> Option<TypeFact> {
        // SAFETY: the module's sorted table.
        unsafe { find(self.module, slice(self.module.types, self.module.ntypes), name, |t| t.name).map(type_fact) }
    }

    fn length(&self, key: &str) -> Option<u64> {
        // SAFETY: the module's sorted table.
        unsafe { find(self.module, slice(self.module.lengths, self.module.nlengths), key, |l| l.name).map(|l| l.length as u64) }
    }

    fn record(&self, name: &str) -> Option<RecordFact> {
        // SAFETY: the module's sorted table and its field cells.
        unsafe { find(self.module, slice(self.module.records, self.module.nrecords), name, |r| r.name).map(|r| record_fact(self.module, r)) }
    }
}

/// The value of integer row `i` of `module` (cffi's `(X) <= 0` trick: the
/// module's getter says whether it is negative).
///
/// # Safety
/// `i` is a row of the module's table of integers (its `ints_get` stores
/// one value of row `i`).
unsafe fn int_value(module: &ModuleC, i: usize) -> i128 { unsafe {
    let mut v: u64 = 0;
    let Some(get) = module.ints_get else { return 0 };
    let neg = get(i, &mut v);
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
/// A row of `module`'s table (its `nfields` pairs of cells are in the
/// module's `fields` from `r.fields`; bounded by the array all the same).
// SAFETY (contract): `module` is the loaded module's descriptor, its
// tables as `slice` requires; `r.fields` is an index into its cells,
// checked against the array's length here anyway.
unsafe fn record_fact(module: &ModuleC, r: &RecordC) -> RecordFact { unsafe {
    let all: &[usize] = slice(module.fields, module.nfield_cells);
    let cells = r.nfields.checked_mul(2).and_then(|n| all.get(r.fields..r.fields.checked_add(n)?)).unwrap_or_default();
    let fields = cells.chunks(2).map(|c| if c[0] == usize::MAX { None } else { Some((c[0] as u64, c[1] as u64)) }).collect();
    RecordFact { size: r.size as u64, align: r.align as u64, fields }
}}

/// Every answer of the compiler at once (for `resolve::apply`).
// SAFETY (contract): `module` is the loaded module's descriptor, its
// tables as `slice` requires.
pub(super) unsafe fn collect_facts(module: &ModuleC) -> CompilerFacts { unsafe {
    let mut facts = CompilerFacts::default();
    for (k, i) in slice(module.ints, module.nints).iter().enumerate() {
        facts.ints.insert(String::from_utf8_lossy(row_name(module, i.name)).into_owned(), int_value(module, k));
    }
    for t in slice(module.types, module.ntypes) {
        facts.types.insert(String::from_utf8_lossy(row_name(module, t.name)).into_owned(), type_fact(t));
    }
    for l in slice(module.lengths, module.nlengths) {
        facts.lengths.insert(String::from_utf8_lossy(row_name(module, l.name)).into_owned(), l.length as u64);
    }
    for r in slice(module.records, module.nrecords) {
        facts.records.push((String::from_utf8_lossy(row_name(module, r.name)).into_owned(), record_fact(module, r)));
    }
    facts
}}
