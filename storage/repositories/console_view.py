"""What the console front end reads back: threads, cards, stored texts and the highest ts.

The console makes its own message timestamps and numbers threads and cards by them
(bot.console.numbering), so it needs every stamp stored, across several tables.
"""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import CallRow, ConferenceRow, ConversationRow, MessageRow
from storage.records import CallCard, ConferenceCard, StoredText, ThreadView
from storage.repositories.base import Repository

_conversations = ConversationRow.__table__
_messages = MessageRow.__table__
_calls = CallRow.__table__
_conferences = ConferenceRow.__table__


class ConsoleViewRepository(Repository):
    def threads(self) -> list[ThreadView]:
        """Every conversation that has a thread."""
        c = _conversations.c
        rows = self._conn.execute(
            select(c.thread_ts, c.channel_id, c.phone_number).where(c.thread_ts.is_not(None))
        )
        return [ThreadView(row.thread_ts, row.channel_id, row.phone_number) for row in rows]

    def call_cards(self) -> list[CallCard]:
        """Every call that has a card."""
        c = _calls.c
        rows = self._conn.execute(
            select(c.card_ts, c.status, c.calling_party, c.called_party).where(
                c.card_ts.is_not(None)
            )
        )
        return [
            CallCard(row.card_ts, row.status, row.calling_party, row.called_party) for row in rows
        ]

    def conference_cards(self) -> list[ConferenceCard]:
        """Every conference that has a card."""
        c = _conferences.c
        rows = self._conn.execute(
            select(c.card_ts, c.status, c.number_of_participants).where(c.card_ts.is_not(None))
        )
        return [ConferenceCard(row.card_ts, row.status, row.number_of_participants) for row in rows]

    def highest_stamps(self) -> list[str | None]:
        """The largest message ts, call card ts and conference card ts (None where empty).

        Compared as stored (text), as the database orders them."""
        columns = (_messages.c.slack_ts, _calls.c.card_ts, _conferences.c.card_ts)
        return [self._conn.execute(select(func.max(column))).scalar() for column in columns]

    def text_at(self, channel_id: str, ts: str) -> StoredText | None:
        """The message posted at ts in the channel, with its thread's ts."""
        m, c = _messages.c, _conversations.c
        row = self._conn.execute(
            select(m.text, c.thread_ts)
            .select_from(_messages.outerjoin(_conversations, m.conversation_id == c.id))
            .where(m.channel_id == channel_id, m.slack_ts == ts)
        ).first()
        return StoredText(row.text, row.thread_ts) if row else None
