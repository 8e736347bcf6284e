"""Slack's limits and outages, and Web21C's: a 429 holds back only its channel, order within a
thread survives, a Slack outage delays texts without losing or clearing them, and a Web21C
outage backs off, shows on /healthz and heals."""

from __future__ import annotations

import json
import time
import urllib.request

from tests.e2e.sandbox_admin import SandboxAdmin, inbound_texts, wait_cleared, wait_for_inbound

BUSY, QUIET = "CBUSY", "CQUIET"


def _arrange(bridge) -> SandboxAdmin:
    state = bridge.slack.state
    state.add_channel("busy", channel_id=BUSY)
    state.add_channel("quiet", channel_id=QUIET)
    for keyword, channel in (("busy", "#busy"), ("quiet", "#quiet")):
        _, _, url = bridge.command("/sms", f"route {keyword} {channel}", user="UADMIN")
        assert "now arrive in" in bridge.wait_for_response(url)
    return SandboxAdmin(bridge.sandbox.url)


def _healthz(bridge) -> dict:
    with urllib.request.urlopen(bridge.url + "/healthz", timeout=10) as response:
        return json.load(response)


def test_a_429_holds_back_only_its_channel(bridge):
    admin = _arrange(bridge)
    slack = bridge.slack
    slack.faults.ratelimit_next(3, channel=BUSY, retry_after=2)
    for i in range(3):
        admin.text_in("tel:+447700900201", f"busy text {i}")
        admin.text_in("tel:+447700900202", f"quiet text {i}")
    assert wait_for_inbound(bridge, BUSY, 3) == [
        f"*+447700900201*: busy text {i}" for i in range(3)
    ]
    assert wait_for_inbound(bridge, QUIET, 3) == [
        f"*+447700900202*: quiet text {i}" for i in range(3)
    ]
    busy = slack.state.calls("chat.postMessage", channel=BUSY)
    first_429 = next(c.at for c in busy if c.status == 429)
    first_ok = next(c.at for c in busy if c.ok)
    quiet_meanwhile = [
        c
        for c in slack.state.calls("chat.postMessage", channel=QUIET)
        if c.ok and first_429 <= c.at < first_ok
    ]
    assert quiet_meanwhile, "the quiet channel waited for the busy channel's Retry-After"
    assert slack.state.rejected_count("chat.postMessage", channel=QUIET) == 0
    wait_cleared(admin)


def test_order_within_a_thread_is_kept_under_slacks_rate_limit(bridge):
    admin = _arrange(bridge)
    bridge.slack.faults.limit_rate("chat.postMessage", per_second=1.0, burst=2)
    for i in range(8):
        admin.text_in("tel:+447700900203", f"busy in order {i}")
    texts = wait_for_inbound(bridge, BUSY, 8, timeout=60)
    assert texts == [f"*+447700900203*: busy in order {i}" for i in range(8)]
    wait_cleared(admin)


def test_a_slack_outage_delays_texts_without_losing_or_clearing_them(bridge):
    admin = _arrange(bridge)
    slack = bridge.slack
    slack.faults.start_outage(status=503, hang_seconds=0.3)
    ids = {admin.text_in("tel:+447700900204", f"busy during outage {i}") for i in range(4)}
    slack.state.wait_for(lambda s: s.failed_count() >= 6, what="several failed calls")
    assert admin.waiting_ids() == ids  # nothing cleared while nothing is posted
    assert inbound_texts(slack.state, BUSY) == []
    slack.faults.end_outage()
    texts = wait_for_inbound(bridge, BUSY, 4)
    wait_cleared(admin)
    assert texts == [f"*+447700900204*: busy during outage {i}" for i in range(4)]


def test_a_web21c_outage_backs_off_shows_degraded_and_recovers(bridge):
    admin = _arrange(bridge)
    assert _healthz(bridge)["status"] == "ok"
    admin.faults(down=True)
    deadline = time.monotonic() + 30
    while (health := _healthz(bridge))["status"] != "degraded":
        assert time.monotonic() < deadline, f"/healthz never said degraded: {health}"
        time.sleep(0.1)
    assert "web21c" in health["problems"]
    kept = admin.text_in("tel:+447700900205", "quiet while Web21C is down")
    time.sleep(1.0)  # several intervals: the jobs back off instead of hammering Web21C
    assert admin.waiting_ids() == {kept}
    admin.clear_faults()
    assert wait_for_inbound(bridge, QUIET, 1, timeout=90) == [
        "*+447700900205*: quiet while Web21C is down"
    ]
    deadline = time.monotonic() + 90
    while (health := _healthz(bridge))["status"] != "ok":
        assert time.monotonic() < deadline, f"/healthz stayed degraded: {health}"
        time.sleep(0.1)
    wait_cleared(admin)
    assert bridge.bridge.jobs.names  # the scheduler is still there, with all its jobs
