"""The bridge in Socket Mode (SLACK_APP_TOKEN set, no signing secret, as the CLI starts it):
slash commands and thread replies reach it as envelopes over the fake Slack's websocket, and
every envelope is acked over that websocket."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator

import pytest

from bot.bootstrap import StartupError
from tests.e2e.conftest import GENERAL, BridgeUnderTest, running_bridge
from tests.slackapi.signing import message_event, post_to_bridge
from tests.slackapi.socket_mode import APP_TOKEN, event_callback_payload, slash_command_payload


@pytest.fixture
def bridge(tmp_path, slack, sandbox) -> Iterator[BridgeUnderTest]:
    """`run` in Socket Mode: without a signing secret, Slack can reach it only that way."""
    env = {"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_SIGNING_SECRET": ""}
    with running_bridge(tmp_path, slack, sandbox, **env) as wired:
        wired.bridge.start_socket_mode()
        yield wired


def _command(bridge: BridgeUnderTest, command: str, text: str, user: str = "UALICE"):
    """A slash command sent as a Socket Mode envelope; returns (envelope_id, ack, response_url)."""
    response_url = bridge.slack.state.new_response_url(channel=GENERAL, user=user)
    payload = slash_command_payload(command, text, user, GENERAL, response_url)
    envelope_id = bridge.slack.socket_mode.send_slash_command(payload)
    return envelope_id, bridge.slack.socket_mode.wait_for_ack(envelope_id), response_url


def _reply(bridge: BridgeUnderTest, thread_ts: str, text: str, event_id: str):
    """Bob writes in the thread; returns his message and the event Slack delivers for it."""
    message = bridge.slack.state.post_as_user(GENERAL, "UBOB", text, thread_ts=thread_ts)
    event = message_event(GENERAL, "UBOB", text, message.ts, thread_ts=thread_ts)
    return message, event_callback_payload(event, event_id)


def _thread(bridge: BridgeUnderTest):
    """The conversation thread's parent, once it has its first reply (the text's state)."""

    def found(state):
        for parent in state.messages(GENERAL):
            if parent.text.startswith(":speech_balloon:") and state.replies(GENERAL, parent.ts):
                return parent
        return None

    return bridge.slack.state.wait_for(found, what="a conversation thread")


def _sent(bridge: BridgeUnderTest) -> list[tuple[str, str]]:
    return [
        (m["recipients"][0]["destinationUri"], m["messageText"])
        for m in bridge.sandbox.sandbox.messages()
    ]


def _wait_for_sent(bridge: BridgeUnderTest, count: int) -> list[tuple[str, str]]:
    return bridge.slack.state.wait_for(
        lambda s: len(_sent(bridge)) >= count and _sent(bridge), what=f"{count} text(s) sent"
    )


def _drain_work(bridge: BridgeUnderTest, timeout: float = 10.0) -> None:
    """Wait until everything acked so far (committed before its ack) has been carried out."""
    work = bridge.bridge.services.work
    deadline = time.monotonic() + timeout
    while work.outstanding():
        assert time.monotonic() < deadline, "work still queued"
        time.sleep(0.05)


def test_an_sms_command_is_acked_over_the_websocket_and_texted(bridge):
    envelope_id, ack, response_url = _command(bridge, "/sms", "07700900123 hello over socket mode")

    assert ack == {"envelope_id": envelope_id}  # accepted: an empty ack, the rest comes later
    assert _wait_for_sent(bridge, 1) == [("tel:+447700900123", "hello over socket mode")]
    parent = _thread(bridge)
    assert "+447700900123" in parent.text
    reply = bridge.slack.state.replies(GENERAL, parent.ts)[0]
    assert reply.text.startswith("<@UALICE>: hello over socket mode")
    assert bridge.responses(response_url) == []  # nothing to say to Alice: the thread shows it
    assert bridge.slack.state.call_count("apps.connections.open", ok=True) == 1


def test_without_a_signing_secret_http_events_are_not_served(bridge):
    """Bolt checks no signature in Socket Mode; an HTTP endpoint would obey anyone."""
    status, _ = post_to_bridge(bridge.url + "/slack/events", b"{}", {})

    assert status == 404


def test_a_refused_command_is_answered_through_its_response_url(bridge):
    envelope_id, ack, response_url = _command(bridge, "/sms", "09065 123456 win big")

    assert ack == {"envelope_id": envelope_id}
    assert "premium-rate" in bridge.wait_for_response(response_url)
    assert bridge.sandbox.sandbox.messages() == []


def test_malformed_commands_get_their_usage_in_the_ack_payload(bridge):
    _, no_arguments, _ = _command(bridge, "/sms", "")
    _, not_a_number, _ = _command(bridge, "/sms", "hello world")
    _, help_asked, response_url = _command(bridge, "/call", "help")

    assert "payload" not in no_arguments  # `/sms` alone opens the compose modal instead
    assert any(v.view.get("callback_id") == "sms_compose_modal" for v in bridge.slack.state.views())
    assert "`hello` is neither a @mention nor a phone number." in not_a_number["payload"]["text"]
    assert "Usage: `/call" in help_asked["payload"]["text"]
    _drain_work(bridge)
    assert bridge.sandbox.sandbox.messages() == []
    assert bridge.sandbox.sandbox.calls() == []
    assert bridge.responses(response_url) == []


def test_a_thread_reply_event_is_acked_and_texted_to_the_conversations_number(bridge):
    _command(bridge, "/sms", "07700900123 hello")
    parent = _thread(bridge)
    _, event = _reply(bridge, parent.ts, "see you &amp; bye", "EvSOCKET1")

    envelope_id = bridge.slack.socket_mode.send_event(event)

    assert bridge.slack.socket_mode.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}
    # The /sms and the reply run on separate tasks, so either may reach Web21C first.
    assert sorted(_wait_for_sent(bridge, 2)) == [
        ("tel:+447700900123", "hello"),
        ("tel:+447700900123", "see you & bye"),
    ]


def test_a_redelivered_thread_reply_is_acked_but_not_texted_twice(bridge):
    _command(bridge, "/sms", "07700900123 hello")
    parent = _thread(bridge)
    reply, event = _reply(bridge, parent.ts, "only once", "EvSOCKET2")
    first = bridge.slack.socket_mode.send_event(event)
    bridge.slack.socket_mode.wait_for_ack(first)
    _wait_for_sent(bridge, 2)

    again = bridge.slack.socket_mode.send_event(event, retry_attempt=1, reason="timeout")

    assert again != first
    assert bridge.slack.socket_mode.wait_for_ack(again) == {"envelope_id": again}
    _drain_work(bridge)
    assert sorted(text for _, text in _sent(bridge)) == ["hello", "only once"]
    bridge.slack.state.wait_for(
        lambda s: "white_check_mark" in s.reactions(GENERAL, reply.ts) or None,
        what="the reply's delivered reaction",
    )


def test_healthz_reports_a_lost_websocket_until_the_bridge_reconnects(bridge):
    gateway, tokens = bridge.slack.socket_mode, bridge.slack.connections_open.app_tokens
    gateway.wait_for_connections(1)
    assert _healthz(bridge) == {"status": "ok"}
    kept = set(tokens)
    tokens.clear()  # Slack refuses new connections for a while...
    for connection in gateway.connections():
        connection.close()  # ...and drops the open one
    health = bridge.slack.state.wait_for(
        lambda s: (h := _healthz(bridge))["status"] == "degraded" and h, what="degraded"
    )
    assert health["problems"] == {"socket mode": "not connected to Slack's Socket Mode websocket"}
    tokens.update(kept)  # slack_sdk keeps retrying by itself; no restart
    bridge.slack.state.wait_for(
        lambda s: _healthz(bridge)["status"] == "ok" or None, timeout=30, what="reconnected"
    )
    envelope_id, ack, _ = _command(bridge, "/sms", "help")
    assert ack["envelope_id"] == envelope_id and "/sms" in ack["payload"]["text"]


def _healthz(bridge: BridgeUnderTest) -> dict:
    with urllib.request.urlopen(bridge.url + "/healthz", timeout=5) as answer:
        return json.loads(answer.read())


def test_a_refused_app_token_stops_start_up_with_what_to_fix(tmp_path, slack, sandbox):
    env = {"SLACK_APP_TOKEN": "xapp-1-not-this-apps-token", "SLACK_SIGNING_SECRET": ""}
    with (
        running_bridge(tmp_path, slack, sandbox, **env) as wired,
        pytest.raises(StartupError) as refused,
    ):
        wired.bridge.start_socket_mode()
    assert str(refused.value) == (
        "Slack refused the Socket Mode connection (invalid_auth): SLACK_APP_TOKEN must be an "
        "app-level token (xapp-...) with the connections:write scope"
    )
    assert "xapp-1-not-this-apps-token" not in str(refused.value)
