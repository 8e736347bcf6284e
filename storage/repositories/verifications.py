"""Phone verifications: numbers users registered and have yet to prove with a texted code.

One row per user (a new registration replaces the old one). Wrong tries are counted across
re-sent codes, so asking for a new code does not buy more guesses; the cooling-off time is
stored, so a restart does not lift it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, delete, func, select, update

from storage.models import PhoneVerificationRow
from storage.records import PhoneVerification
from storage.repositories.base import Repository

_t = PhoneVerificationRow.__table__


class VerificationRepository(Repository):
    def pending(self, slack_user_id: str) -> PhoneVerification | None:
        row = self._conn.execute(select(_t).where(_t.c.slack_user_id == slack_user_id)).first()
        return _record(row) if row else None

    def start(
        self,
        slack_user_id: str,
        phone_number: str,
        code_hash: str,
        now: datetime,
        expires_at: datetime,
    ) -> PhoneVerification:
        """A new code for this user's number, sent at `now`; earlier wrong tries still count,
        and a lapsed cooling-off is cleared."""
        before = self.pending(slack_user_id)
        attempts = 0
        if before is not None and not (before.locked_until and before.locked_until <= now):
            attempts = before.attempts
        insert = self._upsert(_t).values(
            slack_user_id=slack_user_id,
            phone_number=phone_number,
            code_hash=code_hash,
            sent_at=now,
            expires_at=expires_at,
            attempts=attempts,
            locked_until=None,
        )
        self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=[_t.c.slack_user_id],
                set_={
                    "phone_number": insert.excluded.phone_number,
                    "code_hash": insert.excluded.code_hash,
                    "sent_at": insert.excluded.sent_at,
                    "expires_at": insert.excluded.expires_at,
                    "attempts": insert.excluded.attempts,
                    "locked_until": insert.excluded.locked_until,
                },
            )
        )
        record = self.pending(slack_user_id)
        assert record is not None
        return record

    def others_asking(self, phone_number: str, slack_user_id: str, since: datetime) -> int:
        """How many other users had a code texted to this number since `since`."""
        return self._conn.execute(
            select(func.count())
            .select_from(_t)
            .where(
                _t.c.phone_number == phone_number,
                _t.c.slack_user_id != slack_user_id,
                _t.c.sent_at > since,
            )
        ).scalar_one()

    def withdraw_code(self, slack_user_id: str) -> None:
        """The code's text was not sent: the code is void and asking again is allowed."""
        self._conn.execute(
            update(_t)
            .where(_t.c.slack_user_id == slack_user_id)
            .values(code_hash=None, sent_at=None)
        )

    def wrong_try(self, slack_user_id: str, max_attempts: int, lock_until: datetime) -> int:
        """Count a wrong code; at max_attempts the user is locked out until lock_until. The
        count after this try is returned. Done in one statement, so two guesses at once both
        count."""
        self._conn.execute(
            update(_t).where(_t.c.slack_user_id == slack_user_id).values(attempts=_t.c.attempts + 1)
        )
        record = self.pending(slack_user_id)
        assert record is not None
        if record.attempts >= max_attempts:
            self._conn.execute(
                update(_t)
                .where(_t.c.slack_user_id == slack_user_id)
                .values(locked_until=lock_until, code_hash=None)
            )
        return record.attempts

    def finish(self, slack_user_id: str) -> bool:
        result = self._conn.execute(delete(_t).where(_t.c.slack_user_id == slack_user_id))
        return result.rowcount > 0


def _record(row: Row) -> PhoneVerification:
    return PhoneVerification(
        slack_user_id=row.slack_user_id,
        phone_number=row.phone_number,
        code_hash=row.code_hash,
        sent_at=row.sent_at,
        expires_at=row.expires_at,
        attempts=row.attempts,
        locked_until=row.locked_until,
    )
