"""bot.http.server: the HTTP/1.1 server every part of the bridge is served by, over real
loopback sockets, including the clients that misbehave."""

from __future__ import annotations

import http.client
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
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Seen", environ["HTTP_X_SEEN"])])
    return [answer.encode(), body]


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
        conn.request("POST", "/", body=b"p" * 2_000_000)  # still sending when the app answers
        response = conn.getresponse()
        assert (response.status, response.read()) == (413, b"too big")
        conn.request("POST", "/", body=b"small")  # and the connection is still usable
        assert conn.getresponse().status == 413
        conn.close()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (b"Transfer-Encoding: chunked\r\n", b"411"),
        (b"Content-Length: banana\r\n", b"400"),
        (b"Content-Length: -5\r\n", b"400"),
        (b"Content-Length: 99999999999\r\n", b"413"),
    ],
)
def test_bodies_without_a_usable_length_are_refused_and_the_connection_closed(headers, status):
    with HttpServer(echo_app, "127.0.0.1", 0, max_body_bytes=1024) as server:
        answer = _raw(server.port, b"POST / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert answer.split(b" ")[1] == status
    assert b"Connection: close" in answer


def test_an_app_that_raises_gets_a_500_not_a_traceback(caplog):
    with HttpServer(failing_app, "127.0.0.1", 0) as server:
        answer = _raw(server.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 500")
    assert b"RuntimeError" not in answer and b"Traceback" not in answer
    assert any("unhandled error serving GET /" in r.getMessage() for r in caplog.records)


def test_garbage_instead_of_a_request_is_answered_400():
    with HttpServer(echo_app, "127.0.0.1", 0) as server:
        answer = _raw(server.port, b"\x16\x03\x01 not http at all\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"<html" not in answer.lower()


def test_connections_beyond_the_limit_get_503_and_the_rest_carry_on():
    with HttpServer(echo_app, "127.0.0.1", 0, max_connections=2) as server:
        held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(2)]
        time.sleep(0.2)  # both accepted and waiting for a request line
        assert _raw(server.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 503")
        held[0].close()
        deadline = time.monotonic() + 5
        while True:  # the slot comes back once the server sees the close
            answer = _raw(
                server.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Seen: 1\r\nConnection: close\r\n\r\n"
            )
            if answer.startswith(b"HTTP/1.1 200") or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert answer.startswith(b"HTTP/1.1 200")
        held[1].close()


def test_an_idle_connection_is_closed_after_the_idle_timeout(caplog):
    with (
        HttpServer(echo_app, "127.0.0.1", 0, idle_timeout=0.3) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")  # stalls
        started = time.monotonic()
        assert sock.recv(1024) == b""  # closed by the server, not answered
        assert time.monotonic() - started < 4
    assert [r for r in caplog.records if r.levelname in ("ERROR", "WARNING")] == []


def test_stop_closes_open_connections_and_frees_the_port():
    server = HttpServer(echo_app, "127.0.0.1", 0).start()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    stopper.join(timeout=5)
    assert not stopper.is_alive()
    assert sock.recv(1024) == b""
    sock.close()
    again = HttpServer(echo_app, "127.0.0.1", server.port).start()  # the port is free again
    again.stop()
