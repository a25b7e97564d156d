//! Process-wide state: the one type arena every FFI shares (so equal types
//! are the same `CType` object across FFI instances, as in cffi).

use std::sync::{Mutex, MutexGuard};

use cdecl::TypeArena;

static ARENA: Mutex<Option<TypeArena>> = Mutex::new(None);

pub struct ArenaGuard(MutexGuard<'static, Option<TypeArena>>);

impl std::ops::Deref for ArenaGuard {
    type Target = TypeArena;
    fn deref(&self) -> &TypeArena {
        self.0.as_ref().expect("arena initialised")
    }
}

impl std::ops::DerefMut for ArenaGuard {
    fn deref_mut(&mut self) -> &mut TypeArena {
        self.0.as_mut().expect("arena initialised")
    }
}

/// Lock the arena. Callers hold the GIL and never call back into Python
/// while holding it, so this cannot deadlock.
pub fn arena() -> ArenaGuard {
    let mut guard = ARENA.lock().unwrap_or_else(|e| e.into_inner());
    if guard.is_none() {
        *guard = Some(TypeArena::new());
    }
    ArenaGuard(guard)
}
