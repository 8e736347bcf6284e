"""The hand-off between a front end that acknowledges a request and the worker that carries
it out.

An ack is a promise, so a Slack listener commits the request (`WorkQueue.put`, one short
transaction) before it acks; if that write fails the ack says so and nothing was promised.
On PostgreSQL the request goes straight into the work_queue table; on a SQLite file it goes
into the intake beside it (storage.intake), so that the ack never waits for SQLite's one
write lock while a worker holds it, and a worker moves it into the work_queue table. A
`WorkRunner` in a worker process (or in `run`'s single process) claims items and carries
them out. Because the queue is a table:

- an acknowledged request outlives every process: work not yet started is started by the
  next worker;
- a claim expires (CLAIM_SECONDS, renewed while the worker works), so work a dead worker
  held is taken by another one within seconds. If the dead worker had not yet begun the
  item's side effect (bot.queue.side_effects marks it, in its own commit, right before
  the first write to Web21C) the item is simply run again; if it had, it is never run
  again (a text sent twice is worse than one not sent) and its requester is told at once
  that it may or may not have happened, and how to check;
- the items of one user (or one thread) are carried out one at a time, in the order they
  were made; other users' items run beside them.
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.core.ports import Clock
from bot.observability.metrics import Metrics
from bot.queue.side_effects import SideEffectWithheld, carrying_out
from bot.queue.tasks import Tasks
from storage import Database
from storage.intake import Intake
from storage.records import WorkItem

log = logging.getLogger(__name__)

__all__ = ["NotAccepted", "WorkKind", "WorkQueue", "WorkRunner"]

POLL_SECONDS = 0.25  # how soon a worker in another process sees new work
CLAIM_SECONDS = 30.0  # a claim's life; renewed every third of it while the item runs
WAITING_TOO_LONG = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 30.0
HANDLED_EVENT_TTL_SECONDS = 24 * 3600  # Slack stops retrying an event long before this
# How long the work queue remembers a request it moved in from the intake: far longer than
# a move and the delete after it can be apart (a crash between them is made good by the
# next move, within a poll of any worker starting).
MOVED_TTL_SECONDS = 24 * 3600
DEFAULT_CHECK = (
    "Look in the channel (the text's thread and its delivery mark, the call's or the "
    "conference's card) before you try again."
)
MAY_HAVE_HAPPENED = (
    "The bridge stopped while it was carrying out {what}, after it had asked Web21C to do "
    "it, so it may or may not have happened. {check}"
)


class NotAccepted(Exception):
    """The queue cannot take a request now; the message says why, for the requester."""


@dataclass(frozen=True)
class WorkKind:
    """One kind of work: how to carry it out, how to name it to its requester, how to tell
    its requester something, and where they can see whether it happened."""

    carry_out: Callable[[dict], None]
    describe: Callable[[dict], str]
    tell: Callable[[dict, str], None]
    check: Callable[[dict], str] = field(default=lambda payload: DEFAULT_CHECK)


class WorkQueue:
    """Requests acknowledged and not yet finished, in the database."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        metrics: Metrics | None = None,
        intake: Intake | None = None,
    ):
        self.db, self.clock, self.intake = db, clock, intake
        self.kinds: dict[str, WorkKind] = {}  # the front end registers what it queues
        self._metrics = metrics or Metrics()
        self._new_work = threading.Event()

    # --- the front end's side ------------------------------------------------------------

    def put(
        self,
        kind: str,
        payload: dict,
        event_id: str | None = None,
        ordering_key: str | None = None,
    ) -> None:
        """Commit a request to the queue; when this returns, it is kept. With an `event_id`
        (Slack's, for an event it may deliver again) it is queued only the first time that
        id is seen, in the same transaction, so a retry is neither lost nor done twice.
        Items with one `ordering_key` are carried out one at a time, in order. Raises
        NotAccepted, saying why, when the database does not take it."""
        try:
            if not self._commit(kind, payload, event_id, ordering_key):
                log.info("event %s was already queued; ignoring Slack's retry", event_id)
                return
        except Exception as error:
            log.error("could not queue %s work (%s)", kind, type(error).__name__)
            self._metrics.inc("bridge_work_not_kept_total", kind=kind)
            raise NotAccepted("its database is unreachable") from None
        self.wake()  # a runner in this process starts at once

    def _commit(self, kind, payload, event_id, ordering_key) -> bool:
        """One transaction: the event id (if any) and the item; False for a retried event."""
        if self.intake is not None:
            return self.intake.put(
                kind,
                payload,
                event_id,
                ordering_key,
                self.clock.now(),
                HANDLED_EVENT_TTL_SECONDS,
            )
        with self.db.transaction() as tx:
            if event_id and not tx.events.first_time(event_id, HANDLED_EVENT_TTL_SECONDS):
                return False
            tx.work.add(kind, payload, ordering_key)
        return True

    def take_in(self) -> int:
        """Move what front ends committed to the intake into the work queue, in the order
        they acknowledged it; how many requests were moved (see storage.intake)."""
        if self.intake is None:
            return 0
        moved = 0
        while requests := self.intake.pending():
            with self.db.transaction() as tx:
                for request in requests:
                    if tx.events.first_time(f"intake:{request.key}", MOVED_TTL_SECONDS):
                        tx.work.add(
                            request.kind,
                            request.payload,
                            request.ordering_key,
                            created_at=request.created_at,
                        )
            self.intake.forget(requests[-1].id)
            moved += len(requests)
        return moved

    def forget_expired_events(self) -> None:
        """Housekeeping: the Slack event ids (and moved requests) whose time is up."""
        now = self.clock.now()
        with self.db.transaction() as tx:
            tx.events.purge_expired(now)
        if self.intake is not None:
            self.intake.purge_events(now)

    def close(self) -> None:
        if self.intake is not None:
            self.intake.close()

    # --- the runner's side ---------------------------------------------------------------

    def tell(self, kind: str, payload: dict, template: str) -> None:
        """Say something to a request's requester; `template` names it as {what} and may
        say how to check as {check}."""
        work_kind = self.kinds.get(kind)
        if work_kind is None:
            log.error("no way to reach the requester of %s work: %s", kind, template)
            return
        try:
            text = template.format(what=work_kind.describe(payload), check=work_kind.check(payload))
            work_kind.tell(payload, text)
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
            in_queue = tx.work.outstanding()
        return in_queue + (self.intake.waiting()[0] if self.intake is not None else 0)

    def problem(self) -> str | None:
        """For /healthz: requests that wait too long for a worker."""
        try:
            with self.db.transaction() as tx:
                count, oldest = tx.work.waiting()
            if self.intake is not None:
                taken_in, oldest_in = self.intake.waiting()
                count += taken_in
                oldest = min(filter(None, (oldest, oldest_in)), default=None)
        except Exception as error:
            return f"cannot read the work queue ({type(error).__name__})"
        if oldest is None or self.clock.now() - oldest < WAITING_TOO_LONG:
            return None
        return (
            f"{count} acknowledged requests waiting since {oldest:%H:%M:%S} UTC; "
            "is a worker (`web21c-bridge worker` or `run`) running against this database?"
        )


class _Attempt:
    """One claimed item in the hands of this worker: its side-effect hook."""

    def __init__(self, item: WorkItem, db: Database):
        self.item, self._db = item, db
        # The same for every attempt at this item, and never another item's: SQLite may give
        # a finished item's id to the next one, so the time it was queued is part of it.
        self.key = f"work:{item.id}:{item.created_at.isoformat()}"
        self.marked = False
        self.withheld = False

    def begun(self) -> None:
        """Commit the side-effect mark before the first write; refuse the write when the
        mark cannot be committed (the claim was lost, or the database is away)."""
        if self.marked:
            return
        if not self.withheld:
            try:
                with self._db.transaction() as tx:
                    self.marked = tx.work.mark_side_effect(self.item.id, self.item.claim)
            except Exception as error:
                log.warning(
                    "could not mark work item %d's side effect (%s)",
                    self.item.id,
                    type(error).__name__,
                )
            self.withheld = not self.marked
        if self.withheld:
            log.warning(
                "work item %d: claim lost before its side effect; left for another attempt",
                self.item.id,
            )
            raise SideEffectWithheld()


class WorkRunner:
    """Takes work from the queue and carries it out on a small pool of threads, renewing
    its claims while it does."""

    def __init__(
        self,
        queue: WorkQueue,
        holder: str,
        metrics: Metrics,
        workers: int = 8,
        claim_seconds: float = CLAIM_SECONDS,
    ):
        self._queue, self._holder, self._metrics = queue, holder, metrics
        self._claim_seconds = claim_seconds
        self._tasks = Tasks(workers)
        self._workers = workers
        self._in_flight: dict[int, _Attempt] = {}
        self._finished = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="work-runner", daemon=True)
        self._renewer = threading.Thread(target=self._renew, name="work-claims", daemon=True)
        self._claims = itertools.count(1)
        self._nonce = f"{os.getpid()}.{secrets.token_hex(3)}"
        self._failures = 0

    @property
    def attempts(self) -> dict[int, _Attempt]:
        """What this runner is carrying out now, by item id (for tests and health)."""
        with self._finished:
            return dict(self._in_flight)

    def start(self) -> None:
        self._thread.start()
        self._renewer.start()

    def stop(self) -> None:
        """Stop taking work; what has started is finished first."""
        self._stop.set()
        self._queue.wake()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._tasks.shutdown()
        if self._renewer.is_alive():
            self._renewer.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
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
        """Start claimable work, as much at a time as there are free threads, until none
        is left; how many items were started."""
        started = 0
        self._queue.take_in()
        while not self._stop.is_set():
            free = self._free_threads()
            if not free:
                continue
            claim = f"{self._holder}#{self._nonce}.{next(self._claims)}"
            with self._queue.db.transaction() as tx:
                items = tx.work.claim(claim, free, self._claim_seconds)
            for item in items:
                attempt = _Attempt(item, self._queue.db)
                with self._finished:
                    self._in_flight[item.id] = attempt
                self._tasks.submit(lambda attempt=attempt: self._carry_out(attempt))
            started += len(items)
            if len(items) < free:
                break
        return started

    def _free_threads(self) -> int:
        with self._finished:
            if len(self._in_flight) >= self._workers:
                self._finished.wait(timeout=POLL_SECONDS)
            return self._workers - len(self._in_flight)

    def _renew(self) -> None:
        """Keep this runner's claims alive while their items run."""
        while not self._stop.wait(self._claim_seconds / 3):
            self.renew_claims()
        self.renew_claims()  # stop() waits for what runs: keep it ours meanwhile

    def renew_claims(self) -> None:
        claims = sorted({a.item.claim for a in self.attempts.values() if a.item.claim})
        if not claims:
            return
        try:
            with self._queue.db.transaction() as tx:
                tx.work.renew(claims, self._claim_seconds)
        except Exception as error:  # the mark re-checks the claim: nothing runs on a lost one
            log.warning("could not renew work claims (%s)", type(error).__name__)

    def _carry_out(self, attempt: _Attempt) -> None:
        item = attempt.item
        try:
            if item.side_effect_at is not None:
                self._report_interrupted(item)
            else:
                if item.attempts > 1:
                    log.info(
                        "work item %d (%s): its worker stopped before asking Web21C anything; "
                        "running it again",
                        item.id,
                        item.kind,
                    )
                    self._metrics.inc("bridge_work_redone_total", kind=item.kind)
                self._run(attempt)
        finally:
            if not attempt.withheld:
                self._finish(item)
            with self._finished:
                self._in_flight.pop(item.id, None)
                self._finished.notify()

    def _run(self, attempt: _Attempt) -> None:
        item = attempt.item
        kind = self._queue.kinds.get(item.kind)
        if kind is None:
            log.error("work item %d of unknown kind %r: dropped", item.id, item.kind)
            return
        try:
            with carrying_out(attempt):
                kind.carry_out(item.payload)
        except Exception:
            if attempt.withheld:
                return
            log.exception("work item %d (%s) failed", item.id, item.kind)
            self._metrics.inc("bridge_work_failed_total", kind=item.kind)
            return
        if not attempt.withheld:
            self._metrics.inc("bridge_work_done_total", kind=item.kind)

    def _report_interrupted(self, item: WorkItem) -> None:
        log.warning(
            "work item %d (%s): its worker stopped after asking Web21C; not repeated, "
            "its requester is told",
            item.id,
            item.kind,
        )
        self._queue.tell(item.kind, item.payload, MAY_HAVE_HAPPENED)
        self._metrics.inc("bridge_work_interrupted_total", kind=item.kind)

    def _finish(self, item: WorkItem) -> None:
        try:
            with self._queue.db.transaction() as tx:
                if not tx.work.finish(item.id, item.claim):
                    log.warning("work item %d was taken over before it was finished", item.id)
        except Exception as error:  # left claimed: once the claim expires it is reported
            log.warning("could not mark work item %d finished (%s)", item.id, type(error).__name__)
