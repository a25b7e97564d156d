//! Process-wide state: the one type arena every FFI shares (so equal types
//! are the same `CType` object across FFI instances, as in cffi).

use std::sync::{Mutex, MutexGuard};

use cdecl::TypeArena;

static ARENA: Mutex<Option<TypeArena>> = Mutex::new(None);

pub struct ArenaGuard(MutexGuard<'static, Option<TypeArena>>);

// Debug builds (the test suite's) track whether this thread holds the arena,
// so that raising a Python error under the lock, which may run Python code
// (importing the error classes, adding a note) that needs the arena in turn,
// fails an assertion instead of deadlocking once in a while.
#[cfg(debug_assertions)]
thread_local! {
    static HELD_HERE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl ArenaGuard {
    fn new(guard: MutexGuard<'static, Option<TypeArena>>) -> ArenaGuard {
        #[cfg(debug_assertions)]
        HELD_HERE.with(|h| h.set(true));
        ArenaGuard(guard)
    }
}

impl Drop for ArenaGuard {
    fn drop(&mut self) {
        #[cfg(debug_assertions)]
        HELD_HERE.with(|h| h.set(false));
    }
}

/// Whether this thread holds the arena (always false in release builds,
/// which do not track it).
pub fn arena_held_here() -> bool {
    #[cfg(debug_assertions)]
    return HELD_HERE.with(|h| h.get());
    #[cfg(not(debug_assertions))]
    false
}

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
/// while holding it (nor raise a Python error: convert a `cdecl::Error`
/// after the guard is dropped), so this cannot deadlock.
pub fn arena() -> ArenaGuard {
    let mut guard = ARENA.lock().unwrap_or_else(|e| e.into_inner());
    if guard.is_none() {
        *guard = Some(TypeArena::new());
    }
    ArenaGuard::new(guard)
}

/// The arena if no one holds it (the type collector never waits: a holder
/// may be this very thread, further down the stack).
pub fn try_arena() -> Option<ArenaGuard> {
    let mut guard = match ARENA.try_lock() {
        Ok(g) => g,
        Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => return None,
    };
    if guard.is_none() {
        *guard = Some(TypeArena::new());
    }
    Some(ArenaGuard::new(guard))
}

/// The declarations of one FFI, shared with the list of live registries
/// that the type collector reads its roots from.
pub type SharedRegistry = std::sync::Arc<Mutex<cdecl::Registry>>;

static LIVE_REGISTRIES: Mutex<Vec<std::sync::Weak<Mutex<cdecl::Registry>>>> = Mutex::new(Vec::new());

/// A new, empty registry, known to the type collector until it is dropped.
pub fn new_registry() -> SharedRegistry {
    let reg = SharedRegistry::default();
    let mut live = LIVE_REGISTRIES.lock().unwrap_or_else(|e| e.into_inner());
    if live.len() >= 64 && live.len().is_power_of_two() {
        live.retain(|w| w.strong_count() > 0); // amortised: O(1) per registry
    }
    live.push(std::sync::Arc::downgrade(&reg));
    reg
}

/// Every registry still alive.
pub fn live_registries() -> Vec<SharedRegistry> {
    let mut live = LIVE_REGISTRIES.lock().unwrap_or_else(|e| e.into_inner());
    live.retain(|w| w.strong_count() > 0);
    live.iter().filter_map(std::sync::Weak::upgrade).collect()
}

static TYPE_IDS_IN_HAND: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Held while code keeps arena ids that nothing else roots yet (a type
/// being turned into its `CType`, which may run Python code: a warning, a
/// collection's finalizer). The type collector does nothing meanwhile.
pub struct TypeIdsInHand(());

impl TypeIdsInHand {
    pub fn take() -> TypeIdsInHand {
        TYPE_IDS_IN_HAND.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        TypeIdsInHand(())
    }

    /// Whether any thread holds one.
    pub fn any() -> bool {
        TYPE_IDS_IN_HAND.load(std::sync::atomic::Ordering::Acquire) > 0
    }
}

impl Drop for TypeIdsInHand {
    fn drop(&mut self) {
        TYPE_IDS_IN_HAND.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// `sys.<name>` (`modules`, `int_info`, ...), read from the interpreter's
/// `sys` without an import: `py.import("sys")` goes through `__import__`
/// (about 7,000 instructions, paid at the extension's init and at each
/// compiled module's import).
pub fn sys_attr<'py>(py: pyo3::Python<'py>, name: &std::ffi::CStr) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
    // SAFETY: with the GIL (`py`); PySys_GetObject gives a borrowed
    // reference (or NULL, no exception set), taken as a new one at once.
    unsafe {
        let p = pyo3::ffi::PySys_GetObject(name.as_ptr());
        if p.is_null() {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(format!("lost sys.{}", name.to_string_lossy())));
        }
        Ok(pyo3::Bound::from_borrowed_ptr(py, p))
    }
}
