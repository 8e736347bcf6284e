"""A hostile Web21C on a loopback socket: it answers each SOAP request with the next raw HTTP
response from a script, byte for byte, so it can also lie about lengths, cut a body short,
hang up, or speak something that is not HTTP at all (which no WSGI server would let it do).

In record mode it forwards to a real sandbox instead and keeps each operation's genuine
answer: the seeds that hostile_replies.py mutates.
"""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from collections import deque


def http_response(body: bytes, status: str = "200 OK", *, length: int | None = None) -> bytes:
    """A raw HTTP/1.1 response; `length` overrides the declared Content-Length."""
    declared = len(body) if length is None else length
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: text/xml; charset=utf-8\r\n"
        f"Content-Length: {declared}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def chunked_response(chunks: list[bytes]) -> bytes:
    """A chunked HTTP/1.1 response with no Content-Length."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
    return head + body + b"0\r\n\r\n"


class HostileWeb21C:
    def __init__(self, upstream: str | None = None):
        self.upstream = upstream  # record mode when set
        self.recorded: dict[str, bytes] = {}  # SOAPAction -> genuine response body
        self._script: deque[bytes] = deque()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hostile-web21c", daemon=True)
        self.served = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def queue(self, raw: bytes) -> None:
        with self._lock:
            self._script.append(raw)

    def start(self) -> HostileWeb21C:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> HostileWeb21C:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

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
            connection.settimeout(5)
            try:
                path, headers, body = _read_request(connection)
                raw = self._reply(path, headers, body)
                if raw:
                    connection.sendall(raw)
                connection.shutdown(socket.SHUT_WR)
            except OSError:
                return  # the client gave up first (for instance on a huge body): fine

    def _reply(self, path: str, headers: dict[str, str], body: bytes) -> bytes:
        with self._lock:
            self.served += 1
        if self.upstream is not None:
            return self._forward(path, headers, body)
        with self._lock:
            return self._script.popleft()

    def _forward(self, path: str, headers: dict[str, str], body: bytes) -> bytes:
        action = headers.get("soapaction", "").strip('"')
        request = urllib.request.Request(
            self.upstream + path,
            data=body,
            method="POST",
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                data, status = response.read(), f"{response.status} OK"
        except urllib.error.HTTPError as error:
            data, status = error.read(), f"{error.code} Error"
        if status.startswith("200"):
            self.recorded[action] = data
        return http_response(data, status)


def _read_request(connection: socket.socket) -> tuple[str, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise OSError("closed before the headers ended")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return path, headers, body
