"""Old rows for retention tests, written through the repositories with the clock set back, so
they look exactly as the bridge would have left them that long ago."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from bot.core.domain import CallStatus, ConferenceStatus, MessageStatus
from storage import Database


@contextmanager
def at(url: str, when: datetime) -> Iterator[Database]:
    """A second handle on the database at `url` whose clock stands still at `when`."""
    db = Database(url, clock=lambda: when)
    try:
        yield db
    finally:
        db.close()


@dataclass(frozen=True)
class Written:
    """Ids of what one call of a helper below wrote."""

    message_ids: tuple[int, ...] = ()
    conversation_id: int | None = None


def finished_inbound(db: Database, number: str, channel: str, count: int, tag: str) -> Written:
    """`count` texts from `number`, posted into its conversation and cleared at Web21C."""
    ids = []
    with db.transaction() as tx:
        conversation, _ = tx.conversations.get_or_create(number, channel)
        tx.conversations.set_thread(conversation.id, f"{tag}.thread")
        for n in range(count):
            text, _ = tx.messages.record_inbound(
                f"{tag}-{n}", "pizza", f"tel:{number}", f"{tag} old text {n}", db.clock()
            )
            tx.messages.mark_posted(text.id, conversation.id, channel, f"{tag}.{n}")
            tx.messages.mark_cleared([text.id])
            ids.append(text.id)
    return Written(tuple(ids), conversation.id)


def unfinished_inbound(db: Database, number: str, tag: str) -> Written:
    """A text from `number` recorded but never posted (say, its route went away)."""
    with db.transaction() as tx:
        text, _ = tx.messages.record_inbound(
            f"{tag}-0", "nowhere", f"tel:{number}", f"{tag} never posted", db.clock()
        )
    return Written((text.id,))


def outbound(
    db: Database,
    number: str,
    channel: str,
    tag: str,
    status: MessageStatus = MessageStatus.DELIVERED,
    *,
    unknown: bool = False,
) -> Written:
    """A text to `number` in its conversation, its one recipient left at `status`."""
    uri = f"tel:{number}"
    with db.transaction() as tx:
        conversation, _ = tx.conversations.get_or_create(number, channel)
        web21c_id = None if unknown else f"{tag}-id"  # unknown: Web21C never answered
        text = tx.messages.record_outbound(
            web21c_id, conversation.id, channel, f"{tag}.out", f"{tag} reply", "UALICE",
            [uri], f"{tag}-token", bridge_post=True,
        )  # fmt: skip
        if unknown:
            assert tx.messages.mark_outcome_unknown(text.id)
        elif status is not MessageStatus.INITIAL:
            tx.messages.set_recipient_status(text.id, uri, status)
    return Written((text.id,), conversation.id)


def call(db: Database, calling: str, called: str, call_id: str, *, ended: bool = True) -> None:
    with db.transaction() as tx:
        tx.calls.add(call_id, f"tel:{calling}", f"tel:{called}", "UALICE", "C1")
        if ended:
            tx.calls.update_state(call_id, CallStatus.TERMINATED, None, None, 30)


def conference(db: Database, conference_id: str, numbers: list[str], *, ended=True) -> None:
    with db.transaction() as tx:
        tx.conferences.add(conference_id, "UALICE", "C1")
        for n, number in enumerate(numbers):
            tx.conferences.add_participant(
                conference_id, f"{conference_id}-p{n}", f"tel:{number}", None
            )
        if ended:
            tx.conferences.update_state(conference_id, ConferenceStatus.TERMINATED, None, 60, 0)
