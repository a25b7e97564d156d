use pyo3::prelude::*;
#[pymodule]
fn _rcffi(_m: &Bound<'_, PyModule>) -> PyResult<()> { Ok(()) }
