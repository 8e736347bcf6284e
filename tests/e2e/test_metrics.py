"""GET /metrics, as Prometheus scrapes it: texts in and out, failures, poll latency per job and
the queue of texts waiting per channel."""

from __future__ import annotations

import re
import time
import urllib.request
from dataclasses import dataclass

from tests.e2e.conftest import GENERAL, SIGNING_SECRET
from tests.e2e.processes import BridgeProcess, bridge_environment
from tests.e2e.sandbox_admin import SandboxAdmin
from tests.slackapi.signing import post_to_bridge, signed_headers, slash_command_body


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


def _listening_url(process: BridgeProcess, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := re.search(r"HTTP server listening on (http://\S+)", process.run_log()):
            return found.group(1)
        assert process.alive(), f"`web` exited early:\n{process.run_log()[-3000:]}"
        time.sleep(0.05)
    raise AssertionError(f"`web` did not listen in {timeout}s:\n{process.run_log()[-3000:]}")


def test_separate_web_and_worker_processes_add_up_in_the_multiprocess_directory(
    tmp_path, slack, sandbox
):
    """Two `web` processes and a `worker`, as the Procfile scales them on one host, sharing
    PROMETHEUS_MULTIPROC_DIR: either web's /metrics shows the ack timed by the web that took
    it and the work, texts and SOAP calls done by the worker."""
    slack.reset()
    slack.state.add_user("alice", user_id="UALICE", real_name="Alice", phone="07700 900001")
    directory = tmp_path / "metrics"
    directory.mkdir()
    environ = bridge_environment(
        slack.api_url,
        sandbox.url,
        f"sqlite:///{tmp_path / 'bridge.db'}",
        PORT="0",
        PROMETHEUS_MULTIPROC_DIR=str(directory),
    )
    webs = [BridgeProcess(tmp_path, environ, name=f"web-{n}", command="web") for n in (1, 2)]
    worker = BridgeProcess(tmp_path, environ, name="worker")
    try:
        urls = []
        for web in webs:  # one at a time: the first migrates the database
            urls.append(_listening_url(web.start()).replace("0.0.0.0", "127.0.0.1"))
        worker.start().wait_started()
        response_url = slack.state.new_response_url(channel=GENERAL, user="UALICE")
        body = slash_command_body("/sms", "07700900123 counted", "UALICE", GENERAL, response_url)
        status, _ = post_to_bridge(
            urls[0] + "/slack/events", body, signed_headers(SIGNING_SECRET, body)
        )
        assert status == 200
        wanted = {
            'bridge_ack_seconds_count{outcome="acked"}': 1,  # timed by web-1
            "bridge_texts_out_total": 1,  # counted by the worker
            'bridge_soap_seconds_count{operation="sendMessage",outcome="answered"}': 1,
            'bridge_poll_seconds_count{job="inbound"}': 1,
        }
        for url in urls:
            samples = _wait_for(_Url(url), wanted)
            assert samples['bridge_ack_seconds_count{outcome="acked"}'] == 1  # not twice
            assert samples["bridge_texts_out_total"] == 1
            assert any(s.startswith("bridge_work_done_total{") for s in samples)
            assert samples["process_resident_memory_bytes"] > 0
    finally:
        for process in (worker, *webs):
            process.stop()
    assert list(directory.glob("*.db"))  # each process wrote its own file there


@dataclass
class _Url:
    url: str
