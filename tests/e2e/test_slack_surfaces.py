"""Slack's own surfaces against the fake Slack and the sandbox: the App Home tab, the compose
modal (from `/sms` alone and from the "Text this" shortcut) with its field errors, and the
Call someone modal."""

from __future__ import annotations

import json

from bot.slack.compose import COMPOSE_MODAL, TEXT, TEXT_THIS, TO_NUMBER, TO_USER, WHEN, WHERE
from bot.slack.home import CALL_MODAL, CALL_WHERE, CALL_WHO
from tests.e2e.conftest import GENERAL
from tests.slackapi.signing import app_home_opened_body, message_shortcut_body

JANE = "+447700900101"


def _home_of(bridge, user: str, must: str):
    bridge.post(app_home_opened_body(user))
    return bridge.slack.state.wait_for(
        lambda s: next(
            (
                v
                for v in s.views()
                if v.opened_by == "views.publish"
                and v.user_id == user
                and must in json.dumps(v.view, ensure_ascii=False)
            ),
            None,
        ),
        timeout=20,
        what=f"{user}'s home tab showing {must!r}",
    )


def _texts(bridge, words: str) -> list[dict]:
    return [m for m in bridge.sandbox.sandbox.messages() if m["messageText"] == words]


def _compose(text: str = "", number: str = "", user: str = "", when: str = "", where=GENERAL):
    values = {
        TO_USER: {TO_USER: {"type": "users_select", "selected_user": user or None}},
        TO_NUMBER: {TO_NUMBER: number},
        TEXT: {TEXT: text},
        WHEN: {WHEN: when},
        WHERE: {WHERE: {"type": "conversations_select", "selected_conversation": where}},
    }
    return values


def test_opening_home_shows_your_number_a_live_call_card_and_for_an_admin_the_routes(bridge):
    _, _, url = bridge.command("/sms", "route shop", user="UADMIN")
    bridge.wait_for_response(url)
    bridge.command("/call", f"<@UALICE|alice> {JANE}")
    state = bridge.slack.state
    card = state.wait_for(
        lambda s: next((m for m in s.messages(GENERAL) if "Call:" in m.text), None),
        what="the call card",
    )
    state.wait_for(lambda s: "Connected" in s.message(GENERAL, card.ts).text or None, what="up")
    home = _home_of(bridge, "UALICE", "Connected")
    shown = json.dumps(home.view, ensure_ascii=False)
    assert "Your number is +447700900001" in shown
    assert ":telephone_receiver: Call:" in shown and "Hang up" in shown
    assert "Routes" not in shown  # not an admin
    buttons = [
        e["text"]["text"]
        for b in home.view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert "Text someone" in buttons and "Call someone" in buttons
    admin = json.dumps(_home_of(bridge, "UADMIN", "Routes").view, ensure_ascii=False)
    assert "`shop` → <#C0GENERAL>" in admin
    assert "The bridge's health" in admin


def test_sms_alone_opens_the_compose_modal(bridge):
    status, ack, _ = bridge.command("/sms", "")
    assert (status, ack) == (200, "")
    modal = bridge.slack.state.wait_for(
        lambda s: next((v for v in s.views() if v.view.get("callback_id") == COMPOSE_MODAL), None),
        what="the compose modal",
    )
    assert modal.opened_by == "views.open"


def test_a_premium_rate_number_gets_a_field_error_and_nothing_is_sent(bridge):
    status, body = bridge.submit_view(COMPOSE_MODAL, GENERAL, _compose("hi", "0909 879 0000"))
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {TO_NUMBER}
    assert "premium-rate" in answer["errors"][TO_NUMBER]
    status, body = bridge.submit_view(COMPOSE_MODAL, GENERAL, _compose("", JANE, "UBOB"))
    errors = json.loads(body)["errors"]
    assert set(errors) == {TO_NUMBER, TEXT}  # both a person and a number; and no text
    status, body = bridge.submit_view(COMPOSE_MODAL, GENERAL, _compose("hi", JANE, when="25:00"))
    assert set(json.loads(body)["errors"]) == {WHEN}
    assert bridge.sandbox.sandbox.messages() == []


def test_a_good_submission_sends_the_text_as_a_sms_would(bridge):
    status, body = bridge.submit_view(COMPOSE_MODAL, GENERAL, _compose("fish & chips?", JANE))
    assert (status, body) == (200, "")
    state = bridge.slack.state
    state.wait_for(lambda s: _texts(bridge, "fish & chips?") or None, what="sent as typed")
    post = state.wait_for(
        lambda s: next(
            (m for m in s.messages(GENERAL, include_replies=True) if "fish" in m.text), None
        ),
        what="the text in its thread",
    )
    assert "<@UALICE>: fish &amp; chips?" in post.text  # shown escaped, as a /sms is
    status, body = bridge.submit_view(
        COMPOSE_MODAL, GENERAL, _compose("later on", JANE, when="in 1s")
    )
    assert (status, body) == (200, "")
    state.wait_for(lambda s: _texts(bridge, "later on") or None, what="the scheduled one sent")


def test_a_sms_carries_the_characters_typed_not_slacks_escapes(bridge):
    # What Slack sends for `/sms +447700900101 fish & chips <3 @bob`:
    bridge.command("/sms", f"{JANE} fish &amp; chips &lt;3 <@UBOB|bob>")
    state = bridge.slack.state
    state.wait_for(lambda s: _texts(bridge, "fish & chips <3 @bob") or None, what="as typed")
    post = state.wait_for(
        lambda s: next(
            (m for m in s.messages(GENERAL, include_replies=True) if "chips" in m.text), None
        ),
        what="the text in its thread",
    )
    assert post.text.startswith("<@UALICE>: fish &amp; chips &lt;3 @bob\n")  # inert, as typed


def test_the_text_this_shortcut_prefills_the_compose_modal(bridge):
    body = message_shortcut_body(
        TEXT_THIS, "UALICE", GENERAL, "1.1", "see you at 5 &amp; bring cake"
    )
    status, _ = bridge.post(body)
    assert status == 200
    modal = bridge.slack.state.wait_for(
        lambda s: next((v for v in s.views() if v.view.get("callback_id") == COMPOSE_MODAL), None),
        what="the compose modal",
    )
    (text_block,) = [b for b in modal.view["blocks"] if b.get("block_id") == TEXT]
    assert text_block["element"]["initial_value"] == "see you at 5 & bring cake"
    assert "characters: 1 SMS segment (GSM-7)" in text_block["hint"]["text"]
    (where,) = [b for b in modal.view["blocks"] if b.get("block_id") == WHERE]
    assert where["element"]["initial_conversation"] == GENERAL


def test_call_someone_places_a_call_and_a_bad_party_is_a_field_error(bridge):
    values = {
        CALL_WHO: {CALL_WHO: "nobody at all"},
        CALL_WHERE: {
            CALL_WHERE: {"type": "conversations_select", "selected_conversation": GENERAL}
        },
    }
    status, body = bridge.submit_view(CALL_MODAL, "", values)
    assert set(json.loads(body)["errors"]) == {CALL_WHO}
    values[CALL_WHO] = {CALL_WHO: JANE}
    status, body = bridge.submit_view(CALL_MODAL, "", values)
    assert (status, body) == (200, "")
    (call,) = bridge.slack.state.wait_for(
        lambda s: bridge.sandbox.sandbox.calls() or None, what="the call placed"
    )
    assert call["callingParty"] == "tel:+447700900001" and call["calledParty"] == f"tel:{JANE}"


def test_an_open_home_tab_follows_a_conference_without_being_opened_again(bridge):
    _home_of(bridge, "UALICE", "None right now")  # opened once, with nothing live
    # Two sandbox phones that answer and stay on the line (docs/web21c-sandbox.md).
    bridge.command("/conf", "+447700900008 07700 900123")
    state = bridge.slack.state

    def published(s):
        homes = [v for v in s.views() if v.opened_by == "views.publish" and v.user_id == "UALICE"]
        shown = [json.dumps(v.view, ensure_ascii=False) for v in homes]
        return any("2 of 2 connected" in text for text in shown) or None

    state.wait_for(published, timeout=30, what="the tab republished with both connected")
    publishes = [c for c in state.calls("views.publish") if c.params.get("user_id") == "UALICE"]
    assert len(publishes) >= 2  # the first, then refreshes (at most one every 5 s)


def test_the_shortcut_prefills_mentions_as_names_not_markup(bridge):
    words = "ask <@UBOB|bob> about it, <!here>"  # a message with Slack markup in it
    bridge.post(message_shortcut_body(TEXT_THIS, "UALICE", GENERAL, "1.2", words))
    modal = bridge.slack.state.wait_for(
        lambda s: next((v for v in s.views() if v.view.get("callback_id") == COMPOSE_MODAL), None),
        what="the compose modal",
    )
    (text_block,) = [b for b in modal.view["blocks"] if b.get("block_id") == TEXT]
    assert text_block["element"]["initial_value"] == "ask @bob about it, @here"
