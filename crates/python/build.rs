use std::process::Command;

fn main() {
    // Exposes cfg(Py_3_13) and friends for version-specific code paths.
    pyo3_build_config::use_pyo3_cfgs();
    static_unwinder();
    wrapped_new_exception();
}

/// Linux with glibc (GNU ld, lld and gold know `--wrap`): PyO3's
/// `PanicException`, which the runtime makes at import, is made from a
/// spec rather than by a `type()` call (src/base/panic_type.rs).
fn wrapped_new_exception() {
    println!("cargo:rustc-check-cfg=cfg(rcffi_wrapped_new_exception)");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-cfg=rcffi_wrapped_new_exception");
        println!("cargo:rustc-link-arg=-Wl,--wrap=PyErr_NewExceptionWithDoc");
    }
}

/// Linux with glibc: the unwinder (what a Rust panic needs, caught by PyO3
/// and turned into `PanicException`) linked into the extension from
/// `libgcc_eh.a`, as `gcc -static-libgcc` does, instead of from
/// `libgcc_s.so.1`: Python does not load that library, so every
/// `import rcffi` paid for finding, mapping and relocating it (about 70,000
/// instructions, docs/performance.md). std's own `-lgcc_s` comes later on
/// the link line and, with nothing left to resolve, is dropped
/// (`--as-needed`). Where the archive is not found, or with
/// `RCFFI_SHARED_LIBGCC` set, the build links as before.
fn static_unwinder() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    println!("cargo:rerun-if-env-changed=RCFFI_SHARED_LIBGCC");
    println!("cargo:rerun-if-env-changed=CC");
    if os != "linux" || env != "gnu" || std::env::var_os("RCFFI_SHARED_LIBGCC").is_some() {
        return;
    }
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let Ok(out) = Command::new(&cc).arg("-print-file-name=libgcc_eh.a").output() else { return };
    let path = std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    // (a compiler that does not know the file prints its bare name back)
    if !out.status.success() || !path.is_absolute() || !path.is_file() {
        return;
    }
    if let Some(dir) = path.parent() {
        println!("cargo:rustc-link-search=native={}", dir.display());
        println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
    }
}
