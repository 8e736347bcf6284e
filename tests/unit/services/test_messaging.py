import pytest

from bot.core.commands import NumberTarget, UserTarget
from bot.core.domain import DeliveryStatus, MessageStatus, ServiceUnavailable
from bot.services.errors import Rejected
from tests.unit.services.conftest import CHANNEL


def test_sms_opens_a_thread_for_the_number_and_shows_the_text_there(services, telephony, chat):
    services.messaging.send("UALICE", CHANNEL, NumberTarget("07700 900123"), "running late")
    assert [s.recipients for s in telephony.sent] == [["tel:+447700900123"]]
    assert telephony.sent[0].text == "running late"
    (parent,) = chat.top_level(CHANNEL)
    assert "+447700900123" in parent.text
    (text,) = chat.thread(CHANNEL, parent.ts)
    assert text.text.startswith("<@UALICE>: running late")
    assert "queued" in text.text


def test_a_second_sms_to_the_same_number_reuses_the_thread(services, chat):
    services.messaging.send("UALICE", CHANNEL, NumberTarget("07700900123"), "one")
    services.messaging.send("UBOB", CHANNEL, NumberTarget("+447700900123"), "two")
    (parent,) = chat.top_level(CHANNEL)
    assert len(chat.thread(CHANNEL, parent.ts)) == 2


def test_sms_to_a_user_uses_their_profile_number(services, telephony):
    services.messaging.send("UBOB", CHANNEL, UserTarget(name="alice"), "hi")
    assert telephony.sent[0].recipients == ["tel:+447700900001"]


def test_sms_to_a_user_without_a_number_says_so(services):
    with pytest.raises(Rejected, match="has no known phone number"):
        services.messaging.send("UBOB", CHANNEL, UserTarget("UNOPHONE"), "hi")


def test_a_user_whose_profile_phone_is_refused_is_told_why(services, chat, telephony):
    chat.add_user("UPREMIUM", "mallory", "09065 123456")
    with pytest.raises(Rejected) as refusal:
        services.messaging.send("UBOB", CHANNEL, UserTarget("UPREMIUM"), "hi")
    assert "<@UPREMIUM>'s Slack profile phone can't be used" in str(refusal.value)
    assert "premium-rate number; the bridge never calls or texts those. They can register" in str(
        refusal.value
    )
    assert telephony.sent == []


def test_refusals_are_specific(services, telephony):
    with pytest.raises(Rejected, match="premium-rate"):
        services.messaging.send("UBOB", CHANNEL, NumberTarget("09065 123456"), "hi")
    with pytest.raises(Rejected, match="only reaches GB"):
        services.messaging.send("UBOB", CHANNEL, NumberTarget("+33612345678"), "hi")
    with pytest.raises(Rejected, match=r"3 SMS segments .* most this bridge sends is 2"):
        services.messaging.send("UBOB", CHANNEL, NumberTarget("07700900123"), "x" * 400)
    assert telephony.sent == []


def test_an_opted_out_number_is_not_texted(services, telephony, clock):
    with services.db.transaction() as tx:
        tx.opt_outs.opt_out("+447700900123", "STOP", clock.now())
    with pytest.raises(Rejected, match="opted out"):
        services.messaging.send("UBOB", CHANNEL, NumberTarget("07700900123"), "hi")
    assert telephony.sent == []


def test_a_failed_send_shows_on_the_message_and_tells_the_user(services, telephony, chat):
    telephony.failure = ServiceUnavailable("connection refused")
    with pytest.raises(Rejected, match="was not sent: Web21C can't be reached"):
        services.messaging.send("UBOB", CHANNEL, NumberTarget("07700900123"), "hi")
    (parent,) = chat.top_level(CHANNEL)
    (post,) = chat.thread(CHANNEL, parent.ts)
    assert "not sent" in post.text


def test_delivery_states_show_on_the_bridge_post(services, telephony, chat):
    services.messaging.send("UBOB", CHANNEL, NumberTarget("07700900123"), "hi")
    with services.db.transaction() as tx:
        message = tx.messages.by_web21c_id("out", telephony.sent[0].message_id)
    delivered = [DeliveryStatus("tel:+447700900123", MessageStatus.DELIVERED)]
    assert services.messaging.apply_statuses(message, delivered)
    assert not services.messaging.apply_statuses(message, delivered)  # no change, no edit
    post = chat.messages[(CHANNEL, message.slack_ts)]
    assert "delivered" in post.text


def test_a_thread_reply_is_texted_and_its_state_shown_as_a_reaction(services, telephony, chat):
    services.messaging.send("UBOB", CHANNEL, NumberTarget("07700900123"), "hi")
    (parent,) = chat.top_level(CHANNEL)
    reply_ts = chat.post(CHANNEL, "see you soon", thread_ts=parent.ts)
    services.messaging.reply("UALICE", CHANNEL, parent.ts, reply_ts, "see you soon", has_files=True)
    assert telephony.sent[-1].text == "see you soon"
    assert telephony.sent[-1].recipients == ["tel:+447700900123"]
    assert "hourglass_flowing_sand" in chat.reactions[(CHANNEL, reply_ts)]
    assert any("Only the text" in text for _, _, text in chat.ephemerals)
    with services.db.transaction() as tx:
        message = tx.messages.by_web21c_id("out", telephony.sent[-1].message_id)
    services.messaging.apply_statuses(
        message, [DeliveryStatus("tel:+447700900123", MessageStatus.DELIVERED)]
    )
    assert chat.reactions[(CHANNEL, reply_ts)] == {"white_check_mark"}


def test_replies_in_other_threads_are_ignored(services, telephony, chat):
    ts = chat.post(CHANNEL, "lunch?")
    services.messaging.reply("UALICE", CHANNEL, ts, "1.1", "yes", has_files=False)
    assert telephony.sent == []


def test_a_long_reply_says_how_many_segments_it_took(services, telephony, chat):
    services.messaging.send("UBOB", CHANNEL, NumberTarget("07700900123"), "hi")
    (parent,) = chat.top_level(CHANNEL)
    long_text = "x" * 200
    reply_ts = chat.post(CHANNEL, long_text, thread_ts=parent.ts)
    services.messaging.reply("UALICE", CHANNEL, parent.ts, reply_ts, long_text, has_files=False)
    assert telephony.sent[-1].text == long_text
    assert (CHANNEL, "UALICE", "Your reply went as 2 SMS segments (GSM-7).") in chat.ephemerals


def test_a_reply_over_the_limit_is_refused_and_marked(services, telephony, chat):
    services.messaging.send("UBOB", CHANNEL, NumberTarget("07700900123"), "hi")
    (parent,) = chat.top_level(CHANNEL)
    reply_ts = chat.post(CHANNEL, "y" * 500, thread_ts=parent.ts)
    services.messaging.reply("UALICE", CHANNEL, parent.ts, reply_ts, "y" * 500, has_files=False)
    assert len(telephony.sent) == 1
    assert "no_entry_sign" in chat.reactions[(CHANNEL, reply_ts)]
    assert any("most this bridge sends is 2" in text for _, _, text in chat.ephemerals)
