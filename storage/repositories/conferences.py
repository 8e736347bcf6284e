"""Conferences and their participants, their state, and where the conference card is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, func, or_, select, update

from bot.core.domain import ConferenceStatus, ParticipantStatus
from storage.models import ConferenceRow, ParticipantRow
from storage.records import Conference, Participant
from storage.repositories.base import Repository

_c = ConferenceRow.__table__
_p = ParticipantRow.__table__


class ConferenceRepository(Repository):
    def add(self, conference_id: str, started_by: str, channel_id: str) -> Conference:
        row = self._conn.execute(
            _c.insert()
            .values(
                conference_id=conference_id,
                started_by=started_by,
                channel_id=channel_id,
                status=ConferenceStatus.INITIAL.value,
                duration=0,
                number_of_participants=0,
                created_at=self._now(),
            )
            .returning(*_c.c)
        ).one()
        return _conference(row)

    def set_card(self, conference_id: str, channel_id: str, card_ts: str) -> bool:
        result = self._conn.execute(
            update(_c)
            .where(_c.c.conference_id == conference_id)
            .values(channel_id=channel_id, card_ts=card_ts)
        )
        return result.rowcount > 0

    def update_state(
        self,
        conference_id: str,
        status: ConferenceStatus | str,
        start_time: datetime | None,
        duration: int,
        number_of_participants: int,
    ) -> bool:
        """Store the conference's latest state; True if anything changed. A terminated
        conference stays terminated; terminating sets ended_at once."""
        status = ConferenceStatus(status)
        conditions = [
            _c.c.conference_id == conference_id,
            or_(
                _c.c.status != status.value,
                _c.c.start_time.is_distinct_from(start_time),
                _c.c.duration != duration,
                _c.c.number_of_participants != number_of_participants,
            ),
        ]
        values: dict[str, object] = {
            "status": status.value,
            "start_time": start_time,
            "duration": duration,
            "number_of_participants": number_of_participants,
        }
        if status is ConferenceStatus.TERMINATED:
            values["ended_at"] = func.coalesce(_c.c.ended_at, self._now())
        else:
            conditions.append(_c.c.status != ConferenceStatus.TERMINATED.value)
        result = self._conn.execute(update(_c).where(*conditions).values(values))
        return result.rowcount > 0

    def get(self, conference_id: str) -> Conference | None:
        row = self._conn.execute(select(_c).where(_c.c.conference_id == conference_id)).first()
        return _conference(row) if row else None

    def live(self) -> list[Conference]:
        """Conferences not yet terminated, oldest first."""
        rows = self._conn.execute(
            select(_c).where(_c.c.status != ConferenceStatus.TERMINATED.value).order_by(_c.c.id)
        )
        return [_conference(row) for row in rows]

    # -- participants --------------------------------------------------------------------

    def add_participant(
        self, conference_id: str, participant_id: str, uri: str, slack_user_id: str | None
    ) -> Participant:
        row = self._conn.execute(
            _p.insert()
            .values(
                conference_id=conference_id,
                participant_id=participant_id,
                uri=uri,
                slack_user_id=slack_user_id,
                status=ParticipantStatus.INVITED.value,
            )
            .returning(*_p.c)
        ).one()
        return _participant(row)

    def participants(self, conference_id: str) -> list[Participant]:
        rows = self._conn.execute(
            select(_p).where(_p.c.conference_id == conference_id).order_by(_p.c.id)
        )
        return [_participant(row) for row in rows]

    def participant(self, participant_id: str) -> Participant | None:
        row = self._conn.execute(select(_p).where(_p.c.participant_id == participant_id)).first()
        return _participant(row) if row else None

    def update_participant(
        self, participant_id: str, status: ParticipantStatus | str, start_time: datetime | None
    ) -> bool:
        """Store a participant's latest state; True if it changed."""
        status = ParticipantStatus(status)
        result = self._conn.execute(
            update(_p)
            .where(
                _p.c.participant_id == participant_id,
                or_(_p.c.status != status.value, _p.c.start_time.is_distinct_from(start_time)),
            )
            .values(status=status.value, start_time=start_time)
        )
        return result.rowcount > 0


def _conference(row: Row) -> Conference:
    return Conference(
        conference_id=row.conference_id,
        started_by=row.started_by,
        channel_id=row.channel_id,
        card_ts=row.card_ts,
        status=ConferenceStatus(row.status),
        start_time=row.start_time,
        duration=row.duration,
        number_of_participants=row.number_of_participants,
        created_at=row.created_at,
        ended_at=row.ended_at,
    )


def _participant(row: Row) -> Participant:
    return Participant(
        participant_id=row.participant_id,
        conference_id=row.conference_id,
        uri=row.uri,
        slack_user_id=row.slack_user_id,
        status=ParticipantStatus(row.status),
        start_time=row.start_time,
    )
