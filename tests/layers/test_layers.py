"""scripts/check_layers.py: crates/python/src reads bottom-up (base, types,
object model, calls, FFI and Lib, module), and the check fails on a file
that imports from a higher layer."""

import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "check_layers.py")
SRC = os.path.join(ROOT, "crates", "python", "src")


def run(src):
    return subprocess.run([sys.executable, SCRIPT, src], capture_output=True, text=True)


def test_no_file_imports_a_higher_layer():
    r = run(SRC)
    assert r.returncode == 0, r.stdout + r.stderr


def test_an_import_from_a_higher_layer_fails(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SRC, src)
    # the back-edges the layering cut, put back in their three spellings
    with open(src / "object" / "cdata" / "repr.rs", "a") as f:
        f.write("\nfn _back() { let _ = crate::ffi_obj::new_owned; }\n")
    with open(src / "object" / "convert" / "record.rs", "a") as f:
        f.write("\nuse super::super::calls::call;\n")
    with open(src / "types" / "ctype.rs", "a") as f:
        f.write("\nuse crate::{errors, callback::new_callback};\n")
    r = run(str(src))
    assert r.returncode == 1
    found = sorted(line for line in r.stdout.splitlines() if line.startswith("layer violation"))
    assert found == [
        "layer violation: object/cdata/repr.rs (layer 2, object model) imports ffi_obj (layer 4, FFI and Lib)",
        "layer violation: object/convert/record.rs (layer 2, object model) imports calls::call (layer 3, calls)",
        "layer violation: types/ctype.rs (layer 1, types) imports calls::callback (layer 3, calls)",
    ]


def test_a_mention_in_a_comment_or_string_is_no_import(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SRC, src)
    with open(src / "base" / "state.rs", "a") as f:
        f.write('\n// see crate::ffi_obj::FFIBase\nconst _S: &str = "crate::call::x";\n')
    assert run(str(src)).returncode == 0
