"""Bad input on the Slack side: thousands of generated slash-command texts and thread replies.

What must hold for every one: the grammar answers with a command or a UsageError (nothing
else); the signed HTTP endpoint acknowledges with 200; a usage error is in the ack body, and
a parsed command is answered (an ephemeral reply through its response_url, or, for a text,
call or conference that went ahead, a post in the channel); the bridge logs no ERROR and no
traceback. Thread replies likewise each get a visible answer (a reaction or an ephemeral).
"""

from __future__ import annotations

import time

import pytest

from bot.core.commands import (
    Help,
    ListScheduled,
    PlaceCall,
    SendGroupSms,
    SendSms,
    StartConference,
    UsageError,
    parse,
)
from tests.reliability.generators import commands, reply_texts
from tests.reliability.harness import GENERAL

# Commands whose success is shown in the channel (thread post or card), or (the list of
# scheduled texts, with its buttons) in an ephemeral card, not through the response_url.
ANSWERED_IN_CHANNEL = (SendSms, SendGroupSms, PlaceCall, StartConference, ListScheduled)


def _parse_all(count: int, seed: int) -> dict[str, int]:
    tally = {"parsed": 0, "usage": 0}
    for command, text in commands(seed, count):
        try:
            parse(command, text, "GB")
        except UsageError as error:
            assert str(error).strip(), (command, text)
            tally["usage"] += 1
        else:
            tally["parsed"] += 1
    return tally


def test_grammar_quick():
    tally = _parse_all(2_000, seed=81)
    assert tally["parsed"] + tally["usage"] == 2_000 and tally["usage"] > 0


@pytest.mark.slow
def test_grammar_soak():
    tally = _parse_all(10_000, seed=8)
    assert tally["parsed"] + tally["usage"] == 10_000
    print(f"grammar: {tally}")


def _send_commands(wired, logs, count: int, seed: int) -> dict[str, int]:
    """Send every generated command through the signed endpoint and check each answer."""
    sent = []
    for index, (command, text) in enumerate(commands(seed, count)):
        user = "UADMIN" if index % 10 == 0 else "UALICE"
        try:
            expected = parse(command, text, "GB")
        except UsageError as error:
            expected = error
        status, ack, url = wired.command(command, text, user=user)
        assert status == 200, (command, text, status, ack)
        if command == "/sms" and not text.strip():  # opens the compose modal instead
            assert ack == "", (command, text, ack)
        elif isinstance(expected, UsageError):
            assert ack == str(expected), (command, text, ack)
        elif isinstance(expected, Help):
            assert ack.startswith("Usage:"), (command, text, ack)
        else:
            assert ack == "", (command, text, ack)
            sent.append((command, text, expected, url))
    wired.drain_work()
    silent = [(c, t, e) for c, t, e, url in sent if not wired.responses(url)]
    for command, text, expected in silent:
        assert isinstance(expected, ANSWERED_IN_CHANNEL), ("unanswered", command, text)
    bridge_posts = [
        m for m in wired.slack.state.messages(GENERAL) if m.user == wired.slack.state.bot_user_id
    ]
    replies = sum(len(wired.slack.state.replies(GENERAL, m.ts)) for m in bridge_posts)
    assert len(bridge_posts) + replies >= len(silent)
    assert logs.problems() == [], logs.summary()
    return {"sent": count, "parsed": len(sent), "answered in the channel": len(silent)}


def test_generated_commands_over_http_quick(reliability_bridge, logs):
    figures = _send_commands(reliability_bridge, logs, 150, seed=82)
    assert figures["parsed"] > 0


@pytest.mark.slow
def test_generated_commands_over_http_soak(reliability_bridge, logs):
    started = time.monotonic()
    figures = _send_commands(reliability_bridge, logs, 10_000, seed=8)
    print(f"commands over HTTP: {figures} in {time.monotonic() - started:.1f} s")


def _conversation_thread(wired) -> str:
    """Start a conversation with the sandbox's plain test phone; its thread's ts."""
    status, _, _ = wired.command("/sms", "07700 900123 starting a thread")
    assert status == 200

    def found(state):
        for parent in state.messages(GENERAL):
            if parent.text.startswith(":speech_balloon:") and state.replies(GENERAL, parent.ts):
                return parent.ts
        return None

    return wired.slack.state.wait_for(found, what="the conversation thread")


def _send_replies(wired, logs, count: int, seed: int) -> dict[str, int]:
    thread_ts = _conversation_thread(wired)
    typed = []
    for text in reply_texts(seed, count):
        status, ts = wired.thread_reply(GENERAL, thread_ts, "UBOB", text)
        assert status == 200, text
        typed.append((text, ts))
    wired.drain_work()
    state = wired.slack.state
    # A refused reply gets :no_entry_sign: and an ephemeral; a sent one a state reaction
    # (which later changes as the delivery state does, so the reactions.add calls are read).
    reacted: dict[str, set[str]] = {}
    for call in state.calls("reactions.add"):
        reacted.setdefault(call.params.get("timestamp"), set()).add(call.params.get("name"))
    unanswered = [text for text, ts in typed if text.strip() and ts not in reacted]
    assert unanswered == []
    assert logs.problems() == [], logs.summary()
    refused = sum(1 for _, ts in typed if "no_entry_sign" in reacted.get(ts, ()))
    return {"replies": count, "refused": refused, "texted": len(wired.sandbox.sandbox.messages())}


def test_generated_thread_replies_quick(reliability_bridge, logs):
    figures = _send_replies(reliability_bridge, logs, 60, seed=83)
    assert figures["texted"] > 1


@pytest.mark.slow
def test_generated_thread_replies_soak(reliability_bridge, logs):
    figures = _send_replies(reliability_bridge, logs, 2_000, seed=8)
    print(f"thread replies: {figures}")
