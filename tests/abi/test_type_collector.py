"""Types declared by an FFI that is gone are given back (issue 9, item 9).

Every FFI shares one type arena and one CType cache; the collector frees
what only dead FFIs reached, and must never free what is still in use: a
live FFI's declarations, a cdata's type, a CType a user holds, or a type
being built while Python code runs in the middle.
"""

import gc
import threading
import warnings

import pytest

import rcffi
from rcffi import _rcffi

PER_TASK = """
    struct node { int value; struct node *next; const char *name; };
    typedef struct node node_t;
    union u { int i; double d; };
    enum state { IDLE, BUSY = 7 };
    int walk(node_t *, union u, enum state);
"""


def one_task(i):
    ffi = rcffi.FFI()
    ffi.cdef(PER_TASK)
    p = ffi.new("node_t *", {"value": i})
    p.next = p  # builds the record layout: CTypes in a cycle
    assert p.next.value == i
    ffi.typeof("struct node[3]")
    ffi.typeof("int(*)(node_t *, union u, enum state)")
    return ffi.sizeof("union u")


def collect():
    gc.collect()
    done = _rcffi._collect_types()
    assert done["ran"], done
    return done


def test_an_ffi_per_task_stays_bounded():
    for i in range(50):
        one_task(i)
    baseline = collect()["live_types"]
    for i in range(2000):
        one_task(i)
    done = collect()
    # what 2000 dead FFIs declared is gone, the cycles between their
    # CTypes included (freed_ctypes counts the node <-> node * pair)
    assert done["live_types"] <= baseline + 8, (baseline, done)


def test_collection_frees_types_and_ctypes_of_a_dead_ffi():
    collect()
    one_task(1)
    done = collect()
    # struct node, node *, union u, enum state, the function type, its
    # pointer, struct node[3] at least (some may be shared with live FFIs)
    assert done["freed_types"] >= 6, done
    assert done["freed_ctypes"] >= 5, done


def test_live_declarations_and_their_objects_survive():
    ffi = rcffi.FFI()
    ffi.cdef(PER_TASK)
    node_ptr = ffi.typeof("node_t *")
    p = ffi.new("node_t *", {"value": 41})
    p.next = p
    for i in range(300):
        one_task(i)
    collect()
    assert ffi.typeof("node_t *") is node_ptr
    assert ffi.typeof(p) is node_ptr
    assert p.next.next.value == 41
    assert [f for f, _ in ffi.typeof("struct node").fields] == ["value", "next", "name"]
    assert ffi.sizeof("struct node") == 24
    assert ffi.typeof("enum state").relements == {"IDLE": 0, "BUSY": 7}
    assert ffi.string(ffi.cast("enum state", 7)) == "BUSY"


def test_a_cdata_keeps_the_types_of_its_dead_ffi():
    ffi = rcffi.FFI()
    ffi.cdef(PER_TASK)
    p = ffi.new("struct node[2]")
    ct = ffi.typeof("union u *")
    del ffi
    for i in range(300):
        one_task(i)
    collect()
    p[0].next = p + 1
    p[1].value = 9
    assert p[0].next.value == 9
    assert repr(rcffi.FFI().typeof(p)) == "<ctype 'node_t[2]'>"
    assert ct.item.fields[1][1].type.cname == "double"


def test_a_held_ctype_keeps_what_it_references():
    ffi = rcffi.FFI()
    ffi.cdef(PER_TASK)
    fnptr = ffi.typeof("int(*)(node_t *, union u, enum state)")
    del ffi
    collect()
    args = fnptr.args
    assert [a.cname for a in args] == ["node_t *", "union u", "enum state"]
    assert args[0].item.fields[1][1].type is args[0]
    assert args[2].elements == {0: "IDLE", 7: "BUSY"}


def test_no_collection_while_a_type_is_being_built():
    # An enum with no values warns while its CType is built: Python code
    # in the middle. A collection there must wait, or the type being built
    # (rooted by nothing yet) would be freed under it.
    seen = []

    def hook(message, category, filename, lineno, file=None, line=None):
        for i in range(20):
            one_task(i)
        gc.collect()
        seen.append(_rcffi._collect_types()["ran"])

    ffi = rcffi.FFI()
    ffi.cdef("enum empty {}; ")
    old = warnings.showwarning
    warnings.showwarning = hook
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = hook
            ct = ffi.typeof("enum empty *")
    finally:
        warnings.showwarning = old
    assert seen == [False]
    assert ct.cname == "enum empty *"
    assert ct.item.kind == "enum"
    assert collect()["ran"]
    assert ffi.typeof("enum empty *") is ct


def test_collecting_while_other_threads_use_types():
    errors = []
    stop = threading.Event()

    def worker():
        try:
            ffi = rcffi.FFI()
            ffi.cdef(PER_TASK)
            while not stop.is_set():
                p = ffi.new("node_t[4]")
                p[3].next = p
                assert p[3].next[0].value == 0
                assert ffi.typeof("struct node *[2]").length == 2
                one_task(1)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for _ in range(200):
            one_task(0)
            _rcffi._collect_types()
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []


@pytest.mark.parametrize("n", [3000])
def test_rss_flat_with_an_ffi_per_task(n):
    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 1e6

    for i in range(300):
        one_task(i)
    gc.collect()
    before = rss_mb()
    for i in range(n):
        one_task(i)
    gc.collect()
    # before the collector: ~4 KB per FFI (12 MB here)
    assert rss_mb() - before < 4.0
