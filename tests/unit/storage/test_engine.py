"""Engine set-up: URL spelling, SQLite pragmas, and in-memory databases for quick tests."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage import Database
from storage.engine import create_engine, is_memory_sqlite, is_sqlite, normalise_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("sqlite:///bridge.db", "sqlite:///bridge.db"),
    ],
)
def test_postgres_urls_use_psycopg_3(given, expected):
    assert normalise_url(given) == expected


def test_kinds_of_url():
    assert is_sqlite("sqlite:///x.db") and not is_memory_sqlite("sqlite:///x.db")
    assert is_memory_sqlite("sqlite://") and is_memory_sqlite("sqlite:///:memory:")
    assert not is_sqlite("postgresql://u@h/db")


def test_other_databases_are_refused():
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        create_engine("mysql://u@h/db")


def test_sqlite_file_gets_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'bridge.db'}")
    try:
        with engine.connect() as connection:
            pragma = {
                name: connection.execute(text(f"PRAGMA {name}")).scalar_one()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        engine.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 10000,
        "synchronous": 1,
    }


def test_in_memory_database_is_shared_across_transactions():
    with Database("sqlite://") as database:
        database.create_schema()
        with database.transaction() as tx:
            tx.routes.set("help", "C1", "U1")
        with database.transaction() as tx:
            assert tx.routes.channel_for("help") == "C1"
