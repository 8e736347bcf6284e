"""Counters and gauges for `GET /metrics`, in Prometheus' text format.

Deliberately tiny: the bridge needs a handful of series, not a client library.
"""

from __future__ import annotations

import threading
from collections import defaultdict

HELP = {
    "bridge_texts_in_total": ("counter", "Inbound texts recorded from Web21C."),
    "bridge_texts_posted_total": ("counter", "Inbound texts posted to the chat front end."),
    "bridge_texts_cleared_total": ("counter", "Inbound texts cleared at Web21C after posting."),
    "bridge_texts_out_total": ("counter", "Texts sent through Web21C."),
    "bridge_post_failures_total": ("counter", "Posts the chat front end refused, by reason."),
    "bridge_card_updates_total": ("counter", "Call and conference card updates."),
    "bridge_web21c_errors_total": ("counter", "Failed Web21C operations, by job and kind."),
    "bridge_poll_seconds": ("summary", "Time one scheduled job cycle took, by job."),
    "bridge_queue_depth": ("gauge", "Inbound texts waiting to be posted, by channel."),
    "bridge_web21c_up": ("gauge", "1 when the last Web21C call of every job succeeded."),
    "bridge_work_done_total": ("counter", "Acknowledged requests carried out, by kind."),
    "bridge_work_failed_total": ("counter", "Acknowledged requests that failed, by kind."),
    "bridge_work_not_kept_total": (
        "counter",
        "Acknowledged requests given up on because the database refused them, by kind.",
    ),
    "bridge_work_interrupted_total": (
        "counter",
        "Acknowledged requests a stopped worker left half-done (reported, not rerun), by kind.",
    ),
}


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(dict)

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = _key(labels)
        with self._lock:
            series = self._values[name]
            series[key] = series.get(key, 0.0) + amount

    def set(self, name: str, value: float, **labels: str) -> None:
        with self._lock:
            self._values[name][_key(labels)] = value

    def replace(self, name: str, values: dict[str, float], label: str) -> None:
        """Set a labelled gauge to exactly these values (labels not given drop out)."""
        with self._lock:
            self._values[name] = {((label, k),): float(v) for k, v in values.items()}

    def observe(self, name: str, seconds: float, **labels: str) -> None:
        key = _key(labels)
        with self._lock:
            sums, counts = self._values[name + "_sum"], self._values[name + "_count"]
            sums[key] = sums.get(key, 0.0) + seconds
            counts[key] = counts.get(key, 0.0) + 1

    def value(self, name: str, **labels: str) -> float:
        with self._lock:
            return self._values.get(name, {}).get(_key(labels), 0.0)

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            snapshot = {name: dict(series) for name, series in self._values.items()}
        for name, (kind, text) in HELP.items():
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            names = [name + "_sum", name + "_count"] if kind == "summary" else [name]
            for series_name in names:
                for labels, value in sorted(snapshot.get(series_name, {}).items()):
                    lines.append(f"{series_name}{_labels(labels)} {value:g}")
        return "\n".join(lines) + "\n"


def _key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    if not labels:
        return ""
    escaped = (
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in labels
    )
    return "{" + ",".join(escaped) + "}"
