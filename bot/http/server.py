"""Serve a WSGI app over HTTP/1.1 on a background thread (the bridge, the sandbox and the
tests' fake servers use it).

One thread per connection, and each request is read, handled and answered on that thread.
That is the shortest path from a request to its answer: a server that reads on one thread
and runs the app on another (waitress, which the bridge used first) hands every request
across threads twice, and under load each hand-off can wait several milliseconds for the
GIL; Slack's three-second deadline and the bridge's ack-latency goal (docs/benchmarks.md)
are about that path. Slack, Web21C and load balancers keep a few connections open and
reuse them, so connections, not requests, are what cost a thread here.

Limits, so a misbehaving client costs little: at most `max_connections` open at once (the
next gets 503 and is closed), a connection idle or stalled for `idle_timeout` seconds is
closed, request bodies must state their length (no chunked uploads) and at most
`max_body_bytes`; header lines and counts are bounded by http.server itself.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]

MAX_CONNECTIONS = 256
IDLE_TIMEOUT_SECONDS = 75.0  # longer than the keep-alive of common load balancers (60 s)
MAX_BODY_BYTES = 8 * 1024 * 1024  # the apps set tighter limits of their own


class HttpServer:
    """A started-on-demand server; port 0 picks a free port (see `.port`)."""

    def __init__(
        self,
        app: WsgiApp,
        host: str,
        port: int,
        *,
        name: str = "http",
        max_connections: int = MAX_CONNECTIONS,
        idle_timeout: float = IDLE_TIMEOUT_SECONDS,
        max_body_bytes: int = MAX_BODY_BYTES,
    ):
        handler = type(
            "Handler",
            (_WsgiHandler,),
            {"app": staticmethod(app), "timeout": idle_timeout, "max_body": max_body_bytes},
        )
        self._server = _Server((host, port), handler, max_connections, name)
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self.host = host
        self.port: int = self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> HttpServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        """Stop listening and close every open connection (a request being handled ends
        when its handler returns; its answer may not reach the client)."""
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        self._thread.join(timeout=5)

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() closes the connections; it does not wait on them

    def __init__(self, address: tuple[str, int], handler: type, max_connections: int, name: str):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self._max_connections = max_connections
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self.name = name
        super().__init__(address, handler)

    def process_request(self, request: socket.socket, client_address: Any) -> None:
        with self._open_lock:
            full = len(self._open) >= self._max_connections
            if not full:
                self._open.add(request)
        if full:
            log.warning("%s: %d connections open; refusing one more", self.name, len(self._open))
            _refuse(request)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:  # no thread for it: give the slot back
            self._forget(request)
            raise

    def process_request_thread(self, request: socket.socket, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._forget(request)

    def _forget(self, request: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(request)

    def close_connections(self) -> None:
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("%s: connection from %s failed", self.name, client_address, exc_info=True)


def _refuse(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # a client that is gone needs no answer
        connection.sendall(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )


_INTERNAL_ERROR = ("500 Internal Server Error", [("Content-Type", "text/plain")], [b"error"])


class _WsgiHandler(BaseHTTPRequestHandler):
    """Turn each request into a WSGI call, and its answer into an HTTP/1.1 response."""

    protocol_version = "HTTP/1.1"  # keep-alive: Slack and our clients reuse connections
    disable_nagle_algorithm = True  # small answers go out at once
    server_version = "web21c-bridge"
    sys_version = ""
    default_request_version = "HTTP/1.1"  # so even an unreadable request gets a status line
    error_message_format = "%(code)d %(message)s\n"  # http.server's own errors, as plain text
    error_content_type = "text/plain; charset=utf-8"
    app: WsgiApp
    max_body: int

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _serve(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._plain(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0:
                raise ValueError(length)
        except ValueError:
            self._plain(HTTPStatus.BAD_REQUEST, "bad Content-Length")
            return
        if length > self.max_body:
            self._plain(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large")
            return
        body = _Body(self.rfile, length)
        try:
            status, headers, chunks = self._call_app(self._environ(body, length))
            if not body.drain():  # a client that never sent what it announced: drop it
                self.close_connection = True
        except _ClientGone as gone:
            log.debug("%s: client went quiet or away mid-body: %s", self.client_address[0], gone)
            self.close_connection = True
            return
        payload = b"".join(chunks)
        self.send_response_only(int(status.split(" ", 1)[0]), status.partition(" ")[2] or None)
        names = set()
        for name, value in headers:
            names.add(name.lower())
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()  # the headers go out in one write, the body in another
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _call_app(self, environ: dict) -> tuple[str, list[tuple[str, str]], list[bytes]]:
        started: list[Any] = []

        def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
            started[:] = [status, headers]
            return lambda data: None  # the legacy write() callable: unused by our apps

        try:
            result = self.app(environ, start_response)
            try:
                chunks = [bytes(chunk) for chunk in result]
            finally:
                if hasattr(result, "close"):
                    result.close()
        except _ClientGone:
            raise
        except Exception:
            log.exception("unhandled error serving %s %s", self.command, self.path)
            self.close_connection = True
            return _INTERNAL_ERROR
        if not started:
            log.error("%s %s: the app answered without a status", self.command, self.path)
            return _INTERNAL_ERROR
        return started[0], started[1], chunks

    def _environ(self, body: _Body, length: int) -> dict:
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(length) if length else "",
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": body,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key != "CONTENT_LENGTH":
                key = "HTTP_" + key
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def _plain(self, status: HTTPStatus, text: str) -> None:
        payload = text.encode()
        self.close_connection = True
        self.send_response_only(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s: " + format, self.client_address[0], *args)


class _ClientGone(Exception):
    """The client stalled past the idle timeout, or dropped, while sending its body."""


class _Body(io.RawIOBase):
    """wsgi.input: the request body and not a byte past it, whatever the app asks for."""

    def __init__(self, stream: io.BufferedIOBase, length: int):
        self._stream = stream
        self._left = length

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > self._left:
            size = self._left
        try:
            data = self._stream.read(size) if size else b""
        except OSError as error:  # the idle timeout, or a reset: nobody is left to answer
            raise _ClientGone(type(error).__name__) from None
        self._left -= len(data)
        if size and not data:
            self._left = 0  # the client went away mid-body
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int = -1) -> bytes:
        limit = self._left if size is None or size < 0 else min(size, self._left)
        try:
            line = self._stream.readline(limit) if limit else b""
        except OSError as error:
            raise _ClientGone(type(error).__name__) from None
        self._left -= len(line)
        return line

    def drain(self) -> bool:
        """Skip what the app left unread (an app that refuses a large body reads none of
        it), so the client, still sending, gets the answer; False if the client went away."""
        while self._left:
            if not self.read(min(self._left, 64 * 1024)):
                return False
        return True
