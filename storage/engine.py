"""Engines for the two databases the bridge supports, each set up the way the bridge needs.

SQLite (the embedded default): WAL so readers never wait for the writer, foreign keys on,
a busy timeout so concurrent writers queue instead of failing, synchronous=NORMAL (safe with
WAL; a power cut can lose the last commits but never corrupts). Every transaction starts with
BEGIN IMMEDIATE: it takes the write lock up front, so a read-then-write transaction waits
for the busy timeout instead of failing with "database is locked" half-way through.

PostgreSQL: psycopg 3, with pre-ping so a restarted server costs one retry, not an error.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 10_000


def normalise_url(url: str) -> str:
    """Spell PostgreSQL URLs with the psycopg 3 driver, as bot.config does for DATABASE_URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def is_memory_sqlite(url: str) -> bool:
    parsed = make_url(normalise_url(url))
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url` (sqlite:///path, sqlite:// in memory, or postgresql://...)."""
    url = normalise_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, **kwargs)
    if backend == "postgresql":
        return sa_create_engine(url, pool_pre_ping=True, **kwargs)
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    if is_memory_sqlite(url):
        # One shared connection, so every transaction sees the same in-memory database.
        kwargs = {
            "poolclass": StaticPool,
            "connect_args": {"check_same_thread": False},
            **kwargs,
        }
    engine = sa_create_engine(url, **kwargs)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite_connection(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _begin_immediate)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
    finally:
        cursor.close()


def _begin_immediate(connection: Any) -> None:
    # Straight to the driver: going through SQLAlchemy's execution path for a fixed statement
    # costs about a tenth of a millisecond per transaction for nothing.
    connection.connection.driver_connection.execute("BEGIN IMMEDIATE")
