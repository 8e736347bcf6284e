"""Stand-ins for losing an answer on the way back, on loopback.

`ForgetfulWeb21C` sits between the bridge and the real sandbox. It forwards every SOAP request
to the sandbox over HTTP, so the sandbox really carries it out, and relays the answer, except
for the next request(s) of an operation it was told to lose: that answer is swallowed, either
by never answering (the client's read timeout fires) or by resetting the connection (TCP RST)
once the sandbox has answered.

`HeldCallbacks` sits in front of the bridge's `/web21c/events/...` route as its PUBLIC_URL (a
reverse proxy, as a real deployment has): while holding, it takes the sandbox's delivery
callbacks (answering 200) and keeps them; `release()` passes them on to the bridge, in order.
That lets a test see the "outcome unknown" state before a callback settles it.
"""

from __future__ import annotations

import socket
import struct
import threading
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.reliability.hostile_web21c import _read_request, http_response

SILENCE = "silence"  # never answer: the client times out
RESET = "reset"  # answer with a TCP reset after the sandbox has carried the request out


class ForgetfulWeb21C:
    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.forwarded: Counter[str] = Counter()  # operation -> requests the sandbox got
        self.lost: list[str] = []  # operations whose answer was swallowed
        self._to_lose: dict[str, list[str]] = {}  # operation -> modes, next first
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, name="forgetful-web21c", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def lose(self, operation: str, mode: str = SILENCE, times: int = 1) -> None:
        """Swallow the answer to the next `times` requests of `operation` (e.g. "makeCall")."""
        assert mode in (SILENCE, RESET)
        with self._lock:
            self._to_lose.setdefault(operation, []).extend([mode] * times)

    def __enter__(self) -> ForgetfulWeb21C:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(30)
            try:
                path, headers, body = _read_request(connection)
            except OSError:
                return
            action = headers.get("soapaction", "").strip('"')
            operation = action.rsplit("#", 1)[-1]
            raw = self._forward(path, action, body)
            with self._lock:
                self.forwarded[operation] += 1
                modes = self._to_lose.get(operation)
                mode = modes.pop(0) if modes else None
                if mode:
                    self.lost.append(operation)
            try:
                if mode == RESET:
                    connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    return  # closing with linger 0 sends RST
                if mode == SILENCE:
                    self._wait_for_hang_up(connection)
                    return
                connection.sendall(raw)
                connection.shutdown(socket.SHUT_WR)
            except OSError:
                return

    def _wait_for_hang_up(self, connection: socket.socket) -> None:
        """Say nothing until the client gives up and closes (or the stand-in stops)."""
        connection.settimeout(0.2)
        while not self._stopping.is_set():
            try:
                if not connection.recv(65536):
                    return
            except TimeoutError:
                continue

    def _forward(self, path: str, action: str, body: bytes) -> bytes:
        request = urllib.request.Request(
            self.upstream + path,
            data=body,
            method="POST",
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return http_response(response.read(), f"{response.status} OK")
        except urllib.error.HTTPError as error:
            return http_response(error.read(), f"{error.code} Error")


class HeldCallbacks:
    """A reverse proxy for the bridge's callback route that can hold what arrives."""

    def __init__(self) -> None:
        self.target: str | None = None  # the bridge's own base URL, set once it listens
        self.held: list[tuple[str, bytes]] = []
        self.holding = True
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with relay._lock:
                    if relay.holding:
                        relay.held.append((self.path, body))
                        status = 200
                    else:
                        status = relay._pass_on(self.path, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def release(self) -> list[int]:
        """Pass every held callback on to the bridge, in order, and stop holding; the
        bridge's HTTP status for each."""
        with self._lock:
            self.holding = False
            held, self.held = self.held, []
            return [self._pass_on(path, body) for path, body in held]

    def _pass_on(self, path: str, body: bytes) -> int:
        assert self.target is not None, "the bridge's URL was never given"
        request = urllib.request.Request(
            self.target + path,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def __enter__(self) -> HeldCallbacks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
