//! Hide sets (Prosser's algorithm): the macros a token was produced by,
//! which must not expand it again. This is what stops `#define f(x) f(x)`
//! from looping while still expanding everything the C standard says.
//!
//! Sets are interned: a token holds a 4-byte id, equal sets share an id,
//! and unions are memoised, since the same few sets recur constantly.

use super::intern::Sym;
use crate::fxhash::FxHashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub(crate) struct HideSet(u32);

impl HideSet {
    pub(crate) const EMPTY: HideSet = HideSet(0);
}

pub(crate) struct HideSets {
    /// Sorted members of each set; index 0 is the empty set.
    sets: Vec<Box<[Sym]>>,
    ids: FxHashMap<Box<[Sym]>, HideSet>,
    unions: FxHashMap<(HideSet, HideSet), HideSet>,
    intersections: FxHashMap<(HideSet, HideSet), HideSet>,
}

impl HideSets {
    pub(crate) fn new() -> HideSets {
        let mut h = HideSets {
            sets: Vec::new(),
            ids: FxHashMap::default(),
            unions: FxHashMap::default(),
            intersections: FxHashMap::default(),
        };
        h.make(Vec::new());
        h
    }

    fn make(&mut self, members: Vec<Sym>) -> HideSet {
        if let Some(&id) = self.ids.get(members.as_slice()) {
            return id;
        }
        let id = HideSet(self.sets.len() as u32);
        let boxed: Box<[Sym]> = members.into();
        self.sets.push(boxed.clone());
        self.ids.insert(boxed, id);
        id
    }

    pub(crate) fn contains(&self, hs: HideSet, s: Sym) -> bool {
        hs != HideSet::EMPTY && self.sets[hs.0 as usize].binary_search(&s).is_ok()
    }

    pub(crate) fn with(&mut self, hs: HideSet, s: Sym) -> HideSet {
        let single = self.make(vec![s]);
        self.union(hs, single)
    }

    pub(crate) fn union(&mut self, a: HideSet, b: HideSet) -> HideSet {
        if a == b || b == HideSet::EMPTY {
            return a;
        }
        if a == HideSet::EMPTY {
            return b;
        }
        let key = if a.0 < b.0 { (a, b) } else { (b, a) };
        if let Some(&r) = self.unions.get(&key) {
            return r;
        }
        let mut v: Vec<Sym> = self.sets[a.0 as usize].iter().chain(self.sets[b.0 as usize].iter()).copied().collect();
        v.sort_unstable();
        v.dedup();
        let r = self.make(v);
        self.unions.insert(key, r);
        r
    }

    pub(crate) fn intersection(&mut self, a: HideSet, b: HideSet) -> HideSet {
        if a == b {
            return a;
        }
        if a == HideSet::EMPTY || b == HideSet::EMPTY {
            return HideSet::EMPTY;
        }
        let key = if a.0 < b.0 { (a, b) } else { (b, a) };
        if let Some(&r) = self.intersections.get(&key) {
            return r;
        }
        let other = &self.sets[b.0 as usize];
        let v: Vec<Sym> = self.sets[a.0 as usize].iter().copied().filter(|s| other.binary_search(s).is_ok()).collect();
        let r = self.make(v);
        self.intersections.insert(key, r);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let mut h = HideSets::new();
        let a = h.with(HideSet::EMPTY, Sym(3));
        let ab = h.with(a, Sym(1));
        assert!(h.contains(ab, Sym(1)) && h.contains(ab, Sym(3)) && !h.contains(ab, Sym(2)));
        let b = h.with(HideSet::EMPTY, Sym(1));
        assert_eq!(h.union(a, b), ab);
        assert_eq!(h.intersection(ab, b), b);
        assert_eq!(h.intersection(a, b), HideSet::EMPTY);
    }
}
