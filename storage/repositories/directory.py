"""Directory: which phone number reaches which Slack user, and where we learned it."""

from __future__ import annotations

from sqlalchemy import Row, case, delete, select

from storage.models import DirectoryEntryRow
from storage.records import DirectoryEntry, DirectorySource
from storage.repositories.base import Repository

_t = DirectoryEntryRow.__table__


class DirectoryRepository(Repository):
    def number_for(self, slack_user_id: str) -> DirectoryEntry | None:
        row = self._conn.execute(select(_t).where(_t.c.slack_user_id == slack_user_id)).first()
        return _entry(row) if row else None

    def user_for(self, phone_number: str) -> DirectoryEntry | None:
        """The user this number reaches; a registered number beats one read from a profile."""
        registered_first = case((_t.c.source == DirectorySource.REGISTERED.value, 0), else_=1)
        row = self._conn.execute(
            select(_t)
            .where(_t.c.phone_number == phone_number)
            .order_by(registered_first, _t.c.updated_at.desc(), _t.c.slack_user_id)
            .limit(1)
        ).first()
        return _entry(row) if row else None

    def set_number(
        self, slack_user_id: str, phone_number: str, source: DirectorySource | str
    ) -> DirectoryEntry:
        """Record the user's number. A number read from the Slack profile never replaces one
        the user registered themselves; the entry as it now stands is returned."""
        source = DirectorySource(source)
        insert = self._upsert(_t).values(
            slack_user_id=slack_user_id,
            phone_number=phone_number,
            source=source.value,
            updated_at=self._now(),
        )
        keeps_registered = (_t.c.source == DirectorySource.REGISTERED.value) & (
            insert.excluded.source == DirectorySource.PROFILE.value
        )
        self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=[_t.c.slack_user_id],
                set_={
                    "phone_number": insert.excluded.phone_number,
                    "source": insert.excluded.source,
                    "updated_at": insert.excluded.updated_at,
                },
                where=~keeps_registered,
            )
        )
        entry = self.number_for(slack_user_id)
        assert entry is not None
        return entry

    def remove(self, slack_user_id: str) -> bool:
        result = self._conn.execute(delete(_t).where(_t.c.slack_user_id == slack_user_id))
        return result.rowcount > 0


def _entry(row: Row) -> DirectoryEntry:
    return DirectoryEntry(
        slack_user_id=row.slack_user_id,
        phone_number=row.phone_number,
        source=DirectorySource(row.source),
        updated_at=row.updated_at,
    )
