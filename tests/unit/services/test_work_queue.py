"""The work queue and its runner, on a real SQLite database with a fake clock: write before
ack, claims that expire, the side-effect mark, and one user's work in order."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from bot.observability.metrics import Metrics
from bot.queue.side_effects import MarkingTelephony
from bot.queue.work_queue import CLAIM_SECONDS, NotAccepted, WorkKind, WorkQueue, WorkRunner
from storage import Database
from tests.fakes import FakeClock, FakeTelephony


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def db(tmp_path, clock):
    database = Database(f"sqlite:///{tmp_path / 'bridge.db'}", clock=clock.now)
    database.create_schema()
    yield database
    database.close()


class Recorder:
    """A work kind that records what it carried out and what its requesters were told."""

    def __init__(self, fail_on: set[int] = frozenset()):
        self.done: list[int] = []
        self.told: list[tuple[int, str]] = []
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def carry_out(self, payload: dict) -> None:
        if payload["n"] in self.fail_on:
            raise RuntimeError("boom")
        with self.lock:
            self.done.append(payload["n"])

    def kind(self, carry_out=None) -> WorkKind:
        return WorkKind(
            carry_out or self.carry_out,
            lambda payload: f"test {payload['n']}",
            lambda payload, text: self.told.append((payload["n"], text)),
            lambda payload: "Look at test's log.",
        )


def _queue(db, clock, recorder, metrics=None, carry_out=None) -> WorkQueue:
    queue = WorkQueue(db, clock, metrics)
    queue.kinds["test"] = recorder.kind(carry_out)
    return queue


def _wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _side_effect_at(db, item_id: int):
    with db.transaction() as tx:
        item = tx.work.get(item_id)
    return item.side_effect_at if item else None


def test_a_put_is_committed_when_it_returns(db, clock):
    queue = WorkQueue(db, clock)
    queue.put("test", {"n": 1})
    other = Database(db.url)  # another process's view: nothing held in this one's memory
    try:
        with other.transaction() as tx:
            assert tx.work.outstanding() == 1
    finally:
        other.close()


def test_everything_queued_is_carried_out_once_and_leaves_the_queue(db, clock):
    recorder, metrics = Recorder(), Metrics()
    queue = _queue(db, clock, recorder)
    runner = WorkRunner(queue, "me", metrics, workers=3)
    for n in range(50):
        queue.put("test", {"n": n}, ordering_key=f"user:{n}")
    runner.start()
    try:
        _wait_until(lambda: queue.outstanding() == 0)
    finally:
        runner.stop()
    assert sorted(recorder.done) == list(range(50))
    assert metrics.value("bridge_work_done_total", kind="test") == 50


def test_work_queued_while_running_starts_without_waiting_for_a_poll(db, clock):
    recorder = Recorder()
    queue = _queue(db, clock, recorder)
    runner = WorkRunner(queue, "me", Metrics())
    runner.start()
    try:
        time.sleep(0.05)  # the runner is now waiting for work
        queue.put("test", {"n": 1})
        _wait_until(lambda: recorder.done == [1], timeout=0.2)  # well inside POLL_SECONDS
    finally:
        runner.stop()


def test_an_event_delivered_twice_is_queued_once(db, clock):
    queue = WorkQueue(db, clock)
    queue.put("test", {"n": 1}, event_id="Ev1")
    queue.put("test", {"n": 1}, event_id="Ev1")
    queue.put("test", {"n": 2}, event_id="Ev2")
    assert queue.outstanding() == 2


def test_an_event_whose_write_failed_is_not_remembered_as_handled(db, clock):
    queue = WorkQueue(db, clock)
    with db.transaction() as tx:
        tx.connection.execute(text("ALTER TABLE work_queue RENAME TO work_queue_away"))
    with pytest.raises(NotAccepted):
        queue.put("test", {"n": 1}, event_id="Ev1")
    with db.transaction() as tx:
        tx.connection.execute(text("ALTER TABLE work_queue_away RENAME TO work_queue"))
    queue.put("test", {"n": 1}, event_id="Ev1")  # Slack's retry is queued, not ignored
    assert queue.outstanding() == 1


def test_failed_or_unknown_work_is_logged_and_never_run_again(db, clock, caplog):
    recorder, metrics = Recorder(fail_on={2}), Metrics()
    queue = _queue(db, clock, recorder)
    runner = WorkRunner(queue, "me", metrics)
    queue.put("test", {"n": 1})
    queue.put("test", {"n": 2})
    queue.put("mystery", {"n": 3})
    runner.run_waiting()
    runner.stop()  # waits for what started
    assert recorder.done == [1]
    assert queue.outstanding() == 0
    messages = [r.getMessage() for r in caplog.records]
    assert any("(test) failed" in m for m in messages)
    assert any("unknown kind 'mystery'" in m for m in messages)
    assert metrics.value("bridge_work_failed_total", kind="test") == 1


def test_work_a_worker_left_before_its_side_effect_is_run_again_once_its_claim_expires(
    db, clock
):
    recorder, metrics = Recorder(), Metrics()
    queue = _queue(db, clock, recorder, metrics)
    queue.put("test", {"n": 1})
    with db.transaction() as tx:  # a worker took it, then died before asking Web21C
        tx.work.claim("dead-worker#1", 1, CLAIM_SECONDS)
    runner = WorkRunner(queue, "me", metrics)
    assert runner.run_waiting() == 0  # it may still be working on it
    clock.advance(CLAIM_SECONDS + 1)
    assert runner.run_waiting() == 1
    runner.stop()
    assert recorder.done == [1]
    assert recorder.told == []
    assert queue.outstanding() == 0
    assert metrics.value("bridge_work_redone_total", kind="test") == 1


def test_work_a_worker_left_after_its_side_effect_began_is_reported_never_repeated(db, clock):
    recorder, metrics = Recorder(), Metrics()
    queue = _queue(db, clock, recorder, metrics)
    queue.put("test", {"n": 1})
    queue.put("test", {"n": 2})
    with db.transaction() as tx:  # a worker took item 1, began its side effect, then died
        (item,) = tx.work.claim("dead-worker#1", 1, CLAIM_SECONDS)
        assert tx.work.mark_side_effect(item.id, item.claim)
    runner = WorkRunner(queue, "me", metrics)
    runner.run_waiting()
    _wait_until(lambda: queue.outstanding() == 1)  # item 2 done and finished
    assert recorder.done == [2]
    assert recorder.told == []  # the claim has not expired: its worker may be alive
    clock.advance(CLAIM_SECONDS + 1)
    runner.run_waiting()
    runner.stop()
    assert recorder.done == [2]  # item 1 was not run a second time
    assert recorder.told == [
        (
            1,
            "The bridge stopped while it was carrying out test 1, after it had asked Web21C "
            "to do it, so it may or may not have happened. Look at test's log.",
        )
    ]
    assert queue.outstanding() == 0
    assert metrics.value("bridge_work_interrupted_total", kind="test") == 1


def test_the_side_effect_is_marked_in_its_own_commit_before_each_telephony_write(db, clock):
    recorder = Recorder()
    telephony = MarkingTelephony(FakeTelephony())
    seen = {}

    def carry_out(payload: dict) -> None:
        (item_id,) = [i for i in runner.attempts]
        seen["before"] = _side_effect_at(db, item_id)
        telephony.get_call_information  # a read marks nothing  # noqa: B018
        seen["after read"] = _side_effect_at(db, item_id)
        telephony.send_message(["tel:+447700900123"], "Web21C", "hello")
        seen["after write"] = _side_effect_at(db, item_id)
        telephony.make_call("tel:+447700900123", "tel:+447700900124")

    queue = _queue(db, clock, recorder, carry_out=carry_out)
    runner = WorkRunner(queue, "me", Metrics())
    queue.put("test", {"n": 1})
    runner.run_waiting()
    runner.stop()
    assert seen["before"] is None and seen["after read"] is None
    assert seen["after write"] == clock.now()
    assert [t.text for t in telephony.inner.sent] == ["hello"]
    assert len(telephony.inner.calls) == 1
    assert queue.outstanding() == 0


def test_a_worker_that_lost_its_claim_sends_nothing_and_leaves_the_item(db, clock):
    recorder = Recorder()
    telephony = MarkingTelephony(FakeTelephony())

    def carry_out(payload: dict) -> None:
        clock.advance(CLAIM_SECONDS + 1)  # paused past its claim; another worker takes over
        with db.transaction() as tx:
            (taken,) = tx.work.claim("other-worker#1", 1, CLAIM_SECONDS)
        seen["taken"] = taken.id
        telephony.send_message(["tel:+447700900123"], "Web21C", "hello")

    seen = {}
    queue = _queue(db, clock, recorder, carry_out=carry_out)
    runner = WorkRunner(queue, "me", Metrics())
    queue.put("test", {"n": 1})
    runner.run_waiting()
    runner.stop()
    assert telephony.inner.sent == []  # refused before it reached Web21C
    assert queue.outstanding() == 1  # left for the worker that holds it now
    with db.transaction() as tx:
        item = tx.work.get(seen["taken"])
    assert item.claim == "other-worker#1" and item.side_effect_at is None


def test_one_users_work_is_carried_out_in_order_and_others_beside_it(db, clock):
    order: list[str] = []
    release = threading.Event()

    def carry_out(payload: dict) -> None:
        if payload["n"] == "alice-1":
            release.wait(10)  # slow: alice's second request must wait for it
        order.append(payload["n"])

    recorder = Recorder()
    queue = _queue(db, clock, recorder, carry_out=carry_out)
    for n, key in [("alice-1", "user:A"), ("alice-2", "user:A"), ("bob-1", "user:B")]:
        queue.put("test", {"n": n}, ordering_key=key)
    runner = WorkRunner(queue, "me", Metrics(), workers=4)
    runner.start()
    try:
        _wait_until(lambda: order == ["bob-1"])  # bob did not wait behind alice
        time.sleep(0.5)  # several polls: alice-2 is not claimed while alice-1 runs
        assert order == ["bob-1"]
        release.set()
        _wait_until(lambda: queue.outstanding() == 0)
    finally:
        release.set()
        runner.stop()
    assert order == ["bob-1", "alice-1", "alice-2"]


def test_a_running_worker_keeps_its_claim(db, clock):
    started, release = threading.Event(), threading.Event()

    def carry_out(payload: dict) -> None:
        started.set()
        release.wait(10)

    queue = _queue(db, clock, Recorder(), carry_out=carry_out)
    queue.put("test", {"n": 1})
    runner = WorkRunner(queue, "me", Metrics(), claim_seconds=CLAIM_SECONDS)
    runner.run_waiting()
    try:
        assert started.wait(10)
        clock.advance(CLAIM_SECONDS * 0.9)
        runner.renew_claims()  # what its renewing thread does every third of the claim
        clock.advance(CLAIM_SECONDS * 0.9)
        with db.transaction() as tx:
            assert tx.work.claim("other-worker#1", 1, CLAIM_SECONDS) == []
    finally:
        release.set()
        runner.stop()
    assert queue.outstanding() == 0


def test_health_names_work_that_waits_for_a_worker(db, clock):
    queue = WorkQueue(db, clock)
    assert queue.problem() is None
    queue.put("test", {"n": 1})
    assert queue.problem() is None  # just queued
    clock.advance(61)
    problem = queue.problem()
    assert problem is not None
    assert "1 acknowledged requests waiting" in problem and "worker" in problem


def test_a_runner_survives_the_database_going_away(tmp_path, clock, caplog):
    path = tmp_path / "bridge.db"
    db = Database(f"sqlite:///{path}", clock=clock.now)
    recorder = Recorder()
    queue = _queue(db, clock, recorder)
    runner = WorkRunner(queue, "me", Metrics())
    runner.start()  # no schema yet: every claim fails
    try:
        _wait_until(lambda: any("work queue unreachable" in r.getMessage() for r in caplog.records))
        db.create_schema()
        queue.put("test", {"n": 1})
        _wait_until(lambda: recorder.done == [1])
    finally:
        runner.stop()
        db.close()


def test_while_the_database_refuses_writes_requests_are_refused_not_promised(tmp_path, clock):
    db = Database(f"sqlite:///{tmp_path / 'bridge.db'}", clock=clock.now)  # no schema yet
    recorder, metrics = Recorder(), Metrics()
    queue = _queue(db, clock, recorder, metrics)
    with pytest.raises(NotAccepted, match="its database is unreachable"):
        queue.put("test", {"n": 1})
    assert metrics.value("bridge_work_not_kept_total", kind="test") == 1
    db.create_schema()  # the database is back: new requests are taken, the refused one is gone
    queue.put("test", {"n": 2})
    runner = WorkRunner(queue, "me", Metrics())
    runner.run_waiting()
    runner.stop()
    assert recorder.done == [2]
    assert recorder.told == []
    db.close()


def test_puts_wait_their_turn_behind_another_connections_transactions(db, clock):
    """SQLite has one writer: a worker's transactions, back to back, must delay an ack's
    commit, never fail it."""
    queue = WorkQueue(db, clock)
    other = Database(db.url, clock=clock.now)
    stop = threading.Event()

    def busy_worker() -> None:
        while not stop.is_set():
            with other.transaction() as tx:  # BEGIN IMMEDIATE: holds the write lock
                tx.work.outstanding()
                time.sleep(0.0005)
            # A real worker does I/O between its transactions (Web21C, Slack). A loop that
            # went straight back to BEGIN would keep the GIL through the only moment the
            # lock is free, and starve the ack's thread by the interpreter, not by SQLite.
            time.sleep(0.0001)

    worker = threading.Thread(target=busy_worker)
    worker.start()
    try:
        for n in range(300):
            queue.put("test", {"n": n})
    finally:
        stop.set()
        worker.join()
        other.close()
        queue.close()
    assert queue.outstanding() == 300
