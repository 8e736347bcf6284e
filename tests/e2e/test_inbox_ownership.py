"""The team inbox's shared work as a user sees it, through the real HTTP endpoint, the sandbox
and the fake Slack: who has a conversation (Take it, Release, Take over, `/sms mine`, the
reminder), calls in the thread (the outcome line, the header's Call button) and group texts."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

from bot.core.cards import CALL_CONVERSATION, HANG_UP, RELEASE_CONVERSATION, TAKE_CONVERSATION
from tests.e2e.conftest import GENERAL
from tests.e2e.sandbox_admin import SandboxAdmin
from tests.e2e.threads import conversation_header

JANE = "+447700900101"
KIM = "+447700900102"
PREMIUM = "0909 879 0000"  # a premium-rate number: the policy never texts one


def _header(bridge, number: str, channel: str = GENERAL):
    return conversation_header(bridge, number, channel)


def _buttons(message) -> dict[str, tuple[str, str]]:
    """A message's buttons: label -> (action_id, value)."""
    found = {}
    for block in message.blocks or []:
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        if "accessory" in block:
            elements = [*elements, block["accessory"]]
        for element in elements:
            if element.get("type") == "button":
                found[element["text"]["text"]] = (element["action_id"], element["value"])
    return found


def _shown(message) -> str:
    """What a message with blocks shows: every section's text."""
    return "\n".join(
        block["text"]["text"] for block in message.blocks or [] if block.get("type") == "section"
    )


def _press(bridge, message, label: str, user: str) -> str:
    action_id, value = _buttons(message)[label]
    status, url = bridge.press(action_id, value, message.ts, user=user)
    assert status == 200
    return bridge.wait_for_response(url, timeout=20)


def _header_now(bridge, header, predicate, what: str):
    return bridge.slack.state.wait_for(
        lambda s: (m := s.message(GENERAL, header.ts)) and predicate(m) and m, what=what
    )


def _texted(bridge, words: str) -> list[dict]:
    return [m for m in bridge.sandbox.sandbox.messages() if m["messageText"] == words]


def test_take_it_release_and_take_over_update_the_header(bridge):
    bridge.command("/sms", f"{JANE} your parcel is here")
    header = _header(bridge, JANE)
    assert set(_buttons(header)) == {"Take it", "Call"}
    assert _buttons(header)["Take it"][0] == TAKE_CONVERSATION

    answer = _press(bridge, header, "Take it", "UALICE")
    assert answer == f"The conversation with {JANE} is yours now; `/sms mine` lists yours."
    header = _header_now(
        bridge, header, lambda m: "Taken by <@UALICE>" in _shown(m), "the header taken by Alice"
    )
    assert set(_buttons(header)) == {"Release", "Take over", "Call"}
    assert _buttons(header)["Release"][0] == RELEASE_CONVERSATION

    answer = _press(bridge, header, "Take over", "UBOB")
    assert answer == f"You took the conversation with {JANE} over from <@UALICE>."
    header = _header_now(
        bridge,
        header,
        lambda m: "Taken by <@UBOB> (took it over from <@UALICE>)" in _shown(m),
        "the header taken over by Bob",
    )

    answer = _press(bridge, header, "Release", "UALICE")  # not hers any more
    assert answer.startswith(f"<@UBOB> has the conversation with {JANE}; only they or an admin")
    answer = _press(bridge, header, "Release", "UBOB")
    assert answer == f"Released: anyone can take the conversation with {JANE} now."
    header = _header_now(
        bridge, header, lambda m: "Taken by" not in _shown(m), "the header released"
    )
    assert set(_buttons(header)) == {"Take it", "Call"}


def test_sms_mine_lists_what_you_hold_with_the_last_text_and_take_works_by_number(bridge):
    bridge.command("/sms", f"{JANE} first")
    bridge.command("/sms", f"{KIM} second")
    _header(bridge, JANE)
    _header(bridge, KIM)
    bridge.slack.state.wait_for(lambda s: _texted(bridge, "second") or None, what="sent")
    _, _, url = bridge.command("/sms", "mine", user="UBOB")
    assert bridge.wait_for_response(url).startswith("You hold no conversations.")
    _, _, url = bridge.command("/sms", "take 07700 900102", user="UBOB")
    assert bridge.wait_for_response(url).startswith(f"The conversation with {KIM} is yours now")
    _, _, url = bridge.command("/sms", "mine", user="UBOB")
    lines = bridge.wait_for_response(url).splitlines()
    assert lines[0] == "*Conversations you hold (1)*"
    assert lines[1].startswith(f"• {KIM} in <#{GENERAL}>, ")
    assert lines[1].endswith("you sent: second")
    _, _, url = bridge.command("/sms", "take 07700 900199", user="UBOB")
    assert (
        bridge.wait_for_response(url)
        == "There is no conversation with +447700900199 in this channel."
    )
    _, _, url = bridge.command("/sms", "release 07700 900102", user="UBOB")
    assert bridge.wait_for_response(url).startswith("Released:")


def test_an_unanswered_text_gets_one_reminder_naming_its_holder(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    _, _, url = bridge.command("/sms", "route shop", user="UADMIN")
    assert "now arrive in" in bridge.wait_for_response(url)
    admin.text_in(f"tel:{JANE}", "shop my order is late")
    header = _header(bridge, JANE)
    state = bridge.slack.state
    state.wait_for(
        lambda s: any("my order is late" in r.text for r in s.replies(GENERAL, header.ts)) or None,
        what="the text in its thread",
    )
    _press(bridge, header, "Take it", "UBOB")
    ownership = bridge.bridge.services.ownership
    assert ownership.remind() == 0  # 30 minutes (the default) have not passed
    # As if they had: what the reminders job runs, on a copy, so the bridge's own job (whose
    # first cycle may start late on a loaded machine) keeps its 30 minutes.
    ownership = replace(ownership, remind_after=timedelta(0))
    assert ownership.remind() == 1
    assert ownership.remind() == 0  # one reminder per unanswered text
    reminders = [r for r in state.replies(GENERAL, header.ts) if ":alarm_clock:" in r.text]
    assert len(reminders) == 1
    assert f"{JANE} texted" in reminders[0].text
    assert "<@UBOB>, this conversation is yours." in reminders[0].text
    # An answer, then a new text: a new reminder is due for the new text only.
    bridge.reply_in_thread(GENERAL, header.ts, "UBOB", "sorry, on its way")
    state.wait_for(lambda s: _texted(bridge, "sorry, on its way") or None, what="the answer")
    time.sleep(0.2)
    assert ownership.remind() == 0


def test_a_call_with_a_number_posts_its_outcome_line_once_in_the_thread(bridge):
    bridge.command("/sms", f"{JANE} calling you now")
    header = _header(bridge, JANE)
    state = bridge.slack.state
    state.wait_for(lambda s: _texted(bridge, "calling you now") or None, what="sent")
    bridge.command("/call", f"<@UALICE|alice> {JANE}")
    card = state.wait_for(
        lambda s: next((m for m in s.messages(GENERAL) if "Call:" in m.text), None),
        what="the call card",
    )
    state.wait_for(lambda s: "Connected" in s.message(GENERAL, card.ts).text or None, what="up")
    (call,) = bridge.sandbox.sandbox.calls()
    bridge.press(HANG_UP, call["callId"], card.ts)
    line = state.wait_for(
        lambda s: next(
            (r for r in s.replies(GENERAL, header.ts) if ":telephone_receiver:" in r.text), None
        ),
        timeout=30,
        what="the call's line in the thread",
    )
    assert line.text.startswith(
        f":telephone_receiver: Call placed by <@UALICE>: +447700900001 → {JANE}, connected after 0:"
    )
    assert line.text.endswith("; hung up from here.")
    time.sleep(1.0)  # the live-calls job runs every 0.2 s: a second line would show
    bridge.bridge.services.tracking.refresh_all()
    lines = [r for r in state.replies(GENERAL, header.ts) if ":telephone_receiver:" in r.text]
    assert len(lines) == 1


def test_the_headers_call_button_rings_the_presser_then_the_number_unless_someone_else_has_it(
    bridge,
):
    bridge.command("/sms", f"{JANE} can I call you?")
    header = _header(bridge, JANE)
    bridge.slack.state.wait_for(lambda s: _texted(bridge, "can I call you?") or None, what="sent")
    _press(bridge, header, "Take it", "UBOB")
    header = _header_now(bridge, header, lambda m: "Taken by" in _shown(m), "taken")
    action_id, value = _buttons(header)["Call"]
    assert action_id == CALL_CONVERSATION
    refusal = _press(bridge, header, "Call", "UALICE")
    assert refusal == (
        f"<@UBOB> has the conversation with {JANE}; take it over first if you mean to call them."
    )
    assert bridge.sandbox.sandbox.calls() == []
    status, url = bridge.press(action_id, value, header.ts, user="UBOB")
    assert status == 200
    (call,) = bridge.slack.state.wait_for(
        lambda s: bridge.sandbox.sandbox.calls() or None, what="the call placed"
    )
    assert call["callingParty"] == "tel:+447700900005"  # Bob's number
    assert call["calledParty"] == f"tel:{JANE}"
    assert bridge.responses(url) == []  # nothing to say: the card shows the call


def test_a_group_text_of_three_with_one_refused_is_one_send_with_two_recipients(bridge):
    words = "the shop opens at ten"
    _, ack, url = bridge.command("/sms", f"07700 900101 07700 900102 {PREMIUM} {words}")
    assert ack == ""
    answer = bridge.wait_for_response(url, timeout=30)
    assert answer.startswith(f"Not texted: {PREMIUM}: ")
    assert "premium-rate" in answer
    state = bridge.slack.state
    post = state.wait_for(
        lambda s: next(
            (
                m
                for m in s.messages(GENERAL)
                if m.text.startswith(f"<@UALICE>: {words}") and m.text.count("delivered") == 2
            ),
            None,
        ),
        timeout=30,
        what="the group post with both recipients delivered",
    )
    assert post.text == (
        f"<@UALICE>: {words}\n{JANE} :white_check_mark: delivered · "
        f"{KIM} :white_check_mark: delivered"
    )
    (sent,) = _texted(bridge, words)  # one sendMessage...
    assert sorted(r["destinationUri"] for r in sent["recipients"]) == [
        f"tel:{JANE}",
        f"tel:{KIM}",
    ]  # ...carrying both
    for number in (JANE, KIM):  # each recipient's thread says so
        header = _header(bridge, number)
        assert any(
            r.text == f"<@UALICE> sent this as a group text to 2: {words}"
            for r in state.replies(GENERAL, header.ts)
        )


def test_a_reply_to_a_group_text_lands_in_that_recipients_own_thread(bridge):
    admin = SandboxAdmin(bridge.sandbox.url)
    _, _, url = bridge.command("/sms", "route bridge #ops", user="UADMIN")
    assert "now arrive in" in bridge.wait_for_response(url)
    _, _, url = bridge.command("/sms", f"{JANE} {KIM} meeting moved to 3pm")
    state = bridge.slack.state
    state.wait_for(
        lambda s: _texted(bridge, "meeting moved to 3pm") or None, what="the group text sent"
    )
    kim = _header(bridge, KIM)
    admin.text_in(f"tel:{KIM}", "bridge thanks, see you then")
    reply = state.wait_for(
        lambda s: next((r for r in s.replies(GENERAL, kim.ts) if "see you then" in r.text), None),
        timeout=30,
        what="Kim's reply in Kim's thread",
    )
    assert reply.text == f"*{KIM}*: bridge thanks, see you then"
    jane = _header(bridge, JANE)
    assert not any("see you then" in r.text for r in state.replies(GENERAL, jane.ts))
    assert not any("see you then" in m.text for m in state.messages("COPS"))


def test_a_group_text_with_no_one_left_sends_nothing(bridge):
    _, ack, url = bridge.command("/sms", f"{PREMIUM} 0909 879 0001 hello")
    assert ack == ""
    answer = bridge.wait_for_response(url, timeout=30)
    assert answer.startswith(f"Nothing was sent: {PREMIUM}: ")
    assert "0909 879 0001: " in answer
    assert bridge.sandbox.sandbox.messages() == []
