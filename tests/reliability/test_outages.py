"""Outages while phones keep texting: Slack answering 5xx then 429 to everything, and Web21C
down (the sandbox's `down` fault). The bridge is never restarted; afterwards every text is in
Slack exactly once and in each sender's order, the sandbox holds nothing uncleared, and
/healthz said "degraded" while Web21C was away and "ok" again after.

The soaks hold each outage for a minute; the quick variants for a couple of seconds.
"""

from __future__ import annotations

import time

import pytest

from tests.reliability.harness import sandbox_admin
from tests.reliability.streams import (
    InboundStream,
    posted,
    problems,
    route_stream,
    wait_until_all_posted,
)


def _slack_outage(wired, logs, seconds: float) -> dict[str, float]:
    """Half the outage answers 503, the other half 429, mid-stream."""
    route_stream(wired.bridge.services.db, wired.slack.state)
    faults = wired.slack.faults
    stream = InboundStream(wired.sandbox, per_second=4).start()
    time.sleep(min(seconds / 2, 5))
    faults.start_outage(status=503)
    time.sleep(seconds / 2)
    faults.start_outage(status=429)
    time.sleep(seconds / 2)
    faults.end_outage()
    ended = time.monotonic()
    time.sleep(min(seconds / 2, 5))
    sent = stream.stop()
    wait_until_all_posted(wired.slack.state, sent, timeout=180)
    recovery = time.monotonic() - ended
    seen = posted(wired.slack.state)
    assert problems(sent, seen) == {}
    wired.slack.state.wait_for(
        lambda s: not wired.sandbox.sandbox.inbound() or None, timeout=30, what="all cleared"
    )
    assert logs.tracebacks() == []
    state = wired.slack.state
    refused = state.failed_count("chat.postMessage") + state.rejected_count("chat.postMessage")
    return {"texts": len(sent), "refused posts": refused, "recovered within s": recovery}


def test_slack_outage_quick(reliability_bridge, logs):
    figures = _slack_outage(reliability_bridge, logs, seconds=4)  # 2 s of 503, 2 s of 429
    assert figures["refused posts"] > 0  # the outage really was met


@pytest.mark.slow
def test_slack_outage_soak(reliability_bridge, logs):
    figures = _slack_outage(reliability_bridge, logs, seconds=60)
    print(f"Slack 5xx/429 outage: {figures}")


def _web21c_outage(wired, logs, seconds: float) -> dict[str, float]:
    route_stream(wired.bridge.services.db, wired.slack.state)
    stream = InboundStream(wired.sandbox, per_second=4).start()
    time.sleep(1)
    sandbox_admin(wired.sandbox, "POST", "faults", {"down": True})
    went_down = time.monotonic()
    degraded_after = _wait_for_health(wired, "degraded", timeout=30)
    status, ack, url = wired.command("/sms", "07700 900123 are you there")
    assert status == 200 and ack == ""
    refusal = wired.slack.state.wait_for_response_posts(url, 1, timeout=30)[0].text
    assert "can't be reached" in refusal
    time.sleep(max(0.0, seconds - (time.monotonic() - went_down)))
    sandbox_admin(wired.sandbox, "DELETE", "faults")
    healthy_after = _wait_for_health(wired, "ok", timeout=120)
    sent = stream.stop()
    catch_up = wait_until_all_posted(wired.slack.state, sent, timeout=180)
    assert problems(sent, posted(wired.slack.state)) == {}
    status, ack, url = wired.command("/sms", "07700 900123 back again")
    assert status == 200 and ack == ""
    wired.drain_work()
    assert wired.responses(url) == []  # sent, so nothing to apologise for
    assert any("back again" in m["messageText"] for m in wired.sandbox.sandbox.messages())
    assert logs.tracebacks() == []
    return {
        "texts": len(sent),
        "degraded within s": degraded_after,
        "healthy again within s": healthy_after,
        "all posted within s of healthy": catch_up,
    }


def _wait_for_health(wired, wanted: str, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if wired.health()["status"] == wanted:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"/healthz never said {wanted!r}: {wired.health()}")


def test_web21c_outage_quick(reliability_bridge, logs):
    figures = _web21c_outage(reliability_bridge, logs, seconds=3)
    assert figures["texts"] > 0


@pytest.mark.slow
def test_web21c_outage_soak(reliability_bridge, logs):
    figures = _web21c_outage(reliability_bridge, logs, seconds=60)
    print(f"Web21C down: {figures}")
