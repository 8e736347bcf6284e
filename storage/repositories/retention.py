"""Deleting personal data: texts, notes, calls and conferences past the retention period, and
everything stored about one number when an admin asks the bridge to forget it.

Every method deletes at most `limit` rows and returns how many it deleted, so the caller runs
each batch in its own short transaction and loops until a batch comes back short: no lock is
held for longer than one batch takes, on SQLite or PostgreSQL. Each DELETE repeats its
conditions, so a row that changed since it was picked (a text posted, a call still live) is
left alone.

What retention keeps, however old:
- an inbound text not yet posted to Slack or not yet cleared at Web21C;
- an outbound text with a recipient still Initial, Sent or Retrying, or whose outcome is
  unknown (Web21C took it but never answered): a delivery callback may still settle it;
- a call or conference not yet terminated;
- a conversation (number, channel, Slack thread) active since `idle_before`, one still
  referenced by a kept text or a kept note, or one whose number has a text waiting to be
  posted;
- the audit log and opt-outs (never touched here; forgetting a number redacts the audit log).
Notes hang off a conversation with ON DELETE CASCADE, but deleting a conversation here
deletes its notes itself in the same transaction rather than trust the foreign key to be
enforced on every connection (SQLite enforces it only with PRAGMA foreign_keys=ON).
A future table of personal data gets its own purge_* and forget_* methods here and a line in
bot.services.retention.Retention.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, exists, literal, or_, select, update

from storage.models import (
    AuditRow,
    CallRow,
    ConferenceRow,
    ContactRow,
    ConversationRow,
    DirectoryEntryRow,
    MessageRow,
    NoteRow,
    ParticipantRow,
    RecipientRow,
)
from storage.records import Direction
from storage.repositories.base import Repository
from storage.repositories.messages import FINAL_STATUSES

_m = MessageRow.__table__
_r = RecipientRow.__table__
_c = ConversationRow.__table__
_calls = CallRow.__table__
_conf = ConferenceRow.__table__
_p = ParticipantRow.__table__
_d = DirectoryEntryRow.__table__
_a = AuditRow.__table__
_n = NoteRow.__table__
_ct = ContactRow.__table__

BATCH = 500
FORGOTTEN = "(forgotten number)"
FORGOTTEN_NAME = "(forgotten name)"
# Audit actions whose detail is the contact name given to the target number.
CONTACT_ACTIONS = ("contact.set", "contact.forget")
CALL_STATUS_ENDED = "CallTerminated"  # bot.core.domain.CallStatus.TERMINATED
CONFERENCE_STATUS_ENDED = "Terminated"  # bot.core.domain.ConferenceStatus.TERMINATED

_INBOUND_DONE = and_(
    _m.c.direction == Direction.INBOUND.value,
    _m.c.posted_at.is_not(None),
    _m.c.cleared_at.is_not(None),
)
_OUTBOUND_DONE = and_(
    _m.c.direction == Direction.OUTBOUND.value,
    _m.c.outcome_unknown.is_(False),
    ~exists().where(_r.c.message_id == _m.c.id, _r.c.status.not_in(FINAL_STATUSES)),
)


def uris_of(number: str) -> list[str]:
    """How one number is written across the tables: E.164 and its tel: URI (a SIP URI as is)."""
    return [number, f"tel:{number}"] if number.startswith("+") else [number]


class RetentionRepository(Repository):
    # -- retention -------------------------------------------------------------------------

    def purge_texts(self, before: datetime, limit: int = BATCH) -> int:
        """Delete up to `limit` finished texts created before `before`, with their recipients."""
        return self._delete_messages(
            and_(_m.c.created_at < before, or_(_INBOUND_DONE, _OUTBOUND_DONE)), limit
        )

    def purge_notes(self, before: datetime, limit: int = BATCH) -> int:
        """Delete up to `limit` notes written before `before`, whichever conversation they
        are in (an open conversation's old notes go like its old texts)."""
        condition = _n.c.created_at < before
        picked = select(_n.c.id).where(condition).limit(limit)
        deleted = self._conn.execute(
            delete(_n).where(_n.c.id.in_(picked), condition).returning(_n.c.id)
        )
        return len(deleted.all())

    def purge_calls(self, before: datetime, limit: int = BATCH) -> int:
        """Delete up to `limit` ended calls placed before `before`."""
        condition = and_(_calls.c.created_at < before, _calls.c.status == CALL_STATUS_ENDED)
        picked = select(_calls.c.id).where(condition).limit(limit)
        deleted = self._conn.execute(
            delete(_calls).where(_calls.c.id.in_(picked), condition).returning(_calls.c.id)
        )
        return len(deleted.all())

    def purge_conferences(self, before: datetime, limit: int = BATCH) -> int:
        """Delete up to `limit` ended conferences started before `before`, with their
        participants."""
        condition = and_(_conf.c.created_at < before, _conf.c.status == CONFERENCE_STATUS_ENDED)
        ids = list(
            self._conn.execute(
                select(_conf.c.conference_id).where(condition).limit(limit)
            ).scalars()
        )
        if not ids:
            return 0
        self._conn.execute(delete(_p).where(_p.c.conference_id.in_(ids)))
        deleted = self._conn.execute(
            delete(_conf).where(_conf.c.conference_id.in_(ids), condition).returning(_conf.c.id)
        )
        return len(deleted.all())

    def purge_conversations(self, idle_before: datetime, limit: int = BATCH) -> int:
        """Delete up to `limit` conversations idle since before `idle_before` that no kept
        text or note refers to and whose number has no text waiting to be posted (that text
        will thread into it)."""
        waiting = exists().where(
            _m.c.direction == Direction.INBOUND.value,
            _m.c.posted_at.is_(None),
            _m.c.sender.in_([_c.c.phone_number, literal("tel:") + _c.c.phone_number]),
        )
        condition = and_(
            _c.c.last_activity_at < idle_before,
            ~exists().where(_m.c.conversation_id == _c.c.id),
            ~exists().where(_n.c.conversation_id == _c.c.id),
            ~waiting,
        )
        ids = list(self._conn.execute(select(_c.c.id).where(condition).limit(limit)).scalars())
        if not ids:
            return 0
        # A note written since the pick would otherwise block (or cascade with) the delete.
        self._conn.execute(delete(_n).where(_n.c.conversation_id.in_(ids)))
        deleted = self._conn.execute(
            delete(_c).where(_c.c.id.in_(ids), condition).returning(_c.c.id)
        )
        return len(deleted.all())

    # -- forgetting one number -------------------------------------------------------------

    def forget_texts(self, number: str, limit: int = BATCH) -> int:
        """Delete up to `limit` texts from or to `number`, finished or not, with their
        recipients."""
        uris = uris_of(number)
        conversations = select(_c.c.id).where(_c.c.phone_number == number)
        condition = or_(
            and_(_m.c.direction == Direction.INBOUND.value, _m.c.sender.in_(uris)),
            _m.c.conversation_id.in_(conversations),
            exists().where(_r.c.message_id == _m.c.id, _r.c.destination_uri.in_(uris)),
        )
        return self._delete_messages(condition, limit)

    def forget_notes(self, number: str, limit: int = BATCH) -> int:
        """Delete up to `limit` notes in the number's conversations."""
        conversations = select(_c.c.id).where(_c.c.phone_number == number)
        picked = select(_n.c.id).where(_n.c.conversation_id.in_(conversations)).limit(limit)
        deleted = self._conn.execute(delete(_n).where(_n.c.id.in_(picked)).returning(_n.c.id))
        return len(deleted.all())

    def forget_conversations(self, number: str) -> int:
        """Delete the number's conversations (their thread mappings); its texts and notes go
        first, and any note written since goes with them here."""
        conversations = select(_c.c.id).where(_c.c.phone_number == number)
        self._conn.execute(delete(_n).where(_n.c.conversation_id.in_(conversations)))
        result = self._conn.execute(delete(_c).where(_c.c.phone_number == number))
        return result.rowcount

    def forget_contact(self, number: str) -> bool:
        """Delete the number's shared contact name; whether it had one."""
        return self._conn.execute(delete(_ct).where(_ct.c.phone_number == number)).rowcount > 0

    def forget_calls(self, number: str, limit: int = BATCH) -> int:
        uris = uris_of(number)
        condition = or_(_calls.c.calling_party.in_(uris), _calls.c.called_party.in_(uris))
        picked = select(_calls.c.id).where(condition).limit(limit)
        deleted = self._conn.execute(
            delete(_calls).where(_calls.c.id.in_(picked)).returning(_calls.c.id)
        )
        return len(deleted.all())

    def forget_participants(self, number: str) -> int:
        """Delete the number's conference invitations; the conferences themselves stay for
        the other people in them."""
        result = self._conn.execute(delete(_p).where(_p.c.uri.in_(uris_of(number))))
        return result.rowcount

    def forget_directory(self, number: str) -> int:
        """Delete directory entries that map a Slack user to this number."""
        result = self._conn.execute(delete(_d).where(_d.c.phone_number == number))
        return result.rowcount

    def redact_audit(self, number: str, limit: int = BATCH) -> int:
        """Replace the number in up to `limit` audit entries with FORGOTTEN, keeping who did
        what and when. Only whole parties are replaced (`+4477...1` never inside `+4477...12`).
        A contact entry about the number loses the name too: the name is about that person."""
        mentions = or_(
            _a.c.target.contains(number, autoescape=True),
            _a.c.detail.contains(number, autoescape=True),
        )
        changed = 0
        rows = self._conn.execute(
            select(_a.c.id, _a.c.action, _a.c.target, _a.c.detail).where(mentions)
        )
        for row in rows.all():
            target, detail = _redact(row.target, number), _redact(row.detail, number)
            if row.action in CONTACT_ACTIONS and target != row.target:
                detail = FORGOTTEN_NAME
            if (target, detail) != (row.target, row.detail):
                self._conn.execute(
                    update(_a).where(_a.c.id == row.id).values(target=target, detail=detail)
                )
                changed += 1
                if changed >= limit:
                    break
        return changed

    # -- shared ----------------------------------------------------------------------------

    def _delete_messages(self, condition, limit: int) -> int:
        ids = list(self._conn.execute(select(_m.c.id).where(condition).limit(limit)).scalars())
        if not ids:
            return 0
        deleted = list(
            self._conn.execute(
                delete(_m).where(_m.c.id.in_(ids), condition).returning(_m.c.id)
            ).scalars()
        )
        if deleted:  # the foreign key cascades too; this also covers a connection without it
            self._conn.execute(delete(_r).where(_r.c.message_id.in_(deleted)))
        return len(deleted)


def _redact(value: str, number: str) -> str:
    """`value` with every party equal to `number` replaced; parties are the whole value or
    the sides of `a -> b` (how call.place names its two parties)."""
    parties = value.split(" -> ")
    if number not in parties and number not in [p.removeprefix("tel:") for p in parties]:
        return value
    return " -> ".join(FORGOTTEN if p.removeprefix("tel:") == number else p for p in parties)
