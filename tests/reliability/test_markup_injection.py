"""Text from outside never becomes live Slack markup (issue 12, item 5), against the running
bridge: a phone texts markup through the sandbox, a hostile Web21C answers with a fault
string full of markup, and what the fake Slack stored is read back.

Before the fix, the SMS below was posted as a real @channel, a link showing slack.com but
leading to evil.example, and a real mention; the fault string reached the answer the same way.
"""

from __future__ import annotations

import pytest

from adapters.web21c.faults import fault_envelope
from tests.reliability.harness import (
    GENERAL,
    populate_workspace,
    text_the_service,
    wired_bridge,
)
from tests.reliability.hostile_web21c import HostileWeb21C, http_response
from tests.slackapi.markup import live_markup, shown

HOSTILE = (
    "<!channel> urgent: log in at <https://evil.example/login|https://slack.com/signin> "
    "<@UADMIN1> & <#CSECRET>"
)
HOSTILE_SENDER = "sip:<!here>@evil.example"


def _routed(wired, keyword: str, channel: str) -> None:
    _, _, url = wired.command("/sms", f"route {keyword} {channel}", user="UADMIN")
    wired.slack.state.wait_for_response_posts(url, 1, timeout=20)


def test_a_hostile_sms_is_posted_inert(reliability_bridge, logs):
    wired = reliability_bridge
    state = wired.slack.state
    _routed(wired, "help", "#ops")
    text_the_service(wired.sandbox, "tel:+447700900101", f"help {HOSTILE}", keyword="help")
    text_the_service(wired.sandbox, HOSTILE_SENDER, "help hello from a sip phone", keyword="help")

    def both_posted(s):
        posts = [m for m in s.messages("COPS", include_replies=True) if m.is_reply]
        return len(posts) >= 2 and posts

    posts = state.wait_for(both_posted, timeout=30, what="both texts posted")
    everything = state.messages("COPS", include_replies=True)
    headers = [m for m in everything if not m.is_reply]
    assert len(headers) == 2  # a thread header per sender
    for message in everything:
        assert live_markup(message.text) == [], message.text
        for block in message.blocks or []:
            assert live_markup(str(block)) == [], block
    hostile = next(m for m in posts if "urgent" in m.text)
    assert shown(hostile.text) == f"*+447700900101*: help {HOSTILE}"  # shown, not dropped
    sip_header = next(m for m in headers if "evil.example" in m.text)
    assert shown(sip_header.text).count(HOSTILE_SENDER) == 2  # "Texts with ..., ... text ..."
    sip_post = next(m for m in posts if "sip phone" in m.text)
    assert shown(sip_post.text).startswith(f"*{HOSTILE_SENDER}*:")
    # Posted so that Slack itself turns nothing in them into links, previews or mentions.
    inbound_posts = [
        c.params
        for c in state.calls("chat.postMessage")
        if c.params.get("metadata") and "web21c_inbound" in str(c.params["metadata"])
    ]
    assert len(inbound_posts) == 2
    for params in inbound_posts:
        assert params.get("parse") == "none", params
        assert params.get("unfurl_links") is False and params.get("unfurl_media") is False
    assert logs.problems() == [], logs.summary()


@pytest.fixture
def hostile_web21c():
    with HostileWeb21C() as server:
        yield server


def _answer_every_request_with(server: HostileWeb21C, code: str, count: int = 40) -> None:
    body = fault_envelope(code, f"refused {HOSTILE}")
    for _ in range(count):
        server.queue(http_response(body, "500 Internal Server Error"))


@pytest.mark.parametrize("code", ["Client", "Server"])
def test_a_hostile_web21c_fault_string_is_shown_inert(
    code, tmp_path, slack, sandbox, hostile_web21c, logs
):
    populate_workspace(slack)
    _answer_every_request_with(hostile_web21c, code)
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    with wired_bridge(
        slack, sandbox, database, WEB21C_ENDPOINT=hostile_web21c.url, WEB21C_READ_TIMEOUT=2
    ) as wired:
        state = slack.state
        _, _, sms_url = wired.command("/sms", "+447700900123 hello")
        _, _, call_url = wired.command("/call", "07700 900001 07700 900002")
        _, _, conf_url = wired.command("/conf", "07700 900001 07700 900002")
        state.wait_for_response_posts(sms_url, 1, timeout=20)
        state.wait_for_response_posts(call_url, 1, timeout=20)
        state.wait_for_response_posts(conf_url, 1, timeout=20)
        wired.drain_work()
        by_command = {
            "/sms": wired.responses(sms_url),
            "/call": wired.responses(call_url),
            "/conf": wired.responses(conf_url),
        }
        answers = [text for texts in by_command.values() for text in texts]
        answers += [e.text for e in state.ephemerals()]
        posts = [m.text for m in state.messages(GENERAL, include_replies=True)]
    assert hostile_web21c.served >= 3, hostile_web21c.served
    for command, texts in by_command.items():  # each refusal shows the service's words
        assert any("urgent" in text for text in texts), (command, texts)
    not_sent = [p for p in posts if "not sent" in p]
    assert not_sent and all("urgent" in p for p in not_sent), posts  # the /sms post's state
    for text in answers + posts:
        assert set(live_markup(text)) <= {"@UALICE"}, text  # the bridge's own mention only
    assert any(f"refused {HOSTILE}" in shown(a) for a in answers), answers
