"""The work queue: requests acknowledged by a front end, waiting for (or in the hands of)
a worker. Any number of processes may take work from it.

A claim is one UPDATE whose WHERE clause holds the whole rule, re-checked on every row it
takes: the item is free (never claimed, or its claim expired) and no earlier item with its
ordering key is still in the table (finished items are deleted). On PostgreSQL the rows are
chosen with FOR UPDATE SKIP LOCKED, so two claimants never take one item and neither waits
for the other; SQLite's write lock (BEGIN IMMEDIATE) serialises claimants anyway.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, exists, func, or_, select, update

from storage.models import WorkRow
from storage.records import WorkItem
from storage.repositories.base import Repository

_t = WorkRow.__table__


class WorkRepository(Repository):
    def add(
        self,
        kind: str,
        payload: dict[str, Any],
        ordering_key: str | None = None,
        created_at: datetime | None = None,
    ) -> int:
        """Queue one request (acknowledged at `created_at`, by default now); its id. Items with
        one `ordering_key` are done in id order."""
        statement = self._prepared("add", lambda: _t.insert().returning(_t.c.id))
        return self._conn.execute(
            statement,
            {
                "kind": kind,
                "payload": json.dumps(payload, separators=(",", ":")),
                "ordering_key": ordering_key,
                "created_at": created_at or self._now(),
            },
        ).scalar_one()

    def claim(self, claim: str, limit: int, ttl_seconds: float) -> list[WorkItem]:
        """Up to `limit` items, oldest first, that are free and first in their order, now
        held under `claim` for `ttl_seconds`. Items whose earlier claim expired come back
        too: `side_effect_at` says whether that attempt had begun its side effect."""
        now = self._now()
        candidate, earlier = _t.alias("candidate"), _t.alias("earlier")
        chosen = (
            select(candidate.c.id)
            .where(_free(candidate, now))
            .where(
                ~exists().where(
                    earlier.c.ordering_key == candidate.c.ordering_key,
                    earlier.c.id < candidate.c.id,
                )
            )
            .order_by(candidate.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=candidate)
        )
        rows = self._conn.execute(
            update(_t)
            .where(_t.c.id.in_(chosen), _free(_t, now))
            .values(
                started_at=now,
                started_by=claim,
                claim_expires_at=now + timedelta(seconds=ttl_seconds),
                attempts=_t.c.attempts + 1,
            )
            .returning(*_t.c)
        ).all()
        return [_item(row) for row in sorted(rows, key=lambda row: row.id)]

    def renew(self, claims: list[str], ttl_seconds: float) -> int:
        """Extend these claims (those not yet expired); how many items they hold."""
        if not claims:
            return 0
        now = self._now()
        result = self._conn.execute(
            update(_t)
            .where(_t.c.started_by.in_(claims), _t.c.claim_expires_at > now)
            .values(claim_expires_at=now + timedelta(seconds=ttl_seconds))
        )
        return result.rowcount

    def mark_side_effect(self, item_id: int, claim: str) -> bool:
        """Record that the item's side effect is about to begin; False (and nothing
        recorded) unless `claim` still holds the item, unexpired."""
        now = self._now()
        result = self._conn.execute(
            update(_t)
            .where(_t.c.id == item_id, _t.c.started_by == claim, _t.c.claim_expires_at > now)
            .values(side_effect_at=now)
        )
        return result.rowcount == 1

    def finish(self, item_id: int, claim: str | None = None) -> bool:
        """The item is done (or reported): it leaves the queue. With `claim`, only while
        that claim holds it; False if it did not."""
        statement = delete(_t).where(_t.c.id == item_id)
        if claim is not None:
            statement = statement.where(_t.c.started_by == claim)
        return self._conn.execute(statement).rowcount == 1

    def outstanding(self) -> int:
        """Items not yet finished, started or not."""
        return self._conn.execute(select(func.count()).select_from(_t)).scalar_one()

    def waiting(self) -> tuple[int, datetime | None]:
        """How many items wait to be started, and since when the oldest has."""
        count, oldest = self._conn.execute(
            select(func.count(), func.min(_t.c.created_at)).where(_t.c.started_at.is_(None))
        ).one()
        return count, oldest

    def get(self, item_id: int) -> WorkItem | None:
        row = self._conn.execute(select(_t).where(_t.c.id == item_id)).first()
        return _item(row) if row else None


def _free(table, now: datetime):
    return or_(table.c.started_at.is_(None), table.c.claim_expires_at <= now)


def _item(row: Row) -> WorkItem:
    return WorkItem(
        id=row.id,
        kind=row.kind,
        payload=json.loads(row.payload),
        created_at=row.created_at,
        started_at=row.started_at,
        claim=row.started_by,
        ordering_key=row.ordering_key,
        side_effect_at=row.side_effect_at,
        attempts=row.attempts,
    )
