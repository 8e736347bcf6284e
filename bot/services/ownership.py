"""Who has a conversation: the header's Take it / Release / Take over buttons, `/sms take`,
`/sms release` and `/sms mine`, the header's Call button, and the reminder for a text that
no one has answered.

Holding a conversation is a shared promise, not a lock: anyone may take one over (the header
then says from whom), the holder or an admin may release it, and only the holder (or anyone,
when no one holds it) may call the number from its header.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.core.commands import NumberTarget
from bot.core.domain import ChatError
from bot.core.mrkdwn import escape
from bot.core.numbers import NumberRejected, parse_number
from bot.core.ports import ChatSurface, Clock
from bot.services.calls import Calls
from bot.services.errors import Rejected
from bot.services.messaging import Messaging
from bot.services.parties import Directory
from storage import Database
from storage.records import Conversation

log = logging.getLogger(__name__)

ACTIVE_WINDOW = timedelta(days=7)  # older conversations are not reminded about
SNIPPET = 60


@dataclass
class Ownership:
    db: Database
    chat: ChatSurface
    directory: Directory
    messaging: Messaging
    calls: Calls
    clock: Clock
    remind_after: timedelta | None  # None: no reminders

    # --- the header's buttons ------------------------------------------------------------

    def take(self, actor: str, value: str) -> str | None:
        conversation = self._conversation(value)
        with self.db.transaction() as tx:
            before = tx.ownership.take(conversation.id, actor)
            if before != actor:
                tx.audit.record(actor, "conversation.take", conversation.phone_number, before or "")
        label = self._label(conversation)
        if before == actor:
            return f"You have the conversation with {label} already."
        self.messaging.show_header(conversation.id, took_over_from=before)
        if before:
            return f"You took the conversation with {label} over from <@{before}>."
        return f"The conversation with {label} is yours now; `/sms mine` lists yours."

    def release(self, actor: str, value: str) -> str | None:
        conversation = self._conversation(value)
        label = self._label(conversation)
        with self.db.transaction() as tx:
            holder = tx.ownership.holder(conversation.id)
            if holder is None:
                return f"No one has the conversation with {label}; press Take it to take it."
            if holder != actor and not self.directory.policy.is_admin(actor):
                return (
                    f"<@{holder}> has the conversation with {label}; only they or an admin "
                    "can release it. Press Take over to take it yourself."
                )
            tx.ownership.release(conversation.id)
            tx.audit.record(actor, "conversation.release", conversation.phone_number, holder)
        self.messaging.show_header(conversation.id)
        return f"Released: anyone can take the conversation with {label} now."

    def call(self, actor: str, value: str) -> str | None:
        """Ring the presser, then the conversation's number (a `/call <number>`), unless
        someone else has the conversation."""
        conversation = self._conversation(value)
        with self.db.transaction() as tx:
            holder = tx.ownership.holder(conversation.id)
        if holder is not None and holder != actor:
            raise Rejected(
                f"<@{holder}> has the conversation with {self._label(conversation)}; take it "
                "over first if you mean to call them."
            )
        target = NumberTarget(conversation.phone_number)
        return self.calls.place(actor, conversation.channel_id, (target,))

    # --- commands ------------------------------------------------------------------------

    def take_number(self, actor: str, channel: str, target: NumberTarget, release: bool) -> str:
        """`/sms take <number>` / `/sms release <number>`, for the conversation in this channel."""
        try:
            number = parse_number(target.text, self.directory.policy.default_region)
        except NumberRejected as error:
            raise Rejected(str(error)) from None
        with self.db.transaction() as tx:
            found = [
                c
                for c in tx.history.conversations_with(number.e164)
                if c.channel_id == channel and c.thread_ts
            ]
        if not found:
            raise Rejected(f"There is no conversation with {number.e164} in this channel.")
        value = str(found[0].id)
        answer = self.release(actor, value) if release else self.take(actor, value)
        return answer or ""

    def mine(self, actor: str) -> str:
        with self.db.transaction() as tx:
            held = [(c, tx.ownership.last_text(c.id)) for c in tx.ownership.held_by(actor)]
        if not held:
            return (
                "You hold no conversations. Press Take it on a conversation's header (or "
                "`/sms take <number>` in its channel) to hold one."
            )
        lines = [f"*Conversations you hold ({len(held)})*"]
        for conversation, last in held:
            where = f"{self._label(conversation)} in <#{conversation.channel_id}>"
            if last is None:
                lines.append(f"• {where}: no texts yet")
                continue
            who = "they said" if last.direction.value == "in" else "you sent"
            text = last.text if len(last.text) <= SNIPPET else last.text[: SNIPPET - 1] + "…"
            lines.append(f"• {where}, {last.created_at:%d %b %H:%M} UTC, {who}: {escape(text)}")
        return "\n".join(lines)

    # --- reminders -----------------------------------------------------------------------

    def remind(self) -> int:
        """One reminder in each thread whose newest text came in more than `remind_after`
        ago with no answer since; how many were posted. Claimed before posting, so of
        several workers one posts it, and a text is reminded about once."""
        if self.remind_after is None:
            return 0
        now = self.clock.now()
        with self.db.transaction() as tx:
            due = tx.ownership.unanswered(now - self.remind_after, now - ACTIVE_WINDOW)
        posted = 0
        for conversation, message in due:
            with self.db.transaction() as tx:
                if not tx.ownership.claim_reminder(conversation.id, message.id):
                    continue
                holder = tx.ownership.holder(conversation.id)
            minutes = max(1, int((now - message.posted_at).total_seconds() // 60))
            line = (
                f":alarm_clock: {self._label(conversation)} texted {minutes} minutes ago and "
                "no one has answered yet."
            )
            if holder:
                line += f" <@{holder}>, this conversation is yours."
            try:
                self.chat.post(conversation.channel_id, line, thread_ts=conversation.thread_ts)
            except ChatError as error:  # the next pass tries again
                log.warning("reminder in %s not posted: %s", conversation.channel_id, error.reason)
                with self.db.transaction() as tx:
                    tx.ownership.unclaim_reminder(conversation.id, message.id)
                continue
            posted += 1
        return posted

    # --- helpers -------------------------------------------------------------------------

    def _conversation(self, value: str) -> Conversation:
        conversation = None
        if value.isdigit():
            with self.db.transaction() as tx:
                conversation = tx.conversations.get(int(value))
        if conversation is None or not conversation.thread_ts:
            raise Rejected("That conversation is not one the bridge knows (any more).")
        return conversation

    def _label(self, conversation: Conversation) -> str:
        return self.directory.known(f"tel:{conversation.phone_number}").label
