//! Where `#include` looks: the including file's directory (for `"..."`),
//! the user's directories, then the system directories in gcc's order:
//! the compiler's own headers, `/usr/local/include`, the multiarch
//! directory, `/usr/include`. When no compiler is installed, rcffi's
//! embedded headers take the compiler's place.

use std::path::{Path, PathBuf};

/// rcffi's own versions of the headers a C compiler provides.
pub(crate) const BUILTIN_HEADERS: &[(&str, &str)] = &[
    ("stddef.h", include_str!("headers/stddef.h")),
    ("stdarg.h", include_str!("headers/stdarg.h")),
    ("stdbool.h", include_str!("headers/stdbool.h")),
    ("stdint.h", include_str!("headers/stdint.h")),
    ("limits.h", include_str!("headers/limits.h")),
    ("float.h", include_str!("headers/float.h")),
];

/// The display name of the embedded headers' directory.
pub(crate) const BUILTIN_DIR: &str = "<rcffi>";

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    Path(PathBuf),
    /// The embedded headers.
    Builtin,
}

impl Dir {
    fn show(&self) -> String {
        match self {
            Dir::Path(p) => p.display().to_string(),
            Dir::Builtin => format!("{BUILTIN_DIR} (rcffi's stddef.h, stdarg.h, stdbool.h, stdint.h, limits.h, float.h)"),
        }
    }
}

/// What a lookup found.
pub(crate) enum Found {
    File(PathBuf),
    Builtin(&'static str, &'static str),
}

pub(crate) struct SearchPath {
    pub dirs: Vec<Dir>,
}

/// The GNU triple of the host (`x86_64-linux-gnu`, `aarch64-linux-gnu`).
fn multiarch() -> String {
    format!("{}-linux-gnu", std::env::consts::ARCH)
}

/// gcc's private include directory (`/usr/lib/gcc/<triple>/<version>/include`),
/// newest version first, found without running gcc.
pub(crate) fn compiler_include_dir() -> Option<PathBuf> {
    // The installation does not change while the process runs.
    static FOUND: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    FOUND.get_or_init(find_compiler_include_dir).clone()
}

fn find_compiler_include_dir() -> Option<PathBuf> {
    let arch = std::env::consts::ARCH;
    let mut best: Option<(Vec<u32>, PathBuf)> = None;
    for root in ["/usr/lib/gcc", "/usr/lib64/gcc"] {
        let Ok(triples) = std::fs::read_dir(root) else { continue };
        for triple in triples.flatten() {
            let name = triple.file_name().to_string_lossy().into_owned();
            if !name.starts_with(arch) || !name.contains("linux") {
                continue;
            }
            let Ok(versions) = std::fs::read_dir(triple.path()) else { continue };
            for v in versions.flatten() {
                let dir = v.path().join("include");
                if !dir.join("stddef.h").is_file() {
                    continue;
                }
                let key: Vec<u32> = v.file_name().to_string_lossy().split('.').map(|p| p.parse().unwrap_or(0)).collect();
                if best.as_ref().is_none_or(|(k, _)| key > *k) {
                    best = Some((key, dir));
                }
            }
        }
    }
    best.map(|(_, d)| d)
}

impl SearchPath {
    /// `user` first, then the system directories that exist.
    pub(crate) fn new(user: &[PathBuf], compiler_headers: bool) -> SearchPath {
        let mut dirs: Vec<Dir> = user.iter().cloned().map(Dir::Path).collect();
        match compiler_include_dir().filter(|_| compiler_headers) {
            Some(d) => dirs.push(Dir::Path(d)),
            None => dirs.push(Dir::Builtin),
        }
        let multi = format!("/usr/include/{}", multiarch());
        for d in ["/usr/local/include", multi.as_str(), "/usr/include"] {
            if Path::new(d).is_dir() {
                dirs.push(Dir::Path(PathBuf::from(d)));
            }
        }
        dirs.dedup();
        SearchPath { dirs }
    }

    /// Look `name` up in the directories from `start` on.
    pub(crate) fn find(&self, name: &str, start: usize) -> Option<(Found, usize)> {
        for (i, d) in self.dirs.iter().enumerate().skip(start) {
            match d {
                Dir::Path(p) => {
                    let candidate = p.join(name);
                    if candidate.is_file() {
                        return Some((Found::File(candidate), i));
                    }
                }
                Dir::Builtin => {
                    if let Some((n, text)) = BUILTIN_HEADERS.iter().find(|(n, _)| *n == name) {
                        return Some((Found::Builtin(n, text), i));
                    }
                }
            }
        }
        None
    }

    /// The directories, one per line, for "cannot find" messages.
    pub(crate) fn describe(&self, local: Option<&Path>) -> String {
        let mut lines: Vec<String> = Vec::new();
        if let Some(l) = local {
            lines.push(format!("  {} (the including file's directory)", l.display()));
        }
        lines.extend(self.dirs.iter().map(|d| format!("  {}", d.show())));
        lines.join("\n")
    }
}
