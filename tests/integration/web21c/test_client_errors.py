"""How the client treats servers that misbehave: hand-written fake Web21C servers on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest

from adapters.web21c.client import Web21CClient
from adapters.web21c.contract import SOAP_ENV_NS, THIRD_PARTY_CALL
from adapters.web21c.faults import fault_envelope
from bot.core.domain import (
    CallStatus,
    NotFound,
    PermissionDenied,
    ServiceFailure,
    ServiceUnavailable,
)
from bot.http.server import HttpServer

TPC = THIRD_PARTY_CALL.namespace
Reply = tuple[str, list[tuple[str, str]], object]  # status line, headers, body bytes or iterable


def _call_information(status="CallConnected") -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV_NS}"><soap:Body>'
        f'<getCallInformationResponse xmlns="{TPC}"><callInformation>'
        f"<callStatus>{status}</callStatus><startTime>2007-07-01T12:00:00Z</startTime>"
        "<duration>5</duration><callTerminationCause>CallNotTerminated</callTerminationCause>"
        "</callInformation></getCallInformationResponse></soap:Body></soap:Envelope>"
    ).encode()


def _xml(body: bytes, status: str = "200 OK") -> Reply:
    return status, [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))], body


class FakeWeb21C:
    """Answers every request with the next reply from a script (the last one repeats)."""

    def __init__(self, *replies: Reply | Callable[[], Reply]):
        self.replies = list(replies)
        self.requests = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        with self._lock:
            reply = self.replies[min(self.requests, len(self.replies) - 1)]
            self.requests += 1
        status, headers, body = reply() if callable(reply) else reply
        start_response(status, headers)
        return [body] if isinstance(body, bytes) else body


@pytest.fixture
def serve():
    servers, clients = [], []

    def start(fake: FakeWeb21C, **options) -> Web21CClient:
        server = HttpServer(fake, "127.0.0.1", 0, name="fake-web21c").start()
        servers.append(server)
        options = {"read_retries": 0, "retry_backoff": 0.0, **options}
        clients.append(Web21CClient(server.url, **options))
        return clients[-1]

    yield start
    for client in clients:  # close keep-alive connections first, so servers stop at once
        client.close()
    for server in servers:
        server.stop()


def test_a_valid_answer_is_read(serve):
    client = serve(FakeWeb21C(_xml(_call_information())))
    info = client.get_call_information("call-1")
    assert info.status is CallStatus.CONNECTED and info.duration == 5


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (_xml(b"this is not xml"), "not XML"),
        (_xml(b"<html><body>Bad gateway</body></html>", "502 Bad Gateway"), "HTTP 502"),
        (_xml(b"<html><body>hello</body></html>"), "not a SOAP envelope"),
        (_xml(b"<Envelope xmlns='urn:x'><Body/></Envelope>"), "not a SOAP envelope"),
        (_xml(_call_information("CallRinging")), "outside the contract"),
        (_xml(_call_information().replace(b"<duration>5", b"<duration>five")), "outside the"),
        (
            _xml(
                f'<soap:Envelope xmlns:soap="{SOAP_ENV_NS}"><soap:Body><endCallResponse '
                f'xmlns="{TPC}"><status>x</status></endCallResponse></soap:Body>'
                "</soap:Envelope>".encode()
            ),
            "no getCallInformationResponse",
        ),
        (_xml(b"", "503 Service Unavailable"), "HTTP 503"),
        (_xml(_call_information(), "503 Service Unavailable"), "HTTP 503"),
    ],
)
def test_garbage_answers_are_service_unavailable(serve, reply, words):
    client = serve(FakeWeb21C(reply))
    with pytest.raises(ServiceUnavailable, match=words):
        client.get_call_information("call-1")


def test_entity_expansion_is_refused_not_resolved(serve):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE soap:Envelope [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    ) + _call_information().replace(b"call", b"call").replace(b"<duration>5", b"<duration>&c;")
    client = serve(FakeWeb21C(_xml(laughs)))
    with pytest.raises(ServiceUnavailable, match="DTD"):
        client.get_call_information("call-1")


def test_a_huge_body_is_cut_off(serve):
    huge = b"<x>" + b"a" * (2 * 1024 * 1024) + b"</x>"
    client = serve(FakeWeb21C(_xml(huge)), max_response_bytes=64 * 1024)
    with pytest.raises(ServiceUnavailable, match="too large"):
        client.get_call_information("call-1")


def test_a_huge_chunked_body_without_length_is_cut_off(serve):
    def endless():
        for _ in range(200):
            yield b"a" * 16384

    reply = ("200 OK", [("Content-Type", "text/xml")], endless())
    client = serve(FakeWeb21C(lambda: reply), max_response_bytes=64 * 1024)
    with pytest.raises(ServiceUnavailable, match="too large"):
        client.get_call_information("call-1")


def test_a_slow_server_times_out(serve):
    def slow() -> Reply:
        time.sleep(1.0)
        return _xml(_call_information())

    client = serve(FakeWeb21C(slow), read_timeout=0.2)
    with pytest.raises(ServiceUnavailable, match="did not answer in time"):
        client.get_call_information("call-1")


def test_nobody_listening_is_service_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = Web21CClient(f"http://127.0.0.1:{port}", read_retries=0, connect_timeout=1)
    with pytest.raises(ServiceUnavailable, match="could not be reached"):
        client.get_call_information("call-1")


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("PermissionDeniedException", PermissionDenied),  # sdk:PermissionDeniedException
        ("Client.PermissionDeniedException", PermissionDenied),  # the older form
        ("Client.NotFound", NotFound),
        ("Server", ServiceFailure),
    ],
)
def test_faults_become_typed_errors_with_the_fault_string(serve, code, error):
    client = serve(FakeWeb21C(_xml(fault_envelope(code, "said the server"), "500 Error")))
    with pytest.raises(error) as raised:
        client.get_call_information("call-1")
    assert raised.value.fault_string == "said the server"


def test_reads_are_retried_with_backoff_until_they_succeed(serve):
    down = _xml(b"down", "503 Service Unavailable")
    fake = FakeWeb21C(down, down, _xml(_call_information()))
    client = serve(fake, read_retries=3, retry_backoff=0.01)
    assert client.get_call_information("call-1").status is CallStatus.CONNECTED
    assert fake.requests == 3


def test_reads_give_up_after_the_configured_retries(serve):
    fake = FakeWeb21C(_xml(b"down", "503 Service Unavailable"))
    client = serve(fake, read_retries=2, retry_backoff=0.0)
    with pytest.raises(ServiceUnavailable):
        client.get_participants("conf-1")
    assert fake.requests == 3


def test_faults_are_not_retried(serve):
    fake = FakeWeb21C(_xml(fault_envelope("Server", "no"), "500 Error"))
    client = serve(fake, read_retries=3, retry_backoff=0.0)
    with pytest.raises(ServiceFailure):
        client.get_call_information("call-1")
    assert fake.requests == 1


@pytest.mark.parametrize(
    "write",
    [
        lambda c: c.make_call("tel:+447700900001", "tel:+447700900002"),
        lambda c: c.send_message(["tel:+447700900001"], "me", "hi"),
        lambda c: c.send_message(["tel:+447700900001"], "me", "hi", "http://127.0.0.1:1/e"),
        lambda c: c.inbound.send_message(["tel:+447700900001"], "hi"),
        lambda c: c.inbound.send_message_with_eventing(["tel:+4477"], "hi", "http://127.0.0.1:1/e"),
        lambda c: c.create_conference(),
        lambda c: c.invite_participant("conf-1", "tel:+447700900001"),
    ],
    ids=["makeCall", "sendMessage", "sendMessageWithEventing", "inbound.sendMessage",
         "inbound.sendMessageWithEventing", "createConference", "inviteParticipant"],
)  # fmt: skip
def test_writes_are_never_retried(serve, write):
    fake = FakeWeb21C(_xml(b"down", "503 Service Unavailable"))
    client = serve(fake, read_retries=3, retry_backoff=0.0)
    with pytest.raises(ServiceUnavailable):
        write(client)
    assert fake.requests == 1
