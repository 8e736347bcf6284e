"""The unit of work: commit on exit, roll back on error, records that outlive the session."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError


def test_commits_when_the_block_ends(database):
    with database.transaction() as tx:
        tx.routes.set("help", "C1", "U1")
    with database.transaction() as tx:
        assert tx.routes.channel_for("help") == "C1"


def test_rolls_back_everything_when_the_block_raises(database):
    with pytest.raises(RuntimeError), database.transaction() as tx:
        tx.routes.set("help", "C1", "U1")
        tx.audit.record("U1", "route", "help")
        raise RuntimeError("boom")
    with database.transaction() as tx:
        assert tx.routes.all() == []
        assert tx.audit.recent() == []


def test_a_constraint_violation_rolls_back_the_whole_transaction(database):
    with pytest.raises(IntegrityError), database.transaction() as tx:
        tx.calls.add("call-1", "tel:+441", "tel:+442", "U1", "C1")
        tx.calls.add("call-1", "tel:+441", "tel:+442", "U1", "C1")
    with database.transaction() as tx:
        assert tx.calls.get("call-1") is None


def test_records_are_frozen_and_usable_after_the_transaction(database):
    with database.transaction() as tx:
        route = tx.routes.set("help", "C1", "U1")
    assert route.channel_id == "C1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        route.channel_id = "C2"


def test_times_come_back_aware_and_in_utc(database):
    paris = timezone(timedelta(hours=1))
    sent = datetime(2026, 3, 1, 13, 30, 15, 123456, tzinfo=paris)
    with database.transaction() as tx:
        message, _ = tx.messages.record_inbound("m1", "help", "tel:+441", "hi", sent)
    with database.transaction() as tx:
        stored = tx.messages.get(message.id)
    assert stored.received_at == sent
    assert stored.received_at.tzinfo == UTC
    assert stored.received_at.hour == 12
    assert stored.created_at.tzinfo == UTC


def test_naive_datetimes_are_refused(database):
    with pytest.raises(Exception, match="naive datetime"), database.transaction() as tx:
        tx.messages.record_inbound("m1", "help", "tel:+441", "hi", datetime(2026, 3, 1))


def test_ping_answers_true(database):
    assert database.ping() is True
