"""bot.http.server: waitress as every part of the bridge serves it, over real loopback
sockets, with its limits set as HttpServer sets them, including for clients that misbehave.
(The bridge's own framing, against the running bridge, is in tests/e2e/test_http_framing.py.)"""

from __future__ import annotations

import http.client
import select
import socket
import threading
import time

import pytest

from bot.http.server import HttpServer


def echo_app(environ, start_response):
    """Answers with what it was asked: method, path, query and body (read in full)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    answer = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} {environ['QUERY_STRING']} "
    payload = answer.encode() + body
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/plain"),
            ("Content-Length", str(len(payload))),
            ("X-Seen", environ.get("HTTP_X_SEEN", "-")),
        ],
    )
    return [payload]


def refusing_app(environ, start_response):
    """Reads nothing of the body: how an app refuses an oversized one."""
    start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
    return [b"too big"]


def failing_app(environ, start_response):
    raise RuntimeError("the app broke")


def _raw(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_port_zero_reports_the_port_it_listens_on():
    with HttpServer(echo_app, "127.0.0.1", 0) as server:
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        answer = _raw(server.port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200")


def test_requests_on_one_kept_alive_connection_each_get_their_answer():
    with HttpServer(echo_app, "127.0.0.1", 0) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        for n in range(3):
            conn.request("POST", f"/a%20b?n={n}", body=b"x" * n, headers={"X-Seen": str(n)})
            response = conn.getresponse()
            assert response.status == 200
            assert response.getheader("X-Seen") == str(n)
            assert response.read() == f"POST /a b n={n} ".encode() + b"x" * n
        conn.close()


def test_a_body_the_app_did_not_read_is_skipped_so_the_client_gets_the_answer():
    with HttpServer(refusing_app, "127.0.0.1", 0) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("POST", "/", body=b"p" * 2_000_000)
        response = conn.getresponse()
        assert (response.status, response.read()) == (413, b"too big")
        conn.request("POST", "/", body=b"small")  # and the connection is still usable
        assert conn.getresponse().status == 413
        conn.close()


def test_a_chunked_body_reaches_the_app_whole_with_its_length():
    with HttpServer(echo_app, "127.0.0.1", 0) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("POST", "/c", body=iter([b"hello", b" world"]), encode_chunked=True)
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"POST /c  hello world")
        conn.close()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (b"Content-Length: banana\r\n", b"400"),
        (b"Content-Length: -5\r\n", b"400"),
        (b"Content-Length: +5\r\n", b"400"),
        (b"Content-Length: 1_0\r\n", b"400"),
        (b"Content-Length: 5\r\nContent-Length: 5\r\n", b"400"),
        (b"Content-Length: 5\r\nContent-Length: 7\r\n", b"400"),
        (b"Transfer-Encoding: gzip\r\n", b"400"),
        (b"Transfer-Encoding: gzip, chunked\r\n", b"400"),
        (b"Content-Length: 99999999999\r\n", b"413"),
    ],
)
def test_bodies_without_one_clear_length_are_refused_and_the_connection_closed(headers, status):
    with HttpServer(echo_app, "127.0.0.1", 0, max_body_bytes=1024) as server:
        answer = _raw(server.port, b"POST / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\nhello")
    assert answer.split(b" ")[1] == status
    assert answer.count(b"HTTP/1.") == 1  # nothing after the headers was read as a request
    assert b"Connection: close" in answer


def test_headers_past_the_cap_get_431_and_the_connection_closed():
    # Each request below fits in one read of the server's (8 KB), so it is read whole and
    # the close that follows the 431 is a clean one, not a reset that could eat the answer.
    with HttpServer(echo_app, "127.0.0.1", 0, max_header_bytes=4096) as server:
        fits = b"GET / HTTP/1.1\r\nHost: x\r\nX-Seen: " + b"a" * 3000 + b"\r\nConnection: close\r\n"
        assert _raw(server.port, fits + b"\r\n").startswith(b"HTTP/1.1 200")
        one_long = b"GET / HTTP/1.1\r\nHost: x\r\nX-Seen: " + b"a" * 5000 + b"\r\n\r\n"
        many = b"".join(b"X-%d: a\r\n" % n for n in range(500))  # small lines, many of them
        for request in (one_long, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n"):
            answer = _raw(server.port, request)
            assert b" 431 " in answer.split(b"\r\n")[0]


def test_an_app_that_raises_gets_a_500_not_a_traceback(caplog):
    with HttpServer(failing_app, "127.0.0.1", 0) as server:
        answer = _raw(server.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 500")
    assert b"RuntimeError" not in answer and b"Traceback" not in answer
    assert any("Exception while serving /" in r.getMessage() for r in caplog.records)


def test_garbage_instead_of_a_request_is_answered_400():
    with HttpServer(echo_app, "127.0.0.1", 0) as server:
        answer = _raw(server.port, b"\x16\x03\x01 not http at all\r\n\r\n")
    assert b" 400 " in answer.split(b"\r\n")[0]
    assert b"<html" not in answer.lower()


def _established(sockets: list[socket.socket], wait: float) -> int:
    """How many of these non-blocking connects completed their handshake. On loopback the
    kernel completes one inside connect() itself when the listen queue has room; one it has
    no room for stays unanswered until the client resends its SYN, a second later."""
    _, writable, _ = select.select([], sockets, [], wait)
    return sum(1 for s in writable if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0)


def test_connections_past_the_limit_wait_in_the_listen_queue_and_are_served_in_turn():
    with HttpServer(echo_app, "127.0.0.1", 0, max_connections=1) as server:
        held = socket.create_connection(("127.0.0.1", server.port))
        held.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # accepted: it gets its answer
        assert held.recv(65536).startswith(b"HTTP/1.1 200")
        burst = []
        for _ in range(300):  # a burst far past the limit: the listen queue holds them all
            sock = socket.socket()
            sock.setblocking(False)
            assert sock.connect_ex(("127.0.0.1", server.port)) in (0, 115)  # EINPROGRESS
            burst.append(sock)
        assert _established(burst, 0.5) == 300
        for sock in burst:
            sock.setblocking(True)
            sock.settimeout(10)
            sock.sendall(b"GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        readable, _, _ = select.select(burst, [], [], 0.5)
        assert readable == []  # the limit holds: none of them is served yet
        held.close()  # a slot frees, and each is served in turn
        answers = [b"".join(iter(lambda s=sock: s.recv(65536), b"")) for sock in burst]
        assert all(a.startswith(b"HTTP/1.1 200") for a in answers)
        for sock in burst:
            sock.close()


def _closed_unanswered(sock: socket.socket) -> bool:
    """The server closed this connection without a word (a close or a reset)."""
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True


def test_an_idle_or_stalled_connection_is_closed_after_the_idle_timeout(caplog):
    with (
        HttpServer(echo_app, "127.0.0.1", 0, idle_timeout=0.4) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as stalled,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as idle,
    ):
        stalled.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        assert _closed_unanswered(stalled)
        assert _closed_unanswered(idle)
    assert [r for r in caplog.records if r.levelname in ("ERROR", "WARNING")] == []


def test_stop_closes_open_connections_and_frees_the_port():
    server = HttpServer(echo_app, "127.0.0.1", 0).start()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    time.sleep(0.1)  # accepted before the stop
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    stopper.join(timeout=10)
    assert not stopper.is_alive()
    assert sock.recv(1024) == b""
    sock.close()
    again = HttpServer(echo_app, "127.0.0.1", server.port).start()  # the port is free again
    again.stop()


def test_a_server_never_started_stops_cleanly():
    server = HttpServer(echo_app, "127.0.0.1", 0)
    server.stop()
    HttpServer(echo_app, "127.0.0.1", server.port).stop()  # its port was given back
