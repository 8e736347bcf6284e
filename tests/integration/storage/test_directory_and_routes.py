"""Directory (Slack user <-> phone number) and inbound routes (keyword -> channel)."""

from __future__ import annotations

from storage.records import DirectorySource


def test_number_and_user_lookups_both_ways(database):
    with database.transaction() as tx:
        entry = tx.directory.set_number("U1", "+447700900001", "registered")
    assert entry.source is DirectorySource.REGISTERED
    with database.transaction() as tx:
        assert tx.directory.number_for("U1").phone_number == "+447700900001"
        assert tx.directory.user_for("+447700900001").slack_user_id == "U1"
        assert tx.directory.number_for("U2") is None
        assert tx.directory.user_for("+447700900999") is None


def test_setting_a_number_again_replaces_it(database):
    with database.transaction() as tx:
        tx.directory.set_number("U1", "+447700900001", DirectorySource.PROFILE)
        tx.directory.set_number("U1", "+447700900002", DirectorySource.PROFILE)
    with database.transaction() as tx:
        assert tx.directory.number_for("U1").phone_number == "+447700900002"
        assert tx.directory.user_for("+447700900001") is None


def test_a_profile_number_never_replaces_a_registered_one(database):
    with database.transaction() as tx:
        tx.directory.set_number("U1", "+447700900001", DirectorySource.REGISTERED)
        kept = tx.directory.set_number("U1", "+447700900002", DirectorySource.PROFILE)
    assert kept.phone_number == "+447700900001"
    assert kept.source is DirectorySource.REGISTERED
    with database.transaction() as tx:
        replaced = tx.directory.set_number("U1", "+447700900003", DirectorySource.REGISTERED)
    assert replaced.phone_number == "+447700900003"


def test_a_shared_number_resolves_to_the_user_who_registered_it(database):
    with database.transaction() as tx:
        tx.directory.set_number("U1", "+447700900001", DirectorySource.PROFILE)
        tx.directory.set_number("U2", "+447700900001", DirectorySource.REGISTERED)
        tx.directory.set_number("U3", "+447700900001", DirectorySource.PROFILE)
    with database.transaction() as tx:
        assert tx.directory.user_for("+447700900001").slack_user_id == "U2"
        assert tx.directory.remove("U2") is True
        assert tx.directory.remove("U2") is False
        assert tx.directory.user_for("+447700900001").slack_user_id in ("U1", "U3")


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
