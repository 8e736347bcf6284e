"""The work queue table: oldest first, each item claimed once even by racing claimants."""

from __future__ import annotations

import threading
from datetime import timedelta


def test_items_are_claimed_oldest_first_and_leave_when_finished(database):
    with database.transaction() as tx:
        for n in range(3):
            tx.work.add("command", {"n": n, "text": "café ☕"})
        assert tx.work.waiting()[0] == 3
    with database.transaction() as tx:
        first = tx.work.claim("w1", 2)
        assert [item.payload["n"] for item in first] == [0, 1]
        assert first[0].payload["text"] == "café ☕"
        assert all(item.started_at is not None for item in first)
        assert tx.work.waiting()[0] == 1
        assert tx.work.outstanding() == 3
        tx.work.finish(first[0].id)
        assert tx.work.outstanding() == 2
    with database.transaction() as tx:
        assert [item.payload["n"] for item in tx.work.claim("w2", 10)] == [2]
        assert tx.work.claim("w2", 10) == []
        assert tx.work.waiting() == (0, None)


def test_racing_claimants_each_get_different_items(database):
    with database.transaction() as tx:
        for n in range(200):
            tx.work.add("command", {"n": n})
    claimed: list[int] = []
    lock = threading.Lock()

    def claimant(name: str) -> None:
        while True:
            with database.transaction() as tx:
                items = tx.work.claim(name, 7)
            if not items:
                return
            with lock:
                claimed.extend(item.payload["n"] for item in items)

    threads = [threading.Thread(target=claimant, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed) == list(range(200))  # every item once, none twice


def test_started_before_finds_work_a_stopped_worker_left(database):
    with database.transaction() as tx:
        tx.work.add("command", {"n": 1})
        tx.work.add("command", {"n": 2})
        (item,) = tx.work.claim("gone", 1)
        assert tx.work.started_before(item.started_at) == []
        left = tx.work.started_before(item.started_at + timedelta(seconds=1))
        assert [i.payload["n"] for i in left] == [1]  # the waiting one is not "left"
