"""Typed sub-clients, one per Web21C capability, covering all 18 operations.

Arguments are plain Python values (URIs as `tel:`/`sip:` strings); results are bot.core.domain
values. URIs are checked against BT's patterns before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.web21c import results
from adapters.web21c.contract import CONFERENCING, INBOUND, ONE_WAY, THIRD_PARTY_CALL
from adapters.web21c.operations import OperationCaller
from adapters.web21c.uris import check_party_uri, url_problem
from bot.core.domain import (
    CallInformation,
    ConferenceInfo,
    DeliveryStatus,
    InboundMessage,
    InvalidArgument,
    ParticipantInfo,
)

NO_ANNOUNCEMENT = 0


def _recipients(uris: Sequence[str]) -> dict[str, list[str]]:
    if isinstance(uris, str) or not isinstance(uris, Sequence):
        raise InvalidArgument("recipient_uris: expected a list of URIs, not a single string")
    if not uris:
        raise InvalidArgument("recipient_uris: at least one recipient is needed")
    return {"uri": [check_party_uri(uri, "recipient_uris") for uri in uris]}


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"{name}: expected a string")
    return value


def _event_url(url: str) -> str:
    problem = url_problem(url)
    if problem:
        raise InvalidArgument(f"url: {problem}")
    return url


class ThirdPartyCallClient:
    """Session/ThirdPartyCall: ring two parties and connect them."""

    def __init__(self, caller: OperationCaller):
        assert caller.capability is THIRD_PARTY_CALL
        self._caller = caller
        self._ns = caller.capability.namespace

    def make_call(
        self,
        calling_party: str,
        called_party: str,
        dial_timeout_sec: int | None = None,
        announcement_type: int = NO_ANNOUNCEMENT,
    ) -> str:
        if dial_timeout_sec is not None and (
            not isinstance(dial_timeout_sec, int) or not 0 < dial_timeout_sec <= 3600
        ):
            raise InvalidArgument("dial_timeout_sec: expected whole seconds from 1 to 3600")
        response = self._caller.call(
            "makeCall",
            retry=False,
            callingParty=check_party_uri(calling_party, "calling_party"),
            calledParty=check_party_uri(called_party, "called_party"),
            dialTimeoutSec=dial_timeout_sec,
            announcementType=announcement_type,
        )
        return results.single_text(response, self._ns, "callId")

    def get_call_information(self, call_id: str) -> CallInformation:
        response = self._caller.call(
            "getCallInformation", retry=True, callId=_text(call_id, "call_id")
        )
        return results.call_information(response, self._ns)

    def end_call(self, call_id: str) -> str:
        response = self._caller.call("endCall", retry=False, callId=_text(call_id, "call_id"))
        return results.single_text(response, self._ns, "status")


class ConferencingClient:
    """Session/Conferencing: a conference and the people invited into it."""

    def __init__(self, caller: OperationCaller):
        assert caller.capability is CONFERENCING
        self._caller = caller
        self._ns = caller.capability.namespace

    def create_conference(self) -> str:
        response = self._caller.call("createConference", retry=False)
        return results.single_text(response, self._ns, "conferenceId")

    def invite_participant(
        self, conference_id: str, participant_uri: str, announcement_type: int = NO_ANNOUNCEMENT
    ) -> str:
        response = self._caller.call(
            "inviteParticipant",
            retry=False,
            conferenceId=_text(conference_id, "conference_id"),
            participantUri=check_party_uri(participant_uri, "participant_uri"),
            announcementType=announcement_type,
        )
        return results.single_text(response, self._ns, "participantId")

    def get_conference_info(self, conference_id: str) -> ConferenceInfo:
        response = self._caller.call(
            "getConferenceInfo", retry=True, conferenceId=_text(conference_id, "conference_id")
        )
        return results.conference_info(response, self._ns)

    def get_participants(self, conference_id: str) -> list[ParticipantInfo]:
        response = self._caller.call(
            "getParticipants", retry=True, conferenceId=_text(conference_id, "conference_id")
        )
        return results.participants(response, self._ns)

    def get_participant_info(self, participant_id: str) -> ParticipantInfo:
        response = self._caller.call(
            "getParticipantInfo",
            retry=True,
            participantId=_text(participant_id, "participant_id"),
        )
        return results.participant_info(response, self._ns)

    def disconnect_participant(self, participant_id: str) -> str:
        response = self._caller.call(
            "disconnectParticipant",
            retry=False,
            participantId=_text(participant_id, "participant_id"),
        )
        return results.single_text(response, self._ns, "status")

    def end_conference(self, conference_id: str) -> str:
        response = self._caller.call(
            "endConference", retry=False, conferenceId=_text(conference_id, "conference_id")
        )
        return results.single_text(response, self._ns, "status")


class OneWayClient:
    """Messaging/OneWay: texts out, with a free-text sender name."""

    def __init__(self, caller: OperationCaller):
        assert caller.capability is ONE_WAY
        self._caller = caller
        self._ns = caller.capability.namespace

    def send_message(self, recipient_uris: Sequence[str], sender: str, text: str) -> str:
        response = self._caller.call(
            "sendMessage",
            retry=False,
            recipientUris=_recipients(recipient_uris),
            messageText=_text(text, "text"),
            **{"from": _text(sender, "sender")},
        )
        return results.single_text(response, self._ns, "messageId")

    def send_message_with_eventing(
        self, recipient_uris: Sequence[str], sender: str, text: str, url: str
    ) -> str:
        response = self._caller.call(
            "sendMessageWithEventing",
            retry=False,
            recipientUris=_recipients(recipient_uris),
            messageText=_text(text, "text"),
            url=_event_url(url),
            **{"from": _text(sender, "sender")},
        )
        return results.single_text(response, self._ns, "messageId")

    def get_message_delivery_statuses(self, message_id: str) -> list[DeliveryStatus]:
        response = self._caller.call(
            "getMessageDeliveryStatuses", retry=True, messageId=_text(message_id, "message_id")
        )
        return results.delivery_statuses(response, self._ns)


class InboundClient:
    """Messaging/Inbound: texts people send to the service, and replies (no sender name)."""

    def __init__(self, caller: OperationCaller):
        assert caller.capability is INBOUND
        self._caller = caller
        self._ns = caller.capability.namespace

    def send_message(self, recipient_uris: Sequence[str], text: str) -> str:
        response = self._caller.call(
            "sendMessage",
            retry=False,
            recipientUris=_recipients(recipient_uris),
            messageText=_text(text, "text"),
        )
        return results.single_text(response, self._ns, "messageId")

    def send_message_with_eventing(self, recipient_uris: Sequence[str], text: str, url: str) -> str:
        response = self._caller.call(
            "sendMessageWithEventing",
            retry=False,
            recipientUris=_recipients(recipient_uris),
            messageText=_text(text, "text"),
            url=_event_url(url),
        )
        return results.single_text(response, self._ns, "messageId")

    def get_message_delivery_statuses(self, message_id: str) -> list[DeliveryStatus]:
        response = self._caller.call(
            "getMessageDeliveryStatuses", retry=True, messageId=_text(message_id, "message_id")
        )
        return results.delivery_statuses(response, self._ns)

    def get_received_messages(self, keyword: str) -> list[InboundMessage]:
        response = self._caller.call(
            "getReceivedMessages", retry=True, keyword=_text(keyword, "keyword")
        )
        return results.received_messages(response, self._ns)

    def clear_received_messages(self, message_ids: Sequence[str]) -> int:
        if isinstance(message_ids, str) or not isinstance(message_ids, Sequence):
            raise InvalidArgument("message_ids: expected a list of message ids")
        ids = [_text(message_id, "message_ids") for message_id in message_ids]
        response = self._caller.call(
            "clearReceivedMessages", retry=False, messageIds={"messageId": ids}
        )
        return int(results.single_text(response, self._ns, "clearedCount"))
