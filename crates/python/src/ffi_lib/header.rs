//! `ffi.cdef_header()` and `python -m rcffi cdef`: thin glue over
//! `cdecl::header` (the preprocessor and header mode live there). The
//! Python wrapper in `rcffi/api.py` validates the arguments and turns the
//! returned warnings into `UserWarning`s.

use std::path::PathBuf;

use cdecl::header::{cdef_header_with_text, to_cdef_text, HeaderOptions};
use cdecl::Packing;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors;
use crate::ffi_obj::FFIBase;
use crate::state::arena;

fn options(include_dirs: Vec<PathBuf>, defines: Vec<(String, String)>, only: Option<Vec<String>>, pack: i64) -> PyResult<HeaderOptions> {
    let packing = Packing::from_pack(pack).map_err(PyValueError::new_err)?;
    Ok(HeaderOptions { include_dirs, defines, only, packing })
}

#[pymethods]
impl FFIBase {
    /// Declare what `header` declares; returns the warnings and the rcffi
    /// cdef text of what was declared (`to_rcffi_cdef_text`, printed from
    /// this one run: what API mode embeds in a compiled module). `pack` is
    /// 0 (natural), or N for `#pragma pack(N)` on every record (1 = packed).
    #[pyo3(signature = (header, include_dirs, defines, only, pack))]
    fn _cdef_header(&self, py: Python<'_>, header: String, include_dirs: Vec<PathBuf>, defines: Vec<(String, String)>, only: Option<Vec<String>>, pack: i64) -> PyResult<(Vec<String>, String)> {
        let options = options(include_dirs, defines, only, pack)?;
        let report = py.detach(|| {
            let mut reg = self.registry.lock().unwrap_or_else(|e| e.into_inner());
            let mut a = arena();
            cdef_header_with_text(&mut reg, &mut a, &header, &options)
        });
        self.after_cdef(py, report.is_err());
        report.map(|(r, text)| (r.warnings, text)).map_err(|e| errors::from_cdecl(py, e))
    }

    /// Why `name` was skipped by `cdef_header()` (None if it was not).
    pub(crate) fn _skipped_reason(&self, name: &str) -> Option<String> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner()).skipped_reason(name).map(str::to_string)
    }
}

/// The plain cdef text equivalent to `cdef_header(header, ...)`.
#[pyfunction]
#[pyo3(signature = (header, include_dirs=Vec::new(), defines=Vec::new(), only=None, pack=0, attributes=false))]
pub fn header_cdef_text(
    py: Python<'_>,
    header: String,
    include_dirs: Vec<PathBuf>,
    defines: Vec<(String, String)>,
    only: Option<Vec<String>>,
    pack: i64,
    attributes: bool,
) -> PyResult<String> {
    let options = options(include_dirs, defines, only, pack)?;
    let print = if attributes { cdecl::header::to_rcffi_cdef_text } else { to_cdef_text };
    py.detach(|| print(&header, &options)).map_err(|e| errors::from_cdecl(py, e))
}
