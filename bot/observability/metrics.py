"""The bridge's metrics, kept by prometheus-client and served at `GET /metrics`.

`Metrics` is the small facade the services call (`inc`, `set`, `replace`, `observe`,
`value`, `render`); prometheus-client does the rest: counters, gauges, histograms, the
text format, and the process's own figures (CPU, memory, open files, GC).

Several processes (`web` and `worker` from the Procfile, or several `web`s) on one host
are added up when PROMETHEUS_MULTIPROC_DIR names a directory they share: each process
writes its series there and any one's /metrics reports the sum (prometheus-client's
multiprocess mode; docs/operating.md says how to set it up). Without it each process
reports only itself. prometheus-client reads that variable when it is first imported, so
it must be in the process's environment, not only in `.env`.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

import prometheus_client
from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

log = logging.getLogger(__name__)

prometheus_client.disable_created_metrics()  # a `_created` series beside each counter: noise

MULTIPROCESS_DIR_KEY = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what generate_latest writes

# Slack allows 3 s for an ack; the goal is tens of milliseconds (docs/benchmarks.md).
ACK_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
# A Web21C call takes tens of milliseconds to its read timeout (30 s by default).
SOAP_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A job cycle fetches, posts and clears: from milliseconds to a slow Slack's seconds.
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass(frozen=True)
class Series:
    kind: str  # counter, gauge or histogram
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()


SERIES: dict[str, Series] = {
    "bridge_texts_in_total": Series("counter", "Inbound texts recorded from Web21C."),
    "bridge_texts_posted_total": Series("counter", "Inbound texts posted to the chat front end."),
    "bridge_texts_cleared_total": Series(
        "counter", "Inbound texts cleared at Web21C after posting."
    ),
    "bridge_texts_out_total": Series("counter", "Texts sent through Web21C."),
    "bridge_post_failures_total": Series(
        "counter", "Posts the chat front end refused, by reason.", ("reason",)
    ),
    "bridge_card_updates_total": Series("counter", "Call and conference card updates."),
    "bridge_web21c_errors_total": Series(
        "counter", "Failed Web21C operations, by job and kind.", ("job", "kind")
    ),
    "bridge_poll_seconds": Series(
        "histogram", "Time one scheduled job cycle took, by job.", ("job",), JOB_BUCKETS
    ),
    "bridge_ack_seconds": Series(
        "histogram",
        "Time from a Slack request reaching the app to its answer, by outcome.",
        ("outcome",),
        ACK_BUCKETS,
    ),
    "bridge_slack_refused_total": Series(
        "counter", "Requests to /slack/events refused before Bolt saw them, by reason.", ("reason",)
    ),
    "bridge_queue_depth": Series(
        "gauge", "Inbound texts waiting to be posted, by channel.", ("channel",)
    ),
    "bridge_web21c_up": Series("gauge", "1 when the last Web21C call of every job succeeded."),
    "bridge_work_done_total": Series(
        "counter", "Acknowledged requests carried out, by kind.", ("kind",)
    ),
    "bridge_work_failed_total": Series(
        "counter", "Acknowledged requests that failed, by kind.", ("kind",)
    ),
    "bridge_work_not_kept_total": Series(
        "counter",
        "Acknowledged requests given up on because the database refused them, by kind.",
        ("kind",),
    ),
    "bridge_work_interrupted_total": Series(
        "counter",
        "Acknowledged requests a stopped worker left half-done (reported, not rerun), by kind.",
        ("kind",),
    ),
}

_KINDS = {"counter": Counter, "gauge": Gauge, "histogram": Histogram}

# Web21C calls are timed where they happen, in adapters.web21c.transport, which knows no
# Metrics object; one histogram per process, shown by every Metrics registry in it.
SOAP_SECONDS = Histogram(
    "bridge_soap_seconds",
    "Time one Web21C SOAP call took, by operation and outcome.",
    ("operation", "outcome"),
    buckets=SOAP_BUCKETS,
    registry=None,
)


def observe_soap_call(operation: str, seconds: float, outcome: str) -> None:
    """One SOAP call's time; `outcome` is answered, fault, http_<status> or no_answer."""
    SOAP_SECONDS.labels(operation, outcome).observe(seconds)


def multiprocess_dir() -> str | None:
    """The shared directory when several processes add up their metrics, else None."""
    return os.environ.get(MULTIPROCESS_DIR_KEY) or os.environ.get(MULTIPROCESS_DIR_KEY.lower())


class Metrics:
    """One registry of the bridge's series; a name not in SERIES is made on first use (a
    counter for inc, a gauge for set, a histogram for observe) with the labels it came with.
    A metric never raises into the caller: a mistake in one is logged once and dropped."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._metrics: dict[str, object] = {}
        self._lock = threading.Lock()
        self._broken: set[str] = set()
        self._replaced: dict[str, set[str]] = {}
        for name in SERIES:
            self._metric(name, "", ())
        self.registry.register(SOAP_SECONDS)
        self._multiprocess_dir = multiprocess_dir()
        if not self._multiprocess_dir:  # in multiprocess mode render() adds the serving one's
            ProcessCollector(registry=self.registry)
            self.registry.register(PLATFORM_COLLECTOR)
            self.registry.register(GC_COLLECTOR)

    content_type = CONTENT_TYPE

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        self._apply(name, "counter", labels, lambda m: m.inc(amount))

    def set(self, name: str, value: float, **labels: str) -> None:
        self._apply(name, "gauge", labels, lambda m: m.set(value))

    def observe(self, name: str, seconds: float, **labels: str) -> None:
        self._apply(name, "histogram", labels, lambda m: m.observe(seconds))

    def replace(self, name: str, values: dict[str, float], label: str) -> None:
        """Set a labelled gauge to exactly these values; a label no longer given reads 0
        (in multiprocess mode another process's file still holds its last value, so it
        is set to 0 rather than removed)."""
        gauge = self._metric(name, "gauge", (label,))
        if gauge is None:
            return
        with self._lock:
            known = self._replaced.setdefault(name, set())
            for gone in known - set(values):
                gauge.labels(gone).set(0.0)
            for key, value in values.items():
                gauge.labels(key).set(float(value))
            known |= set(values)

    def value(self, name: str, **labels: str) -> float:
        """This process's current value of one sample (a counter's total, a gauge's value,
        a histogram's `_count` or `_sum` by those names); 0 when never set."""
        return self.registry.get_sample_value(name, labels) or 0.0

    def render(self) -> str:
        """The text exposition: every process's series in multiprocess mode, else ours."""
        if self._multiprocess_dir:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=self._multiprocess_dir)
            ProcessCollector(registry=registry)  # the process that answers the scrape
            return generate_latest(registry).decode()
        return generate_latest(self.registry).decode()

    def _apply(self, name: str, kind: str, labels: dict[str, str], change) -> None:
        metric = self._metric(name, kind, tuple(sorted(labels)))
        if metric is None:
            return
        try:
            change(metric.labels(**labels) if labels else metric)
        except (ValueError, TypeError) as error:  # wrong labels for the series, say
            self._give_up(name, error)

    def _metric(self, name: str, kind: str, labels: tuple[str, ...]):
        metric = self._metrics.get(name)
        if metric is not None or name in self._broken:
            return metric
        with self._lock:
            if name in self._metrics:
                return self._metrics[name]
            series = SERIES.get(name) or Series(kind, f"{name} (not described in SERIES)", labels)
            options: dict = {"registry": self.registry, "labelnames": series.labels}
            if series.kind == "histogram" and series.buckets:
                options["buckets"] = series.buckets
            if series.kind == "gauge":
                options["multiprocess_mode"] = "mostrecent"  # the latest set, whoever set it
            try:
                metric = _KINDS[series.kind](name, series.help, **options)
            except (ValueError, KeyError) as error:
                self._give_up(name, error)
                return None
            self._metrics[name] = metric
            return metric

    def _give_up(self, name: str, error: Exception) -> None:
        if name not in self._broken:
            self._broken.add(name)
            log.error("metric %s dropped: %s", name, error)
