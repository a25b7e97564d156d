//! How many times the two costly front ends ran in this process: the
//! parser of declaration text (a `cdef()` text, or a header's tokens) and
//! the preprocessor. The runtime exposes them so that tests can check that
//! building a compiled module parses and preprocesses nothing twice (the
//! generator reads the `FFI`'s registry, not its text).

use std::sync::atomic::{AtomicU64, Ordering};

static PARSES: AtomicU64 = AtomicU64::new(0);
static PREPROCESSES: AtomicU64 = AtomicU64::new(0);

/// The counts so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Declaration texts (and headers' token streams) parsed.
    pub parses: u64,
    /// Sources run through the preprocessor.
    pub preprocesses: u64,
}

/// The counts so far (relaxed reads: exact once the runs counted are over).
pub fn counts() -> Counts {
    Counts { parses: PARSES.load(Ordering::Relaxed), preprocesses: PREPROCESSES.load(Ordering::Relaxed) }
}

pub(crate) fn parsed() {
    PARSES.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn preprocessed() {
    PREPROCESSES.fetch_add(1, Ordering::Relaxed);
}
