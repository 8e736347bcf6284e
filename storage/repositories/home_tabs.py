"""Who has opened the Home tab: one row a person, so the process that sees a change (a
worker) knows whose tab to publish again, whichever process saw the tab opened (`web`)."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import HomeTabRow
from storage.repositories.base import Repository

_t = HomeTabRow.__table__


class HomeTabRepository(Repository):
    def opened(self, user_id: str) -> None:
        now = self._now()
        self._conn.execute(
            self._upsert(_t)
            .values(user_id=user_id, opened_at=now)
            .on_conflict_do_update(index_elements=[_t.c.user_id], set_={"opened_at": now})
        )

    def has_opened(self, user_id: str) -> bool:
        found = self._conn.execute(select(_t.c.user_id).where(_t.c.user_id == user_id)).first()
        return found is not None
