"""Which behaviour stands behind a URI, and the simulated clock."""

from __future__ import annotations

import pytest

from adapters.web21c.sandbox.clock import SimClock, xs_datetime
from adapters.web21c.sandbox.phones import (
    HAPPY_HOLD_SECONDS,
    ORDINARY,
    SLOWANSWER_SECONDS,
    SmsOutcome,
    UnknownMockPhone,
    phone_for,
)


@pytest.mark.parametrize(
    ("uri", "kind"),
    [
        ("tel:+447700900000", "echo"),
        ("tel:+447700900001", "happy"),
        ("tel:+44 7700 900002", "busy"),
        ("tel:447700900003", "broken"),
        ("tel:+447700900004", "noanswer"),
        ("tel:+447700900005", "slowanswer"),
        ("tel:+447700900006", "hangup"),
        ("tel:+447700900007", "blocked"),
        ("tel:+447700900008", "flaky"),
        ("tel:+447700900123", "ordinary"),
        ("sip:alice@example.com", "ordinary"),
        ("sip:happy-1@mockphones.nat.bt.com:5660", "happy"),
        ("sip:bashful-1@mockphones.nat.bt.com:5660", "bashful"),
        ("sip:grumpy-1@mockphones.nat.bt.com:5660", "grumpy"),
        ("sip:dopey-1@mockphones.nat.bt.com:5660", "dopey"),
        ("sip:sleepy-1@mockphones.nat.bt.com:5660", "sleepy"),
        ("sip:doc-1@mockphones.nat.bt.com:5660", "doc"),
        ("sip:sneezy-1@mockphones.nat.bt.com:5660", "sneezy"),
    ],
)
def test_behaviour_by_uri(uri, kind):
    assert phone_for(uri).kind == kind


def test_mock_phone_delays_tune_the_main_timing_then_the_ring():
    happy = phone_for("sip:happy-30-4-abc@mockphones.nat.bt.com:5660")
    assert (happy.hold, happy.answers_after) == (30, 4)
    assert phone_for("sip:happy-abc@mockphones.nat.bt.com:5660").hold == HAPPY_HOLD_SECONDS
    assert phone_for("sip:slowanswer-20-x@mockphones.nat.bt.com:5660").answers_after == 20
    assert phone_for("sip:doc-x@mockphones.nat.bt.com:5660").answers_after == SLOWANSWER_SECONDS
    assert phone_for("sip:busy-7-x@mockphones.nat.bt.com:5660").unavailable_after == 7


def test_unknown_mock_phone_is_refused_by_name():
    with pytest.raises(UnknownMockPhone, match="'cheerful'"):
        phone_for("sip:cheerful-1@mockphones.nat.bt.com:5660")


def test_sms_outcomes_of_the_test_numbers():
    assert phone_for("tel:+447700900003").sms is SmsOutcome.FAILED
    assert phone_for("tel:+447700900007").sms is SmsOutcome.BLOCKED
    assert phone_for("tel:+447700900008").sms is SmsOutcome.FLAKY
    assert phone_for("tel:+447700900000").echoes_texts
    assert ORDINARY.sms is SmsOutcome.DELIVERED


def test_clock_runs_at_speed_and_can_be_advanced():
    clock = SimClock(speed=1000)
    first = clock.seconds()
    clock.advance(3600)
    assert clock.seconds() >= first + 3600
    assert clock.real_seconds(60) == pytest.approx(0.06)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        SimClock(speed=0)


def test_xs_datetime_is_utc_with_z():
    clock = SimClock()
    assert xs_datetime(clock.to_datetime(0)).endswith("Z")
