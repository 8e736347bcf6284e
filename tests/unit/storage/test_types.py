"""UTCDateTime: aware UTC in, aware UTC out, naive refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from storage.types import UTCDateTime

TOKYO = timezone(timedelta(hours=9))


def test_sqlite_stores_naive_utc_and_gets_aware_utc_back():
    column = UTCDateTime()
    stored = column.process_bind_param(datetime(2026, 1, 1, 9, 0, tzinfo=TOKYO), sqlite.dialect())
    assert stored == datetime(2026, 1, 1, 0, 0)
    assert column.process_result_value(stored, sqlite.dialect()) == datetime(2026, 1, 1, tzinfo=UTC)


def test_postgresql_values_are_converted_to_utc():
    column = UTCDateTime()
    stored = column.process_bind_param(
        datetime(2026, 1, 1, 9, 0, tzinfo=TOKYO), postgresql.dialect()
    )
    assert stored.tzinfo == UTC and stored.hour == 0
    read = column.process_result_value(
        datetime(2026, 1, 1, 9, 0, tzinfo=TOKYO), postgresql.dialect()
    )
    assert read.tzinfo == UTC and read.hour == 0


def test_naive_datetimes_are_refused_and_none_passes_through():
    column = UTCDateTime()
    with pytest.raises(ValueError, match="naive datetime"):
        column.process_bind_param(datetime(2026, 1, 1), sqlite.dialect())
    assert column.process_bind_param(None, sqlite.dialect()) is None
    assert column.process_result_value(None, sqlite.dialect()) is None
