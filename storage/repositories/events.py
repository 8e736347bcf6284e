"""Slack event ids already handled, so a retried delivery is handled once, by one process."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from storage.models import HandledEventRow
from storage.repositories.base import Repository

_t = HandledEventRow.__table__


class HandledEventRepository(Repository):
    def first_time(self, event_id: str, ttl_seconds: float) -> bool:
        """True (and remembered for `ttl_seconds`) the first time an event id is seen; False
        while it is remembered. One statement, keyed on the primary key, so of two processes
        racing on the same id exactly one gets True. An expired id counts as new again."""
        now = self._now()
        insert = self._upsert(_t).values(
            event_id=event_id, handled_at=now, expires_at=now + timedelta(seconds=ttl_seconds)
        )
        claimed = self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=[_t.c.event_id],
                set_={
                    "handled_at": insert.excluded.handled_at,
                    "expires_at": insert.excluded.expires_at,
                },
                where=_t.c.expires_at <= now,
            ).returning(_t.c.event_id)
        ).first()
        return claimed is not None

    def purge_expired(self, now: datetime | None = None) -> int:
        """Forget ids whose time is up; returns how many."""
        result = self._conn.execute(delete(_t).where(_t.c.expires_at <= (now or self._now())))
        return result.rowcount
