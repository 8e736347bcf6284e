"""Conference calls: `/conf`, the roster card, inviting, dropping and ending."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.commands import Target
from bot.core.domain import ConferenceStatus, OutcomeUnknown, ParticipantStatus, TelephonyError
from bot.core.numbers import display
from bot.core.ports import ChatSurface, Telephony
from bot.services.call_outcomes import CallOutcomes
from bot.services.cards import conference_card
from bot.services.errors import Rejected
from bot.services.parties import Directory, Party, Policy
from bot.services.telephony_errors import NO_ANSWER, explain
from storage import Database

log = logging.getLogger(__name__)

# inviteParticipant's answer was lost: without the participantId the card can't show or drop
# them (getParticipants gives ids and states, not numbers, so they can't be matched up).
MAYBE_INVITED = (
    f":warning: {NO_ANSWER}; they may have been invited (their phone may ring), but the card "
    "can't show or drop them."
)


@dataclass
class Conferences:
    db: Database
    telephony: Telephony
    chat: ChatSurface
    directory: Directory
    policy: Policy
    outcomes: CallOutcomes | None = None  # the line an ended conference leaves in threads
    # Told the Slack users a conference's visible change concerns (their App Home shows it).
    changed_for: Callable[[set[str]], None] = lambda users: None

    def start(self, actor: str, channel: str, targets: tuple[Target, ...]) -> str | None:
        parties = self._distinct([self.directory.party(t) for t in targets])
        try:
            conference_id = self.telephony.create_conference()
        except OutcomeUnknown:
            with self.db.transaction() as tx:
                tx.audit.record(actor, "conference.start", "", "outcome unknown")
            raise Rejected(
                f":warning: {NO_ANSWER}; a conference may have been created, but no one was "
                "invited to it, so no phone rings. `/conf` again is safe."
            ) from None
        except TelephonyError as error:
            raise Rejected(f"The conference was not started: {explain(error)}") from None
        with self.db.transaction() as tx:
            tx.conferences.add(conference_id, actor, channel)
            tx.audit.record(
                actor, "conference.start", conference_id, ", ".join(p.number for p in parties)
            )
        problems = [(p, self._invite(actor, conference_id, p)) for p in parties]
        failures = [f"{p.label}: {why}" for p, why in problems if why and why != MAYBE_INVITED]
        maybes = [f"{p.label}: {why}" for p, why in problems if why == MAYBE_INVITED]
        card = self._card(conference_id)
        ts = self.chat.post(channel, card.as_text(), card=card)
        with self.db.transaction() as tx:
            tx.conferences.set_card(conference_id, channel, ts)
        self._redraw(conference_id, card)  # a refresh may have stored news while we posted
        lines = []
        if failures:
            lines += ["Some people could not be invited:", *failures]
        lines += maybes
        if lines:
            return "\n".join(lines)
        return None

    def invite(self, actor: str, conference_id: str, target: Target) -> str | None:
        conference = self._live(conference_id)
        self._require(actor, conference, "invite people")
        party = self.directory.party(target)
        with self.db.transaction() as tx:
            present = {p.uri for p in tx.conferences.participants(conference_id)}
        if party.uri in present:
            raise Rejected(f"{party.label} is already in this conference.")
        before = self._card(conference_id)
        problem = self._invite(actor, conference_id, party)
        if problem == MAYBE_INVITED:
            return f"{party.label}: {problem}"
        if problem:
            raise Rejected(f"Could not invite {party.label}: {problem}")
        with self.db.transaction() as tx:
            tx.audit.record(actor, "conference.invite", conference_id, party.number)
        self._redraw(conference_id, before)
        return None

    def drop(self, actor: str, participant_id: str) -> str | None:
        with self.db.transaction() as tx:
            participant = tx.conferences.participant(participant_id)
        if participant is None:
            raise Rejected("That participant is not one the bridge knows.")
        conference = self._live(participant.conference_id)
        if actor != participant.slack_user_id:
            self._require(actor, conference, "drop other people")
        if participant.status == ParticipantStatus.DISCONNECTED:
            return "They have already left."
        try:
            self.telephony.disconnect_participant(participant_id)
        except OutcomeUnknown:
            self._audit_unknown(actor, "conference.drop", participant.conference_id)
            return (
                f":warning: {NO_ANSWER}; they may have been dropped. The card shows it once "
                "Web21C reports them gone."
            )
        except TelephonyError as error:
            raise Rejected(f"Could not drop them: {explain(error)}") from None
        with self.db.transaction() as tx:
            tx.audit.record(
                actor, "conference.drop", participant.conference_id, display(participant.uri)
            )
        self.refresh(participant.conference_id)
        return None

    def end(self, actor: str, conference_id: str) -> str | None:
        conference = self._live(conference_id)
        self._require(actor, conference, "end it")
        try:
            self.telephony.end_conference(conference_id)
        except OutcomeUnknown:
            self._audit_unknown(actor, "conference.end", conference_id)
            return (
                f":warning: {NO_ANSWER}; the conference may have ended. Its card shows it once "
                "Web21C reports it ended; press End conference again if it is still going."
            )
        except TelephonyError as error:
            raise Rejected(f"Could not end the conference: {explain(error)}") from None
        with self.db.transaction() as tx:
            tx.audit.record(actor, "conference.end", conference_id, "")
        self.refresh(conference_id)
        return None

    def refresh(self, conference_id: str) -> bool:
        """Fetch the conference's and participants' states; update the card if it changed."""
        info = self.telephony.get_conference_info(conference_id)
        participants = self.telephony.get_participants(conference_id)
        return self._store(
            conference_id,
            lambda tx: (
                tx.conferences.update_state(
                    conference_id,
                    info.status,
                    info.start_time,
                    info.duration,
                    info.number_of_participants,
                ),
                [
                    tx.conferences.update_participant(p.participant_id, p.status, p.start_time)
                    for p in participants
                ],
            ),
        )

    def forget(self, conference_id: str) -> bool:
        """Web21C no longer knows the conference: show it as ended so it is not polled again."""
        with self.db.transaction() as tx:
            conference = tx.conferences.get(conference_id)
        if conference is None:
            return False
        return self._store(
            conference_id,
            lambda tx: tx.conferences.update_state(
                conference_id,
                ConferenceStatus.TERMINATED,
                conference.start_time,
                conference.duration,
                conference.number_of_participants,
            ),
        )

    def _store(self, conference_id: str, write) -> bool:
        before = self._card(conference_id)
        with self.db.transaction() as tx:
            write(tx)
        return self._redraw(conference_id, before)

    def _redraw(self, conference_id: str, before) -> bool:
        """Update the card if it no longer looks like `before`; True if it did."""
        with self.db.transaction() as tx:
            conference = tx.conferences.get(conference_id)
        if self.outcomes is not None and conference.status == ConferenceStatus.TERMINATED:
            self.outcomes.conference_ended(conference)  # posted once, however often seen
        after = self._card(conference_id)
        if before == after or not conference.card_ts:
            return False
        self.chat.update(conference.channel_id, conference.card_ts, after.as_text(), card=after)
        with self.db.transaction() as tx:
            participants = tx.conferences.participants(conference_id)
        people = {conference.started_by} | {p.slack_user_id for p in participants}
        self.changed_for({p for p in people if p})
        return True

    def _audit_unknown(self, actor: str, action: str, target: str) -> None:
        with self.db.transaction() as tx:
            tx.audit.record(actor, action, target, "outcome unknown")

    def _invite(self, actor: str, conference_id: str, party: Party) -> str | None:
        """Invite one party; the problem in words if it failed (MAYBE_INVITED if Web21C
        never answered), else None."""
        try:
            participant_id = self.telephony.invite_participant(conference_id, party.uri)
        except OutcomeUnknown:
            self._audit_unknown(actor, "conference.invite", conference_id)
            return MAYBE_INVITED
        except TelephonyError as error:
            return explain(error)
        with self.db.transaction() as tx:
            tx.conferences.add_participant(conference_id, participant_id, party.uri, party.user_id)
        return None

    def card_of(self, conference_id: str):
        """The conference's card as the channel shows it (for the App Home)."""
        return self._card(conference_id)

    def _card(self, conference_id: str):
        with self.db.transaction() as tx:
            conference = tx.conferences.get(conference_id)
            participants = tx.conferences.participants(conference_id)
        labels = {}
        for p in participants:
            user = p.slack_user_id
            labels[p.participant_id] = f"<@{user}>" if user else self.directory.label(p.uri)
        return conference_card(conference, participants, labels)

    def _live(self, conference_id: str):
        with self.db.transaction() as tx:
            conference = tx.conferences.get(conference_id)
        if conference is None:
            raise Rejected("That conference is not one the bridge knows.")
        if conference.status == ConferenceStatus.TERMINATED:
            raise Rejected("That conference has already ended.")
        return conference

    def _require(self, actor: str, conference, what: str) -> None:
        if actor != conference.started_by and not self.policy.is_admin(actor):
            raise Rejected(f"Only the person who started the conference and admins can {what}.")

    @staticmethod
    def _distinct(parties: list[Party]) -> list[Party]:
        seen: dict[str, Party] = {}
        for party in parties:
            if party.uri in seen:
                raise Rejected(f"{party.label} is named twice; each person can be invited once.")
            seen[party.uri] = party
        return list(seen.values())
