"""Outbound texts: `/sms` from a channel, replies in a conversation thread, and showing each
text's delivery state on the Slack message it came from.

Every conversation (a phone number in a channel) has one thread. A `/sms` posts the text into
that thread as the bridge, so its state is shown by editing that post; a reply someone typed
in the thread cannot be edited by the bridge, so its state is shown as a reaction on it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from bot.core.cards import (
    CALL_CONVERSATION,
    RELEASE_CONVERSATION,
    TAKE_CONVERSATION,
    Button,
    Card,
    Row,
)
from bot.core.commands import NumberTarget, Target
from bot.core.domain import (
    ChatError,
    DeliveryStatus,
    MessageStatus,
    OutcomeUnknown,
    TelephonyError,
)
from bot.core.mrkdwn import escape
from bot.core.numbers import display
from bot.core.ports import ChatSurface, Clock, Telephony
from bot.core.sms_text import measure
from bot.observability.metrics import Metrics
from bot.services.errors import Rejected
from bot.services.notes import is_note, keep_note
from bot.services.parties import Directory, Party
from bot.services.telephony_errors import explain
from storage import Database
from storage.records import Conversation

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
UNKNOWN_REACTION = "warning"
GROUP_TEXT_METADATA = "web21c_group_text"  # a group text's post: no conversation's thread
# A thread header is claimed, posted, then stored. The claim is a lease, renewed every
# THREAD_OPENING_RENEW_SECONDS while the post is in flight (a paced or rate-limited post can
# take long); one not renewed for THREAD_OPENING_STALE is from an opener that died, and the
# next opener takes over within seconds. Others wait for the header this long.
THREAD_OPENING_WAIT_SECONDS = 90.0
THREAD_OPENING_POLL_SECONDS = 0.05
THREAD_OPENING_RENEW_SECONDS = 2.0
THREAD_OPENING_STALE = timedelta(seconds=10)


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
        self.check_sendable(party, text)
        conversation_id, thread_ts = self.thread_for(party, channel)
        pending = [DeliveryStatus(party.uri, MessageStatus.INITIAL)]
        ts = self.chat.post(channel, outbound_post(actor, text, pending), thread_ts=thread_ts)
        return self._deliver(actor, conversation_id, channel, ts, [party], text, bridge_post=True)

    def send_group(
        self, actor: str, channel: str, parties: Sequence[Party], text: str
    ) -> str | None:
        """One text to several parties in one sendMessage, shown as one post in the channel
        with each recipient's state; the unknown-outcome warning, if Web21C never answered."""
        pending = [DeliveryStatus(p.uri, MessageStatus.INITIAL) for p in parties]
        metadata = {"event_type": GROUP_TEXT_METADATA, "event_payload": {"to": len(parties)}}
        ts = self.chat.post(channel, outbound_post(actor, text, pending), metadata=metadata)
        return self._deliver(actor, None, channel, ts, parties, text, bridge_post=True)

    def reply(
        self, actor: str, channel: str, thread_ts: str, ts: str, text: str, has_files: bool
    ) -> None:
        """A message typed in a conversation thread: text it to that conversation's number."""
        conversation = self.wait_for_thread(channel, thread_ts)
        if conversation is None:
            return  # an ordinary Slack thread, not one of ours
        if is_note(text):  # for the team only: kept and marked, never texted
            keep_note(self.db, self.chat, actor, conversation, ts, text)
            return
        if has_files:
            self.chat.post_ephemeral(channel, actor, FILES_NOTE)
        if not text.strip():
            return
        party = Party(f"tel:{conversation.phone_number}", None)
        try:
            # The number texted in, so no one typed it: the policy still decides where texts
            # go (a text from abroad or from a premium-rate service is not an invitation).
            self.directory.policy.number(conversation.phone_number)
            self.check_sendable(party, text)
        except Rejected as refusal:  # its words quote the number that texted in
            self.chat.react(channel, ts, "no_entry_sign")
            self.chat.post_ephemeral(channel, actor, f"Not sent: {escape(str(refusal))}")
            return
        self.chat.react(channel, ts, STATUS_REACTIONS[MessageStatus.INITIAL])
        try:
            unknown = self._deliver(
                actor, conversation.id, channel, ts, [party], text, bridge_post=False
            )
        except Rejected as refusal:
            self.chat.post_ephemeral(channel, actor, str(refusal))
            return
        if unknown:
            self.chat.post_ephemeral(channel, actor, unknown)
            return
        length = measure(text)
        if length.segments > 1:
            self.chat.post_ephemeral(channel, actor, f"Your reply went as {length.describe()}.")

    def thread_for(self, party: Party, channel: str) -> tuple[int, str]:
        """The conversation with this number in this channel, starting its thread if need be.
        A `/sms` and an inbound text (or two workers) may open the same conversation at
        once: the one that claims the opening posts the header, the others wait for it."""
        number = party.number
        deadline = time.monotonic() + THREAD_OPENING_WAIT_SECONDS
        while True:
            with self.db.transaction() as tx:
                conversation, _ = tx.conversations.get_or_create(number, channel)
                if conversation.thread_ts:
                    return conversation.id, conversation.thread_ts
                stale = self.clock.now() - THREAD_OPENING_STALE
                claimed = tx.conversations.claim_thread_opening(conversation.id, stale)
            if claimed:
                return conversation.id, self._open_thread(conversation.id, party, channel)
            if time.monotonic() > deadline:
                raise Rejected(
                    f"The conversation thread with {display(number)} is still being started; "
                    "try again in a minute."
                )
            time.sleep(THREAD_OPENING_POLL_SECONDS)

    def _open_thread(self, conversation_id: int, party: Party, channel: str) -> str:
        try:
            with self._opening_lease(conversation_id):
                thread_ts = self._post_header(party, channel, conversation_id)
        except BaseException:
            with self.db.transaction() as tx:
                tx.conversations.release_thread_opening(conversation_id)
            raise
        with self.db.transaction() as tx:
            tx.conversations.set_thread(conversation_id, thread_ts)
        self._rename_if_named_meanwhile(party, conversation_id)
        return thread_ts

    @contextmanager
    def _opening_lease(self, conversation_id: int) -> Iterator[None]:
        """Keep the claim on this conversation's opening fresh while the body runs."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(THREAD_OPENING_RENEW_SECONDS):
                try:
                    with self.db.transaction() as tx:
                        tx.conversations.renew_thread_opening(conversation_id)
                except Exception as error:  # the next renewal may get through
                    log.warning("thread opening not renewed (%s)", type(error).__name__)

        renewer = threading.Thread(target=renew, name="thread-opening", daemon=True)
        renewer.start()
        try:
            yield
        finally:
            done.set()
            renewer.join()

    def _post_header(self, party: Party, channel: str, conversation_id: int) -> str:
        return self.chat.post(
            channel,
            thread_header(party),
            card=header_card(party, conversation_id, holder=None),
            metadata={
                "event_type": "web21c_conversation",
                "event_payload": {"number": party.number},
            },
        )

    def wait_for_thread(self, channel: str, thread_ts: str) -> Conversation | None:
        """The conversation kept in this thread. A reply can reach us before the header it
        answers is stored (the header is posted, then recorded): while a header in this
        channel is being posted, look again until it is."""
        deadline = time.monotonic() + THREAD_OPENING_WAIT_SECONDS
        while True:
            with self.db.transaction() as tx:
                conversation = tx.conversations.by_thread(channel, thread_ts)
                if conversation is not None:
                    return conversation
                since = self.clock.now() - THREAD_OPENING_STALE
                if not tx.conversations.thread_opening_in(channel, since):
                    return None  # an ordinary Slack thread, not one of ours
            if time.monotonic() > deadline:
                return None
            time.sleep(THREAD_OPENING_POLL_SECONDS)

    def _rename_if_named_meanwhile(self, party: Party, conversation_id: int) -> None:
        """A `/contact` that lands between posting this header and storing its thread finds
        no thread to edit; the name it stored is read here, after the thread is, so one of
        the two always edits the header."""
        if party.user_id:
            return  # shown as the user, whatever the number is called
        if self.directory.known(party.uri).label != party.label:
            self.show_header(conversation_id)

    def show_header(self, conversation_id: int, took_over_from: str | None = None) -> bool:
        """Edit a conversation's thread header to show it as it is now: the number's name,
        who has it (and, just after a take-over, from whom). False if Slack refused."""
        with self.db.transaction() as tx:
            conversation = tx.conversations.get(conversation_id)
            holder = tx.ownership.holder(conversation_id) if conversation else None
        if conversation is None or not conversation.thread_ts:
            return True
        party = self.directory.known(f"tel:{conversation.phone_number}")
        card = header_card(party, conversation_id, holder, took_over_from)
        try:
            self.chat.update(
                conversation.channel_id, conversation.thread_ts, thread_header(party), card=card
            )
        except ChatError as error:
            log.warning(
                "header %s in %s not edited: %s",
                conversation.thread_ts,
                conversation.channel_id,
                error.reason,
            )
            return False
        return True

    def refusal(self, number: str, text: str) -> str | None:
        """Why a text to this typed number would be refused now, in words; None if it would
        go (for a form that shows the reason beside the field)."""
        try:
            party = self.directory.party(NumberTarget(number), sms=True)
            self.check_sendable(party, text)
        except Rejected as refusal:
            return str(refusal)
        return None

    def check_sendable(self, party: Party, text: str) -> None:
        """Refuse (Rejected) a text to a number that opted out, or one too long to send."""
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
        conversation_id: int | None,
        channel: str,
        ts: str,
        parties: Sequence[Party],
        text: str,
        *,
        bridge_post: bool,
    ) -> str | None:
        """Record the text, send it (one sendMessage, however many recipients) and note the
        outcome; what its sender must be told when the outcome is unknown, else None
        (refusals raise Rejected). A group text belongs to no one conversation (None)."""
        numbers = ", ".join(p.number for p in parties)
        token = secrets.token_urlsafe(24)
        event_url = None
        if self.settings.public_url:
            event_url = f"{self.settings.public_url}/web21c/events/{token}"
        # Recorded before it is sent, so a delivery callback that beats sendMessage's answer
        # finds its message; the Web21C id is filled in once the answer comes.
        uris = [p.uri for p in parties]
        with self.db.transaction() as tx:
            message = tx.messages.record_outbound(
                None,
                conversation_id,
                channel,
                ts,
                text,
                actor,
                uris,
                token,
                bridge_post=bridge_post,
            )
        try:
            message_id = self.telephony.send_message(uris, self.settings.sender, text, event_url)
        except OutcomeUnknown:
            return self._unknown(actor, message, parties, text, bridge_post=bridge_post)
        except TelephonyError as error:
            with self.db.transaction() as tx:
                for uri in uris:
                    tx.messages.set_recipient_status(message.id, uri, MessageStatus.FAILED)
            reason = explain(error)
            if bridge_post:
                self.chat.update(
                    channel, ts, f"{outbound_header(actor, text)}\n:x: not sent: {reason}"
                )
            else:
                self.chat.unreact(channel, ts, STATUS_REACTIONS[MessageStatus.INITIAL])
                self.chat.react(channel, ts, "x")
            raise Rejected(f"The text to {numbers} was not sent: {reason}") from None
        with self.db.transaction() as tx:
            tx.messages.set_web21c_id(message.id, message_id)
        self._sent(actor, message.conversation_id, parties, message_id)
        return None

    def _sent(
        self, actor: str, conversation_id: int | None, parties: Sequence[Party], detail: str
    ) -> None:
        with self.db.transaction() as tx:
            if conversation_id is not None:
                tx.conversations.touch(conversation_id, self.clock.now())
            for party in parties:
                tx.audit.record(actor, "sms.send", party.number, detail)
        self.metrics.inc("bridge_texts_out_total", len(parties))

    def _unknown(
        self, actor: str, message, parties: Sequence[Party], text: str, *, bridge_post: bool
    ):
        """Web21C took the text but its answer was lost: it may have gone. Say so, where the
        text is shown and to its sender, and never send it again on our own. A delivery
        callback may already have told us it went; then it is simply sent."""
        numbers = ", ".join(p.number for p in parties)
        with self.db.transaction() as tx:
            unknown = tx.messages.mark_outcome_unknown(message.id)
            if unknown:
                for party in parties:
                    tx.audit.record(actor, "sms.send", party.number, "outcome unknown")
        if not unknown:
            log.info("text %s: its answer was lost, but a callback already settled it", message.id)
            self._sent(actor, message.conversation_id, parties, "answer lost; settled by callback")
            return None
        log.warning(
            "text %s to %s: Web21C did not answer; it may have been sent", message.id, numbers
        )
        channel, ts = message.channel_id, message.slack_ts
        eventing = bool(self.settings.public_url)
        try:
            if bridge_post:
                self.chat.update(channel, ts, unknown_post(actor, text, numbers, eventing))
            else:
                self.chat.unreact(channel, ts, STATUS_REACTIONS[MessageStatus.INITIAL])
                self.chat.react(channel, ts, UNKNOWN_REACTION)
        except ChatError as error:  # the sender must still hear it: their answer says it
            log.warning("the warning on text %s was not shown: %s", message.id, error.reason)
        with self.db.transaction() as tx:
            now = tx.messages.get(message.id)
        if not now.outcome_unknown:  # a callback settled it while the warning went up
            self._show_settled(now, shown=False)
            return None
        return unknown_answer(numbers, eventing)

    def settle(self, message, web21c_message_id: str, statuses: Sequence[DeliveryStatus]) -> bool:
        """Web21C reported on a text (a delivery callback): it was sent. Record the id it was
        sent under (a text whose answer was lost has none yet), take any outcome-unknown
        warning down and show its state; True if anything was shown anew."""
        with self.db.transaction() as tx:
            was_unknown = tx.messages.settle(message.id, web21c_message_id)
            current = tx.messages.get(message.id)
        changed = self.apply_statuses(current, statuses)
        if was_unknown:
            self._show_settled(current, shown=changed)
        return changed or was_unknown

    def _show_settled(self, message, *, shown: bool) -> None:
        """Replace the outcome-unknown warning with the text's state (`shown`: the post was
        just edited to it already)."""
        with self.db.transaction() as tx:
            recipients = tx.messages.recipients(message.id)
        if message.bridge_post:
            if not shown:
                self._show_statuses(message, {}, recipients)
            return
        self.chat.unreact(message.channel_id, message.slack_ts, UNKNOWN_REACTION)
        self._show_statuses(message, {}, recipients)

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


def thread_header(party: Party) -> str:
    """The first post of a conversation's thread (edited when the number is given a name)."""
    return (
        f":speech_balloon: Texts with {party.label}. Reply in this thread to text "
        f"{escape(party.number)}."
    )


def header_card(
    party: Party, conversation_id: int, holder: str | None, took_over_from: str | None = None
) -> Card:
    """The header's card: who has the conversation, and the buttons to take it, give it up,
    take it over, or call the number."""
    value = str(conversation_id)
    if holder is None:
        rows: tuple[Row, ...] = ()
        buttons = (Button("Take it", TAKE_CONVERSATION, value),)
    else:
        was = f" (took it over from <@{took_over_from}>)" if took_over_from else ""
        rows = (Row(f"Taken by <@{holder}>{was}"),)
        buttons = (
            Button("Release", RELEASE_CONVERSATION, value),
            Button("Take over", TAKE_CONVERSATION, value),
        )
    call = Button("Call", CALL_CONVERSATION, value)  # no outside text on a button
    return Card(thread_header(party), rows, (*buttons, call))


def unknown_post(sender: str, text: str, number: str, eventing: bool) -> str:
    """The bridge's post for a text whose send Web21C never answered."""
    line = (
        f":warning: Web21C did not answer; this text may have been sent. Check with {number} "
        "before you send it again."
    )
    if eventing:
        line += " If Web21C reports on it, its state will show here."
    return f"{outbound_header(sender, text)}\n{line}"


def unknown_answer(number: str, eventing: bool) -> str:
    """What the sender is told when Web21C never answered for their text."""
    where = "its post in the conversation thread" if eventing else "with them"
    return (
        f":warning: Web21C did not answer; your text to {number} may have been sent. Check "
        f"{where} before you send it again: a second try may reach them twice."
    )


def outbound_header(sender: str, text: str) -> str:
    """`@sender: text`; the text is what was sent by SMS (plain), so it is escaped here."""
    return f"<@{sender}>: {escape(text)}"


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
