"""The benches' `--instructions` mode: instruction counts from callgrind.

Wall-clock ratios swing by +-30% on a busy machine; the number of
instructions a piece of code executes does not. A bench re-runs itself
under `valgrind --tool=callgrind` in a child mode that calls `mark()`
around each measured region; callgrind is told to dump its counters
before every call of libc's `getppid()` (which `mark()` is, and which
nothing else calls meanwhile), so dump k holds exactly the instructions
executed between marks k-1 and k.

    regions = _callgrind.run([sys.executable, __file__, "--child"])

returns the instruction count of each `region(...)` the child measured, in
order. Per-operation figures subtract a region of the same loop running
`pass` (see `per_op`).
"""

import glob
import os
import shutil
import subprocess
import tempfile

mark = os.getppid


def available():
    return shutil.which("valgrind") is not None


def region(fn, *args):
    """Measure `fn(*args)`: its instructions are one region."""
    mark()
    fn(*args)
    mark()


def _total(path):
    with open(path) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise ValueError("no instruction total in %s" % path)


def run(argv, env=None):
    """Run `argv` (a Python child that calls `region`) under callgrind;
    the instruction count of each region, in order."""
    with tempfile.TemporaryDirectory(prefix="rcffi-callgrind-") as tmp:
        out = os.path.join(tmp, "cg.out")
        cmd = ["valgrind", "--tool=callgrind", "--dump-before=getppid", "--callgrind-out-file=" + out] + list(argv)
        # the same hashes in every run: dict layouts, and so counts, repeat
        child_env = dict(os.environ, PYTHONHASHSEED="0", **(env or {}))
        # as users run Python: with bytecode caches (the warm-up run writes them)
        child_env.pop("PYTHONDONTWRITEBYTECODE", None)
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env)
        if proc.returncode != 0:
            raise RuntimeError("callgrind run failed:\n" + proc.stderr[-3000:] + proc.stdout[-2000:])
        dumps = sorted(glob.glob(out + ".*"), key=lambda p: int(p.rsplit(".", 1)[1]))
        counts = [_total(p) for p in dumps]
    # dump 2i+1 (0-based) runs from the mark opening region i to the one closing it
    return counts[1::2]


def loop_region(stmt, env, number):
    """A region running `stmt` `number` times in a timeit loop (warmed up
    first: the interpreter specialises code after its first runs)."""
    import timeit

    t = timeit.Timer(stmt, globals=env)
    t.timeit(min(number, 200))
    region(t.timeit, number)


def per_op(count, baseline, number):
    """Instructions per run of a statement: its loop minus a `pass` loop."""
    return max(count - baseline, 0) / number
