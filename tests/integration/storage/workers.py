"""Code run in separate processes by the multi-process storage tests (spawned, so it must be
importable on its own and take only plain, picklable arguments)."""

from __future__ import annotations

import time

from storage import Database, LeaseManager


def contend_for_lease(url, name, worker_id, seconds, ttl, occupied, violations, wins) -> None:
    """Grab the lease as often as possible for `seconds`; while holding it, occupy a shared
    slot and count any moment another process is found in it. Every other win is released
    at once, the rest left to expire, so both release and takeover-after-expiry are used."""
    database = Database(url)
    leases = LeaseManager(database)
    holder = f"worker-{worker_id}"
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not leases.acquire(name, holder, ttl):
                time.sleep(0.002)
                continue
            wins[worker_id] += 1
            with occupied.get_lock():
                if occupied.value != 0:
                    violations.value += 1
                occupied.value = worker_id
            time.sleep(0.005)
            if not leases.renew(name, holder, ttl):
                violations.value += 1  # we were inside, so nobody may have taken it
            with occupied.get_lock():
                if occupied.value != worker_id:
                    violations.value += 1
                occupied.value = 0
            if wins[worker_id] % 2 == 0:
                leases.release(name, holder)
            else:
                time.sleep(0.002)
    finally:
        database.close()


def take_lease_and_vanish(url, name, holder, ttl) -> None:
    """Acquire and exit without releasing: a worker that crashed while holding the lease."""
    database = Database(url)
    try:
        assert LeaseManager(database).acquire(name, holder, ttl)
    finally:
        database.close()


def claim_events(url, event_ids, claimed) -> None:
    """Try to claim each Slack event id; report the ones this process won."""
    database = Database(url)
    try:
        won = []
        for event_id in event_ids:
            with database.transaction() as tx:
                if tx.events.first_time(event_id, 600):
                    won.append(event_id)
        claimed.put(won)
    finally:
        database.close()
