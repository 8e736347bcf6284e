"""Which failures leave a write's outcome unknown: a loopback server that reads each request
whole (so it "carried it out") and then loses the answer in one scripted way."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable, Iterator

import pytest
import requests
import urllib3.exceptions

from adapters.web21c.client import Web21CClient
from adapters.web21c.faults import fault_envelope
from adapters.web21c.transport import never_sent
from bot.core.domain import OutcomeUnknown, ServiceFailure, ServiceUnavailable
from tests.reliability.hostile_web21c import _read_request, http_response

SILENCE, RESET, CLOSE = "silence", "reset", "close"


class LosingServer:
    """Reads a request, then does `action`: SILENCE (never answers), RESET (TCP RST), CLOSE
    (closes without a word), or sends the given raw bytes. Counts requests read."""

    def __init__(self, action: str | bytes):
        self.action = action
        self.requests = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            _read_request(connection)
            self.requests += 1
            if self.action == RESET:
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif self.action == SILENCE:
                self._stop.wait(3)
            elif isinstance(self.action, bytes):
                connection.sendall(self.action)
                connection.shutdown(socket.SHUT_WR)


@pytest.fixture
def losing() -> Iterator[Callable[..., tuple[Web21CClient, LosingServer]]]:
    made: list[tuple[Web21CClient, LosingServer]] = []

    def start(action: str | bytes) -> tuple[Web21CClient, LosingServer]:
        server = LosingServer(action)
        client = Web21CClient(server.url, read_timeout=0.5, read_retries=3, retry_backoff=0.0)
        made.append((client, server))
        return client, server

    yield start
    for client, server in made:
        client.close()
        server.stop()


WRITES = {
    "makeCall": lambda c: c.make_call("tel:+447700900001", "tel:+447700900002"),
    "endCall": lambda c: c.end_call("call-1"),
    "sendMessage": lambda c: c.send_message(["tel:+447700900001"], "me", "hi"),
    "sendMessageWithEventing": lambda c: c.send_message(
        ["tel:+447700900001"], "me", "hi", "http://127.0.0.1:1/web21c/events/t"
    ),
    "inbound.sendMessage": lambda c: c.inbound.send_message(["tel:+447700900001"], "hi"),
    "createConference": lambda c: c.create_conference(),
    "inviteParticipant": lambda c: c.invite_participant("conf-1", "tel:+447700900001"),
    "disconnectParticipant": lambda c: c.disconnect_participant("part-1"),
    "endConference": lambda c: c.end_conference("conf-1"),
    "clearReceivedMessages": lambda c: c.clear_received_messages(["in-1"]),
}
TRUNCATED = http_response(b"<soap:Envelope", length=4000)  # declares more than it sends


@pytest.mark.parametrize("name", list(WRITES))
@pytest.mark.parametrize("action", [SILENCE, RESET, CLOSE, TRUNCATED], ids=lambda a: str(a)[:9])
def test_a_write_taken_and_unanswered_is_outcome_unknown_and_sent_once(losing, name, action):
    client, server = losing(action)
    with pytest.raises(OutcomeUnknown):
        WRITES[name](client)
    assert server.requests == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        ("200 OK", b"<html>not soap</html>"),
        ("500 Internal Server Error", b"<html>oops</html>"),
        ("502 Bad Gateway", b"<html>upstream went away</html>"),
        ("504 Gateway Timeout", b""),
    ],
)
def test_an_answer_that_is_not_web21cs_word_leaves_a_write_unknown(losing, status, body):
    client, server = losing(http_response(body, status))
    with pytest.raises(OutcomeUnknown):
        client.make_call("tel:+447700900001", "tel:+447700900002")
    assert server.requests == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        ("503 Service Unavailable", b"down for maintenance"),
        ("404 Not Found", b"<html>no such endpoint</html>"),
        ("413 Payload Too Large", b""),
        ("429 Too Many Requests", b""),
    ],
)
def test_a_declined_write_is_not_done_not_unknown(losing, status, body):
    client, server = losing(http_response(body, status))
    with pytest.raises(ServiceUnavailable) as raised:
        client.send_message(["tel:+447700900001"], "me", "hi")
    assert not isinstance(raised.value, OutcomeUnknown)
    assert server.requests == 1


def test_a_soap_fault_is_web21cs_word_not_unknown(losing):
    client, _ = losing(http_response(fault_envelope("Server", "no"), "500 Error"))
    with pytest.raises(ServiceFailure) as raised:
        client.make_call("tel:+447700900001", "tel:+447700900002")
    assert raised.value.fault_string == "no"


def test_a_write_to_nobody_listening_is_not_sent_not_unknown():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = Web21CClient(f"http://127.0.0.1:{port}", connect_timeout=1)
    with client, pytest.raises(ServiceUnavailable, match="could not be reached") as raised:
        client.make_call("tel:+447700900001", "tel:+447700900002")
    assert not isinstance(raised.value, OutcomeUnknown)


@pytest.mark.parametrize("action", [SILENCE, RESET])
def test_a_read_whose_answer_is_lost_is_retried_and_never_unknown(losing, action):
    client, server = losing(action)
    with pytest.raises(ServiceUnavailable) as raised:
        client.get_call_information("call-1")
    assert not isinstance(raised.value, OutcomeUnknown)  # asking again is harmless
    assert server.requests == 4  # one try and three retries


def test_only_failures_before_any_byte_left_count_as_never_sent():
    refused = requests.ConnectionError(
        urllib3.exceptions.MaxRetryError(
            None, "/", urllib3.exceptions.NewConnectionError(None, "refused")
        )
    )
    aborted = requests.ConnectionError(
        urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError())
    )
    assert never_sent(refused)
    assert never_sent(requests.ConnectTimeout())
    assert never_sent(requests.exceptions.InvalidURL())
    assert not never_sent(aborted)
    assert not never_sent(requests.ReadTimeout())
    assert not never_sent(requests.exceptions.ChunkedEncodingError())
    assert not never_sent(requests.RequestException())  # unknown kinds count as maybe sent
