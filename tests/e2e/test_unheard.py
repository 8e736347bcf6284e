"""No text goes unheard, end to end: phones text the sandbox over HTTP (POST /sandbox/inbound),
the bridge polls it, and the outcome is read from the fake Slack, the sandbox and the bridge's
own HTTP answers. STOP, START and HELP are honoured wherever they are sent; a catch-all route
receives texts under any other keyword; without one, unrouted texts are counted and reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

from tests.e2e.conftest import GENERAL
from tests.e2e.sandbox_admin import SandboxAdmin, inbound_texts, wait_cleared, wait_for_inbound

SENDER = "tel:+447700900101"
OTHER = "tel:+447700900102"
DEFAULT_OPT_OUT_REPLY = "You will get no more texts from us. Text START to get them again."


def _route(bridge, keyword: str, channel: str = "#ops") -> None:
    _, _, url = bridge.command("/sms", f"route {keyword} {channel}", user="UADMIN")
    assert "now arrive in" in bridge.wait_for_response(url)


def _texts_to(bridge, uri: str) -> list[str]:
    """What the bridge texted this phone, oldest first."""
    return [
        m["messageText"]
        for m in bridge.sandbox.sandbox.messages()
        if any(r["destinationUri"] == uri for r in m["recipients"])
    ]


def _wait_texted(bridge, uri: str, count: int) -> list[str]:
    return bridge.slack.state.wait_for(
        lambda s: len(texts := _texts_to(bridge, uri)) >= count and texts,
        timeout=30,
        what=f"{count} text(s) to {uri}",
    )


def _refused(bridge, text: str) -> str:
    """A `/sms` that is answered with a refusal (one that is sent gets no answer)."""
    _, _, url = bridge.command("/sms", text)
    return bridge.wait_for_response(url, timeout=30)


def _audit(bridge) -> list[tuple[str, str]]:
    with bridge.bridge.services.db.transaction() as tx:
        return [(e.action, e.target) for e in reversed(tx.audit.recent(200))]


def _healthz(bridge) -> dict:
    with urllib.request.urlopen(bridge.url + "/healthz", timeout=10) as response:
        return json.load(response)


def test_a_plain_stop_opts_out_and_the_next_sms_is_refused(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    _route(bridge, "pizza")
    admin.text_in(SENDER, "STOP")
    assert _wait_texted(bridge, SENDER, 1) == [DEFAULT_OPT_OUT_REPLY]
    wait_cleared(admin)  # acted on, so not left waiting
    refusal = _refused(bridge, "+447700900101 are you there?")
    assert "has opted out" in refusal and "STOP" in refusal
    assert _texts_to(bridge, SENDER) == [DEFAULT_OPT_OUT_REPLY]  # nothing more went
    assert ("sms.opt_out", "+447700900101") in _audit(bridge)
    with bridge.bridge.services.db.transaction() as tx:
        assert tx.opt_outs.get("+447700900101").word == "STOP"


def test_start_opts_back_in_and_both_show_in_the_numbers_thread(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    bridge.command("/sms", "+447700900101 hello")  # starts the number's thread
    parent = bridge.slack.state.wait_for(
        lambda s: next((m for m in s.messages(GENERAL) if "+447700900101" in m.text), None),
        what="the number's thread",
    )
    _wait_texted(bridge, SENDER, 1)
    admin.text_in(SENDER, "stop!")
    _wait_texted(bridge, SENDER, 2)
    assert "has opted out" in _refused(bridge, "+447700900101 still there?")
    admin.text_in(SENDER, "Start")
    texts = _wait_texted(bridge, SENDER, 3)
    assert texts[2] == "You will get texts from us again. Text STOP to stop them."
    bridge.command("/sms", "+447700900101 welcome back")
    assert _wait_texted(bridge, SENDER, 4)[3] == "welcome back"
    notes = bridge.slack.state.wait_for(
        lambda s: (
            len(r := [m.text for m in s.replies(GENERAL, parent.ts) if "texted" in m.text]) >= 2
            and r
        ),
        what="the opt-out and opt-in notes in the number's thread",
    )
    assert notes[0].startswith(":no_bell: +447700900101 texted STOP")
    assert notes[1].startswith(":bell: +447700900101 texted START")
    actions = [a for a, target in _audit(bridge) if target == "+447700900101"]
    assert actions.index("sms.opt_out") < actions.index("sms.opt_in")


def test_stop_after_a_routed_keyword_in_a_longer_text_and_as_the_first_word(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    _route(bridge, "pizza")
    admin.text_in(SENDER, "pizza stop sending me these")
    _wait_texted(bridge, SENDER, 1)
    assert "has opted out" in _refused(bridge, "+447700900101 sorry")
    # the text itself still arrives in its keyword's channel, with the note under it
    texts = wait_for_inbound(bridge, "COPS", 1)
    assert texts == ["*+447700900101*: pizza stop sending me these"]
    admin.text_in(OTHER, "Unsubscribe me from this list please")  # no keyword at all
    assert _wait_texted(bridge, OTHER, 1) == [DEFAULT_OPT_OUT_REPLY]
    assert "has opted out" in _refused(bridge, "+447700900102 hello?")
    wait_cleared(admin)


def test_help_gets_the_help_text_unless_help_is_a_routed_keyword(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    admin.text_in(SENDER, "HELP")
    (answer,) = _wait_texted(bridge, SENDER, 1)
    assert answer.startswith("You are texting a team on Slack")
    wait_cleared(admin)
    _route(bridge, "help")
    admin.text_in(OTHER, "help my order is late")
    assert wait_for_inbound(bridge, "COPS", 1) == ["*+447700900102*: help my order is late"]
    wait_cleared(admin)
    assert _texts_to(bridge, OTHER) == []  # routed like any keyword: no help reply


def test_a_text_with_no_routed_keyword_reaches_the_catch_all_channel(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    _route(bridge, "pizza", "#general")
    _route(bridge, "*")
    _, _, url = bridge.command("/sms", "routes")
    listing = bridge.wait_for_response(url)
    assert "`*`" in listing and "<#COPS>" in listing
    admin.text_in(SENDER, "hello, is anyone there?")
    admin.text_in(OTHER, "pizza to go")
    admin.text_in(SENDER, "second text")
    assert wait_for_inbound(bridge, "COPS", 2) == [
        "*+447700900101*: hello, is anyone there?",
        "*+447700900101*: second text",
    ]
    assert wait_for_inbound(bridge, GENERAL, 1) == ["*+447700900102*: pizza to go"]
    wait_cleared(admin)
    threads = [m for m in bridge.slack.state.messages("COPS") if "+447700900101" in m.text]
    assert len(threads) == 1  # one thread per sender, as for routed keywords
    _, _, url = bridge.command("/sms", "unroute *", user="UADMIN")
    assert "catch-all route is gone" in bridge.wait_for_response(url)
    kept = admin.text_in(SENDER, "anyone?")
    for _ in range(3):
        bridge.bridge.jobs.run_once("inbound")
    assert admin.waiting_ids() == {kept}


def test_without_a_catch_all_unrouted_texts_are_counted_and_reported(bridge, tmp_path):
    admin = SandboxAdmin(bridge.sandbox.url)
    _route(bridge, "pizza")
    assert _healthz(bridge)["status"] == "ok"
    out = _sandbox_text(bridge, tmp_path, "+447700900101", "hello", "out", "there")
    assert "no route takes `hello`" in out and "1 text(s) wait unrouted" in out
    admin.text_in(OTHER, "pasta please")
    admin.text_in(OTHER, "pizza please")
    wait_for_inbound(bridge, "COPS", 1)
    health = bridge.slack.state.wait_for(
        lambda s: (
            (h := _healthz(bridge)).get("problems", {}).get("unrouted texts", "")[:2] == "2 " and h
        ),
        what="2 unrouted texts on /healthz",
    )
    assert health["status"] == "degraded"
    assert health["problems"]["unrouted texts"].startswith("2 text(s) wait at Web21C")
    _wait_waiting(admin, {"hello out there", "pasta please"})  # the routed one is cleared
    for _ in range(3):  # the others are kept, not cleared: a catch-all added later gets them
        bridge.bridge.jobs.run_once("inbound")
    assert _waiting_texts(admin) == {"hello out there", "pasta please"}
    routed = _sandbox_text(bridge, tmp_path, "+447700900102", "pizza", "again")
    assert "routed" in routed and "COPS" in routed
    _route(bridge, "*")
    assert sorted(wait_for_inbound(bridge, "COPS", 4)) == [
        "*+447700900101*: hello out there",
        "*+447700900102*: pasta please",
        "*+447700900102*: pizza again",
        "*+447700900102*: pizza please",
    ]
    wait_cleared(admin)
    bridge.slack.state.wait_for(lambda s: _healthz(bridge)["status"] == "ok", what="healthz ok")


def test_a_call_to_a_number_that_texted_stop_says_so(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    admin.text_in(SENDER, "QUIT")
    _wait_texted(bridge, SENDER, 1)
    _, _, url = bridge.command("/call", "+447700900101")
    answer = bridge.wait_for_response(url, timeout=30)
    assert "+447700900101 opted out of texts" in answer and "call was placed" in answer
    assert inbound_texts(bridge.slack.state, GENERAL) == []


def _waiting_texts(admin) -> set[str]:
    return {m["messageText"] for texts in admin.waiting().values() for m in texts}


def _wait_waiting(admin, expected: set[str], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while (waiting := _waiting_texts(admin)) != expected:
        assert time.monotonic() < deadline, f"waiting at the sandbox: {waiting}"
        time.sleep(0.05)


def _sandbox_text(bridge, tmp_path, *words: str) -> str:
    """`web21c-bridge sandbox-text`, run as a person would, against this bridge's database."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": bridge.bridge.settings.database_url,
        "WEB21C_ENDPOINT": bridge.sandbox.url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox-text", *words],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_flood_of_help_gets_one_answer_and_nothing_is_left_waiting(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    for _ in range(5):  # an auto-responder answering our help text with HELP
        admin.text_in(SENDER, "HELP")
    wait_cleared(admin)  # cleared first, then answered: wait for the answer too
    bridge.slack.state.wait_for(lambda s: _texts_to(bridge, SENDER) or None, what="the answer")
    for _ in range(3):
        bridge.bridge.jobs.run_once("inbound")
    assert len(_texts_to(bridge, SENDER)) == 1
    assert [a for a, target in _audit(bridge) if target == SENDER[4:]].count("sms.help") == 5
