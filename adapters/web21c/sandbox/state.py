"""The sandbox's world: calls, conferences and texts behind one lock, on one simulated clock.

The SOAP and admin front ends call these methods from many server threads; every method
takes the lock, so each sees and leaves a consistent world. Results are bot.core.domain values
(the wire shapes) or plain dicts for the JSON views.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from typing import Any

from adapters.web21c.sandbox.calls import DEFAULT_DIAL_TIMEOUT_SECONDS, Call, plan_call
from adapters.web21c.sandbox.clock import SimClock, xs_datetime
from adapters.web21c.sandbox.conferences import Conference, Participant
from adapters.web21c.sandbox.messaging import (
    ECHO_REPLY_AFTER,
    InboundQueue,
    InboundText,
    OutboundMessage,
    Recipient,
    first_word,
)
from adapters.web21c.sandbox.phones import ECHO_NUMBER, Phone, UnknownMockPhone, phone_for
from bot.core.domain import (
    CallInformation,
    ConferenceInfo,
    ConferenceStatus,
    DeliveryStatus,
    InboundMessage,
    ParticipantInfo,
)

DEFAULT_SERVICE_URI = "tel:+447700900999"


class UnknownId(LookupError):
    """No call, conference, participant or message has this id."""


class Refused(ValueError):
    """A well-formed request the sandbox cannot carry out (e.g. inviting into an ended call)."""


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def _phone(uri: str) -> Phone:
    try:
        return phone_for(uri)
    except UnknownMockPhone as error:
        raise Refused(str(error)) from None


class SandboxState:
    def __init__(
        self,
        clock: SimClock,
        reply_keyword: str = "bridge",
        service_uri: str = DEFAULT_SERVICE_URI,
    ):
        self.clock = clock
        self.reply_keyword = reply_keyword
        self.service_uri = service_uri
        self._lock = threading.RLock()
        self._calls: dict[str, Call] = {}
        self._conferences: dict[str, Conference] = {}
        self._participants: dict[str, Participant] = {}
        self._messages: dict[str, OutboundMessage] = {}
        self._eventing: dict[str, OutboundMessage] = {}  # events still to report
        self._inbound = InboundQueue()

    def _time(self, seconds: float | None):
        return None if seconds is None else self.clock.to_datetime(seconds)

    # Third-party calls
    def make_call(self, calling: str, called: str, dial_timeout: int | None) -> str:
        timeout = DEFAULT_DIAL_TIMEOUT_SECONDS if dial_timeout is None else dial_timeout
        if timeout <= 0:
            raise Refused(f"dialTimeoutSec must be greater than 0, got {timeout}")
        calling_phone, called_phone = _phone(calling), _phone(called)
        with self._lock:
            now = self.clock.seconds()
            call_id = _new_id("call")
            plan = plan_call(calling_phone, called_phone, now, timeout)
            self._calls[call_id] = Call(call_id, calling, called, timeout, now, plan)
            return call_id

    def _call(self, call_id: str) -> Call:
        call = self._calls.get(call_id)
        if call is None:
            raise UnknownId(f"unknown callId {call_id!r}")
        return call

    def call_information(self, call_id: str) -> CallInformation:
        with self._lock:
            state = self._call(call_id).state(self.clock.seconds())
            return CallInformation(
                state.status, self._time(state.connected), state.duration, state.cause
            )

    def end_call(self, call_id: str) -> str:
        with self._lock:
            call = self._call(call_id)
            now = self.clock.seconds()
            call.end(now)
            return call.state(now).status.value

    # Conferences
    def create_conference(self) -> str:
        with self._lock:
            conference_id = _new_id("conf")
            self._conferences[conference_id] = Conference(conference_id, self.clock.seconds())
            return conference_id

    def _conference(self, conference_id: str) -> Conference:
        conference = self._conferences.get(conference_id)
        if conference is None:
            raise UnknownId(f"unknown conferenceId {conference_id!r}")
        return conference

    def _participant(self, participant_id: str) -> Participant:
        participant = self._participants.get(participant_id)
        if participant is None:
            raise UnknownId(f"unknown participantId {participant_id!r}")
        return participant

    def invite(self, conference_id: str, uri: str) -> str:
        phone = _phone(uri)
        with self._lock:
            conference = self._conference(conference_id)
            now = self.clock.seconds()
            if conference.status(now) is ConferenceStatus.TERMINATED:
                raise Refused(f"conference {conference_id!r} has ended")
            participant = Participant.invite(_new_id("part"), conference_id, uri, phone, now)
            conference.participants.append(participant)
            self._participants[participant.participant_id] = participant
            return participant.participant_id

    def conference_info(self, conference_id: str) -> ConferenceInfo:
        with self._lock:
            conference = self._conference(conference_id)
            now = self.clock.seconds()
            return ConferenceInfo(
                conference_id=conference_id,
                status=conference.status(now),
                start_time=self._time(conference.start_time(now)),
                duration=conference.duration(now),
                number_of_participants=conference.connected_count(now),
            )

    def _participant_info(self, participant: Participant, now: float) -> ParticipantInfo:
        return ParticipantInfo(
            participant.participant_id,
            participant.status(now),
            self._time(participant.start_time(now)),
        )

    def participants(self, conference_id: str) -> list[ParticipantInfo]:
        with self._lock:
            now = self.clock.seconds()
            return [
                self._participant_info(p, now) for p in self._conference(conference_id).participants
            ]

    def participant_info(self, participant_id: str) -> ParticipantInfo:
        with self._lock:
            return self._participant_info(self._participant(participant_id), self.clock.seconds())

    def disconnect(self, participant_id: str) -> str:
        with self._lock:
            participant = self._participant(participant_id)
            now = self.clock.seconds()
            participant.disconnect(now)
            return participant.status(now).value

    def end_conference(self, conference_id: str) -> str:
        with self._lock:
            conference = self._conference(conference_id)
            now = self.clock.seconds()
            conference.end(now)
            return conference.status(now).value

    # Texts out
    def send_message(
        self,
        capability: str,
        recipients: Sequence[str],
        text: str,
        sender: str | None = None,
        event_url: str | None = None,
    ) -> str:
        phones = [(uri, _phone(uri)) for uri in recipients]
        with self._lock:
            now = self.clock.seconds()
            message_id = _new_id("msg")
            texted = [Recipient.texted(uri, phone, now) for uri, phone in phones]
            message = OutboundMessage(message_id, capability, sender, text, now, texted, event_url)
            self._messages[message_id] = message
            if event_url:
                self._eventing[message_id] = message
            for (_, phone), recipient in zip(phones, texted, strict=True):
                delivered = recipient.delivered_at()
                if phone.echoes_texts and delivered is not None:
                    self._inbound.schedule(self._echo_reply(text, delivered))
            return message_id

    def _echo_reply(self, text: str, delivered: float) -> InboundText:
        return InboundText(
            _new_id("in"),
            self.reply_keyword,
            "tel:" + ECHO_NUMBER,
            self.service_uri,
            f"{self.reply_keyword} Echo: {text}",
            delivered + ECHO_REPLY_AFTER,
        )

    def delivery_statuses(self, message_id: str) -> list[DeliveryStatus]:
        with self._lock:
            message = self._messages.get(message_id)
            if message is None:
                raise UnknownId(f"unknown messageId {message_id!r}")
            now = self.clock.seconds()
            return [DeliveryStatus(r.uri, r.status(now)) for r in message.recipients]

    def due_events(self) -> list[tuple[str, dict[str, Any]]]:
        """(url, payload) for every status change not yet POSTed to an event url."""
        events = []
        with self._lock:
            now = self.clock.seconds()
            for message in list(self._eventing.values()):
                if all(r.reported == len(r.steps) for r in message.recipients):
                    del self._eventing[message.message_id]
                    continue
                for recipient in message.recipients:
                    for moment, status in recipient.due_events(now):
                        payload = {
                            "messageId": message.message_id,
                            "destinationUri": recipient.uri,
                            "messageStatus": status.value,
                            "time": xs_datetime(self.clock.to_datetime(moment)),
                        }
                        events.append((message.event_url or "", payload))
        return events

    # Texts in
    def receive_text(
        self,
        sender_uri: str,
        text: str,
        keyword: str | None = None,
        destination_uri: str | None = None,
    ) -> str:
        """A phone texts the service (admin API); the keyword defaults to the first word."""
        with self._lock:
            message_id = _new_id("in")
            self._inbound.add(
                InboundText(
                    message_id,
                    keyword if keyword else first_word(text),
                    sender_uri,
                    destination_uri or self.service_uri,
                    text,
                    self.clock.seconds(),
                )
            )
            return message_id

    def _inbound_message(self, text: InboundText) -> InboundMessage:
        return InboundMessage(
            text.message_id,
            text.keyword,
            text.sender_uri,
            text.destination_uri,
            text.text,
            self.clock.to_datetime(text.received),
        )

    def received_messages(self, keyword: str) -> list[InboundMessage]:
        with self._lock:
            waiting = self._inbound.for_keyword(keyword, self.clock.seconds())
            return [self._inbound_message(t) for t in waiting]

    def clear_received(self, message_ids: Sequence[str]) -> int:
        with self._lock:
            return self._inbound.clear(list(message_ids))

    # For views.py: the internal tables (read them with `lock` held)
    def tables(self) -> tuple[dict[str, Call], dict[str, Conference], dict[str, OutboundMessage]]:
        return self._calls, self._conferences, self._messages

    def waiting_texts(self) -> list[InboundMessage]:
        with self._lock:
            return [
                self._inbound_message(t) for t in self._inbound.all_waiting(self.clock.seconds())
            ]

    @property
    def lock(self) -> threading.RLock:
        return self._lock
