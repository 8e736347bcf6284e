"""The hand-off between a front end that has acknowledged a request and the worker that
carries it out.

A Slack listener must answer within 3 seconds and, for the bridge's own goal, within a couple
of milliseconds; texting, calling and posting take far longer, and so, on a busy machine,
does a database commit. So the listener only parses, hands the request to `WorkQueue.put`
and acks. `put` gives the request to a writer (bot.queue.writer), which writes it to
the work_queue table a moment later, many at once when they come fast; in `web` that writer
is a child process (bot.queue.writer_process). A `WorkRunner` in a worker process (or in
`run`'s single process) takes it from there and carries it out. Because the queue is a table:

- the work behind an ack never competes with the next ack for a CPU or the GIL when `web`
  and `worker` run as separate processes (the Procfile's layout);
- an acknowledged request outlives the process that acknowledged it: work not yet started is
  started by the next worker; work a worker was in the middle of is never run twice (a text
  sent twice is worse than one not sent) but its requester is told it may not have finished.

What is not covered: a request accepted in the moment before its writer dies (with `web`'s
child writer, the web process dying loses nothing the child has been sent). While the
database refuses writes, `put` refuses new requests (the front end says so at once) and the
ones already acknowledged are kept in memory and retried; if the database stays away for
KEEP_UNWRITTEN, their requesters are told they were not done.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.core.ports import Clock
from bot.observability.metrics import Metrics
from bot.queue.tasks import Tasks
from bot.queue.writer import Accepted, NotAccepted, ThreadWriter, Writer
from storage import Database
from storage.records import WorkItem

log = logging.getLogger(__name__)

__all__ = ["NotAccepted", "WorkKind", "WorkQueue", "WorkRunner"]

POLL_SECONDS = 0.25  # how soon a worker in another process sees new work
INTERRUPTED_AFTER = timedelta(minutes=5)  # far longer than any request takes (SOAP times out)
INTERRUPTED_CHECK_SECONDS = 60.0
WAITING_TOO_LONG = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True)
class WorkKind:
    """One kind of work: how to carry it out, how to name it to its requester, and how to
    tell its requester something (when it could not be done, or may not have finished)."""

    carry_out: Callable[[dict], None]
    describe: Callable[[dict], str]
    tell: Callable[[dict, str], None]


class WorkQueue:
    """Requests acknowledged and not yet finished: with a writer for a moment (in memory, in
    this process or a child; bot.queue.writer), then in the database until a runner
    has carried them out."""

    def __init__(self, db: Database, clock: Clock, metrics: Metrics | None = None):
        self.db, self.clock = db, clock
        self.kinds: dict[str, WorkKind] = {}  # the front end registers what it queues
        self._metrics = metrics or Metrics()
        self._new_work = threading.Event()
        self._writer: Writer = ThreadWriter(db, clock, self)

    def write_with(self, writer: Writer) -> None:
        """Hand accepted requests to this writer from now on (before any is accepted)."""
        self._writer = writer

    # --- the front end's side ------------------------------------------------------------

    def put(self, kind: str, payload: dict, event_id: str | None = None) -> None:
        """Accept a request (it is written to the database a moment later). With an
        `event_id` (Slack's, for an event it may deliver again) it is written only the first
        time that id is seen, so a retry is neither lost nor done twice. Raises NotAccepted
        while the database refuses writes, or when too much is waiting to be written."""
        self._writer.put(Accepted(kind, payload, event_id, self.clock.now()))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything accepted so far is written (or given up); False on timeout."""
        return self._writer.flush(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Write what was accepted, then stop the writer."""
        self._writer.close(timeout)

    # --- what the writer reports ---------------------------------------------------------

    def written(self, count: int) -> None:
        self.wake()  # a runner in this process starts at once

    def given_up(self, request: Accepted) -> None:
        self._metrics.inc("bridge_work_not_kept_total", kind=request.kind)
        self.tell(
            request.kind,
            request.payload,
            "The bridge could not keep {what} (its database was unreachable), so it was "
            "not done. Try again when the bridge is back.",
        )

    def failing(self, now_failing: bool) -> None:
        """The writer keeps the state; /healthz reads it from there (see problem())."""

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
            return tx.work.outstanding() + self._writer.unwritten()

    def problem(self) -> str | None:
        """For /healthz: requests that cannot be written, or wait too long for a worker."""
        if self._writer.is_failing:
            return f"cannot write acknowledged requests; {self._writer.unwritten()} kept in memory"
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
