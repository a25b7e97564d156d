"""Shrinks a program while a given divergence persists, and writes the
reproducer files (a standalone .py and the .json the tester can replay)."""

import inspect
import json
import os

from . import child, engine, gen


def ddmin(items, interesting, budget):
    """Delta debugging (Zeller): a small sublist of items still interesting.
    ``budget`` is a one-element list counting the runs left."""
    n = 2
    while len(items) >= 2 and budget[0] > 0:
        chunk = max(1, len(items) // n)
        reduced = False
        for start in range(0, len(items), chunk):
            if budget[0] <= 0:
                break
            rest = items[:start] + items[start + chunk:]
            budget[0] -= 1
            if interesting(rest):
                items = rest
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(len(items), n * 2)
    if len(items) == 1 and budget[0] > 0:
        budget[0] -= 1
        if interesting([]):
            return []
    return items


def matches(prog, signature, clib, python):
    divs, _ = engine.check(prog, clib, python)
    return any(d.signature() == signature for d in divs)


def minimize(prog, signature, clib, python, max_runs=250):
    budget = [max_runs]

    def with_ops(ops):
        return dict(prog, ops=ops)

    def with_decls(decls):
        return dict(prog, decls=decls)

    ops = ddmin(list(prog["ops"]), lambda o: matches(with_ops(o), signature, clib, python), budget)
    prog = with_ops(ops)
    decls = ddmin(list(prog["decls"]), lambda d: matches(with_decls(d), signature, clib, python),
                  budget)
    prog = with_decls(decls)
    # a second pass over the operations often removes more once decls are gone
    ops = ddmin(list(prog["ops"]), lambda o: matches(with_ops(o), signature, clib, python), budget)
    return with_ops(ops)


HELPERS = [child.IntOnly, child.IndexOnly, child.FloatOnly, child.raise_, child.gen_then]


def reproducer_py(prog, div, clib):
    """A standalone script: ``python repro.py [cffi|rcffi] [libdifftest.so]``."""
    lines = [
        '"""difftest finding: %s (%s program, seed %s)' % (div.cls, prog["kind"], prog.get("seed")),
        "",
        "step %s: %s" % (div.step, div.src.replace("\n", " ; ")),
        "  cffi:  %s" % div.ref,
        "  rcffi: %s" % div.got,
        "",
        "Run: python THIS.py cffi|rcffi [path of libdifftest.so, built from",
        "tests/difftest/clib.c by `PYTHONPATH=tests python -m difftest --build-clib`]",
        '"""',
        "import gc, importlib, os, sys, tempfile",
        "from decimal import Decimal",
        "from fractions import Fraction",
        "",
    ]
    for h in HELPERS:
        lines.append(inspect.getsource(h))
    lines += [
        "cffi = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else 'rcffi')",
        "CLIB = sys.argv[2] if len(sys.argv) > 2 else %r" % clib,
        "LOG = []",
        "def mkd(tag):",
        "    return lambda p: LOG.append(tag)",
        "def onerr(tag, ret=None):",
        "    def handler(exc, val, tb):",
        "        LOG.append('%s:%s' % (tag, exc.__name__ if exc else None))",
        "        return ret",
        "    return handler",
        "def show(i, f):",
        "    try:",
        "        print(i, '->', repr(f()), LOG[:])",
        "    except Exception as e:",
        "        print(i, '!!', type(e).__name__, e)",
        "    del LOG[:]",
        "ffi = cffi.FFI()",
        "TMP = tempfile.mkdtemp(prefix='difftest_api_')  # API mode: the module is built here",
        "def LOAD(path, name):",
        "    sys.path.insert(0, os.path.dirname(path))",
        "    mod = importlib.import_module(name)",
        "    globals()['ffi'], globals()['lib'] = mod.ffi, mod.lib",
        "",
    ]
    import ast
    for i, src in enumerate(gen.steps(prog)):
        body = ast.parse(src).body
        if len(body) == 1 and isinstance(body[0], ast.Expr):
            lines.append("show(%d, lambda: %s)" % (i, src))
        elif (len(body) == 1 and isinstance(body[0], ast.Assign) and len(body[0].targets) == 1
              and isinstance(body[0].targets[0], ast.Name)):
            name = body[0].targets[0].id
            value = src.split("=", 1)[1].strip()
            lines.append("show(%d, lambda: globals().__setitem__(%r, %s) or %s)"
                         % (i, name, value, name))
        else:
            lines.append("try:")
            lines.extend("    " + line for line in src.split("\n"))
            lines.append("    print(%d, '->', repr(globals().pop('_out', None)), LOG[:])" % i)
            lines.append("except Exception as e:")
            lines.append("    print(%d, '!!', type(e).__name__, e)" % i)
    lines += [
        "# teardown as the tester does it: variables deleted newest first",
        "for _k in sorted([k for k in globals() if k[:1] == 'v' and k[1:].isdigit()],",
        "                 key=lambda k: -int(k[1:])):",
        "    del globals()[_k]",
        "gc.collect()",
        "print('end', LOG[:])",
    ]
    return "\n".join(lines) + "\n"


def save(prog, div, clib, outdir, name):
    os.makedirs(outdir, exist_ok=True)
    base = os.path.join(outdir, name)
    with open(base + ".json", "w") as f:
        json.dump(dict(prog, finding=div.as_dict()), f, indent=1)
    with open(base + ".py", "w", encoding="utf-8", errors="backslashreplace") as f:
        f.write(reproducer_py(prog, div, clib))
    return base
