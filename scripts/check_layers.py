#!/usr/bin/env python3
"""Check the layers of crates/python/src: no file imports from a higher layer.

The layers, bottom-up (docs/architecture.md has the diagram):

    0 base/     state, errors, entry
    1 types/    ctype, ctype_gc
    2 object/   cdata/, convert/, cast, strings, buffer, file
    3 calls/    call, call_int, call_tramp, callback
    4 ffi_lib/  the FFI object and the Libs, in ranks (TOP_RANKS below: a
                library function's objects, the FFI object, its other
                methods and the sources a Lib reads, the Lib, a compiled
                module's init)
    5 lib.rs    the module

A file may use its own layer (rank) and the ones below. A file of ffi_lib/
that no rank names, or a file directly in src/ other than lib.rs, is an
error: a new one must be placed. lib.rs re-exports the folders' modules
under their short names (`crate::cdata`); those names are resolved through
its `use` lines. Prints each violation and exits 1.

    python3 scripts/check_layers.py [SRC_DIR]
"""

import os
import re
import sys

FOLDERS = {"base": 0, "types": 1, "object": 2, "calls": 3}
TOP = 4  # ffi_lib/
TOP_FOLDER = "ffi_lib"
MODULE = 5  # lib.rs
NAMES = {0: "base", 1: "types", 2: "object model", 3: "calls", 4: "FFI and Lib", 5: "module"}

# Layer 4, bottom-up: (name, modules inside ffi_lib/). A module's rank is
# the one of its longest listed prefix (`api_module/facts.rs` is
# `api_module`'s); ffi_lib/mod.rs, which only declares them, is the top.
TOP_RANKS = [
    # what stands for a library function: metered wrappers (metrics, error
    # contracts), then `lib.f` of a compiled module, which sees through them
    ("metered functions", ["metered", "metered_check", "metered_clock"]),
    ("lib functions", ["lib_function"]),
    # FFIBase: the type strings, new, cast, typeof, ...
    ("FFI object", ["ffi_obj"]),
    # FFIBase's other methods, each in a file of its own; what a Lib reads
    # from (a dlopen()ed library, a compiled module's tables); build time
    ("FFI methods and Lib sources", ["allocator", "boundary", "cffi_tables", "fast_methods", "ffi_callback",
                                     "header", "library", "api_module"]),
    # the one Lib type, over one of those sources
    ("Lib", ["lib_obj"]),
    # a compiled module's init: its ffi and its lib
    ("module init", ["api_module/import"]),
]


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


def top_rank(module):
    """The rank (index in TOP_RANKS) of a layer-4 module, or None."""
    best = None
    for rank, (_, names) in enumerate(TOP_RANKS):
        for name in names:
            prefix = tuple(name.split("/"))
            if module[: len(prefix)] == prefix and (best is None or len(prefix) > best[0]):
                best = (len(prefix), rank)
    return None if best is None else best[1]


def layer_of(module):
    """(layer, rank inside it): ordered as the layers are."""
    if not module:
        return (MODULE, 0)
    if module[0] in FOLDERS:
        return (FOLDERS[module[0]], 0)
    if module[0] != TOP_FOLDER:
        return (TOP, None)  # a file directly in src/: in no layer
    if len(module) == 1:
        return (TOP, len(TOP_RANKS) - 1)
    return (TOP, top_rank(module[1:]))


def describe(layer):
    n, rank = layer
    if n == TOP:
        return "layer 4.%d, %s" % (rank, TOP_RANKS[rank][0])
    return "layer %d, %s" % (n, NAMES[n])


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


def referenced_paths(code, module):
    """Absolute module paths the code names through `crate::` or `super::`
    (also inside `use crate::{a, b::c}` groups)."""
    # expand one level of `use crate::{...}` / `use super::{...}` groups
    for m in re.finditer(r"\b(crate|(?:super::)*super)::\{([^{}]*)\}", code):
        for item in m.group(2).split(","):
            item = item.strip().split(" as ")[0].strip()
            if item and item != "self":
                yield from referenced_paths(m.group(1) + "::" + item, module)
    # `super::` is the parent of the module the file is (a folder's mod.rs
    # is the folder's module, another file its own: `super::x` in
    # api_module/runtime.rs is api_module::x)
    here = list(module)
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
        if layer_of(module)[1] is None:
            if module[0] == TOP_FOLDER:
                problems.append("%s is in layer 4 but in none of its ranks (add it to TOP_RANKS in %s)"
                                % (os.path.relpath(path, src), os.path.basename(__file__)))
            else:
                problems.append("%s is in no layer: move it into the folder of its layer (%s)"
                                % (os.path.relpath(path, src), ", ".join(sorted(FOLDERS) + [TOP_FOLDER])))
    for module, path in sorted(files.items()):
        mine = layer_of(module)
        if mine[1] is None:
            continue
        for ref in set(referenced_paths(code_of(path), module)):
            target = resolve(ref, files, aliases)
            if target is None or target == module:
                continue
            theirs = layer_of(target)
            if theirs[1] is not None and theirs > mine:
                problems.append(
                    "%s (%s) imports %s (%s)"
                    % (os.path.relpath(path, src), describe(mine), "::".join(target), describe(theirs))
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
