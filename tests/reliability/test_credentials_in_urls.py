"""No secret in any output (issue 12, item 6): a password in WEB21C_ENDPOINT
(`http://user:pass@host/...`) never reaches /healthz, the log or `doctor`, against the
running bridge.

Before the fix the password was on the unauthenticated /healthz while Web21C was down, in the
log lines of every job and request that failed to reach Web21C, and in `doctor`'s report.
"""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.request

import pytest

from bot.cli.doctor import run as doctor
from bot.observability.logs import configure_logging
from tests.reliability.harness import (
    bridge_settings,
    populate_workspace,
    sandbox_admin,
    text_the_service,
    wired_bridge,
)

USER = "bridgeuser"
PASSWORD = "EnDp0int-Pa55-k7Qx"


def _with_credentials(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{USER}:{PASSWORD}@{rest}"


@pytest.fixture
def log_file(tmp_path):
    """Logging as the CLI configures it (the settings' secrets), at DEBUG; restored after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield tmp_path / "bridge.log"
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = saved


def _health(url: str) -> str:
    with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
        return response.read().decode()


def _wait_degraded(url: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while json.loads(body := _health(url))["status"] != "degraded":
        assert time.monotonic() < deadline, f"/healthz never said degraded: {body}"
        time.sleep(0.1)
    return body


def test_endpoint_credentials_reach_no_output(tmp_path, slack, sandbox, log_file):
    populate_workspace(slack)
    endpoint = _with_credentials(sandbox.url)
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    extra = {"WEB21C_ENDPOINT": endpoint, "WEB21C_READ_TIMEOUT": "0.5", "LOG_LEVEL": "DEBUG"}
    settings = bridge_settings(slack, sandbox, database, **extra)
    configure_logging("DEBUG", settings.secrets, str(log_file))
    answers: list[str] = []
    with wired_bridge(slack, sandbox, database, **extra) as wired:
        answers.append(_health(wired.url))
        wired.command("/sms", "route bridge #ops", user="UADMIN")
        wired.drain_work()
        text_the_service(wired.sandbox, "tel:+447700900123", "hello")
        slack.state.wait_for(
            lambda s: s.find_messages(lambda m: m.text.endswith(": hello")) or None,
            timeout=30,
            what="the text posted",
        )
        # Web21C too slow (the read times out), then down (HTTP 503): each failure is logged,
        # backed off from and shown on /healthz.
        sandbox_admin(wired.sandbox, "POST", "faults", {"latency_ms": 1500})
        answers.append(wired.command("/sms", "07700 900123 are you there?")[1])
        answers.append(wired.command("/call", "07700 900001 07700 900002")[1])
        answers.append(_wait_degraded(wired.url))
        wired.drain_work()
        sandbox_admin(wired.sandbox, "POST", "faults", {"latency_ms": 0, "down": True})
        time.sleep(1.0)
        answers.append(_health(wired.url))
        sandbox_admin(wired.sandbox, "DELETE", "faults")
        shown = [m.text for m in slack.state.find_messages(lambda m: True)]
        shown += [e.text for e in slack.state.ephemerals()]
        shown += [p.text or "" for p in slack.state.response_posts()]
    report: list[str] = []
    doctor(settings, out=report.append)
    unreachable = bridge_settings(slack, sandbox, database, WEB21C_ENDPOINT=_closed(endpoint))
    doctor(unreachable, out=report.append)
    written = log_file.read_text()
    assert "timed out" in written or "did not answer in time" in written  # failures were logged
    assert PASSWORD not in written
    degraded = [a for a in answers if "degraded" in a]
    assert degraded, answers
    for answer in answers:
        assert PASSWORD not in answer, answer
    for body in degraded:  # /healthz names no URL at all, with or without credentials
        assert "http" not in body and "127.0.0.1" not in body, body
    assert [s for s in shown if PASSWORD in s] == []
    assert "\n".join(report).count("Web21C at") == 2, report
    assert PASSWORD not in "\n".join(report), report
    assert f"{USER}:***@" in "\n".join(report)  # still says which endpoint, minus the secret


def _closed(url: str) -> str:
    """The same URL on a port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    head, _, _port = url.rpartition(":")
    return f"{head}:{port}"
