"""The differential tester's CI budget: a fixed range of seeds, run on real
cffi and on rcffi in separate processes (tests/difftest/engine.py).

Every divergence must be either a documented difference
(allowlist.ENTRIES, each naming its docs/compat.md row) or a known open
finding (known.ENTRIES, each naming its docs/difftest-findings.md entry);
anything else fails, with the program's steps in the message and a
reproducer command. Exception *messages* are compared and printed but not
asserted (docs/architecture.md, "Differential testing against cffi").
"""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from difftest import allowlist, engine, gen, known, runner

ROOT = pathlib.Path(__file__).resolve().parents[2]
CI_SEEDS = range(1, 401)    # 300 well-defined + 100 misuse programs: about 30 s on 2 cores
# API mode: each program compiles a module twice (cffi, rcffi): 16 well-defined
# + 4 misuse programs, about 15 s on 2 cores
API_CI_SEEDS = range(9100000, 9100020)


def _skip_reason():
    if shutil.which("gcc") is None:
        return "gcc is not available: the tester's C library cannot be built"
    probe = subprocess.run([sys.executable, "-c", "import cffi; assert cffi.__version__ == '2.0.0'"],
                           capture_output=True)
    if probe.returncode != 0:
        return "real cffi 2.0.0 is not installed (scripts/test.sh installs it into .venv)"
    if os.environ.get("RCFFI_TEST_AGAINST", "rcffi") != "rcffi":
        return "the differential tester compares rcffi with cffi: nothing to do against cffi"
    return None


@pytest.fixture(scope="module")
def clib(tmp_path_factory):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    return engine.build_clib(str(tmp_path_factory.mktemp("difftest")))


def test_allowlist_rows_are_documented():
    compat = (ROOT / "docs" / "compat.md").read_text()
    for e in allowlist.ENTRIES:
        assert e.ref in compat, "allowlist %s: no docs/compat.md row says %r" % (e.id, e.ref)
    findings = (ROOT / "docs" / "difftest-findings.md").read_text()
    for e in known.ENTRIES:
        assert "### %s " % e.id in findings, "known finding %s is not in docs/difftest-findings.md" % e.id


def test_generator_is_deterministic():
    for seed in (1, 2, 3, 7):
        assert gen.generate(seed, runner.kind_of(seed)) == gen.generate(seed, runner.kind_of(seed))
    for seed in API_CI_SEEDS[:5]:
        kind = runner.kind_of(seed, "api")
        assert gen.generate(seed, kind) == gen.generate(seed, kind)


def test_a_divergence_is_detected(clib):
    # the comparison itself: a program whose result differs between the
    # implementations by construction must be reported
    prog = {"kind": "defined", "decls": [], "seed": 0,
            "ops": ["cffi.__name__", "ffi.sizeof('int')"]}
    divs, _ = engine.check(prog, clib)
    assert [d.cls for d in divs] == ["value"] and divs[0].step == 2


def test_a_crash_is_detected(clib):
    prog = {"kind": "misuse", "decls": [], "seed": 0,
            "ops": ["__import__('os').kill(__import__('os').getpid(), 11) if cffi.__name__ == 'rcffi' else 0"]}
    divs, _ = engine.check(prog, clib)
    assert [d.cls for d in divs] == ["crash"] and "SIGSEGV" in divs[0].got


def _check_budget(stats, seeds, mode):
    unexplained = []
    for count, d, prog, allowed in stats.signatures.values():
        if allowed is None and d.cls != "message":
            unexplained.append("%r\n  program (seed %s):\n    %s\n  reproduce: scripts/difftest.sh "
                               "--mode %s --count 1 --seed %s" % (d, prog["seed"], "\n    ".join(
                                   gen.steps(prog)[2:]), mode, prog["seed"]))
    assert not unexplained, "%d divergence(s) neither documented nor known:\n%s" % (
        len(unexplained), "\n".join(unexplained))
    assert sum(stats.programs.values()) == len(seeds)
    assert not stats.unbuilt, "API-mode modules cffi could not build: %s" % stats.unbuilt


def test_api_mode_fixed_seed_budget(clib, capsys):
    # compiled modules (set_source + compile) built with each implementation
    stats = runner.run(API_CI_SEEDS, clib, jobs=2, findings=None, do_minimize=False,
                       log=lambda *a: None, mode="api")
    with capsys.disabled():
        print("\n" + stats.summary())
    _check_budget(stats, API_CI_SEEDS, "api")


def test_fixed_seed_budget(clib, capsys):
    stats = runner.run(CI_SEEDS, clib, jobs=2, findings=None, do_minimize=False,
                       log=lambda *a: None)
    with capsys.disabled():
        print("\n" + stats.summary())
    unexplained = []
    for count, d, prog, allowed in stats.signatures.values():
        if allowed is None and d.cls != "message":
            unexplained.append("%r\n  program (seed %s):\n    %s\n  reproduce: scripts/difftest.sh "
                               "--count 1 --seed %s" % (d, prog["seed"], "\n    ".join(
                                   gen.steps(prog)[2:]), prog["seed"]))
    assert not unexplained, "%d divergence(s) neither documented nor known:\n%s" % (
        len(unexplained), "\n".join(unexplained))
    assert sum(stats.programs.values()) == len(CI_SEEDS)
