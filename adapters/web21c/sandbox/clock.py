"""The sandbox's simulated time: start + real elapsed time * speed (+ any manual advance).

Everything the sandbox simulates is stored in simulated seconds since the clock started and
derived lazily from `now()`, so a speed of 60 lets a test see a one-minute call end in one
real second, and `advance()` lets it jump ahead without sleeping at all.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class SimClock:
    def __init__(self, speed: float = 1.0, start: datetime | None = None):
        if not speed > 0:
            raise ValueError("speed must be greater than 0")
        self.speed = speed
        self.start = start or datetime.now(UTC)
        self._real_start = time.monotonic()
        self._advanced = 0.0
        self._lock = threading.Lock()

    def seconds(self) -> float:
        """Simulated seconds since the clock started."""
        with self._lock:
            advanced = self._advanced
        return (time.monotonic() - self._real_start) * self.speed + advanced

    def advance(self, seconds: float) -> None:
        """Jump simulated time forward (never backward)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._advanced += seconds

    def to_datetime(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=seconds)

    def now(self) -> datetime:
        return self.to_datetime(self.seconds())

    def real_seconds(self, simulated: float) -> float:
        """How long `simulated` seconds take in real time at this speed."""
        return simulated / self.speed


def xs_datetime(moment: datetime) -> str:
    """An xs:dateTime in UTC with milliseconds, e.g. 2007-07-01T12:00:00.000Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
