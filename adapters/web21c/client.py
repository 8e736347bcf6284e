"""Web21CClient: the bridge's Telephony port (bot.core.ports.Telephony) over Web21C SOAP.

    client = Web21CClient("http://127.0.0.1:8021", key_file=..., cert_file=...)
    call_id = client.make_call("tel:+447700900001", "tel:+447700900002")
    client.get_call_information(call_id)   # -> bot.core.domain.CallInformation

The port's methods use Messaging/OneWay for texts out and Messaging/Inbound for texts in;
`client.inbound`, `client.one_way`, `client.conferencing` and `client.third_party_call` reach
every one of the 18 operations. One zeep client per capability and one pooled HTTP session are
built here and shared, so a single instance serves many threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from adapters.web21c.capabilities import (
    ConferencingClient,
    InboundClient,
    OneWayClient,
    ThirdPartyCallClient,
)
from adapters.web21c.contract import CONFERENCING, INBOUND, ONE_WAY, THIRD_PARTY_CALL
from adapters.web21c.operations import OperationCaller
from adapters.web21c.transport import DEFAULT_MAX_RESPONSE_BYTES, SoapTransport
from adapters.web21c.uris import url_problem
from adapters.web21c.wsse import Signer
from bot.config import Settings
from bot.core.domain import (
    CallInformation,
    ConferenceInfo,
    DeliveryStatus,
    InboundMessage,
    ParticipantInfo,
)


class Web21CClient:
    """All of Web21C behind typed methods; raises bot.core.domain.TelephonyError subclasses."""

    def __init__(
        self,
        endpoint: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        key_file: str | Path | None = None,
        cert_file: str | Path | None = None,
        read_retries: int = 3,
        retry_backoff: float = 0.2,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ):
        problem = url_problem(endpoint)
        if problem:
            raise ValueError(f"Web21C endpoint: {problem}")
        if bool(key_file) != bool(cert_file):
            raise ValueError("WS-Security needs both key_file and cert_file")
        self.endpoint = endpoint.rstrip("/")
        self.signed = bool(key_file)
        signer = Signer(key_file, cert_file) if key_file and cert_file else None
        self._transport = SoapTransport(
            connect_timeout, read_timeout, max_response_bytes=max_response_bytes
        )

        def caller(capability):
            return OperationCaller(
                capability,
                self.endpoint,
                self._transport,
                signer,
                read_retries=read_retries,
                retry_backoff=retry_backoff,
            )

        self.inbound = InboundClient(caller(INBOUND))
        self.one_way = OneWayClient(caller(ONE_WAY))
        self.conferencing = ConferencingClient(caller(CONFERENCING))
        self.third_party_call = ThirdPartyCallClient(caller(THIRD_PARTY_CALL))

    @classmethod
    def from_settings(cls, settings: Settings, endpoint: str | None = None) -> Web21CClient:
        """A client for WEB21C_ENDPOINT (or `endpoint`, e.g. an embedded sandbox's URL)."""
        base = endpoint or settings.web21c_endpoint
        if not base:
            raise ValueError("WEB21C_ENDPOINT is not set and no endpoint was given")
        return cls(
            base,
            connect_timeout=settings.web21c_connect_timeout,
            read_timeout=settings.web21c_read_timeout,
            key_file=settings.web21c_key_file,
            cert_file=settings.web21c_cert_file,
        )

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Web21CClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Messaging: texts out through OneWay, texts in through Inbound.
    def send_message(
        self, recipient_uris: Sequence[str], sender: str, text: str, event_url: str | None = None
    ) -> str:
        if event_url is None:
            return self.one_way.send_message(recipient_uris, sender, text)
        return self.one_way.send_message_with_eventing(recipient_uris, sender, text, event_url)

    def get_message_delivery_statuses(self, message_id: str) -> list[DeliveryStatus]:
        return self.one_way.get_message_delivery_statuses(message_id)

    def get_received_messages(self, keyword: str) -> list[InboundMessage]:
        return self.inbound.get_received_messages(keyword)

    def clear_received_messages(self, message_ids: Sequence[str]) -> int:
        return self.inbound.clear_received_messages(message_ids)

    # Third-party calls.
    def make_call(
        self, calling_party: str, called_party: str, dial_timeout_sec: int | None = None
    ) -> str:
        return self.third_party_call.make_call(calling_party, called_party, dial_timeout_sec)

    def get_call_information(self, call_id: str) -> CallInformation:
        return self.third_party_call.get_call_information(call_id)

    def end_call(self, call_id: str) -> str:
        return self.third_party_call.end_call(call_id)

    # Conferences.
    def create_conference(self) -> str:
        return self.conferencing.create_conference()

    def invite_participant(self, conference_id: str, participant_uri: str) -> str:
        return self.conferencing.invite_participant(conference_id, participant_uri)

    def get_conference_info(self, conference_id: str) -> ConferenceInfo:
        return self.conferencing.get_conference_info(conference_id)

    def get_participants(self, conference_id: str) -> list[ParticipantInfo]:
        return self.conferencing.get_participants(conference_id)

    def get_participant_info(self, participant_id: str) -> ParticipantInfo:
        return self.conferencing.get_participant_info(participant_id)

    def disconnect_participant(self, participant_id: str) -> str:
        return self.conferencing.disconnect_participant(participant_id)

    def end_conference(self, conference_id: str) -> str:
        return self.conferencing.end_conference(conference_id)
