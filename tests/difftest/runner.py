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


def kind_of(seed):
    return "misuse" if seed % MISUSE_EVERY == MISUSE_EVERY - 1 else "defined"


class Stats:
    def __init__(self):
        self.programs = collections.Counter()      # kind -> count
        self.steps = 0
        self.by_class = collections.Counter()      # class -> programs with it
        self.signatures = collections.OrderedDict()  # signature -> [count, Divergence, prog, allow]
        self.allowed = collections.Counter()       # allowlist id -> count

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


def run(seeds, clib, python=sys.executable, jobs=2, deadline=None, findings=None,
        do_minimize=True, log=print, n_ops=None):
    """Check the programs of ``seeds`` (an iterable) -> Stats."""
    stats = Stats()
    seeds = iter(seeds)

    def work(seed):
        prog = gen.generate(seed, kind_of(seed), n_ops=n_ops)
        divs, _ = engine.check(prog, clib, python)
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
                            small = minimize.minimize(prog, d.signature(), clib, python,
                                                      max_runs=40 if d.cls == "message" else 120)
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
