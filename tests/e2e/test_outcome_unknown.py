"""Web21C carries a write out but its answer never comes back: the bridge must not say "not
sent" / "not placed" (a retry would do it twice), must not retry on its own, and settles the
state when a later delivery callback tells it what happened.

Between the bridge and the sandbox sits a stand-in that forwards every request to the sandbox
and swallows the answer of the one write a test names (tests/e2e/lost_answers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.records import Direction
from tests.e2e.conftest import GENERAL, running_bridge
from tests.e2e.lost_answers import RESET, SILENCE, ForgetfulWeb21C, HeldCallbacks

READ_TIMEOUT = "1"  # seconds the bridge waits for Web21C's answer


@pytest.fixture
def forgetful(sandbox) -> Iterator[ForgetfulWeb21C]:
    with ForgetfulWeb21C(sandbox.url) as standin:
        yield standin


@pytest.fixture
def callbacks() -> Iterator[HeldCallbacks]:
    with HeldCallbacks() as relay:
        yield relay


def _post_of(bridge, text: str):
    return bridge.slack.state.wait_for(
        lambda s: next(
            iter(s.find_messages(lambda m: m.text.startswith(f"<@UALICE>: {text}"))), None
        ),
        timeout=30,
        what="the bridge's post of the text",
    )


def _post_saying(bridge, post, predicate, what: str):
    return bridge.slack.state.wait_for(
        lambda s: (m := s.message(post.channel, post.ts)) and predicate(m.text) and m,
        timeout=30,
        what=what,
    )


def test_a_text_whose_answer_was_lost_is_shown_as_maybe_sent_then_settled_by_its_callback(
    tmp_path, slack, sandbox, forgetful, callbacks
):
    env = {
        "WEB21C_ENDPOINT": forgetful.url,
        "PUBLIC_URL": callbacks.url,
        "WEB21C_READ_TIMEOUT": READ_TIMEOUT,
    }
    with running_bridge(tmp_path, slack, sandbox, **env) as bridge:
        callbacks.target = bridge.url
        forgetful.lose("sendMessageWithEventing", SILENCE)
        status, ack, url = bridge.command("/sms", "07700 900123 are we still on for six")
        assert (status, ack) == (200, "")

        answer = bridge.wait_for_response(url, timeout=30)
        assert "not sent" not in answer
        assert "Web21C did not answer" in answer and "may have been sent" in answer
        post = _post_of(bridge, "are we still on for six")
        assert ":warning:" in post.text and "may have been sent" in post.text
        assert "not sent" not in post.text
        assert forgetful.lost == ["sendMessageWithEventing"]

        # Web21C sent it, and it delivers the callbacks it holds for it: the state settles.
        bridge.slack.state.wait_for(
            lambda _: callbacks.held or None, timeout=30, what="the sandbox's first callback"
        )
        statuses = callbacks.release()
        assert statuses and set(statuses) == {200}
        settled = _post_saying(
            bridge, post, lambda t: "delivered" in t and ":warning:" not in t, "delivered"
        )
        assert settled.text.startswith("<@UALICE>: are we still on for six")

        sent = sandbox.sandbox.messages()
        assert [m["messageText"] for m in sent] == ["are we still on for six"]  # exactly once
        assert forgetful.forwarded["sendMessageWithEventing"] == 1  # never retried
        with bridge.bridge.services.db.transaction() as tx:
            stored = tx.messages.by_slack(post.channel, post.ts)
        assert stored.direction is Direction.OUTBOUND
        assert stored.web21c_message_id == sent[0]["messageId"]  # learnt from the callback
        assert stored.outcome_unknown is False


def test_a_polled_text_whose_answer_was_reset_stays_maybe_sent_and_is_not_retried(
    tmp_path, slack, sandbox, forgetful
):
    env = {"WEB21C_ENDPOINT": forgetful.url, "WEB21C_READ_TIMEOUT": READ_TIMEOUT}
    with running_bridge(tmp_path, slack, sandbox, **env) as bridge:
        forgetful.lose("sendMessage", RESET)
        _, _, url = bridge.command("/sms", "07700 900123 on the train")
        answer = bridge.wait_for_response(url, timeout=30)
        assert "not sent" not in answer and "may have been sent" in answer
        post = _post_of(bridge, "on the train")
        assert ":warning:" in post.text

        # A second text to the same number goes through, and is polled to its final state,
        # while the first one stays "may have been sent": without its messageId nothing can
        # ask Web21C about it, and nothing sends it again.
        _, _, second_url = bridge.command("/sms", "07700 900123 arriving at six")
        second = _post_of(bridge, "arriving at six")
        _post_saying(bridge, second, lambda t: "delivered" in t, "the second text delivered")
        assert bridge.responses(second_url) == []
        assert ":warning:" in bridge.slack.state.message(post.channel, post.ts).text
        texts = [m["messageText"] for m in sandbox.sandbox.messages()]
        assert texts == ["on the train", "arriving at six"]
        assert forgetful.forwarded["sendMessage"] == 2


def test_a_call_whose_answer_was_lost_is_shown_as_maybe_placed(tmp_path, slack, sandbox, forgetful):
    env = {"WEB21C_ENDPOINT": forgetful.url, "WEB21C_READ_TIMEOUT": READ_TIMEOUT}
    with running_bridge(tmp_path, slack, sandbox, **env) as bridge:
        forgetful.lose("makeCall", RESET)
        _, _, url = bridge.command("/call", "+447700900123")
        answer = bridge.wait_for_response(url, timeout=30)
        assert "not placed" not in answer
        assert "Web21C did not answer" in answer and "may have been placed" in answer
        notice = bridge.slack.state.wait_for(
            lambda s: next(
                iter(s.find_messages(lambda m: "may have been placed" in m.text, channel=GENERAL)),
                None,
            ),
            timeout=30,
            what="the channel's notice of the call",
        )
        assert ":warning:" in notice.text
        calls = sandbox.sandbox.calls()
        assert [(c["callingParty"], c["calledParty"]) for c in calls] == [
            ("tel:+447700900001", "tel:+447700900123")
        ]
        assert forgetful.forwarded["makeCall"] == 1
