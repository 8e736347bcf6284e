"""Notes: internal thread replies, kept with their conversation for history and export."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Row, select

from storage.models import NoteRow
from storage.records import Note
from storage.repositories.base import Repository

_t = NoteRow.__table__


class NoteRepository(Repository):
    def add(
        self, conversation_id: int, channel_id: str, slack_ts: str, author: str, text: str
    ) -> Note:
        row = self._conn.execute(
            _t.insert()
            .values(
                conversation_id=conversation_id,
                channel_id=channel_id,
                slack_ts=slack_ts,
                author=author,
                text=text,
                created_at=self._now(),
            )
            .returning(*_t.c)
        ).one()
        return _note(row)

    def for_conversations(self, conversation_ids: Iterable[int]) -> list[Note]:
        """Every note in these conversations, oldest first."""
        ids = list(conversation_ids)
        if not ids:
            return []
        rows = self._conn.execute(
            select(_t).where(_t.c.conversation_id.in_(ids)).order_by(_t.c.created_at, _t.c.id)
        )
        return [_note(row) for row in rows]


def _note(row: Row) -> Note:
    return Note(
        id=row.id,
        conversation_id=row.conversation_id,
        channel_id=row.channel_id,
        slack_ts=row.slack_ts,
        author=row.author,
        text=row.text,
        created_at=row.created_at,
    )
