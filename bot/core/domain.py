"""The bridge's own vocabulary for telephony: statuses, call/conference facts and errors.

These types cross the Telephony port (bot.core.ports): the Web21C adapter turns SOAP into them,
the services and front ends read them. Enum values are Web21C's exact wire values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CallStatus(StrEnum):
    INITIAL = "CallInitial"
    CONNECTED = "CallConnected"
    TERMINATED = "CallTerminated"


class CallTerminationCause(StrEnum):
    CALLING_PARTY_UNAVAILABLE = "CallingPartyUnavailable"
    CALLED_PARTY_UNAVAILABLE = "CalledPartyUnavailable"
    CALLING_PARTY_HUNG_UP = "CallingPartyHungUp"
    CALLED_PARTY_HUNG_UP = "CalledPartyHungUp"
    TERMINATED_BY_CONTROLLER = "CallTerminatedByController"
    NOT_TERMINATED = "CallNotTerminated"


class ConferenceStatus(StrEnum):
    INITIAL = "Initial"
    ACTIVE = "Active"
    TERMINATED = "Terminated"


class ParticipantStatus(StrEnum):
    INVITED = "Invited"
    CONNECTED = "Connected"
    DISCONNECTED = "Disconnected"


class MessageStatus(StrEnum):
    INITIAL = "Initial"
    SENT = "Sent"
    DELIVERED = "Delivered"
    FAILED = "Failed"
    BLOCKED = "Blocked"
    RETRYING = "Retrying"

    @property
    def is_final(self) -> bool:
        """Delivered, Failed and Blocked never change again; the others may."""
        return self in (MessageStatus.DELIVERED, MessageStatus.FAILED, MessageStatus.BLOCKED)


@dataclass(frozen=True)
class CallInformation:
    status: CallStatus
    start_time: datetime | None
    duration: int
    termination_cause: CallTerminationCause


@dataclass(frozen=True)
class ConferenceInfo:
    conference_id: str
    status: ConferenceStatus
    start_time: datetime | None
    duration: int
    number_of_participants: int


@dataclass(frozen=True)
class ParticipantInfo:
    participant_id: str
    status: ParticipantStatus
    start_time: datetime | None


@dataclass(frozen=True)
class DeliveryStatus:
    destination_uri: str
    status: MessageStatus


@dataclass(frozen=True)
class InboundMessage:
    message_id: str
    keyword: str
    sender_uri: str
    destination_uri: str
    text: str
    receive_time: datetime


class TelephonyError(Exception):
    """Base of every error the Telephony port raises; `fault_string` is the service's words."""

    def __init__(self, fault_string: str):
        super().__init__(fault_string)
        self.fault_string = fault_string


class PermissionDenied(TelephonyError):
    """The service refused the caller (certificate or permission problem)."""


class InvalidArgument(TelephonyError):
    """The request was malformed or a value was out of range."""


class NotFound(TelephonyError):
    """An unknown callId, conferenceId, participantId or messageId."""


class ServiceFailure(TelephonyError):
    """The service answered with a server-side fault."""


class ServiceUnavailable(TelephonyError):
    """The service could not be reached, or did not answer in time."""


class OutcomeUnknown(ServiceUnavailable):
    """A write reached Web21C but no usable answer came back (a read timeout, a reset, a cut
    or unreadable answer): it may have been carried out. Never report it as not done, and
    never repeat it blindly; a later callback or status may settle it.

    A ServiceUnavailable too, so code that only backs off while Web21C is unwell needs no
    change; code that tells people what happened must ask for this first.
    """


class ChatError(Exception):
    """A chat front end could not do what was asked; `retry_after` is set when rate limited.

    `permanent` errors (channel archived, bot not in the channel) will not mend by retrying
    soon; the rest (outages, rate limits) will. `unanswered` means no answer came back (a
    timeout, a dropped connection): the request may still have been carried out.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        unanswered: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
        self.unanswered = unanswered
