"""The intake: a small SQLite file beside the bridge's SQLite database, where a front end
commits each request it acknowledges, so that an ack never waits for the worker.

SQLite has one writer per file. With the requests in the main file, an ack waited whenever
a worker's transaction held the write lock (about a third of the time while the worker was
busy; `bench/slash_ack.py`); in a file of their own, the only other writer is the move below,
a single DELETE. A worker moves what is in the intake into the work queue proper
(`work_queue`, in the main file) and then deletes it from the intake:

- the move is one transaction in the main file, which remembers each moved request's key
  (`handled_events`, as `intake:<key>`), so a move repeated after a crash between that commit
  and the delete adds nothing; keys are random, so a recreated intake file reuses none;
- each move takes the intake's requests in id order, and the intake only grows at its end,
  so what one worker moves is a prefix of what another sees: the work queue gets them in
  the order they were acknowledged, which per-user ordering relies on.

PostgreSQL has no single write lock and needs none of this: there, front ends commit to the
work queue directly. The driver is used as is (two fixed statements on the ack's path;
SQLAlchemy's per-statement work doubled the ack's cost of its write).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import make_url

from storage.engine import is_memory_sqlite, is_sqlite, normalise_url

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        ordering_key TEXT,
        created_at TEXT NOT NULL
    )""",
    # Slack event ids seen, so a retried event is queued once (in the ack's own transaction).
    """CREATE TABLE IF NOT EXISTS slack_events (
        event_id TEXT PRIMARY KEY,
        expires_at TEXT NOT NULL
    )""",
)
FIRST_TIME = (
    "INSERT INTO slack_events (event_id, expires_at) VALUES (?, ?) "
    "ON CONFLICT (event_id) DO UPDATE SET expires_at = excluded.expires_at "
    "WHERE slack_events.expires_at <= ?"
)
ADD = "INSERT INTO requests (key, kind, payload, ordering_key, created_at) VALUES (?, ?, ?, ?, ?)"
# Waiting for the lock: the other writers (acks, the move's DELETE) hold it for microseconds,
# so the ack tries again every RETRY_SECONDS rather than in SQLite's 1-2-5 ms busy handler.
RETRY_SECONDS = 0.0002
PATIENCE_SECONDS = 2.0


@dataclass(frozen=True)
class IntakeRequest:
    id: int
    key: str
    kind: str
    payload: dict[str, Any]
    ordering_key: str | None
    created_at: datetime


def intake_path_for(database_url: str) -> str | None:
    """The intake file for a SQLite file database (`<file>-intake`); None for PostgreSQL and
    for an in-memory SQLite database, whose front ends commit to the work queue directly."""
    url = normalise_url(database_url)
    if not is_sqlite(url) or is_memory_sqlite(url):
        return None
    return f"{make_url(url).database}-intake"


class Intake:
    """The intake file, with a connection per thread."""

    def __init__(self, path: str):
        self.path = path
        self._local = threading.local()
        with contextlib.closing(self._connect(busy_timeout_ms=10_000)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            for statement in SCHEMA:
                connection.execute(statement)

    def put(
        self,
        kind: str,
        payload: dict[str, Any],
        event_id: str | None,
        ordering_key: str | None,
        now: datetime,
        event_ttl_seconds: float,
    ) -> bool:
        """Commit one request; False (nothing committed) for an event id already seen."""
        row = (
            secrets.token_hex(12),
            kind,
            json.dumps(payload, separators=(",", ":")),
            ordering_key,
            _stamp(now),
        )
        expires = _stamp(now + timedelta(seconds=event_ttl_seconds))
        connection = self._connection()
        _when_unlocked(lambda: connection.execute("BEGIN IMMEDIATE"))
        try:
            if (
                event_id
                and not connection.execute(FIRST_TIME, (event_id, expires, _stamp(now))).rowcount
            ):
                connection.execute("ROLLBACK")
                return False
            connection.execute(ADD, row)
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return True

    def pending(self, limit: int = 500) -> list[IntakeRequest]:
        """The oldest requests not yet moved into the work queue, in the order acknowledged."""
        rows = self._connection().execute(
            "SELECT id, key, kind, payload, ordering_key, created_at FROM requests "
            "ORDER BY id LIMIT ?",
            (limit,),
        )
        return [
            IntakeRequest(
                id, key, kind, json.loads(payload), ordering_key, datetime.fromisoformat(at)
            )
            for id, key, kind, payload, ordering_key, at in rows
        ]

    def forget(self, up_to_id: int) -> None:
        """Delete what was moved: every request up to and including `up_to_id`."""
        connection = self._connection()
        _when_unlocked(
            lambda: connection.execute("DELETE FROM requests WHERE id <= ?", (up_to_id,))
        )

    def waiting(self) -> tuple[int, datetime | None]:
        """How many requests wait here, and since when the oldest has."""
        count, oldest = (
            self._connection().execute("SELECT count(*), min(created_at) FROM requests").fetchone()
        )
        return count, datetime.fromisoformat(oldest) if oldest else None

    def purge_events(self, now: datetime) -> int:
        """Forget the Slack event ids whose time is up; how many."""
        connection = self._connection()
        return _when_unlocked(
            lambda: (
                connection.execute(
                    "DELETE FROM slack_events WHERE expires_at <= ?", (_stamp(now),)
                ).rowcount
            )
        )

    def close(self) -> None:
        connection = self._local.__dict__.pop("connection", None)
        if connection is not None:
            connection.close()

    def _connection(self) -> sqlite3.Connection:
        connection = self._local.__dict__.get("connection")
        if connection is None:
            connection = self._local.connection = self._connect(busy_timeout_ms=0)
        return connection

    def _connect(self, busy_timeout_ms: int) -> sqlite3.Connection:
        # isolation_level=None: autocommit, each statement alone unless we say BEGIN
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms:d}")
        return connection


def _stamp(at: datetime) -> str:
    """Times as text that sorts as time does (always with microseconds, always UTC)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _when_unlocked(write: Callable[[], object]) -> object:
    """Run `write`, trying again while another writer holds the file's lock."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while True:
        try:
            return write()
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(RETRY_SECONDS)
