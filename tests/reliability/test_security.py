"""Security through the whole stack: forged, tampered, stale and replayed Slack requests are
refused (401) and do nothing; unreadable bodies are a 400, never a 500; toll-fraud numbers
(premium rate, shared cost, countries not allowed) never reach Web21C, whichever way in.

Wrong-token status callbacks are in test_event_callbacks.py; secrets in logs in
test_secrets_in_logs.py.
"""

from __future__ import annotations

import time

import pytest

from bot.slack.blocks import INVITE_BLOCK, INVITE_INPUT, INVITE_MODAL
from tests.reliability.harness import (
    GENERAL,
    SIGNING_SECRET,
    populate_workspace,
    text_the_service,
    wired_bridge,
)
from tests.slackapi.signing import (
    block_actions_body,
    event_callback_body,
    message_event,
    signature,
    signed_headers,
    slash_command_body,
    view_submission_body,
)

PREMIUM = ("09065 123456", "+44 906 512 3456", "tel:+449065123456", "0044 9065 123456")
SHARED_COST = ("+353 1850 123456", "0845 464 0000")
ELSEWHERE = ("+33 6 12 34 56 78", "+1 202 555 0100", "+49 30 1234567")
FORBIDDEN_E164 = {
    "+449065123456",
    "+3531850123456",
    "+448454640000",
    "+33612345678",
    "+12025550100",
    "+49301234567",
}


def _bodies(url: str) -> list[bytes]:
    """One of each kind of request Slack sends, each of which would do something if obeyed."""
    event = message_event(GENERAL, "UBOB", "hi", "1700000000.000100", thread_ts="1.2")
    return [
        slash_command_body("/sms", "07700900123 forged text", "UALICE", GENERAL, url),
        slash_command_body("/call", "07700900001 07700900002", "UALICE", GENERAL, url),
        event_callback_body(event),
        block_actions_body("hang_up", "call-1", "UALICE", GENERAL, "1.2", url),
    ]


def _forgeries(body: bytes) -> dict[str, dict[str, str]]:
    now = int(time.time())
    good = signed_headers(SIGNING_SECRET, body)
    return {
        "wrong secret": signed_headers("not-the-secret", body),
        "no signature": {"Content-Type": good["Content-Type"]},
        "tampered body": {
            **good,
            "X-Slack-Signature": signature(SIGNING_SECRET, body + b"&x=1", now),
        },
        "stale (replayed after 6 minutes)": signed_headers(SIGNING_SECRET, body, now - 360),
        "from the future": signed_headers(SIGNING_SECRET, body, now + 360),
        "timestamp not a number": {**good, "X-Slack-Request-Timestamp": "soon"},
        "other scheme": {**good, "X-Slack-Signature": "v1=" + good["X-Slack-Signature"][3:]},
        "empty signature": {**good, "X-Slack-Signature": ""},
        "secret as signature": {**good, "X-Slack-Signature": SIGNING_SECRET},
    }


def test_forged_and_replayed_requests_are_refused(reliability_bridge, logs):
    wired = reliability_bridge
    url = wired.slack.state.new_response_url(channel=GENERAL, user="UALICE")
    refused = 0
    for body in _bodies(url):
        for kind, headers in _forgeries(body).items():
            status, text = wired.post(body, headers)
            assert status == 401, (kind, body[:40], status, text)
            refused += 1
    for junk in (b"[" * 5000, b"payload=" + b"%5B" * 5000, b"\xff\xfe", b"{"):
        status, _ = wired.post(junk, {"Content-Type": "application/json"})
        assert status in (400, 401), junk[:20]
    time.sleep(0.5)  # anything obeyed would be on its way by now
    assert wired.sandbox.sandbox.messages() == [] and wired.sandbox.sandbox.calls() == []
    assert wired.slack.state.response_posts(url) == []
    assert wired.slack.state.calls("chat.postMessage") == []
    assert logs.problems() == [], logs.summary()
    assert refused == 36


@pytest.fixture
def two_country_bridge(tmp_path, slack, sandbox, logs):
    """GB and IE allowed: shared-cost and premium numbers inside an allowed country must
    still be refused, by their kind and not only by their country."""
    populate_workspace(slack)
    slack.state.add_user("shared", user_id="USHARED", real_name="Shared", phone="+353 1850 123456")
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    with wired_bridge(slack, sandbox, database, ALLOWED_COUNTRIES="GB,IE") as wired:
        yield wired


def _toll_fraud_attempts() -> list[tuple[str, str, str]]:
    attempts = []
    for number in (*PREMIUM, *SHARED_COST, *ELSEWHERE):
        attempts += [
            ("/sms", f"{number} win a prize", "UALICE"),
            ("/call", number, "UALICE"),
            ("/call", f"<@UALICE|alice> {number}", "UALICE"),
            ("/conf", f"<@UALICE|alice> {number}", "UALICE"),
            ("/phone", number, "UALICE"),
            ("/phone", f"<@UCAROL|carol> {number}", "UADMIN"),
        ]
    for who in ("<@UMALLORY|mallory>", "<@UPIERRE|pierre>", "<@USHARED|shared>"):
        attempts += [
            ("/sms", f"{who} hi", "UALICE"),
            ("/call", who, "UALICE"),
            ("/call", f"<@UBOB|bob> {who}", "UALICE"),
            ("/conf", f"<@UBOB|bob> {who}", "UALICE"),
        ]
    return attempts


def _dialled(sandbox) -> set[str]:
    """Every number the sandbox was asked to text, call or invite."""
    seen = set()
    for message in sandbox.messages():
        seen |= {r["destinationUri"].removeprefix("tel:") for r in message["recipients"]}
    for call in sandbox.calls():
        seen |= {str(v).removeprefix("tel:") for k, v in call.items() if "Party" in k}
    for conference in sandbox.conferences():
        for participant in conference.get("participants", []):
            seen.add(str(participant["participantUri"]).removeprefix("tel:"))
    return seen


def test_toll_fraud_guards_hold_through_the_stack(two_country_bridge, logs):
    wired = two_country_bridge
    urls = []
    for command, text, user in _toll_fraud_attempts():
        status, ack, url = wired.command(command, text, user=user)
        assert status == 200, (command, text)
        urls.append((command, text, ack, url))
    # The conference card's invite modal: a premium number typed into it.
    wired.command("/conf", "<@UBOB|bob>", user="UALICE")
    db = wired.bridge.services.db

    def recorded(_state):
        with db.transaction() as tx:
            return tx.conferences.live()

    # Alice's commands run one after another (#13.4): this one waits for her attempts above.
    (conference, *_) = wired.slack.state.wait_for(
        recorded, timeout=60, what="a conference recorded"
    )
    metadata = f"{conference.conference_id}|{GENERAL}"
    values = {INVITE_BLOCK: {INVITE_INPUT: "09065 123456"}}
    status, _ = wired.post(view_submission_body(INVITE_MODAL, metadata, values, "UALICE"))
    assert status == 200
    refusal = wired.slack.state.wait_for(
        lambda s: [e for e in s.ephemerals(user="UALICE") if e.source != "response_url"],
        what="the modal's answer",
    )
    assert "premium-rate" in refusal[-1].text
    # A number abroad texts in; a reply in its thread must not text it back.
    wired.command("/sms", "route bridge #ops", user="UADMIN")
    text_the_service(wired.sandbox, "tel:+33612345678", "bonjour")
    parent = wired.slack.state.wait_for(  # the thread, once the text is in it (and so the
        lambda s: next((m for m in s.messages("COPS") if s.replies("COPS", m.ts)), None),
        what="the text from abroad",  # thread is recorded: a reply before that is not ours)
    )
    status, reply_ts = wired.thread_reply("COPS", parent.ts, "UBOB", "merci, au revoir")
    assert status == 200
    wired.drain_work()
    for command, text, ack, url in urls:
        answer = ack or " ".join(wired.responses(url))
        # A Slack profile holding such a number counts as no usable number at all.
        refusals = ("premium-rate", "shared-cost", "only reaches", "has no known phone number")
        assert any(words in answer for words in refusals), (command, text, answer)
    reacted = {
        c.params.get("name")
        for c in wired.slack.state.calls("reactions.add")
        if c.params.get("timestamp") == reply_ts
    }
    assert reacted == {"no_entry_sign"}  # the reply abroad was refused, visibly
    assert _dialled(wired.sandbox.sandbox) & FORBIDDEN_E164 == set()
    assert logs.problems() == [], logs.summary()


def test_without_a_signing_secret_the_http_endpoint_obeys_nobody(tmp_path, slack, sandbox, logs):
    """Socket Mode needs no signing secret, so nothing could verify an HTTP request: before
    the fix, an unsigned /sms to the public HTTP port was carried out."""
    populate_workspace(slack)
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    settings = {"SLACK_SIGNING_SECRET": "", "SLACK_APP_TOKEN": "xapp-1-reliability"}
    with wired_bridge(slack, sandbox, database, **settings) as wired:
        url = slack.state.new_response_url(channel=GENERAL, user="UALICE")
        body = slash_command_body("/sms", "07700900123 unsigned", "UALICE", GENERAL, url)
        status, _ = wired.post(body, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 404
        time.sleep(0.5)  # the worker runs: anything queued would have been carried out
        assert wired.bridge.services.work.outstanding() == 0
        assert sandbox.sandbox.messages() == []
        assert logs.problems() == [], logs.summary()
