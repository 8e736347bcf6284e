"""Calls, conferences and participants: state changes, live lists, cards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from bot.core.domain import CallStatus, CallTerminationCause, ConferenceStatus, ParticipantStatus

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_call_is_added_then_its_card_is_set(database):
    with database.transaction() as tx:
        call = tx.calls.add("call-1", "tel:+441", "tel:+442", "U1", "C1")
        assert call.status is CallStatus.INITIAL
        assert call.card_ts is None and call.ended_at is None and call.duration == 0
        assert tx.calls.set_card("call-1", "C9", "5.5") is True
        assert tx.calls.set_card("missing", "C9", "5.5") is False
        stored = tx.calls.get("call-1")
    assert (stored.channel_id, stored.card_ts) == ("C9", "5.5")
    assert stored.calling_party == "tel:+441" and stored.called_party == "tel:+442"
    assert stored.started_by == "U1"


def test_call_state_reports_change_only_when_something_differs(database):
    connected = (CallStatus.CONNECTED, CallTerminationCause.NOT_TERMINATED, START, 10)
    with database.transaction() as tx:
        tx.calls.add("call-1", "tel:+441", "tel:+442", "U1", "C1")
        assert tx.calls.update_state("call-1", *connected) is True
        assert tx.calls.update_state("call-1", *connected) is False
        assert tx.calls.update_state("call-1", "CallConnected", "CallNotTerminated", START, 11)
        assert tx.calls.update_state("missing", *connected) is False
        call = tx.calls.get("call-1")
    assert call.status is CallStatus.CONNECTED
    assert call.termination_cause is CallTerminationCause.NOT_TERMINATED
    assert call.start_time == START and call.duration == 11
    assert call.ended_at is None


def test_a_terminated_call_stays_terminated_and_leaves_the_live_list(database):
    with database.transaction() as tx:
        tx.calls.add("call-1", "tel:+441", "tel:+442", "U1", "C1")
        tx.calls.add("call-2", "tel:+441", "tel:+443", "U1", "C1")
        assert [c.call_id for c in tx.calls.live()] == ["call-1", "call-2"]
        hung_up = CallTerminationCause.CALLED_PARTY_HUNG_UP
        assert tx.calls.update_state("call-1", CallStatus.TERMINATED, hung_up, START, 42)
        ended_at = tx.calls.get("call-1").ended_at
        assert ended_at is not None
        late_poll = (CallStatus.CONNECTED, CallTerminationCause.NOT_TERMINATED, START, 40)
        assert tx.calls.update_state("call-1", *late_poll) is False
        assert tx.calls.update_state("call-1", CallStatus.TERMINATED, hung_up, START, 43)
        call = tx.calls.get("call-1")
        assert [c.call_id for c in tx.calls.live()] == ["call-2"]
    assert call.status is CallStatus.TERMINATED
    assert call.termination_cause is hung_up
    assert call.duration == 43
    assert call.ended_at == ended_at


def test_call_ids_are_unique(database):
    with pytest.raises(IntegrityError), database.transaction() as tx:
        tx.calls.add("call-1", "tel:+441", "tel:+442", "U1", "C1")
        tx.calls.add("call-1", "tel:+443", "tel:+444", "U2", "C2")


def test_conference_lifecycle(database):
    with database.transaction() as tx:
        conference = tx.conferences.add("conf-1", "U1", "C1")
        assert conference.status is ConferenceStatus.INITIAL
        assert conference.number_of_participants == 0
        assert tx.conferences.set_card("conf-1", "C1", "7.7") is True
        assert tx.conferences.update_state("conf-1", ConferenceStatus.ACTIVE, START, 5, 2)
        assert not tx.conferences.update_state("conf-1", ConferenceStatus.ACTIVE, START, 5, 2)
        assert [c.conference_id for c in tx.conferences.live()] == ["conf-1"]
        assert tx.conferences.update_state("conf-1", "Terminated", START, 60, 0)
        assert not tx.conferences.update_state("conf-1", ConferenceStatus.ACTIVE, START, 61, 1)
        ended = tx.conferences.get("conf-1")
        assert tx.conferences.live() == []
    assert ended.status is ConferenceStatus.TERMINATED
    assert ended.card_ts == "7.7" and ended.duration == 60 and ended.ended_at is not None


def test_participants(database):
    with database.transaction() as tx:
        tx.conferences.add("conf-1", "U1", "C1")
        alice = tx.conferences.add_participant("conf-1", "p-1", "tel:+441", "U2")
        tx.conferences.add_participant("conf-1", "p-2", "tel:+442", None)
        assert alice.status is ParticipantStatus.INVITED
        assert tx.conferences.update_participant("p-1", ParticipantStatus.CONNECTED, START)
        assert not tx.conferences.update_participant("p-1", "Connected", START)
        assert not tx.conferences.update_participant("missing", "Connected", START)
        participants = tx.conferences.participants("conf-1")
        assert tx.conferences.participant("p-2").slack_user_id is None
    assert [(p.participant_id, p.status) for p in participants] == [
        ("p-1", ParticipantStatus.CONNECTED),
        ("p-2", ParticipantStatus.INVITED),
    ]
    assert participants[0].start_time == START
    assert participants[0].conference_id == "conf-1"


def test_a_participant_needs_an_existing_conference(database):
    with pytest.raises(IntegrityError), database.transaction() as tx:
        tx.conferences.add_participant("no-such-conference", "p-1", "tel:+441", None)


def test_participant_ids_are_unique(database):
    with pytest.raises(IntegrityError), database.transaction() as tx:
        tx.conferences.add("conf-1", "U1", "C1")
        tx.conferences.add_participant("conf-1", "p-1", "tel:+441", None)
        tx.conferences.add_participant("conf-1", "p-1", "tel:+442", None)
