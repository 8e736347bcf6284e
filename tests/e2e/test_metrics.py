"""GET /metrics, as Prometheus scrapes it: texts in and out, failures, poll latency per job and
the queue of texts waiting per channel."""

from __future__ import annotations

import time
import urllib.request

from tests.e2e.sandbox_admin import SandboxAdmin


def _scrape(bridge) -> dict[str, float]:
    with urllib.request.urlopen(bridge.url + "/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            samples[series] = float(value)
    return samples


def _wait_for(bridge, wanted: dict[str, float], timeout: float = 30.0) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while True:
        samples = _scrape(bridge)
        if all(samples.get(series, 0.0) >= value for series, value in wanted.items()):
            return samples
        assert time.monotonic() < deadline, f"wanted {wanted}, /metrics has {samples}"
        time.sleep(0.1)


def test_metrics_count_texts_failures_latency_and_queue_depth(bridge):
    state = bridge.slack.state
    admin = SandboxAdmin(bridge.sandbox.url)
    state.add_channel("closed", channel_id="CCLOSED", archived=True)
    for keyword, channel in (("pizza", "#ops"), ("shop", "#closed")):
        _, _, url = bridge.command("/sms", f"route {keyword} {channel}", user="UADMIN")
        assert "now arrive in" in bridge.wait_for_response(url)
    admin.text_in("tel:+447700900301", "pizza margherita")
    admin.text_in("tel:+447700900302", "shop one")
    admin.text_in("tel:+447700900302", "shop two")
    bridge.command("/sms", "+447700900301 on its way")
    samples = _wait_for(
        bridge,
        {
            "bridge_texts_in_total": 3,
            "bridge_texts_posted_total": 1,
            "bridge_texts_cleared_total": 1,
            "bridge_texts_out_total": 1,
            'bridge_post_failures_total{reason="is_archived"}': 2,
            'bridge_poll_seconds_count{job="inbound"}': 3,
            'bridge_queue_depth{channel="CCLOSED"}': 2,
        },
    )
    assert samples['bridge_poll_seconds_sum{job="inbound"}'] > 0
    assert samples['bridge_queue_depth{channel="CCLOSED"}'] == 2  # both shop texts wait
    assert samples["bridge_texts_posted_total"] == 1  # the pizza text; the shop ones wait
    assert samples["bridge_web21c_up"] == 1
    state.archive_channel("CCLOSED", archived=False)
    deadline = time.monotonic() + 30
    while _scrape(bridge).get('bridge_queue_depth{channel="CCLOSED"}', 0.0) != 0.0:
        assert time.monotonic() < deadline, "the CCLOSED queue never emptied"
        time.sleep(0.1)
    assert _wait_for(bridge, {"bridge_texts_posted_total": 3})["bridge_texts_posted_total"] == 3
