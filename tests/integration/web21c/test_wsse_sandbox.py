"""WS-Security end to end: a sandbox that requires signatures, and clients with and without."""

from __future__ import annotations

import pytest
import requests

from adapters.web21c.client import Web21CClient
from adapters.web21c.contract import THIRD_PARTY_CALL
from adapters.web21c.operations import OperationCaller
from adapters.web21c.sandbox import SandboxOptions, start_sandbox
from adapters.web21c.transport import SoapTransport
from adapters.web21c.wsse import Signer
from bot.config import Settings
from bot.core.domain import CallStatus, PermissionDenied


@pytest.fixture
def strict(key_pair):
    options = SandboxOptions(require_signature=True, trusted_cert_file=key_pair[1])
    with start_sandbox(options=options) as running:
        yield running


def test_signed_requests_are_accepted(strict, key_pair):
    key, cert = key_pair
    with Web21CClient(strict.url, key_file=key, cert_file=cert) as client:
        call_id = client.make_call("tel:+447700900001", "tel:+447700900123")
        assert client.get_call_information(call_id).status is CallStatus.INITIAL
        conference_id = client.create_conference()
        assert client.get_participants(conference_id) == []
        assert client.get_received_messages("bridge") == []


def test_client_signs_when_settings_name_key_and_cert(strict, key_pair):
    settings = Settings(
        web21c_endpoint=strict.url, web21c_key_file=key_pair[0], web21c_cert_file=key_pair[1]
    )
    with Web21CClient.from_settings(settings) as client:
        assert client.signed
        assert client.create_conference().startswith("conf-")


def test_unsigned_requests_are_refused(strict):
    client = Web21CClient(strict.url, read_retries=0)
    with client, pytest.raises(PermissionDenied, match="not signed"):
        client.create_conference()
    assert strict.sandbox.conferences() == []


def test_a_stranger_certificate_is_refused(strict, other_key_pair):
    client = Web21CClient(strict.url, key_file=other_key_pair[0], cert_file=other_key_pair[1])
    with client, pytest.raises(PermissionDenied, match="not the one this service trusts"):
        client.create_conference()


def test_tampered_requests_are_refused(strict, key_pair):
    transport = SoapTransport()
    caller = OperationCaller(THIRD_PARTY_CALL, strict.url, transport, Signer(*key_pair))
    signed = caller.build(
        "makeCall",
        callingParty="tel:+447700900001",
        calledParty="tel:+447700900002",
        dialTimeoutSec=None,
        announcementType=0,
    )
    tampered = signed.replace(b"tel:+447700900002", b"tel:+447700900666")
    assert tampered != signed
    response = requests.post(
        THIRD_PARTY_CALL.endpoint(strict.url),
        data=tampered,
        headers={
            "Content-Type": "text/xml",
            "SOAPAction": THIRD_PARTY_CALL.soap_action("makeCall"),
        },
        timeout=10,
    )
    assert response.status_code == 500
    assert b"PermissionDeniedException" in response.content
    assert b"does not verify" in response.content
    assert strict.sandbox.calls() == []
    untouched = requests.post(
        THIRD_PARTY_CALL.endpoint(strict.url),
        data=signed,
        headers={
            "Content-Type": "text/xml",
            "SOAPAction": THIRD_PARTY_CALL.soap_action("makeCall"),
        },
        timeout=10,
    )
    assert untouched.status_code == 200
    transport.close()


def test_any_certificate_is_accepted_when_none_is_trusted(other_key_pair):
    with start_sandbox(options=SandboxOptions(require_signature=True)) as running:
        client = Web21CClient(running.url, key_file=other_key_pair[0], cert_file=other_key_pair[1])
        with client:
            assert client.create_conference().startswith("conf-")


def test_ws_addressing_action_must_name_the_operation(strict, key_pair):
    transport = SoapTransport()
    caller = OperationCaller(THIRD_PARTY_CALL, strict.url, transport, Signer(*key_pair))
    signed = caller.build("getCallInformation", callId="call-x")
    action = THIRD_PARTY_CALL.soap_action("getCallInformation").encode()
    assert action in signed
    wrong = signed.replace(b">" + action + b"<", b">" + action.replace(b"get", b"end") + b"<")
    response = requests.post(THIRD_PARTY_CALL.endpoint(strict.url), data=wrong, timeout=10)
    assert response.status_code == 500
    assert b"soap:Client<" in response.content and b"wsa:Action" in response.content
    transport.close()


def test_signed_requests_must_carry_addressing_headers(strict, key_pair):
    transport = SoapTransport()
    caller = OperationCaller(THIRD_PARTY_CALL, strict.url, transport, Signer(*key_pair))
    signed = caller.build("getCallInformation", callId="call-x")
    start = signed.index(b"<wsa:MessageID")
    end = signed.index(b"</wsa:MessageID>") + len(b"</wsa:MessageID>")
    response = requests.post(
        THIRD_PARTY_CALL.endpoint(strict.url), data=signed[:start] + signed[end:], timeout=10
    )
    assert response.status_code == 500
    assert b"wsa:MessageID headers are required" in response.content
    transport.close()
