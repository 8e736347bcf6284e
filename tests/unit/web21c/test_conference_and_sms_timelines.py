"""Conference, participant and SMS state machines in simulated seconds (no sockets)."""

from __future__ import annotations

from adapters.web21c.sandbox.conferences import Conference, Participant
from adapters.web21c.sandbox.messaging import InboundQueue, InboundText, Recipient, first_word
from adapters.web21c.sandbox.phones import phone_for
from bot.core.domain import ConferenceStatus, MessageStatus, ParticipantStatus


def _invite(conference: Conference, uri: str, at: float) -> Participant:
    participant = Participant.invite(
        f"p{len(conference.participants)}", conference.conference_id, uri, phone_for(uri), at
    )
    conference.participants.append(participant)
    return participant


def test_conference_goes_initial_active_terminated():
    conference = Conference("c", 0.0)
    assert conference.status(0) is ConferenceStatus.INITIAL
    alice = _invite(conference, "tel:+447700900123", 1)
    bob = _invite(conference, "tel:+447700900001", 1)
    assert alice.status(2) is ParticipantStatus.INVITED
    assert conference.status(2) is ConferenceStatus.INITIAL
    assert conference.status(3) is ConferenceStatus.ACTIVE
    assert conference.start_time(10) == 3
    assert conference.connected_count(10) == 2 and conference.duration(10) == 7
    bob.disconnect(20)
    assert bob.status(20) is ParticipantStatus.DISCONNECTED
    assert conference.connected_count(20) == 1
    conference.end(30)
    assert conference.status(30) is ConferenceStatus.TERMINATED
    assert alice.status(30) is ParticipantStatus.DISCONNECTED
    assert conference.duration(1000) == 27
    assert conference.connected_count(1000) == 0


def test_participants_who_never_connect():
    conference = Conference("c", 0.0)
    busy = _invite(conference, "tel:+447700900002", 0)
    silent = _invite(conference, "tel:+447700900004", 0)
    assert busy.status(0.5) is ParticipantStatus.INVITED
    assert busy.status(1) is ParticipantStatus.DISCONNECTED
    assert silent.status(29) is ParticipantStatus.INVITED
    assert silent.status(30) is ParticipantStatus.DISCONNECTED
    assert busy.start_time(100) is None
    assert conference.status(100) is ConferenceStatus.INITIAL


def test_hangup_participant_leaves_on_its_own():
    conference = Conference("c", 0.0)
    sneezy = _invite(conference, "sip:sneezy-3-x@mockphones.nat.bt.com:5660", 0)
    assert sneezy.status(2) is ParticipantStatus.CONNECTED
    assert sneezy.status(5) is ParticipantStatus.DISCONNECTED
    assert conference.status(5) is ConferenceStatus.ACTIVE  # only endConference terminates


def _statuses(uri: str, times):
    recipient = Recipient.texted(uri, phone_for(uri), 0.0)
    return [recipient.status(t).value for t in times]


def test_sms_timelines_per_behaviour():
    times = (0, 1, 2, 3, 15)
    assert _statuses("tel:+447700900123", times) == [
        "Initial", "Sent", "Sent", "Delivered", "Delivered"
    ]  # fmt: skip
    assert _statuses("tel:+447700900003", times) == [
        "Initial", "Initial", "Failed", "Failed", "Failed"
    ]  # fmt: skip
    assert _statuses("tel:+447700900007", times) == [
        "Initial", "Blocked", "Blocked", "Blocked", "Blocked"
    ]  # fmt: skip
    assert _statuses("tel:+447700900008", times) == [
        "Initial", "Sent", "Sent", "Retrying", "Delivered"
    ]  # fmt: skip


def test_due_events_report_each_change_once():
    recipient = Recipient.texted("tel:+447700900008", phone_for("tel:+447700900008"), 0.0)
    assert recipient.due_events(0.5) == []
    assert [s for _, s in recipient.due_events(3)] == [MessageStatus.SENT, MessageStatus.RETRYING]
    assert recipient.due_events(3) == []
    assert [s for _, s in recipient.due_events(100)] == [MessageStatus.DELIVERED]


def test_inbound_queue_matches_first_word_case_insensitively_and_clears_once():
    queue = InboundQueue()
    queue.add(InboundText("a", first_word("Bridge hello"), "tel:+1", "tel:+2", "Bridge hello", 1))
    queue.add(InboundText("b", "other", "tel:+1", "tel:+2", "other text", 2))
    queue.schedule(InboundText("c", "bridge", "tel:+1", "tel:+2", "bridge later", 10))
    assert [t.message_id for t in queue.for_keyword("BRIDGE", 5)] == ["a"]
    assert [t.message_id for t in queue.for_keyword("bridge", 10)] == ["a", "c"]
    assert queue.clear(["a", "a", "unknown"]) == 1
    assert queue.clear(["a"]) == 0
    assert [t.message_id for t in queue.for_keyword("bridge", 11)] == ["c"]
    assert first_word("   ") == ""


def test_the_empty_keyword_reads_every_waiting_text_oldest_first():
    queue = InboundQueue()
    queue.add(InboundText("b", "other", "tel:+1", "tel:+2", "other text", 2))
    queue.add(InboundText("a", "bridge", "tel:+1", "tel:+2", "bridge hello", 1))
    queue.add(InboundText("e", "", "tel:+1", "tel:+2", "", 3))
    queue.schedule(InboundText("c", "bridge", "tel:+1", "tel:+2", "bridge later", 10))
    assert [t.message_id for t in queue.for_keyword("", 5)] == ["a", "b", "e"]
    assert [t.message_id for t in queue.for_keyword(" \t", 10)] == ["a", "b", "e", "c"]
    assert queue.clear([]) == 0
    assert queue.clear(["a", "e"]) == 2
    assert [t.message_id for t in queue.for_keyword("", 10)] == ["b", "c"]
