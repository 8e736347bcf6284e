"""Contacts (one name per number) and notes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

AT = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_one_name_per_number_replaced_and_forgotten(database):
    with database.transaction() as tx:
        assert tx.contacts.set("+447700900123", "Jane", "UALICE", AT) is None
        before = tx.contacts.set("+447700900123", "Jane Doe", "UBOB", AT + timedelta(hours=1))
        assert before.name == "Jane" and before.set_by == "UALICE"
        tx.contacts.set("+447700900124", "Amir", "UBOB", AT)
    with database.transaction() as tx:
        jane = tx.contacts.get("+447700900123")
        assert (jane.name, jane.set_by, jane.updated_at) == (
            "Jane Doe",
            "UBOB",
            AT + timedelta(hours=1),
        )
        assert [c.name for c in tx.contacts.all()] == ["Amir", "Jane Doe"]
        assert tx.contacts.forget("+447700900123").name == "Jane Doe"
        assert tx.contacts.forget("+447700900123") is None
        assert tx.contacts.get("+447700900123") is None


def test_notes_belong_to_their_conversation_and_go_with_it(database):
    with database.transaction() as tx:
        one, _ = tx.conversations.get_or_create("+447700900123", "C1")
        two, _ = tx.conversations.get_or_create("+447700900123", "C2")
        tx.notes.add(one.id, "C1", "1.1", "UALICE", "note: first")
        tx.notes.add(two.id, "C2", "2.1", "UBOB", "private: elsewhere")
        tx.notes.add(one.id, "C1", "1.2", "UBOB", "note: second")
    with database.transaction() as tx:
        assert [n.text for n in tx.notes.for_conversations([one.id])] == [
            "note: first",
            "note: second",
        ]
        assert tx.notes.for_conversations([]) == []
        assert [c.channel_id for c in tx.history.conversations_with("+447700900123")] == [
            "C1",
            "C2",
        ]
        tx.connection.exec_driver_sql(f"DELETE FROM conversations WHERE id = {one.id}")
    with database.transaction() as tx:
        assert tx.notes.for_conversations([one.id]) == []
        assert len(tx.notes.for_conversations([two.id])) == 1


def test_history_reads_texts_with_their_states_and_calls_on_either_leg(database):
    with database.transaction() as tx:
        conversation, _ = tx.conversations.get_or_create("+447700900123", "C1")
        out = tx.messages.record_outbound(
            "m1", conversation.id, "C1", "1.1", "hi", "UALICE", ["tel:+447700900123"], "tok"
        )
        tx.calls.add("call1", "tel:+447700900001", "tel:+447700900123", "UALICE", "C1")
        tx.calls.add("call2", "tel:+447700900123", "tel:+447700900001", "UALICE", "C1")
        tx.calls.add("call3", "tel:+447700900001", "tel:+447700900999", "UALICE", "C1")
    with database.transaction() as tx:
        ((message, recipients),) = tx.history.texts([conversation.id])
        assert message.id == out.id
        assert [r.destination_uri for r in recipients] == ["tel:+447700900123"]
        calls = tx.history.calls_with("tel:+447700900123")
        assert [c.call_id for c in calls] == ["call1", "call2"]
