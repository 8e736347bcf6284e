"""Directory: which phone number reaches which Slack user, and where we learned it.

Only a number the user proved (`verified`) or an admin set (`admin`) says who someone is;
a number copied from a Slack profile (`profile`) only rings them, and is re-read when old.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, case, delete, select

from storage.models import DirectoryEntryRow
from storage.records import DirectoryEntry, DirectorySource
from storage.repositories.base import Repository

_t = DirectoryEntryRow.__table__
IDENTITY_SOURCES = (DirectorySource.VERIFIED.value, DirectorySource.ADMIN.value)


class DirectoryRepository(Repository):
    def number_for(self, slack_user_id: str) -> DirectoryEntry | None:
        row = self._conn.execute(select(_t).where(_t.c.slack_user_id == slack_user_id)).first()
        return _entry(row) if row else None

    def owner_of(self, phone_number: str) -> DirectoryEntry | None:
        """The user this number proves to be: verified or admin-set entries only, the most
        recently confirmed first (a number passed on is proven again by its new holder)."""
        row = self._conn.execute(
            select(_t)
            .where(_t.c.phone_number == phone_number, _t.c.source.in_(IDENTITY_SOURCES))
            .order_by(_t.c.updated_at.desc(), _t.c.slack_user_id)
            .limit(1)
        ).first()
        return _entry(row) if row else None

    def user_for(self, phone_number: str) -> DirectoryEntry | None:
        """Any user this number is recorded for, proven numbers first (profile copies too):
        for telling people whose profile shows it, never for identity (see owner_of)."""
        proven_first = case((_t.c.source.in_(IDENTITY_SOURCES), 0), else_=1)
        row = self._conn.execute(
            select(_t)
            .where(_t.c.phone_number == phone_number)
            .order_by(proven_first, _t.c.updated_at.desc(), _t.c.slack_user_id)
            .limit(1)
        ).first()
        return _entry(row) if row else None

    def set_number(
        self,
        slack_user_id: str,
        phone_number: str,
        source: DirectorySource | str,
        at: datetime | None = None,
    ) -> DirectoryEntry:
        """Record the user's number (as of `at`, default now). A number read from the Slack
        profile never replaces a verified or admin-set one; the entry as it now stands is
        returned."""
        source = DirectorySource(source)
        insert = self._upsert(_t).values(
            slack_user_id=slack_user_id,
            phone_number=phone_number,
            source=source.value,
            updated_at=at or self._now(),
        )
        keeps_proven = _t.c.source.in_(IDENTITY_SOURCES) & (
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
                where=~keeps_proven,
            )
        )
        entry = self.number_for(slack_user_id)
        assert entry is not None
        return entry

    def forget_profile(self, slack_user_id: str) -> bool:
        """Drop a cached profile phone (the profile no longer has one); proven numbers stay."""
        result = self._conn.execute(
            delete(_t).where(
                _t.c.slack_user_id == slack_user_id,
                _t.c.source == DirectorySource.PROFILE.value,
            )
        )
        return result.rowcount > 0

    def remove(self, slack_user_id: str) -> bool:
        result = self._conn.execute(delete(_t).where(_t.c.slack_user_id == slack_user_id))
        return result.rowcount > 0


def is_stale(entry: DirectoryEntry, now: datetime, max_age_seconds: float) -> bool:
    """A profile copy older than the limit must be read from Slack again."""
    return (now - entry.updated_at).total_seconds() >= max_age_seconds


def _entry(row: Row) -> DirectoryEntry:
    return DirectoryEntry(
        slack_user_id=row.slack_user_id,
        phone_number=row.phone_number,
        source=DirectorySource(row.source),
        updated_at=row.updated_at,
    )
