"""The sandbox's JSON admin API, fault injection and status events."""

from __future__ import annotations

import pytest
import requests

from adapters.web21c.client import Web21CClient
from adapters.web21c.sandbox import SandboxOptions, start_sandbox
from bot.core.domain import CallStatus, ServiceFailure, ServiceUnavailable
from bot.http.server import HttpServer
from tests.integration.web21c.conftest import EventReceiver


def test_inbound_texts_are_queued_by_first_word(running, client):
    response = requests.post(
        f"{running.url}/sandbox/inbound",
        json={"senderUri": "tel:+447700900123", "messageText": "  Bridge can you call me"},
    )
    assert response.status_code == 200 and response.json()["messageId"].startswith("in-")
    explicit = requests.post(
        f"{running.url}/sandbox/inbound",
        json={
            "senderUri": "sip:alice@example.com",
            "destinationUri": "tel:+447700900555",
            "keyword": "help",
            "messageText": "no keyword in here",
        },
    ).json()
    waiting = requests.get(f"{running.url}/sandbox/inbound").json()["keywords"]
    assert [m["messageText"] for m in waiting["bridge"]] == ["  Bridge can you call me"]
    assert waiting["help"][0]["messageId"] == explicit["messageId"]
    assert waiting["help"][0]["destinationUri"] == "tel:+447700900555"
    assert [m.text for m in client.get_received_messages("HELP")] == ["no keyword in here"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"messageText": "hi"}', "senderUri is required"),
        (b'{"senderUri": "07700 900123", "messageText": "hi"}', "malformed party URI"),
        (b'{"senderUri": "tel:+447700900123", "messageText": 5}', "messageText: expected a"),
        (b'{"senderUri": "tel:+447700900123", "messageText": "  "}', "messageText is empty"),
    ],
)
def test_bad_inbound_requests_get_400_with_a_reason(running, body, words):
    response = requests.post(f"{running.url}/sandbox/inbound", data=body)
    assert response.status_code == 400
    assert words in response.json()["error"]


def test_views_of_calls_conferences_and_messages(running, client):
    call_id = client.make_call("tel:+447700900001", "tel:+447700900123")
    conference_id = client.create_conference()
    participant_id = client.invite_participant(conference_id, "tel:+447700900123")
    message_id = client.send_message(["tel:+447700900007"], "Web21C", "hi")
    running.sandbox.advance(5)

    calls = requests.get(f"{running.url}/sandbox/calls").json()["calls"]
    assert [c["callId"] for c in calls] == [call_id]
    one = requests.get(f"{running.url}/sandbox/calls/{call_id}").json()
    assert one["callStatus"] == "CallConnected" and one["calledParty"] == "tel:+447700900123"
    assert requests.get(f"{running.url}/sandbox/calls/call-nope").status_code == 404

    conference = requests.get(f"{running.url}/sandbox/conferences/{conference_id}").json()
    assert conference["conferenceStatus"] == "Active"
    assert conference["participants"][0]["participantId"] == participant_id
    assert conference["participants"][0]["participantStatus"] == "Connected"
    listed = requests.get(f"{running.url}/sandbox/conferences").json()["conferences"]
    assert [c["conferenceId"] for c in listed] == [conference_id]

    (message,) = requests.get(f"{running.url}/sandbox/messages").json()["messages"]
    assert message["messageId"] == message_id
    assert message["recipients"] == [
        {"destinationUri": "tel:+447700900007", "messageStatus": "Blocked"}
    ]
    assert requests.get(f"{running.url}/sandbox/nothing").status_code == 404
    assert requests.delete(f"{running.url}/sandbox/calls").status_code == 405


def test_fault_injection_down_latency_and_fault_rate(running, client):
    admin = f"{running.url}/sandbox/faults"
    assert requests.post(admin, json={"down": True}).json()["down"] is True
    with pytest.raises(ServiceUnavailable, match="HTTP 503"):
        client.create_conference()
    requests.post(admin, json={"down": False, "fault_rate": 1.0})
    with pytest.raises(ServiceFailure, match="injected fault"):
        client.create_conference()
    assert requests.delete(admin).json() == {"latency_ms": 0, "fault_rate": 0.0, "down": False}
    requests.post(admin, json={"latency_ms": 300})
    slow = Web21CClient(running.url, read_retries=0, read_timeout=0.1)
    with slow, pytest.raises(ServiceUnavailable, match="in time"):
        slow.create_conference()
    requests.delete(admin)
    assert client.create_conference().startswith("conf-")
    assert running.sandbox.conferences()[0]["conferenceStatus"] == "Initial"


@pytest.mark.parametrize(
    "body",
    [{"fault_rate": 2}, {"latency_ms": -1}, {"latency_ms": 1.5}, {"down": "yes"}, {"speed": 3}],
)
def test_bad_fault_settings_get_400(running, body):
    response = requests.post(f"{running.url}/sandbox/faults", json=body)
    assert response.status_code == 400 and response.json()["error"]


def test_clock_can_be_read_and_advanced_over_http(running, client):
    call_id = client.make_call("tel:+447700900001", "tel:+447700900123")
    before = requests.get(f"{running.url}/sandbox/clock").json()
    after = requests.post(f"{running.url}/sandbox/clock", json={"advanceSeconds": 10}).json()
    assert after["now"] > before["now"] and after["speed"] == 1.0
    assert client.get_call_information(call_id).status is CallStatus.CONNECTED
    bad = requests.post(f"{running.url}/sandbox/clock", json={"advanceSeconds": -5})
    assert bad.status_code == 400


def test_status_events_are_posted_as_json_per_change_per_recipient(running, client, receiver):
    message_id = client.send_message(
        ["tel:+447700900008", "tel:+447700900003"], "Web21C", "hi", event_url=receiver.url
    )
    running.sandbox.advance(20)
    events = receiver.wait_for(4)
    assert {(e["destinationUri"], e["messageStatus"]) for e in events} == {
        ("tel:+447700900008", "Sent"),
        ("tel:+447700900008", "Retrying"),
        ("tel:+447700900008", "Delivered"),
        ("tel:+447700900003", "Failed"),
    }
    assert all(e["messageId"] == message_id and e["time"].endswith("Z") for e in events)
    assert set(receiver.content_types) == {"application/json"}
    outcomes = requests.get(f"{running.url}/sandbox/events").json()["events"]
    assert len(outcomes) == 4 and all(o["delivered"] for o in outcomes)


def test_failed_event_posts_are_retried():
    flaky = EventReceiver(fail_first=2)
    with (
        HttpServer(flaky, "127.0.0.1", 0, name="flaky-receiver") as server,
        start_sandbox(options=SandboxOptions(speed=1000)) as running,
    ):
        with Web21CClient(running.url) as client:
            client.inbound.send_message_with_eventing(
                ["tel:+447700900007"], "hi", server.url + "/e"
            )
        (event,) = flaky.wait_for(1, timeout=10)
        assert event["messageStatus"] == "Blocked"
        assert flaky.attempts == 3
