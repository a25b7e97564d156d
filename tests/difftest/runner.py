"""The run loop shared by the CLI (``python -m difftest``) and the pytest
test: generate programs from consecutive seeds, check each, group the
divergences by signature, minimise the first program of each new
signature and save its reproducer."""

import collections
import concurrent.futures
import os
import sys
import time

from . import allowlist, engine, gen, minimize

MISUSE_EVERY = 4    # one program in four is a misuse program (rcffi only)
API_MISUSE_EVERY = 5  # API mode: one in five
MIXED_API_EVERY = 3   # mixed mode: one program in three is an API-mode one
MODES = ("abi", "api", "mixed")


def kind_of(seed, mode="abi"):
    """The kind of program a seed gives in a mode: ``defined``/``misuse``
    (ABI mode, tests/difftest/clib.c through ffi.dlopen), ``api``/
    ``api-misuse`` (a module compiled per program, gen_api.py)."""
    if mode == "api" or (mode == "mixed" and seed % MIXED_API_EVERY == MIXED_API_EVERY - 1):
        k = seed if mode == "api" else seed // MIXED_API_EVERY
        return "api-misuse" if k % API_MISUSE_EVERY == API_MISUSE_EVERY - 1 else "api"
    return "misuse" if seed % MISUSE_EVERY == MISUSE_EVERY - 1 else "defined"


class Stats:
    def __init__(self):
        self.programs = collections.Counter()      # kind -> count
        self.steps = 0
        self.by_class = collections.Counter()      # class -> programs with it
        self.signatures = collections.OrderedDict()  # signature -> [count, Divergence, prog, allow]
        self.allowed = collections.Counter()       # allowlist id -> count
        self.unbuilt = []   # API-mode seeds whose module cffi itself could not build (a generator bug)

    def summary(self):
        lines = ["programs: %d (%s), steps: %d" % (
            sum(self.programs.values()),
            ", ".join("%s %d" % kv for kv in sorted(self.programs.items())), self.steps)]
        lines.append("divergent programs by class: %s" % (
            ", ".join("%s %d" % (c, self.by_class[c]) for c in engine.SEVERITY
                      if self.by_class[c]) or "none"))
        new = [(s, v) for s, v in self.signatures.items() if v[3] is None]
        lines.append("distinct divergences: %d not allowlisted, %d allowlisted (%s)" % (
            len(new), len(self.signatures) - len(new),
            ", ".join("%s %d" % kv for kv in sorted(self.allowed.items()))))
        if self.unbuilt:
            lines.append("API-mode modules cffi could not build (generator bugs): %d (seeds %s)" % (
                len(self.unbuilt), ", ".join(map(str, self.unbuilt[:10]))))
        return "\n".join(lines)


def cascade(d):
    """A divergence that only follows from an earlier one (a name one side
    did not bind)."""
    return any(t and ("NameError" in t or "UnboundLocalError" in t) for t in (d.ref, d.got))


def record(stats, prog, divs):
    stats.programs[prog["kind"]] += 1
    stats.steps += len(prog["ops"]) + 2
    classes = set()
    fresh = []
    stop = False
    for d in divs:
        if cascade(d):
            continue
        if stop:
            break
        # after a step that changed state differently, later divergences
        # may only follow from it: they are not counted until it is fixed
        stop = d.cls in ("raises", "value")
        allow = allowlist.match(d)
        classes.add(d.cls)
        sig = d.signature()
        if allow is not None:
            stats.allowed[allow.id] += 1
        if sig in stats.signatures:
            stats.signatures[sig][0] += 1
        else:
            stats.signatures[sig] = [1, d, prog, allow.id if allow else None]
            if allow is None:
                fresh.append(d)
    for c in classes:
        stats.by_class[c] += 1
    return fresh


def built(prog, runs):
    """False when an API-mode program's module did not build with cffi
    (the generator wrote C or a cdef cffi refuses)."""
    if not engine.is_api(prog) or "cffi" not in runs:
        return True
    e = runs["cffi"].steps.get(1)
    return e is not None and "exc" not in e


def run(seeds, clib, python=sys.executable, jobs=2, deadline=None, findings=None,
        do_minimize=True, log=print, n_ops=None, mode="abi"):
    """Check the programs of ``seeds`` (an iterable) -> Stats."""
    stats = Stats()
    seeds = iter(seeds)

    def work(seed):
        prog = gen.generate(seed, kind_of(seed, mode), n_ops=n_ops)
        divs, runs = engine.check(prog, clib, python)
        if not built(prog, runs):
            stats.unbuilt.append(seed)
            log("UNBUILT seed %s: %s" % (seed, runs["cffi"].steps.get(1, {}).get("exc", "?")[:300]))
        return prog, divs

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        pending = set()
        exhausted = False
        while True:
            while not exhausted and len(pending) < jobs * 2 and (
                    deadline is None or time.time() < deadline):
                try:
                    pending.add(pool.submit(work, next(seeds)))
                except StopIteration:
                    exhausted = True
            if not pending:
                break
            done, pending = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for fut in done:
                prog, divs = fut.result()
                for d in record(stats, prog, divs):
                    log("NEW %s (seed %s): %r" % (d.cls, prog["seed"], d))
                    if findings is not None:
                        small = prog
                        if do_minimize:
                            runs_max = 40 if d.cls == "message" else 120
                            if engine.is_api(prog):
                                # each run builds the module twice
                                runs_max = 15 if d.cls == "message" else 50
                            small = minimize.minimize(prog, d.signature(), clib, python,
                                                      max_runs=runs_max)
                            again, _ = engine.check(small, clib, python)
                            d = next((x for x in again if x.signature() == d.signature()), d)
                        name = "%d-%s-seed%d-%d" % (engine.SEVERITY.index(d.cls), d.cls,
                                                    prog["seed"], len(stats.signatures))
                        base = minimize.save(small, d, clib, findings, name)
                        stats.signatures[d.signature()][1:3] = [d, small]
                        log("  reproducer: %s.py (%d ops, %d decls)" % (
                            base, len(small["ops"]), len(small["decls"])))
    return stats


def default_workdir():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(root, "target", "difftest")
