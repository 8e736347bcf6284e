"""One function per Web21C operation: a validated request element in, response children out.

Each handler reads its (schema-validated) request, asks SandboxState, and returns the
response element's children as (name, value) pairs or nested lists; soap.py wraps them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from lxml import etree

from adapters.web21c.contract import CONFERENCING, INBOUND, ONE_WAY, THIRD_PARTY_CALL
from adapters.web21c.sandbox.clock import xs_datetime
from adapters.web21c.sandbox.state import Refused, SandboxState
from adapters.web21c.uris import uri_problem, url_problem
from bot.core.domain import ParticipantInfo

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"

# A response is a list of (element name, text | nested response); None values are left out.
Children = list[tuple[str, Any]]
Handler = Callable[[SandboxState, "Request"], Children]


class Request:
    """The request element of one operation, read by local name."""

    def __init__(self, element: etree._Element, namespace: str):
        self.element = element
        self.ns = "{" + namespace + "}"

    def text(self, name: str) -> str:
        found = self.element.find(self.ns + name)
        return "" if found is None else (found.text or "")

    def optional_int(self, name: str) -> int | None:
        found = self.element.find(self.ns + name)
        if found is None or found.get(XSI_NIL) in ("true", "1") or not (found.text or "").strip():
            return None
        return int(found.text)  # type: ignore[arg-type]

    def party(self, name: str) -> str:
        uri = self.text(name).strip()
        problem = uri_problem(uri)
        if problem:
            raise Refused(f"{name}: {problem}")
        return uri

    def list(self, wrapper: str, item: str) -> list[str]:
        holder = self.element.find(self.ns + wrapper)
        if holder is None:
            return []
        return [(child.text or "").strip() for child in holder.findall(self.ns + item)]

    def recipients(self) -> list[str]:
        uris = self.list("recipientUris", "uri")
        if not uris:
            raise Refused("recipientUris is empty: at least one uri is needed")
        for uri in uris:
            problem = uri_problem(uri)
            if problem:
                raise Refused(f"recipientUris: {problem}")
        return uris

    def event_url(self) -> str:
        url = self.text("url").strip()
        problem = url_problem(url)
        if problem:
            raise Refused(f"url: {problem}")
        return url


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else xs_datetime(moment)


def _participant(info: ParticipantInfo) -> Children:
    return [
        ("participantId", info.participant_id),
        ("startTime", _time(info.start_time)),
        ("participantStatus", info.status.value),
    ]


def make_call(state: SandboxState, r: Request) -> Children:
    timeout = r.optional_int("dialTimeoutSec")
    return [("callId", state.make_call(r.party("callingParty"), r.party("calledParty"), timeout))]


def get_call_information(state: SandboxState, r: Request) -> Children:
    info = state.call_information(r.text("callId"))
    return [
        (
            "callInformation",
            [
                ("callStatus", info.status.value),
                ("startTime", _time(info.start_time)),
                ("duration", str(info.duration)),
                ("callTerminationCause", info.termination_cause.value),
            ],
        )
    ]


def end_call(state: SandboxState, r: Request) -> Children:
    return [("status", state.end_call(r.text("callId")))]


def create_conference(state: SandboxState, r: Request) -> Children:
    return [("conferenceId", state.create_conference())]


def invite_participant(state: SandboxState, r: Request) -> Children:
    participant_id = state.invite(r.text("conferenceId"), r.party("participantUri"))
    return [("participantId", participant_id)]


def get_conference_info(state: SandboxState, r: Request) -> Children:
    info = state.conference_info(r.text("conferenceId"))
    return [
        (
            "conferenceInfo",
            [
                ("conferenceStatus", info.status.value),
                ("startTime", _time(info.start_time)),
                ("duration", str(info.duration)),
                ("numberOfParticipants", str(info.number_of_participants)),
                ("conferenceId", info.conference_id),
            ],
        )
    ]


def get_participants(state: SandboxState, r: Request) -> Children:
    infos = state.participants(r.text("conferenceId"))
    return [("participantInfos", [("participantInfo", _participant(i)) for i in infos])]


def get_participant_info(state: SandboxState, r: Request) -> Children:
    return [("participantInfo", _participant(state.participant_info(r.text("participantId"))))]


def disconnect_participant(state: SandboxState, r: Request) -> Children:
    return [("status", state.disconnect(r.text("participantId")))]


def end_conference(state: SandboxState, r: Request) -> Children:
    return [("status", state.end_conference(r.text("conferenceId")))]


def _sender(r: Request) -> str | None:
    return r.text("from") if r.element.find(r.ns + "from") is not None else None


def _send(capability: str, eventing: bool) -> Handler:
    def send(state: SandboxState, r: Request) -> Children:
        url = r.event_url() if eventing else None
        message_id = state.send_message(
            capability, r.recipients(), r.text("messageText"), _sender(r), url
        )
        return [("messageId", message_id)]

    return send


def get_message_delivery_statuses(state: SandboxState, r: Request) -> Children:
    statuses = state.delivery_statuses(r.text("messageId"))
    return [
        (
            "messageDeliveryStatuses",
            [
                (
                    "messageDeliveryStatus",
                    [("destinationUri", s.destination_uri), ("messageStatus", s.status.value)],
                )
                for s in statuses
            ],
        )
    ]


def get_received_messages(state: SandboxState, r: Request) -> Children:
    texts = state.received_messages(r.text("keyword"))
    return [
        (
            "messages",
            [
                (
                    "message",
                    [
                        ("messageId", t.message_id),
                        ("keyword", t.keyword),
                        ("senderUri", t.sender_uri),
                        ("destinationUri", t.destination_uri),
                        ("messageText", t.text),
                        ("receiveTime", xs_datetime(t.receive_time)),
                    ],
                )
                for t in texts
            ],
        )
    ]


def clear_received_messages(state: SandboxState, r: Request) -> Children:
    return [("clearedCount", str(state.clear_received(r.list("messageIds", "messageId"))))]


HANDLERS: dict[tuple[str, str], Handler] = {
    (THIRD_PARTY_CALL.name, "makeCall"): make_call,
    (THIRD_PARTY_CALL.name, "getCallInformation"): get_call_information,
    (THIRD_PARTY_CALL.name, "endCall"): end_call,
    (CONFERENCING.name, "createConference"): create_conference,
    (CONFERENCING.name, "inviteParticipant"): invite_participant,
    (CONFERENCING.name, "getConferenceInfo"): get_conference_info,
    (CONFERENCING.name, "getParticipants"): get_participants,
    (CONFERENCING.name, "getParticipantInfo"): get_participant_info,
    (CONFERENCING.name, "disconnectParticipant"): disconnect_participant,
    (CONFERENCING.name, "endConference"): end_conference,
    (ONE_WAY.name, "sendMessage"): _send(ONE_WAY.name, eventing=False),
    (ONE_WAY.name, "sendMessageWithEventing"): _send(ONE_WAY.name, eventing=True),
    (ONE_WAY.name, "getMessageDeliveryStatuses"): get_message_delivery_statuses,
    (INBOUND.name, "sendMessage"): _send(INBOUND.name, eventing=False),
    (INBOUND.name, "sendMessageWithEventing"): _send(INBOUND.name, eventing=True),
    (INBOUND.name, "getMessageDeliveryStatuses"): get_message_delivery_statuses,
    (INBOUND.name, "getReceivedMessages"): get_received_messages,
    (INBOUND.name, "clearReceivedMessages"): clear_received_messages,
}
