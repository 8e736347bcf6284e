"""Unsigned requests cost nothing (#12.7): against the running bridge, bodies that are not
Slack's, sent without a signature or with a wrong one, get a bare 401, no traceback, no
copy of the body in the log, and a log line per refusal only up to a small rate."""

from __future__ import annotations

import time

import pytest

from tests.reliability.harness import GENERAL, SIGNING_SECRET
from tests.slackapi.signing import signed_headers, slash_command_body

MARK = "zq-attack-marker"  # in every attack body, so a copy of one in the log is found
ATTACKS = [
    (b"[]", "application/json"),
    (b"1", "application/json"),
    (b"null", "application/json"),
    (b'"' + MARK.encode() + b'"', "application/json"),
    (b"payload=1", "application/x-www-form-urlencoded"),
    (b"payload=null&m=" + MARK.encode(), "application/x-www-form-urlencoded"),
    (b"payload=%5B%5D", "application/x-www-form-urlencoded"),
    (b"[" * 5000, "application/json"),
    (b"\xff\xfe" + MARK.encode(), "application/json"),
]


def _headers(kind: str, body: bytes, content_type: str) -> dict[str, str]:
    now = int(time.time())
    if kind == "unsigned":
        return {"Content-Type": content_type}
    if kind == "wrong secret":
        return signed_headers("not-the-secret", body, content_type=content_type)
    if kind == "stale":
        return signed_headers(SIGNING_SECRET, body, now - 301, content_type=content_type)
    if kind == "malformed":
        headers = signed_headers(SIGNING_SECRET, body, content_type=content_type)
        return {**headers, "X-Slack-Request-Timestamp": f"{now}\u00b3"}  # "³".isdigit() is True
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["unsigned", "wrong secret", "stale", "malformed"])
def test_bodies_that_are_not_signed_get_401_and_no_traceback(reliability_bridge, logs, kind):
    wired = reliability_bridge
    for body, content_type in ATTACKS:
        status, text = wired.post(body, _headers(kind, body, content_type))
        assert (status, text) == (401, "invalid request"), body[:20]
    assert logs.tracebacks() == []
    assert logs.problems() == [], logs.summary()
    assert not [line for line in logs.lines if MARK in line]
    assert wired.bridge.services.metrics.value("bridge_slack_refused_total", reason=_reason(kind))
    assert wired.sandbox.sandbox.messages() == []


def _reason(kind: str) -> str:
    return {"wrong secret": "bad signature"}.get(kind, kind)


def test_a_flood_of_large_unsigned_requests_adds_a_few_short_log_lines(reliability_bridge, logs):
    wired = reliability_bridge
    body = b"payload=" + MARK.encode() + b"x" * (1024 * 1024 - 64)  # just under the 1 MB cap
    for _ in range(40):
        status, _ = wired.post(
            body, _headers("wrong secret", body, "application/x-www-form-urlencoded")
        )
        assert status == 401
    refusals = [line for line in logs.lines if "refused a request to /slack/events" in line]
    assert 1 <= len(refusals) <= 6  # the first few, then one per 10 s at most
    assert all(len(line) < 200 for line in refusals)
    assert max(len(line) for line in logs.lines) < 2_000  # no copy of a 1 MB body
    assert not [line for line in logs.lines if MARK in line]
    metrics = wired.bridge.services.metrics
    assert metrics.value("bridge_slack_refused_total", reason="bad signature") == 40


def test_a_signed_command_is_still_carried_out(reliability_bridge, logs):
    wired = reliability_bridge
    url = wired.slack.state.new_response_url(channel=GENERAL, user="UALICE")
    body = slash_command_body("/sms", "07700900123 signed and sound", "UALICE", GENERAL, url)
    status, _ = wired.post(body)
    assert status == 200
    deadline = time.monotonic() + 30
    while not wired.sandbox.sandbox.messages():
        assert time.monotonic() < deadline, "the signed /sms was never sent"
        time.sleep(0.05)
    assert wired.bridge.services.metrics.value("bridge_ack_seconds_count", outcome="acked") >= 1
