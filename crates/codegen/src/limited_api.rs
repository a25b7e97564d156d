//! Python's limited API in generated modules, as cffi does by default.
//!
//! A module compiled against the limited API (`Py_LIMITED_API`) uses only
//! the stable ABI, so one build imports on every CPython from the version
//! it names on: with `py_limited_api=True` setuptools names it `.abi3.so`
//! and one wheel serves them all. The generated C needs nothing more (it
//! calls a handful of stable functions: module creation, a capsule, one
//! method call); the user's own source given to `set_source()` must keep
//! to the limited API too, or turn it off with `py_limited_api=False`
//! (which defines `_CFFI_NO_LIMITED_API`, cffi's switch).
//!
//! Not for debug builds of Python (their object header differs, so the
//! stable ABI does not hold) nor free-threaded ones (no stable ABI before
//! 3.15), nor for embedding libraries, which drive the interpreter with
//! functions outside the limited API.

/// The version named: the oldest CPython rcffi supports.
pub const VERSION_HEX: &str = "0x03090000";

/// Before `#include <Python.h>`: defines `Py_LIMITED_API` unless told not
/// to. On MSVC it must come before `pyconfig.h`, which then links against
/// `python3.lib` (the stable ABI) instead of `python3X.lib`.
pub const GUARD: &str = r#"#if !defined(Py_LIMITED_API) && !defined(_CFFI_NO_LIMITED_API)
#  ifdef _MSC_VER
#    if !defined(_DEBUG) && !defined(Py_DEBUG) && !defined(Py_GIL_DISABLED)
#      define Py_LIMITED_API @VERSION@
#    endif
#    include <pyconfig.h>
#    if defined(Py_LIMITED_API) && (defined(Py_DEBUG) || defined(Py_TRACE_REFS) || defined(Py_REF_DEBUG))
#      error "a debug build of Python has no stable ABI: build with py_limited_api=False"
#    endif
#  else
#    include <pyconfig.h>
#    if !defined(Py_DEBUG) && !defined(Py_TRACE_REFS) && !defined(Py_REF_DEBUG) && !defined(Py_GIL_DISABLED)
#      define Py_LIMITED_API @VERSION@
#    endif
#  endif
#endif
"#;

/// [`GUARD`] with the version filled in.
pub fn guard() -> String {
    GUARD.replace("@VERSION@", VERSION_HEX)
}
