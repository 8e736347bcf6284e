"""Background work handed off by front ends after they have acknowledged the user.

A small thread pool: Slack must hear back within 3 seconds, SOAP calls may take longer. A
failure is logged; the callback, when given, gets the answer for the user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)


class Tasks:
    """With one worker, work runs one piece after another in the order submitted (the
    console's commands: a pasted `/phone` then `/call` must run in that order)."""

    def __init__(self, workers: int = 8, name: str = "task"):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

    def submit(self, work: Callable[[], object]) -> Future:
        future = self._pool.submit(work)
        future.add_done_callback(_log_failure)
        return future

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


def _log_failure(future: Future) -> None:
    error = future.exception()
    if error is not None:
        log.error("background task failed", exc_info=error)
