"""The work queue and its runner, on a real SQLite database with a fake clock."""

from __future__ import annotations

import threading
import time

import pytest

from bot.observability.metrics import Metrics
from bot.queue.work_queue import NotAccepted, WorkKind, WorkQueue, WorkRunner
from bot.queue.writer import KEEP_UNWRITTEN
from storage import Database
from tests.fakes import FakeClock


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

    def kind(self) -> WorkKind:
        return WorkKind(
            self.carry_out,
            lambda payload: f"test {payload['n']}",
            lambda payload, text: self.told.append((payload["n"], text)),
        )


def _queue(db, clock, recorder, metrics=None) -> WorkQueue:
    queue = WorkQueue(db, clock, metrics)
    queue.kinds["test"] = recorder.kind()
    return queue


def _wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_everything_queued_is_carried_out_once_and_leaves_the_queue(db, clock):
    recorder, metrics = Recorder(), Metrics()
    queue = _queue(db, clock, recorder)
    runner = WorkRunner(queue, "me", metrics, workers=3)
    for n in range(50):
        queue.put("test", {"n": n})
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
    assert queue.flush()
    queue.put("test", {"n": 1}, event_id="Ev1")  # a later retry, after the first was written
    queue.put("test", {"n": 2}, event_id="Ev2")
    assert queue.flush()
    assert queue.outstanding() == 2
    queue.close()


def test_failed_or_unknown_work_is_logged_and_never_run_again(db, clock, caplog):
    recorder, metrics = Recorder(fail_on={2}), Metrics()
    queue = _queue(db, clock, recorder)
    runner = WorkRunner(queue, "me", metrics)
    queue.put("test", {"n": 1})
    queue.put("test", {"n": 2})
    queue.put("mystery", {"n": 3})
    assert queue.flush()
    runner.run_waiting()
    runner.stop()  # waits for what started
    assert recorder.done == [1]
    assert queue.outstanding() == 0
    messages = [r.getMessage() for r in caplog.records]
    assert any("(test) failed" in m for m in messages)
    assert any("unknown kind 'mystery'" in m for m in messages)
    assert metrics.value("bridge_work_failed_total", kind="test") == 1
    assert 'bridge_work_failed_total{kind="test"} 1' in metrics.render()


def test_work_a_stopped_worker_left_is_reported_not_rerun(db, clock):
    recorder = Recorder()
    queue = _queue(db, clock, recorder)
    queue.put("test", {"n": 1})
    queue.put("test", {"n": 2})
    assert queue.flush()
    with db.transaction() as tx:  # a worker took item 1, then died
        tx.work.claim("dead-worker", 1)
    runner = WorkRunner(queue, "me", Metrics())
    assert runner.report_interrupted() == 0  # it may still be working on it
    clock.advance(6 * 60)
    assert runner.report_interrupted() == 1
    assert recorder.told == [
        (
            1,
            "The bridge stopped while it was carrying out test 1, so it may not have finished. "
            "Check before you try again.",
        )
    ]
    runner.run_waiting()
    runner.stop()
    assert recorder.done == [2]  # item 1 was not run a second time
    assert queue.outstanding() == 0


def test_health_names_work_that_waits_for_a_worker(db, clock):
    queue = WorkQueue(db, clock)
    assert queue.problem() is None
    queue.put("test", {"n": 1})
    assert queue.flush()
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
        queue.close()
        db.close()


def test_while_the_database_refuses_writes_accepted_work_is_kept_and_new_work_refused(
    tmp_path, clock
):
    db = Database(f"sqlite:///{tmp_path / 'bridge.db'}", clock=clock.now)  # no schema yet
    recorder = Recorder()
    queue = _queue(db, clock, recorder)
    queue.put("test", {"n": 1})  # accepted before anyone knew
    _wait_until(lambda: "cannot write" in (queue.problem() or ""))
    assert queue.problem() == "cannot write acknowledged requests; 1 kept in memory"
    with pytest.raises(NotAccepted, match="its database is unreachable"):
        queue.put("test", {"n": 2})
    db.create_schema()  # the database is back: the kept request is written
    assert queue.flush()
    _wait_until(lambda: queue.problem() is None)
    queue.put("test", {"n": 3})  # and new ones are accepted again
    assert queue.flush()
    runner = WorkRunner(queue, "me", Metrics())
    runner.run_waiting()
    runner.stop()
    queue.close()
    assert sorted(recorder.done) == [1, 3]
    assert recorder.told == []
    db.close()


def test_accepted_work_the_database_never_took_is_reported_not_dropped(tmp_path, clock):
    db = Database(f"sqlite:///{tmp_path / 'bridge.db'}", clock=clock.now)  # no schema, ever
    recorder, metrics = Recorder(), Metrics()
    queue = _queue(db, clock, recorder, metrics)
    queue.put("test", {"n": 1})
    _wait_until(lambda: "cannot write" in (queue.problem() or ""))
    clock.advance(KEEP_UNWRITTEN.total_seconds() + 1)
    _wait_until(lambda: recorder.told)
    assert recorder.told == [
        (
            1,
            "The bridge could not keep test 1 (its database was unreachable), so it was not "
            "done. Try again when the bridge is back.",
        )
    ]
    assert metrics.value("bridge_work_not_kept_total", kind="test") == 1
    assert queue.flush(timeout=0)  # nothing left in memory
    queue.close()
    db.close()
