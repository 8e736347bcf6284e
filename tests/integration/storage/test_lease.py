"""Leases: single-process semantics, then two real processes contending for one lease."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from storage import LeaseManager
from storage.lease import database_now
from tests.integration.storage import workers

spawn = multiprocessing.get_context("spawn")


@pytest.fixture
def leases(database):
    return LeaseManager(database)


def test_acquire_renew_release(leases):
    assert leases.holder("job") is None
    assert leases.acquire("job", "a", 30) is True
    assert leases.acquire("job", "b", 30) is False
    assert leases.holder("job") == "a"
    assert leases.acquire("job", "a", 30) is True  # the holder may extend
    assert leases.renew("job", "a", 30) is True
    assert leases.renew("job", "b", 30) is False
    assert leases.release("job", "b") is False
    assert leases.holder("job") == "a"
    assert leases.release("job", "a") is True
    assert leases.holder("job") is None
    assert leases.acquire("job", "b", 30) is True
    assert leases.acquire("other-job", "a", 30) is True


def test_an_expired_lease_can_be_taken_over_and_not_renewed(leases):
    assert leases.acquire("job", "a", 2.0)  # long enough for a loaded machine
    assert leases.acquire("job", "b", 30) is False
    time.sleep(2.1)
    assert leases.holder("job") is None
    assert leases.renew("job", "a", 30) is False
    assert leases.acquire("job", "b", 30) is True
    assert leases.holder("job") == "b"
    assert leases.release("job", "a") is False


def test_two_processes_never_hold_the_lease_at_once(database):
    occupied = spawn.Value("i", 0)
    violations = spawn.Value("i", 0)
    wins = spawn.Array("i", 3)
    processes = [
        spawn.Process(
            target=workers.contend_for_lease,
            args=(database.url, "job", worker, 2.0, 0.5, occupied, violations, wins),
        )
        for worker in (1, 2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [process.exitcode for process in processes] == [0, 0]
    assert violations.value == 0
    assert wins[1] > 0 and wins[2] > 0, f"no real contention: wins {list(wins)}"


def test_a_crashed_holders_lease_is_taken_over_after_expiry_and_not_before(database, leases):
    ttl = 5.0  # ample for the crashed process to exit and be joined on a loaded machine
    crashed = spawn.Process(
        target=workers.take_lease_and_vanish,
        args=(database.url, "job", "crashed-worker", ttl),
    )
    crashed.start()
    crashed.join(60)
    assert crashed.exitcode == 0
    held = leases.get("job")
    assert held.holder == "crashed-worker"
    attempts = 0
    deadline = time.monotonic() + 60
    while not leases.acquire("job", "survivor", 30):
        attempts += 1
        time.sleep(0.02)
        assert time.monotonic() < deadline, "the expired lease was never taken over"
    with database.engine.connect() as connection:
        taken_at = database_now(connection)
    assert attempts > 0
    assert taken_at >= held.expires_at
    assert leases.holder("job") == "survivor"


def test_two_processes_claim_each_slack_event_exactly_once(database):
    event_ids = [f"Ev{n:04d}" for n in range(150)]
    claimed = spawn.Queue()
    processes = [
        spawn.Process(target=workers.claim_events, args=(database.url, event_ids, claimed))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    results = [claimed.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(60)
    first, second = (set(won) for won in results)
    assert first.isdisjoint(second)
    assert first | second == set(event_ids)
