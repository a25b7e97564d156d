"""Every snippet of docs/migration.md runs, in the order of the page, in a
fresh venv that has rcffi (and its drop-in .pth file), with and without
real cffi installed too: ``python`` blocks each in a new interpreter,
``sh`` blocks with bash, ``file=PATH`` blocks written to PATH, and a
``text`` block is the exact output of the block before it."""

import os
import re
import subprocess
import sys

import pytest

from conftest import IMPL_NAME
from venvs import ROOT, cffi_shim, clean_env, make_venv, rcffi_shim

pytestmark = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="rcffi's migration guide")

DOC = ROOT / "docs" / "migration.md"
BLOCK = re.compile(r"^```(\w+)(?: file=(\S+))?\n(.*?)^```$", re.S | re.M)


def blocks():
    return [(m.group(1), m.group(2), m.group(3)) for m in BLOCK.finditer(DOC.read_text())]


def test_every_fence_is_a_snippet_the_runner_knows():
    fences = DOC.read_text().count("\n```") // 2
    found = blocks()
    assert len(found) == fences
    for lang, path, _ in found:
        assert (lang, path is not None) in {("python", False), ("python", True), ("toml", True), ("sh", False),
                                            ("text", False)}, (lang, path)


@pytest.mark.parametrize("real_cffi", [False, True], ids=["rcffi_only", "with_real_cffi"])
def test_migration_guide_snippets_run(tmp_path, real_cffi):
    shims = [rcffi_shim(tmp_path)] + ([cffi_shim(tmp_path)] if real_cffi else [])
    py = make_venv(tmp_path, shims, dropin_pth=True)
    work = tmp_path / "work"
    work.mkdir()
    # `pip` and `python` of the snippets: the venv's (pip itself runs from
    # this test run's environment, installing into the venv)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "pip").write_text('#!/bin/sh\nexec %s -m pip --python %s "$@"\n' % (sys.executable, py))
    (bindir / "pip").chmod(0o755)
    env = clean_env(PATH=os.pathsep.join([str(bindir), str(py.parent), os.environ.get("PATH", "")]),
                    PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    last = None
    ran = 0
    for lang, path, body in blocks():
        if path is not None:
            target = work / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body)
            continue
        if lang == "text":
            assert last is not None, "an output block follows no snippet"
            assert last.stdout == body, last.args
            continue
        cmd = [str(py), "-c", body] if lang == "python" else ["bash", "-e", "-c", body]
        last = subprocess.run(cmd, cwd=str(work), env=env, capture_output=True, text=True)
        assert last.returncode == 0, "%s\n--- stdout\n%s--- stderr\n%s" % (body, last.stdout, last.stderr)
        ran += 1
    assert ran >= 6
