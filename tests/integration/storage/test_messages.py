"""Messages: idempotent inbound recording, the post/clear steps, outbound delivery tracking,
and uniqueness from the Web21C side, the Slack side and the callback token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.core.domain import MessageStatus
from storage.records import Direction

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _inbound(tx, web21c_id="m1", keyword="help", at=NOW, text="hello"):
    return tx.messages.record_inbound(web21c_id, keyword, "tel:+447700900001", text, at)


def _outbound(tx, web21c_id="out-1", slack_ts="2.0", token="tok-1", uris=("tel:+441",)):
    conversation, _ = tx.conversations.get_or_create("+441", "C1")
    return tx.messages.record_outbound(
        web21c_id, conversation.id, "C1", slack_ts, "reply", "U1", list(uris), token
    )


def test_recording_the_same_inbound_message_twice_stores_it_once(database):
    with database.transaction() as tx:
        first, created = _inbound(tx)
    with database.transaction() as tx:
        again, created_again = _inbound(tx, text="a different body")
    assert created is True and created_again is False
    assert again == first
    assert again.text == "hello"
    assert first.direction is Direction.INBOUND
    assert first.keyword == "help"
    with database.transaction() as tx:
        assert len(tx.messages.unposted_inbound(10)) == 1


def test_the_same_web21c_id_may_exist_once_per_direction(database):
    with database.transaction() as tx:
        _inbound(tx, web21c_id="same")
        _outbound(tx, web21c_id="same")
        assert tx.messages.by_web21c_id("in", "same").direction is Direction.INBOUND
        assert tx.messages.by_web21c_id(Direction.OUTBOUND, "same").direction is Direction.OUTBOUND
    with pytest.raises(IntegrityError), database.transaction() as tx:
        _outbound(tx, web21c_id="same", slack_ts="3.0", token="tok-2")


def test_inbound_goes_from_recorded_to_posted_to_cleared(database):
    with database.transaction() as tx:
        later, _ = _inbound(tx, web21c_id="m2", at=NOW + timedelta(seconds=5))
        earlier, _ = _inbound(tx, web21c_id="m1", at=NOW)
        other_keyword, _ = _inbound(tx, web21c_id="m3", keyword="SALES")
        conversation, _ = tx.conversations.get_or_create("+447700900001", "C1")
    with database.transaction() as tx:
        assert [m.id for m in tx.messages.unposted_inbound(10)] == [
            earlier.id,
            other_keyword.id,
            later.id,
        ]
        assert [m.id for m in tx.messages.unposted_inbound(1)] == [earlier.id]
        assert tx.messages.mark_posted(earlier.id, conversation.id, "C1", "1.1") is True
        assert tx.messages.mark_posted(earlier.id, conversation.id, "C1", "1.9") is False
    with database.transaction() as tx:
        posted = tx.messages.by_slack("C1", "1.1")
        assert posted.id == earlier.id
        assert posted.conversation_id == conversation.id
        assert posted.posted_at is not None
        assert [m.id for m in tx.messages.unposted_inbound(10)] == [other_keyword.id, later.id]
        assert [m.id for m in tx.messages.posted_uncleared("HELP", 10)] == [earlier.id]
        assert tx.messages.posted_uncleared("sales", 10) == []
        assert tx.messages.mark_cleared([earlier.id]) == 1
        assert tx.messages.mark_cleared([earlier.id]) == 0
        assert tx.messages.mark_cleared([]) == 0
    with database.transaction() as tx:
        assert tx.messages.posted_uncleared("help", 10) == []
        assert tx.messages.get(earlier.id).cleared_at is not None


def test_a_slack_message_maps_to_one_stored_message(database):
    with database.transaction() as tx:
        first, _ = _inbound(tx, web21c_id="m1")
        second, _ = _inbound(tx, web21c_id="m2")
        conversation, _ = tx.conversations.get_or_create("+447700900001", "C1")
        tx.messages.mark_posted(first.id, conversation.id, "C1", "1.1")
    with pytest.raises(IntegrityError), database.transaction() as tx:
        tx.messages.mark_posted(second.id, conversation.id, "C1", "1.1")


def test_outbound_is_findable_from_every_side(database):
    with database.transaction() as tx:
        sent = _outbound(tx, uris=["tel:+441", "tel:+442", "tel:+441"])
    assert sent.direction is Direction.OUTBOUND
    assert sent.posted_at is not None
    with database.transaction() as tx:
        assert tx.messages.by_event_token("tok-1").id == sent.id
        assert tx.messages.by_web21c_id("out", "out-1").id == sent.id
        assert tx.messages.by_slack("C1", "2.0").id == sent.id
        assert tx.messages.by_event_token("nope") is None
        recipients = tx.messages.recipients(sent.id)
    assert [(r.destination_uri, r.status) for r in recipients] == [
        ("tel:+441", MessageStatus.INITIAL),
        ("tel:+442", MessageStatus.INITIAL),
    ]


def test_event_tokens_are_unique(database):
    with database.transaction() as tx:
        _outbound(tx, web21c_id="a", slack_ts="1.0", token="same")
    with pytest.raises(IntegrityError), database.transaction() as tx:
        _outbound(tx, web21c_id="b", slack_ts="2.0", token="same")


def test_outbound_recorded_before_web21c_answers_gets_its_id_later(database):
    with database.transaction() as tx:
        sent = _outbound(tx, web21c_id=None)
        assert tx.messages.outbound_awaiting_delivery(10) == []
        tx.messages.set_web21c_id(sent.id, "late-id")
        assert [m.id for m in tx.messages.outbound_awaiting_delivery(10)] == [sent.id]
        assert tx.messages.by_web21c_id("out", "late-id").id == sent.id


def test_delivery_status_changes_until_final(database):
    with database.transaction() as tx:
        sent = _outbound(tx, uris=["tel:+441", "tel:+442"])
    with database.transaction() as tx:
        set_status = tx.messages.set_recipient_status
        assert set_status(sent.id, "tel:+441", MessageStatus.SENT) is True
        assert set_status(sent.id, "tel:+441", "Sent") is False
        assert set_status(sent.id, "tel:+441", MessageStatus.DELIVERED) is True
        assert set_status(sent.id, "tel:+441", MessageStatus.RETRYING) is False
        assert set_status(sent.id, "tel:+441", MessageStatus.FAILED) is False
        assert set_status(sent.id, "tel:+449", MessageStatus.SENT) is False
        statuses = {r.destination_uri: r.status for r in tx.messages.recipients(sent.id)}
    assert statuses == {"tel:+441": MessageStatus.DELIVERED, "tel:+442": MessageStatus.INITIAL}


def test_awaiting_delivery_lists_messages_with_a_non_final_recipient(database):
    with database.transaction() as tx:
        done = _outbound(tx, web21c_id="a", slack_ts="1.0", token="t1", uris=["tel:+441"])
        pending = _outbound(
            tx, web21c_id="b", slack_ts="2.0", token="t2", uris=["tel:+441", "tel:+442"]
        )
        _inbound(tx)
        tx.messages.set_recipient_status(done.id, "tel:+441", MessageStatus.BLOCKED)
        tx.messages.set_recipient_status(pending.id, "tel:+441", MessageStatus.DELIVERED)
        assert [m.id for m in tx.messages.outbound_awaiting_delivery(10)] == [pending.id]
        tx.messages.set_recipient_status(pending.id, "tel:+442", MessageStatus.FAILED)
        assert tx.messages.outbound_awaiting_delivery(10) == []


def test_a_started_post_is_remembered_until_posted(database):
    with database.transaction() as tx:
        message, _ = _inbound(tx)
        conversation, _ = tx.conversations.get_or_create("+447700900001", "C1")
        assert message.post_started_at is None and message.bridge_post is True
        assert tx.messages.mark_post_started(message.id) is True
    with database.transaction() as tx:
        (pending,) = tx.messages.unposted_inbound(10)
        assert pending.post_started_at is not None
        tx.messages.mark_posted(message.id, conversation.id, "C1", "1.1")
        assert tx.messages.mark_post_started(message.id) is False


def test_outbound_remembers_whose_slack_message_it_is(database):
    with database.transaction() as tx:
        reply = _outbound(tx, web21c_id="a", slack_ts="1.0", token="t1")
        conversation, _ = tx.conversations.get_or_create("+441", "C1")
        own = tx.messages.record_outbound(
            "b", conversation.id, "C1", "2.0", "hi", "U1", ["tel:+441"], "t2", bridge_post=True
        )
    assert reply.bridge_post is False and own.bridge_post is True
