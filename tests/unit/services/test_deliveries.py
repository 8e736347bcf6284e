import json

from bot.core.commands import NumberTarget
from bot.core.domain import DeliveryStatus, MessageStatus
from tests.unit.services.conftest import CHANNEL


def _send(services, telephony):
    services.messaging.send("UALICE", CHANNEL, NumberTarget("07700900123"), "hello")
    with services.db.transaction() as tx:
        return tx.messages.by_web21c_id("out", telephony.sent[-1].message_id)


def test_polling_follows_a_text_until_it_is_final(services, telephony, chat):
    message = _send(services, telephony)
    telephony.statuses[message.web21c_message_id] = [
        DeliveryStatus("tel:+447700900123", MessageStatus.DELIVERED)
    ]
    assert services.deliveries.poll() == 1
    assert "delivered" in chat.messages[(CHANNEL, message.slack_ts)].text
    assert services.deliveries.poll() == 0  # final: not asked again


def test_a_callback_with_the_messages_token_applies_its_state(services, telephony, chat):
    message = _send(services, telephony)
    body = json.dumps(
        {
            "messageId": message.web21c_message_id,
            "destinationUri": "tel:+447700900123",
            "messageStatus": "Failed",
            "time": "2026-11-26T12:00:00Z",
        }
    ).encode()
    result = services.deliveries.on_callback(message.event_token, body)
    assert result.status == 200
    assert "failed" in chat.messages[(CHANNEL, message.slack_ts)].text


def test_bad_callbacks_change_nothing(services, telephony, chat):
    message = _send(services, telephony)
    good = {
        "messageId": message.web21c_message_id,
        "destinationUri": "tel:+447700900123",
        "messageStatus": "Delivered",
    }
    assert services.deliveries.on_callback("not-a-token", json.dumps(good).encode()).status == 404
    assert services.deliveries.on_callback("", json.dumps(good).encode()).status == 404
    cases = [
        b"not json",
        b"[]",
        json.dumps({**good, "messageStatus": "Lost"}).encode(),
        json.dumps({**good, "messageId": "someone-else"}).encode(),
        json.dumps({"messageId": 3}).encode(),
        b"{" * 20000,
        b"[" * 5000,  # small enough to parse, deep enough to exhaust the decoder's stack
        json.dumps({**good, "destinationUri": "tel:+447700900999"}).encode(),
    ]
    for body in cases:
        result = services.deliveries.on_callback(message.event_token, body)
        assert result.status in (400, 413), body[:40]
    with services.db.transaction() as tx:
        (recipient,) = tx.messages.recipients(message.id)
    assert recipient.status is MessageStatus.INITIAL


def test_a_callback_that_beats_sendmessages_answer_still_finds_its_message(
    services, telephony, chat
):
    """Web21C may call back before its sendMessage answer reaches the bridge."""
    original = telephony.send_message
    results = []

    def send_and_call_back(recipient_uris, sender, text, event_url=None):
        message_id = original(recipient_uris, sender, text, event_url)
        with services.db.transaction() as tx:  # the text as recorded before it was sent
            pending = tx.messages.get(1)  # the only text so far
        assert pending.web21c_message_id is None
        body = {
            "messageId": message_id,
            "destinationUri": recipient_uris[0],
            "messageStatus": "Delivered",
        }
        results.append(
            services.deliveries.on_callback(pending.event_token, json.dumps(body).encode()).status
        )
        return message_id

    telephony.send_message = send_and_call_back
    services.messaging.send("UALICE", CHANNEL, NumberTarget("07700900123"), "quick")
    assert results == [200]
    with services.db.transaction() as tx:
        message = tx.messages.by_web21c_id("out", telephony.sent[-1].message_id)
        (recipient,) = tx.messages.recipients(message.id)
    assert recipient.status is MessageStatus.DELIVERED
