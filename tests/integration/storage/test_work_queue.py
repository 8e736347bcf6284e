"""The work queue table: oldest first, each item claimed once even by racing claimants, an
expired claim taken over, and one ordering key's items handed out one at a time, in order,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections import defaultdict


def test_items_are_claimed_oldest_first_and_leave_when_finished(database):
    with database.transaction() as tx:
        for n in range(3):
            tx.work.add("command", {"n": n, "text": "café ☕"})
        assert tx.work.waiting()[0] == 3
    with database.transaction() as tx:
        first = tx.work.claim("w1#1", 2, 30)
        assert [item.payload["n"] for item in first] == [0, 1]
        assert first[0].payload["text"] == "café ☕"
        assert all(item.started_at is not None and item.claim == "w1#1" for item in first)
        assert [item.attempts for item in first] == [1, 1]
        assert tx.work.waiting()[0] == 1
        assert tx.work.outstanding() == 3
        assert tx.work.finish(first[0].id, "w1#1")
        assert tx.work.outstanding() == 2
    with database.transaction() as tx:
        assert [item.payload["n"] for item in tx.work.claim("w2#1", 10, 30)] == [2]
        assert tx.work.claim("w2#2", 10, 30) == []
        assert tx.work.waiting() == (0, None)


def test_an_expired_claim_is_taken_over_and_the_old_claim_can_no_longer_mark_it(database):
    with database.transaction() as tx:
        item_id = tx.work.add("command", {"n": 1})
        (item,) = tx.work.claim("dead#1", 1, -1)  # already expired
        assert item.side_effect_at is None
    with database.transaction() as tx:
        (again,) = tx.work.claim("alive#1", 1, 30)
        assert (again.id, again.attempts, again.side_effect_at) == (item_id, 2, None)
        assert not tx.work.mark_side_effect(item_id, "dead#1")
        assert not tx.work.finish(item_id, "dead#1")
        assert tx.work.mark_side_effect(item_id, "alive#1")
        assert tx.work.renew(["alive#1", "dead#1"], 30) == 1


def test_a_marked_item_comes_back_marked_after_its_claim_expires(database):
    with database.transaction() as tx:
        item_id = tx.work.add("command", {"n": 1})
        tx.work.claim("dead#1", 1, -1)
        assert tx.work.mark_side_effect(item_id, "dead#1") is False  # expired: refused
    with database.transaction() as tx:
        tx.work.claim("dead#2", 1, 30)
        assert tx.work.mark_side_effect(item_id, "dead#2")
    with database.transaction() as tx:
        assert tx.work.renew(["dead#2"], -1) == 1  # the claim runs out, as when it stops
    with database.transaction() as tx:
        (item,) = tx.work.claim("alive#1", 1, 30)
        assert item.side_effect_at is not None and item.attempts == 3


def test_an_ordering_key_hands_out_one_item_at_a_time_in_order(database):
    with database.transaction() as tx:
        a1 = tx.work.add("command", {"n": "a1"}, "user:A")
        b1 = tx.work.add("command", {"n": "b1"}, "user:B")
        a2 = tx.work.add("command", {"n": "a2"}, "user:A")
        free = tx.work.add("command", {"n": "free"})
    with database.transaction() as tx:
        assert [i.id for i in tx.work.claim("w#1", 10, 30)] == [a1, b1, free]
        assert tx.work.claim("w#2", 10, 30) == []  # a2 waits for a1
        tx.work.finish(a1)
        assert [i.id for i in tx.work.claim("w#3", 10, 30)] == [a2]


def test_racing_claimants_keep_every_rule(database):
    """Eight claimants at once, 40 users' items interleaved: each item claimed once, never two
    of one user's at the same time, and each user's in the order they were queued."""
    users, per_user = 40, 6
    with database.transaction() as tx:
        for n in range(per_user):
            for u in range(users):
                tx.work.add("command", {"user": u, "n": n}, f"user:{u}")
    lock = threading.Lock()
    running: set[int] = set()
    done: dict[int, list[int]] = defaultdict(list)
    violations: list[str] = []

    def claimant(name: str) -> None:
        claims = 0
        idle = 0
        while idle < 20:
            claims += 1
            with database.transaction() as tx:
                items = tx.work.claim(f"{name}#{claims}", 3, 30)
            if not items:
                idle += 1
                threading.Event().wait(0.01)
                continue
            idle = 0
            for item in items:
                user = item.payload["user"]
                with lock:
                    if user in running:
                        violations.append(f"user {user} had two items at once")
                    running.add(user)
                threading.Event().wait(0.001)
                with lock:
                    running.discard(user)
                    done[user].append(item.payload["n"])
                with database.transaction() as tx:
                    assert tx.work.finish(item.id, item.claim)

    threads = [threading.Thread(target=claimant, args=(f"w{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert violations == []
    assert {u: ns for u, ns in done.items()} == {u: list(range(per_user)) for u in range(users)}
    with database.transaction() as tx:
        assert tx.work.outstanding() == 0
