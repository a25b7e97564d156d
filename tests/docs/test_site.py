"""The documentation site (mkdocs.yml, docs/): it builds in strict mode (no
warning, no broken link or anchor) and every Python snippet of its pages
runs.

Snippet rules, per page, in page order, in a fresh directory: a block
fenced ```LANG file=PATH is written to PATH (and, for Python, then run as
that script); every other ```python block runs in a new interpreter; a
```sh block runs with bash on the pages in SHELL_PAGES (elsewhere shell
blocks are commands for the reader: installs, benchmarks); a ```text block
right after a block that ran is that block's exact output. ```pyi and
```console blocks are shown, not run. docs/migration.md has its own runner
(tests/dropin/test_migration_doc.py, in fresh venvs)."""

import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

from conftest import IMPL_NAME

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BLOCK = re.compile(r"^```(\w+)(?: file=(\S+))?\n(.*?)^```$", re.S | re.M)
SHELL_PAGES = {"cli.md", "packaging.md"}
OWN_RUNNER = {"migration.md"}

pytestmark = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="rcffi's documentation")


def site_pages():
    nav = re.findall(r"^  - [^:]+: (\S+\.md)$", (ROOT / "mkdocs.yml").read_text(), re.M)
    assert nav, "mkdocs.yml has no nav"
    return nav


def test_site_builds_in_strict_mode(tmp_path):
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        pytest.skip("mkdocs-material is not installed (scripts/test.sh installs it from PyPI)")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                       cwd=str(ROOT), capture_output=True, text=True, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "WARNING" not in r.stdout + r.stderr
    for page in site_pages():
        assert (tmp_path / "site" / page.replace(".md", "") / "index.html").exists() or page == "index.md"


def test_every_page_of_the_nav_exists_and_every_doc_is_in_it():
    pages = site_pages()
    assert sorted(pages) == sorted(p.name for p in DOCS.glob("*.md") if p.name != "difftest-findings.md")


@pytest.mark.parametrize("page", [p for p in site_pages() if p not in OWN_RUNNER])
def test_snippets_run(tmp_path, page):
    env = dict(os.environ, PATH=os.pathsep.join([str(pathlib.Path(sys.executable).parent), os.environ["PATH"]]))
    env.pop("PYTHONPATH", None)
    last = None
    for lang, path, body in (m.groups() for m in BLOCK.finditer((DOCS / page).read_text())):
        if path is not None:
            target = tmp_path / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body)
        if lang == "python":
            args = [sys.executable, str(tmp_path / path)] if path else [sys.executable, "-c", body]
        elif lang == "sh" and page in SHELL_PAGES:
            args = ["bash", "-euo", "pipefail", "-c", body]
        elif lang == "text" and last is not None:
            assert last.stdout == body, (page, last.args[-1][:200], last.stdout)
            last = None
            continue
        else:
            last = None
            continue
        last = subprocess.run(args, cwd=str(tmp_path), capture_output=True, text=True, env=env, timeout=300)
        assert last.returncode == 0, (page, body[:300], last.stdout[-1000:], last.stderr[-2000:])
