"""Retention's deletes on SQLite and PostgreSQL: old finished rows go in bounded batches, and
whatever an open conversation, an unfinished delivery or a live call needs stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from bot.core.domain import MessageStatus
from storage.models import (
    AuditRow,
    CallRow,
    ConferenceRow,
    ContactRow,
    ConversationRow,
    MessageRow,
    NoteRow,
    ParticipantRow,
    RecipientRow,
)
from storage.repositories.retention import FORGOTTEN, FORGOTTEN_NAME
from storage.types import utcnow
from tests import history

NUMBER = "+447700900123"
OTHER = "+447700900456"
NOW = utcnow()
OLD = NOW - timedelta(days=40)
BEFORE = NOW - timedelta(days=30)


def _ids(database, table) -> set[int]:
    with database.transaction() as tx:
        return set(tx.connection.execute(select(table.c.id)).scalars())


def _count(database, table) -> int:
    with database.transaction() as tx:
        return tx.connection.execute(select(func.count()).select_from(table)).scalar_one()


def _drain(database, batch) -> list[int]:
    """Run batches, each in its own transaction, until one comes back empty; their sizes."""
    sizes = []
    while True:
        with database.transaction() as tx:
            done = batch(tx)
        sizes.append(done)
        if done == 0:
            return sizes


def test_old_finished_texts_go_with_their_recipients_and_unfinished_ones_stay(database):
    with history.at(database.url, OLD) as old:
        gone = history.finished_inbound(old, NUMBER, "C1", 3, "in").message_ids
        gone += history.outbound(old, NUMBER, "C1", "delivered").message_ids
        gone += history.outbound(old, NUMBER, "C1", "failed", MessageStatus.FAILED).message_ids
        kept = history.outbound(old, NUMBER, "C1", "sent", MessageStatus.SENT).message_ids
        kept += history.outbound(old, NUMBER, "C1", "retry", MessageStatus.RETRYING).message_ids
        kept += history.outbound(old, NUMBER, "C1", "initial", MessageStatus.INITIAL).message_ids
        kept += history.outbound(old, OTHER, "C1", "unknown", unknown=True).message_ids
        kept += history.unfinished_inbound(old, OTHER, "unposted").message_ids
    with history.at(database.url, NOW) as new:
        kept += history.finished_inbound(new, OTHER, "C1", 2, "new").message_ids
        kept += history.outbound(new, OTHER, "C1", "new-out").message_ids

    sizes = _drain(database, lambda tx: tx.retention.purge_texts(BEFORE))

    assert sum(sizes) == len(gone) == 5
    assert _ids(database, MessageRow.__table__) == set(kept)
    with database.transaction() as tx:
        recipients = set(tx.connection.execute(select(RecipientRow.message_id)).scalars())
    assert recipients == set(kept) & recipients and recipients.isdisjoint(gone)
    assert len(recipients) == 5  # sent, retrying, initial, unknown, new-out


def test_texts_are_deleted_in_batches_no_larger_than_asked(database):
    with history.at(database.url, OLD) as old:
        history.finished_inbound(old, NUMBER, "C1", 1203, "bulk")
    sizes = _drain(database, lambda tx: tx.retention.purge_texts(BEFORE, limit=500))
    assert sizes == [500, 500, 203, 0]
    assert _count(database, MessageRow.__table__) == 0


def test_ended_calls_and_conferences_go_live_ones_stay(database):
    with history.at(database.url, OLD) as old:
        history.call(old, NUMBER, OTHER, "call-old")
        history.call(old, NUMBER, OTHER, "call-live", ended=False)
        history.conference(old, "conf-old", [NUMBER, OTHER])
        history.conference(old, "conf-live", [NUMBER], ended=False)
    with history.at(database.url, NOW) as new:
        history.call(new, NUMBER, OTHER, "call-new")

    assert sum(_drain(database, lambda tx: tx.retention.purge_calls(BEFORE))) == 1
    assert sum(_drain(database, lambda tx: tx.retention.purge_conferences(BEFORE))) == 1

    with database.transaction() as tx:
        calls = set(tx.connection.execute(select(CallRow.call_id)).scalars())
        conferences = set(tx.connection.execute(select(ConferenceRow.conference_id)).scalars())
        invited = set(tx.connection.execute(select(ParticipantRow.conference_id)).scalars())
    assert calls == {"call-live", "call-new"}
    assert conferences == invited == {"conf-live"}


def test_a_conversation_goes_only_once_idle_unreferenced_and_with_nothing_waiting(database):
    with history.at(database.url, OLD) as old:
        idle = history.outbound(old, NUMBER, "C1", "idle").conversation_id
        pending = history.outbound(old, NUMBER, "C2", "pending", MessageStatus.SENT)
        waiting = history.outbound(old, OTHER, "C1", "waiting").conversation_id
        history.unfinished_inbound(old, OTHER, "waiting-text")
    with history.at(database.url, NOW) as new:
        active = history.outbound(new, "+447700900789", "C1", "active").conversation_id
    _drain(database, lambda tx: tx.retention.purge_texts(BEFORE))

    deleted = _drain(database, lambda tx: tx.retention.purge_conversations(BEFORE))

    assert sum(deleted) == 1
    assert _ids(database, ConversationRow.__table__) == {
        pending.conversation_id,  # its unfinished text still points at it
        waiting,  # a text from that number waits to be threaded into it
        active,
    }
    assert idle not in _ids(database, ConversationRow.__table__)


def test_forgetting_a_number_deletes_what_names_it_and_redacts_the_audit_log(database):
    with history.at(database.url, OLD) as old:
        history.finished_inbound(old, NUMBER, "C1", 2, "in")
        history.outbound(old, NUMBER, "C1", "pending", MessageStatus.SENT)  # unfinished too
        history.unfinished_inbound(old, NUMBER, "unposted")
        history.call(old, NUMBER, OTHER, "call-1")
        history.call(old, OTHER, NUMBER, "call-2", ended=False)
        history.conference(old, "conf-1", [NUMBER, OTHER])
        keep = history.finished_inbound(old, OTHER, "C1", 1, "other").message_ids
        keep += history.outbound(old, "+4477009001234", "C1", "longer").message_ids
        with old.transaction() as tx:
            tx.directory.set_number("UBOB", NUMBER, "admin")
            tx.directory.set_number("UCAROL", OTHER, "admin")
            tx.opt_outs.opt_out(NUMBER, "STOP", OLD)
            tx.audit.record("UALICE", "sms.send", NUMBER, "msg-1")
            tx.audit.record("UALICE", "call.place", f"{NUMBER} -> {OTHER}", "call-1")
            tx.audit.record("UALICE", "phone.register", "UBOB", NUMBER)
            tx.audit.record("UALICE", "sms.send", "+4477009001234", "msg-2")

    with database.transaction() as tx:
        texts = tx.retention.forget_texts(NUMBER)
        calls = tx.retention.forget_calls(NUMBER)
        audit = tx.retention.redact_audit(NUMBER)
        conversations = tx.retention.forget_conversations(NUMBER)
        invitations = tx.retention.forget_participants(NUMBER)
        entries = tx.retention.forget_directory(NUMBER)

    assert (texts, calls, audit, conversations, invitations, entries) == (4, 2, 3, 1, 1, 1)
    assert _ids(database, MessageRow.__table__) == set(keep)
    with database.transaction() as tx:
        c = tx.connection
        assert set(c.execute(select(ParticipantRow.uri)).scalars()) == {f"tel:{OTHER}"}
        assert set(c.execute(select(ConversationRow.phone_number)).scalars()) == {
            OTHER,
            "+4477009001234",
        }
        assert tx.directory.user_for(NUMBER) is None
        assert tx.directory.user_for(OTHER) is not None
        assert tx.opt_outs.is_opted_out(NUMBER)  # a STOP is a legal instruction: kept
        audit_rows = c.execute(select(AuditRow.target, AuditRow.detail).order_by(AuditRow.id))
        assert [tuple(row) for row in audit_rows] == [
            (FORGOTTEN, "msg-1"),
            (f"{FORGOTTEN} -> {OTHER}", "call-1"),
            ("UBOB", FORGOTTEN),
            ("+4477009001234", "msg-2"),  # a longer number that merely starts the same
        ]
        recipients = set(c.execute(select(RecipientRow.destination_uri)).scalars())
    assert recipients == {"tel:+4477009001234"}


def test_forgetting_in_batches_stops_at_the_limit(database):
    with history.at(database.url, OLD) as old:
        history.finished_inbound(old, NUMBER, "C1", 7, "in")
    sizes = _drain(database, lambda tx: tx.retention.forget_texts(NUMBER, limit=3))
    assert sizes == [3, 3, 1, 0]


def _note(db, conversation_id: int, text: str) -> int:
    with db.transaction() as tx:
        return tx.notes.add(conversation_id, "C1", f"{text}.ts", "UBOB", text).id


def test_old_notes_go_in_batches_and_newer_ones_stay(database):
    with history.at(database.url, OLD) as old:
        conversation = history.outbound(old, NUMBER, "C1", "talk").conversation_id
        for n in range(7):
            _note(old, conversation, f"old note {n}")
    with history.at(database.url, NOW) as new:
        kept = {_note(new, conversation, "new note")}

    sizes = _drain(database, lambda tx: tx.retention.purge_notes(BEFORE, limit=3))

    assert sizes == [3, 3, 1, 0]
    assert _ids(database, NoteRow.__table__) == kept


def test_a_conversation_with_a_kept_note_stays_and_a_purged_one_leaves_no_notes(database):
    with history.at(database.url, OLD) as old:
        idle = history.outbound(old, NUMBER, "C1", "idle").conversation_id
        _note(old, idle, "old note")
        noted = history.outbound(old, OTHER, "C1", "noted").conversation_id
    with history.at(database.url, NOW) as new:
        kept = _note(new, noted, "a note written after the conversation went quiet")
    _drain(database, lambda tx: tx.retention.purge_texts(BEFORE))
    _drain(database, lambda tx: tx.retention.purge_notes(BEFORE))

    assert sum(_drain(database, lambda tx: tx.retention.purge_conversations(BEFORE))) == 1

    assert _ids(database, ConversationRow.__table__) == {noted}  # its note is still kept
    assert _ids(database, NoteRow.__table__) == {kept}


def test_deleting_a_conversation_cascades_to_its_notes_at_the_database(database):
    """The foreign key itself: SQLite enforces it only with PRAGMA foreign_keys=ON on the
    connection, so check both engines delete a conversation's notes with it."""
    with history.at(database.url, OLD) as old:
        conversation = history.outbound(old, NUMBER, "C1", "talk").conversation_id
        _note(old, conversation, "a note")
        other = history.outbound(old, OTHER, "C1", "other").conversation_id
        kept = _note(old, other, "another")
    with database.transaction() as tx:
        tx.connection.execute(delete(MessageRow.__table__))
        tx.connection.execute(
            delete(ConversationRow.__table__).where(ConversationRow.id == conversation)
        )
    assert _ids(database, NoteRow.__table__) == {kept}


def test_forgetting_a_number_deletes_its_notes_and_contact_name_and_redacts_contact_audit(
    database,
):
    with history.at(database.url, OLD) as old:
        mine = history.outbound(old, NUMBER, "C1", "mine").conversation_id
        theirs = history.outbound(old, OTHER, "C1", "theirs").conversation_id
        for n in range(5):
            _note(old, mine, f"note {n}")
        kept = _note(old, theirs, "a note about someone else")
        with old.transaction() as tx:
            tx.contacts.set(NUMBER, "Jane Doe", "UBOB", OLD)
            tx.contacts.set(OTHER, "Carol", "UBOB", OLD)
            tx.audit.record("UBOB", "contact.set", NUMBER, "Jane Doe")
            tx.audit.record("UBOB", "contact.forget", NUMBER, "Jane Doe")
            tx.audit.record("UBOB", "contact.set", OTHER, "Carol")
            tx.audit.record("UBOB", "note.add", NUMBER, "1")

    notes = sum(_drain(database, lambda tx: tx.retention.forget_notes(NUMBER, limit=2)))
    with database.transaction() as tx:
        audit = tx.retention.redact_audit(NUMBER)
        tx.retention.forget_texts(NUMBER)
        conversations = tx.retention.forget_conversations(NUMBER)
        named = tx.retention.forget_contact(NUMBER)
        named_again = tx.retention.forget_contact(NUMBER)

    assert (notes, audit, conversations, named, named_again) == (5, 3, 1, True, False)
    assert _ids(database, NoteRow.__table__) == {kept}
    with database.transaction() as tx:
        c = tx.connection
        assert set(c.execute(select(ContactRow.phone_number)).scalars()) == {OTHER}
        rows = c.execute(select(AuditRow.action, AuditRow.target, AuditRow.detail))
        assert sorted(tuple(row) for row in rows) == [
            ("contact.forget", FORGOTTEN, FORGOTTEN_NAME),
            ("contact.set", FORGOTTEN, FORGOTTEN_NAME),
            ("contact.set", OTHER, "Carol"),
            ("note.add", FORGOTTEN, "1"),
        ]


def test_forgetting_a_number_takes_a_note_written_after_its_notes_went(database):
    with history.at(database.url, OLD) as old:
        mine = history.outbound(old, NUMBER, "C1", "mine").conversation_id
    assert sum(_drain(database, lambda tx: tx.retention.forget_notes(NUMBER))) == 0
    _note(database, mine, "written while the forget ran")
    with database.transaction() as tx:
        tx.retention.forget_texts(NUMBER)
        assert tx.retention.forget_conversations(NUMBER) == 1
    assert _count(database, NoteRow.__table__) == 0
