"""A real sandbox on loopback, a client pointed at it, and a receiver for status events."""

from __future__ import annotations

import json
import threading

import pytest

from adapters.web21c.client import Web21CClient
from adapters.web21c.sandbox import SandboxOptions, start_sandbox
from bot.http.server import HttpServer
from tests.unit.web21c.keys import make_key_pair


@pytest.fixture
def running():
    """At speed 1 a test moves time on with `running.sandbox.advance()` rather than sleeping."""
    with start_sandbox(options=SandboxOptions(speed=1.0)) as sandbox:
        yield sandbox


@pytest.fixture
def client(running):
    with Web21CClient(running.url, read_retries=0, read_timeout=10) as web21c:
        yield web21c


class EventReceiver:
    """A hand-written HTTP endpoint that records the JSON bodies POSTed to it."""

    def __init__(self, fail_first: int = 0):
        self.events: list[dict] = []
        self.content_types: list[str] = []
        self.attempts = 0
        self.fail_first = fail_first
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        with self._lock:
            self.attempts += 1
            if self.attempts <= self.fail_first:
                start_response("503 Service Unavailable", [("Content-Length", "0")])
                return [b""]
            self.events.append(json.loads(body))
            self.content_types.append(environ.get("CONTENT_TYPE", ""))
            self._arrived.notify_all()
        start_response("204 No Content", [])
        return [b""]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict]:
        with self._lock:
            self._arrived.wait_for(lambda: len(self.events) >= count, timeout)
            return list(self.events)


@pytest.fixture
def receiver():
    events = EventReceiver()
    with HttpServer(events, "127.0.0.1", 0, name="event-receiver") as server:
        events.url = server.url + "/web21c/events/token"
        yield events


@pytest.fixture(scope="session")
def key_pair(tmp_path_factory):
    return make_key_pair(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def other_key_pair(tmp_path_factory):
    return make_key_pair(tmp_path_factory.mktemp("other-keys"), "intruder")
