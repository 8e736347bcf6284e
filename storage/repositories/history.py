"""What happened with one phone number: its conversations, their texts, and its calls.

Reads only; history and export (bot.services.history) decide who may see which of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import or_, select

from storage.models import (
    CallRow,
    ConferenceRow,
    ConversationRow,
    MessageRow,
    ParticipantRow,
    RecipientRow,
)
from storage.records import Call, Conference, Conversation, Message, Recipient
from storage.repositories.base import Repository
from storage.repositories.calls import _call
from storage.repositories.conferences import _conference
from storage.repositories.conversations import _conversation
from storage.repositories.messages import _message, _recipient

_conversations = ConversationRow.__table__
_messages = MessageRow.__table__
_recipients = RecipientRow.__table__
_calls = CallRow.__table__
_conferences = ConferenceRow.__table__
_participants = ParticipantRow.__table__


class HistoryRepository(Repository):
    def conversations_with(self, phone_number: str) -> list[Conversation]:
        rows = self._conn.execute(
            select(_conversations)
            .where(_conversations.c.phone_number == phone_number)
            .order_by(_conversations.c.id)
        )
        return [_conversation(row) for row in rows]

    def texts(
        self, conversation_ids: Iterable[int], group_to: str | None = None
    ) -> list[tuple[Message, list[Recipient]]]:
        """Every text in these conversations with its recipients' states, in id order; with
        `group_to` (an address), also the group texts sent to it (they belong to no one
        conversation)."""
        ids = list(conversation_ids)
        where = [_messages.c.conversation_id.in_(ids)] if ids else []
        if group_to is not None:
            to_it = select(_recipients.c.message_id).where(
                _recipients.c.destination_uri == group_to
            )
            where.append((_messages.c.conversation_id.is_(None)) & (_messages.c.id.in_(to_it)))
        if not where:
            return []
        messages = [
            _message(row)
            for row in self._conn.execute(
                select(_messages).where(or_(*where)).order_by(_messages.c.id)
            )
        ]
        return self._with_recipients(messages)

    def recent_texts_by(self, user_id: str, limit: int) -> list[tuple[Message, list[Recipient]]]:
        """The newest texts a person sent, newest first, with their recipients."""
        messages = [
            _message(row)
            for row in self._conn.execute(
                select(_messages)
                .where(_messages.c.direction == "out", _messages.c.sender == user_id)
                .order_by(_messages.c.id.desc())
                .limit(limit)
            )
        ]
        return self._with_recipients(messages)

    def _with_recipients(self, messages: list[Message]) -> list[tuple[Message, list[Recipient]]]:
        """Each text with its recipients' states (inbound texts have none), in one query."""
        recipients: dict[int, list[Recipient]] = defaultdict(list)
        outbound = [m.id for m in messages if m.direction.value == "out"]
        if outbound:
            for row in self._conn.execute(
                select(_recipients)
                .where(_recipients.c.message_id.in_(outbound))
                .order_by(_recipients.c.id)
            ):
                recipients[row.message_id].append(_recipient(row))
        return [(m, recipients.get(m.id, [])) for m in messages]

    def calls_with(self, uri: str) -> list[Call]:
        """Calls that rang this address, either leg, oldest first."""
        rows = self._conn.execute(
            select(_calls)
            .where(or_(_calls.c.calling_party == uri, _calls.c.called_party == uri))
            .order_by(_calls.c.id)
        )
        return [_call(row) for row in rows]

    def conferences_with(self, uri: str) -> list[Conference]:
        """Conferences this address was invited to, oldest first."""
        invited = select(_participants.c.conference_id).where(_participants.c.uri == uri)
        rows = self._conn.execute(
            select(_conferences)
            .where(_conferences.c.conference_id.in_(invited))
            .order_by(_conferences.c.id)
        )
        return [_conference(row) for row in rows]
