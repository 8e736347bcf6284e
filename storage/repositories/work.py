"""The work queue: requests acknowledged by a front end, waiting for (or in the hands of)
a worker. Any number of processes may take work from it: each item is claimed by one
conditional UPDATE, so of two claimants exactly one gets it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select, update

from storage.models import WorkRow
from storage.records import WorkItem
from storage.repositories.base import Repository

_t = WorkRow.__table__
_INSERT = "INSERT INTO work_queue (kind, payload, created_at) VALUES ({0}, {0}, {0})"
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class WorkRepository(Repository):
    def add(self, kind: str, payload: dict[str, Any]) -> None:
        """Queue one request."""
        self.add_many([(kind, payload)])

    def add_many(self, requests: list[tuple[str, dict[str, Any]]]) -> None:
        """Queue requests in one executemany straight to the driver: the process doing this
        is the one answering Slack, and SQLAlchemy's per-row work for a few dozen rows (tens
        of microseconds each, holding the GIL) is what its next answer would wait for."""
        if not requests:
            return
        created_at = self._bind("created_at")(self._now())
        self._conn.exec_driver_sql(
            _INSERT.format(_PLACEHOLDERS[self._conn.dialect.paramstyle]),
            [
                (kind, json.dumps(payload, separators=(",", ":")), created_at)
                for kind, payload in requests
            ],
        )

    def _bind(self, column: str) -> Any:
        """The column type's conversion to what this database's driver takes."""
        dialect = self._conn.dialect
        processor = _t.c[column].type.bind_processor(dialect)
        return processor or (lambda value: value)

    def claim(self, holder: str, limit: int) -> list[WorkItem]:
        """Up to `limit` waiting items, oldest first, now marked as started by `holder`."""
        rows = self._conn.execute(
            select(_t).where(_t.c.started_at.is_(None)).order_by(_t.c.id).limit(limit)
        ).all()
        now = self._now()
        claimed = []
        for row in rows:
            taken = self._conn.execute(
                update(_t)
                .where(_t.c.id == row.id, _t.c.started_at.is_(None))
                .values(started_at=now, started_by=holder)
            )
            if taken.rowcount == 1:
                claimed.append(_item(row, started_at=now))
        return claimed

    def finish(self, item_id: int) -> None:
        self._conn.execute(delete(_t).where(_t.c.id == item_id))

    def started_before(self, cutoff: datetime) -> list[WorkItem]:
        """Items started before `cutoff` and never finished: their worker stopped mid-way."""
        rows = self._conn.execute(
            select(_t).where(_t.c.started_at < cutoff).order_by(_t.c.id)
        ).all()
        return [_item(row) for row in rows]

    def outstanding(self) -> int:
        """Items not yet finished, started or not."""
        return self._conn.execute(select(func.count()).select_from(_t)).scalar_one()

    def waiting(self) -> tuple[int, datetime | None]:
        """How many items wait to be started, and since when the oldest has."""
        count, oldest = self._conn.execute(
            select(func.count(), func.min(_t.c.created_at)).where(_t.c.started_at.is_(None))
        ).one()
        return count, oldest


def _item(row: Row, started_at: datetime | None = None) -> WorkItem:
    return WorkItem(
        id=row.id,
        kind=row.kind,
        payload=json.loads(row.payload),
        created_at=row.created_at,
        started_at=started_at or row.started_at,
    )
