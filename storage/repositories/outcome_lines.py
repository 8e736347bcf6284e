"""Which finished calls and conferences have had their line posted in which thread."""

from __future__ import annotations

from storage.models import OutcomeLineRow
from storage.repositories.base import Repository

_t = OutcomeLineRow.__table__


class OutcomeLineRepository(Repository):
    def claim(self, call_kind: str, call_key: str, conversation_id: int) -> bool:
        """Whether this caller posts the line (the first to ask, in any process)."""
        claimed = self._conn.execute(
            self._upsert(_t)
            .values(
                call_kind=call_kind,
                call_key=call_key,
                conversation_id=conversation_id,
                posted_at=self._now(),
            )
            .on_conflict_do_nothing()
            .returning(_t.c.id)
        ).first()
        return claimed is not None

    def unclaim(self, call_kind: str, call_key: str, conversation_id: int) -> None:
        """The line could not be posted: let the next pass try."""
        self._conn.execute(
            _t.delete().where(
                _t.c.call_kind == call_kind,
                _t.c.call_key == call_key,
                _t.c.conversation_id == conversation_id,
            )
        )
