//! `FFIBase` methods for FFIs built from type tables rather than from
//! `cdef()` text: the ones of compiled and out-of-line modules.

use pyo3::prelude::*;

use crate::ffi_obj::FFIBase;
use crate::state::arena;

#[pymethods]
impl FFIBase {
    /// Name this FFI's tagged records and enums by their tag, as cffi's
    /// type tables do (`cdecl::names::name_by_tag`); before any ctype of
    /// them is made.
    fn _name_by_tag(&self, py: Python<'_>) {
        {
            let reg = self.registry.lock().unwrap_or_else(|e| e.into_inner());
            cdecl::names::name_by_tag(&reg, &mut arena());
        }
        self.type_cache.bind(py).clear();
    }
}
