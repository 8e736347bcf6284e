"""Conversations: phone number + channel <-> Slack thread, unique both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError


def test_get_or_create_makes_one_per_number_and_channel(database):
    with database.transaction() as tx:
        first, created = tx.conversations.get_or_create("+447700900001", "C1")
        again, created_again = tx.conversations.get_or_create("+447700900001", "C1")
        other, created_other = tx.conversations.get_or_create("+447700900001", "C2")
    assert created and not created_again and created_other
    assert again.id == first.id
    assert other.id != first.id
    assert first.thread_ts is None


def test_thread_lookup(database):
    with database.transaction() as tx:
        conversation, _ = tx.conversations.get_or_create("+447700900001", "C1")
        tx.conversations.set_thread(conversation.id, "1700000000.000100")
    with database.transaction() as tx:
        found = tx.conversations.by_thread("C1", "1700000000.000100")
        assert found.id == conversation.id
        assert found.phone_number == "+447700900001"
        assert tx.conversations.by_thread("C2", "1700000000.000100") is None


def test_a_thread_belongs_to_one_conversation(database):
    with database.transaction() as tx:
        one, _ = tx.conversations.get_or_create("+447700900001", "C1")
        two, _ = tx.conversations.get_or_create("+447700900002", "C1")
        tx.conversations.set_thread(one.id, "1.0")
    with pytest.raises(IntegrityError), database.transaction() as tx:
        tx.conversations.set_thread(two.id, "1.0")


def test_latest_for_number_is_the_most_recently_active_since(database):
    start = datetime.now(UTC)
    with database.transaction() as tx:
        c1, _ = tx.conversations.get_or_create("+447700900001", "C1")
        c2, _ = tx.conversations.get_or_create("+447700900001", "C2")
        tx.conversations.touch(c1.id, start + timedelta(minutes=5))
        tx.conversations.touch(c2.id, start + timedelta(minutes=3))
    with database.transaction() as tx:
        assert tx.conversations.latest_for_number("+447700900001", start).id == c1.id
        tx.conversations.touch(c2.id, start + timedelta(minutes=9))
        assert tx.conversations.latest_for_number("+447700900001", start).id == c2.id
        assert (
            tx.conversations.latest_for_number("+447700900001", start + timedelta(hours=1)) is None
        )
        assert tx.conversations.latest_for_number("+447700900999", start) is None


def test_touch_never_moves_activity_backwards(database):
    later = datetime.now(UTC) + timedelta(hours=1)
    with database.transaction() as tx:
        conversation, _ = tx.conversations.get_or_create("+447700900001", "C1")
        tx.conversations.touch(conversation.id, later)
        tx.conversations.touch(conversation.id, later - timedelta(minutes=30))
        assert tx.conversations.get(conversation.id).last_activity_at == later


def test_one_opener_claims_a_thread_header_until_it_is_stored_or_stale(database):
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    with database.transaction() as tx:
        conversation, _ = tx.conversations.get_or_create("+447700900001", "C1")
    with database.transaction() as tx:
        assert tx.conversations.claim_thread_opening(conversation.id, long_ago)
    with database.transaction() as tx:
        assert not tx.conversations.claim_thread_opening(conversation.id, long_ago)
        assert tx.conversations.thread_opening_in("C1", long_ago)
        assert not tx.conversations.thread_opening_in("C2", long_ago)
    future = datetime.now(UTC) + timedelta(days=1)  # every claim so far is older: stale
    with database.transaction() as tx:
        assert not tx.conversations.thread_opening_in("C1", future)
        assert tx.conversations.claim_thread_opening(conversation.id, future)
        tx.conversations.set_thread(conversation.id, "1.0")
    with database.transaction() as tx:
        assert not tx.conversations.claim_thread_opening(conversation.id, future)
        assert not tx.conversations.thread_opening_in("C1", long_ago)


def test_a_released_claim_can_be_taken_at_once(database):
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    with database.transaction() as tx:
        conversation, _ = tx.conversations.get_or_create("+447700900001", "C1")
        assert tx.conversations.claim_thread_opening(conversation.id, long_ago)
        tx.conversations.release_thread_opening(conversation.id)
        assert tx.conversations.claim_thread_opening(conversation.id, long_ago)


def test_a_renewed_claim_is_fresh_again_and_renewing_never_claims(database):
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    with database.transaction() as tx:
        conversation, _ = tx.conversations.get_or_create("+447700900001", "C1")
        tx.conversations.renew_thread_opening(conversation.id)  # nobody's claim: no claim
        assert not tx.conversations.thread_opening_in("C1", long_ago)
        assert tx.conversations.claim_thread_opening(conversation.id, long_ago)
    claimed_at = datetime.now(UTC)
    with database.transaction() as tx:
        tx.conversations.renew_thread_opening(conversation.id)
        assert tx.conversations.thread_opening_in("C1", claimed_at)
        assert not tx.conversations.claim_thread_opening(conversation.id, claimed_at)
