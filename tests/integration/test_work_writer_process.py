"""`web`'s work queue writer: a real child process writing to a real SQLite database."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.core.clock import SystemClock
from bot.queue.writer import Accepted, NotAccepted
from bot.queue.writer_process import ProcessWriter
from storage import Database

ROOT = Path(__file__).resolve().parents[2]


class Listener:
    """Records what the writer reports, as the WorkQueue would receive it."""

    def __init__(self):
        self.count = 0
        self.given: list[Accepted] = []
        self.states: list[bool] = []
        self.lock = threading.Lock()

    def written(self, count: int) -> None:
        with self.lock:
            self.count += count

    def given_up(self, request: Accepted) -> None:
        self.given.append(request)

    def failing(self, now_failing: bool) -> None:
        self.states.append(now_failing)


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'bridge.db'}")
    database.create_schema()
    yield database
    database.close()


def _request(n: int, event_id: str | None = None) -> Accepted:
    return Accepted("test", {"n": n}, event_id, SystemClock().now())


def _queued(db: Database) -> list[int]:
    with db.transaction() as tx:
        return sorted(item.payload["n"] for item in tx.work.claim("reader", 10_000))


def _wait_until(predicate, timeout: float = 15.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return result


def test_requests_are_written_by_a_child_process_once_each(db):
    listener = Listener()
    writer = ProcessWriter(db, SystemClock(), listener)
    try:
        assert writer.pid != os.getpid()
        for n in range(200):
            writer.put(_request(n))
        writer.put(_request(1000, event_id="Ev1"))
        writer.put(_request(1001, event_id="Ev1"))  # Slack's retry of the same event
        assert writer.flush(timeout=15)
        assert writer.unwritten() == 0
        assert listener.count == 202  # the retry counts as done, not as a row
    finally:
        writer.close()
    assert _queued(db) == [*range(200), 1000]
    assert writer.exit_code == 0


def test_what_a_dying_web_process_sent_is_still_written(tmp_path, db):
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from bot.core.clock import SystemClock
        from bot.queue.writer import Accepted
        from bot.queue.writer_process import ProcessWriter
        from storage import Database

        class Quiet:
            def written(self, count): pass
            def given_up(self, request): pass
            def failing(self, now_failing): pass

        writer = ProcessWriter(Database({db.url!r}), SystemClock(), Quiet())
        print(writer.pid, flush=True)
        for n in range(50):
            writer.put(Accepted("test", {{"n": n}}, None, SystemClock().now()))
        os.kill(os.getpid(), signal.SIGKILL)  # no close(), no flush(): a crash
        """
    )
    web = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert web.returncode == -signal.SIGKILL
    child = int(web.stdout.split()[0])
    _wait_until(lambda: len(_queued_peek(db)) == 50, what="the 50 requests in the table")
    _wait_until(lambda: not _alive(child), what="the writer to exit after its parent died")
    assert sorted(_queued_peek(db)) == list(range(50))


def _queued_peek(db: Database) -> list[int]:
    """What the table holds, without claiming it."""
    with db.transaction() as tx:
        rows = tx.connection.execute(text("SELECT payload FROM work_queue")).all()
    return [json.loads(row.payload)["n"] for row in rows]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_if_the_writer_dies_this_process_writes_for_itself(db, caplog):
    listener = Listener()
    writer = ProcessWriter(db, SystemClock(), listener)
    try:
        writer.put(_request(1))
        assert writer.flush()
        os.kill(writer.pid, signal.SIGKILL)
        _wait_until(
            lambda: "writer process exited" in caplog.text, what="the writer's death logged"
        )
        writer.put(_request(2))
        assert writer.flush()
    finally:
        writer.close()
    assert _queued(db) == [1, 2]
    assert "writing from this process from now on" in caplog.text


def test_while_the_database_refuses_writes_requests_are_kept_and_new_ones_refused(db, caplog):
    caplog.set_level(logging.INFO)
    listener = Listener()
    writer = ProcessWriter(db, SystemClock(), listener)
    try:
        with db.transaction() as tx:
            tx.connection.execute(text("ALTER TABLE work_queue RENAME TO work_queue_away"))
        writer.put(_request(1))
        _wait_until(lambda: writer.is_failing, what="the writer to report failing writes")
        with pytest.raises(NotAccepted, match="its database is unreachable"):
            writer.put(_request(2))
        assert writer.unwritten() == 1  # kept, in the child
        with db.transaction() as tx:
            tx.connection.execute(text("ALTER TABLE work_queue_away RENAME TO work_queue"))
        assert writer.flush(timeout=20)
        _wait_until(lambda: not writer.is_failing, what="the writer to recover")
    finally:
        writer.close()
    assert _queued(db) == [1]
    assert listener.states == [True, False]
    # the child's log records are logged here, under the child's logger names
    failing = [r for r in caplog.records if "cannot write acknowledged requests" in r.message]
    assert failing and failing[0].name == "bot.queue.writer"
    assert failing[0].levelno == logging.ERROR
