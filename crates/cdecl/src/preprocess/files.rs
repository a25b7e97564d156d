//! Source files and their inclusions, and turning a token location back
//! into `file:line:col` with the source line and the include chain.
//!
//! A file is read and lexed once however often it is included; each
//! `#include` of it is a separate *inclusion* (it has its own includer and
//! its own `#line` remappings), and token locations name the inclusion.

use std::path::PathBuf;
use std::rc::Rc;

use super::token::{Loc, PpTok};
use crate::error::Location;

pub(crate) struct SourceFile {
    /// The name shown in messages (the path as found).
    pub display: String,
    /// The path for `#include "..."` lookups next to it (`None` for
    /// built-in texts).
    pub path: Option<PathBuf>,
    /// The text with every backslash-newline removed.
    pub text: String,
    /// `(offset in text, bytes removed before it)` after each splice.
    splices: Vec<(u32, u32)>,
    /// The text as read, kept only when it had splices.
    original: Option<String>,
    /// Byte offsets of line starts in the original text.
    line_starts: Vec<u32>,
    /// The tokens, lexed on first use.
    pub toks: Option<Rc<[PpTok]>>,
    /// `#pragma once` was seen in it.
    pub once: bool,
    /// The include guard macro, once a complete pass showed one.
    pub guard: Option<super::intern::Sym>,
}

impl SourceFile {
    pub(crate) fn new(display: String, path: Option<PathBuf>, raw: String) -> SourceFile {
        let line_starts =
            std::iter::once(0).chain(raw.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i as u32 + 1)).collect();
        let (text, splices, original) = if raw.contains("\\\n") || raw.contains("\\\r\n") {
            let (text, splices) = remove_splices(&raw);
            (text, splices, Some(raw))
        } else {
            (raw, Vec::new(), None)
        };
        SourceFile { display, path, text, splices, original, line_starts, toks: None, once: false, guard: None }
    }

    fn original_text(&self) -> &str {
        self.original.as_deref().unwrap_or(&self.text)
    }

    fn original_offset(&self, off: u32) -> u32 {
        let i = self.splices.partition_point(|&(at, _)| at <= off);
        if i == 0 {
            off
        } else {
            off + self.splices[i - 1].1
        }
    }

    /// 1-based physical line and column, and the line's text.
    pub(crate) fn line_col(&self, off: u32) -> (u32, u32, &str) {
        let orig = self.original_offset(off.min(self.text.len() as u32)) as usize;
        let text = self.original_text();
        let orig = orig.min(text.len());
        let line = self.line_starts.partition_point(|&s| s as usize <= orig);
        let start = self.line_starts[line - 1] as usize;
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let col = text.get(start..orig).map_or(1, |s| s.chars().count() + 1);
        (line as u32, col as u32, text[start..end].trim_end_matches('\r'))
    }
}

/// Remove backslash-newlines, remembering where, so offsets in the
/// result can be mapped back to the text as written.
fn remove_splices(raw: &str) -> (String, Vec<(u32, u32)>) {
    let bytes = raw.as_bytes();
    let mut text = Vec::with_capacity(bytes.len());
    let mut splices = Vec::new();
    let mut removed = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            let len = match (bytes.get(i + 1), bytes.get(i + 2)) {
                (Some(b'\n'), _) => 2,
                (Some(b'\r'), Some(b'\n')) => 3,
                _ => 0,
            };
            if len > 0 {
                removed += len;
                i += len as usize;
                splices.push((text.len() as u32, removed));
                continue;
            }
        }
        text.push(bytes[i]);
        i += 1;
    }
    // Only whole ASCII sequences were removed, so this stays UTF-8.
    (String::from_utf8(text).unwrap_or_default(), splices)
}

/// One `#include` of a file.
pub(crate) struct Inclusion {
    pub file: u32,
    /// The `#include` directive that brought it in.
    pub from: Option<Loc>,
    /// Index of the search directory it was found in (for `#include_next`).
    pub dir: Option<usize>,
    /// `#line` remappings: from offset `off` on, line numbers are shifted
    /// by `delta` and the file is called `name`.
    pub line_marks: Vec<LineMark>,
}

pub(crate) struct LineMark {
    pub off: u32,
    pub delta: i64,
    pub name: Option<String>,
}

/// Every file and inclusion seen by one preprocessing run.
#[derive(Default)]
pub(crate) struct Files {
    pub files: Vec<SourceFile>,
    pub incs: Vec<Inclusion>,
}

impl Files {
    pub(crate) fn file_of(&self, loc: Loc) -> &SourceFile {
        &self.files[self.incs[loc.inc as usize].file as usize]
    }

    /// The presumed name and line (after `#line`) of a location.
    pub(crate) fn presumed(&self, loc: Loc) -> (String, u32) {
        let inc = &self.incs[loc.inc as usize];
        let file = &self.files[inc.file as usize];
        let (line, _, _) = file.line_col(loc.off);
        match inc.line_marks.iter().rev().find(|m| m.off <= loc.off) {
            Some(m) => {
                (m.name.clone().unwrap_or_else(|| file.display.clone()), (line as i64 + m.delta).clamp(0, u32::MAX as i64) as u32)
            }
            None => (file.display.clone(), line),
        }
    }

    /// `a.h:3` for every file that (transitively) included this one,
    /// innermost first.
    pub(crate) fn include_chain(&self, loc: Loc) -> Vec<String> {
        let mut chain = Vec::new();
        let mut from = self.incs[loc.inc as usize].from;
        while let Some(at) = from {
            if chain.len() > 300 {
                break;
            }
            let (name, line) = self.presumed(at);
            chain.push(format!("{name}:{line}"));
            from = self.incs[at.inc as usize].from;
        }
        chain
    }

    /// A full diagnostic location; `width` is the length of the
    /// underlined text in bytes.
    pub(crate) fn location(&self, loc: Loc, width: u32) -> Location {
        let file = self.file_of(loc);
        let (_, column, line_text) = file.line_col(loc.off);
        let (name, line) = self.presumed(loc);
        let avail = line_text.chars().count().saturating_sub(column as usize - 1).max(1) as u32;
        Location {
            origin: crate::error::Origin::Header,
            source_name: name,
            line,
            column,
            line_text: line_text.to_string(),
            width: width.clamp(1, avail),
            included_from: self.include_chain(loc),
            from_line_marker: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_map_back_to_the_written_text() {
        let f = SourceFile::new("t.h".into(), None, "#define A 1 \\\n + 2\nint x;\n".into());
        assert_eq!(f.text, "#define A 1  + 2\nint x;\n");
        let off = f.text.find("+ 2").unwrap() as u32;
        let (line, col, text) = f.line_col(off);
        assert_eq!((line, col, text), (2, 2, " + 2"));
        let off = f.text.find("int").unwrap() as u32;
        assert_eq!(f.line_col(off).0, 3);
    }
}
