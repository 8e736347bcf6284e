"""Validated response elements -> bot.core.domain values. Nothing zeep- or lxml-shaped leaves here.

The element passed in has already been validated against the schema (envelope.py), so the
required children exist and enumerations hold known values.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from bot.core.domain import (
    CallInformation,
    CallStatus,
    CallTerminationCause,
    ConferenceInfo,
    ConferenceStatus,
    DeliveryStatus,
    InboundMessage,
    MessageStatus,
    ParticipantInfo,
    ParticipantStatus,
    ServiceUnavailable,
)


class _Reader:
    """Reads children of one namespace by local name."""

    def __init__(self, namespace: str):
        self.ns = "{" + namespace + "}"

    def child(self, element: etree._Element, name: str) -> etree._Element:
        found = element.find(self.ns + name)
        if found is None:  # schema-validated already; only a bug gets here
            raise ServiceUnavailable(f"Web21C response lacks {name}")
        return found

    def text(self, element: etree._Element, name: str) -> str:
        return self.child(element, name).text or ""

    def optional_time(self, element: etree._Element, name: str) -> datetime | None:
        found = element.find(self.ns + name)
        return None if found is None else parse_datetime(found.text or "")

    def items(self, element: etree._Element, wrapper: str, item: str) -> list[etree._Element]:
        return self.child(element, wrapper).findall(self.ns + item)


def parse_datetime(value: str) -> datetime:
    """An xs:dateTime as an aware datetime (UTC assumed when no zone is given)."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ServiceUnavailable(f"Web21C sent an unreadable time {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def call_information(response: etree._Element, namespace: str) -> CallInformation:
    r = _Reader(namespace)
    info = r.child(response, "callInformation")
    return CallInformation(
        status=CallStatus(r.text(info, "callStatus")),
        start_time=r.optional_time(info, "startTime"),
        duration=int(r.text(info, "duration")),
        termination_cause=CallTerminationCause(r.text(info, "callTerminationCause")),
    )


def conference_info(response: etree._Element, namespace: str) -> ConferenceInfo:
    r = _Reader(namespace)
    info = r.child(response, "conferenceInfo")
    return ConferenceInfo(
        conference_id=r.text(info, "conferenceId"),
        status=ConferenceStatus(r.text(info, "conferenceStatus")),
        start_time=r.optional_time(info, "startTime"),
        duration=int(r.text(info, "duration")),
        number_of_participants=int(r.text(info, "numberOfParticipants")),
    )


def _participant(r: _Reader, info: etree._Element) -> ParticipantInfo:
    return ParticipantInfo(
        participant_id=r.text(info, "participantId"),
        status=ParticipantStatus(r.text(info, "participantStatus")),
        start_time=r.optional_time(info, "startTime"),
    )


def participant_info(response: etree._Element, namespace: str) -> ParticipantInfo:
    r = _Reader(namespace)
    return _participant(r, r.child(response, "participantInfo"))


def participants(response: etree._Element, namespace: str) -> list[ParticipantInfo]:
    r = _Reader(namespace)
    return [_participant(r, i) for i in r.items(response, "participantInfos", "participantInfo")]


def delivery_statuses(response: etree._Element, namespace: str) -> list[DeliveryStatus]:
    r = _Reader(namespace)
    return [
        DeliveryStatus(
            destination_uri=r.text(item, "destinationUri"),
            status=MessageStatus(r.text(item, "messageStatus")),
        )
        for item in r.items(response, "messageDeliveryStatuses", "messageDeliveryStatus")
    ]


def received_messages(response: etree._Element, namespace: str) -> list[InboundMessage]:
    r = _Reader(namespace)
    ns = r.ns
    messages = []
    for item in r.items(response, "messages", "message"):
        fields = {child.tag[len(ns) :]: child.text or "" for child in item}
        messages.append(
            InboundMessage(
                message_id=fields["messageId"],
                keyword=fields["keyword"],
                sender_uri=fields["senderUri"],
                destination_uri=fields["destinationUri"],
                text=fields["messageText"],
                receive_time=parse_datetime(fields["receiveTime"]),
            )
        )
    return messages


def single_text(response: etree._Element, namespace: str, name: str) -> str:
    """The one string a response carries (callId, messageId, status, ...)."""
    return _Reader(namespace).text(response, name)
