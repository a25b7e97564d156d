"""Hostile headers: inputs that make a preprocessor do far more work than
their size suggests must give a CDefError with bounded memory, not abort
the process (an allocation failure in Rust aborts). Each runs in a
subprocess under an address-space limit, so the suite survives a failure."""

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent(
    """
    import os, resource, sys, tempfile
    import rcffi
    resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
    d = tempfile.mkdtemp()
    path = os.path.join(d, "h.h")
    with open(path, "w") as f:
        f.write(sys.stdin.read())
    try:
        rcffi.FFI().cdef_header(path)
    except rcffi.CDefError as e:
        print("CDefError:", str(e).splitlines()[0])
    else:
        print("no error")
    """
)


def run_header(text):
    return subprocess.run([sys.executable, "-c", PROGRAM], input=text, capture_output=True, text=True, timeout=300)


def test_macro_calls_nested_in_one_long_argument_are_bounded_work():
    # each level of I(I(I(...))) expands its argument, a copy of everything
    # inside it: 200 levels (the nesting limit) of 300,000 tokens took
    # gigabytes before the limit was reached, and aborted under the limit
    n = 300_000
    r = run_header("#define I(x) x\nint " + "I(" * n + "y" + ")" * n + ";\n")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "macro expansion too large" in r.stdout, r.stdout


def test_macro_calls_nested_in_short_arguments_still_expand():
    n = 150
    r = run_header("#define I(x) x\nint " + "I(" * n + "y" + ")" * n + ";\n")
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "no error", r.stdout
