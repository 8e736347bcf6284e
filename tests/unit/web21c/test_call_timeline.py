"""Third-party call state machines per behaviour, in simulated seconds (no sockets)."""

from __future__ import annotations

import pytest

from adapters.web21c.sandbox.calls import Call, plan_call
from adapters.web21c.sandbox.phones import phone_for
from bot.core.domain import CallStatus, CallTerminationCause

HAPPY = "tel:+447700900001"
BUSY = "tel:+447700900002"
BROKEN = "tel:+447700900003"
NOANSWER = "tel:+447700900004"
SLOWANSWER = "tel:+447700900005"
HANGUP = "tel:+447700900006"
ORDINARY = "tel:+447700900999"


def _call(calling, called, dial_timeout=30) -> Call:
    plan = plan_call(phone_for(calling), phone_for(called), 0.0, dial_timeout)
    return Call("c", calling, called, dial_timeout, 0.0, plan)


def _at(call: Call, t: float):
    state = call.state(t)
    return state.status, state.cause


def test_happy_to_ordinary_rings_connects_then_the_happy_caller_hangs_up():
    call = _call(HAPPY, ORDINARY)
    assert _at(call, 1) == (CallStatus.INITIAL, CallTerminationCause.NOT_TERMINATED)
    assert _at(call, 3) == (CallStatus.INITIAL, CallTerminationCause.NOT_TERMINATED)  # B rings
    assert _at(call, 5) == (CallStatus.CONNECTED, CallTerminationCause.NOT_TERMINATED)
    assert call.state(5).connected == 4 and call.state(5).duration == 1
    assert _at(call, 62) == (CallStatus.TERMINATED, CallTerminationCause.CALLING_PARTY_HUNG_UP)
    assert call.state(500).duration == 58


def test_ordinary_parties_stay_up_until_the_controller_ends_the_call():
    call = _call(ORDINARY, "sip:bob@example.com")
    assert call.state(1000).status is CallStatus.CONNECTED
    call.end(1000)
    assert _at(call, 1001) == (
        CallStatus.TERMINATED,
        CallTerminationCause.TERMINATED_BY_CONTROLLER,
    )
    assert call.state(2000).duration == 996
    call.end(3000)  # ending again changes nothing
    assert call.state(4000).duration == 996


def test_ending_while_ringing_terminates_without_a_start():
    call = _call(ORDINARY, ORDINARY)
    call.end(1)
    state = call.state(10)
    assert (state.status, state.cause) == (
        CallStatus.TERMINATED,
        CallTerminationCause.TERMINATED_BY_CONTROLLER,
    )
    assert state.connected is None and state.duration == 0


@pytest.mark.parametrize("calling", [BUSY, BROKEN])
def test_busy_or_broken_calling_party_is_unavailable_and_the_called_party_is_never_rung(calling):
    call = _call(calling, HAPPY)
    assert _at(call, 0.5)[0] is CallStatus.INITIAL
    assert _at(call, 1) == (CallStatus.TERMINATED, CallTerminationCause.CALLING_PARTY_UNAVAILABLE)


@pytest.mark.parametrize("called", [BUSY, BROKEN])
def test_busy_or_broken_called_party_is_unavailable_after_the_caller_answers(called):
    call = _call(HAPPY, called)
    assert _at(call, 2.5)[0] is CallStatus.INITIAL
    assert _at(call, 3) == (CallStatus.TERMINATED, CallTerminationCause.CALLED_PARTY_UNAVAILABLE)


def test_noanswer_rings_for_the_dial_timeout():
    call = _call(HAPPY, NOANSWER, dial_timeout=20)
    assert _at(call, 21)[0] is CallStatus.INITIAL
    assert _at(call, 22) == (CallStatus.TERMINATED, CallTerminationCause.CALLED_PARTY_UNAVAILABLE)
    caller = _call(NOANSWER, HAPPY, dial_timeout=5)
    assert _at(caller, 5) == (
        CallStatus.TERMINATED,
        CallTerminationCause.CALLING_PARTY_UNAVAILABLE,
    )


def test_slowanswer_answers_after_ten_seconds_unless_the_timeout_is_shorter():
    call = _call(ORDINARY, SLOWANSWER, dial_timeout=30)
    assert _at(call, 11)[0] is CallStatus.INITIAL
    assert _at(call, 12)[0] is CallStatus.CONNECTED
    impatient = _call(ORDINARY, SLOWANSWER, dial_timeout=5)
    assert _at(impatient, 7) == (
        CallStatus.TERMINATED,
        CallTerminationCause.CALLED_PARTY_UNAVAILABLE,
    )


def test_hangup_called_party_hangs_up_soon_after_answering():
    call = _call(ORDINARY, HANGUP)
    assert _at(call, 5)[0] is CallStatus.CONNECTED
    assert _at(call, 9) == (CallStatus.TERMINATED, CallTerminationCause.CALLED_PARTY_HUNG_UP)
    assert call.state(9).duration == 5


def test_caller_who_hangs_up_before_the_called_party_answers():
    call = _call(HANGUP, SLOWANSWER)  # caller up at 2, gone at 7; callee would answer at 12
    assert _at(call, 7) == (CallStatus.TERMINATED, CallTerminationCause.CALLING_PARTY_HUNG_UP)
    assert call.state(20).connected is None
