"""The scheduled side of the bridge: APScheduler 3 runs each job every poll interval, in one
process at a time (a storage lease decides which), backing off while Web21C is down.

Jobs call the same services the front ends use. A failing cycle never stops the scheduler:
Web21C outages back off and show on /healthz; everything else is logged and retried.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.core.domain import ChatError, ServiceUnavailable, TelephonyError
from bot.observability.metrics import Metrics
from storage import LeaseManager

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 60.0
MIN_LEASE_SECONDS = 10.0  # renewals stuck behind a busy database writer must still land in time


class _QuietOverlap(logging.Filter):
    """APScheduler warns each tick that falls inside a running cycle. A cycle longer than the
    interval is normal here (a backlog paced at a post a second per channel); the next cycle
    simply starts when it ends, so those warnings are noise, several a second."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_QuietOverlap())


def process_identity() -> str:
    """Who holds a lease: host, pid and a random part (pids are reused across restarts)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Job:
    name: str
    interval: float
    work: Callable[[], object]
    failures: int = 0
    skip_until: float = 0.0
    last_problem: str | None = None  # for the log: the error's own words
    outage: str | None = None  # for /healthz: what is down, in the bridge's words only


class Jobs:
    def __init__(
        self,
        leases: LeaseManager,
        metrics: Metrics,
        holder: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        min_lease_seconds: float = MIN_LEASE_SECONDS,
    ):
        self._leases = leases
        self._min_lease = min_lease_seconds
        self._metrics = metrics
        self.holder = holder or process_identity()
        self._monotonic = monotonic
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None

    def add(self, name: str, interval: float, work: Callable[[], object]) -> None:
        self._jobs[name] = Job(name, interval, work)

    @property
    def names(self) -> list[str]:
        return list(self._jobs)

    def run_once(self, name: str) -> bool:
        """One cycle of a job if this process holds its lease; True if it ran."""
        job = self._jobs[name]
        now = self._monotonic()
        if now < job.skip_until:
            return False
        lease = f"job:{name}"
        ttl = lease_seconds(job.interval, self._min_lease)
        try:
            held = self._leases.acquire(lease, self.holder, ttl)
        except Exception as error:  # the database is down or restarting: wait, don't crash
            self._backoff(job, f"database unreachable: {type(error).__name__}", kind="database")
            return False
        if not held:
            return False
        started = time.perf_counter()
        try:
            with _Heartbeat(self._leases, lease, self.holder, ttl):
                job.work()
        except ServiceUnavailable as error:
            self._backoff(job, f"Web21C unreachable: {error.fault_string}")
            return True
        except TelephonyError as error:
            self._metrics.inc("bridge_web21c_errors_total", job=name, kind=type(error).__name__)
            log.warning("job %s: Web21C answered with an error: %s", name, error.fault_string)
        except ChatError as error:
            log.warning(
                "job %s: the chat front end failed (%s); retrying next cycle", name, error.reason
            )
        except Exception:
            log.exception("job %s failed; retrying next cycle", name)
        finally:
            self._metrics.observe("bridge_poll_seconds", time.perf_counter() - started, job=name)
        if job.failures:
            log.info("job %s: %s is over", name, job.last_problem)
        job.failures, job.skip_until, job.last_problem, job.outage = 0, 0.0, None, None
        self._metrics.set("bridge_web21c_up", 0.0 if self.problem() else 1.0)
        return True

    def _backoff(self, job: Job, problem: str, kind: str = "web21c") -> None:
        job.failures += 1
        delay = min(job.interval * 2 ** (job.failures - 1), MAX_BACKOFF_SECONDS)
        job.skip_until = self._monotonic() + delay
        job.last_problem = problem
        job.outage = "Web21C unreachable" if kind == "web21c" else f"{kind} unreachable"
        if kind == "web21c":
            self._metrics.inc("bridge_web21c_errors_total", job=job.name, kind="ServiceUnavailable")
            self._metrics.set("bridge_web21c_up", 0.0)
        if job.failures == 1:
            log.warning("job %s: %s; backing off", job.name, problem)

    def problem(self) -> str | None:
        """A health-check reason while any job is backing off (Web21C or the database down).
        /healthz answers anyone, so it says what is down, never the error's words: those
        can name the endpoint (and its credentials) or carry a service's text; the log has
        them."""
        failing = [j for j in self._jobs.values() if j.failures]
        if not failing:
            return None
        worst = max(failing, key=lambda j: j.failures)
        cycles = "cycle" if worst.failures == 1 else "cycles"
        return f"{worst.outage} ({worst.failures} failed {cycles} of {worst.name}; see the log)"

    def start(self) -> None:
        scheduler = BackgroundScheduler(timezone="UTC")
        for job in self._jobs.values():
            scheduler.add_job(
                self.run_once,
                "interval",
                args=[job.name],
                seconds=job.interval,
                id=job.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(job.interval)),
                next_run_time=None,
            )
        scheduler.start()
        for job in self._jobs.values():  # a first cycle at once, not one interval later
            scheduler.modify_job(job.name, next_run_time=_now())
        self._scheduler = scheduler
        log.info("scheduler started as %s: %s", self.holder, ", ".join(self._jobs))

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        for name in self._jobs:
            self._leases.release(f"job:{name}", self.holder)


def lease_seconds(interval: float, minimum: float = MIN_LEASE_SECONDS) -> float:
    """A job's lease: three intervals, at least `minimum`. A cycle that runs longer keeps it
    by renewing (see _Heartbeat), so it can be short: it is how long another process waits to
    take over from one that died."""
    return max(3 * interval, minimum)


class _Heartbeat:
    """Renews a lease every quarter of its ttl while a cycle runs, so a long cycle (a backlog
    paced at a post a second) never loses it halfway and another process never starts the
    same work alongside it."""

    def __init__(self, leases: LeaseManager, name: str, holder: str, ttl: float):
        self._leases, self._name, self._holder, self._ttl = leases, name, holder, ttl
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{name}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self._ttl / 4):
            try:
                renewed = self._leases.renew(self._name, self._holder, self._ttl)
            except Exception:
                log.warning("could not renew lease %s; retrying", self._name, exc_info=True)
                continue
            if not renewed:
                log.error("lost lease %s mid-cycle; another process may take over", self._name)
                return


def _now() -> datetime:
    return datetime.now(UTC)
