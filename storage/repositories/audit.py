"""The audit log: who texted or called whom, who changed a route, and so on."""

from __future__ import annotations

from sqlalchemy import Row, select

from storage.models import AuditRow
from storage.records import AuditEntry
from storage.repositories.base import Repository

_t = AuditRow.__table__


class AuditRepository(Repository):
    def record(self, actor: str, action: str, target: str, detail: str = "") -> AuditEntry:
        row = self._conn.execute(
            _t.insert()
            .values(at=self._now(), actor=actor, action=action, target=target, detail=detail)
            .returning(*_t.c)
        ).one()
        return _entry(row)

    def recent(self, limit: int = 50) -> list[AuditEntry]:
        """The newest entries first."""
        rows = self._conn.execute(select(_t).order_by(_t.c.id.desc()).limit(limit))
        return [_entry(row) for row in rows]


def _entry(row: Row) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        target=row.target,
        detail=row.detail,
    )
