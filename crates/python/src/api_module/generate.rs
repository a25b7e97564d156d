//! Build time: the C source of a compiled module (`crates/codegen`), and
//! the snapshot an out-of-line module embeds.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::errors;

/// `_rcffi._generate_c(module_name, preamble, [(text, override, pack[,
/// dllexport]), ...], included_modules=[], included_cdefs=[],
/// embedding=None)`: the C source of a compiled module (`included_*`: what
/// `ffi.include()` of other compiled modules brought, see
/// `codegen::Includes`; `embedding`: `(init_code, runtime_dir, version)`
/// for a library made with `ffi.embedding_api()`).
#[pyfunction]
#[pyo3(signature = (module_name, preamble, cdefs, included_modules=Vec::new(), included_cdefs=Vec::new(), embedding=None))]
pub(super) fn _generate_c(
    py: Python<'_>,
    module_name: &str,
    preamble: &str,
    cdefs: Vec<Bound<'_, PyTuple>>,
    included_modules: Vec<String>,
    included_cdefs: Vec<Bound<'_, PyTuple>>,
    embedding: Option<(String, String, String)>,
) -> PyResult<String> {
    let inputs = |cdefs: Vec<Bound<'_, PyTuple>>| -> PyResult<Vec<codegen::CdefInput>> {
        cdefs.iter().map(cdef_input).collect()
    };
    let src = codegen::ModuleSource {
        module_name: module_name.to_string(),
        preamble: preamble.to_string(),
        cdefs: inputs(cdefs)?,
        embedding: embedding.map(|(init_code, runtime_dir, version)| codegen::Embedding { init_code, runtime_dir, version }),
    };
    let includes = codegen::Includes { modules: included_modules, cdefs: inputs(included_cdefs)? };
    py.detach(|| codegen::generate_including(&src, &includes)).map_err(|e| generator_error(py, e))
}

fn generator_error(py: Python<'_>, e: codegen::GenError) -> PyErr {
    match e {
        codegen::GenError::Cdef(e) => errors::from_cdecl(py, e),
        codegen::GenError::Unsupported(m) => verification_error(py, m),
        codegen::GenError::Type(m) => PyTypeError::new_err(m),
        codegen::GenError::NotImplemented(m) => pyo3::exceptions::PyNotImplementedError::new_err(m),
    }
}

/// `_rcffi._snapshot_of([(text, override, pack), ...])`: the declarations
/// of these cdef texts as `cdecl::snapshot` bytes (what an out-of-line
/// `.py` module embeds, see `FFIBase._load_snapshot`).
#[pyfunction]
pub(super) fn _snapshot_of<'py>(py: Python<'py>, cdefs: Vec<(String, bool, u32)>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    let inputs: Vec<codegen::CdefInput> = cdefs
        .into_iter()
        .map(|(source, override_existing, pack)| codegen::CdefInput { source, override_existing, pack, ..Default::default() })
        .collect();
    let bytes = py.detach(|| codegen::snapshot_of(&inputs)).map_err(|e| generator_error(py, e))?;
    Ok(pyo3::types::PyBytes::new(py, &bytes))
}

/// One recorded declaration call: `(text, override, pack)`, plus `True`
/// as a fourth item for `ffi.embedding_api()` text.
fn cdef_input(t: &Bound<'_, PyTuple>) -> PyResult<codegen::CdefInput> {
    if !(3..=4).contains(&t.len()) {
        return Err(PyTypeError::new_err("a cdef call is (text, override, pack[, dllexport])"));
    }
    Ok(codegen::CdefInput {
        source: t.get_item(0)?.extract()?,
        override_existing: t.get_item(1)?.extract()?,
        pack: t.get_item(2)?.extract()?,
        dllexport: t.len() == 4 && t.get_item(3)?.extract()?,
    })
}

fn verification_error(py: Python<'_>, msg: String) -> PyErr {
    match py.import("rcffi.error").and_then(|m| m.getattr("VerificationError")) {
        Ok(cls) => PyErr::from_value(cls.call1((msg,)).unwrap_or_else(|e| e.into_value(py).into_bound(py).into_any())),
        Err(e) => e,
    }
}
