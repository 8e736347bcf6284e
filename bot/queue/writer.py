"""Writing acknowledged requests to the work_queue table, a moment after their ack.

`put` costs the acknowledging thread next to nothing: the request is kept in memory and a
writer thread writes what gathered, many rows in one transaction. While the database refuses
writes, what was accepted is kept and retried, and new requests are refused (the front end
says so at once); after KEEP_UNWRITTEN the requesters of what is still kept are told.

This module is the writer that runs in the process it writes for. bot.queue.writer_process
runs the same writer in a child process, so that `web`'s writes hold neither its GIL nor its
CPU; both look the same to the WorkQueue (the `Writer` protocol).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.ports import Clock
from storage import Database

log = logging.getLogger(__name__)

HANDLED_EVENT_TTL_SECONDS = 24 * 3600  # Slack stops retrying an event long before this
MAX_UNWRITTEN = 10_000  # acknowledged requests held in memory while the database is away
KEEP_UNWRITTEN = timedelta(minutes=2)  # then their requesters are told they were not done
WRITE_BATCH = 500
# Writing each request on its own costs a transaction's worth of CPU per request, right when
# the next request arrives; gathered, it is one per burst.
WRITE_COALESCE_SECONDS = 0.02


class NotAccepted(Exception):
    """The queue cannot take a request now; the message says why, for the requester."""


@dataclass(frozen=True)
class Accepted:
    """A request the front end has acknowledged: what to do, and Slack's event id if Slack
    may deliver it again."""

    kind: str
    payload: dict
    event_id: str | None
    accepted_at: datetime

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "payload": self.payload,
            "event_id": self.event_id,
            "accepted_at": self.accepted_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict) -> Accepted:
        return cls(
            data["kind"],
            data["payload"],
            data["event_id"],
            datetime.fromisoformat(data["accepted_at"]),
        )

    def to_line(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":")).encode() + b"\n"


class WriterListener(Protocol):
    """What a writer reports as it goes."""

    def written(self, count: int) -> None:
        """`count` accepted requests are now in the table (or were an event's retry)."""

    def given_up(self, request: Accepted) -> None:
        """The database stayed away too long: this request will not be written."""

    def failing(self, now_failing: bool) -> None:
        """Writes started failing (True) or work again (False)."""


class Writer(Protocol):
    """Gets accepted requests into the work_queue table."""

    @property
    def is_failing(self) -> bool: ...

    def put(self, request: Accepted) -> None:
        """Take a request, or raise NotAccepted saying why not."""

    def unwritten(self) -> int:
        """Requests taken and not yet written (nor given up)."""

    def flush(self, timeout: float) -> bool:
        """Wait until everything taken so far is written or given up; False on timeout."""

    def close(self, timeout: float) -> None:
        """Write what was taken, then stop."""


def refusal(failing: bool, unwritten: int) -> str | None:
    """Why a writer in this state takes no more requests, or None if it takes them."""
    if failing:
        return "its database is unreachable"
    if unwritten >= MAX_UNWRITTEN:
        return "it has too many requests waiting"
    return None


class ThreadWriter:
    """Keeps accepted requests in memory; a thread of this process writes them."""

    def __init__(self, db: Database, clock: Clock, listener: WriterListener):
        self.db, self.clock, self._listener = db, clock, listener
        self._unwritten: deque[Accepted] = deque()
        self._lock = threading.Lock()
        self._to_write = threading.Event()
        self._failing = False  # the last write failed; new requests are refused meanwhile
        self._stopping = False
        self._thread: threading.Thread | None = None

    @property
    def is_failing(self) -> bool:
        return self._failing

    def put(self, request: Accepted) -> None:
        with self._lock:
            reason = refusal(self._failing, len(self._unwritten))
            if reason:
                raise NotAccepted(reason)
            self._keep_locked(request)
        self._to_write.set()

    def keep(self, request: Accepted) -> None:
        """Take a request whoever accepted it already decided to take (a parent process)."""
        with self._lock:
            self._keep_locked(request)
        self._to_write.set()

    def _keep_locked(self, request: Accepted) -> None:
        self._unwritten.append(request)
        if self._thread is None:
            self._thread = threading.Thread(target=self._write, name="work-writer", daemon=True)
            self._thread.start()

    def unwritten(self) -> int:
        return len(self._unwritten)

    def flush(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while self._unwritten:
            if time.monotonic() > deadline:
                return False
            self._to_write.set()
            time.sleep(0.005)
        return True

    def close(self, timeout: float = 10.0) -> None:
        if not self.flush(timeout):
            log.error("stopping with %d acknowledged requests never written", len(self._unwritten))
        self._stopping = True
        self._to_write.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _write(self) -> None:
        failures = 0
        while not self._stopping:
            if self._to_write.wait(timeout=1.0) and not self._stopping:
                time.sleep(WRITE_COALESCE_SECONDS)  # let a burst gather into one write
            self._to_write.clear()
            if self._failing and not self._unwritten and self.db.ping():
                self._set_failing(False)  # everything kept was given up on; take new requests
                failures = 0
                log.info("work queue: the database answers again")
            while self._unwritten and not self._stopping:
                with self._lock:
                    batch = list(self._unwritten)[:WRITE_BATCH]
                try:
                    self._write_batch(batch)
                except Exception as error:
                    failures += 1
                    self._write_failed(error)
                    time.sleep(min(0.1 * 2**failures, 5.0))
                    continue
                with self._lock:
                    for _ in batch:
                        self._unwritten.popleft()
                if self._failing:
                    log.info("work queue: the database takes writes again")
                    self._set_failing(False)
                failures = 0
                self._listener.written(len(batch))

    def _set_failing(self, failing: bool) -> None:
        with self._lock:
            self._failing = failing
        self._listener.failing(failing)

    def _write_batch(self, batch: list[Accepted]) -> None:
        with self.db.transaction() as tx:
            rows = []
            for request in batch:
                if request.event_id and not tx.events.first_time(
                    request.event_id, HANDLED_EVENT_TTL_SECONDS
                ):
                    log.info(
                        "event %s was already queued; ignoring Slack's retry", request.event_id
                    )
                    continue
                rows.append((request.kind, request.payload))
            tx.work.add_many(rows)

    def _write_failed(self, error: Exception) -> None:
        if not self._failing:
            log.error(
                "cannot write acknowledged requests (%s); keeping %d in memory and retrying",
                type(error).__name__,
                len(self._unwritten),
            )
            self._set_failing(True)
        cutoff = self.clock.now() - KEEP_UNWRITTEN
        expired = []
        with self._lock:
            while self._unwritten and self._unwritten[0].accepted_at < cutoff:
                expired.append(self._unwritten.popleft())
        for request in expired:
            self._listener.given_up(request)
