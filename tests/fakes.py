"""Hand-written fakes at the ports (bot.core.ports), for unit tests of the services.

They behave like the real thing in the ways the services rely on and record what was asked of
them; they are not mocks: no expectations, no auto-generated attributes.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.cards import Card
from bot.core.domain import (
    CallInformation,
    CallStatus,
    CallTerminationCause,
    ChatError,
    ConferenceInfo,
    ConferenceStatus,
    DeliveryStatus,
    InboundMessage,
    MessageStatus,
    NotFound,
    OutcomeUnknown,
    ParticipantInfo,
    ParticipantStatus,
    TelephonyError,
)


class FakeClock:
    def __init__(self, start: datetime | None = None):
        self.current = start or datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@dataclass
class SentText:
    message_id: str
    recipients: list[str]
    sender: str
    text: str
    event_url: str | None


class FakeTelephony:
    """Web21C in memory: texts, calls and conferences whose state tests set directly."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.sent: list[SentText] = []
        self.statuses: dict[str, list[DeliveryStatus]] = {}
        self.inbox: dict[str, list[InboundMessage]] = {}
        self.calls: dict[str, CallInformation] = {}
        self.call_parties: dict[str, tuple[str, str]] = {}
        self.conferences: dict[str, ConferenceInfo] = {}
        self.participants: dict[str, dict[str, ParticipantInfo]] = {}
        self.participant_uris: dict[str, str] = {}
        self.failure: TelephonyError | None = None  # raised by the next call, then cleared
        # The next write is carried out, then its answer is lost (raises OutcomeUnknown).
        self.lose_next_answer = False
        self.cleared: list[str] = []

    def _maybe_fail(self) -> None:
        if self.failure is not None:
            failure, self.failure = self.failure, None
            raise failure

    def _answer(self, value: str) -> str:
        """What a write returns, unless its answer is to be lost on the way back."""
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise OutcomeUnknown("Web21C did not answer in time (fake)")
        return value

    def _id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    # messaging
    def send_message(
        self, recipient_uris: Sequence[str], sender: str, text: str, event_url: str | None = None
    ) -> str:
        self._maybe_fail()
        message_id = self._id("msg")
        self.sent.append(SentText(message_id, list(recipient_uris), sender, text, event_url))
        self.statuses[message_id] = [
            DeliveryStatus(u, MessageStatus.INITIAL) for u in recipient_uris
        ]
        return self._answer(message_id)

    def get_message_delivery_statuses(self, message_id: str) -> list[DeliveryStatus]:
        self._maybe_fail()
        if message_id not in self.statuses:
            raise NotFound(f"unknown messageId {message_id}")
        return list(self.statuses[message_id])

    def receive(self, keyword: str, sender_uri: str, text: str) -> str:
        message_id = self._id("in")
        message = InboundMessage(
            message_id,
            keyword,
            sender_uri,
            "tel:+447700900999",
            text,
            datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
        )
        self.inbox.setdefault(keyword.lower(), []).append(message)
        return message_id

    def get_received_messages(self, keyword: str) -> list[InboundMessage]:
        self._maybe_fail()
        if not keyword.strip():  # as Web21C: the empty keyword reads every waiting text
            return [m for messages in list(self.inbox.values()) for m in messages]
        return list(self.inbox.get(keyword.lower(), []))

    def clear_received_messages(self, message_ids: Sequence[str]) -> int:
        self._maybe_fail()
        cleared = 0
        for keyword, messages in self.inbox.items():
            kept = [m for m in messages if m.message_id not in message_ids]
            cleared += len(messages) - len(kept)
            self.inbox[keyword] = kept
        self.cleared.extend(message_ids)
        return int(self._answer(str(cleared)))

    # calls
    def make_call(
        self, calling_party: str, called_party: str, dial_timeout_sec: int | None = None
    ) -> str:
        self._maybe_fail()
        call_id = self._id("call")
        self.calls[call_id] = CallInformation(
            CallStatus.INITIAL, None, 0, CallTerminationCause.NOT_TERMINATED
        )
        self.call_parties[call_id] = (calling_party, called_party)
        return self._answer(call_id)

    def get_call_information(self, call_id: str) -> CallInformation:
        self._maybe_fail()
        if call_id not in self.calls:
            raise NotFound(f"unknown callId {call_id}")
        return self.calls[call_id]

    def end_call(self, call_id: str) -> str:
        self._maybe_fail()
        info = self.get_call_information(call_id)
        self.calls[call_id] = CallInformation(
            CallStatus.TERMINATED,
            info.start_time,
            info.duration,
            CallTerminationCause.TERMINATED_BY_CONTROLLER,
        )
        return self._answer("ok")

    def close(self) -> None:
        self.closed = True

    # conferences
    def create_conference(self) -> str:
        self._maybe_fail()
        conference_id = self._id("conf")
        self.conferences[conference_id] = ConferenceInfo(
            conference_id, ConferenceStatus.INITIAL, None, 0, 0
        )
        self.participants[conference_id] = {}
        return self._answer(conference_id)

    def invite_participant(self, conference_id: str, participant_uri: str) -> str:
        self._maybe_fail()
        if conference_id not in self.conferences:
            raise NotFound(f"unknown conferenceId {conference_id}")
        participant_id = self._id("part")
        self.participants[conference_id][participant_id] = ParticipantInfo(
            participant_id, ParticipantStatus.INVITED, None
        )
        self.participant_uris[participant_id] = participant_uri
        return self._answer(participant_id)

    def get_conference_info(self, conference_id: str) -> ConferenceInfo:
        self._maybe_fail()
        if conference_id not in self.conferences:
            raise NotFound(f"unknown conferenceId {conference_id}")
        return self.conferences[conference_id]

    def get_participants(self, conference_id: str) -> list[ParticipantInfo]:
        self._maybe_fail()
        return list(self.participants[conference_id].values())

    def get_participant_info(self, participant_id: str) -> ParticipantInfo:
        for people in self.participants.values():
            if participant_id in people:
                return people[participant_id]
        raise NotFound(f"unknown participantId {participant_id}")

    def disconnect_participant(self, participant_id: str) -> str:
        self._maybe_fail()
        for people in self.participants.values():
            if participant_id in people:
                info = people[participant_id]
                people[participant_id] = ParticipantInfo(
                    participant_id, ParticipantStatus.DISCONNECTED, info.start_time
                )
                return self._answer("ok")
        raise NotFound(f"unknown participantId {participant_id}")

    def end_conference(self, conference_id: str) -> str:
        self._maybe_fail()
        info = self.get_conference_info(conference_id)
        self.conferences[conference_id] = ConferenceInfo(
            conference_id, ConferenceStatus.TERMINATED, info.start_time, info.duration, 0
        )
        for pid, p in self.participants[conference_id].items():
            self.participants[conference_id][pid] = ParticipantInfo(
                pid, ParticipantStatus.DISCONNECTED, p.start_time
            )
        return self._answer("ok")


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    thread_ts: str | None
    card: Card | None
    metadata: Mapping[str, Any] | None
    edits: list[str] = field(default_factory=list)


@dataclass
class SentFile:
    user: str
    filename: str
    content: bytes
    comment: str


class FakeChat:
    """A chat front end in memory: posts, edits, ephemerals, reactions, users and channels."""

    def __init__(self) -> None:
        self._ts = itertools.count(1)
        self.messages: dict[tuple[str, str], Posted] = {}
        self.ephemerals: list[tuple[str, str, str]] = []
        self.reactions: dict[tuple[str, str], set[str]] = {}
        self.users: dict[str, dict[str, str | None]] = {}
        self.channels: dict[str, str] = {}
        self.refuse: dict[str, ChatError] = {}  # channel -> error raised by post
        self.members: dict[str, set[str]] = {}  # channel -> its members (none if unset)
        self.files: list[SentFile] = []
        self.ephemeral_cards: list[tuple[str, str, Card]] = []

    def add_user(self, user_id: str, name: str, phone: str | None = None) -> None:
        self.users[user_id] = {"name": name, "phone": phone}

    def post(
        self,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        card: Card | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        if channel in self.refuse:
            raise self.refuse[channel]
        ts = f"{1700000000 + next(self._ts)}.000100"
        self.messages[(channel, ts)] = Posted(channel, ts, text, thread_ts, card, metadata)
        return ts

    def turn(self, channel: str) -> AbstractContextManager[None]:
        return nullcontext()

    def update(self, channel: str, ts: str, text: str, *, card: Card | None = None) -> None:
        posted = self.messages[(channel, ts)]
        posted.edits.append(posted.text)
        posted.text, posted.card = text, card

    def post_ephemeral(
        self, channel: str, user: str, text: str, *, card: Card | None = None
    ) -> None:
        self.ephemerals.append((channel, user, text))
        if card is not None:
            self.ephemeral_cards.append((channel, user, card))

    def react(self, channel: str, ts: str, name: str) -> None:
        self.reactions.setdefault((channel, ts), set()).add(name)

    def unreact(self, channel: str, ts: str, name: str) -> None:
        self.reactions.get((channel, ts), set()).discard(name)

    def user_phone(self, user_id: str) -> str | None:
        return (self.users.get(user_id) or {}).get("phone")

    def user_name(self, user_id: str) -> str | None:
        return (self.users.get(user_id) or {}).get("name")

    def user_timezone(self, user_id: str) -> str | None:
        return (self.users.get(user_id) or {}).get("tz", "Europe/London")

    def find_user(self, name: str) -> str | None:
        return next((uid for uid, u in self.users.items() if u["name"] == name), None)

    def find_channel(self, name: str) -> str | None:
        return self.channels.get(name)

    def channel_members(self, channel: str) -> frozenset[str]:
        return frozenset(self.members.get(channel, ()))

    def send_file(self, user: str, filename: str, content: bytes, comment: str) -> str:
        self.files.append(SentFile(user, filename, content, comment))
        return f"in your direct messages as {filename}"

    # inspection helpers
    def in_channel(self, channel: str) -> list[Posted]:
        return [m for (c, _), m in self.messages.items() if c == channel]

    def thread(self, channel: str, thread_ts: str) -> list[Posted]:
        return [m for m in self.in_channel(channel) if m.thread_ts == thread_ts]

    def top_level(self, channel: str) -> list[Posted]:
        return [m for m in self.in_channel(channel) if m.thread_ts is None]
