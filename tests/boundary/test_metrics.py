"""Boundary metrics (docs/metrics.md): per-function counters, latency
histograms, payload bytes, Prometheus text, for ordinary, isolated and
compiled libraries."""

import os
import re
import threading

import pytest

import rcffi
from conftest import build_c_library


@pytest.fixture
def metered(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path, metrics=True)
    yield lib
    rcffi.metrics.disable(lib)


def test_metrics_off_leaves_functions_untouched(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path)
    f = lib.add
    assert type(f) is risky_ffi.CData  # the library's own function object: no wrapper in the call path
    assert not rcffi.metrics.enabled(lib)
    with pytest.raises(ValueError, match="metrics are not enabled"):
        rcffi.metrics.snapshot(lib)


def test_calls_errors_and_latency(metered):
    assert metered.add(1, 2) == 3
    assert metered.add(3, 4) == 7
    with pytest.raises(TypeError):
        metered.add("x", 1)  # a conversion error counts as an error
    snap = rcffi.metrics.snapshot(metered)
    add = snap["add"]
    assert (add["calls"], add["errors"], add["timeouts"], add["crashes"]) == (3, 1, 0, 0)
    hist = add["seconds"]
    assert hist["count"] == 3 and hist["sum"] > 0
    bounds = list(hist["buckets"])
    assert bounds == sorted(bounds) and bounds[-1] == float("inf")
    counts = list(hist["buckets"].values())
    assert counts == sorted(counts) and counts[-1] == 3  # cumulative, as Prometheus has them
    assert set(snap) == {"add"}  # only the functions called


def test_latency_is_in_seconds_whatever_the_clock(metered):
    # the TSC clock's ticks are scaled to nanoseconds (metered_clock.rs): a
    # 30 ms call is counted as at least 30 ms, above the 25 ms bucket (a
    # missing or wrong scale gives ticks or a fraction; a lower bound on
    # the time a call takes, not a speed check)
    name, ns_per_tick = rcffi._rcffi.Meter.clock()
    assert name in ("tsc", "monotonic") and ns_per_tick > 0
    metered.sleep_ms(30)
    hist = rcffi.metrics.snapshot(metered)["sleep_ms"]["seconds"]
    assert hist["sum"] >= 0.030
    assert hist["buckets"][0.025] == 0 and hist["buckets"][float("inf")] == 1


def test_bytes_in_and_out(metered, risky_ffi):
    ffi = risky_ffi
    metered.sum_bytes(b"abcdef", 6)                          # bytes: their length
    metered.fill_squares(ffi.new("int[10]"), 10)             # an array: its size
    metered.point_scale(ffi.new("struct point *"), 2)        # a pointer: its pointee's size
    metered.point_sum(ffi.new("struct point *")[0])          # a struct by value: its size
    metered.make_point(1, 2)                                  # a struct returned: bytes out
    metered.sum_bytes([1, 2, 3], 3)                          # a list: length x item size
    snap = rcffi.metrics.snapshot(metered)
    assert snap["sum_bytes"]["bytes_in"] == 6 + 3
    assert snap["fill_squares"]["bytes_in"] == 40
    assert snap["point_scale"]["bytes_in"] == 8
    assert snap["point_sum"]["bytes_in"] == 8
    assert snap["make_point"]["bytes_out"] == 8 and snap["make_point"]["bytes_in"] == 0
    assert snap["sum_bytes"]["bytes_out"] == 0


def test_functions_fetched_before_enable_are_wrapped_too(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path)
    lib.add(1, 1)  # cached in the library before metrics exist
    rcffi.metrics.enable(lib)
    lib.add(1, 1)
    assert rcffi.metrics.snapshot(lib)["add"]["calls"] == 1
    rcffi.metrics.disable(lib)
    assert type(lib.add) is risky_ffi.CData  # restored


def test_reset(metered):
    metered.add(1, 1)
    rcffi.metrics.reset(metered)
    snap = rcffi.metrics.snapshot(metered)["add"]
    assert snap["calls"] == 0 and snap["seconds"]["sum"] == 0
    metered.add(1, 1)
    assert rcffi.metrics.snapshot(metered)["add"]["calls"] == 1


def test_counters_are_exact_under_threads(metered):
    f = metered.add
    n, k = 8, 2000

    def work():
        for i in range(k):
            f(i, 1)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = rcffi.metrics.snapshot(metered)["add"]
    assert snap["calls"] == n * k
    assert snap["seconds"]["buckets"][float("inf")] == n * k


def test_snapshot_while_calling_is_consistent(metered):
    stop = threading.Event()

    def work():
        while not stop.is_set():
            metered.add(1, 1)

    t = threading.Thread(target=work)
    t.start()
    try:
        for _ in range(200):
            s = rcffi.metrics.snapshot(metered).get("add")
            if s:
                assert s["calls"] == s["seconds"]["count"] == s["seconds"]["buckets"][float("inf")]
    finally:
        stop.set()
        t.join()


def test_prometheus_text(metered):
    metered.add(1, 1)
    with pytest.raises(TypeError):
        metered.add(None, 1)
    text = rcffi.metrics.prometheus()
    label = 'library="%s",function="add"' % (rcffi._boundary.boundary_of(metered).label,)
    assert "# TYPE rcffi_calls_total counter" in text
    assert "# TYPE rcffi_call_seconds histogram" in text
    assert "rcffi_calls_total{%s} 2" % label in text
    assert "rcffi_errors_total{%s} 1" % label in text
    assert 'rcffi_call_seconds_bucket{%s,le="+Inf"} 2' % label in text
    assert "rcffi_call_seconds_count{%s} 2" % label in text
    # every sample line is `name{labels} value`
    for line in text.splitlines():
        if not line.startswith("#"):
            assert re.match(r'^[a-z_]+\{[^}]*\} [0-9.e+-]+$', line), line


def test_prometheus_lists_every_enabled_library(risky_ffi, risky_path):
    a = risky_ffi.dlopen(risky_path, metrics=True)
    b = risky_ffi.dlopen(None, metrics=True)
    risky_ffi.cdef("int abs(int);")
    a.add(1, 1)
    b.abs(-1)
    text = rcffi.metrics.prometheus()
    assert 'function="add"' in text and 'function="abs"' in text
    rcffi.metrics.disable(a)
    rcffi.metrics.disable(b)
    assert 'function="add"' not in rcffi.metrics.prometheus()


def test_contract_errors_count(metered, risky_ffi):
    rcffi.contract(metered, "parse_packet", error_if=lambda rc: rc < 0)
    with pytest.raises(rcffi.NativeError):
        metered.parse_packet(b"\x01", 1)
    assert metered.parse_packet(b"\xab\x05", 2) == 5
    s = rcffi.metrics.snapshot(metered)["parse_packet"]
    assert (s["calls"], s["errors"]) == (2, 1)


def test_contract_then_metrics_counts_contract_errors(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path)
    rcffi.contract(lib, "parse_packet", error_if=lambda rc: rc < 0)
    rcffi.metrics.enable(lib)
    with pytest.raises(rcffi.NativeError):
        lib.parse_packet(b"", 0)
    assert rcffi.metrics.snapshot(lib)["parse_packet"]["errors"] == 1
    rcffi.metrics.disable(lib)


def test_isolated_metrics_count_crashes_and_timeouts(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path, isolated=True, metrics=True, timeout=0.5)
    try:
        assert lib.sum_bytes(b"abcd", 4) == ord("a") + ord("b") + ord("c") + ord("d")
        out = risky_ffi.new("int[4]")
        lib.fill_squares(out, 4)
        with pytest.raises(rcffi.NativeCrash):
            lib.crash_segv(0)
        with pytest.raises(rcffi.NativeTimeout):
            lib.hang()
        snap = rcffi.metrics.snapshot(lib)
        assert snap["sum_bytes"]["bytes_in"] == 4 and snap["sum_bytes"]["bytes_out"] == 0
        assert snap["fill_squares"]["bytes_in"] == 16 and snap["fill_squares"]["bytes_out"] == 16
        assert (snap["crash_segv"]["crashes"], snap["crash_segv"]["errors"]) == (1, 1)
        assert (snap["hang"]["timeouts"], snap["hang"]["errors"], snap["hang"]["crashes"]) == (1, 1, 0)
    finally:
        rcffi.metrics.disable(lib)
        risky_ffi.dlclose(lib)


def test_compiled_module(tmp_path, monkeypatch):
    import importlib

    from .conftest import compiler

    compiler()  # skips visibly without one
    ffi = rcffi.FFI()
    ffi.cdef("int twice(int); int fails(void);")
    name = "_metered_%d_%d" % (os.getpid(), id(tmp_path) % 100000)
    ffi.set_source(name, "static int twice(int x) { return 2 * x; }\nstatic int fails(void) { return -1; }")
    ffi.compile(tmpdir=str(tmp_path))
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    mod = importlib.import_module(name)
    lib = mod.lib
    rcffi.metrics.enable(lib)
    assert lib.twice(21) == 42
    rcffi.contract(lib, "fails", error_if=-1)
    with pytest.raises(rcffi.NativeError, match=r"fails\(\) returned -1"):
        lib.fails()
    snap = rcffi.metrics.snapshot(lib)
    assert snap["twice"]["calls"] == 1 and snap["fails"]["errors"] == 1
    assert 'library="%s"' % (name,) in rcffi.metrics.prometheus()
    rcffi.metrics.disable(lib)


def test_prometheus_client_bridge(metered):
    prometheus_client = pytest.importorskip("prometheus_client", reason="prometheus_client not installed (optional)")
    registry = prometheus_client.CollectorRegistry()
    rcffi.metrics.register_collector(registry)
    metered.add(1, 1)
    text = prometheus_client.generate_latest(registry).decode()
    assert "rcffi_calls_total" in text and 'function="add"' in text


def test_not_a_library():
    with pytest.raises(TypeError, match="expected a library"):
        rcffi.metrics.enable(object())


@pytest.mark.parametrize("how", ["metrics", "contract", "both"])
def test_wrapped_functions_are_still_c_function_pointers(risky_ffi, risky_path, how):
    ffi = risky_ffi
    lib = ffi.dlopen(risky_path)
    plain_type = ffi.typeof(lib.twice)
    if how in ("metrics", "both"):
        rcffi.metrics.enable(lib)
    if how in ("contract", "both"):
        rcffi.contract(lib, "twice", error_if=lambda rc: rc < 0)
    f = lib.twice
    assert f.__wrapped__ is not f and f(4) == 8
    assert ffi.typeof(f) is plain_type
    assert ffi.addressof(lib, "twice") == f.__wrapped__
    assert ffi.cast("void *", f) == ffi.cast("void *", f.__wrapped__)
    assert lib.apply(f, 21) == 42  # passed to C as the function pointer it stands for
    if how != "contract":
        rcffi.metrics.disable(lib)


def test_libraries_dropped_with_metrics_on_are_forgotten(risky_ffi, risky_path):
    # metrics enabled on ever-new libraries that are closed and dropped
    # (never disabled, prometheus() never called): the counters of each
    # stayed registered, about 1 KB a library, for ever
    import gc
    import tracemalloc

    def one():
        lib = risky_ffi.dlopen(risky_path, metrics=True)
        assert lib.add(1, 2) == 3
        assert rcffi.metrics.snapshot(lib)["add"]["calls"] == 1
        risky_ffi.dlclose(lib)

    for _ in range(300):
        one()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(3000):
            one()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 256 * 1024, "3000 dropped metered libraries kept %d bytes" % grown
    # the live ones are all still listed
    kept = risky_ffi.dlopen(risky_path, metrics=True)
    kept.add(0, 0)
    assert 'rcffi_calls_total{library="%s",function="add"} 1' % (risky_path,) in rcffi.metrics.prometheus()
    rcffi.metrics.disable(kept)


def test_bytes_in_of_huge_arrays_saturates(tmp_path):
    # three array arguments of almost 2**63 bytes each (views of a cast:
    # no memory behind them, and C reads none): their payload is more than
    # a u64 holds. A dev build's overflow check panicked inside the call's
    # entry (an abort); the count now stops at the largest value
    so = build_c_library(tmp_path, "three", "int three(const void *a, const void *b, const void *c) { return 3; }\n")
    ffi = rcffi.FFI()
    ffi.cdef("int three(const void *, const void *, const void *);")
    lib = ffi.dlopen(so, metrics=True)
    n = (2**63 - 1) // 4
    huge = ffi.cast("int(*)[%d]" % n, 0x1000)[0]
    assert lib.three(huge, huge, huge) == 3
    snap = rcffi.metrics.snapshot(lib)["three"]
    assert snap["calls"] == 1
    assert snap["bytes_in"] == 2**64 - 1
