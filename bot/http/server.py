"""Serve a WSGI app with waitress on a background thread (the bridge, the sandbox and the
tests' fake servers use it).

waitress was chosen by measurement (bench/http_servers.py, docs/benchmarks.md): beside
cheroot it answered a Slack-sized burst as fast, and it alone refuses ambiguous framing
(a doubled or signed Content-Length, a transfer coding it does not implement) that the
other passed to the app; all of them get a 400 here. It reads each request whole on its I/O
thread, so a slow client ties up a connection slot, never an app thread.

The limits below are waitress's own, set to what the bridge's callers need:
- header bytes per request (`max_header_bytes`, 431 past it) and body bytes
  (`max_body_bytes`, 413); the header cap also bounds the number of header lines;
- open connections (`max_connections`: past it waitress stops accepting, and newcomers
  wait in the listen queue until a slot frees);
- `backlog`: that listen queue, deep enough for Slack's bursts (the kernel caps it at
  net.core.somaxconn);
- `idle_timeout`: a connection with no request in progress and no traffic for this long is
  closed, a stalled half-sent request included;
- `threads`: how many requests the app handles at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError, TransferEncodingNotImplemented
from waitress.server import create_server

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]

THREADS = 32  # requests in hand at once; the fakes in tests hold some open on purpose
MAX_CONNECTIONS = 256
BACKLOG = 2048  # Slack fans a busy channel's commands out at once; none should wait a SYN retry
IDLE_TIMEOUT_SECONDS = 75.0  # longer than the keep-alive of common load balancers (60 s)
MAX_HEADER_BYTES = 32 * 1024  # Slack sends ~1 KB; proxies in front add a few hundred bytes
MAX_BODY_BYTES = 8 * 1024 * 1024  # the apps set tighter limits of their own
POLL_SECONDS = 0.2  # how soon the loop notices stop() if its wake-up is lost


class _StrictRequestParser(HTTPRequestParser):
    """waitress's parser, but a transfer coding it does not implement is a 400 like any
    other framing the server cannot read (waitress answers 501): to a client it means "this
    request is malformed here", and the request is refused whole either way."""

    def parse_header(self, header_plus: bytes) -> None:
        try:
            super().parse_header(header_plus)
        except TransferEncodingNotImplemented as error:
            raise ParsingError(error.args[0]) from None


class _StrictChannel(HTTPChannel):
    parser_class = _StrictRequestParser


class HttpServer:
    """A started-on-demand server; port 0 picks a free port (see `.port`)."""

    def __init__(
        self,
        app: WsgiApp,
        host: str,
        port: int,
        *,
        name: str = "http",
        threads: int = THREADS,
        max_connections: int = MAX_CONNECTIONS,
        backlog: int = BACKLOG,
        idle_timeout: float = IDLE_TIMEOUT_SECONDS,
        max_header_bytes: int = MAX_HEADER_BYTES,
        max_body_bytes: int = MAX_BODY_BYTES,
    ):
        self._map: dict = {}
        self._server = create_server(
            app,
            map=self._map,
            host=host,
            port=port,
            ident="web21c-bridge",
            threads=threads,
            # waitress counts its listening socket and wake-up pipe among the connections
            connection_limit=max_connections + 2,
            backlog=backlog,
            channel_timeout=idle_timeout,
            cleanup_interval=max(0.1, min(30.0, idle_timeout / 2)),
            max_request_header_size=max_header_bytes,
            max_request_body_size=max_body_bytes,
            asyncore_use_poll=True,  # select() cannot watch descriptors past 1023
        )
        self._server.channel_class = _StrictChannel
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self.name = name
        self.host = host
        self.port: int = int(self._server.effective_port)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> HttpServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        # waitress's own run() loops until its sockets are closed; this loop also ends when
        # stop() asks, and then closes them here, on the thread that watches them.
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=POLL_SECONDS, map=self._map, use_poll=True, count=1)
        finally:
            wasyncore.close_all(self._map, ignore_all=True)

    def stop(self) -> None:
        """Stop listening and close every open connection; a request being handled ends
        when its app call returns (its answer may not reach the client)."""
        self._stopping.set()
        if self._thread.is_alive():
            with contextlib.suppress(OSError):  # the loop wakes within POLL_SECONDS anyway
                self._server.pull_trigger()
            self._thread.join(timeout=10)
        else:
            wasyncore.close_all(self._map, ignore_all=True)
        self._server.task_dispatcher.shutdown(timeout=5)

    def __enter__(self) -> HttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
