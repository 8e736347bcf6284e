"""Who answers: the behaviour behind each party URI the sandbox is asked to ring or text.

- BT's mock phones, `sip:<name>-[<delay>-...]<id>@mockphones.nat.bt.com:5660`;
- a block of test numbers in Ofcom's drama range, +447700900000 to +447700900008, each
  behaving like one mock phone (+447700900000 also answers every text it gets);
- every other tel: or sip: URI: an ordinary phone that answers after a short ring.

All timings are simulated seconds (see clock.py) and documented in docs/web21c-sandbox.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum

MOCKPHONES_HOST = "mockphones.nat.bt.com"

RING_SECONDS = 2.0  # ordinary phones answer after this long
UNAVAILABLE_SECONDS = 1.0  # busy and broken phones fail this soon
HAPPY_HOLD_SECONDS = 60.0  # happy hangs up after this long
ORDINARY_HOLD_SECONDS = 3600.0  # ordinary numbers stay up (until ended) this long
HANGUP_HOLD_SECONDS = 5.0  # hangup answers, then hangs up this soon
SLOWANSWER_SECONDS = 10.0  # slowanswer rings this long before answering


class SmsOutcome(Enum):
    DELIVERED = "delivered"
    FAILED = "failed"  # unreachable
    BLOCKED = "blocked"
    FLAKY = "flaky"  # temporarily unreachable: Retrying, then Delivered


@dataclass(frozen=True)
class Phone:
    """How one party behaves. `answers_after` None: never answers; `hold` None: never hangs up."""

    kind: str
    answers_after: float | None = RING_SECONDS
    unavailable_after: float | None = None
    hold: float | None = ORDINARY_HOLD_SECONDS
    sms: SmsOutcome = SmsOutcome.DELIVERED
    echoes_texts: bool = False
    tunable: str | None = "hold"  # which timing a mock phone URI's first delay sets


_HAPPY = Phone("happy", hold=HAPPY_HOLD_SECONDS)
_BUSY = Phone(
    "busy", answers_after=None, unavailable_after=UNAVAILABLE_SECONDS, tunable="unavailable_after"
)
_BROKEN = replace(_BUSY, kind="broken", sms=SmsOutcome.FAILED)
_NOANSWER = Phone("noanswer", answers_after=None, tunable=None)
_SLOWANSWER = Phone(
    "slowanswer",
    answers_after=SLOWANSWER_SECONDS,
    hold=HAPPY_HOLD_SECONDS,
    tunable="answers_after",
)
_HANGUP = Phone("hangup", hold=HANGUP_HOLD_SECONDS)
ORDINARY = Phone("ordinary")

MOCK_PHONES: dict[str, Phone] = {
    "happy": _HAPPY,
    "bashful": replace(_HAPPY, kind="bashful"),
    "busy": _BUSY,
    "grumpy": replace(_BUSY, kind="grumpy"),
    "broken": _BROKEN,
    "dopey": replace(_BROKEN, kind="dopey"),
    "noanswer": _NOANSWER,
    "sleepy": replace(_NOANSWER, kind="sleepy"),
    "slowanswer": _SLOWANSWER,
    "doc": replace(_SLOWANSWER, kind="doc"),
    "hangup": _HANGUP,
    "sneezy": replace(_HANGUP, kind="sneezy"),
}

ECHO_NUMBER = "+447700900000"
TEST_NUMBERS: dict[str, Phone] = {
    ECHO_NUMBER: Phone("echo", hold=HAPPY_HOLD_SECONDS, echoes_texts=True),
    "+447700900001": _HAPPY,
    "+447700900002": _BUSY,
    "+447700900003": _BROKEN,
    "+447700900004": _NOANSWER,
    "+447700900005": _SLOWANSWER,
    "+447700900006": _HANGUP,
    "+447700900007": Phone("blocked", sms=SmsOutcome.BLOCKED),
    "+447700900008": Phone("flaky", sms=SmsOutcome.FLAKY),
}

_SIP = re.compile(r"^sip:(?:(?P<user>[^@]+)@)?(?P<host>[^:;]+)(?::\d+)?")


class UnknownMockPhone(ValueError):
    """A mockphones URI whose name is not one of BT's."""


def normalise_tel(uri: str) -> str | None:
    """`tel:+44 7700-900001` -> `+447700900001`; None for non-tel URIs."""
    if not uri.startswith("tel:"):
        return None
    digits = re.sub(r"[\s\-+]", "", uri[4:])
    return "+" + digits


def phone_for(uri: str) -> Phone:
    """The behaviour for a (syntactically valid) party URI."""
    number = normalise_tel(uri)
    if number is not None:
        return TEST_NUMBERS.get(number, ORDINARY)
    match = _SIP.match(uri)
    if not match or match["host"].lower() != MOCKPHONES_HOST or not match["user"]:
        return ORDINARY
    return _mock_phone(match["user"])


def _mock_phone(user: str) -> Phone:
    """`happy-30-abc` -> happy, staying up 30 s. Delays: main timing first, then ring time."""
    name, *rest = user.split("-")
    phone = MOCK_PHONES.get(name.lower())
    if phone is None:
        known = ", ".join(MOCK_PHONES)
        raise UnknownMockPhone(f"unknown mock phone {name!r}; BT's mock phones are {known}")
    delays = [float(part) for part in rest[:-1] if part.isdigit()]  # the last part is the id
    if delays and phone.tunable:
        phone = replace(phone, **{phone.tunable: delays[0]})
    if len(delays) > 1 and phone.tunable == "hold":
        phone = replace(phone, answers_after=delays[1])
    return phone
