"""What every repository shares: the transaction's connection, the clock, upserts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


class Repository:
    """Reads and writes one part of the schema inside the caller's transaction."""

    def __init__(self, connection: Connection, clock: Callable[[], datetime]):
        self._conn = connection
        self._now = clock

    def _upsert(self, table: Table) -> Any:
        """An INSERT that understands ON CONFLICT, in this database's dialect."""
        if self._conn.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)
