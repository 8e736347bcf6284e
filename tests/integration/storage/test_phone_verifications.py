"""Pending phone verifications on both databases, and migration 0004's handling of numbers
registered before verification existed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from storage import Database
from storage.migrate import upgrade
from storage.records import DirectorySource

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_wrong_tries_count_across_new_codes_and_a_lapsed_lock_is_cleared(database):
    with database.transaction() as tx:
        tx.verifications.start("U1", "+447700900123", "s$h1", T0, T0 + timedelta(minutes=10))
        assert tx.verifications.wrong_try("U1", 3, T0 + timedelta(minutes=30)) == 1
        again = tx.verifications.start("U1", "+447700900123", "s$h2", T0, T0)
    assert (again.attempts, again.code_hash, again.locked_until) == (1, "s$h2", None)
    with database.transaction() as tx:
        tx.verifications.wrong_try("U1", 3, T0 + timedelta(minutes=30))
        assert tx.verifications.wrong_try("U1", 3, T0 + timedelta(minutes=30)) == 3
        locked = tx.verifications.pending("U1")
    assert locked.locked_until == T0 + timedelta(minutes=30)
    assert locked.code_hash is None  # a locked-out code is void, not just waiting
    with database.transaction() as tx:  # after the cooling-off: a fresh start
        fresh = tx.verifications.start("U1", "+447700900124", "s$h3", T0 + timedelta(hours=1), T0)
    assert (fresh.attempts, fresh.phone_number, fresh.locked_until) == (0, "+447700900124", None)
    with database.transaction() as tx:
        tx.verifications.withdraw_code("U1")
        assert tx.verifications.pending("U1").code_hash is None
        assert tx.verifications.finish("U1") is True
        assert tx.verifications.pending("U1") is None


def test_numbers_registered_before_0004_wait_for_verification(database_url):
    upgrade(database_url, "0002")
    db = Database(database_url)
    try:
        with db.engine.begin() as connection:
            for user, number, source in (
                ("U1", "+447700900001", "registered"),
                ("U2", "+447700900002", "profile"),
            ):
                connection.execute(
                    text(
                        "INSERT INTO directory (slack_user_id, phone_number, source, updated_at)"
                        " VALUES (:user, :number, :source, :at)"
                    ),
                    {"user": user, "number": number, "source": source, "at": T0},
                )
        upgrade(database_url)
        with db.transaction() as tx:
            assert tx.directory.number_for("U1") is None
            pending = tx.verifications.pending("U1")
            assert (pending.phone_number, pending.code_hash) == ("+447700900001", None)
            assert tx.directory.number_for("U2").source is DirectorySource.PROFILE
            assert tx.directory.owner_of("+447700900001") is None
            tx.directory.set_number("U3", "+447700900003", DirectorySource.VERIFIED)
    finally:
        db.close()
