"""Calls: each third-party call the bridge started, its state, and where its card is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, func, or_, select, update

from bot.core.domain import CallStatus, CallTerminationCause
from storage.models import CallRow
from storage.records import Call
from storage.repositories.base import Repository

_t = CallRow.__table__


class CallRepository(Repository):
    def add(
        self,
        call_id: str,
        calling_party: str,
        called_party: str,
        started_by: str,
        channel_id: str,
    ) -> Call:
        row = self._conn.execute(
            _t.insert()
            .values(
                call_id=call_id,
                calling_party=calling_party,
                called_party=called_party,
                started_by=started_by,
                channel_id=channel_id,
                status=CallStatus.INITIAL.value,
                duration=0,
                created_at=self._now(),
            )
            .returning(*_t.c)
        ).one()
        return _call(row)

    def set_card(self, call_id: str, channel_id: str, card_ts: str) -> bool:
        result = self._conn.execute(
            update(_t).where(_t.c.call_id == call_id).values(channel_id=channel_id, card_ts=card_ts)
        )
        return result.rowcount > 0

    def update_state(
        self,
        call_id: str,
        status: CallStatus | str,
        termination_cause: CallTerminationCause | str | None,
        start_time: datetime | None,
        duration: int,
    ) -> bool:
        """Store the call's latest state; True if anything changed (so the card needs
        redrawing). A terminated call stays terminated: later reports of it being live
        (a slow poll racing a callback) are ignored. Terminating sets ended_at once."""
        status = CallStatus(status)
        cause = CallTerminationCause(termination_cause).value if termination_cause else None
        conditions = [
            _t.c.call_id == call_id,
            or_(
                _t.c.status != status.value,
                _t.c.termination_cause.is_distinct_from(cause),
                _t.c.start_time.is_distinct_from(start_time),
                _t.c.duration != duration,
            ),
        ]
        values: dict[str, object] = {
            "status": status.value,
            "termination_cause": cause,
            "start_time": start_time,
            "duration": duration,
        }
        if status is CallStatus.TERMINATED:
            values["ended_at"] = func.coalesce(_t.c.ended_at, self._now())
        else:
            conditions.append(_t.c.status != CallStatus.TERMINATED.value)
        result = self._conn.execute(update(_t).where(*conditions).values(values))
        return result.rowcount > 0

    def get(self, call_id: str) -> Call | None:
        row = self._conn.execute(select(_t).where(_t.c.call_id == call_id)).first()
        return _call(row) if row else None

    def live(self) -> list[Call]:
        """Calls not yet terminated, oldest first: the ones to poll and keep cards fresh for."""
        rows = self._conn.execute(
            select(_t).where(_t.c.status != CallStatus.TERMINATED.value).order_by(_t.c.id)
        )
        return [_call(row) for row in rows]


def _call(row: Row) -> Call:
    return Call(
        call_id=row.call_id,
        calling_party=row.calling_party,
        called_party=row.called_party,
        started_by=row.started_by,
        channel_id=row.channel_id,
        card_ts=row.card_ts,
        status=CallStatus(row.status),
        termination_cause=(
            CallTerminationCause(row.termination_cause) if row.termination_cause else None
        ),
        start_time=row.start_time,
        duration=row.duration,
        created_at=row.created_at,
        ended_at=row.ended_at,
    )
