"""The intake (storage.intake): on a SQLite file, acks commit to a file of their own and a
worker moves the requests into the work queue, once each, in the order they were acked."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from bot.observability.metrics import Metrics
from bot.queue.work_queue import WorkQueue, WorkRunner
from storage import Database
from storage.intake import Intake, intake_path_for
from tests.unit.services.test_work_queue import Recorder


@pytest.fixture
def db(tmp_path, clock):  # clock: the services' conftest's FakeClock
    database = Database(f"sqlite:///{tmp_path / 'bridge.db'}", clock=clock.now)
    database.create_schema()
    yield database
    database.close()


def _queue(db, clock, recorder=None, intake=None) -> WorkQueue:
    queue = WorkQueue(db, clock, Metrics(), intake or Intake(intake_path_for(db.url)))
    if recorder is not None:
        queue.kinds["test"] = recorder.kind()
    return queue


def _carry_out_all(queue: WorkQueue) -> None:
    runner = WorkRunner(queue, "me", Metrics(), workers=1)
    runner.run_waiting()
    runner.stop()


def test_the_intake_sits_beside_a_sqlite_file_only():
    assert intake_path_for("sqlite:////data/bridge.db") == "/data/bridge.db-intake"
    assert intake_path_for("sqlite://") is None
    assert intake_path_for("postgresql://u:p@localhost/bridge") is None


def test_acks_are_kept_while_a_worker_holds_the_databases_write_lock(db, clock):
    """Before the intake, a worker transaction holding SQLite's write lock made every ack
    wait for it, and one held past two seconds made acks refuse requests."""
    recorder = Recorder()
    queue = _queue(db, clock, recorder)
    worker = sqlite3.connect(db.url.removeprefix("sqlite:///"), isolation_level=None)
    worker.execute("BEGIN IMMEDIATE")  # a long housekeeping batch, say
    try:
        for n in range(50):
            queue.put("test", {"n": n})
    finally:
        worker.execute("ROLLBACK")
        worker.close()
    assert queue.outstanding() == 50
    _carry_out_all(queue)
    assert recorder.done == list(range(50))
    assert queue.outstanding() == 0


def test_a_retried_event_is_queued_once_through_the_intake(db, clock):
    recorder = Recorder()
    queue = _queue(db, clock, recorder)
    queue.put("test", {"n": 1}, event_id="Ev1")
    queue.put("test", {"n": 1}, event_id="Ev1")
    queue.put("test", {"n": 2}, event_id="Ev2")
    _carry_out_all(queue)
    queue.put("test", {"n": 1}, event_id="Ev1")  # moved and done: still remembered
    _carry_out_all(queue)
    assert recorder.done == [1, 2]


class CrashAfterMove(Intake):
    """An intake whose first delete after a move never happens, as when the worker is
    killed between the move's commit and the delete."""

    crashed = False

    def forget(self, up_to_id: int) -> None:
        if not self.crashed:
            self.crashed = True
            raise SystemExit("killed")
        super().forget(up_to_id)


def test_a_move_repeated_after_a_crash_adds_nothing(db, clock):
    recorder = Recorder()
    intake = CrashAfterMove(intake_path_for(db.url))
    queue = _queue(db, clock, recorder, intake)
    for n in range(3):
        queue.put("test", {"n": n})
    with pytest.raises(SystemExit):
        queue.take_in()
    _carry_out_all(queue)  # the runner moves again: the three are known, none added
    assert recorder.done == [0, 1, 2]
    assert queue.outstanding() == 0
    with db.transaction() as tx:
        assert tx.work.outstanding() == 0


def test_two_workers_moving_at_once_keep_each_request_once_and_in_order(db, clock):
    acks, movers = _queue(db, clock), [_queue(db, clock) for _ in range(2)]
    done = threading.Event()

    def move() -> None:
        while not done.is_set():
            for mover in movers:
                mover.take_in()

    threads = [threading.Thread(target=move) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for n in range(300):
            acks.put("test", {"n": n})
    finally:
        done.set()
        for thread in threads:
            thread.join()
    movers[0].take_in()
    with db.transaction() as tx:
        items = tx.work.claim("check#1", 1000, 30)  # in id order: the order they were queued
    assert [item.payload["n"] for item in items] == list(range(300))


def test_a_new_intake_file_is_moved_like_the_first(db, clock, tmp_path):
    """Keys are random: requests in a recreated intake are never taken for moved ones."""
    recorder = Recorder()
    path = intake_path_for(db.url)
    queue = _queue(db, clock, recorder)
    queue.put("test", {"n": 1})
    _carry_out_all(queue)
    queue.close()
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"bridge.db-intake{suffix}").unlink(missing_ok=True)
    queue = _queue(db, clock, recorder, Intake(path))
    queue.put("test", {"n": 2})
    _carry_out_all(queue)
    assert recorder.done == [1, 2]


def test_health_counts_what_waits_in_the_intake(db, clock):
    queue = _queue(db, clock)
    queue.put("test", {"n": 1})
    assert queue.problem() is None
    clock.advance(61)
    problem = queue.problem()
    assert problem is not None and "1 acknowledged requests waiting" in problem
