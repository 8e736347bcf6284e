"""Acting on STOP, START and HELP: the opt-out list, the audit log, the one text sent back,
and the note shown in Slack.

A STOP holds from the moment its text is fetched (not when Slack shows it), so a Slack outage
never delays it. The confirmation is the one text an opted-out number still gets; it is sent
once, when the number's state changes (a second STOP is not confirmed again), and HELP is
answered at most once an hour per number, so two automatic responders cannot text each other
forever, and never to a number that opted out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.core.domain import TelephonyError
from bot.core.mrkdwn import escape
from bot.core.ports import ChatSurface, Clock, Telephony
from bot.observability.metrics import Metrics
from bot.services.errors import Rejected
from bot.services.opt_words import OptKind, OptWord
from bot.services.parties import Policy
from storage import Database

log = logging.getLogger(__name__)

HELP_EVERY = timedelta(hours=1)  # at most one HELP reply per number in this time
_EVER = datetime(2000, 1, 1, tzinfo=UTC)  # "any conversation, however old"


@dataclass(frozen=True)
class OptReplies:
    """What the bridge texts back (OPT_OUT_REPLY, OPT_IN_REPLY, HELP_REPLY)."""

    opt_out: str
    opt_in: str
    help: str


@dataclass
class Opting:
    db: Database
    telephony: Telephony
    chat: ChatSurface
    clock: Clock
    policy: Policy
    metrics: Metrics
    sender: str  # the `from` of the texts sent back (WEB21C_FROM)
    replies: OptReplies
    _helped: dict[str, datetime] = field(default_factory=dict)  # number -> last HELP answered

    def record(self, number: str, match: OptWord, message_id: str) -> bool:
        """Apply an opt-out or opt-in and audit it; True if something is to be texted back
        (the number's state changed, or it asked for HELP)."""
        if match.kind is OptKind.HELP:
            with self.db.transaction() as tx:
                tx.audit.record(number, "sms.help", number, message_id)
                if tx.opt_outs.is_opted_out(number):
                    return False  # an opted-out number is texted nothing, help included
            now = self.clock.now()
            last = self._helped.get(number)
            if last is not None and now - last < HELP_EVERY:
                return False  # an auto-responder texting HELP back must not start a loop
            self._helped[number] = now
            return True
        with self.db.transaction() as tx:
            if match.kind is OptKind.OUT:
                changed = not tx.opt_outs.is_opted_out(number)
                if changed:
                    tx.opt_outs.opt_out(number, match.word, self.clock.now())
            else:
                changed = tx.opt_outs.opt_in(number)
            if changed:
                tx.audit.record(number, f"sms.{match.kind.value}", number, match.word)
        if changed:
            self.metrics.inc("bridge_opt_changes_total", kind=match.kind.value)
            log.info("%s texted %s (%s)", number, match.word, match.kind.value)
        return changed

    def reply(self, number: str, match: OptWord) -> None:
        """Text the confirmation or help back; a failure is logged, never raised (the state
        change it confirms already holds)."""
        text = {
            OptKind.OUT: self.replies.opt_out,
            OptKind.IN: self.replies.opt_in,
            OptKind.HELP: self.replies.help,
        }[match.kind]
        if not text:
            return  # the operator turned this reply off
        try:
            self.policy.number(number)  # a text from a premium-rate service is no invitation
        except Rejected as refusal:
            log.warning("not answering %s from %s: %s", match.word, number, refusal)
            return
        try:
            self.telephony.send_message([f"tel:{number}"], self.sender, text, None)
        except TelephonyError as error:
            log.warning("could not text %s its %s reply: %s", number, match.word, error)
            return
        with self.db.transaction() as tx:
            tx.audit.record("bridge", f"sms.{match.kind.value}.reply", number, text)
        self.metrics.inc("bridge_texts_out_total")

    def show_in_thread(self, number: str, match: OptWord) -> None:
        """For a text Slack will not otherwise see: the note, in the number's latest thread."""
        if match.kind is OptKind.HELP:
            return
        with self.db.transaction() as tx:
            conversation = tx.conversations.latest_for_number(number, _EVER)
        if conversation is None or not conversation.thread_ts:
            return
        self.chat.post(
            conversation.channel_id, note(number, match), thread_ts=conversation.thread_ts
        )


def note(number: str, match: OptWord) -> str:
    """How Slack is told of a STOP, START or HELP (the sender's address escaped: it is
    whatever the phone network said)."""
    number = escape(number)
    if match.kind is OptKind.OUT:
        return (
            f":no_bell: {number} texted {match.word}: the bridge will send them nothing more "
            "until they text START."
        )
    if match.kind is OptKind.IN:
        return f":bell: {number} texted {match.word}: texts to them are allowed again."
    return (
        f":information_source: {number} texted {match.word}: the bridge texts its help text "
        "back (at most once an hour)."
    )
