"""The state machines per behaviour, read through the client over HTTP; a fast clock; threads."""

from __future__ import annotations

import threading
import time

import pytest

from adapters.web21c.client import Web21CClient
from adapters.web21c.sandbox import SandboxOptions, start_sandbox
from bot.core.domain import CallStatus, CallTerminationCause, MessageStatus

ORDINARY = "tel:+447700900123"
T = CallTerminationCause


@pytest.mark.parametrize(
    ("calling", "called", "after", "status", "cause"),
    [
        ("tel:+447700900001", ORDINARY, 70, CallStatus.TERMINATED, T.CALLING_PARTY_HUNG_UP),
        (ORDINARY, "tel:+447700900001", 10, CallStatus.CONNECTED, T.NOT_TERMINATED),
        (ORDINARY, "tel:+447700900002", 10, CallStatus.TERMINATED, T.CALLED_PARTY_UNAVAILABLE),
        ("tel:+447700900003", ORDINARY, 10, CallStatus.TERMINATED, T.CALLING_PARTY_UNAVAILABLE),
        (ORDINARY, "tel:+447700900004", 25, CallStatus.INITIAL, T.NOT_TERMINATED),
        (ORDINARY, "tel:+447700900004", 40, CallStatus.TERMINATED, T.CALLED_PARTY_UNAVAILABLE),
        (ORDINARY, "tel:+447700900005", 8, CallStatus.INITIAL, T.NOT_TERMINATED),
        (ORDINARY, "tel:+447700900005", 14, CallStatus.CONNECTED, T.NOT_TERMINATED),
        (ORDINARY, "tel:+447700900006", 20, CallStatus.TERMINATED, T.CALLED_PARTY_HUNG_UP),
        (ORDINARY, "sip:grumpy-1@mockphones.nat.bt.com:5660", 5, CallStatus.TERMINATED,
         T.CALLED_PARTY_UNAVAILABLE),
        (ORDINARY, "sip:sleepy-1@mockphones.nat.bt.com:5660", 5, CallStatus.INITIAL,
         T.NOT_TERMINATED),
        (ORDINARY, "sip:doc-3-1@mockphones.nat.bt.com:5660", 6, CallStatus.CONNECTED,
         T.NOT_TERMINATED),
        ("sip:sneezy-2-1@mockphones.nat.bt.com:5660", ORDINARY, 10, CallStatus.TERMINATED,
         T.CALLING_PARTY_HUNG_UP),
    ],
)  # fmt: skip
def test_call_outcome_per_behaviour(client, running, calling, called, after, status, cause):
    call_id = client.make_call(calling, called)
    running.sandbox.advance(after)
    info = client.get_call_information(call_id)
    assert (info.status, info.termination_cause) == (status, cause)
    assert (info.start_time is not None) == (
        info.status is CallStatus.CONNECTED or info.duration > 0
    )


def test_dial_timeout_applies_to_each_leg(client, running):
    call_id = client.make_call(ORDINARY, "tel:+447700900004", dial_timeout_sec=5)
    running.sandbox.advance(6)  # caller answered at 2, callee rang 2..7
    assert client.get_call_information(call_id).status is CallStatus.INITIAL
    running.sandbox.advance(2)
    info = client.get_call_information(call_id)
    assert info.termination_cause is T.CALLED_PARTY_UNAVAILABLE


def test_a_fast_clock_lets_a_call_run_its_course_without_sleeping_long():
    with (
        start_sandbox(options=SandboxOptions(speed=200)) as running,
        Web21CClient(running.url) as client,
    ):
        call_id = client.make_call(ORDINARY, "tel:+447700900006")
        info = client.get_call_information(call_id)
        deadline = time.monotonic() + 10
        while info.status is not CallStatus.TERMINATED and time.monotonic() < deadline:
            time.sleep(0.01)
            info = client.get_call_information(call_id)
        assert info.termination_cause is T.CALLED_PARTY_HUNG_UP
        assert info.duration == 5


def test_sms_status_per_recipient(client, running):
    recipients = [ORDINARY, "tel:+447700900003", "tel:+447700900007", "tel:+447700900008"]
    message_id = client.send_message(recipients, "Web21C", "hello")
    running.sandbox.advance(4)
    assert [s.status for s in client.get_message_delivery_statuses(message_id)] == [
        MessageStatus.DELIVERED,
        MessageStatus.FAILED,
        MessageStatus.BLOCKED,
        MessageStatus.RETRYING,
    ]
    running.sandbox.advance(20)
    last = client.get_message_delivery_statuses(message_id)[-1]
    assert last.status is MessageStatus.DELIVERED and last.status.is_final


def test_one_client_serves_many_threads(client, running):
    errors: list[BaseException] = []
    call_ids: list[str] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        try:
            for i in range(10):
                call_id = client.make_call(ORDINARY, f"tel:+4477009{n:02d}{i:03d}")
                assert client.get_call_information(call_id).status is CallStatus.INITIAL
                message_id = client.send_message([ORDINARY], "Web21C", f"{n}-{i}")
                assert len(client.get_message_delivery_statuses(message_id)) == 1
                with lock:
                    call_ids.append(call_id)
        except BaseException as error:  # reported below, with the thread's failure
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(call_ids)) == 80
    assert len(running.sandbox.calls()) == 80 and len(running.sandbox.messages()) == 80
