"""Boundary metrics: per-function counters of the calls that cross into C.

    lib = ffi.dlopen("z", metrics=True)     # or rcffi.metrics.enable(lib)
    rcffi.metrics.snapshot(lib)   # {"compress": {"calls": 10, "errors": 1, ...}, ...}
    rcffi.metrics.prometheus()    # every enabled library, Prometheus text format
    rcffi.metrics.reset(lib)

Per function: ``calls``; ``errors`` (any exception the call raised:
argument conversion, an error contract (``rcffi.contract``), a crash or a
timeout of an isolated call); ``timeouts`` and ``crashes`` (isolated
libraries only; also counted in ``errors``); ``seconds``, a latency
histogram (``count``, ``sum``, cumulative ``buckets`` keyed by their upper
bound in seconds, as Prometheus has them); ``bytes_in`` / ``bytes_out``,
the payload crossing (see docs/metrics.md for exactly what counts).

Enabling replaces the library's function attributes by measuring
wrappers; a library without metrics keeps its functions untouched, so its
calls cost exactly what they cost before. See docs/metrics.md.
"""

import threading
import weakref

from . import _rcffi

# upper bounds of the latency buckets, in seconds (a last one, +Inf, follows)
BUCKETS = tuple(ns / 1e9 for ns in _rcffi.Meter.bounds())


class FunctionStats(_rcffi.Meter):
    """The counters of one function (kept in Rust: ``_rcffi.Meter``,
    which the metered call entry updates without a Python frame).
    ``ok(ns, bytes_in, bytes_out)`` and ``failed(ns, bytes_in, bytes_out,
    kind)`` record a call from Python (isolated calls do)."""

    __slots__ = ()

    def as_dict(self):
        calls, errors, timeouts, crashes, sum_ns, bin_, bout, counts = self.counts()
        cumulative = {}
        total = 0
        for bound, n in zip(BUCKETS, counts):
            total += n
            cumulative[bound] = total
        cumulative[float("inf")] = total + counts[-1]
        return {
            "calls": calls,
            "errors": errors,
            "timeouts": timeouts,
            "crashes": crashes,
            "seconds": {"count": calls, "sum": sum_ns / 1e9, "buckets": cumulative},
            "bytes_in": bin_,
            "bytes_out": bout,
        }


class LibMetrics:
    """The counters of one library, by function name."""

    def __init__(self, label):
        self.label = label
        self.lock = threading.Lock()
        self.functions = {}

    def function(self, name):
        stats = self.functions.get(name)
        if stats is None:
            with self.lock:
                stats = self.functions.setdefault(name, FunctionStats())
        return stats


# every library with metrics enabled: (weak reference to lib, LibMetrics);
# the entries of libraries gone are dropped when the list has doubled since
# the last sweep (and by prometheus()), so enabling metrics on ever-new
# libraries that are dropped does not grow it
_enabled = []
_enabled_lock = threading.Lock()
_sweep_at = [64]


def _sweep_locked():
    _enabled[:] = [(r, m) for r, m in _enabled if r() is not None]
    _sweep_at[0] = max(64, 2 * len(_enabled))


def _label(lib):
    from ._boundary import boundary_of

    return boundary_of(lib).label


def enable(lib):
    """Start counting the calls of ``lib`` (a library of ``ffi.dlopen()``,
    isolated or not, or the ``lib`` of a compiled module). Function
    objects fetched from ``lib`` before this call (``f = lib.f``,
    ``from _mod.lib import f``) are not measured. Returns ``lib``."""
    from ._boundary import boundary_of

    b = boundary_of(lib)
    if b.metrics is None:
        m = LibMetrics(b.label)
        with _enabled_lock:
            if len(_enabled) >= _sweep_at[0]:
                _sweep_locked()
            _enabled.append((weakref.ref(lib), m))
        b.set_metrics(m)
    return lib


def disable(lib):
    """Stop counting (the functions of ``lib`` are restored) and forget
    its counters."""
    from ._boundary import boundary_of

    b = boundary_of(lib)
    m = b.metrics
    if m is None:
        return
    b.set_metrics(None)
    with _enabled_lock:
        _enabled[:] = [(r, x) for r, x in _enabled if x is not m and r() is not None]


def enabled(lib):
    """Are the calls of ``lib`` counted?"""
    from ._boundary import boundary_of

    return boundary_of(lib).metrics is not None


def _metrics_of(lib):
    from ._boundary import boundary_of

    m = boundary_of(lib).metrics
    if m is None:
        raise ValueError("metrics are not enabled for %r: use ffi.dlopen(..., metrics=True) "
                         "or rcffi.metrics.enable(lib)" % (lib,))
    return m


def snapshot(lib):
    """``{function name: {"calls", "errors", "timeouts", "crashes",
    "seconds": {"count", "sum", "buckets"}, "bytes_in", "bytes_out"}}``
    for every function of ``lib`` called since metrics were enabled (or
    reset)."""
    m = _metrics_of(lib)
    with m.lock:
        items = list(m.functions.items())
    return {name: stats.as_dict() for name, stats in sorted(items)}


def reset(lib):
    """Set every counter of ``lib`` back to zero."""
    m = _metrics_of(lib)
    with m.lock:
        items = list(m.functions.values())
    for stats in items:
        stats.clear()


def _live():
    with _enabled_lock:
        _sweep_locked()
        return [m for _, m in _enabled]


def _escape(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _fmt(x):
    if x == float("inf"):
        return "+Inf"
    if isinstance(x, float):
        return repr(x)
    return str(x)


_COUNTERS = (
    ("calls", "rcffi_calls_total", "Calls into C functions."),
    ("errors", "rcffi_errors_total", "Calls that raised an exception (conversion, error contract, crash, timeout)."),
    ("timeouts", "rcffi_timeouts_total", "Isolated calls that timed out (the worker was killed)."),
    ("crashes", "rcffi_crashes_total", "Isolated calls during which the worker died."),
    ("bytes_in", "rcffi_bytes_in_total", "Payload bytes passed to C (buffers, strings, arrays, structs)."),
    ("bytes_out", "rcffi_bytes_out_total", "Payload bytes coming back from C (structs returned, out-buffers copied back)."),
)


def _families():
    """``[(name, type, help, [(labels, suffix, value), ...]), ...]`` over
    every enabled library (the model both exporters print)."""
    rows = []
    for m in _live():
        with m.lock:
            items = sorted(m.functions.items())
        for fname, stats in items:
            rows.append((m.label, fname, stats.as_dict()))
    families = []
    for key, metric, help_text in _COUNTERS:
        samples = [({"library": lib, "function": f}, "", d[key]) for lib, f, d in rows]
        families.append((metric, "counter", help_text, samples))
    samples = []
    for lib, f, d in rows:
        labels = {"library": lib, "function": f}
        for bound, n in d["seconds"]["buckets"].items():
            samples.append((dict(labels, le=_fmt(float(bound))), "_bucket", n))
        samples.append((labels, "_sum", d["seconds"]["sum"]))
        samples.append((labels, "_count", d["seconds"]["count"]))
    families.append(("rcffi_call_seconds", "histogram", "Latency of calls into C functions.", samples))
    return families


def prometheus():
    """The metrics of every enabled library in the Prometheus text
    exposition format (version 0.0.4)."""
    lines = []
    for name, kind, help_text, samples in _families():
        lines.append("# HELP %s %s" % (name, help_text))
        lines.append("# TYPE %s %s" % (name, kind))
        for labels, suffix, value in samples:
            text = ",".join('%s="%s"' % (k, _escape(v)) for k, v in labels.items())
            lines.append("%s%s{%s} %s" % (name, suffix, text, _fmt(value)))
    return "\n".join(lines) + "\n"


class Collector:
    """A ``prometheus_client`` collector of the same metrics:
    ``prometheus_client.REGISTRY.register(rcffi.metrics.Collector())``
    (or ``rcffi.metrics.register_collector()``). Needs prometheus_client,
    which rcffi does not depend on."""

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

        for name, kind, help_text, samples in _families():
            if kind == "counter":
                fam = CounterMetricFamily(name[:-len("_total")], help_text, labels=["library", "function"])
                for labels, _, value in samples:
                    fam.add_metric([labels["library"], labels["function"]], value)
                yield fam
            else:
                fam = HistogramMetricFamily(name, help_text, labels=["library", "function"])
                per = {}
                for labels, suffix, value in samples:
                    key = (labels["library"], labels["function"])
                    entry = per.setdefault(key, {"buckets": [], "sum": 0.0})
                    if suffix == "_bucket":
                        entry["buckets"].append((labels["le"], value))
                    elif suffix == "_sum":
                        entry["sum"] = value
                for key, entry in per.items():
                    fam.add_metric(list(key), entry["buckets"], entry["sum"])
                yield fam

    def describe(self):
        return []


def register_collector(registry=None):
    """Register a ``Collector`` with ``registry`` (default:
    ``prometheus_client.REGISTRY``) and return it. ``ImportError`` if
    prometheus_client is not installed."""
    try:
        import prometheus_client
    except ImportError:
        raise ImportError("rcffi.metrics.register_collector() needs the prometheus_client package "
                          "(pip install prometheus_client); rcffi.metrics.prometheus() needs nothing") from None
    collector = Collector()
    (registry or prometheus_client.REGISTRY).register(collector)
    return collector
