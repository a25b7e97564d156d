"""Round 4 of hostile input: declarations that would silently get another
type than C's, released cdata in arithmetic, ... (process-level cases:
test_exit.py; headers: tests/headers/test_hostile_headers.py)."""

import pytest

from conftest import IMPL_NAME


def test_subtracting_a_released_pointer_uses_its_old_address(ffi):
    # `q - p` is a number computed from two addresses (no memory is read);
    # a released `p` counts at its old address, as in comparisons and in
    # cffi, where its data pointer made the difference garbage
    p = ffi.new("int[3]")
    q = p + 1
    r = ffi.cast("int *", p) + 2
    ffi.release(p)
    assert q - p == 1
    assert r - q == 1
    s = ffi.new("int *")
    t = ffi.cast("int *", s)
    ffi.release(s)
    assert t - s == 0
    assert s - t == 0
    if IMPL_NAME == "rcffi":
        # rcffi: a pointer made from a released cdata is refused
        # (docs/compat.md); cffi makes one
        with pytest.raises(RuntimeError):
            p + 1


@pytest.mark.parametrize(
    "text, name",
    [
        ("typedef int t __attribute__((mode(QI)));", "mode"),
        ("typedef unsigned t __attribute__((__mode__(__DI__)));", "mode"),
        ("typedef int v4 __attribute__((vector_size(16)));", "vector_size"),
        ("struct s { int x; } __attribute__((scalar_storage_order(\"big-endian\")));", "scalar_storage_order"),
        ("union u { int *p; long l; } __attribute__((transparent_union));", "transparent_union"),
    ],
)
def test_attributes_that_change_the_type_are_refused_by_cdef(ffi_mod, text, name):
    # rcffi's cdef() ignored them: `mode(QI)` gave a 4-byte 't' where C's
    # is 1 byte, so every struct holding one had another layout than C's
    # (cffi refuses any __attribute__ as a parse error)
    ffi = ffi_mod.FFI()
    with pytest.raises(ffi_mod.CDefError) as e:
        ffi.cdef(text)
    if IMPL_NAME == "rcffi":
        assert "__attribute__((%s)) changes the declared type" % name in str(e.value)


def test_attributes_that_do_not_change_the_type_are_still_accepted():
    if IMPL_NAME != "rcffi":
        pytest.skip("cffi refuses every __attribute__")
    import rcffi

    ffi = rcffi.FFI()
    ffi.cdef("struct s { char c; int x; } __attribute__((packed)); int f(const char *, ...) __attribute__((format(printf, 1, 2)));")
    assert ffi.sizeof("struct s") == 5


NESTED_PROGRAM = """
import sys
import {impl} as cffi
n = int(sys.argv[1])
ffi = cffi.FFI()
ffi.cdef("struct a0 {{ int x; }};" + "".join("struct a%d {{ struct a%d in; }};" % (i, i - 1) for i in range(1, n)))
last = "struct a%d" % (n - 1)
for what in ["sizeof", "new", "callback", "sizeof again"]:
    try:
        if what.startswith("sizeof"):
            ffi.sizeof(last)
        elif what == "new":
            init = 5
            for i in range(n):
                init = [init]
            ffi.new(last + " *", init)
        else:
            ffi.callback("%s(*)(%s)" % (last, last), lambda s: s)
        print(what, "ok")
    except Exception as e:
        print(what, type(e).__name__)
"""


def run_nested(n):
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-c", NESTED_PROGRAM.format(impl=IMPL_NAME), str(n)],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    return r.stdout.splitlines()


def test_records_nested_by_value_too_deep_are_a_recursion_error():
    # 50,000 structs each holding the previous by value: laying them out
    # recursed once per level in rcffi's Rust code until the C stack
    # overflowed (SIGSEGV); cffi's Python recursion gives RecursionError
    out = run_nested(50000)
    if IMPL_NAME == "rcffi":
        assert out == ["sizeof RecursionError", "new RecursionError", "callback RecursionError", "sizeof again RecursionError"]
    else:
        # cffi: then "unknown size" (TypeError, ValueError) or "recursive structure"
        # (NotImplementedError) for its half-built types
        assert out[0] == "sizeof RecursionError"


def test_records_nested_by_value_within_the_limit_work():
    assert run_nested(150) == ["sizeof ok", "new ok", "callback ok", "sizeof again ok"]


def test_the_nesting_limit_holds_when_inner_layouts_are_already_known(ffi_mod):
    if IMPL_NAME != "rcffi":
        pytest.skip("rcffi's limit: cffi's recursion is per call")
    # laying the records out in steps caches every inner layout, so one
    # call never recurses deeply; the depth kept with each layout still
    # refuses the record as soon as it passes the limit
    ffi = ffi_mod.FFI()
    ffi.cdef("struct a0 { int x; };" + "".join("struct a%d { struct a%d in; };" % (i, i - 1) for i in range(1, 400)))
    for i in range(0, 200, 20):
        ffi.sizeof("struct a%d" % i)
    assert ffi.sizeof("struct a199") == 4
    with pytest.raises(RecursionError, match="nested by value more than 200 deep"):
        ffi.sizeof("struct a200")
    with pytest.raises(RecursionError):
        ffi.new("struct a399 *")
    # arrays count as levels
    ffi.cdef("struct b0 { int x; };" + "".join("struct b%d { struct b%d in[1][1][1][1]; };" % (i, i - 1) for i in range(1, 60)))
    assert ffi.sizeof("struct b39") == 4
    with pytest.raises(RecursionError):
        ffi.sizeof("struct b59")


ARGS_PROGRAM = """
import sys
import {impl} as cffi
ffi = cffi.FFI()
n = int(sys.argv[1])
fn = "int(*)(" + ",".join(["int"] * n) + ")"
for what in ["callback", "call"]:
    try:
        if what == "callback":
            cb = ffi.callback(fn, lambda *a: len(a))
        else:
            ffi.cast(fn, 1)(*range(n))  # refused before anything is called
        print(what, "made")
    except NotImplementedError as e:
        print(what, "NotImplementedError", "taking %d bytes" % (8 * (n + 1)) in str(e) or str(e)[-200:])
"""


def test_a_call_whose_arguments_would_overflow_the_c_stack_is_refused():
    if IMPL_NAME != "rcffi":
        pytest.skip("cffi crashes here (the arguments overflow the C stack)")
    import subprocess
    import sys

    # a million int arguments are 8 MB on the C stack of the call: a
    # SIGSEGV (with cffi too); rcffi refuses more than 2 MiB of arguments
    r = subprocess.run(
        [sys.executable, "-c", ARGS_PROGRAM.format(impl=IMPL_NAME), "1000000"],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    assert r.stdout.splitlines() == ["callback NotImplementedError True", "call NotImplementedError True"]


def test_many_arguments_within_the_limit_are_passed(ffi):
    n = 20000
    cb = ffi.callback("int(*)(" + ",".join(["int"] * n) + ")", lambda *a: sum(a) % 1000003)
    assert cb(*range(n)) == sum(range(n)) % 1000003


HANDLE_PROGRAM = """
import {impl} as cffi
ffi = cffi.FFI()
ffi.cdef("int abs(int);")
for handle in [ffi.new("int *"), ffi.new("char[64]"), ffi.cast("char *", 0), ffi.NULL]:
    try:
        print(ffi.dlopen(handle).abs(-1))
    except (TypeError, RuntimeError) as e:
        print(type(e).__name__, e)
"""


def test_dlopen_of_a_pointer_that_is_no_void_pointer_is_a_type_error():
    import subprocess
    import sys

    # rcffi took any pointer for a dlopen() handle: dlsym() then read an
    # `int` as glibc's library descriptor (SIGSEGV); cffi takes `void *` only
    r = subprocess.run([sys.executable, "-c", HANDLE_PROGRAM.format(impl=IMPL_NAME)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    assert r.stdout.splitlines() == [
        "TypeError dlopen() takes a file name or 'void *' handle, not 'int *'",
        "TypeError dlopen() takes a file name or 'void *' handle, not 'char[64]'",
        "TypeError dlopen() takes a file name or 'void *' handle, not 'char *'",
        "RuntimeError cannot call dlopen(NULL)",
    ]


def test_dlopen_of_a_void_pointer_that_is_no_library_handle_is_an_os_error():
    if IMPL_NAME != "rcffi":
        pytest.skip("cffi crashes here (dlsym() on a garbage handle)")
    import ctypes
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-c", """
import rcffi, ctypes
ffi = rcffi.FFI()
ffi.cdef("int abs(int); double cos(double);")
for h in [ffi.cast("void *", 1), ffi.cast("void *", ffi.new("int[16]")), ffi.new_handle(ffi)]:
    try:
        ffi.dlopen(h).abs(-1)
    except OSError as e:
        print("OSError", str(e).split(":")[1].strip())
# real handles still work
print(ffi.dlopen(ffi.cast("void *", ctypes.CDLL("libm.so.6")._handle)).cos(0))
"""],
        capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    assert r.stdout.splitlines() == ["OSError not the handle of a library loaded in this process (a 'void *' from dlopen())"] * 3 + ["1.0"]


def test_laying_out_deep_records_needs_little_c_stack():
    import subprocess
    import sys

    # inner records are laid out first, deepest first (layout.rs,
    # lay_out_inner_first): 199 levels took about 250 KB of C stack before,
    # more than a thread made with threading.stack_size(256 * 1024) has
    program = """
import threading
import {impl} as cffi
ffi = cffi.FFI()
ffi.cdef("struct a0 {{ int x; }};" + "".join("struct a%d {{ struct a%d in; }};" % (i, i - 1) for i in range(1, 199)))
out = []
threading.stack_size(256 * 1024)
t = threading.Thread(target=lambda: out.append(ffi.sizeof("struct a198")))
t.start()
t.join()
print(out)
""".format(impl=IMPL_NAME)
    r = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    assert r.stdout.strip() == "[4]"


def test_nested_initializer_in_a_thread_with_a_small_stack():
    import subprocess
    import sys

    # an initializer walks records nested by value once per level: 199
    # levels in a thread made with threading.stack_size(256 * 1024) ran out
    # of C stack (SIGSEGV); now each level checks the room left and a
    # RecursionError says so when it is short (a release build may fit)
    program = """
import threading
import {impl} as cffi
N = 199
ffi = cffi.FFI()
ffi.cdef("struct a0 {{ int x; }};" + "".join("struct a%d {{ struct a%d in; }};" % (i, i - 1) for i in range(1, N)))
init = {{"x": 7}}
for i in range(1, N):
    init = {{"in": init}}
out = []
def run():
    try:
        q = ffi.new("struct a%d *" % (N - 1), init)[0]
        for i in range(N - 1):
            q = getattr(q, "in")
        out.append(str(q.x))
    except RecursionError as e:
        out.append("RecursionError: " + str(e))
threading.stack_size(256 * 1024)
t = threading.Thread(target=run)
t.start()
t.join()
print(out[0])
""".format(impl=IMPL_NAME)
    r = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    line = r.stdout.strip()
    assert line == "7" or (line.startswith("RecursionError: initializer for ctype 'struct a")
                           and "nested too deep for this thread's C stack" in line), line
