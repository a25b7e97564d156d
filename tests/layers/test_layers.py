"""scripts/check_layers.py: crates/python/src reads bottom-up (base, types,
object model, calls, FFI and Lib, module: one folder a layer, the files of
the FFI and Lib layer, ffi_lib/, in ranks of their own), and the check
fails on a file that imports from a higher layer or rank, on a file of
ffi_lib/ no rank names, or on a file directly in src/ other than lib.rs."""

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "check_layers.py")
SRC = os.path.join(ROOT, "crates", "python", "src")


def run(src):
    return subprocess.run([sys.executable, SCRIPT, src], capture_output=True, text=True)


def test_no_file_imports_a_higher_layer():
    r = run(SRC)
    assert r.returncode == 0, r.stdout + r.stderr


def violations(tmp_path, added):
    """The check's exit code and sorted violations on a copy of the real
    tree with `added` ({file: code}) appended to its files."""
    src = tmp_path / "src"
    shutil.copytree(SRC, src)
    for name, code in added.items():
        with open(src / name, "a") as f:
            f.write("\n" + code + "\n")
    r = run(str(src))
    return r.returncode, sorted(line for line in r.stdout.splitlines() if line.startswith("layer violation"))


# the back-edges the layering cut, put back in their three spellings; the
# cycles the ranks of layer 4 cut (ffi_obj <-> boundary, lib_obj <-> the
# compiled module's runtime <-> its init), and upward edges of the
# library-function objects
BACK_EDGES = [
    ({
        "object/cdata/repr.rs": "fn _back() { let _ = crate::ffi_obj::new_owned; }",
        "object/convert/record.rs": "use super::super::super::calls::call;",
        "types/ctype.rs": "use crate::{errors, callback::new_callback};",
    }, [
        "object/cdata/repr.rs (layer 2, object model) imports ffi_lib::ffi_obj (layer 4.2, FFI object)",
        "object/convert/record.rs (layer 2, object model) imports calls::call (layer 3, calls)",
        "types/ctype.rs (layer 1, types) imports calls::callback (layer 3, calls)",
    ]),
    ({
        "ffi_lib/ffi_obj.rs": "fn _back() { let _ = crate::ffi_lib::boundary::isolated_function_ctype; }",
        "ffi_lib/api_module/runtime.rs": "use super::import::collect_facts;\nfn _g() { let _ = crate::lib_obj::GlobalVar::new; }",
        "ffi_lib/lib_function.rs": "use crate::{ffi_obj::FFIBase};",
        "ffi_lib/metered.rs": "fn _u() { let _ = crate::lib_function::unwrap; }",
    }, [
        "ffi_lib/api_module/runtime.rs (layer 4.3, FFI methods and Lib sources) imports ffi_lib::api_module::import (layer 4.5, module init)",
        "ffi_lib/api_module/runtime.rs (layer 4.3, FFI methods and Lib sources) imports ffi_lib::lib_obj (layer 4.4, Lib)",
        "ffi_lib/ffi_obj.rs (layer 4.2, FFI object) imports ffi_lib::boundary (layer 4.3, FFI methods and Lib sources)",
        "ffi_lib/lib_function.rs (layer 4.1, lib functions) imports ffi_lib::ffi_obj (layer 4.2, FFI object)",
        "ffi_lib/metered.rs (layer 4.0, metered functions) imports ffi_lib::lib_function (layer 4.1, lib functions)",
    ]),
]


@pytest.mark.parametrize("added,expected", BACK_EDGES, ids=["layers", "ranks of layer 4"])
def test_an_import_from_a_higher_layer_fails(tmp_path, added, expected):
    rc, found = violations(tmp_path, added)
    assert rc == 1
    assert found == ["layer violation: " + e for e in expected]


def test_a_mention_in_a_comment_or_string_is_no_import(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SRC, src)
    with open(src / "base" / "state.rs", "a") as f:
        f.write('\n// see crate::ffi_obj::FFIBase\nconst _S: &str = "crate::call::x";\n')
    assert run(str(src)).returncode == 0


def test_a_file_in_no_layer_or_rank_fails(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SRC, src)
    (src / "ffi_lib" / "newthing.rs").write_text("use crate::ffi_obj::FFIBase;\n")
    r = run(str(src))
    assert r.returncode == 1
    assert ("layer violation: ffi_lib/newthing.rs is in layer 4 but in none of its ranks "
            "(add it to TOP_RANKS in check_layers.py)") in r.stdout
    # a file directly in src/ (other than lib.rs) belongs to no layer
    (src / "ffi_lib" / "newthing.rs").rename(src / "newthing.rs")
    r = run(str(src))
    assert r.returncode == 1
    assert ("layer violation: newthing.rs is in no layer: move it into the folder of its layer "
            "(base, calls, object, types, ffi_lib)") in r.stdout
    # a new file of the compiled-module folder takes the folder's rank
    (src / "newthing.rs").unlink()
    (src / "ffi_lib" / "api_module" / "extra.rs").write_text("use crate::ffi_obj::FFIBase;\n")
    assert run(str(src)).returncode == 0


def test_a_minimal_tree_with_one_back_edge_fails(tmp_path):
    # a fixture of its own, not a copy: lib.rs, a base file, two layer-4 files
    src = tmp_path / "src"
    (src / "base").mkdir(parents=True)
    (src / "ffi_lib").mkdir()
    (src / "lib.rs").write_text("mod base;\nuse base::state;\nmod ffi_lib;\nuse ffi_lib::{ffi_obj, lib_obj};\n")
    (src / "base" / "mod.rs").write_text("pub mod state;\n")
    (src / "base" / "state.rs").write_text("pub fn arena() {}\n")
    (src / "ffi_lib" / "mod.rs").write_text("pub mod ffi_obj;\npub mod lib_obj;\n")
    (src / "ffi_lib" / "ffi_obj.rs").write_text("use crate::state::arena;\npub struct FFIBase;\n")
    (src / "ffi_lib" / "lib_obj.rs").write_text("use crate::ffi_obj::FFIBase;\n")
    assert run(str(src)).returncode == 0
    (src / "ffi_lib" / "ffi_obj.rs").write_text("use crate::state::arena;\nuse crate::lib_obj::Lib;\npub struct FFIBase;\n")
    r = run(str(src))
    assert r.returncode == 1
    assert r.stdout.splitlines()[0] == ("layer violation: ffi_lib/ffi_obj.rs (layer 4.2, FFI object) "
                                        "imports ffi_lib::lib_obj (layer 4.4, Lib)")
