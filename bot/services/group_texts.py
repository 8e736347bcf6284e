"""Group texts: `/sms <party> <party> ... <text>`, one text to several people at once.

Each recipient is checked as a `/sms` to them would be (policy, opt-out, length); those
refused are named with the reason and skipped, and the rest get one sendMessage that carries
every recipient. One post in the channel shows the text and each recipient's state, edited as
receipts arrive (the usual delivery path). Each recipient's conversation thread here gets a
line saying the text went to them, so their reply lands in that thread, with them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.commands import Target
from bot.core.domain import ChatError
from bot.core.mrkdwn import escape
from bot.core.ports import ChatSurface, Clock
from bot.services.errors import Rejected
from bot.services.messaging import Messaging
from bot.services.parties import Directory, Party
from storage import Database

log = logging.getLogger(__name__)


@dataclass
class GroupTexts:
    db: Database
    chat: ChatSurface
    directory: Directory
    messaging: Messaging
    clock: Clock
    max_recipients: int

    def send(self, actor: str, channel: str, targets: Sequence[Target], text: str) -> str | None:
        if len(targets) > self.max_recipients:
            raise Rejected(
                f"A group text goes to at most {self.max_recipients} recipients here; that one "
                f"names {len(targets)}."
            )
        accepted, refused = self.sendable(targets, text)
        if not accepted:
            raise Rejected("Nothing was sent: " + " ".join(refused))
        threads = [self.messaging.thread_for(party, channel) for party in accepted]
        unknown = self.messaging.send_group(actor, channel, accepted, text)
        self._note_in_threads(actor, channel, accepted, threads, text, unknown is not None)
        answer = [unknown] if unknown else []
        if refused:
            answer.append("Not texted: " + " ".join(refused))
        return "\n".join(answer) or None

    def sendable(self, targets: Sequence[Target], text: str) -> tuple[list[Party], list[str]]:
        """The parties that may be texted (each once), and a sentence for each refused."""
        accepted: list[Party] = []
        refused: list[str] = []
        for target in targets:
            try:
                party = self.directory.party(target, sms=True)
                self.messaging.check_sendable(party, text)
            except Rejected as refusal:
                refused.append(f"{target}: {refusal}")
                continue
            if any(p.uri == party.uri for p in accepted):
                refused.append(f"{target}: {party.number} is named twice; it is texted once.")
                continue
            accepted.append(party)
        return accepted, refused

    def _note_in_threads(self, actor, channel, parties, threads, text: str, unknown: bool):
        others = len(parties)
        maybe = " (Web21C did not answer; it may have been sent)" if unknown else ""
        line = f"<@{actor}> sent this as a group text to {others}{maybe}: {escape(text)}"
        for party, (conversation_id, thread_ts) in zip(parties, threads, strict=True):
            try:
                self.chat.post(channel, line, thread_ts=thread_ts)
            except ChatError as error:  # the group post shows it was sent; this is a pointer
                log.warning("group text line for %s not posted: %s", party.number, error.reason)
            with self.db.transaction() as tx:  # a reply from them now comes to this thread
                tx.conversations.touch(conversation_id, self.clock.now())
