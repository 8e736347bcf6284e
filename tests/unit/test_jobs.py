"""Jobs back off, and say so on /healthz, while Web21C or the database is down."""

from __future__ import annotations

from itertools import pairwise

from bot.core.domain import ServiceUnavailable
from bot.observability.metrics import Metrics
from bot.scheduler.jobs import Jobs


class FlakyLeases:
    """A lease table whose database can be switched off."""

    def __init__(self) -> None:
        self.down = False

    def acquire(self, name: str, holder: str, ttl_seconds: float) -> bool:
        if self.down:
            raise ConnectionError("server closed the connection unexpectedly")
        return True

    def renew(self, name: str, holder: str, ttl_seconds: float) -> bool:
        return not self.down

    def release(self, name: str, holder: str) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_database_outage_backs_off_and_shows_then_clears():
    leases, clock, ran = FlakyLeases(), Clock(), []
    jobs = Jobs(leases, Metrics(), holder="me", monotonic=clock)
    jobs.add("inbound", 1.0, lambda: ran.append(clock.now))
    leases.down = True
    assert jobs.run_once("inbound") is False
    assert jobs.problem() == "database unreachable (1 failed cycle of inbound; see the log)"
    assert jobs.run_once("inbound") is False  # backing off: not even tried
    clock.now = 5.0
    leases.down = False
    assert jobs.run_once("inbound") is True
    assert ran == [5.0]
    assert jobs.problem() is None


def test_a_web21c_outage_doubles_the_wait_up_to_a_minute():
    clock, attempts = Clock(), []
    metrics = Metrics()
    jobs = Jobs(FlakyLeases(), metrics, holder="me", monotonic=clock)

    def down() -> None:
        attempts.append(clock.now)
        raise ServiceUnavailable("connection refused")

    jobs.add("inbound", 1.0, down)
    for second in range(0, 200):
        clock.now = float(second)
        jobs.run_once("inbound")
    gaps = [b - a for a, b in pairwise(attempts)]
    assert gaps[:6] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    assert set(gaps[6:]) == {60.0}
    assert jobs.problem().startswith("Web21C unreachable (")
    assert "connection refused" not in jobs.problem()  # the error's words go to the log only
    assert metrics.value("bridge_web21c_up") == 0.0
