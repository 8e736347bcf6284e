"""Conversations: one phone number in one channel, kept in one Slack thread."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, or_, select, update

from storage.models import ConversationRow
from storage.records import Conversation
from storage.repositories.base import Repository

_t = ConversationRow.__table__


class ConversationRepository(Repository):
    def get_or_create(self, phone_number: str, channel_id: str) -> tuple[Conversation, bool]:
        """The conversation for this number in this channel, and whether it was just made.
        Safe when two processes race: the unique key decides, the loser reads the winner's."""
        now = self._now()
        created = self._conn.execute(
            self._upsert(_t)
            .values(
                phone_number=phone_number,
                channel_id=channel_id,
                created_at=now,
                last_activity_at=now,
            )
            .on_conflict_do_nothing(index_elements=[_t.c.phone_number, _t.c.channel_id])
            .returning(*_t.c)
        ).first()
        if created:
            return _conversation(created), True
        row = self._conn.execute(
            select(_t).where(_t.c.phone_number == phone_number, _t.c.channel_id == channel_id)
        ).one()
        return _conversation(row), False

    def get(self, conversation_id: int) -> Conversation | None:
        row = self._conn.execute(select(_t).where(_t.c.id == conversation_id)).first()
        return _conversation(row) if row else None

    def by_thread(self, channel_id: str, thread_ts: str) -> Conversation | None:
        row = self._conn.execute(
            select(_t).where(_t.c.channel_id == channel_id, _t.c.thread_ts == thread_ts)
        ).first()
        return _conversation(row) if row else None

    def set_thread(self, conversation_id: int, thread_ts: str | None) -> None:
        """Attach the conversation to a Slack thread (None detaches it, e.g. once deleted)."""
        self._conn.execute(
            update(_t)
            .where(_t.c.id == conversation_id)
            .values(thread_ts=thread_ts, thread_opening_at=None)
        )

    def claim_thread_opening(self, conversation_id: int, stale_before: datetime) -> bool:
        """Whether this caller may post the conversation's thread header: it has no thread
        and no one else is posting one (or whoever was began before `stale_before`, and
        is taken to have died). The claim and its check are one statement, so of two
        openers racing in any number of processes exactly one wins."""
        claimed = self._conn.execute(
            update(_t)
            .where(
                _t.c.id == conversation_id,
                _t.c.thread_ts.is_(None),
                or_(_t.c.thread_opening_at.is_(None), _t.c.thread_opening_at < stale_before),
            )
            .values(thread_opening_at=self._now())
        )
        return claimed.rowcount == 1

    def renew_thread_opening(self, conversation_id: int) -> None:
        """The opener is still posting: its claim is fresh again (a lease, not a lock)."""
        self._conn.execute(
            update(_t)
            .where(
                _t.c.id == conversation_id,
                _t.c.thread_ts.is_(None),
                _t.c.thread_opening_at.is_not(None),
            )
            .values(thread_opening_at=self._now())
        )

    def release_thread_opening(self, conversation_id: int) -> None:
        """Give up a claim whose header could not be posted, so the next opener tries now."""
        self._conn.execute(
            update(_t)
            .where(_t.c.id == conversation_id, _t.c.thread_ts.is_(None))
            .values(thread_opening_at=None)
        )

    def thread_opening_in(self, channel_id: str, since: datetime) -> bool:
        """Whether a thread header in this channel is being posted, claimed at `since` or
        later: a reply in a thread we do not know yet may be in that thread."""
        row = self._conn.execute(
            select(_t.c.id)
            .where(
                _t.c.channel_id == channel_id,
                _t.c.thread_ts.is_(None),
                _t.c.thread_opening_at >= since,
            )
            .limit(1)
        ).first()
        return row is not None

    def latest_for_number(self, phone_number: str, since: datetime) -> Conversation | None:
        """The number's most recently active conversation, if it was active at `since` or later."""
        row = self._conn.execute(
            select(_t)
            .where(_t.c.phone_number == phone_number, _t.c.last_activity_at >= since)
            .order_by(_t.c.last_activity_at.desc(), _t.c.id.desc())
            .limit(1)
        ).first()
        return _conversation(row) if row else None

    def touch(self, conversation_id: int, at: datetime) -> None:
        """Note activity at `at`; an older time never moves last_activity_at backwards."""
        self._conn.execute(
            update(_t)
            .where(_t.c.id == conversation_id, _t.c.last_activity_at < at)
            .values(last_activity_at=at)
        )


def _conversation(row: Row) -> Conversation:
    return Conversation(
        id=row.id,
        phone_number=row.phone_number,
        channel_id=row.channel_id,
        thread_ts=row.thread_ts,
        created_at=row.created_at,
        last_activity_at=row.last_activity_at,
        thread_opening_at=row.thread_opening_at,
    )
