"""Frozen records the repositories return: plain values, safe to keep after a transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.domain import (
    CallStatus,
    CallTerminationCause,
    ConferenceStatus,
    MessageStatus,
    ParticipantStatus,
)


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class DirectorySource(StrEnum):
    VERIFIED = "verified"  # the user proved it with the code texted to it
    ADMIN = "admin"  # an admin set it (audited)
    PROFILE = "profile"  # read from the user's Slack profile: rings them, proves nothing


@dataclass(frozen=True)
class DirectoryEntry:
    slack_user_id: str
    phone_number: str
    source: DirectorySource
    updated_at: datetime


@dataclass(frozen=True)
class PhoneVerification:
    slack_user_id: str
    phone_number: str
    code_hash: str | None
    sent_at: datetime | None
    expires_at: datetime
    attempts: int
    locked_until: datetime | None


@dataclass(frozen=True)
class Route:
    keyword: str
    channel_id: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Conversation:
    id: int
    phone_number: str
    channel_id: str
    thread_ts: str | None
    created_at: datetime
    last_activity_at: datetime
    thread_opening_at: datetime | None = None  # its header is being posted since then


@dataclass(frozen=True)
class Message:
    id: int
    direction: Direction
    web21c_message_id: str | None
    conversation_id: int | None
    channel_id: str | None
    slack_ts: str | None
    text: str
    sender: str
    keyword: str | None
    received_at: datetime | None
    created_at: datetime
    post_started_at: datetime | None
    posted_at: datetime | None
    cleared_at: datetime | None
    event_token: str | None
    bridge_post: bool
    outcome_unknown: bool = False


@dataclass(frozen=True)
class Recipient:
    message_id: int
    destination_uri: str
    status: MessageStatus
    updated_at: datetime


@dataclass(frozen=True)
class Call:
    call_id: str
    calling_party: str
    called_party: str
    started_by: str
    channel_id: str
    card_ts: str | None
    status: CallStatus
    termination_cause: CallTerminationCause | None
    start_time: datetime | None
    duration: int
    created_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class Conference:
    conference_id: str
    started_by: str
    channel_id: str
    card_ts: str | None
    status: ConferenceStatus
    start_time: datetime | None
    duration: int
    number_of_participants: int
    created_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class Participant:
    participant_id: str
    conference_id: str
    uri: str
    slack_user_id: str | None
    status: ParticipantStatus
    start_time: datetime | None


@dataclass(frozen=True)
class OptOut:
    phone_number: str
    word: str
    opted_out_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: str


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    expires_at: datetime


@dataclass(frozen=True)
class WorkItem:
    id: int
    kind: str
    payload: dict
    created_at: datetime
    started_at: datetime | None
    claim: str | None = None  # this attempt's claim: needed to mark, renew or finish it
    ordering_key: str | None = None
    side_effect_at: datetime | None = None  # an earlier attempt began its side effect
    attempts: int = 0  # claims so far, this one included


@dataclass(frozen=True)
class Contact:
    phone_number: str  # E.164
    name: str
    set_by: str
    updated_at: datetime


@dataclass(frozen=True)
class Note:
    id: int
    conversation_id: int
    channel_id: str
    slack_ts: str
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class ThreadView:
    """A conversation's Slack thread, as the console lists it."""

    thread_ts: str
    channel_id: str
    phone_number: str


@dataclass(frozen=True)
class CallCard:
    """What a call's card shows; status as stored (a bot.core.domain.CallStatus value)."""

    card_ts: str
    status: str
    calling_party: str
    called_party: str


@dataclass(frozen=True)
class ConferenceCard:
    """What a conference's card shows; status as stored (a ConferenceStatus value)."""

    card_ts: str
    status: str
    number_of_participants: int | None


@dataclass(frozen=True)
class StoredText:
    """A message's stored text, and the ts of its conversation's thread if it has one."""

    text: str
    thread_ts: str | None


@dataclass(frozen=True)
class ScheduledText:
    id: int
    requester: str
    channel_id: str
    typed: str
    send_at: datetime
    zone: str
    status: str
    created_at: datetime
    settled_at: datetime | None
    outcome: str | None
