"""Slack's Socket Mode, faked on loopback: `apps.connections.open` hands out a one-use
websocket URL, and a small stdlib websocket server carries envelopes to the connected app
and its acks back.

The websocket is the part of RFC 6455 that Slack's clients use: the upgrade handshake,
single-frame text messages, ping/pong and close; server frames unmasked, client frames
masked. Like Slack, the server says `hello` once a connection is up and pings it now and
then. Tests push envelopes and wait for the acks:

    gateway = slack.socket_mode
    payload = slash_command_payload("/sms", "07700900123 hi", "UALICE", channel, response_url)
    envelope_id = gateway.send_envelope("slash_commands", payload, accepts_response_payload=True)
    ack = gateway.wait_for_ack(envelope_id)  # {"envelope_id": ..., "payload": {...}?}
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import logging
import os
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import parse_qs, parse_qsl, urlsplit

from tests.slackapi.identity import APP_ID
from tests.slackapi.models import CallRecord
from tests.slackapi.signing import event_callback_body, slash_command_body
from tests.slackapi.state import WaitTimeout
from tests.slackapi.wsgi import (
    BadRequest,
    SlackApiApp,
    bearer_token,
    parse_arguments,
    read_body,
)

log = logging.getLogger(__name__)

APP_TOKEN = "xapp-1-test"  # the app-level token the fake accepts unless told otherwise
CONNECTIONS_OPEN = "apps.connections.open"

OPCODE_CONTINUATION, OPCODE_TEXT, OPCODE_BINARY = 0x0, 0x1, 0x2
OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG = 0x8, 0x9, 0xA
CLOSE_GOING_AWAY, CLOSE_PROTOCOL_ERROR, CLOSE_UNSUPPORTED, CLOSE_TOO_BIG = 1001, 1002, 1003, 1009

_ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
_MAX_FRAME_BYTES = 1 << 20
_MAX_HEADER_LINE = 8192
_MAX_HEADERS = 64
_HANDSHAKE_TIMEOUT = 5.0
_ACCEPT_POLL_SECONDS = 0.1  # how soon the accept loop notices stop(), as HttpServer's does


# ----- frames ----------------------------------------------------------------------------------


class ConnectionClosed(Exception):
    """The peer closed the TCP connection (or stop() shut it down)."""


class ProtocolError(Exception):
    """A frame this server refuses; `code` is the close code it answers with."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class Frame:
    fin: bool
    opcode: int
    masked: bool
    payload: bytes


def _xor(data: bytes, key: bytes) -> bytes:
    """Masking and unmasking are the same XOR with the 4-byte key."""
    return bytes(byte ^ key[i % 4] for i, byte in enumerate(data))


def encode_frame(opcode: int, payload: bytes = b"", *, mask: bool = False) -> bytes:
    """One final frame. Clients must mask theirs, servers must not (RFC 6455 5.1)."""
    mask_bit = 0x80 if mask else 0
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, mask_bit | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, mask_bit | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, mask_bit | 127, length)
    if not mask:
        return header + payload
    key = os.urandom(4)
    return header + key + _xor(payload, key)


def _read_exactly(stream: BinaryIO, count: int) -> bytes:
    data = stream.read(count)
    if data is None or len(data) < count:
        raise ConnectionClosed
    return data


def read_frame(stream: BinaryIO) -> Frame:
    """The next frame from a buffered socket reader, unmasked."""
    first, second = _read_exactly(stream, 2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", _read_exactly(stream, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", _read_exactly(stream, 8))
    if length > _MAX_FRAME_BYTES:
        raise ProtocolError(CLOSE_TOO_BIG, f"a {length}-byte frame")
    masked = bool(second & 0x80)
    key = _read_exactly(stream, 4) if masked else b""
    payload = _read_exactly(stream, length) if length else b""
    if masked:
        payload = _xor(payload, key)
    return Frame(bool(first & 0x80), first & 0x0F, masked, payload)


def close_payload(code: int, reason: str = "") -> bytes:
    return struct.pack("!H", code) + reason.encode()[:123]


def accept_key(websocket_key: str) -> str:
    """Sec-WebSocket-Accept for a client's Sec-WebSocket-Key."""
    digest = hashlib.sha1((websocket_key + _ACCEPT_GUID).encode()).digest()
    return base64.b64encode(digest).decode()


# ----- the handshake ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Upgrade:
    """A client's opening handshake: what the server checks before it answers 101."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    @property
    def ticket(self) -> str:
        return (self.query.get("ticket") or [""])[0]

    def problem(self) -> str | None:
        """Why this is not a websocket upgrade, or None."""
        if self.method != "GET":
            return "the handshake must be a GET"
        if "websocket" not in self.headers.get("upgrade", "").lower():
            return "no Upgrade: websocket"
        if "upgrade" not in self.headers.get("connection", "").lower():
            return "no Connection: Upgrade"
        if self.headers.get("sec-websocket-version") != "13":
            return "Sec-WebSocket-Version must be 13"
        if not self.headers.get("sec-websocket-key"):
            return "no Sec-WebSocket-Key"
        return None


def read_upgrade(stream: BinaryIO) -> Upgrade:
    """The request line and headers, up to the blank line (nothing of what follows)."""
    request_line = stream.readline(_MAX_HEADER_LINE).decode("latin-1").split()
    if len(request_line) != 3:
        raise ConnectionClosed
    headers: dict[str, str] = {}
    for _ in range(_MAX_HEADERS):
        line = stream.readline(_MAX_HEADER_LINE).decode("latin-1")
        if line in ("", "\r\n", "\n"):
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    target = urlsplit(request_line[1])
    return Upgrade(request_line[0], target.path, parse_qs(target.query), headers)


def _http_answer(status: str, headers: Iterable[tuple[str, str]] = (), body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers)]
    if not status.startswith("101"):
        lines += ["Content-Type: text/plain; charset=utf-8", f"Content-Length: {len(body)}"]
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# ----- one connection --------------------------------------------------------------------------


class Connection:
    """One app's websocket. Frames go out under a lock, so an envelope and a pong sent from
    different threads never interleave; the server's thread for it reads until it closes."""

    def __init__(self, sock: socket.socket, number: int, on_text: Callable[[str], None]):
        self.sock = sock
        self.number = number
        self.peer = sock.getpeername()  # the app's (host, port)
        self.pongs = 0
        self._on_text = on_text
        self._send_lock = threading.Lock()
        self._closing = False

    def send(self, opcode: int, payload: bytes = b"") -> None:
        with self._send_lock:
            self.sock.sendall(encode_frame(opcode, payload))

    def send_json(self, message: dict[str, Any]) -> None:
        self.send(OPCODE_TEXT, json.dumps(message).encode())

    def ping(self, payload: bytes) -> None:
        with contextlib.suppress(OSError):  # a connection going away misses its ping
            self.send(OPCODE_PING, payload)

    def close(self, code: int = CLOSE_GOING_AWAY, reason: str = "") -> None:
        """Say goodbye (if the socket still takes it) and end the reading thread's wait."""
        if not self._closing:
            self._closing = True
            with contextlib.suppress(OSError):
                self.send(OPCODE_CLOSE, close_payload(code, reason))
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def read_until_closed(self, stream: BinaryIO) -> None:
        try:
            while self._on_frame(read_frame(stream)):
                pass
        except ProtocolError as error:
            log.info("fake Slack closes websocket %d: %s", self.number, error)
            self.close(error.code, str(error))
        except (ConnectionClosed, OSError):
            pass

    def _on_frame(self, frame: Frame) -> bool:
        """Act on one frame; False once the connection is done."""
        if not frame.masked:
            raise ProtocolError(CLOSE_PROTOCOL_ERROR, "a client frame must be masked")
        if not frame.fin or frame.opcode == OPCODE_CONTINUATION:
            raise ProtocolError(CLOSE_UNSUPPORTED, "fragmented messages are not supported here")
        if frame.opcode == OPCODE_TEXT:
            self._on_text(frame.payload.decode("utf-8", "replace"))
        elif frame.opcode == OPCODE_PING:
            self.send(OPCODE_PONG, frame.payload)
        elif frame.opcode == OPCODE_PONG:
            self.pongs += 1
        elif frame.opcode == OPCODE_CLOSE:
            self.close(_close_code(frame.payload))
            return False
        else:
            raise ProtocolError(CLOSE_UNSUPPORTED, f"opcode {frame.opcode} is not used by Slack")
        return True


def _close_code(payload: bytes) -> int:
    """The code a close frame carried, to send back as the closing handshake asks."""
    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1000


# ----- the gateway -----------------------------------------------------------------------------


class SocketModeGateway:
    """Slack's websocket end on a loopback port: one-use tickets, the apps connected with
    them, and the acks they sent back (by envelope_id).

    `ping_interval`: slack_sdk's built-in client reads with a 3 s timeout while holding a lock
    that its close() needs, so an app on a silent connection takes up to 3 s to stop; pinging
    every second, as Slack pings too, keeps that near 1 s."""

    def __init__(self, host: str = "127.0.0.1", *, ping_interval: float | None = 1.0):
        self._listener = socket.create_server((host, 0), family=_family(host))
        self._listener.settimeout(_ACCEPT_POLL_SECONDS)
        self.host = host
        self.port: int = self._listener.getsockname()[1]
        self.ping_interval = ping_interval
        self._changed = threading.Condition(threading.Lock())
        self._tickets: set[str] = set()
        self._sockets: set[socket.socket] = set()  # every accepted socket, upgraded or not
        self._connections: list[Connection] = []  # open ones, oldest first
        self._acks: dict[str, list[dict[str, Any]]] = {}
        self._numbers = itertools.count(1)
        self._stopped = threading.Event()
        self._loops: list[threading.Thread] = []  # accepting and pinging
        self._threads: list[threading.Thread] = []  # one per accepted connection

    # ----- lifecycle -----

    def start(self) -> SocketModeGateway:
        self._loops.append(_spawn(self._accept_loop, "fake-slack-socket-mode"))
        if self.ping_interval:
            pings = _spawn(self._ping_loop, "fake-slack-socket-mode-pings", self.ping_interval)
            self._loops.append(pings)
        return self

    def stop(self) -> None:
        """Stop accepting, close every connection, and wait for all the threads to end."""
        self._stopped.set()
        for thread in self._loops:  # no new connection, and no ping, after this
            thread.join(timeout=5)
        self._listener.close()
        with self._changed:
            connections, sockets = list(self._connections), list(self._sockets)
        for connection in connections:
            connection.close(CLOSE_GOING_AWAY, "the fake Slack is stopping")
        for sock in sockets:  # those still in their handshake
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)

    # ----- for apps.connections.open -----

    def new_url(self) -> str:
        """A websocket URL with a fresh one-use ticket, as apps.connections.open answers."""
        ticket = str(uuid.uuid4())
        with self._changed:
            self._tickets.add(ticket)
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}/link/?ticket={ticket}&app_id={APP_ID}"

    # ----- for tests -----

    def send_envelope(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Deliver an envelope to the newest connection (waiting up to `timeout` for one);
        returns its envelope_id. `retry_attempt`/`retry_reason` are events_api fields."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if retry_attempt is not None:
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or ""
        self.wait_for_connections(1, timeout=timeout)[-1].send_json(envelope)
        return envelope_id

    def send_slash_command(self, payload: dict[str, str]) -> str:
        return self.send_envelope("slash_commands", payload, accepts_response_payload=True)

    def send_event(self, payload: dict[str, Any], retry_attempt: int = 0, reason: str = "") -> str:
        """An Events API delivery; Slack's redeliveries carry retry_attempt 1, 2, 3."""
        return self.send_envelope(
            "events_api", payload, retry_attempt=retry_attempt, retry_reason=reason
        )

    def acks(self, envelope_id: str) -> list[dict[str, Any]]:
        with self._changed:
            return list(self._acks.get(envelope_id, []))

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The first ack the app sent for this envelope (its JSON, payload included)."""
        acks = self._wait(lambda: self._acks.get(envelope_id), timeout, f"an ack of {envelope_id}")
        return acks[0]

    def connections(self) -> list[Connection]:
        with self._changed:
            return list(self._connections)

    def wait_for_connections(self, count: int = 1, timeout: float = 10.0) -> list[Connection]:
        def enough() -> list[Connection] | None:
            return list(self._connections) if len(self._connections) >= count else None

        return self._wait(enough, timeout, f"{count} socket mode connection(s)")

    def _wait(self, found: Callable[[], Any], timeout: float, what: str) -> Any:
        """`found()`'s first truthy value, checked under the lock on every change."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := found()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(f"timed out after {timeout}s waiting for {what}")
                self._changed.wait(remaining)
            return result

    # ----- threads -----

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._changed:
                self._sockets.add(sock)
            self._threads = [thread for thread in self._threads if thread.is_alive()]
            self._threads.append(_spawn(self._serve, "fake-slack-socket-mode-connection", sock))

    def _ping_loop(self, interval: float) -> None:
        """Slack pings its apps; each ping also ends the wait of a client's blocking read."""
        while not self._stopped.wait(interval):
            for connection in self.connections():
                connection.ping(f"ping {time.time():.3f}".encode())

    def _serve(self, sock: socket.socket) -> None:
        """Handshake, hello, then read frames until the connection ends."""
        try:
            with sock, sock.makefile("rb") as stream:
                connection = self._handshake(sock, stream)
                if connection is not None:
                    try:
                        connection.read_until_closed(stream)
                    finally:
                        self._forget(connection)
        except (ConnectionClosed, OSError) as error:
            log.debug("fake Slack websocket ended early: %s", error)
        finally:
            with self._changed:
                self._sockets.discard(sock)

    def _handshake(self, sock: socket.socket, stream: BinaryIO) -> Connection | None:
        sock.settimeout(_HANDSHAKE_TIMEOUT)
        upgrade = read_upgrade(stream)
        refusal = self._refusal(upgrade)
        if refusal is not None:
            sock.sendall(_http_answer(refusal[0], body=refusal[1].encode()))
            return None
        sock.settimeout(None)
        accept = ("Sec-WebSocket-Accept", accept_key(upgrade.headers["sec-websocket-key"]))
        headers = [("Upgrade", "websocket"), ("Connection", "Upgrade"), accept]
        return self._open(sock, _http_answer("101 Switching Protocols", headers))

    def _refusal(self, upgrade: Upgrade) -> tuple[str, str] | None:
        """(status, reason) for a handshake not answered 101; uses up a good ticket."""
        problem = upgrade.problem()
        if problem is not None:
            return "400 Bad Request", problem
        if upgrade.path.rstrip("/") != "/link":
            return "404 Not Found", f"no websocket at {upgrade.path}"
        with self._changed:
            if upgrade.ticket not in self._tickets:
                return "401 Unauthorized", "unknown or used ticket"
            self._tickets.discard(upgrade.ticket)
        return None

    def _open(self, sock: socket.socket, switching_protocols: bytes) -> Connection:
        """List the connection, answer 101 and say hello, all under the lock: a client whose
        connect() has returned can be sent to at once, and no ping or envelope can slip in
        ahead of the 101."""
        with self._changed:
            connection = Connection(sock, next(self._numbers), self._on_text)
            self._connections.append(connection)
            try:
                sock.sendall(switching_protocols)
                connection.send_json(_hello(len(self._connections)))
            except OSError:
                self._connections.remove(connection)
                raise
            self._changed.notify_all()
        return connection

    def _forget(self, connection: Connection) -> None:
        with self._changed:
            if connection in self._connections:
                self._connections.remove(connection)
            self._changed.notify_all()

    def _on_text(self, text: str) -> None:
        """An app's message: acks are kept by envelope_id, anything else is logged."""
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("envelope_id"), str):
            log.warning("fake Slack got a websocket message that is not an ack: %.200s", text)
            return
        with self._changed:
            self._acks.setdefault(message["envelope_id"], []).append(message)
            self._changed.notify_all()


def _hello(num_connections: int) -> dict[str, Any]:
    """What Slack sends first on a new connection."""
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {
            "host": "applink-fake-slack",
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": {"app_id": APP_ID},
    }


def _spawn(target: Callable[..., None], name: str, *args: Any) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    thread.start()
    return thread


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


# ----- apps.connections.open -------------------------------------------------------------------


class ConnectionsOpenApi:
    """WSGI in front of the Web API app: answers apps.connections.open, the one method that
    takes an app-level token (xapp-) rather than the bot's, and passes the rest on.

    Refusals follow the Web API app's: no token is `not_authed`, any other token (a bot
    token included) `invalid_auth`. The call goes into the state's call log like any other."""

    def __init__(self, api: SlackApiApp, gateway: SocketModeGateway, app_tokens: Iterable[str]):
        self.api = api
        self.gateway = gateway
        self.app_tokens = set(app_tokens)

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") != f"/api/{CONNECTIONS_OPEN}":
            return self.api(environ, start_response)
        started = time.monotonic()
        try:
            arguments = parse_arguments(environ, read_body(environ))
        except BadRequest as error:
            arguments, refusal = {}, str(error)
        else:
            refusal = self._refusal(bearer_token(environ) or arguments.get("token"))
            arguments.pop("token", None)
        self.api.state.record_call(
            CallRecord(CONNECTIONS_OPEN, arguments, 200, refusal is None, refusal, started)
        )
        if refusal is None:
            answer: dict[str, Any] = {"ok": True, "url": self.gateway.new_url()}
        else:
            answer = {"ok": False, "error": refusal}
        body = json.dumps(answer).encode()
        headers = [("Content-Type", "application/json; charset=utf-8")]
        start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _refusal(self, token: str | None) -> str | None:
        if not token:
            return "not_authed"
        return None if token in self.app_tokens else "invalid_auth"


# ----- payloads as Slack sends them over the websocket -----------------------------------------


def slash_command_payload(
    command: str, text: str, user_id: str, channel_id: str, response_url: str, **fields: Any
) -> dict[str, str]:
    """A slash_commands envelope's payload: the HTTP form's fields, as a JSON object."""
    body = slash_command_body(command, text, user_id, channel_id, response_url, **fields)
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


def event_callback_payload(
    event: dict[str, Any], event_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    """An events_api envelope's payload: the event_callback body HTTP delivery posts."""
    return json.loads(event_callback_body(event, event_id, **fields))
