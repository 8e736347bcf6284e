"""1,000 malformed or hostile SOAP responses to the Web21C client, from a loopback server that
sends whatever bytes it is told to: each must come out as a typed bot.core.domain error (or, for
replies still inside the contract, a typed value), never as an lxml, requests, zeep, KeyError
or ValueError exception, and never carry an unbounded or control-laden message to a user.

tests/integration/web21c/test_client_errors.py covers one example of several of these kinds;
this suite throws every kind at every operation, many times over, with varied payloads.
"""

from __future__ import annotations

import collections
import time

import pytest

from adapters.web21c.client import Web21CClient
from adapters.web21c.sandbox import SandboxOptions, start_sandbox
from bot.core.domain import TelephonyError
from tests.reliability.harness import text_the_service
from tests.reliability.hostile_replies import MUTATIONS, hostile_replies
from tests.reliability.hostile_web21c import HostileWeb21C

MAX_FAULT_STRING = 500  # what a user may be shown of a service's own words, at most
CALLS = {
    "makeCall": lambda c: c.make_call("tel:+447700900001", "tel:+447700900002", 30),
    "getCallInformation": lambda c: c.get_call_information("call-1"),
    "endCall": lambda c: c.end_call("call-1"),
    "sendMessage": lambda c: c.send_message(["tel:+447700900123"], "tel:+447700900999", "hi"),
    "getMessageDeliveryStatuses": lambda c: c.get_message_delivery_statuses("msg-1"),
    "getReceivedMessages": lambda c: c.get_received_messages("bridge"),
    "clearReceivedMessages": lambda c: c.clear_received_messages(["msg-1"]),
    "createConference": lambda c: c.create_conference(),
    "inviteParticipant": lambda c: c.invite_participant("conf-1", "tel:+447700900001"),
    "getConferenceInfo": lambda c: c.get_conference_info("conf-1"),
    "getParticipants": lambda c: c.get_participants("conf-1"),
    "getParticipantInfo": lambda c: c.get_participant_info("part-1"),
}


@pytest.fixture(scope="module")
def seeds() -> dict[str, bytes]:
    """A genuine answer to every operation, recorded from the sandbox through the proxy."""
    with (
        start_sandbox(options=SandboxOptions(speed=50)) as sandbox,
        HostileWeb21C(upstream=sandbox.url) as proxy,
        Web21CClient(proxy.url, read_retries=0) as client,
    ):
        text_the_service(sandbox, "tel:+447700900123", "hello bridge")
        call = client.make_call("tel:+447700900001", "tel:+447700900002", 30)
        client.get_call_information(call)
        message = client.send_message(["tel:+447700900123"], "tel:+447700900999", "hi")
        time.sleep(0.2)
        client.get_message_delivery_statuses(message)
        received = client.get_received_messages("bridge")
        client.clear_received_messages([m.message_id for m in received])
        conference = client.create_conference()
        participant = client.invite_participant(conference, "tel:+447700900001")
        client.get_conference_info(conference)
        client.get_participants(conference)
        client.get_participant_info(participant)
        client.end_call(call)
        recorded = {action.rpartition("#")[2]: body for action, body in proxy.recorded.items()}
    assert set(recorded) == set(CALLS)
    return recorded


def _throw(seeds: dict[str, bytes], count: int, seed: int) -> collections.Counter:
    outcomes: collections.Counter = collections.Counter()
    escaped, accepted_bad, loud = [], [], []
    replies = hostile_replies(seeds, count, seed)
    with (
        HostileWeb21C() as server,
        Web21CClient(
            server.url, read_retries=0, read_timeout=5, max_response_bytes=256 * 1024
        ) as client,
    ):
        for reply in replies:
            server.queue(reply.raw)
            try:
                CALLS[reply.operation](client)
            except TelephonyError as error:
                outcomes[type(error).__name__] += 1
                text = error.fault_string
                if len(text) > MAX_FAULT_STRING or any(ch < " " for ch in text):
                    loud.append((reply.kind, reply.operation, text[:80]))
            except Exception as error:  # the point of the test: nothing else may escape
                escaped.append((reply.kind, reply.operation, repr(error)[:200]))
            else:
                outcomes["accepted"] += 1
                if reply.must_fail:
                    accepted_bad.append((reply.kind, reply.operation))
    assert escaped == []
    assert sorted(set(accepted_bad)) == [], sorted(set(accepted_bad))
    assert loud == []
    assert sum(outcomes.values()) == count
    return outcomes


def test_hostile_soap_quick(seeds):
    outcomes = _throw(seeds, len(MUTATIONS) * 4, seed=84)
    assert outcomes["ServiceUnavailable"] > 0


@pytest.mark.slow
def test_hostile_soap_soak(seeds):
    outcomes = _throw(seeds, 1_000, seed=8)
    print(f"hostile SOAP: {dict(outcomes)}")
