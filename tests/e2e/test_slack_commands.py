"""Slash commands, buttons and thread replies through the real HTTP endpoint."""

from __future__ import annotations

import time

from bot.core.cards import DROP_PARTICIPANT, HANG_UP, INVITE_PARTICIPANT
from bot.slack.blocks import INVITE_BLOCK, INVITE_INPUT, INVITE_MODAL
from tests.e2e.conftest import GENERAL, SIGNING_SECRET
from tests.slackapi.signing import signed_headers, slash_command_body


def _thread(bridge, channel=GENERAL, count=1):
    """The conversation thread's parent, once it has `count` replies."""
    state = bridge.slack.state

    def found(s):
        for parent in s.messages(channel):
            if (
                parent.text.startswith(":speech_balloon:")
                and len(s.replies(channel, parent.ts)) >= count
            ):
                return parent
        return None

    return state.wait_for(found, what=f"a conversation thread with {count} replies")


def test_sms_is_sent_and_shown_in_the_numbers_thread_with_its_delivery_state(bridge):
    status, ack, _ = bridge.command("/sms", "07700 900123 running late")
    assert status == 200 and ack == ""
    parent = _thread(bridge)
    assert "+447700900123" in parent.text
    sent = bridge.slack.state.wait_for(
        lambda s: bridge.sandbox.sandbox.messages(), what="the text sent"
    )
    assert [(m["recipients"][0]["destinationUri"], m["messageText"]) for m in sent] == [
        ("tel:+447700900123", "running late")
    ]

    def delivered(s):
        reply = s.replies(GENERAL, parent.ts)[0]
        return "delivered" in reply.text and reply

    reply = bridge.slack.state.wait_for(delivered, what="the delivered state on the text")
    assert reply.text.startswith("<@UALICE>: running late")


def test_a_text_back_lands_in_the_same_thread(bridge):
    _, _, url = bridge.command("/sms", "route bridge #ops", user="UADMIN")
    assert "now arrive in <#COPS>" in bridge.wait_for_response(url)
    bridge.command("/sms", "+447700900000 ping")
    parent = _thread(bridge, count=2)  # our text, then the echo phone's reply
    texts = [m.text for m in bridge.slack.state.replies(GENERAL, parent.ts)]
    assert any("Echo: ping" in text for text in texts)
    assert bridge.slack.state.messages("COPS") == []  # not in the keyword's channel


def test_malformed_input_gets_usage_in_the_ack(bridge):
    status, ack, _ = bridge.command("/sms", "hello world")
    assert status == 200
    assert "`hello` is neither a @mention nor a phone number." in ack
    assert "Example: `/sms +447700900123 running late`" in ack
    status, ack, _ = bridge.command("/call", "help")
    assert "Usage: `/call" in ack


def test_refusals_are_specific_and_ephemeral(bridge):
    cases = {
        "09065 123456 win big": "premium-rate",
        "+33612345678 bonjour": "only reaches GB",
        "<@UCAROL|carol> hi": "has no known phone number",
    }
    for text, expected in cases.items():
        _, _, url = bridge.command("/sms", text)
        assert expected in bridge.wait_for_response(url)
    _, _, url = bridge.command("/sms", "route pizza", user="UALICE")
    assert "Only admins can change routes" in bridge.wait_for_response(url)
    assert bridge.sandbox.sandbox.messages() == []


def test_forged_and_stale_requests_get_401(bridge):
    body = slash_command_body("/sms", "07700900123 hi", "UALICE", GENERAL, "http://127.0.0.1:1/x")
    forged = signed_headers("not-the-secret", body)
    assert bridge.post(body, forged)[0] == 401
    stale = signed_headers(SIGNING_SECRET, body, timestamp=int(time.time()) - 600)
    assert bridge.post(body, stale)[0] == 401
    assert bridge.sandbox.sandbox.messages() == []


def test_a_thread_reply_is_texted_once_even_when_slack_retries_it(bridge):
    bridge.command("/sms", "07700900123 hello")
    parent = _thread(bridge)
    (status, _), reply = bridge.reply_in_thread(
        GENERAL, parent.ts, "UBOB", "see you &amp; bye", event_id="EvREPLY1"
    )
    assert status == 200
    # The /sms and the reply run on separate tasks, so either may reach Web21C first.
    texts = bridge.slack.state.wait_for(
        lambda s: _sent_texts(bridge) if len(_sent_texts(bridge)) == 2 else None,
        what="the /sms and the reply sent",
    )
    assert sorted(texts) == ["hello", "see you & bye"]
    # Slack redelivers the same event:
    from tests.slackapi.signing import event_callback_body, message_event

    event = message_event(GENERAL, "UBOB", "see you &amp; bye", reply.ts, thread_ts=parent.ts)
    body = event_callback_body(event, "EvREPLY1")
    assert bridge.post(body, signed_headers(SIGNING_SECRET, body, retry_num=1))[0] == 200
    bridge.slack.state.wait_for(
        lambda s: "white_check_mark" in s.reactions(GENERAL, reply.ts) or None,
        what="delivered reaction",
    )
    assert sorted(_sent_texts(bridge)) == ["hello", "see you & bye"]


def _sent_texts(bridge) -> list[str]:
    return [m["messageText"] for m in bridge.sandbox.sandbox.messages()]


def test_files_in_a_reply_get_a_note(bridge):
    bridge.command("/sms", "07700900123 hello")
    parent = _thread(bridge)
    bridge.reply_in_thread(
        GENERAL, parent.ts, "UBOB", "photo attached", files=[{"id": "F1", "name": "a.png"}]
    )
    ephemerals = bridge.slack.state.wait_for_ephemerals("UBOB")
    assert "Only the text of your reply is sent" in ephemerals[0].text


def _card(bridge, channel=GENERAL):
    return bridge.slack.state.wait_for(
        lambda s: next((m for m in s.messages(channel) if m.blocks), None), what="a card"
    )


def _button(card, action_id):
    for block in card.blocks:
        elements = block.get("elements", []) + (
            [block["accessory"]] if "accessory" in block else []
        )
        for element in elements:
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button")


def test_call_card_follows_the_call_and_hang_up_ends_it(bridge):
    bridge.command("/call", "<@UALICE|alice> 07700 900123")
    card = _card(bridge)
    # Alice's number comes from her Slack profile: it rings her, but proves nothing, so the
    # card shows the number (a verified number would show her name).
    assert "Call: +447700900001 → +447700900123" in card.text
    (call,) = bridge.sandbox.sandbox.calls()
    state = bridge.slack.state
    state.wait_for(
        lambda s: "Connected" in s.message(GENERAL, card.ts).text or None, what="connected"
    )
    status, url = bridge.press(HANG_UP, _button(card, HANG_UP)["value"], card.ts, user="UCAROL")
    assert status == 200
    assert "Only the person who placed the call" in bridge.wait_for_response(url)
    bridge.press(HANG_UP, call["callId"], card.ts, user="UALICE")
    ended = state.wait_for(
        lambda s: "hung up from here" in s.message(GENERAL, card.ts).text or None, what="ended"
    )
    assert ended
    (call,) = bridge.sandbox.sandbox.calls()
    assert call["callTerminationCause"] == "CallTerminatedByController"


def test_conference_roster_drop_and_invite(bridge):
    bridge.command("/conf", "@alice @bob 07700900123")
    card = _card(bridge)
    (conference,) = bridge.sandbox.sandbox.conferences()
    assert len(conference["participants"]) == 3
    state = bridge.slack.state
    state.wait_for(
        lambda s: "3 of 3 connected" in s.message(GENERAL, card.ts).text or None,
        what="all connected",
    )
    drop = _button(state.message(GENERAL, card.ts), DROP_PARTICIPANT)
    bridge.press(DROP_PARTICIPANT, drop["value"], card.ts, user="UALICE")
    state.wait_for(
        lambda s: "2 of 3 connected" in s.message(GENERAL, card.ts).text or None, what="one dropped"
    )

    bridge.press(INVITE_PARTICIPANT, conference["conferenceId"], card.ts, user="UALICE")
    (view,) = state.wait_for(lambda s: s.views() or None, what="the invite modal")
    status, _ = bridge.submit_view(
        INVITE_MODAL, view.view["private_metadata"], {INVITE_BLOCK: {INVITE_INPUT: "+447700900008"}}
    )
    assert status == 200
    state.wait_for(
        lambda s: "of 4 connected" in s.message(GENERAL, card.ts).text or None, what="a fourth"
    )


def test_phone_registers_and_shows_a_number(bridge):
    _, _, url = bridge.command("/phone", "07700 900009", user="UCAROL")
    assert "A code is on its way to +447700900009" in bridge.wait_for_response(url)
    _, _, url = bridge.command("/phone", "", user="UCAROL")
    assert "+447700900009 is registered, awaiting verification" in bridge.wait_for_response(url)
    (text,) = [m["messageText"] for m in bridge.sandbox.sandbox.messages()]
    code = "".join(c for c in text.split("/phone verify ", 1)[1] if c.isdigit())
    _, _, url = bridge.command("/phone", f"verify {code}", user="UCAROL")
    assert bridge.wait_for_response(url) == "Verified: your number is now +447700900009."
    _, _, url = bridge.command("/phone", "", user="UCAROL")
    assert "+447700900009 (verified with /phone)" in bridge.wait_for_response(url)
    _, _, url = bridge.command("/phone", "<@UBOB> 07700900002", user="UCAROL")
    assert "Only admins can set someone else's number." in bridge.wait_for_response(url)


def test_a_rate_limited_channel_still_gets_the_post(bridge):
    bridge.slack.faults.ratelimit_next(times=1, method="chat.postMessage", retry_after=1)
    bridge.command("/sms", "07700900123 hello")
    parent = _thread(bridge)
    assert parent
    assert bridge.slack.state.rejected_count("chat.postMessage") == 1
