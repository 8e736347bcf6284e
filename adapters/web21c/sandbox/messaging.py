"""Texts: outbound messages with a status timeline per recipient, and the inbound queue.

Outbound, each recipient goes Initial -> Sent -> Delivered, or Failed (unreachable), Blocked,
or Sent -> Retrying -> Delivered (temporarily unreachable), at fixed simulated offsets.
Inbound texts wait per keyword (the first word, matched case-insensitively) until cleared;
the empty keyword reads them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.web21c.sandbox.phones import Phone, SmsOutcome
from bot.core.domain import MessageStatus

SENT_AFTER = 1.0
DELIVERED_AFTER = 3.0
FAILED_AFTER = 2.0
BLOCKED_AFTER = 1.0
RETRYING_AFTER = 3.0
RETRY_DELIVERED_AFTER = 15.0
ECHO_REPLY_AFTER = 2.0  # after delivery

_TIMELINES: dict[SmsOutcome, tuple[tuple[float, MessageStatus], ...]] = {
    SmsOutcome.DELIVERED: (
        (SENT_AFTER, MessageStatus.SENT),
        (DELIVERED_AFTER, MessageStatus.DELIVERED),
    ),
    SmsOutcome.FAILED: ((FAILED_AFTER, MessageStatus.FAILED),),
    SmsOutcome.BLOCKED: ((BLOCKED_AFTER, MessageStatus.BLOCKED),),
    SmsOutcome.FLAKY: (
        (SENT_AFTER, MessageStatus.SENT),
        (RETRYING_AFTER, MessageStatus.RETRYING),
        (RETRY_DELIVERED_AFTER, MessageStatus.DELIVERED),
    ),
}


@dataclass
class Recipient:
    uri: str
    steps: list[tuple[float, MessageStatus]]  # (simulated time, status), Initial first
    reported: int = 1  # steps already POSTed to the event url (Initial is not an event)

    @classmethod
    def texted(cls, uri: str, phone: Phone, now: float) -> Recipient:
        steps = [(now, MessageStatus.INITIAL)]
        steps += [(now + offset, status) for offset, status in _TIMELINES[phone.sms]]
        return cls(uri, steps)

    def status(self, now: float) -> MessageStatus:
        current = self.steps[0][1]
        for moment, status in self.steps:
            if moment <= now:
                current = status
        return current

    def delivered_at(self) -> float | None:
        return next((t for t, s in self.steps if s is MessageStatus.DELIVERED), None)

    def due_events(self, now: float) -> list[tuple[float, MessageStatus]]:
        """Status changes that happened but were not yet reported; marks them reported."""
        due = [step for step in self.steps[self.reported :] if step[0] <= now]
        self.reported += len(due)
        return due


@dataclass
class OutboundMessage:
    message_id: str
    capability: str
    sender: str | None
    text: str
    created: float
    recipients: list[Recipient]
    event_url: str | None = None


@dataclass
class InboundText:
    message_id: str
    keyword: str
    sender_uri: str
    destination_uri: str
    text: str
    received: float


def first_word(text: str) -> str:
    words = text.split()
    return words[0] if words else ""


@dataclass
class InboundQueue:
    """Texts waiting for getReceivedMessages, plus echo replies not yet arrived."""

    waiting: dict[str, InboundText] = field(default_factory=dict)
    scheduled: list[InboundText] = field(default_factory=list)

    def add(self, text: InboundText) -> None:
        self.waiting[text.message_id] = text

    def schedule(self, text: InboundText) -> None:
        self.scheduled.append(text)

    def _arrive(self, now: float) -> None:
        arrived = [t for t in self.scheduled if t.received <= now]
        if arrived:
            self.scheduled = [t for t in self.scheduled if t.received > now]
            for text in sorted(arrived, key=lambda t: t.received):
                self.add(text)

    def for_keyword(self, keyword: str, now: float) -> list[InboundText]:
        """Texts waiting for `keyword`, oldest first; the empty keyword means every waiting
        text (BT's SDK examples polled getReceivedMessages("") to read them all)."""
        wanted = keyword.strip().casefold()
        if not wanted:
            return self.all_waiting(now)
        self._arrive(now)
        return sorted(
            (t for t in self.waiting.values() if t.keyword.casefold() == wanted),
            key=lambda t: t.received,
        )

    def all_waiting(self, now: float) -> list[InboundText]:
        self._arrive(now)
        return sorted(self.waiting.values(), key=lambda t: t.received)

    def clear(self, message_ids: list[str]) -> int:
        """Removes those still waiting; unknown or already-cleared ids count for nothing."""
        cleared = 0
        for message_id in dict.fromkeys(message_ids):
            if self.waiting.pop(message_id, None) is not None:
                cleared += 1
        return cleared
