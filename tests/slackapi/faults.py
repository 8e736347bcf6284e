"""Fault injection: rate limits (HTTP 429 with Retry-After), 5xx answers, outages and calls that
hang past a client's timeout. The server asks `Faults.verdict` before running each method."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Verdict:
    """How to answer a call instead of (or before) running it."""

    status: int = 200  # 429, 500, 503..., or 200 to run the method after a hang
    retry_after: int | None = None
    hang_seconds: float = 0.0
    reason: str = ""


@dataclass
class _Forced:
    verdict: Verdict
    remaining: int
    method: str | None
    channel: str | None

    def matches(self, method: str, channel: str | None) -> bool:
        return (
            self.remaining > 0
            and (self.method is None or self.method == method)
            and (self.channel is None or self.channel == channel)
        )


@dataclass
class _Outage:
    verdict: Verdict
    until: float | None  # time.monotonic(); None: until end_outage()
    method: str | None


@dataclass
class _RateLimit:
    """A token bucket per channel (or one for the method): `burst` calls at once, then
    `per_second` calls a second."""

    per_second: float
    burst: int
    per_channel: bool
    buckets: dict[str | None, tuple[float, float]] = field(default_factory=dict)

    def _refilled(self, channel: str | None, now: float) -> tuple[str | None, float]:
        key = channel if self.per_channel else None
        tokens, last = self.buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        self.buckets[key] = (tokens, now)
        return key, tokens

    def wait_needed(self, channel: str | None, now: float) -> int | None:
        """None if a token is there, else the whole seconds until one is."""
        _, tokens = self._refilled(channel, now)
        if tokens >= 1.0:
            return None
        return max(1, math.ceil((1.0 - tokens) / self.per_second))

    def spend(self, channel: str | None, now: float) -> None:
        key, tokens = self._refilled(channel, now)
        self.buckets[key] = (tokens - 1.0, now)


class Faults:
    """What the fake Slack does wrong, arranged by the test; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._forced: list[_Forced] = []
        self._outage: _Outage | None = None
        self._limits: dict[tuple[str, bool], _RateLimit] = {}
        self.released = threading.Event()  # set when the server stops: hanging calls end

    def ratelimit_next(
        self,
        times: int = 1,
        *,
        method: str | None = "chat.postMessage",
        channel: str | None = None,
        retry_after: int = 1,
    ) -> None:
        """Answer the next `times` matching calls with 429 and `Retry-After: retry_after`."""
        verdict = Verdict(status=429, retry_after=retry_after, reason="ratelimited")
        self._force(verdict, times, method, channel)

    def fail_next(
        self,
        times: int = 1,
        *,
        status: int = 503,
        method: str | None = None,
        channel: str | None = None,
    ) -> None:
        """Answer the next `times` matching calls with a server error, doing nothing."""
        self._force(Verdict(status=status, reason="injected failure"), times, method, channel)

    def hang_next(
        self,
        times: int = 1,
        *,
        seconds: float = 5.0,
        method: str | None = None,
        channel: str | None = None,
        then_process: bool = False,
    ) -> None:
        """Hold the next `times` matching calls for `seconds` (past the client's timeout), then
        answer 503, or, with `then_process`, carry the call out anyway, as Slack sometimes does
        after the client has given up."""
        verdict = Verdict(
            status=200 if then_process else 503, hang_seconds=seconds, reason="injected hang"
        )
        self._force(verdict, times, method, channel)

    def start_outage(
        self,
        *,
        status: int = 503,
        seconds: float | None = None,
        method: str | None = None,
        hang_seconds: float = 0.0,
    ) -> None:
        """Fail every call (or every call of `method`) until `end_outage()` or for `seconds`;
        with `hang_seconds`, each call first hangs that long."""
        until = time.monotonic() + seconds if seconds is not None else None
        verdict = Verdict(status=status, hang_seconds=hang_seconds, reason="injected outage")
        with self._lock:
            self._outage = _Outage(verdict=verdict, until=until, method=method)

    def end_outage(self) -> None:
        with self._lock:
            self._outage = None

    def limit_rate(
        self,
        method: str = "chat.postMessage",
        *,
        per_second: float = 1.0,
        burst: int = 3,
        per_channel: bool = True,
    ) -> None:
        """Enforce Slack's pacing: over the limit, a call gets 429 with Retry-After. A method
        may have both a per-channel and a workspace-wide limit."""
        with self._lock:
            self._limits[(method, per_channel)] = _RateLimit(per_second, burst, per_channel)

    def stop_rate_limits(self, method: str | None = None) -> None:
        with self._lock:
            if method is None:
                self._limits.clear()
            else:
                self._limits.pop((method, True), None)
                self._limits.pop((method, False), None)

    def clear(self) -> None:
        """Back to a healthy, unlimited Slack."""
        with self._lock:
            self._forced.clear()
            self._outage = None
            self._limits.clear()

    def unspent(self) -> int:
        """How many forced faults (fail_next, hang_next, ratelimit_next) no call has met yet."""
        with self._lock:
            return sum(f.remaining for f in self._forced)

    def verdict(self, method: str, channel: str | None) -> Verdict | None:
        """The fault to apply to this call, if any (consumes forced faults and tokens)."""
        now = time.monotonic()
        with self._lock:
            for forced in self._forced:
                if forced.matches(method, channel):
                    forced.remaining -= 1
                    return forced.verdict
            self._forced = [f for f in self._forced if f.remaining > 0]
            outage = self._outage
            if outage is not None and outage.until is not None and now >= outage.until:
                self._outage = outage = None
            if outage is not None and outage.method in (None, method):
                return outage.verdict
            limits = [self._limits.get((method, p)) for p in (True, False)]
            limits = [limit for limit in limits if limit is not None]
            waits = [w for w in (limit.wait_needed(channel, now) for limit in limits) if w]
            if waits:
                return Verdict(status=429, retry_after=max(waits), reason="ratelimited")
            for limit in limits:
                limit.spend(channel, now)
        return None

    def _force(self, verdict: Verdict, times: int, method: str | None, channel: str | None):
        with self._lock:
            self._forced.append(_Forced(verdict, times, method, channel))
