"""Opt-outs: numbers that asked (by texting STOP or similar) not to be texted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from storage.models import OptOutRow
from storage.records import OptOut
from storage.repositories.base import Repository

_t = OptOutRow.__table__


class OptOutRepository(Repository):
    def opt_out(self, phone_number: str, word: str, at: datetime) -> None:
        """Record the opt-out; a repeat keeps the first time and word."""
        self._conn.execute(
            self._upsert(_t)
            .values(phone_number=phone_number, word=word, opted_out_at=at)
            .on_conflict_do_nothing(index_elements=[_t.c.phone_number])
        )

    def opt_in(self, phone_number: str) -> bool:
        """Let the number be texted again; False if it had not opted out."""
        result = self._conn.execute(delete(_t).where(_t.c.phone_number == phone_number))
        return result.rowcount > 0

    def is_opted_out(self, phone_number: str) -> bool:
        return self.get(phone_number) is not None

    def get(self, phone_number: str) -> OptOut | None:
        row = self._conn.execute(select(_t).where(_t.c.phone_number == phone_number)).first()
        if row is None:
            return None
        return OptOut(phone_number=row.phone_number, word=row.word, opted_out_at=row.opted_out_at)
