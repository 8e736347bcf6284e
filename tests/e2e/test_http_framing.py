"""Strict HTTP framing (#12.8), over raw sockets against the running bridge: a request whose
length is ambiguous is refused whole, never read as two requests, and headers are capped,
so unauthenticated clients cannot smuggle a command past a proxy or fill the memory."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import GENERAL, SIGNING_SECRET
from tests.slackapi.signing import signed_headers, slash_command_body


def _exchange(port: int, data: bytes, timeout: float = 10.0) -> bytes:
    """Send `data` on a new connection; everything the bridge answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    return b"".join(chunks)


def _smuggled_sms(bridge) -> bytes:
    """A complete, validly signed `/sms` request: if the bridge read it as a request of its
    own, a text would go out."""
    url = bridge.slack.state.new_response_url(channel=GENERAL, user="UALICE")
    body = slash_command_body("/sms", "07700900123 smuggled", "UALICE", GENERAL, url)
    headers = "".join(f"{k}: {v}\r\n" for k, v in signed_headers(SIGNING_SECRET, body).items())
    return (
        f"POST /slack/events HTTP/1.1\r\nHost: bridge\r\n{headers}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


FRAMINGS = {
    "two equal Content-Lengths": (b"Content-Length: 2\r\nContent-Length: 2\r\n", b"400"),
    "two differing Content-Lengths": (b"Content-Length: 2\r\nContent-Length: 900\r\n", b"400"),
    "a signed Content-Length": (b"Content-Length: +2\r\n", b"400"),
    "an underscore in Content-Length": (b"Content-Length: 0_2\r\n", b"400"),
    "a hex Content-Length": (b"Content-Length: 0x2\r\n", b"400"),
    "a transfer coding it does not implement": (b"Transfer-Encoding: gzip\r\n", b"400"),
    "chunked, not last": (b"Transfer-Encoding: chunked, identity\r\n", b"400"),
}


@pytest.mark.parametrize("framing", FRAMINGS)
def test_an_ambiguous_length_is_refused_and_nothing_after_it_is_read(bridge, framing):
    headers, status = FRAMINGS[framing]
    port = int(bridge.url.rsplit(":", 1)[1])
    request = b"POST /web21c/events/x HTTP/1.1\r\nHost: bridge\r\n" + headers + b"\r\n{}"
    answer = _exchange(port, request + _smuggled_sms(bridge))
    assert answer.split(b" ", 2)[1] == status, answer[:200]
    assert answer.count(b"HTTP/1.") == 1  # one answer: the smuggled request was never read
    time.sleep(0.5)  # a text the smuggled /sms asked for would be on its way by now
    assert bridge.sandbox.sandbox.messages() == []


def test_headers_past_the_cap_are_refused_with_431(bridge):
    port = int(bridge.url.rsplit(":", 1)[1])
    big = b"".join(b"X-Pad-%d: %s\r\n" % (n, b"a" * 1000) for n in range(40))  # 40 KB
    answer = _exchange(port, b"GET /healthz HTTP/1.1\r\nHost: bridge\r\n" + big + b"\r\n")
    assert b" 431 " in answer.split(b"\r\n")[0], answer[:200]


def test_too_many_header_fields_are_refused_with_431(bridge):
    port = int(bridge.url.rsplit(":", 1)[1])
    many = b"".join(b"X-Field-%d: a\r\n" % n for n in range(150))  # 2 KB: under the byte cap
    request = b"GET /healthz HTTP/1.1\r\nHost: bridge\r\nConnection: close\r\n" + many
    answer = _exchange(port, request + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b"more than 100 header fields" in answer


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_many_unfinished_requests_with_huge_headers_cost_little_memory(bridge):
    """The issue's attack, scaled down: connections that each send 99 x 64 KB of headers and
    never finish. The bridge (this process) must refuse each after its header cap, not keep
    them: before, 250 such connections took it from 182 MB to 1.69 GB."""
    port = int(bridge.url.rsplit(":", 1)[1])
    line = b"X-Pad: " + b"a" * (64 * 1024 - 9) + b"\r\n"
    before = _rss_bytes()

    def attack() -> None:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as sock,
            contextlib.suppress(OSError),  # refused and closed part-way: the point
        ):
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: bridge\r\n")
            for _ in range(99):
                sock.sendall(line)
            sock.recv(1024)

    attackers = [threading.Thread(target=attack) for _ in range(40)]
    for thread in attackers:
        thread.start()
    for thread in attackers:
        thread.join(timeout=60)
    grown = _rss_bytes() - before
    assert grown < 64 * 1024 * 1024, f"the process grew {grown / 2**20:.0f} MB"
    with urllib.request.urlopen(bridge.url + "/healthz", timeout=10) as reply:
        assert reply.status == 200
