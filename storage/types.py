"""Column types shared by the models.

Every time the bridge stores is a timezone-aware UTC datetime. PostgreSQL keeps them as
`timestamptz`; SQLite has no such type and hands back naive values, so `UTCDateTime` strips
the zone on the way in (after converting to UTC) and puts UTC back on the way out. Naive
datetimes are refused on the way in: they are always a bug somewhere upstream.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: A 64-bit key on PostgreSQL; plain INTEGER on SQLite, where only that spelling autoincrements.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The application clock: now, in UTC."""
    return datetime.now(UTC)
