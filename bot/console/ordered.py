"""One person's commands, carried out one after another in the order they were typed.

Typed or pasted together, `/phone 07700 900001` and then `/call +447700900006` must run in
that order: the call rings the number the first command registered. A pool would run them
at once (and the second often first). The console has one person, so one queue, on one thread,
off the terminal's thread so that typing never waits for Web21C.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)


class InOrder:
    def __init__(self, name: str = "console-work"):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def submit(self, work: Callable[[], object]) -> Future:
        future = self._pool.submit(work)
        future.add_done_callback(_log_failure)
        return future

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


def _log_failure(future: Future) -> None:
    error = future.exception()
    if error is not None:
        log.error("console command failed", exc_info=error)
