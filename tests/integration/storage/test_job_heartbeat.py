"""A scheduled job keeps its lease for as long as its cycle runs, however long that is, so a
second process never runs the same cycle alongside it (on both databases)."""

from __future__ import annotations

import threading

from bot.observability.metrics import Metrics
from bot.scheduler.jobs import Jobs, lease_seconds
from storage import LeaseManager


def test_a_cycle_longer_than_its_lease_keeps_it_throughout(database):
    leases = LeaseManager(database)
    ours = Jobs(leases, Metrics(), holder="ours", min_lease_seconds=2.0)  # short, to be quick
    other = Jobs(leases, Metrics(), holder="other", min_lease_seconds=2.0)
    interval = 0.2
    ttl = lease_seconds(interval, 2.0)
    in_cycle, finish = threading.Event(), threading.Event()
    taken_by_other: list[bool] = []

    def long_cycle() -> None:
        in_cycle.set()
        finish.wait(10)

    ours.add("inbound", interval, long_cycle)
    other.add("inbound", interval, lambda: None)
    runner = threading.Thread(target=ours.run_once, args=["inbound"])
    runner.start()
    assert in_cycle.wait(10)
    for _ in range(4):  # across two lease lifetimes, the other process never gets in
        threading.Event().wait(ttl / 2)
        taken_by_other.append(other.run_once("inbound"))
        assert leases.holder("job:inbound") == "ours"
    finish.set()
    runner.join(10)
    assert taken_by_other == [False, False, False, False]
