"""The hand-off between a front end that has acknowledged a request and the worker that
carries it out.

A Slack listener must answer within 3 seconds and, for the bridge's own goal, within a couple
of milliseconds; texting, calling and posting take far longer. So the listener only parses
and queues (`put`: one INSERT), and a `WorkRunner` in a worker process (or in `run`'s single
process) takes the work from the database and carries it out. Because the queue is a table:

- the work done behind an ack never competes with the next ack for a CPU or the GIL when
  `web` and `worker` run as separate processes (the Procfile's layout);
- nothing acknowledged is lost when a process dies: work not yet started is started by the
  next worker; work a worker was in the middle of is never run twice (a text sent twice is
  worse than one not sent) but its requester is told it may not have finished.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.metrics import Metrics
from bot.ports import Clock
from bot.tasks import Tasks
from storage import Database
from storage.records import WorkItem

log = logging.getLogger(__name__)

HANDLED_EVENT_TTL_SECONDS = 24 * 3600  # Slack stops retrying an event long before this
POLL_SECONDS = 0.25  # how soon a worker in another process sees new work
INTERRUPTED_AFTER = timedelta(minutes=5)  # far longer than any request takes (SOAP times out)
INTERRUPTED_CHECK_SECONDS = 60.0
WAITING_TOO_LONG = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True)
class WorkKind:
    """How to carry out one kind of work, and what to tell its requester if a worker stopped
    in the middle of it."""

    carry_out: Callable[[dict], None]
    interrupted: Callable[[dict], None]


@dataclass
class WorkQueue:
    db: Database
    clock: Clock
    _new_work: threading.Event = field(default_factory=threading.Event)

    def put(self, kind: str, payload: dict, event_id: str | None = None) -> bool:
        """Queue a request; raises if the database cannot take it (the caller says so).

        With an `event_id` (Slack's, for an event it may deliver again), the request is
        queued only the first time that id is seen, in the same transaction, so a retry is
        neither lost nor done twice; False for such a retry."""
        with self.db.transaction() as tx:
            if event_id and not tx.events.first_time(event_id, HANDLED_EVENT_TTL_SECONDS):
                return False
            tx.work.add(kind, payload)
        self.wake()  # a runner in this process starts it at once
        return True

    def wait_for_work(self, timeout: float) -> None:
        self._new_work.wait(timeout)
        self._new_work.clear()

    def wake(self) -> None:
        self._new_work.set()

    def outstanding(self) -> int:
        """Requests queued and not yet finished."""
        with self.db.transaction() as tx:
            return tx.work.outstanding()

    def problem(self) -> str | None:
        """For /healthz: work that waits too long means no worker is taking it."""
        with self.db.transaction() as tx:
            count, oldest = tx.work.waiting()
        if oldest is None or self.clock.now() - oldest < WAITING_TOO_LONG:
            return None
        return (
            f"{count} acknowledged requests waiting since {oldest:%H:%M:%S} UTC; "
            "is a worker (`web21c-bridge worker` or `run`) running against this database?"
        )


class WorkRunner:
    """Takes work from the queue and carries it out on a small pool of threads."""

    def __init__(
        self,
        queue: WorkQueue,
        kinds: dict[str, WorkKind],
        holder: str,
        metrics: Metrics,
        workers: int = 8,
    ):
        self._queue, self._kinds, self._holder, self._metrics = queue, kinds, holder, metrics
        self._tasks = Tasks(workers)
        self._workers = workers
        self._in_flight = 0
        self._finished = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="work-runner", daemon=True)
        self._failures = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop taking work; what has started is finished first."""
        self._stop.set()
        self._queue.wake()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._tasks.shutdown()

    def _loop(self) -> None:
        next_check = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_check:
                    self.report_interrupted()
                    next_check = time.monotonic() + INTERRUPTED_CHECK_SECONDS
                self.run_waiting()
                if self._failures:
                    log.info("work queue: the database answers again")
                self._failures = 0
            except Exception as error:  # the database is down or restarting: wait, then retry
                self._failures += 1
                if self._failures == 1:
                    log.warning("work queue unreachable (%s); retrying", type(error).__name__)
                self._stop.wait(min(POLL_SECONDS * 2**self._failures, MAX_BACKOFF_SECONDS))
                continue
            self._queue.wait_for_work(POLL_SECONDS)

    def run_waiting(self) -> int:
        """Start waiting work, as much at a time as there are free threads, until none is
        left; how many items were started."""
        started = 0
        while not self._stop.is_set():
            free = self._free_threads()
            if not free:
                continue
            with self._queue.db.transaction() as tx:
                items = tx.work.claim(self._holder, free)
            for item in items:
                with self._finished:
                    self._in_flight += 1
                self._tasks.submit(lambda item=item: self._carry_out(item))
            started += len(items)
            if len(items) < free:
                break
        return started

    def _free_threads(self) -> int:
        with self._finished:
            if self._in_flight >= self._workers:
                self._finished.wait(timeout=POLL_SECONDS)
            return self._workers - self._in_flight

    def _carry_out(self, item: WorkItem) -> None:
        try:
            kind = self._kinds.get(item.kind)
            if kind is None:
                log.error("work item %d of unknown kind %r: dropped", item.id, item.kind)
            else:
                kind.carry_out(item.payload)
                self._metrics.inc("bridge_work_done_total", kind=item.kind)
        except Exception:
            log.exception("work item %d (%s) failed", item.id, item.kind)
            self._metrics.inc("bridge_work_failed_total", kind=item.kind)
        finally:
            try:
                with self._queue.db.transaction() as tx:
                    tx.work.finish(item.id)
            except Exception:  # left as started: reported as interrupted later, never rerun
                log.warning("could not mark work item %d finished", item.id, exc_info=True)
            with self._finished:
                self._in_flight -= 1
                self._finished.notify()

    def report_interrupted(self) -> int:
        """Tell the requesters of work a stopped worker left half-done; how many."""
        cutoff = self._queue.clock.now() - INTERRUPTED_AFTER
        with self._queue.db.transaction() as tx:
            items = tx.work.started_before(cutoff)
        for item in items:
            log.warning("work item %d (%s) was interrupted by a stop", item.id, item.kind)
            kind = self._kinds.get(item.kind)
            try:
                if kind is not None:
                    kind.interrupted(item.payload)
            except Exception:
                log.warning("could not report interrupted work item %d", item.id, exc_info=True)
            self._metrics.inc("bridge_work_interrupted_total", kind=item.kind)
            with self._queue.db.transaction() as tx:
                tx.work.finish(item.id)
        return len(items)
