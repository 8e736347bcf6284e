"""What every repository shares: the transaction's connection, the clock, upserts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


class Repository:
    """Reads and writes one part of the schema inside the caller's transaction."""

    def __init__(self, connection: Connection, clock: Callable[[], datetime]):
        self._conn = connection
        self._now = clock

    # Prepared statements, built once per dialect: see _prepared.
    _statements: ClassVar[dict[tuple[str, str], Any]] = {}

    def _prepared(self, name: str, build: Callable[[], Any]) -> Any:
        """A statement built once and reused, its values supplied at execution time. On the
        hot paths this skips rebuilding the statement tree (and re-deriving its cache key),
        which costs more than SQLite takes to run it."""
        key = (f"{type(self).__name__}.{name}", self._conn.dialect.name)
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = build()
        return statement

    def _upsert(self, table: Table) -> Any:
        """An INSERT that understands ON CONFLICT, in this database's dialect."""
        if self._conn.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)
