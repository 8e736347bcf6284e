"""Scheduled texts: each moves waiting -> queued -> sent/refused (or cancelled, or missed)
by conditional updates, so two processes never both move the same one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Row, select, update

from storage.models import ScheduledTextRow
from storage.records import ScheduledText
from storage.repositories.base import Repository

_t = ScheduledTextRow.__table__
OPEN = ("waiting", "queued")


class ScheduledTextRepository(Repository):
    def add(
        self,
        requester: str,
        channel_id: str,
        typed: str,
        send_at: datetime,
        zone: str,
        request_key: str | None = None,
    ) -> tuple[ScheduledText, bool]:
        """Keep a text for later; it and True, or (a request with this key already kept
        one) the one kept then and False."""
        row = self._conn.execute(
            self._upsert(_t)
            .values(
                request_key=request_key,
                requester=requester,
                channel_id=channel_id,
                typed=typed,
                send_at=send_at,
                zone=zone,
                status="waiting",
                created_at=self._now(),
            )
            .on_conflict_do_nothing(index_elements=[_t.c.request_key])
            .returning(*_t.c)
        ).first()
        if row is not None:
            return _scheduled(row), True
        kept = self._conn.execute(select(_t).where(_t.c.request_key == request_key)).one()
        return _scheduled(kept), False

    def get(self, scheduled_id: int) -> ScheduledText | None:
        row = self._conn.execute(select(_t).where(_t.c.id == scheduled_id)).first()
        return _scheduled(row) if row else None

    def due(self, now: datetime, limit: int = 100) -> list[ScheduledText]:
        """Waiting texts whose time has come, oldest first."""
        rows = self._conn.execute(
            select(_t)
            .where(_t.c.status == "waiting", _t.c.send_at <= now)
            .order_by(_t.c.send_at, _t.c.id)
            .limit(limit)
        )
        return [_scheduled(row) for row in rows]

    def open_for(self, requester: str | None) -> list[ScheduledText]:
        """Texts not yet sent nor cancelled: one requester's, or (None) everyone's."""
        query = select(_t).where(_t.c.status.in_(OPEN))
        if requester is not None:
            query = query.where(_t.c.requester == requester)
        rows = self._conn.execute(query.order_by(_t.c.send_at, _t.c.id))
        return [_scheduled(row) for row in rows]

    def move(
        self, scheduled_id: int, from_: Iterable[str], to: str, outcome: str | None = None
    ) -> bool:
        """Move one text from any of `from_` to `to`; False if it was in none of them."""
        values = {"status": to}
        if to not in OPEN:
            values |= {"settled_at": self._now(), "outcome": outcome}
        moved = self._conn.execute(
            update(_t).where(_t.c.id == scheduled_id, _t.c.status.in_(list(from_))).values(values)
        )
        return moved.rowcount == 1


def _scheduled(row: Row) -> ScheduledText:
    return ScheduledText(
        id=row.id,
        requester=row.requester,
        channel_id=row.channel_id,
        typed=row.typed,
        send_at=row.send_at,
        zone=row.zone,
        status=row.status,
        created_at=row.created_at,
        settled_at=row.settled_at,
        outcome=row.outcome,
    )
