"""Inbound texts end to end: phones text the sandbox (its admin API), the bridge polls Web21C,
posts to the fake Slack and clears what it posted."""

from __future__ import annotations

import logging
import re
import time
import urllib.request

from tests.e2e.conftest import GENERAL
from tests.e2e.sandbox_admin import SandboxAdmin, inbound_texts, wait_cleared, wait_for_inbound

SENDER_A = "tel:+447700900101"
SENDER_B = "tel:+447700900102"
ALICE = "tel:+447700900001"  # Alice registers it with /phone and verifies it


def _route(bridge, keyword: str, channel: str = "#ops") -> None:
    _, _, url = bridge.command("/sms", f"route {keyword} {channel}", user="UADMIN")
    assert "now arrive in" in bridge.wait_for_response(url)


def _threads(state, channel: str) -> dict[str, list[str]]:
    """Thread header text -> its replies' texts, for the bridge's conversation threads."""
    return {
        parent.text: [reply.text for reply in state.replies(channel, parent.ts)]
        for parent in state.messages(channel)
        if parent.text.startswith(":speech_balloon:")
    }


def test_texts_arrive_in_the_keywords_channel_one_thread_per_sender(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    _route(bridge, "pizza")
    _, _, url = bridge.command("/phone", "07700 900001", user="UALICE")
    assert "A code is on its way" in bridge.wait_for_response(url)
    (code_text,) = [m["messageText"] for m in bridge.sandbox.sandbox.messages()]
    code = re.search(r"\b(\d{6})\b", code_text).group(1)  # what Alice reads on her phone
    _, _, url = bridge.command("/phone", f"verify {code}", user="UALICE")
    assert "Verified" in bridge.wait_for_response(url)
    for sender, text in [
        (SENDER_A, "pizza one"),
        (SENDER_B, "pizza two"),
        (SENDER_A, "PIZZA three"),
        (ALICE, "pizza four"),
    ]:
        admin.text_in(sender, text)
    wait_for_inbound(bridge, "COPS", 4)
    wait_cleared(admin)
    threads = _threads(bridge.slack.state, "COPS")
    assert len(threads) == 3
    by_number = {
        header.rsplit(" ", 1)[1].rstrip("."): replies for header, replies in threads.items()
    }
    assert by_number["+447700900101"] == [
        "*+447700900101*: pizza one",
        "*+447700900101*: PIZZA three",
    ]
    assert by_number["+447700900102"] == ["*+447700900102*: pizza two"]
    alice = next(h for h in threads if "+447700900001" in h)
    assert "<@UALICE>" in alice  # a number in the directory is headed by the person
    assert by_number["+447700900001"] == ["*<@UALICE>*: pizza four"]
    assert bridge.slack.state.messages(GENERAL) == []


def test_a_sender_texted_with_sms_answers_into_that_thread(bridge):
    """A reply (under the reply keyword) follows the conversation; see test_keyword_hijack
    for a routed keyword winning over it."""
    admin = SandboxAdmin(bridge.sandbox.url)
    _route(bridge, "bridge")
    status, ack, _ = bridge.command("/sms", "+447700900101 is the pizza on its way?")
    assert (status, ack) == (200, "")
    parent = bridge.slack.state.wait_for(
        lambda s: next((m for m in s.messages(GENERAL) if "+447700900101" in m.text), None),
        timeout=30,
        what="the /sms conversation thread",
    )
    admin.text_in(SENDER_A, "bridge yes, ten minutes")
    replies = bridge.slack.state.wait_for(
        lambda s: (r := s.replies(GENERAL, parent.ts)) and len(r) >= 2 and r,
        what="the answer in the /sms thread",
    )
    assert replies[-1].text.endswith("bridge yes, ten minutes")
    wait_cleared(admin)
    assert inbound_texts(bridge.slack.state, "COPS") == []


def test_stop_and_start_through_the_sandbox(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    _route(bridge, "pizza")
    admin.text_in(SENDER_A, "pizza STOP")
    bridge.slack.state.wait_for(
        lambda s: any(":no_bell:" in m.text for m in s.find_messages(lambda m: True)),
        what="the opt-out note",
    )
    _, _, url = bridge.command("/sms", "+447700900101 are you there?")
    assert "has opted out" in bridge.wait_for_response(url)
    confirmation = "You will get no more texts from us. Text START to get them again."
    texts = [m["messageText"] for m in bridge.sandbox.sandbox.messages()]
    assert texts == [confirmation]  # nothing but the opt-out's confirmation went to the phone
    admin.text_in(SENDER_A, "pizza start")
    bridge.slack.state.wait_for(
        lambda s: any(":bell:" in m.text for m in s.find_messages(lambda m: True)),
        what="the opt-in note",
    )
    bridge.command("/sms", "+447700900101 welcome back")
    sent = bridge.slack.state.wait_for(
        lambda s: len(m := bridge.sandbox.sandbox.messages()) >= 3 and m,
        what="the text after START",
    )
    assert [m["messageText"] for m in sent][-1] == "welcome back"
    replies = next(iter(_threads(bridge.slack.state, "COPS").values()))
    assert replies[0] == "*+447700900101*: pizza STOP"
    assert replies[1].startswith(":no_bell: +447700900101 texted STOP")
    assert replies[2] == "*+447700900101*: pizza start"
    assert replies[3].startswith(":bell: +447700900101 texted START")


def test_an_unrouted_keyword_is_no_longer_fetched_and_stays_uncleared(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    _route(bridge, "pizza")
    _route(bridge, "pasta")
    _, _, url = bridge.command("/sms", "unroute pizza", user="UADMIN")
    assert "no longer fetched" in bridge.wait_for_response(url)
    kept = admin.text_in(SENDER_A, "pizza anyone there?")
    admin.text_in(SENDER_B, "pasta control")
    wait_for_inbound(bridge, "COPS", 1)  # the loop ran: the routed keyword's text is through
    for _ in range(5):  # and a few more cycles
        bridge.bridge.jobs.run_once("inbound")
    assert admin.waiting_ids() == {kept}
    assert [t for t in inbound_texts(bridge.slack.state, "COPS") if "pizza" in t] == []


def test_an_archived_channel_keeps_the_text_logs_once_counts_and_posts_once_fixed(bridge, caplog):
    admin = SandboxAdmin(bridge.sandbox.url)
    state = bridge.slack.state
    state.add_channel("closed", channel_id="CCLOSED")
    _route(bridge, "shop", "#closed")
    state.archive_channel("CCLOSED")
    caplog.set_level(logging.ERROR, logger="bot.services.inbound")
    kept = {admin.text_in(SENDER_A, "shop open today?"), admin.text_in(SENDER_B, "shop hello")}
    failures = 'bridge_post_failures_total{reason="is_archived"}'
    _wait_metric(bridge, failures, at_least=3)  # several failed cycles
    assert _metric(bridge, 'bridge_queue_depth{channel="CCLOSED"}') == 2
    assert admin.waiting_ids() == kept
    assert inbound_texts(state, "CCLOSED") == []
    reports = [r for r in caplog.records if "cannot post texts to channel CCLOSED" in r.message]
    assert len(reports) == 1
    state.archive_channel("CCLOSED", archived=False)
    wait_for_inbound(bridge, "CCLOSED", 2)
    wait_cleared(admin)
    assert sorted(inbound_texts(state, "CCLOSED")) == [
        "*+447700900101*: shop open today?",
        "*+447700900102*: shop hello",
    ]


def test_a_channel_without_the_bot_keeps_the_text_until_it_is_invited(bridge, caplog):
    admin = SandboxAdmin(bridge.sandbox.url)
    state = bridge.slack.state
    state.add_channel("private-ish", channel_id="CNOBOT", bot_member=False)
    _route(bridge, "deli", "#private-ish")
    caplog.set_level(logging.ERROR, logger="bot.services.inbound")
    kept = admin.text_in(SENDER_A, "deli sandwich?")
    _wait_metric(bridge, 'bridge_post_failures_total{reason="not_in_channel"}', at_least=3)
    assert admin.waiting_ids() == {kept}
    assert len([r for r in caplog.records if "CNOBOT" in r.message]) == 1
    state.set_bot_member("CNOBOT", True)
    assert wait_for_inbound(bridge, "CNOBOT", 1) == ["*+447700900101*: deli sandwich?"]
    wait_cleared(admin)


def _metric(bridge, series: str) -> float:
    with urllib.request.urlopen(bridge.url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _wait_metric(bridge, series: str, at_least: float, timeout: float = 20.0) -> float:
    deadline = time.monotonic() + timeout
    while (value := _metric(bridge, series)) < at_least:
        assert time.monotonic() < deadline, f"{series} stayed at {value}"
        time.sleep(0.05)
    return value
