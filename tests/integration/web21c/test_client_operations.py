"""Every one of the 18 operations through Web21CClient against the sandbox over real HTTP."""

from __future__ import annotations

import inspect
from datetime import datetime

import requests

from bot.core.domain import (
    CallStatus,
    CallTerminationCause,
    ConferenceStatus,
    MessageStatus,
    ParticipantStatus,
)
from bot.core.ports import Telephony

HAPPY, ORDINARY = "tel:+447700900001", "tel:+447700900123"


def test_client_satisfies_the_telephony_port_with_the_same_signatures(client):
    methods = [n for n, v in vars(Telephony).items() if callable(v) and not n.startswith("_")]
    assert len(methods) == 15  # the 14 operations the bridge uses, and close()
    for name in methods:
        expected = inspect.signature(getattr(Telephony, name))
        actual = inspect.signature(getattr(type(client), name))
        assert list(actual.parameters) == list(expected.parameters), name
        assert [p.default for p in actual.parameters.values()] == [
            p.default for p in expected.parameters.values()
        ], name


def test_third_party_call_operations(client, running):
    call_id = client.make_call(ORDINARY, HAPPY, dial_timeout_sec=20)
    info = client.get_call_information(call_id)
    assert (info.status, info.start_time, info.duration) == (CallStatus.INITIAL, None, 0)
    assert info.termination_cause is CallTerminationCause.NOT_TERMINATED
    running.sandbox.advance(10)
    info = client.get_call_information(call_id)
    assert info.status is CallStatus.CONNECTED
    assert isinstance(info.start_time, datetime) and info.start_time.tzinfo is not None
    assert info.duration >= 6
    assert client.end_call(call_id) == "CallTerminated"
    info = client.get_call_information(call_id)
    assert info.termination_cause is CallTerminationCause.TERMINATED_BY_CONTROLLER
    assert client.third_party_call.make_call(ORDINARY, HAPPY).startswith("call-")


def test_conferencing_operations(client, running):
    conference_id = client.create_conference()
    assert client.get_conference_info(conference_id).status is ConferenceStatus.INITIAL
    alice = client.invite_participant(conference_id, ORDINARY)
    bob = client.conferencing.invite_participant(
        conference_id, "sip:happy-1@mockphones.nat.bt.com:5660"
    )
    assert client.get_participant_info(alice).status is ParticipantStatus.INVITED
    running.sandbox.advance(5)
    info = client.get_conference_info(conference_id)
    assert (info.conference_id, info.status, info.number_of_participants) == (
        conference_id,
        ConferenceStatus.ACTIVE,
        2,
    )
    assert info.start_time is not None
    participants = client.get_participants(conference_id)
    assert [p.participant_id for p in participants] == [alice, bob]
    assert all(p.status is ParticipantStatus.CONNECTED for p in participants)
    assert client.disconnect_participant(bob) == "Disconnected"
    assert client.get_participant_info(bob).status is ParticipantStatus.DISCONNECTED
    assert client.end_conference(conference_id) == "Terminated"
    assert client.get_conference_info(conference_id).status is ConferenceStatus.TERMINATED
    assert client.get_participant_info(alice).status is ParticipantStatus.DISCONNECTED


def test_one_way_messaging_operations(client, running, receiver):
    message_id = client.send_message([ORDINARY, HAPPY], "Web21C", "hello")
    statuses = client.get_message_delivery_statuses(message_id)
    assert [(s.destination_uri, s.status) for s in statuses] == [
        (ORDINARY, MessageStatus.INITIAL),
        (HAPPY, MessageStatus.INITIAL),
    ]
    running.sandbox.advance(5)
    statuses = client.one_way.get_message_delivery_statuses(message_id)
    assert {s.status for s in statuses} == {MessageStatus.DELIVERED}
    evented = client.send_message([ORDINARY], "Web21C", "hello", event_url=receiver.url)
    running.sandbox.advance(5)
    assert [e["messageStatus"] for e in receiver.wait_for(2)] == ["Sent", "Delivered"]
    sent = {
        m["messageId"]: m
        for m in requests.get(f"{running.url}/sandbox/messages").json()["messages"]
    }
    assert sent[message_id]["from"] == "Web21C"
    assert sent[evented]["url"] == receiver.url


def test_inbound_messaging_operations(client, running, receiver):
    plain = client.inbound.send_message([ORDINARY], "reply without a sender name")
    evented = client.inbound.send_message_with_eventing([HAPPY], "with events", receiver.url)
    running.sandbox.advance(5)
    assert client.inbound.get_message_delivery_statuses(plain)[0].status is MessageStatus.DELIVERED
    assert [e["destinationUri"] for e in receiver.wait_for(2)] == [HAPPY, HAPPY]
    assert all(e["messageId"] == evented for e in receiver.events)

    for text in ("Bridge first", "bridge second", "other text"):
        response = requests.post(
            f"{running.url}/sandbox/inbound", json={"senderUri": ORDINARY, "messageText": text}
        )
        assert response.status_code == 200
    received = client.get_received_messages("BRIDGE")
    assert [m.text for m in received] == ["Bridge first", "bridge second"]
    first = received[0]
    assert (first.sender_uri, first.destination_uri) == (ORDINARY, "tel:+447700900999")
    assert first.keyword == "Bridge" and first.receive_time.tzinfo is not None
    assert client.get_received_messages("bridge") == received  # not cleared yet: returned again
    assert client.clear_received_messages([first.message_id, "in-unknown"]) == 1
    assert client.inbound.clear_received_messages([first.message_id]) == 0
    assert [m.text for m in client.get_received_messages("bridge")] == ["bridge second"]
    assert client.clear_received_messages([]) == 0


def test_echo_number_replies_with_the_reply_keyword(client, running):
    client.send_message(["tel:+447700900000"], "Web21C", "ping")
    assert client.get_received_messages("bridge") == []
    running.sandbox.advance(10)
    (reply,) = client.get_received_messages("bridge")
    assert reply.text == "bridge Echo: ping"
    assert reply.sender_uri == "tel:+447700900000"
