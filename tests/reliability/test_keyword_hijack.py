"""A routed keyword wins (issue 12, item 4), against the running bridge.

The attack: anyone in #random texts a customer with `/sms`; before the fix, that customer's
next "HELP ... card number ..." followed the #random conversation for seven days instead of
reaching the channel routed for HELP. A reply under the reply keyword (REPLY_KEYWORD, what the
sandbox's echo phone and the console use) still follows the sender's recent conversation.
"""

from __future__ import annotations

from tests.e2e.waiting import wait_until
from tests.reliability.harness import text_the_service

CUSTOMER = "tel:+447700900101"
CARD_TEXT = "HELP my card number is 4929 1234 5678 9012, call me"


def _routed(wired, keyword: str, channel: str) -> None:
    _, _, url = wired.command("/sms", f"route {keyword} {channel}", user="UADMIN")
    wired.slack.state.wait_for_response_posts(url, 1, timeout=20)
    assert "now arrive in" in wired.responses(url)[0]


def _thread_with(state, channel: str, number: str):
    """The bridge's conversation thread for `number` in `channel`, once it has a reply."""
    return next(
        (
            m
            for m in state.messages(channel)
            if m.text.startswith(":speech_balloon:") and number in m.text
        ),
        None,
    )


def test_a_routed_keyword_is_not_hijacked_by_a_recent_conversation(reliability_bridge, logs):
    wired = reliability_bridge
    state = wired.slack.state
    state.add_channel("random", channel_id="CRANDOM")
    state.add_channel("support", channel_id="CSUPPORT")
    _routed(wired, "help", "#support")
    _routed(wired, "bridge", "#ops")
    status, ack, _ = wired.command("/sms", "+447700900101 your parcel is late", channel="CRANDOM")
    assert (status, ack) == (200, "")
    random_thread = state.wait_for(
        lambda s: _thread_with(s, "CRANDOM", "+447700900101"), what="the /sms thread in #random"
    )
    # A reply under the reply keyword lands in the conversation it answers.
    text_the_service(wired.sandbox, CUSTOMER, "bridge thanks, when will it come?")
    state.wait_for(
        lambda s: any(
            "when will it come" in r.text for r in s.replies("CRANDOM", random_thread.ts)
        ),
        what="the reply in the #random thread",
    )
    # The text that starts with HELP goes to the channel routed for HELP, in a thread for
    # that sender there, not to #random.
    text_the_service(wired.sandbox, CUSTOMER, CARD_TEXT, keyword="help")
    support = state.wait_for(
        lambda s: (
            (t := _thread_with(s, "CSUPPORT", "+447700900101"))
            and any(CARD_TEXT in r.text for r in s.replies("CSUPPORT", t.ts))
            and t
        ),
        what="the HELP text in #support",
    )
    assert "+447700900101" in support.text
    in_random = [m.text for m in state.messages("CRANDOM", include_replies=True)]
    assert not [text for text in in_random if "card number" in text], in_random
    assert state.messages("COPS") == []  # the reply keyword's channel saw nothing either
    assert logs.problems() == [], logs.summary()


def test_a_routed_keyword_wins_even_when_the_text_was_filed_under_the_reply_keyword(
    reliability_bridge, logs
):
    """Web21C files a text under a keyword; what the text starts with still decides."""
    wired = reliability_bridge
    state = wired.slack.state
    state.add_channel("random", channel_id="CRANDOM")
    state.add_channel("support", channel_id="CSUPPORT")
    _routed(wired, "help", "#support")
    _routed(wired, "bridge", "#ops")
    wired.command("/sms", "+447700900101 your parcel is late", channel="CRANDOM")
    state.wait_for(lambda s: _thread_with(s, "CRANDOM", "+447700900101"), what="the /sms thread")
    text_the_service(wired.sandbox, CUSTOMER, CARD_TEXT, keyword="bridge")
    state.wait_for(
        lambda s: (
            (t := _thread_with(s, "CSUPPORT", "+447700900101"))
            and any(CARD_TEXT in r.text for r in s.replies("CSUPPORT", t.ts))
        ),
        what="the HELP text in #support",
    )
    assert not [
        m for m in state.messages("CRANDOM", include_replies=True) if "card number" in m.text
    ]
    assert logs.problems() == [], logs.summary()


def test_a_reply_while_the_thread_header_is_still_being_posted_waits_for_that_thread(
    reliability_bridge, logs
):
    """The race CI met: the customer answered while Slack was still taking the header of the
    thread the /sms opened. The conversation had no thread yet, so the reply followed the
    reply keyword's route to #ops instead of the conversation it answers."""
    wired = reliability_bridge
    state = wired.slack.state
    state.add_channel("random", channel_id="CRANDOM")
    _routed(wired, "bridge", "#ops")
    wired.slack.faults.hang_next(
        seconds=3.0, method="chat.postMessage", channel="CRANDOM", then_process=True
    )
    status, ack, _ = wired.command("/sms", "+447700900101 your parcel is late", channel="CRANDOM")
    assert (status, ack) == (200, "")
    wait_until(lambda: wired.slack.faults.unspent() == 0, what="the header post to be held")
    text_the_service(wired.sandbox, CUSTOMER, "bridge thanks, when will it come?")
    thread = state.wait_for(
        lambda s: _thread_with(s, "CRANDOM", "+447700900101"), what="the /sms thread in #random"
    )
    state.wait_for(
        lambda s: any("when will it come" in r.text for r in s.replies("CRANDOM", thread.ts)),
        timeout=20,
        what="the reply in the #random thread",
    )
    assert state.messages("COPS") == []
    assert logs.problems() == [], logs.summary()
