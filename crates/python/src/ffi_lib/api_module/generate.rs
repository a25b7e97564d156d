//! Build time: the C source of a compiled module (`crates/codegen`), and
//! the snapshot an out-of-line module embeds.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::errors;
use crate::ffi_obj::FFIBase;
use crate::state::arena;

/// `_rcffi._generate_c(ffi, module_name, preamble, [(text, override,
/// pack[, dllexport]), ...], included_modules=[], included_ffis=[],
/// embedding=None)`: the C source of `ffi`'s compiled module. The
/// generator reads `ffi`'s registry (nothing is parsed again); the cdef
/// calls are `ffi`'s own, as text, embedded in the module (`included_*`:
/// what `ffi.include()` of other compiled modules brought, see
/// `codegen::Includes`; `embedding`: `(init_code, runtime_dir, version)`
/// for a library made with `ffi.embedding_api()`).
#[pyfunction]
#[pyo3(signature = (ffi, module_name, preamble, cdefs, included_modules=Vec::new(), included_ffis=Vec::new(), embedding=None))]
#[allow(clippy::too_many_arguments)] // the Python signature, one argument each
pub(crate) fn _generate_c(
    py: Python<'_>,
    ffi: PyRef<'_, FFIBase>,
    module_name: &str,
    preamble: &str,
    cdefs: Vec<Bound<'_, PyTuple>>,
    included_modules: Vec<String>,
    included_ffis: Vec<PyRef<'_, FFIBase>>,
    embedding: Option<(String, String, String)>,
) -> PyResult<String> {
    let src = codegen::ModuleSource {
        module_name: module_name.to_string(),
        preamble: preamble.to_string(),
        declarations: declarations_of(py, &ffi)?,
        cdefs: cdefs.iter().map(cdef_input).collect::<PyResult<_>>()?,
        embedding: embedding.map(|(init_code, runtime_dir, version)| codegen::Embedding { init_code, runtime_dir, version }),
    };
    let mut includes = codegen::Includes { modules: included_modules, ..Default::default() };
    for other in &included_ffis {
        includes.add_names_of(&*other.registry_full(py)?);
    }
    py.detach(|| codegen::generate_including(&src, &includes)).map_err(|e| generator_error(py, e))
}

/// `ffi`'s declarations as `cdecl::snapshot` bytes.
fn declarations_of(py: Python<'_>, ffi: &FFIBase) -> PyResult<Vec<u8>> {
    let reg = ffi.registry_full(py)?;
    let bytes = cdecl::snapshot::encode(&reg, &arena());
    Ok(bytes)
}

fn generator_error(py: Python<'_>, e: codegen::GenError) -> PyErr {
    match e {
        codegen::GenError::Cdef(e) => errors::from_cdecl(py, e),
        codegen::GenError::Unsupported(m) => verification_error(py, m),
        codegen::GenError::Type(m) => PyTypeError::new_err(m),
        codegen::GenError::NotImplemented(m) => pyo3::exceptions::PyNotImplementedError::new_err(m),
    }
}

/// `_rcffi._snapshot_of(ffi)`: `ffi`'s declarations as `cdecl::snapshot`
/// bytes (what an out-of-line `.py` module embeds, see
/// `FFIBase._load_snapshot`).
#[pyfunction]
pub(crate) fn _snapshot_of<'py>(py: Python<'py>, ffi: PyRef<'py, FFIBase>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    Ok(pyo3::types::PyBytes::new(py, &declarations_of(py, &ffi)?))
}

/// `_rcffi._parse_counts()`: `(parses, preprocesses)`, how many
/// declaration texts (or headers' token streams) were parsed and how many
/// sources preprocessed in this process so far (`cdecl::counters`; for
/// tests: building a module parses nothing again).
#[pyfunction]
pub(crate) fn _parse_counts() -> (u64, u64) {
    let c = cdecl::counters::counts();
    (c.parses, c.preprocesses)
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
