"""Runs programs on cffi and rcffi in separate processes and compares.

Comparison, step by step (``child.py`` has already normalised values):

* a crash (the child killed by a signal, or exiting without reaching the
  end) or a hang (no end within the timeout) of rcffi is always a finding;
  in a well-defined program the same crash under cffi means the generator
  emitted something undefined (class ``both-crash``, a tester bug);
* ``raises``: one implementation raised where the other returned;
* ``exc-type``: both raised, different exception classes;
* ``value``: both returned, different normalised values;
* ``log`` / ``unraisable`` / ``warning``: destructors or allocators ran at
  another step, a different "Exception ignored" report, a different warning;
* ``message``: same exception class, different message. Messages are
  compared exactly after masking addresses, except ``CDefError`` whose
  first line only is compared (rcffi adds the location and a caret on the
  following lines: docs/compat.md, ``CDefError`` text).

Only the first divergent step of a program counts (later steps usually
follow from it); the minimiser keeps that divergence while shrinking.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

from . import gen

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "child.py")

SEVERITY = ["crash", "hang", "raises", "exc-type", "value", "log", "unraisable",
            "warning", "message", "both-crash"]


def build_clib(workdir):
    """Compile clib.c once (cached by content) and return the .so path."""
    src = os.path.join(HERE, "clib.c")
    with open(src, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    os.makedirs(workdir, exist_ok=True)
    out = os.path.join(os.path.abspath(workdir), "libdifftest_%s.so" % digest)
    if not os.path.exists(out):
        tmp = out + ".%d.tmp" % os.getpid()
        subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", tmp, src], check=True)
        os.replace(tmp, out)
    return out


class Run:
    def __init__(self, impl, rc, steps, stderr, timed_out, n_steps):
        self.impl = impl
        self.rc = rc
        self.steps = steps          # {index: entry}
        self.stderr = stderr
        self.timed_out = timed_out
        self.finished = n_steps in steps

    def crashed(self):
        return not self.timed_out and (self.rc != 0 or not self.finished)

    def crash_text(self):
        if self.rc is not None and self.rc < 0:
            try:
                return "killed by %s" % signal.Signals(-self.rc).name
            except ValueError:
                return "killed by signal %d" % -self.rc
        tail = self.stderr.strip().splitlines()[-3:]
        return "exit status %s: %s" % (self.rc, " | ".join(tail))

    def last_step(self):
        return max(self.steps) if self.steps else -1


def start_child(impl, prog_path, clib, python, tmp=None):
    env = dict(os.environ)
    if tmp is not None:
        env["DIFFTEST_TMP"] = tmp   # API mode: where the module is built
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONFAULTHANDLER"] = "1"
    return subprocess.Popen([python, CHILD, impl, prog_path, clib], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=HERE)


def finish_child(impl, proc, n_steps, timeout):
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        timed_out = True
    steps = {}
    for line in out.decode("utf-8", "replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        steps[entry["i"]] = entry
    return Run(impl, proc.returncode, steps, err.decode("utf-8", "replace")[-4000:],
               timed_out, n_steps)


def run_program(prog, clib, python=sys.executable, impls=("cffi", "rcffi"), timeout=60,
                tmpdir=None):
    """Run prog under each implementation (in parallel) -> {impl: Run}."""
    steps = gen.steps(prog)
    fd, path = tempfile.mkstemp(suffix=".json", prefix="difftest_", dir=tmpdir)
    # API mode: each implementation builds its module in a directory of its own
    builds = {impl: tempfile.mkdtemp(prefix="difftest_%s_" % impl, dir=tmpdir)
              for impl in impls} if is_api(prog) else {}
    try:
        with os.fdopen(fd, "w") as f:
            json.dump({"steps": steps}, f)
        procs = [(impl, start_child(impl, path, clib, python, builds.get(impl))) for impl in impls]
        return {impl: finish_child(impl, p, len(steps), timeout) for impl, p in procs}
    finally:
        os.unlink(path)
        for d in builds.values():
            shutil.rmtree(d, ignore_errors=True)


def is_api(prog):
    return prog["kind"].startswith("api")


def is_misuse(prog):
    """Programs cffi leaves undefined: run on rcffi alone."""
    return prog["kind"] in ("misuse", "api-misuse")


def norm_exc(text):
    """The part of an exception text that must match: see module doc."""
    if text.startswith("CDefError:"):
        return text.splitlines()[0]
    return text


class Divergence:
    def __init__(self, cls, step, src, ref, got, kind="defined"):
        self.kind = kind    # the program's: defined or misuse
        self.cls = cls
        self.step = step
        self.src = src
        self.ref = ref      # what cffi did (text)
        self.got = got      # what rcffi did (text)
        self.before = ()    # the earlier steps (for allowlist predicates)
        self.raised_both = frozenset()  # indices of earlier steps where both raised
        self.step_raised = False  # this step raised on both sides (same type)

    def signature(self):
        """Groups divergences that are probably the same defect."""
        return "%s:%s|%s|%s|%s" % (self.kind, self.cls, op_shape(self.src),
                                   outcome_kind(self.ref), outcome_kind(self.got))

    def as_dict(self):
        return {"kind": self.kind, "class": self.cls, "step": self.step, "src": self.src, "cffi": self.ref,
                "rcffi": self.got, "signature": self.signature()}

    def __repr__(self):
        # a misuse program runs on rcffi alone: no cffi outcome to show
        ref = "not run (misuse program)" if self.kind in ("misuse", "api-misuse") else self.ref
        return "<%s %s at step %s: %s | cffi: %s | rcffi: %s>" % (
            self.kind, self.cls, self.step, self.src, ref, self.got)


def outcome_kind(text):
    if text is None:
        return "-"
    m = re.match(r"(\w+): ", text)
    if text.startswith("raises "):
        return text.split()[1].rstrip(":")
    return m.group(1) if m and not text.startswith(("cdata", "ctype")) else "value"


def op_shape(src):
    """The operation, with names and literals abstracted."""
    if src is None:
        return "-"
    first = src.strip().splitlines()[-1] if src.strip() else ""
    calls = re.findall(r"(?:ffi|lib)\.\w+", src)
    if calls:
        core = calls[0]
    elif re.search(r"\bv\d+\[[^\]]*:[^\]]*\]\s*=", first):
        core = "slice-set"
    elif re.search(r"\bv\d+\[[^\]]*:[^\]]*\]", first):
        core = "slice-get"
    elif re.search(r"\bv\d+\[[^\]]*\]\s*=", first):
        core = "index-set"
    elif re.search(r"\bv\d+\[", first):
        core = "index-get"
    elif re.search(r"\bv\d+\.\w+\s*=", first):
        core = "field-set"
    elif re.search(r"\bv\d+\.\w+", first):
        core = "field-get"
    else:
        core = re.sub(r"\bv\d+\b", "v", first)
        core = re.sub(r"\d+", "N", core)[:40]
    return core


def describe_entry(e):
    if e is None:
        return None
    if "exc" in e:
        return "raises " + e["exc"]
    return e.get("val")


def compare(prog, runs, ref="cffi", impl="rcffi"):
    """-> list of Divergence (the first divergent step first)."""
    steps = gen.steps(prog)
    a, b = runs.get(ref), runs[impl]
    out = []

    def src_of(i):
        return steps[i] if i < len(steps) else "<teardown>"

    if b.timed_out:
        i = b.last_step() + 1
        out.append(Divergence("hang", i, src_of(i), None, "no end within the timeout"))
        return out
    if b.crashed():
        i = b.last_step() + 1
        cls = "crash"
        # cffi crashed at the same step, or earlier (rcffi raised where
        # cffi crashed, and the program then did something undefined in
        # both, e.g. read through a pointer into C's memory that cffi never
        # reached): no rcffi-only crash
        if a is not None and a.crashed() and a.last_step() <= b.last_step():
            cls = "both-crash"
        d = Divergence(cls, i, src_of(i), a.crash_text() if a and a.crashed() else None, b.crash_text())
        d.before = tuple(steps[:i])
        out.append(d)
        return out
    if a is None:
        return out
    if a.crashed() or a.timed_out:
        # cffi crashed on a program rcffi survived: the program was not
        # well-defined (a generator bug), reported as such
        i = a.last_step() + 1
        d = Divergence("both-crash", i, src_of(i), a.crash_text(), "survived")
        d.before = tuple(steps[:i])
        out.append(d)
        return out
    raised_both = set()
    for i in range(len(steps) + 1):
        ea, eb = a.steps.get(i), b.steps.get(i)
        d = compare_entry(i, src_of(i), ea, eb)
        if d is not None:
            d.before = tuple(steps[:i])
            d.raised_both = frozenset(raised_both)
            out.append(d)
        if ea is not None and eb is not None and "exc" in ea and "exc" in eb:
            raised_both.add(i)
    return out


def compare_entry(i, src, ea, eb):
    ta, tb = describe_entry(ea), describe_entry(eb)
    if ("exc" in ea) != ("exc" in eb):
        return Divergence("raises", i, src, ta, tb)
    if "exc" in ea:
        ca, cb = ea["exc"].split(":")[0], eb["exc"].split(":")[0]
        if ca != cb:
            return Divergence("exc-type", i, src, ta, tb)
    elif ea["val"] != eb["val"]:
        return Divergence("value", i, src, ta, tb)
    if ea.get("log") != eb.get("log"):
        return Divergence("log", i, src, str(ea.get("log")), str(eb.get("log")))
    ua, ub = ea.get("unraisable") or [], eb.get("unraisable") or []
    if [u[:2] for u in ua] != [u[:2] for u in ub]:
        # another report (its heading or its exception class)
        return Divergence("unraisable", i, src, str(ua or None), str(ub or None))
    if ea.get("warnings") != eb.get("warnings"):
        d = Divergence("warning", i, src, str(ea.get("warnings")), str(eb.get("warnings")))
        d.step_raised = "exc" in ea
        return d
    if "exc" in ea and norm_exc(ea["exc"]) != norm_exc(eb["exc"]):
        return Divergence("message", i, src, ta, tb)
    if ua != ub:
        # the same reports, with other exception messages
        return Divergence("message", i, src, str(ua), str(ub))
    return None


def check(prog, clib, python=sys.executable, timeout=60):
    """Run and compare one program -> (divergences, runs). A misuse
    program runs on rcffi alone: only a crash or a hang counts."""
    if is_misuse(prog):
        runs = run_program(prog, clib, python, impls=("rcffi",), timeout=timeout)
        b = runs["rcffi"]
        divs = compare(prog, runs) if (b.timed_out or b.crashed()) else []
    else:
        runs = run_program(prog, clib, python, timeout=timeout)
        divs = compare(prog, runs)
    for d in divs:
        d.kind = prog["kind"]
    return divs, runs
