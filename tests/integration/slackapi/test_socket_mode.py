"""The fake Slack's Socket Mode: apps.connections.open hands out one-use websocket URLs for
the app-level token only, and its websocket speaks enough RFC 6455 for slack_sdk's client."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
import time
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.response import SocketModeResponse

from tests.slackapi import SlackApiServer
from tests.slackapi.identity import APP_ID
from tests.slackapi.socket_mode import (
    APP_TOKEN,
    OPCODE_CLOSE,
    OPCODE_PING,
    OPCODE_PONG,
    OPCODE_TEXT,
    accept_key,
    encode_frame,
    read_frame,
)


class RawClient:
    """A bare websocket client, to see the frames and handshake answers themselves."""

    def __init__(self, url: str):
        target = urlsplit(url)
        self.sock = socket.create_connection((target.hostname, target.port), timeout=5)
        self.stream = self.sock.makefile("rb")
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {target.path}?{target.query} HTTP/1.1\r\nHost: {target.hostname}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {self.key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        self.status, self.headers = self._read_answer()

    def _read_answer(self) -> tuple[int, dict[str, str]]:
        status = int(self.stream.readline().split()[1])
        headers = {}
        while (line := self.stream.readline().decode().strip()) != "":
            name, _, value = line.partition(":")
            headers[name.lower()] = value.strip()
        return status, headers

    def send(self, opcode: int, payload: bytes = b"") -> None:
        self.sock.sendall(encode_frame(opcode, payload, mask=True))

    def receive(self):
        """The next frame, past the pings the server sends now and then."""
        while (frame := read_frame(self.stream)).opcode == OPCODE_PING:
            pass
        return frame

    def receive_json(self) -> dict:
        frame = self.receive()
        assert frame.opcode == OPCODE_TEXT and not frame.masked
        return json.loads(frame.payload)

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


def _open(client) -> str:
    return client.apps_connections_open(app_token=APP_TOKEN)["url"]


@pytest.fixture
def raw(slack):
    clients: list[RawClient] = []

    def connect(url: str | None = None) -> RawClient:
        clients.append(RawClient(url or _open(slack.client())))
        return clients[-1]

    yield connect
    for client in clients:
        client.close()


def test_connections_open_takes_only_the_app_level_token(slack, client):
    for token, error in [("xoxb-test", "invalid_auth"), ("xapp-1-other", "invalid_auth")]:
        with pytest.raises(SlackApiError) as refused:
            client.apps_connections_open(app_token=token)
        assert refused.value.response["error"] == error

    answer = client.apps_connections_open(app_token=APP_TOKEN)

    url = urlsplit(answer["url"])
    assert (url.scheme, url.hostname, url.path) == ("ws", "127.0.0.1", "/link/")
    assert url.port == slack.socket_mode.port
    assert "ticket=" in url.query
    calls = slack.state.calls("apps.connections.open")
    assert [(c.ok, c.error) for c in calls] == [
        (False, "invalid_auth"),
        (False, "invalid_auth"),
        (True, None),
    ]


def test_connections_open_without_a_token_is_not_authed(slack):
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=slack.api_url).api_call("apps.connections.open", http_verb="POST")

    assert refused.value.response["error"] == "not_authed"


def test_a_ticket_opens_one_connection_which_slack_greets(slack, raw):
    url = _open(slack.client())
    first = raw(url)

    assert first.status == 101
    assert first.headers["sec-websocket-accept"] == accept_key(first.key)
    hello = first.receive_json()
    assert hello["type"] == "hello" and hello["connection_info"] == {"app_id": APP_ID}
    assert raw(url).status == 401  # the ticket is used up
    assert raw(url.replace("/link/", "/elsewhere/")).status == 404


def test_pings_get_pongs_and_a_close_is_answered_and_forgotten(slack, raw):
    client = raw()
    client.receive_json()  # hello
    assert _served(slack, client)

    client.send(OPCODE_PING, b"are you there")
    pong = client.receive()
    client.send(OPCODE_CLOSE, struct.pack("!H", 1000))
    echo = client.receive()

    assert (pong.opcode, pong.payload) == (OPCODE_PONG, b"are you there")
    assert (echo.opcode, echo.payload[:2]) == (OPCODE_CLOSE, struct.pack("!H", 1000))
    _wait_until(lambda: not _served(slack, client))


def test_an_unmasked_client_frame_is_a_protocol_error(raw):
    client = raw()
    client.receive_json()  # hello

    client.sock.sendall(encode_frame(OPCODE_TEXT, b"{}", mask=False))
    refusal = client.receive()

    assert refusal.opcode == OPCODE_CLOSE
    assert struct.unpack("!H", refusal.payload[:2])[0] == 1002


def test_slack_sdks_client_gets_envelopes_and_its_acks_come_back(slack):
    sdk = SocketModeClient(app_token=APP_TOKEN, web_client=slack.client())

    def answer(client, request) -> None:
        reply = {"text": f"{request.type}: {request.payload['text']}"}
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id, reply))

    sdk.socket_mode_request_listeners.append(answer)
    sdk.connect()
    try:
        big = "x" * 70_000  # a 64-bit frame length each way
        small = slack.socket_mode.send_envelope("slash_commands", {"text": "hi"})
        large = slack.socket_mode.send_envelope("slash_commands", {"text": big})

        assert slack.socket_mode.wait_for_ack(small) == {
            "envelope_id": small,
            "payload": {"text": "slash_commands: hi"},
        }
        assert slack.socket_mode.wait_for_ack(large)["payload"]["text"].endswith(big)
    finally:
        sdk.close()


def test_stopping_the_server_closes_its_connections_and_ends_its_threads():
    before = set(threading.enumerate())
    with SlackApiServer() as slack:
        client = RawClient(_open(slack.client()))
        client.receive_json()  # hello
    goodbye = client.receive()
    client.close()

    assert goodbye.opcode == OPCODE_CLOSE
    assert struct.unpack("!H", goodbye.payload[:2])[0] == 1001
    left = [t.name for t in threading.enumerate() if t not in before and "socket-mode" in t.name]
    assert left == []


def _served(slack, client: RawClient) -> bool:
    """Whether the gateway still lists this client's connection as open."""
    address = client.sock.getsockname()
    return any(c.peer == address for c in slack.socket_mode.connections())


def _wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
