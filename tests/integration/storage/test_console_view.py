"""The console's read-back: threads, cards, stored texts and the highest stamps."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.domain import CallStatus, CallTerminationCause, ConferenceStatus
from storage.records import CallCard, ConferenceCard, StoredText, ThreadView

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_an_empty_database_has_nothing_to_show(database):
    with database.transaction() as tx:
        view = tx.console_view
        assert view.threads() == []
        assert view.call_cards() == [] and view.conference_cards() == []
        assert view.highest_stamps() == [None, None, None]
        assert view.text_at("C1", "1.000000") is None


def test_only_conversations_with_a_thread_are_listed(database):
    with database.transaction() as tx:
        threaded, _ = tx.conversations.get_or_create("+447700900001", "C1")
        tx.conversations.set_thread(threaded.id, "3.000000")
        tx.conversations.get_or_create("+447700900002", "C1")
        threads = tx.console_view.threads()
    assert threads == [ThreadView("3.000000", "C1", "+447700900001")]


def test_cards_carry_what_the_console_shows_and_cardless_ones_are_left_out(database):
    with database.transaction() as tx:
        tx.calls.add("call-1", "tel:+441", "tel:+442", "U1", "C1")
        tx.calls.set_card("call-1", "C1", "4.000000")
        hung_up = CallTerminationCause.CALLED_PARTY_HUNG_UP
        tx.calls.update_state("call-1", CallStatus.TERMINATED, hung_up, START, 9)
        tx.calls.add("call-2", "tel:+441", "tel:+443", "U1", "C1")
        tx.conferences.add("conf-1", "U1", "C1")
        tx.conferences.set_card("conf-1", "C1", "5.000000")
        tx.conferences.update_state("conf-1", ConferenceStatus.ACTIVE, START, 3, 2)
        tx.conferences.add("conf-2", "U1", "C1")
        calls, conferences = tx.console_view.call_cards(), tx.console_view.conference_cards()
        highest = tx.console_view.highest_stamps()
    assert calls == [CallCard("4.000000", "CallTerminated", "tel:+441", "tel:+442")]
    assert conferences == [ConferenceCard("5.000000", ConferenceStatus.ACTIVE.value, 2)]
    assert highest == [None, "4.000000", "5.000000"]


def test_a_stored_text_comes_back_with_its_thread(database):
    with database.transaction() as tx:
        conversation, _ = tx.conversations.get_or_create("+447700900001", "C1")
        tx.conversations.set_thread(conversation.id, "6.000000")
        tx.messages.record_outbound(
            "m-1", conversation.id, "C1", "7.000000", "in the thread", "U1", ["tel:+441"], None
        )
        tx.messages.record_outbound(
            "m-2", None, "C1", "8.000000", "on its own", "U1", ["tel:+442"], None
        )
        view = tx.console_view
        assert view.text_at("C1", "7.000000") == StoredText("in the thread", "6.000000")
        assert view.text_at("C1", "8.000000") == StoredText("on its own", None)
        assert view.text_at("C2", "7.000000") is None
        assert view.highest_stamps()[0] == "8.000000"
