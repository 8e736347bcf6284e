"""Directory (Slack user <-> phone number) and inbound routes (keyword -> channel)."""

from __future__ import annotations

from storage.records import DirectorySource


def test_number_and_user_lookups_both_ways(database):
    with database.transaction() as tx:
        entry = tx.directory.set_number("U1", "+447700900001", "verified")
    assert entry.source is DirectorySource.VERIFIED
    with database.transaction() as tx:
        assert tx.directory.number_for("U1").phone_number == "+447700900001"
        assert tx.directory.owner_of("+447700900001").slack_user_id == "U1"
        assert tx.directory.user_for("+447700900001").slack_user_id == "U1"
        assert tx.directory.number_for("U2") is None
        assert tx.directory.owner_of("+447700900999") is None


def test_setting_a_number_again_replaces_it(database):
    with database.transaction() as tx:
        tx.directory.set_number("U1", "+447700900001", DirectorySource.PROFILE)
        tx.directory.set_number("U1", "+447700900002", DirectorySource.PROFILE)
    with database.transaction() as tx:
        assert tx.directory.number_for("U1").phone_number == "+447700900002"
        assert tx.directory.user_for("+447700900001") is None


def test_a_profile_number_never_replaces_a_proven_one(database):
    for proven in (DirectorySource.VERIFIED, DirectorySource.ADMIN):
        with database.transaction() as tx:
            tx.directory.remove("U1")
            tx.directory.set_number("U1", "+447700900001", proven)
            kept = tx.directory.set_number("U1", "+447700900002", DirectorySource.PROFILE)
        assert (kept.phone_number, kept.source) == ("+447700900001", proven)
        with database.transaction() as tx:
            replaced = tx.directory.set_number("U1", "+447700900003", DirectorySource.VERIFIED)
        assert replaced.phone_number == "+447700900003"


def test_only_a_proven_number_says_who_someone_is(database):
    with database.transaction() as tx:
        tx.directory.set_number("U1", "+447700900001", DirectorySource.PROFILE)
    with database.transaction() as tx:
        assert tx.directory.owner_of("+447700900001") is None  # a profile proves nothing
        assert tx.directory.user_for("+447700900001").slack_user_id == "U1"
        tx.directory.set_number("U2", "+447700900001", DirectorySource.VERIFIED)
        tx.directory.set_number("U3", "+447700900001", DirectorySource.PROFILE)
    with database.transaction() as tx:
        assert tx.directory.owner_of("+447700900001").slack_user_id == "U2"
        assert tx.directory.forget_profile("U2") is False  # proven numbers are not forgotten
        assert tx.directory.forget_profile("U3") is True
        assert tx.directory.remove("U2") is True
        assert tx.directory.remove("U2") is False
        assert tx.directory.owner_of("+447700900001") is None


def test_routes_are_case_insensitive_and_upserted(database):
    with database.transaction() as tx:
        tx.routes.set("Help", "C1", "U1")
        assert tx.routes.channel_for("HELP") == "C1"
        route = tx.routes.set(" help ", "C2", "U2")
    assert (route.keyword, route.channel_id, route.created_by) == ("help", "C2", "U2")
    with database.transaction() as tx:
        tx.routes.set("sales", "C3", "U1")
        assert [r.keyword for r in tx.routes.all()] == ["help", "sales"]
        assert tx.routes.remove("HELP") is True
        assert tx.routes.remove("help") is False
        assert tx.routes.channel_for("help") is None
        assert [r.keyword for r in tx.routes.all()] == ["sales"]
