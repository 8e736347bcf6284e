"""Delivery receipts both ways: with PUBLIC_URL the sandbox calls the bridge back and the Slack
message follows; a wrong token gets 404 and changes nothing; without PUBLIC_URL, polling
reaches the final state."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import BridgeUnderTest, running_bridge


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def eventing_bridge(tmp_path, slack, sandbox) -> Iterator[BridgeUnderTest]:
    """The bridge with PUBLIC_URL set to its own loopback address."""
    port = _free_port()
    public = {"PORT": str(port), "PUBLIC_URL": f"http://127.0.0.1:{port}"}
    with running_bridge(tmp_path, slack, sandbox, **public) as wired:
        yield wired


def _bridge_post(bridge, number: str, text: str):
    status, ack, _ = bridge.command("/sms", f"{number} {text}")
    assert (status, ack) == (200, "")
    return bridge.slack.state.wait_for(
        lambda s: next(
            (m for m in s.find_messages(lambda m: m.text.startswith(f"<@UALICE>: {text}"))),
            None,
        ),
        timeout=30,
        what="the bridge's post of the text",
    )


def _sent(bridge) -> list[dict]:
    """What the sandbox was asked to send (the bridge posts to Slack first, then sends)."""
    return bridge.slack.state.wait_for(
        lambda s: bridge.sandbox.sandbox.messages(), timeout=30, what="the text at the sandbox"
    )


def _wait_state(bridge, message, word: str):
    return bridge.slack.state.wait_for(
        lambda s: (m := s.message(message.channel, message.ts)) and word in m.text and m,
        timeout=30,
        what=f"{word!r} on the text's post",
    )


def test_callbacks_update_the_slack_message(eventing_bridge):
    bridge = eventing_bridge
    assert "deliveries" not in bridge.bridge.jobs.names  # Web21C tells us; we do not ask
    post = _bridge_post(bridge, "+447700900008", "flaky line")  # Sent, Retrying, Delivered
    sent = _sent(bridge)
    assert sent[0]["url"].startswith(bridge.url + "/web21c/events/")
    final = _wait_state(bridge, post, "delivered")
    assert final.edit_count >= 2  # at least sent and delivered were shown on the way

    def arrived(_state) -> list[str] | None:
        """The sandbox's record of its callbacks, once the last one's answer is back (the
        bridge edits Slack before it answers, so the edit can show first)."""
        with urllib.request.urlopen(bridge.sandbox.url + "/sandbox/events", timeout=10) as answer:
            outcomes = json.load(answer)["events"]
        statuses = [e["messageStatus"] for e in outcomes if e["delivered"]]
        return statuses if "Delivered" in statuses else None

    statuses = bridge.slack.state.wait_for(arrived, timeout=30, what="the Delivered callback")
    assert statuses == ["Sent", "Retrying", "Delivered"]  # each status change, once, in order


def test_a_callback_with_a_wrong_token_gets_404_and_changes_nothing(eventing_bridge):
    bridge = eventing_bridge
    post = _bridge_post(bridge, "+447700900003", "to a broken phone")  # ends Failed
    final = _wait_state(bridge, post, "failed")
    sent = _sent(bridge)[0]
    body = json.dumps(
        {
            "messageId": sent["messageId"],
            "destinationUri": "tel:+447700900003",
            "messageStatus": "Delivered",
            "time": "2026-11-26T21:58:39.497Z",
        }
    ).encode()
    for token in ("not-the-token", "", sent["url"].rsplit("/", 1)[1][:-1]):
        request = urllib.request.Request(
            f"{bridge.url}/web21c/events/{token}", data=body, method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 404
    after = bridge.slack.state.message(post.channel, post.ts)
    assert after.text == final.text and after.edit_count == final.edit_count


def test_without_public_url_polling_reaches_the_final_state(bridge):
    assert "deliveries" in bridge.bridge.jobs.names
    post = _bridge_post(bridge, "+447700900008", "flaky but polled")
    assert _sent(bridge)[0].get("url") in (None, "")
    final = _wait_state(bridge, post, "delivered")
    assert "flaky but polled" in final.text
    blocked = _bridge_post(bridge, "+447700900007", "to a blocked phone")
    assert "blocked" in _wait_state(bridge, blocked, "blocked").text
