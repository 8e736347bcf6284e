import pytest

from bot.core.commands import NumberTarget
from bot.core.domain import ChatError, ServiceUnavailable
from tests.unit.services.conftest import CHANNEL

ECHO = "tel:+447700900000"


def _route(services, keyword="pizza", channel="COPS"):
    with services.db.transaction() as tx:
        tx.routes.set(keyword, channel, "UADMIN")


def test_a_new_sender_gets_a_thread_in_the_keyword_channel(services, telephony, chat):
    _route(services)
    telephony.receive("pizza", "tel:+447700900123", "pizza one margherita please")
    services.poll_inbound()
    (parent,) = chat.top_level("COPS")
    assert "+447700900123" in parent.text
    (text,) = chat.thread("COPS", parent.ts)
    assert text.text.endswith("pizza one margherita please")
    assert text.metadata["event_payload"]["message_id"]
    assert telephony.inbox["pizza"] == []  # cleared only after it was posted


def test_a_reply_from_a_sender_with_a_recent_conversation_goes_to_that_thread(
    services, telephony, chat
):
    _route(services, "bridge")  # the reply keyword
    services.messaging.send("UALICE", CHANNEL, NumberTarget("07700900123"), "are you coming?")
    telephony.receive("bridge", "tel:+447700900123", "bridge yes, 5 minutes")
    services.poll_inbound()
    assert chat.top_level("COPS") == []
    (parent,) = chat.top_level(CHANNEL)
    texts = [m.text for m in chat.thread(CHANNEL, parent.ts)]
    assert texts[-1].endswith("bridge yes, 5 minutes")


def test_a_routed_keyword_goes_to_its_channel_whatever_the_recent_conversation(
    services, telephony, chat
):
    _route(services)
    _route(services, "bridge", "CREPLIES")
    services.messaging.send("UALICE", CHANNEL, NumberTarget("07700900123"), "are you coming?")
    telephony.receive("pizza", "tel:+447700900123", "PIZZA card number 4929...")
    telephony.receive("bridge", "tel:+447700900123", "pizza: filed under the reply keyword")
    services.poll_inbound()
    (parent,) = chat.top_level("COPS")
    assert "+447700900123" in parent.text
    texts = sorted(m.text.split("*: ", 1)[1] for m in chat.thread("COPS", parent.ts))
    assert texts == ["PIZZA card number 4929...", "pizza: filed under the reply keyword"]
    (ours,) = chat.top_level(CHANNEL)
    assert len(chat.thread(CHANNEL, ours.ts)) == 1  # only the /sms itself
    assert chat.top_level("CREPLIES") == []


def test_a_reply_from_someone_nobody_texted_goes_to_the_reply_keywords_channel(
    services, telephony, chat
):
    _route(services, "bridge", "CREPLIES")
    telephony.receive("bridge", "tel:+447700900123", "bridge who is this?")
    services.poll_inbound()
    (parent,) = chat.top_level("CREPLIES")
    assert chat.thread("CREPLIES", parent.ts)[-1].text.endswith("bridge who is this?")


def test_a_known_number_is_headed_by_the_users_name(services, telephony, chat):
    _route(services)
    with services.db.transaction() as tx:
        tx.directory.set_number("UALICE", "+447700900001", "verified")
    telephony.receive("pizza", "tel:+447700900001", "pizza hello")
    services.poll_inbound()
    (parent,) = chat.top_level("COPS")
    assert "<@UALICE>" in parent.text and "+447700900001" in parent.text


def test_each_text_is_posted_once_however_often_it_is_fetched(services, telephony, chat):
    _route(services)
    telephony.receive("pizza", "tel:+447700900123", "pizza one")
    telephony.failure = None
    services.inbound.poll("pizza")
    # Web21C hands the same text out again if the clear was lost:
    telephony.receive("pizza", "tel:+447700900123", "pizza two")
    services.inbound.poll("pizza")
    services.inbound.poll("pizza")
    (parent,) = chat.top_level("COPS")
    assert [m.text.split(": ", 1)[1] for m in chat.thread("COPS", parent.ts)] == [
        "pizza one",
        "pizza two",
    ]


def test_a_text_that_cannot_be_posted_is_kept_and_not_cleared(services, telephony, chat):
    _route(services)
    chat.refuse["COPS"] = ChatError("is_archived", permanent=True)
    telephony.receive("pizza", "tel:+447700900123", "pizza hello")
    services.poll_inbound()
    services.poll_inbound()
    assert len(telephony.inbox["pizza"]) == 1
    assert services.metrics.value("bridge_post_failures_total", reason="is_archived") == 2
    del chat.refuse["COPS"]
    services.poll_inbound()
    assert telephony.inbox["pizza"] == []
    (parent,) = chat.top_level("COPS")
    assert len(chat.thread("COPS", parent.ts)) == 1


def test_removing_a_route_stops_fetching_its_keyword(services, telephony, chat):
    _route(services)
    with services.db.transaction() as tx:
        tx.routes.remove("pizza")
    telephony.receive("pizza", "tel:+447700900123", "pizza hello")
    services.poll_inbound()
    assert len(telephony.inbox["pizza"]) == 1
    assert chat.messages == {}


def test_stop_and_start_record_the_opt_out_and_show_it(services, telephony, chat):
    _route(services)
    telephony.receive("pizza", "tel:+447700900123", "pizza STOP")
    services.poll_inbound()
    with services.db.transaction() as tx:
        assert tx.opt_outs.is_opted_out("+447700900123")
    (parent,) = chat.top_level("COPS")
    assert "texted STOP" in chat.thread("COPS", parent.ts)[-1].text
    telephony.receive("pizza", "tel:+447700900123", "pizza start")
    services.poll_inbound()
    with services.db.transaction() as tx:
        assert not tx.opt_outs.is_opted_out("+447700900123")
    assert "texted START" in chat.thread("COPS", parent.ts)[-1].text


def test_a_web21c_outage_leaves_everything_in_place(services, telephony):
    _route(services)
    telephony.receive("pizza", "tel:+447700900123", "pizza hello")
    telephony.failure = ServiceUnavailable("timed out")
    with pytest.raises(ServiceUnavailable):
        services.poll_inbound()
    assert len(telephony.inbox["pizza"]) == 1


def test_markup_in_a_text_or_a_sender_address_is_posted_escaped(services, telephony, chat):
    _route(services)
    telephony.receive("pizza", "sip:<!here>@evil.example", "pizza <!channel> <@UADMIN> & co")
    telephony.receive("pizza", "sip:<!here>@evil.example", "pizza STOP")
    services.poll_inbound()
    (parent,) = chat.top_level("COPS")
    assert "<" not in parent.text and "&lt;!here&gt;" in parent.text
    text, _, note = (m.text for m in chat.thread("COPS", parent.ts))
    sender = "sip:&lt;!here&gt;@evil.example"
    assert text == f"*{sender}*: pizza &lt;!channel&gt; &lt;@UADMIN&gt; &amp; co"
    assert note.startswith(f":no_bell: {sender} texted STOP")
