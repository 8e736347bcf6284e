"""Faults a developer can switch on through the admin API: latency, a fault rate, down.

They apply to the SOAP endpoints only; the admin API always answers.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class FaultSettings:
    latency_ms: int = 0
    fault_rate: float = 0.0
    down: bool = False


class FaultInjection:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings = FaultSettings()
        self._random = random.Random()  # noqa: S311 - simulation, not security

    def current(self) -> FaultSettings:
        with self._lock:
            return FaultSettings(**asdict(self._settings))

    def update(self, changes: dict[str, Any]) -> FaultSettings:
        """Applies a partial update; raises ValueError naming a bad key or value."""
        if not isinstance(changes, dict):
            raise ValueError("expected a JSON object")
        unknown = set(changes) - {"latency_ms", "fault_rate", "down"}
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
        latency = changes.get("latency_ms")
        if latency is not None and (
            isinstance(latency, bool) or not isinstance(latency, int) or not 0 <= latency <= 60000
        ):
            raise ValueError("latency_ms: expected a whole number of milliseconds, 0 to 60000")
        rate = changes.get("fault_rate")
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1
        ):
            raise ValueError("fault_rate: expected a number from 0 to 1")
        down = changes.get("down")
        if down is not None and not isinstance(down, bool):
            raise ValueError("down: expected true or false")
        with self._lock:
            if latency is not None:
                self._settings.latency_ms = latency
            if rate is not None:
                self._settings.fault_rate = float(rate)
            if down is not None:
                self._settings.down = down
            return FaultSettings(**asdict(self._settings))

    def reset(self) -> FaultSettings:
        with self._lock:
            self._settings = FaultSettings()
            return FaultSettings()

    def roll_fault(self, rate: float) -> bool:
        with self._lock:
            return rate > 0 and self._random.random() < rate
