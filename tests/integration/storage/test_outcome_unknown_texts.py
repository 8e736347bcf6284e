"""A text whose send was never answered: marked unknown only while Web21C has said nothing
of it, and settled (with the messageId it was sent under) by the first word from Web21C."""

from __future__ import annotations

from bot.core.domain import MessageStatus

URI = "tel:+447700900123"


def _pending(tx, token="tok-1"):
    conversation, _ = tx.conversations.get_or_create("+447700900123", "C1")
    return tx.messages.record_outbound(
        None, conversation.id, "C1", f"{token}.0", "hello", "U1", [URI], token, bridge_post=True
    )


def test_an_unanswered_send_is_marked_then_settled_by_its_callback(database):
    with database.transaction() as tx:
        text = _pending(tx)
        assert tx.messages.mark_outcome_unknown(text.id)
        assert tx.messages.get(text.id).outcome_unknown
        assert tx.messages.outbound_awaiting_delivery() == []  # no id: nothing to poll with
    with database.transaction() as tx:
        assert tx.messages.settle(text.id, "msg-7")
        assert not tx.messages.settle(text.id, "msg-8")  # settled once; the first id stays
        settled = tx.messages.get(text.id)
    assert not settled.outcome_unknown and settled.web21c_message_id == "msg-7"


def test_a_text_web21c_already_spoke_of_is_not_marked_unknown(database):
    with database.transaction() as tx:
        by_id = _pending(tx, "tok-1")
        by_status = _pending(tx, "tok-2")
        tx.messages.set_web21c_id(by_id.id, "msg-1")
        tx.messages.set_recipient_status(by_status.id, URI, MessageStatus.SENT)
    with database.transaction() as tx:
        assert not tx.messages.mark_outcome_unknown(by_id.id)
        assert not tx.messages.mark_outcome_unknown(by_status.id)
        assert not tx.messages.get(by_id.id).outcome_unknown
        assert not tx.messages.get(by_status.id).outcome_unknown
