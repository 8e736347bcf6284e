"""Outbound texts: `/sms` from a channel, replies in a conversation thread, and showing each
text's delivery state on the Slack message it came from.

Every conversation (a phone number in a channel) has one thread. A `/sms` posts the text into
that thread as the bridge, so its state is shown by editing that post; a reply someone typed
in the thread cannot be edited by the bridge, so its state is shown as a reaction on it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.commands import Target
from bot.core.domain import DeliveryStatus, MessageStatus, TelephonyError
from bot.core.mrkdwn import escape
from bot.core.numbers import display
from bot.core.ports import ChatSurface, Clock, Telephony
from bot.core.sms_text import measure
from bot.observability.metrics import Metrics
from bot.services.errors import Rejected
from bot.services.parties import Directory, Party
from bot.services.telephony_errors import explain
from storage import Database

log = logging.getLogger(__name__)

STATUS_WORDS = {
    MessageStatus.INITIAL: ":hourglass_flowing_sand: queued",
    MessageStatus.SENT: ":outbox_tray: sent",
    MessageStatus.DELIVERED: ":white_check_mark: delivered",
    MessageStatus.FAILED: ":x: failed",
    MessageStatus.BLOCKED: ":no_entry: blocked",
    MessageStatus.RETRYING: ":repeat: retrying",
}
STATUS_REACTIONS = {
    MessageStatus.INITIAL: "hourglass_flowing_sand",
    MessageStatus.SENT: "outbox_tray",
    MessageStatus.DELIVERED: "white_check_mark",
    MessageStatus.FAILED: "x",
    MessageStatus.BLOCKED: "no_entry",
    MessageStatus.RETRYING: "repeat",
}
FILES_NOTE = "Only the text of your reply is sent: files and images can't go by SMS."


@dataclass(frozen=True)
class SmsSettings:
    sender: str  # Messaging/OneWay `from`
    public_url: str | None  # with it, texts are sent with delivery callbacks
    max_segments: int


@dataclass
class Messaging:
    db: Database
    telephony: Telephony
    chat: ChatSurface
    directory: Directory
    clock: Clock
    settings: SmsSettings
    metrics: Metrics

    def send(self, actor: str, channel: str, to: Target, text: str) -> str | None:
        """`/sms`: text someone and show it, and then its state, in their thread here."""
        party = self.directory.party(to, sms=True)
        self._check_sendable(party, text)
        conversation_id, thread_ts = self.thread_for(party, channel)
        pending = [DeliveryStatus(party.uri, MessageStatus.INITIAL)]
        ts = self.chat.post(channel, outbound_post(actor, text, pending), thread_ts=thread_ts)
        self._deliver(actor, conversation_id, channel, ts, party, text, bridge_post=True)
        return None

    def reply(
        self, actor: str, channel: str, thread_ts: str, ts: str, text: str, has_files: bool
    ) -> None:
        """A message typed in a conversation thread: text it to that conversation's number."""
        with self.db.transaction() as tx:
            conversation = tx.conversations.by_thread(channel, thread_ts)
        if conversation is None:
            return  # an ordinary Slack thread, not one of ours
        if has_files:
            self.chat.post_ephemeral(channel, actor, FILES_NOTE)
        if not text.strip():
            return
        party = Party(f"tel:{conversation.phone_number}", None)
        try:
            # The number texted in, so no one typed it: the policy still decides where texts
            # go (a text from abroad or from a premium-rate service is not an invitation).
            self.directory.policy.number(conversation.phone_number)
            self._check_sendable(party, text)
        except Rejected as refusal:  # its words quote the number that texted in
            self.chat.react(channel, ts, "no_entry_sign")
            self.chat.post_ephemeral(channel, actor, f"Not sent: {escape(str(refusal))}")
            return
        self.chat.react(channel, ts, STATUS_REACTIONS[MessageStatus.INITIAL])
        try:
            self._deliver(actor, conversation.id, channel, ts, party, text, bridge_post=False)
        except Rejected as refusal:
            self.chat.post_ephemeral(channel, actor, str(refusal))
            return
        length = measure(text)
        if length.segments > 1:
            self.chat.post_ephemeral(channel, actor, f"Your reply went as {length.describe()}.")

    def thread_for(self, party: Party, channel: str) -> tuple[int, str]:
        """The conversation with this number in this channel, starting its thread if need be."""
        number = party.number
        with self.db.transaction() as tx:
            conversation, _ = tx.conversations.get_or_create(number, channel)
        if conversation.thread_ts:
            return conversation.id, conversation.thread_ts
        thread_ts = self.chat.post(
            channel,
            f":speech_balloon: Texts with {party.label}. Reply in this thread to text "
            f"{escape(number)}.",
            metadata={"event_type": "web21c_conversation", "event_payload": {"number": number}},
        )
        with self.db.transaction() as tx:
            tx.conversations.set_thread(conversation.id, thread_ts)
        return conversation.id, thread_ts

    def _check_sendable(self, party: Party, text: str) -> None:
        with self.db.transaction() as tx:
            opted_out = tx.opt_outs.is_opted_out(party.number)
        if opted_out:
            raise Rejected(
                f"{party.number} has opted out (they texted STOP); the bridge sends them nothing "
                "until they text START."
            )
        length = measure(text)
        if length.segments > self.settings.max_segments:
            raise Rejected(
                f"That text needs {length.describe()}; the most this bridge sends is "
                f"{self.settings.max_segments}. Shorten it and try again."
            )

    def _deliver(
        self,
        actor: str,
        conversation_id: int,
        channel: str,
        ts: str,
        party: Party,
        text: str,
        *,
        bridge_post: bool,
    ) -> None:
        token = secrets.token_urlsafe(24)
        event_url = None
        if self.settings.public_url:
            event_url = f"{self.settings.public_url}/web21c/events/{token}"
        # Recorded before it is sent, so a delivery callback that beats sendMessage's answer
        # finds its message; the Web21C id is filled in once the answer comes.
        with self.db.transaction() as tx:
            message = tx.messages.record_outbound(
                None,
                conversation_id,
                channel,
                ts,
                text,
                actor,
                [party.uri],
                token,
                bridge_post=bridge_post,
            )
        try:
            message_id = self.telephony.send_message(
                [party.uri], self.settings.sender, text, event_url
            )
        except TelephonyError as error:
            with self.db.transaction() as tx:
                tx.messages.set_recipient_status(message.id, party.uri, MessageStatus.FAILED)
            reason = explain(error)
            if bridge_post:
                self.chat.update(
                    channel, ts, f"{outbound_header(actor, text)}\n:x: not sent: {reason}"
                )
            else:
                self.chat.unreact(channel, ts, STATUS_REACTIONS[MessageStatus.INITIAL])
                self.chat.react(channel, ts, "x")
            raise Rejected(f"The text to {party.number} was not sent: {reason}") from None
        with self.db.transaction() as tx:
            tx.messages.set_web21c_id(message.id, message_id)
            tx.conversations.touch(conversation_id, self.clock.now())
            tx.audit.record(actor, "sms.send", party.number, message_id)
        self.metrics.inc("bridge_texts_out_total")

    # --- delivery states -----------------------------------------------------------------

    def apply_statuses(self, message, statuses: Sequence[DeliveryStatus]) -> bool:
        """Record new per-recipient states and, if any changed, show them; True if changed."""
        changed = False
        with self.db.transaction() as tx:
            before = {r.destination_uri: r.status for r in tx.messages.recipients(message.id)}
            for status in statuses:
                if status.destination_uri not in before:
                    log.warning(
                        "status for %s, not a recipient of %s",
                        status.destination_uri,
                        message.web21c_message_id,
                    )
                    continue
                changed |= tx.messages.set_recipient_status(
                    message.id, status.destination_uri, status.status
                )
            recipients = tx.messages.recipients(message.id)
        if changed:
            self._show_statuses(message, before, recipients)
        return changed

    def _show_statuses(self, message, before: dict[str, str], recipients) -> None:
        statuses = [DeliveryStatus(r.destination_uri, MessageStatus(r.status)) for r in recipients]
        if message.bridge_post:
            text = outbound_post(message.sender, message.text, statuses)
            self.chat.update(message.channel_id, message.slack_ts, text)
            return
        for status in statuses:  # a person's reply: reactions, the old one off, the new one on
            old = before.get(status.destination_uri)
            if old and old != status.status:
                self.chat.unreact(
                    message.channel_id, message.slack_ts, STATUS_REACTIONS[MessageStatus(old)]
                )
            self.chat.react(message.channel_id, message.slack_ts, STATUS_REACTIONS[status.status])


def outbound_header(sender: str, text: str) -> str:
    return f"<@{sender}>: {text}"


def outbound_post(sender: str, text: str, statuses: Sequence[DeliveryStatus]) -> str:
    """The bridge's post for a `/sms`: who wrote what, then each recipient's state."""
    if len(statuses) == 1:
        line = STATUS_WORDS[statuses[0].status]
    else:
        line = " · ".join(
            f"{display(s.destination_uri)} {STATUS_WORDS[s.status]}" for s in statuses
        )
    length = measure(text)
    if length.segments > 1:
        line += f" · {length.describe()}"
    return f"{outbound_header(sender, text)}\n{line}"
