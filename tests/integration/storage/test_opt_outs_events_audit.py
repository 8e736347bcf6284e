"""Opt-outs, handled Slack events (with expiry) and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def test_opt_out_and_back_in(database):
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with database.transaction() as tx:
        assert tx.opt_outs.is_opted_out("+441") is False
        tx.opt_outs.opt_out("+441", "STOP", at)
        tx.opt_outs.opt_out("+441", "UNSUBSCRIBE", at + timedelta(hours=1))
        assert tx.opt_outs.is_opted_out("+441") is True
        kept = tx.opt_outs.get("+441")
        assert (kept.word, kept.opted_out_at) == ("STOP", at)
        assert tx.opt_outs.opt_in("+441") is True
        assert tx.opt_outs.opt_in("+441") is False
        assert tx.opt_outs.is_opted_out("+441") is False


def test_an_event_is_handled_the_first_time_only(database):
    with database.transaction() as tx:
        assert tx.events.first_time("Ev1", 600) is True
        assert tx.events.first_time("Ev1", 600) is False
        assert tx.events.first_time("Ev2", 600) is True
    with database.transaction() as tx:
        assert tx.events.first_time("Ev1", 600) is False


def test_an_expired_event_id_counts_as_new_and_purging_forgets_it(database):
    with database.transaction() as tx:
        assert tx.events.first_time("Ev1", 0) is True
        assert tx.events.first_time("Ev1", 0) is True
        assert tx.events.first_time("Ev2", 600) is True
    with database.transaction() as tx:
        assert tx.events.purge_expired(datetime.now(UTC) + timedelta(seconds=1)) == 1
        assert tx.events.first_time("Ev2", 600) is False
        assert tx.events.purge_expired(datetime.now(UTC) + timedelta(hours=1)) == 1


def test_audit_log_newest_first(database):
    with database.transaction() as tx:
        tx.audit.record("U1", "sms", "+441", "on my way")
        tx.audit.record("U2", "call", "+442")
    with database.transaction() as tx:
        entries = tx.audit.recent(10)
        assert [(e.actor, e.action, e.target, e.detail) for e in entries] == [
            ("U2", "call", "+442", ""),
            ("U1", "sms", "+441", "on my way"),
        ]
        assert len(tx.audit.recent(1)) == 1
        assert entries[0].at.tzinfo == UTC
