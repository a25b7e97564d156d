"""ABI-mode (ffi.dlopen) test suites."""
