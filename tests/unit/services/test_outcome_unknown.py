"""Writes Web21C carried out whose answer was lost (FakeTelephony.lose_next_answer): shown as
"may have been done", never as not done, never repeated, and settled where the contract can."""

from __future__ import annotations

import json

import pytest

from bot.core.commands import NumberTarget, PlaceCall, SendSms, UserTarget
from bot.core.domain import ChatError, DeliveryStatus, MessageStatus, OutcomeUnknown
from bot.services.dispatch import Invocation
from bot.services.errors import Rejected
from bot.services.telephony_errors import explain
from tests.unit.services.conftest import CHANNEL

NUMBER = "tel:+447700900123"


def _callback(message_id: str, status: str = "Delivered") -> bytes:
    return json.dumps(
        {"messageId": message_id, "destinationUri": NUMBER, "messageStatus": status}
    ).encode()


def _only_text(services):
    with services.db.transaction() as tx:
        message = tx.messages.get(1)
        recipients = tx.messages.recipients(1)
        audit = [(e.action, e.detail) for e in tx.audit.recent()]
    return message, recipients, audit


def test_a_lost_answer_is_shown_as_maybe_sent_not_as_not_sent(services, telephony, chat):
    telephony.lose_next_answer = True
    answer = services.dispatcher.run(
        Invocation("UALICE", CHANNEL), SendSms(NumberTarget("07700900123"), "running late")
    )
    assert answer.startswith(":warning: Web21C did not answer")
    assert "may have been sent" in answer and "not sent" not in answer
    assert len(telephony.sent) == 1
    message, (recipient,), audit = _only_text(services)
    assert message.outcome_unknown and message.web21c_message_id is None
    assert recipient.status is MessageStatus.INITIAL
    assert ("sms.send", "outcome unknown") in audit
    post = chat.messages[(CHANNEL, message.slack_ts)]
    assert post.text.startswith("<@UALICE>: running late")
    assert ":warning:" in post.text and "may have been sent" in post.text
    assert "not sent" not in post.text


def test_a_later_callback_settles_it_with_the_id_and_state_web21c_reports(
    services, telephony, chat
):
    telephony.lose_next_answer = True
    services.messaging.send("UALICE", CHANNEL, NumberTarget("07700900123"), "hello")
    message, _, _ = _only_text(services)
    result = services.deliveries.on_callback(
        message.event_token, _callback(telephony.sent[0].message_id)
    )
    assert result.status == 200
    settled, (recipient,), _ = _only_text(services)
    assert not settled.outcome_unknown
    assert settled.web21c_message_id == telephony.sent[0].message_id
    assert recipient.status is MessageStatus.DELIVERED
    post = chat.messages[(CHANNEL, message.slack_ts)]
    assert "delivered" in post.text and ":warning:" not in post.text
    assert len(telephony.sent) == 1  # settling never sends


def test_a_callback_that_beat_the_lost_answer_means_it_was_sent(services, telephony, chat):
    original = telephony.send_message

    def send_call_back_then_lose_the_answer(recipient_uris, sender, text, event_url=None):
        message_id = original(recipient_uris, sender, text, event_url)
        with services.db.transaction() as tx:
            pending = tx.messages.get(1)
        services.deliveries.on_callback(pending.event_token, _callback(message_id, "Sent"))
        raise OutcomeUnknown("the answer was lost after the callback came")

    telephony.send_message = send_call_back_then_lose_the_answer
    answer = services.messaging.send("UALICE", CHANNEL, NumberTarget("07700900123"), "quick")
    assert answer is None  # nothing to warn about: Web21C already said it has it
    message, (recipient,), audit = _only_text(services)
    assert not message.outcome_unknown and message.web21c_message_id
    assert recipient.status is MessageStatus.SENT
    assert ":warning:" not in chat.messages[(CHANNEL, message.slack_ts)].text
    assert ("sms.send", "outcome unknown") not in audit


def test_polling_cannot_ask_about_a_text_without_its_id_so_it_stays_unknown(
    services, telephony, chat
):
    telephony.lose_next_answer = True
    services.messaging.send("UALICE", CHANNEL, NumberTarget("07700900123"), "hello")
    asked = []
    original = telephony.get_message_delivery_statuses
    telephony.get_message_delivery_statuses = lambda mid: asked.append(mid) or original(mid)
    assert services.deliveries.poll() == 0
    assert asked == []
    message, (recipient,), _ = _only_text(services)
    assert message.outcome_unknown and recipient.status is MessageStatus.INITIAL
    assert ":warning:" in chat.messages[(CHANNEL, message.slack_ts)].text
    assert len(telephony.sent) == 1


def test_a_thread_reply_whose_answer_is_lost_gets_a_warning_then_its_state(
    services, telephony, chat
):
    services.messaging.send("UBOB", CHANNEL, NumberTarget("07700900123"), "hi")
    (parent,) = chat.top_level(CHANNEL)
    reply_ts = chat.post(CHANNEL, "see you soon", thread_ts=parent.ts)
    telephony.lose_next_answer = True
    services.messaging.reply("UALICE", CHANNEL, parent.ts, reply_ts, "see you soon", False)
    assert chat.reactions[(CHANNEL, reply_ts)] == {"warning"}
    (_, user, said), *_ = [e for e in chat.ephemerals if "may have been sent" in e[2]]
    assert user == "UALICE" and "not sent" not in said
    with services.db.transaction() as tx:
        message = tx.messages.by_slack(CHANNEL, reply_ts)
    assert message.outcome_unknown
    services.deliveries.on_callback(message.event_token, _callback(telephony.sent[-1].message_id))
    assert chat.reactions[(CHANNEL, reply_ts)] == {"white_check_mark"}


def test_apply_statuses_on_a_settled_text_still_works(services, telephony, chat):
    telephony.lose_next_answer = True
    services.messaging.send("UALICE", CHANNEL, NumberTarget("07700900123"), "hello")
    message, _, _ = _only_text(services)
    services.deliveries.on_callback(message.event_token, _callback("msg-1", "Sent"))
    settled, _, _ = _only_text(services)
    assert services.messaging.apply_statuses(
        settled, [DeliveryStatus(NUMBER, MessageStatus.DELIVERED)]
    )
    assert "delivered" in chat.messages[(CHANNEL, message.slack_ts)].text


def test_a_call_whose_answer_is_lost_may_have_been_placed(services, telephony, chat):
    telephony.lose_next_answer = True
    answer = services.calls.place("UBOB", CHANNEL, (NumberTarget("07700900123"),))
    assert "may have been placed" in answer and "not placed" not in answer
    assert len(telephony.calls) == 1  # placed once, not again
    (notice,) = chat.top_level(CHANNEL)
    assert notice.card.buttons == ()  # no callId: nothing to hang up
    assert "may have been placed" in notice.text
    with services.db.transaction() as tx:
        assert tx.calls.live() == []  # nothing to follow
        audit = [(e.action, e.detail) for e in tx.audit.recent()]
    assert ("call.place", "outcome unknown") in audit


def test_a_hang_up_whose_answer_is_lost_may_have_hung_up(services, telephony, chat):
    services.calls.place("UBOB", CHANNEL, (NumberTarget("07700900123"),))
    (call_id,) = telephony.calls
    telephony.lose_next_answer = True
    answer = services.calls.hang_up("UBOB", call_id)
    assert "may have been hung up" in answer and "Could not" not in answer
    assert services.tracking.refresh_all() == 1  # following the call settles its card
    (card,) = [m for m in chat.top_level(CHANNEL) if m.card]
    assert "Ended" in card.text


def test_a_conference_whose_creation_answer_is_lost_invites_no_one(services, telephony):
    telephony.lose_next_answer = True
    with pytest.raises(Rejected, match="may have been created, but no one was invited"):
        services.conferences.start("UALICE", CHANNEL, (UserTarget("UBOB"),))
    assert len(telephony.conferences) == 1 and telephony.participant_uris == {}


def test_an_invite_whose_answer_is_lost_may_have_been_sent(services, telephony):
    services.conferences.start("UALICE", CHANNEL, (UserTarget("UBOB"),))
    (conference_id,) = telephony.conferences
    telephony.lose_next_answer = True
    answer = services.conferences.invite("UALICE", conference_id, NumberTarget("07700900123"))
    assert "may have been invited" in answer and "Could not" not in answer
    assert len(telephony.participant_uris) == 2


def test_ending_or_dropping_whose_answer_is_lost_may_have_happened(services, telephony, chat):
    services.conferences.start("UALICE", CHANNEL, (UserTarget("UBOB"),))
    (conference_id,) = telephony.conferences
    (participant_id,) = telephony.participant_uris
    telephony.lose_next_answer = True
    assert "may have been dropped" in services.conferences.drop("UALICE", participant_id)
    telephony.lose_next_answer = True
    assert "may have ended" in services.conferences.end("UALICE", conference_id)
    services.tracking.refresh_all()
    assert "Ended" in next(m for m in chat.top_level(CHANNEL) if m.card).text


def test_any_other_unknown_write_is_explained_without_try_again_in_a_minute():
    words = explain(OutcomeUnknown("lost"))
    assert words.startswith("Web21C did not answer") and "can't tell whether" in words
    assert "can't be reached" not in words


def test_a_callback_that_lands_while_the_warning_goes_up_still_wins(services, telephony, chat):
    original = chat.update

    def update_then_call_back(channel, ts, text, *, card=None):
        original(channel, ts, text, card=card)
        if ":warning:" in text:  # Web21C's callback arrives right after the warning is shown
            message, _, _ = _only_text(services)
            services.deliveries.on_callback(message.event_token, _callback("msg-1", "Sent"))

    chat.update = update_then_call_back
    telephony.lose_next_answer = True
    answer = services.messaging.send("UALICE", CHANNEL, NumberTarget("07700900123"), "hello")
    assert answer is None
    message, (recipient,), _ = _only_text(services)
    assert not message.outcome_unknown and recipient.status is MessageStatus.SENT
    post = chat.messages[(CHANNEL, message.slack_ts)]
    assert ":warning:" not in post.text and "sent" in post.text


def test_a_maybe_placed_call_is_told_to_the_caller_even_if_its_card_cannot_be_posted(
    services, telephony, chat
):
    chat.refuse[CHANNEL] = ChatError("is_archived", permanent=True)
    telephony.lose_next_answer = True
    answer = services.dispatcher.run(
        Invocation("UBOB", CHANNEL), PlaceCall((NumberTarget("07700900123"),))
    )
    assert "may have been placed" in answer
