"""Differential tester CLI: ``PYTHONPATH=tests python -m difftest --minutes N``
(scripts/difftest.sh wraps it). See docs/architecture.md, "Differential
testing against cffi"."""

import argparse
import json
import os
import sys
import time

from . import engine, minimize, runner


def say(text):
    """Print text that may hold lone surrogates (from exception messages)."""
    print(text.encode("utf-8", "backslashreplace").decode("utf-8"))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="difftest")
    ap.add_argument("--minutes", type=float, help="run for this long")
    ap.add_argument("--count", type=int, help="run this many programs")
    ap.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--mode", choices=runner.MODES, default="abi",
                    help="abi: ffi.dlopen of clib.c (default); api: a module compiled per program "
                         "(set_source + compile); mixed: one program in three in API mode")
    ap.add_argument("--findings", help="directory of reproducers (default target/difftest/findings)")
    ap.add_argument("--no-minimize", action="store_true")
    ap.add_argument("--replay", help="run the program of a reproducer .json and compare")
    ap.add_argument("--build-clib", action="store_true", help="build the C library, print its path")
    ap.add_argument("--show", type=int, help="print the program of this seed")
    args = ap.parse_args(argv)

    work = runner.default_workdir()
    clib = engine.build_clib(work)
    if args.build_clib:
        print(clib)
        return 0
    if args.show is not None:
        from . import gen
        prog = gen.generate(args.show, runner.kind_of(args.show, args.mode))
        for i, s in enumerate(gen.steps(prog)):
            print("# step %d\n%s" % (i, s))
        return 0
    if args.replay:
        with open(args.replay) as f:
            prog = json.load(f)
        divs, runs = engine.check(prog, clib)
        for d in divs:
            say(repr(d))
        return 1 if divs else 0

    findings = args.findings or os.path.join(work, "findings")
    if args.count is not None:
        seeds = range(args.seed, args.seed + args.count)
        deadline = None
    else:
        minutes = args.minutes if args.minutes is not None else 1.0
        deadline = time.time() + minutes * 60
        seeds = iter(lambda s=[args.seed - 1]: s.__setitem__(0, s[0] + 1) or s[0], None)
    t0 = time.time()
    stats = runner.run(seeds, clib, jobs=args.jobs, deadline=deadline, findings=findings,
                       do_minimize=not args.no_minimize, log=say, mode=args.mode)
    print("== difftest: %.0f s" % (time.time() - t0))
    print(stats.summary())
    print("reproducers in %s" % findings)
    new = [v for v in stats.signatures.values() if v[3] is None]
    for count, d, prog, _ in sorted(new, key=lambda v: engine.SEVERITY.index(v[1].cls)):
        say("  [%d x] %r" % (count, d))
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
