#!/usr/bin/env python3
"""Check the layers of crates/python/src: no file imports from a higher layer.

The layers, bottom-up (docs/architecture.md has the diagram):

    0 base/     state, errors, entry
    1 types/    ctype, ctype_gc
    2 object/   cdata/, convert/, cast, strings, buffer, file
    3 calls/    call, call_int, callback
    4 the other files at the top: the FFI object and the Libs
    5 lib.rs    the module

A file may use its own layer and the ones below. lib.rs re-exports the
folders' modules under their short names (`crate::cdata`); those names are
resolved through its `use` lines. Prints each violation and exits 1.

    python3 scripts/check_layers.py [SRC_DIR]
"""

import os
import re
import sys

FOLDERS = {"base": 0, "types": 1, "object": 2, "calls": 3}
TOP = 4  # a file directly in src/ (not lib.rs)
MODULE = 5  # lib.rs
NAMES = {0: "base", 1: "types", 2: "object model", 3: "calls", 4: "FFI and Lib", 5: "module"}


def module_files(src):
    """{module path (tuple of names): file path}"""
    files = {}
    for dirpath, _, names in os.walk(src):
        for name in names:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(dirpath, name)
            parts = os.path.relpath(path, src)[:-3].split(os.sep)
            if parts[-1] == "mod":
                parts = parts[:-1]
            if parts == ["lib"]:
                parts = []
            files[tuple(parts)] = path
    return files


def layer_of(module):
    if not module:
        return MODULE
    if module[0] in FOLDERS:
        return FOLDERS[module[0]]
    return TOP


def code_of(path):
    """The file's text without comments and string literals (a path in
    either is not an import)."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r'r#*"(?:.|\n)*?"#*|"(?:\\.|[^"\\])*"', '""', text)
    return re.sub(r"//[^\n]*", "", text)


def root_aliases(lib_code):
    """lib.rs's `use folder::{a, b};` lines: {a: (folder, a), ...}"""
    aliases = {}
    for m in re.finditer(r"\buse\s+(\w+)::\{([^}]*)\}\s*;", lib_code):
        for name in re.findall(r"\w+", m.group(2)):
            aliases[name] = (m.group(1), name)
    for m in re.finditer(r"\buse\s+(\w+)::(\w+)\s*;", lib_code):
        aliases[m.group(2)] = (m.group(1), m.group(2))
    return aliases


def resolve(path, files, aliases):
    """The longest module of `path` (absolute, a tuple) that is a file."""
    if path and path[0] in aliases:
        path = aliases[path[0]] + tuple(path[1:])
    for k in range(len(path), 0, -1):
        if tuple(path[:k]) in files:
            return tuple(path[:k])
    return None


def referenced_paths(code, module, is_dir_module):
    """Absolute module paths the code names through `crate::` or `super::`
    (also inside `use crate::{a, b::c}` groups)."""
    # expand one level of `use crate::{...}` / `use super::{...}` groups
    for m in re.finditer(r"\b(crate|(?:super::)*super)::\{([^{}]*)\}", code):
        for item in m.group(2).split(","):
            item = item.strip().split(" as ")[0].strip()
            if item and item != "self":
                yield from referenced_paths(m.group(1) + "::" + item, module, is_dir_module)
    # `self::x` in a folder's mod.rs is its child; in a file, its own child
    here = list(module) if is_dir_module else list(module[:-1]) if module else []
    for m in re.finditer(r"\b((?:super::)+|crate::)((?:\w+::)*\w+)", code):
        head, rest = m.group(1), m.group(2).split("::")
        if head == "crate::":
            yield tuple(rest)
        else:
            base = list(here)
            for _ in range(head.count("super")):
                base = base[:-1]
            yield tuple(base + rest)


def check(src):
    files = module_files(src)
    aliases = root_aliases(code_of(files[()]))
    problems = []
    for module, path in sorted(files.items()):
        mine = layer_of(module)
        is_dir = os.path.basename(path) in ("mod.rs", "lib.rs")
        for ref in set(referenced_paths(code_of(path), module, is_dir)):
            target = resolve(ref, files, aliases)
            if target is None or target == module:
                continue
            theirs = layer_of(target)
            if theirs > mine:
                problems.append(
                    "%s (layer %d, %s) imports %s (layer %d, %s)"
                    % (os.path.relpath(path, src), mine, NAMES[mine], "::".join(target), theirs, NAMES[theirs])
                )
    return sorted(set(problems))


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    src = argv[1] if len(argv) > 1 else os.path.join(here, "..", "crates", "python", "src")
    problems = check(src)
    for p in problems:
        print("layer violation: " + p)
    if problems:
        print("%d file(s) import from a higher layer (see docs/architecture.md)" % len(problems))
        return 1
    print("layers: no file of %s imports from a higher layer" % os.path.normpath(src))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
