"""Contacts: one shared name per phone number (the number is the key, so one name each)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, delete, select

from storage.models import ContactRow
from storage.records import Contact
from storage.repositories.base import Repository

_t = ContactRow.__table__


class ContactRepository(Repository):
    def set(self, phone_number: str, name: str, set_by: str, at: datetime) -> Contact | None:
        """Name the number (replacing any name it had); the contact it replaced, if any."""
        before = self.get(phone_number)
        values = {"name": name, "set_by": set_by, "updated_at": at}
        self._conn.execute(
            self._upsert(_t)
            .values(phone_number=phone_number, **values)
            .on_conflict_do_update(index_elements=[_t.c.phone_number], set_=values)
        )
        return before

    def get(self, phone_number: str) -> Contact | None:
        row = self._conn.execute(select(_t).where(_t.c.phone_number == phone_number)).first()
        return _contact(row) if row else None

    def forget(self, phone_number: str) -> Contact | None:
        """Remove the number's name; the contact removed, or None if it had none."""
        before = self.get(phone_number)
        if before is not None:
            self._conn.execute(delete(_t).where(_t.c.phone_number == phone_number))
        return before

    def all(self) -> list[Contact]:
        rows = self._conn.execute(select(_t).order_by(_t.c.name, _t.c.phone_number))
        return [_contact(row) for row in rows]


def _contact(row: Row) -> Contact:
    return Contact(
        phone_number=row.phone_number, name=row.name, set_by=row.set_by, updated_at=row.updated_at
    )
