"""Claims on an inbound text's Slack post: one attempt at a time, across processes too, until
the claim is older than the in-flight window or Slack has answered it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _text(database):
    with database.transaction() as tx:
        message, _ = tx.messages.record_inbound("m1", "help", "tel:+447700900001", "hi", NOW)
    return message.id


def _claim(database, message_id, stale_before):
    with database.transaction() as tx:
        return tx.messages.claim_post(message_id, stale_before)


def test_a_fresh_claim_blocks_a_second_attempt_until_it_is_stale(database):
    message_id = _text(database)
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    assert _claim(database, message_id, long_ago)
    assert not _claim(database, message_id, long_ago)  # the first may still land
    assert _claim(database, message_id, datetime.now(UTC) + timedelta(seconds=1))


def test_an_answered_attempt_frees_the_claim_but_keeps_the_post_started_mark(database):
    message_id = _text(database)
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    assert _claim(database, message_id, long_ago)
    with database.transaction() as tx:
        tx.messages.expire_post_claim(message_id, long_ago)
        assert tx.messages.get(message_id).post_started_at == long_ago  # still looked for
    assert _claim(database, message_id, long_ago + timedelta(seconds=1))


def test_a_posted_text_cannot_be_claimed(database):
    message_id = _text(database)
    with database.transaction() as tx:
        conversation, _ = tx.conversations.get_or_create("+447700900001", "C1")
        tx.messages.mark_posted(message_id, conversation.id, "C1", "1.0")
    assert not _claim(database, message_id, datetime.now(UTC) + timedelta(days=1))
