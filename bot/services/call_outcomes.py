"""Calls in the thread: when a call or conference that included a number ends, one line in
that number's conversation thread says who called whom, for how long and how it ended.

The thread is the number's conversation in the channel the call was started from, else its
most recently active one; a number with no conversation gets no line. Each line is claimed
in storage before it is posted, so it is posted once however many workers see the end.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.domain import ChatError
from bot.core.numbers import number_from_uri
from bot.core.ports import ChatSurface
from bot.services.cards import call_outcome_line, conference_outcome_line
from bot.services.parties import Directory
from storage import Database
from storage.records import Call, Conference, Conversation

log = logging.getLogger(__name__)


@dataclass
class CallOutcomes:
    db: Database
    chat: ChatSurface
    directory: Directory

    def call_ended(self, call: Call) -> None:
        line = call_outcome_line(
            call, self.directory.label(call.calling_party), self.directory.label(call.called_party)
        )
        self._post(
            "call", call.call_id, call.channel_id, (call.calling_party, call.called_party), line
        )

    def conference_ended(self, conference: Conference) -> None:
        with self.db.transaction() as tx:
            participants = tx.conferences.participants(conference.conference_id)
        uris = list(dict.fromkeys(p.uri for p in participants))
        labels = [self.directory.label(uri) for uri in uris]
        line = conference_outcome_line(conference, labels)
        self._post("conference", conference.conference_id, conference.channel_id, uris, line)

    def _post(self, kind: str, key: str, channel: str, uris: Iterable[str], line: str) -> None:
        for conversation in self._threads(channel, uris):
            with self.db.transaction() as tx:
                if not tx.outcome_lines.claim(kind, key, conversation.id):
                    continue
            try:
                self.chat.post(conversation.channel_id, line, thread_ts=conversation.thread_ts)
            except ChatError as error:
                log.warning("%s %s: outcome line not posted: %s", kind, key, error.reason)
                with self.db.transaction() as tx:
                    tx.outcome_lines.unclaim(kind, key, conversation.id)

    def _threads(self, channel: str, uris: Iterable[str]) -> list[Conversation]:
        threads = []
        with self.db.transaction() as tx:
            for uri in uris:
                if not uri.lower().startswith("tel:"):
                    continue  # a sip: address has no conversation
                found = [
                    c for c in tx.history.conversations_with(number_from_uri(uri)) if c.thread_ts
                ]
                if not found:
                    continue
                here = [c for c in found if c.channel_id == channel]
                latest = max(found, key=lambda c: (c.last_activity_at, c.id))
                threads.append(here[0] if here else latest)
        return threads
