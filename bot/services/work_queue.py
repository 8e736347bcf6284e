"""The hand-off between a front end that has acknowledged a request and the worker that
carries it out.

A Slack listener must answer within 3 seconds and, for the bridge's own goal, within a couple
of milliseconds; texting, calling and posting take far longer, and so, on a busy machine,
does a database commit. So the listener only parses, hands the request to `WorkQueue.put`
and acks. `put` keeps the request in memory and a writer thread writes it to the work_queue
table a moment later (many at once when they come fast); a `WorkRunner` in a worker process
(or in `run`'s single process) takes it from there and carries it out. Because the queue is
a table:

- the work behind an ack never competes with the next ack for a CPU or the GIL when `web`
  and `worker` run as separate processes (the Procfile's layout);
- an acknowledged request outlives the process that acknowledged it: work not yet started is
  started by the next worker; work a worker was in the middle of is never run twice (a text
  sent twice is worse than one not sent) but its requester is told it may not have finished.

What is not covered: a process killed in the millisecond between an ack and the write. While
the database refuses writes, `put` refuses new requests (the front end says so at once) and
the ones already acknowledged are kept in memory and retried; if the database stays away for
KEEP_UNWRITTEN, their requesters are told they were not done.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

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
MAX_UNWRITTEN = 10_000  # acknowledged requests held in memory while the database is away
KEEP_UNWRITTEN = timedelta(minutes=2)  # then their requesters are told they were not done
WRITE_BATCH = 500
# Writing each request on its own costs the acknowledging process a transaction's worth of
# CPU per request, right when the next request arrives; gathered, it is one per burst.
WRITE_COALESCE_SECONDS = 0.02


class NotAccepted(Exception):
    """The queue cannot take a request now; the message says why, for the requester."""


@dataclass(frozen=True)
class WorkKind:
    """One kind of work: how to carry it out, how to name it to its requester, and how to
    tell its requester something (when it could not be done, or may not have finished)."""

    carry_out: Callable[[dict], None]
    describe: Callable[[dict], str]
    tell: Callable[[dict, str], None]


@dataclass(frozen=True)
class _Unwritten:
    kind: str
    payload: dict
    event_id: str | None
    accepted_at: datetime


class WorkQueue:
    """Requests acknowledged and not yet finished: in memory for a moment, then in the
    database until a runner has carried them out."""

    def __init__(self, db: Database, clock: Clock, metrics: Metrics | None = None):
        self.db, self.clock = db, clock
        self.kinds: dict[str, WorkKind] = {}  # the front end registers what it queues
        self._metrics = metrics or Metrics()
        self._unwritten: deque[_Unwritten] = deque()
        self._lock = threading.Lock()
        self._to_write = threading.Event()
        self._new_work = threading.Event()
        self._failing = False  # the last write failed; new requests are refused meanwhile
        self._stopping = False
        self._writer: threading.Thread | None = None

    # --- the front end's side ------------------------------------------------------------

    def put(self, kind: str, payload: dict, event_id: str | None = None) -> None:
        """Accept a request (it is written to the database a moment later). With an
        `event_id` (Slack's, for an event it may deliver again) it is written only the first
        time that id is seen, so a retry is neither lost nor done twice. Raises NotAccepted
        while the database refuses writes, or when too much is waiting to be written."""
        with self._lock:
            if self._failing:
                raise NotAccepted("its database is unreachable")
            if len(self._unwritten) >= MAX_UNWRITTEN:
                raise NotAccepted("it has too many requests waiting")
            self._unwritten.append(_Unwritten(kind, payload, event_id, self.clock.now()))
            if self._writer is None:
                self._writer = threading.Thread(target=self._write, name="work-writer")
                self._writer.daemon = True
                self._writer.start()
        self._to_write.set()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything accepted so far is written (or given up); False on timeout."""
        deadline = time.monotonic() + timeout
        while self._unwritten:
            if time.monotonic() > deadline:
                return False
            self._to_write.set()
            time.sleep(0.005)
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Write what was accepted, then stop the writer."""
        if not self.flush(timeout):
            log.error("stopping with %d acknowledged requests never written", len(self._unwritten))
        self._stopping = True
        self._to_write.set()
        if self._writer is not None:
            self._writer.join(timeout=5)

    def _write(self) -> None:
        failures = 0
        while not self._stopping:
            if self._to_write.wait(timeout=1.0) and not self._stopping:
                time.sleep(WRITE_COALESCE_SECONDS)  # let a burst gather into one write
            self._to_write.clear()
            if self._failing and not self._unwritten and self.db.ping():
                with self._lock:  # everything kept was given up on; new requests may come
                    self._failing, failures = False, 0
                log.info("work queue: the database answers again")
            while self._unwritten and not self._stopping:
                with self._lock:
                    batch = list(self._unwritten)[:WRITE_BATCH]
                try:
                    self._write_batch(batch)
                except Exception as error:
                    failures += 1
                    self._write_failed(error, failures)
                    time.sleep(min(0.1 * 2**failures, 5.0))
                    continue
                with self._lock:
                    for _ in batch:
                        self._unwritten.popleft()
                    if self._failing:
                        log.info("work queue: the database takes writes again")
                    self._failing, failures = False, 0
                self.wake()  # a runner in this process starts at once

    def _write_batch(self, batch: list[_Unwritten]) -> None:
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

    def _write_failed(self, error: Exception, failures: int) -> None:
        with self._lock:
            if not self._failing:
                self._failing = True
                log.error(
                    "cannot write acknowledged requests (%s); keeping %d in memory and retrying",
                    type(error).__name__,
                    len(self._unwritten),
                )
            cutoff = self.clock.now() - KEEP_UNWRITTEN
            expired = []
            while self._unwritten and self._unwritten[0].accepted_at < cutoff:
                expired.append(self._unwritten.popleft())
        for request in expired:
            self._metrics.inc("bridge_work_not_kept_total", kind=request.kind)
            self.tell(
                request.kind,
                request.payload,
                "The bridge could not keep {what} (its database was unreachable), so it was "
                "not done. Try again when the bridge is back.",
            )

    # --- the runner's side ---------------------------------------------------------------

    def tell(self, kind: str, payload: dict, template: str) -> None:
        """Say something to a request's requester; `template` names it as {what}."""
        work_kind = self.kinds.get(kind)
        if work_kind is None:
            log.error("no way to reach the requester of %s work: %s", kind, template)
            return
        try:
            work_kind.tell(payload, template.format(what=work_kind.describe(payload)))
        except Exception as error:
            log.warning("could not tell the requester of %s work: %s", kind, type(error).__name__)

    def wait_for_work(self, timeout: float) -> None:
        self._new_work.wait(timeout)
        self._new_work.clear()

    def wake(self) -> None:
        self._new_work.set()

    def outstanding(self) -> int:
        """Requests accepted and not yet finished."""
        with self.db.transaction() as tx:
            return tx.work.outstanding() + len(self._unwritten)

    def problem(self) -> str | None:
        """For /healthz: requests that cannot be written, or wait too long for a worker."""
        if self._failing:
            return f"cannot write acknowledged requests; {len(self._unwritten)} kept in memory"
        try:
            with self.db.transaction() as tx:
                count, oldest = tx.work.waiting()
        except Exception as error:
            return f"cannot read the work queue ({type(error).__name__})"
        if oldest is None or self.clock.now() - oldest < WAITING_TOO_LONG:
            return None
        return (
            f"{count} acknowledged requests waiting since {oldest:%H:%M:%S} UTC; "
            "is a worker (`web21c-bridge worker` or `run`) running against this database?"
        )


class WorkRunner:
    """Takes work from the queue and carries it out on a small pool of threads."""

    def __init__(self, queue: WorkQueue, holder: str, metrics: Metrics, workers: int = 8):
        self._queue, self._holder, self._metrics = queue, holder, metrics
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
            kind = self._queue.kinds.get(item.kind)
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
            self._queue.tell(
                item.kind,
                item.payload,
                "The bridge stopped while it was carrying out {what}, so it may not have "
                "finished. Check before you try again.",
            )
            self._metrics.inc("bridge_work_interrupted_total", kind=item.kind)
            with self._queue.db.transaction() as tx:
                tx.work.finish(item.id)
        return len(items)
