fn main() {
    // Exposes cfg(Py_3_13) and friends for version-specific code paths.
    pyo3_build_config::use_pyo3_cfgs();
}
