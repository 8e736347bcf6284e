"""The signed sandbox accepts requests laid out as BT's own SDK sent them, and refuses forgeries.

The requests here are built and signed by tests/unit/web21c/bt_sdk_request.py, independently
of the project's Signer, with a throwaway key pair made for the test run.
"""

from __future__ import annotations

import io

import pytest
import requests
from lxml import etree

from adapters.web21c.client import Web21CClient
from adapters.web21c.contract import SOAP_ENV_NS, THIRD_PARTY_CALL
from adapters.web21c.operations import OperationCaller
from adapters.web21c.sandbox import Sandbox, SandboxOptions, start_sandbox
from adapters.web21c.transport import SoapTransport
from adapters.web21c.wsse import (
    SDK_AGENT_NS,
    WSA_2004_NS,
    WSA_2005_NS,
    WSSE_NS,
    Layout,
    Signer,
)
from bot.http.server import HttpServer
from tests.unit.web21c.bt_sdk_request import bt_sdk_request

MAKE_CALL = THIRD_PARTY_CALL.soap_action("makeCall")
CALLED = "tel:+447700900002"


def _make_call_body(called: str = CALLED) -> str:
    return (
        f'<makeCall xmlns="{THIRD_PARTY_CALL.namespace}">'
        "<callingParty>tel:+447700900001</callingParty>"
        f"<calledParty>{called}</calledParty><announcementType>0</announcementType></makeCall>"
    )


@pytest.fixture
def strict(key_pair):
    options = SandboxOptions(require_signature=True, trusted_cert_file=key_pair[1])
    with start_sandbox(options=options) as running:
        yield running


def _post(running, envelope: bytes, action: str = MAKE_CALL):
    return requests.post(
        THIRD_PARTY_CALL.endpoint(running.url),
        data=envelope,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'},
        timeout=10,
    )


def _fault(response) -> tuple[str, str]:
    fault = etree.fromstring(response.content).find(f"{{{SOAP_ENV_NS}}}Body/{{{SOAP_ENV_NS}}}Fault")
    return fault.findtext("faultcode"), fault.findtext("faultstring")


@pytest.mark.parametrize(
    "timestamp_first", [False, True], ids=["signature-first", "timestamp-first"]
)
def test_a_request_signed_as_bts_sdk_signed_is_accepted(strict, key_pair, timestamp_first):
    envelope = bt_sdk_request(
        *key_pair, MAKE_CALL, _make_call_body(), timestamp_first=timestamp_first
    )
    response = _post(strict, envelope)
    assert response.status_code == 200, response.text
    assert b"<callId>call-" in response.content
    assert [call["calledParty"] for call in strict.sandbox.calls()] == [CALLED]


def test_a_tampered_bt_sdk_request_is_refused(strict, key_pair):
    envelope = bt_sdk_request(*key_pair, MAKE_CALL, _make_call_body())
    tampered = envelope.replace(CALLED.encode(), b"tel:+447700900666")
    assert tampered != envelope
    response = _post(strict, tampered)
    assert response.status_code == 500
    code, text = _fault(response)
    assert code.endswith(":PermissionDeniedException")
    assert "does not verify" in text
    assert strict.sandbox.calls() == []


def test_a_bt_sdk_request_from_another_key_is_refused(strict, other_key_pair):
    envelope = bt_sdk_request(*other_key_pair, MAKE_CALL, _make_call_body())
    code, text = _fault(_post(strict, envelope))
    assert code.endswith(":PermissionDeniedException")
    assert "not the one this service trusts" in text


def test_a_bt_sdk_request_must_name_its_operation_in_2004_addressing(strict, key_pair):
    wrong = THIRD_PARTY_CALL.soap_action("endCall")
    envelope = bt_sdk_request(*key_pair, wrong, _make_call_body())
    code, text = _fault(_post(strict, envelope, action=MAKE_CALL))
    assert code == "soap:Client"
    assert "wsa:Action" in text and "makeCall" in text
    assert strict.sandbox.calls() == []


@pytest.mark.parametrize("layout", list(Layout), ids=lambda layout: layout.value)
def test_the_clients_layouts_are_both_accepted(strict, key_pair, layout):
    """The client's default is BT's SDK layout; WS-Addressing 1.0 is still understood."""
    transport = SoapTransport()
    caller = OperationCaller(
        THIRD_PARTY_CALL, strict.url, transport, Signer(*key_pair, layout=layout)
    )
    try:
        envelope = caller.build(
            "makeCall",
            callingParty="tel:+447700900001",
            calledParty=CALLED,
            dialTimeoutSec=None,
            announcementType=0,
        )
    finally:
        transport.close()
    namespace = WSA_2004_NS if layout is Layout.BT_SDK else WSA_2005_NS
    assert f'xmlns:wsa="{namespace}"'.encode() in envelope
    response = _post(strict, envelope)
    assert response.status_code == 200, response.text
    assert len(strict.sandbox.calls()) == 1


def test_the_default_client_sends_bts_layout(key_pair):
    """What actually goes over the wire from Web21CClient, recorded in front of the sandbox."""
    sandbox = Sandbox(SandboxOptions(require_signature=True, trusted_cert_file=key_pair[1]))
    bodies: list[bytes] = []

    def recording(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        bodies.append(body)
        environ["wsgi.input"] = io.BytesIO(body)
        return sandbox.wsgi_app(environ, start_response)

    try:
        with HttpServer(recording, "127.0.0.1", 0, name="recorder") as server:
            client = Web21CClient(server.url, key_file=key_pair[0], cert_file=key_pair[1])
            with client:
                assert client.make_call("tel:+447700900001", CALLED).startswith("call-")
    finally:
        sandbox.close()
    (sent,) = bodies
    header = etree.fromstring(sent).find(f"{{{SOAP_ENV_NS}}}Header")
    assert header.findtext(f"{{{WSA_2004_NS}}}Action") == MAKE_CALL
    assert header.find(f"{{{WSA_2004_NS}}}To") is None
    assert header.findtext(f"{{{SDK_AGENT_NS}}}agent", "").startswith("web21c-bridge")
    security = header.find(f"{{{WSSE_NS}}}Security")
    order = [etree.QName(child).localname for child in security]
    assert order == ["Signature", "Timestamp", "BinarySecurityToken"]
    assert b"mustUnderstand" not in sent


@pytest.mark.parametrize(
    ("wrong", "right"), [(WSA_2005_NS, WSA_2004_NS), (WSA_2004_NS, WSA_2005_NS)]
)
def test_every_action_sent_must_name_the_operation(running, wrong, right):
    """Unsigned too: an Action in either namespace that names another operation is refused."""
    body = (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV_NS}" xmlns:a="{right}" xmlns:b="{wrong}">'
        f"<soap:Header><a:Action>{MAKE_CALL}</a:Action><a:MessageID>urn:uuid:1</a:MessageID>"
        f"<b:Action>{THIRD_PARTY_CALL.soap_action('endCall')}</b:Action></soap:Header>"
        f"<soap:Body>{_make_call_body()}</soap:Body></soap:Envelope>"
    )
    code, text = _fault(_post(running, body.encode()))
    assert code == "soap:Client"
    assert "endCall" in text and "does not match" in text
    assert running.sandbox.calls() == []
