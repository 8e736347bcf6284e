"""The mark that makes a work item's side effect happen at most once.

Right before the first write to Web21C (a text, a call, a conference, a hang-up), the work
item being carried out is marked "side effect begun" in a commit of its own. If its worker
then dies, the item is never run again (its requester is told it may or may not have
happened); if the worker died before the mark, nothing was asked of Web21C and another
worker may safely run it again.

The services know nothing of this: bootstrap wraps the Telephony adapter in
`MarkingTelephony`, whose write methods call the hook of the work item the current thread
is carrying out (`carrying_out`, set by bot.queue.work_queue.WorkRunner). Outside a work
item (scheduled jobs, the console) there is no hook and the wrapper only passes calls on.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from bot.core.domain import ServiceFailure

# Telephony methods that only read. Every other method counts as a write and is marked,
# so a write operation added to the port later is covered without a change here.
READS = frozenset({"close"})
READ_PREFIX = "get_"


class Attempt(Protocol):
    """The work item a thread is carrying out, as the wrapper sees it."""

    withheld: bool  # a write was refused: the item is left for another attempt
    key: str  # names the work item, the same in every attempt at it

    def begun(self) -> None:
        """Commit the side-effect mark (once), or raise SideEffectWithheld."""


_current: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar(
    "work_item_attempt", default=None
)


class SideEffectWithheld(ServiceFailure):
    """The mark could not be committed (the claim on the item was lost, or the database
    is away), so the write was not sent. The item stays queued for a worker that holds it;
    nobody is told anything yet. A TelephonyError, so services stop the way they stop for a
    write Web21C refused, without sending anything."""

    def __init__(self) -> None:
        super().__init__("the bridge could not record that it was starting, so it did not")


@contextmanager
def carrying_out(attempt: Attempt) -> Iterator[None]:
    """Within the block, Telephony writes on this thread first call `attempt.begun()`
    (which raises SideEffectWithheld when the write must not go)."""
    token = _current.set(attempt)
    try:
        yield
    finally:
        _current.reset(token)


def side_effect_begins() -> None:
    """Called right before a write to Web21C; marks the current work item, if any."""
    attempt = _current.get()
    if attempt is not None:
        attempt.begun()


def current_request() -> str | None:
    """The key of the work item this thread carries out (None outside one): a service that
    writes something of its own (a scheduled text) stores it under this key, so an attempt
    run again after its worker died finds what the first one wrote instead of writing it
    twice."""
    attempt = _current.get()
    return attempt.key if attempt is not None else None


def write_withheld() -> bool:
    """True when the work item this thread carries out had a write refused: its requester
    must hear nothing from this attempt (another one will carry it out)."""
    attempt = _current.get()
    return attempt is not None and attempt.withheld


def is_write(name: str) -> bool:
    return name not in READS and not name.startswith(READ_PREFIX)


class MarkingTelephony:
    """A Telephony that marks the current work item before each write it passes on."""

    def __init__(self, inner: Any):
        self._inner = inner

    @property
    def inner(self) -> Any:
        return self._inner

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute) or name.startswith("_") or not is_write(name):
            return attribute

        def marked(*args: Any, **kwargs: Any) -> Any:
            side_effect_begins()
            return attribute(*args, **kwargs)

        marked.__name__ = name
        return marked
