"""Who holds which conversation, and which unanswered texts were reminded about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, select

from storage.models import ConversationRow, HolderRow, MessageRow, ReminderRow
from storage.records import Conversation, Message
from storage.repositories.base import Repository
from storage.repositories.conversations import _conversation
from storage.repositories.messages import _message

_h = HolderRow.__table__
_r = ReminderRow.__table__
_c = ConversationRow.__table__
_m = MessageRow.__table__


class OwnershipRepository(Repository):
    def holder(self, conversation_id: int) -> str | None:
        """The Slack user who has this conversation, if anyone does."""
        return self._conn.execute(
            select(_h.c.user_id).where(_h.c.conversation_id == conversation_id)
        ).scalar()

    def take(self, conversation_id: int, user_id: str) -> str | None:
        """Give the conversation to user_id; whoever had it before (None: no one)."""
        before = self.holder(conversation_id)
        values = {"user_id": user_id, "taken_at": self._now()}
        self._conn.execute(
            self._upsert(_h)
            .values(conversation_id=conversation_id, **values)
            .on_conflict_do_update(index_elements=[_h.c.conversation_id], set_=values)
        )
        return before

    def release(self, conversation_id: int) -> str | None:
        """No one has it now; who had it (None: no one did)."""
        before = self.holder(conversation_id)
        if before is not None:
            self._conn.execute(delete(_h).where(_h.c.conversation_id == conversation_id))
        return before

    def held_by(self, user_id: str) -> list[Conversation]:
        """The conversations user_id holds, most recently active first."""
        rows = self._conn.execute(
            select(_c)
            .join(_h, _h.c.conversation_id == _c.c.id)
            .where(_h.c.user_id == user_id)
            .order_by(_c.c.last_activity_at.desc(), _c.c.id.desc())
        )
        return [_conversation(row) for row in rows]

    def last_text(self, conversation_id: int) -> Message | None:
        """The conversation's newest text, either way."""
        row = self._conn.execute(
            select(_m)
            .where(_m.c.conversation_id == conversation_id)
            .order_by(_m.c.id.desc())
            .limit(1)
        ).first()
        return _message(row) if row else None

    def unanswered(
        self, posted_before: datetime, active_since: datetime
    ) -> list[tuple[Conversation, Message]]:
        """Conversations (active since `active_since`) whose newest text is an inbound one
        posted before `posted_before` and not yet reminded about, with that text."""
        newest = (
            select(_m.c.conversation_id, func.max(_m.c.id).label("message_id"))
            .join(_c, _c.c.id == _m.c.conversation_id)
            .where(_c.c.last_activity_at >= active_since, _c.c.thread_ts.is_not(None))
            .group_by(_m.c.conversation_id)
            .subquery()
        )
        rows = self._conn.execute(
            select(_m)
            .join(newest, newest.c.message_id == _m.c.id)
            .join(_c, _c.c.id == _m.c.conversation_id)
            .outerjoin(
                _r,
                and_(_r.c.conversation_id == _m.c.conversation_id, _r.c.message_id == _m.c.id),
            )
            .where(
                _m.c.direction == "in",
                _m.c.posted_at.is_not(None),
                _m.c.posted_at < posted_before,
                _r.c.conversation_id.is_(None),
            )
            .order_by(_m.c.id)
        ).all()
        if not rows:
            return []
        ids = [row.conversation_id for row in rows]
        conversations = {
            row.id: _conversation(row)
            for row in self._conn.execute(select(_c).where(_c.c.id.in_(ids)))
        }
        return [(conversations[row.conversation_id], _message(row)) for row in rows]

    def claim_reminder(self, conversation_id: int, message_id: int) -> bool:
        """Whether this caller may remind the conversation about message_id: one statement,
        so of two workers exactly one wins, and each text is reminded about once."""
        now = self._now()
        insert = self._upsert(_r).values(
            conversation_id=conversation_id, message_id=message_id, reminded_at=now
        )
        claimed = self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=[_r.c.conversation_id],
                set_={"message_id": message_id, "reminded_at": now},
                where=_r.c.message_id != message_id,
            ).returning(_r.c.conversation_id)
        ).first()
        return claimed is not None

    def unclaim_reminder(self, conversation_id: int, message_id: int) -> None:
        """The reminder could not be posted: let the next pass try."""
        self._conn.execute(
            delete(_r).where(_r.c.conversation_id == conversation_id, _r.c.message_id == message_id)
        )
