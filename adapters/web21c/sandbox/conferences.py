"""Conferences: Initial -> Active (first participant connects) -> Terminated (endConference).

Each invited participant is rung like a call leg: Invited while ringing, Connected once it
answers, Disconnected when it hangs up, fails to answer, is disconnected, or the conference
ends. Everything is worked out from simulated seconds when read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.web21c.sandbox.calls import FOREVER, hang_up_time, ring
from adapters.web21c.sandbox.phones import Phone
from bot.core.domain import ConferenceStatus, ParticipantStatus

INVITE_DIAL_TIMEOUT_SECONDS = 30


@dataclass
class Participant:
    participant_id: str
    conference_id: str
    uri: str
    invited: float
    connected: float | None  # when it answers, if it does
    left: float  # when it would leave on its own (hang-up or failed ring)
    disconnected_by_controller: float | None = None

    @classmethod
    def invite(
        cls, participant_id: str, conference_id: str, uri: str, phone: Phone, now: float
    ) -> Participant:
        ringing = ring(phone, now, INVITE_DIAL_TIMEOUT_SECONDS)
        if ringing.answered is None:
            left = ringing.failed if ringing.failed is not None else now
            return cls(participant_id, conference_id, uri, now, None, left)
        return cls(
            participant_id,
            conference_id,
            uri,
            now,
            ringing.answered,
            hang_up_time(phone, ringing.answered),
        )

    def left_at(self) -> float:
        if self.disconnected_by_controller is not None:
            return min(self.left, self.disconnected_by_controller)
        return self.left

    def connected_at(self) -> float | None:
        """When it connected, if it did before leaving."""
        if self.connected is None or self.connected >= self.left_at():
            return None
        return self.connected

    def status(self, now: float) -> ParticipantStatus:
        if self.left_at() <= now:
            return ParticipantStatus.DISCONNECTED
        connected = self.connected_at()
        if connected is not None and connected <= now:
            return ParticipantStatus.CONNECTED
        return ParticipantStatus.INVITED

    def start_time(self, now: float) -> float | None:
        connected = self.connected_at()
        return connected if connected is not None and connected <= now else None

    def disconnect(self, now: float) -> None:
        if self.disconnected_by_controller is None and now < self.left_at():
            self.disconnected_by_controller = now


@dataclass
class Conference:
    conference_id: str
    created: float
    ended: float = FOREVER
    participants: list[Participant] = field(default_factory=list)

    def start_time(self, now: float) -> float | None:
        """When the first participant connected (as seen at `now`, before any end)."""
        horizon = min(now, self.ended)
        starts = [t for t in (p.connected_at() for p in self.participants) if t is not None]
        first = min(starts, default=None)
        return first if first is not None and first <= horizon else None

    def status(self, now: float) -> ConferenceStatus:
        if self.ended <= now:
            return ConferenceStatus.TERMINATED
        return (
            ConferenceStatus.ACTIVE
            if self.start_time(now) is not None
            else ConferenceStatus.INITIAL
        )

    def duration(self, now: float) -> int:
        start = self.start_time(now)
        return 0 if start is None else int(min(now, self.ended) - start)

    def connected_count(self, now: float) -> int:
        return sum(p.status(now) is ParticipantStatus.CONNECTED for p in self.participants)

    def end(self, now: float) -> None:
        """endConference: everyone still on the line is disconnected now."""
        if self.ended <= now:
            return
        self.ended = now
        for participant in self.participants:
            participant.disconnect(now)
