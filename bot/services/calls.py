"""Third-party calls: `/call`, the call card, hanging up, and following a call to its end."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.commands import Target
from bot.core.domain import CallStatus, ChatError, OutcomeUnknown, TelephonyError
from bot.core.numbers import NumberRejected, check_allowed, display
from bot.core.ports import ChatSurface, Telephony
from bot.services.call_outcomes import CallOutcomes
from bot.services.cards import call_card, unknown_call_card
from bot.services.errors import Rejected
from bot.services.parties import Directory, Party, Policy
from bot.services.telephony_errors import NO_ANSWER, explain
from storage import Database

log = logging.getLogger(__name__)

DIAL_TIMEOUT_SECONDS = 30  # how long each leg rings (BT's examples used 30)


@dataclass
class Calls:
    db: Database
    telephony: Telephony
    chat: ChatSurface
    directory: Directory
    policy: Policy
    outcomes: CallOutcomes | None = None  # the line an ended call leaves in its threads
    # Told the Slack users a call's visible change concerns (their App Home shows it).
    changed_for: Callable[[set[str]], None] = lambda users: None

    def place(self, actor: str, channel: str, parties: tuple[Target, ...]) -> str | None:
        """Ring the first party, then the second; with one party, the invoker is rung first."""
        if len(parties) == 1:
            calling, called = self._me(actor), self.directory.party(parties[0])
        else:
            calling, called = (self.directory.party(p) for p in parties)
        if calling.uri == called.uri:
            raise Rejected(
                f"Both ends of that call are {calling.number}; name two different people."
            )
        try:
            call_id = self.telephony.make_call(calling.uri, called.uri, DIAL_TIMEOUT_SECONDS)
        except OutcomeUnknown:
            return self._maybe_placed(actor, channel, calling, called)
        except TelephonyError as error:
            raise Rejected(f"The call was not placed: {explain(error)}") from None
        with self.db.transaction() as tx:
            call = tx.calls.add(call_id, calling.uri, called.uri, actor, channel)
            tx.audit.record(actor, "call.place", f"{calling.number} -> {called.number}", call_id)
        card = self._card(call)
        ts = self.chat.post(channel, card.as_text(), card=card)
        with self.db.transaction() as tx:
            tx.calls.set_card(call_id, channel, ts)
            call = tx.calls.get(call_id)
        # A refresh may have stored a newer state while the card was being posted (it had no
        # card to update then): show it now, or the card would wait for the next change.
        now = self._card(call)
        if now != card:
            self.chat.update(channel, ts, now.as_text(), card=now)
        return self._opted_out_note(calling, called)

    def _opted_out_note(self, *parties: Party) -> str | None:
        """STOP covers texts, not calls: the call goes ahead, and the caller is told."""
        with self.db.transaction() as tx:
            numbers = [p.number for p in parties if tx.opt_outs.is_opted_out(p.number)]
        if not numbers:
            return None
        return (
            f"{' and '.join(numbers)} opted out of texts (they texted STOP); that covers texts "
            "only, so the call was placed."
        )

    def hang_up(self, actor: str, call_id: str) -> str | None:
        with self.db.transaction() as tx:
            call = tx.calls.get(call_id)
        if call is None:
            raise Rejected("That call is not one the bridge knows.")
        if call.status == CallStatus.TERMINATED:
            return "That call has already ended."
        parties = {
            self.directory.user_with(display(uri))
            for uri in (call.calling_party, call.called_party)
        }
        if actor != call.started_by and actor not in parties and not self.policy.is_admin(actor):
            raise Rejected(
                "Only the person who placed the call, the people on it and admins can hang up."
            )
        try:
            self.telephony.end_call(call_id)
        except OutcomeUnknown:
            with self.db.transaction() as tx:
                tx.audit.record(actor, "call.hang_up", call_id, "outcome unknown")
            return (
                f":warning: {NO_ANSWER}; the call may have been hung up. Its card shows it "
                "once Web21C reports it ended; press Hang up again if it is still going."
            )
        except TelephonyError as error:
            raise Rejected(f"Could not hang up: {explain(error)}") from None
        with self.db.transaction() as tx:
            tx.audit.record(actor, "call.hang_up", call_id, "")
        self.refresh(call_id)
        return None

    def _maybe_placed(self, actor: str, channel: str, calling: Party, called: Party) -> str:
        """makeCall's answer was lost: the call may be ringing. Without its callId nothing can
        follow it, so say so in the channel (where its card would be) and to the caller, and
        never place it again on our own."""
        with self.db.transaction() as tx:
            tx.audit.record(
                actor, "call.place", f"{calling.number} -> {called.number}", "outcome unknown"
            )
        calling_label, called_label = self._label(calling.uri), self._label(called.uri)
        card = unknown_call_card(calling_label, called_label, actor)
        try:
            self.chat.post(channel, card.as_text(), card=card)
        except ChatError as error:  # the caller must still hear it may be ringing
            log.warning("the maybe-placed call's card was not posted: %s", error.reason)
        return (
            f":warning: {NO_ANSWER}; the call from {calling_label} to {called_label} may have "
            "been placed. If the phones ring, it was; if not, check with them before you call "
            "again: a second `/call` may ring them twice."
        )

    def refresh(self, call_id: str) -> bool:
        """Fetch the call's state; update its card when something visible changed."""
        info = self.telephony.get_call_information(call_id)
        return self._store(
            call_id, info.status, info.termination_cause, info.start_time, info.duration
        )

    def forget(self, call_id: str) -> bool:
        """Web21C no longer knows the call: show it as ended so it is not polled again."""
        with self.db.transaction() as tx:
            call = tx.calls.get(call_id)
        if call is None:
            return False
        return self._store(call_id, CallStatus.TERMINATED, None, call.start_time, call.duration)

    def _store(self, call_id: str, status, cause, start_time, duration: int) -> bool:
        with self.db.transaction() as tx:
            before = tx.calls.get(call_id)
            tx.calls.update_state(call_id, status, cause, start_time, duration)
            after = tx.calls.get(call_id)
        if self.outcomes is not None and after.status == CallStatus.TERMINATED:
            self.outcomes.call_ended(after)  # posted once, however often the end is seen
        old, new = self._card(before), self._card(after)
        if old == new or not after.card_ts:
            return False
        self.chat.update(after.channel_id, after.card_ts, new.as_text(), card=new)
        self.changed_for(self._people(after))
        return True

    def _people(self, call) -> set[str]:
        people = {call.started_by}
        for uri in (call.calling_party, call.called_party):
            user = self.directory.user_with(display(uri))
            if user:
                people.add(user)
        return people

    def card_of(self, call):
        """The call's card as the channel shows it (for the App Home)."""
        return self._card(call)

    def _card(self, call):
        return call_card(call, self._label(call.calling_party), self._label(call.called_party))

    def _label(self, uri: str) -> str:
        return self.directory.label(uri)

    def _me(self, actor: str) -> Party:
        number = self.directory.number_of(actor)
        if number is None:
            raise Rejected(
                "You have no known number, so the bridge can't ring you first: register one with "
                "`/phone <number>`, or name both people: `/call @alice @bob`."
            )
        try:
            check_allowed(number, self.policy.allowed_countries)
        except NumberRejected as error:
            raise Rejected(str(error)) from None
        return Party(number.uri, actor)
