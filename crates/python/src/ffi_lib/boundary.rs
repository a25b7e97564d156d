//! What the boundary tools (python/rcffi/isolation, python/rcffi/check.py)
//! ask of a declaration without opening a library: the ctype of a declared
//! function or global variable and the symbol it is looked up under. An
//! isolated library's parent process never maps the library, and a drift
//! check compares two FFIs' declarations, so neither can go through
//! `_lib_function`, which needs a symbol address.

use cdecl::DeclKind;
use pyo3::prelude::*;

use crate::ctype::{ctype_for, CType};
use crate::ffi_obj::FFIBase;
use crate::state::arena;

#[pymethods]
impl FFIBase {
    /// `(kind, ctype, symbol)` for the function or global variable `name`,
    /// or None for any other name. A function's ctype is its
    /// function-pointer ctype (the one `ffi.typeof(lib.f)` gives, with
    /// `.args`, `.result`, `.ellipsis`); a variable's is its own type.
    /// `symbol` is the `__asm__` label when there is one, else `name`.
    fn _decl_ctype(&self, py: Python<'_>, name: &str) -> PyResult<Option<(&'static str, Py<CType>, String)>> {
        match self.declaration(py, name)?.map(|d| d.kind) {
            Some(DeclKind::Function { ty, asm_name }) => {
                let ptr_ty = arena().pointer(ty);
                Ok(Some(("function", ctype_for(py, ptr_ty)?, asm_name.unwrap_or_else(|| name.to_string()))))
            }
            Some(DeclKind::Variable { ty }) => Ok(Some(("variable", ctype_for(py, ty)?, name.to_string()))),
            _ => Ok(None),
        }
    }
}
