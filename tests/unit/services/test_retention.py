"""The retention service: who may forget a number, what the admin is told, what the audit log
keeps of it, and that a purge honours RETENTION_DAYS (off deletes nothing)."""

from __future__ import annotations

from datetime import timedelta

from bot.core.commands import ForgetNumber
from bot.services.dispatch import Invocation
from bot.services.retention import BATCH_PAUSE_SECONDS, FORGET_ACTION, Retention
from tests import history
from tests.unit.services.conftest import ADMIN, CHANNEL

NUMBER = "+447700900123"


def _seed(services, clock, days_ago: int, tag: str) -> None:
    with history.at(services.db.url, clock.now() - timedelta(days=days_ago)) as old:
        history.finished_inbound(old, NUMBER, CHANNEL, 2, tag)
        history.call(old, NUMBER, "+447700900456", f"{tag}-call")


def test_someone_not_an_admin_is_told_why_and_nothing_is_deleted(services, clock):
    _seed(services, clock, 1, "a")
    answer = services.dispatcher.run(Invocation("UALICE", CHANNEL), ForgetNumber(NUMBER))
    assert answer == (
        "Only admins can make the bridge forget a number (ask one of the people in ADMIN_USER_IDS)."
    )
    with services.db.transaction() as tx:
        assert tx.messages.by_web21c_id("in", "a-0") is not None
        assert [e.action for e in tx.audit.recent()] == []


def test_an_admin_is_told_what_went_and_the_audit_log_says_only_that_it_happened(services, clock):
    _seed(services, clock, 1, "a")
    with services.db.transaction() as tx:
        tx.opt_outs.opt_out(NUMBER, "STOP", clock.now())
    answer = services.dispatcher.run(Invocation(ADMIN, CHANNEL), ForgetNumber("07700 900123"))
    assert answer.startswith(
        "Forgot +447700900123: 2 texts, 1 call, 1 conversation, 0 notes, 0 conference "
        "invitations, "
        "0 directory entries. Its opt-out is kept: they texted STOP"
    )
    with services.db.transaction() as tx:
        entries = tx.audit.recent()
        assert tx.messages.by_web21c_id("in", "a-0") is None
        assert tx.opt_outs.is_opted_out(NUMBER)
    assert [(e.actor, e.action, e.target, e.detail) for e in entries] == [
        (ADMIN, FORGET_ACTION, "", "")
    ]


def test_a_number_that_is_not_one_is_refused_with_an_example(services):
    answer = services.dispatcher.run(Invocation(ADMIN, CHANNEL), ForgetNumber("pizza"))
    assert answer == "`pizza` is not a phone number. Example: `/sms forget +447700900123`"


def test_a_purge_deletes_only_what_is_older_than_the_retention_period(services, clock):
    _seed(services, clock, 31, "old")
    _seed(services, clock, 29, "young")
    off = Retention(services.db, clock, services.policy, None)
    assert off.purge().total == 0
    purged = Retention(services.db, clock, services.policy, 30).purge()
    assert (purged.texts, purged.calls) == (2, 1)
    with services.db.transaction() as tx:
        assert tx.messages.by_web21c_id("in", "old-0") is None
        assert tx.messages.by_web21c_id("in", "young-0") is not None
        assert tx.calls.get("old-call") is None and tx.calls.get("young-call") is not None


def test_a_purge_pauses_between_full_batches_so_waiting_writers_get_in(services, clock):
    with history.at(services.db.url, clock.now() - timedelta(days=40)) as old:
        history.finished_inbound(old, NUMBER, CHANNEL, 1001, "bulk")
    pauses: list[float] = []
    retention = Retention(services.db, clock, services.policy, 30, pause=pauses.append)
    assert retention.purge().texts == 1001
    assert pauses == [BATCH_PAUSE_SECONDS, BATCH_PAUSE_SECONDS]  # after each full batch only
