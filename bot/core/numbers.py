"""Phone numbers: parse what people type, apply the toll-fraud policy, build Web21C URIs.

Numbers are kept as E.164 strings (`+447700900123`) everywhere inside the bridge and become
`tel:` URIs only at the Telephony port. The policy is deliberately strict: a number must be
valid, in an allowed country, and never premium rate.

Ofcom reserves 07700 900000-900999 for drama; nobody owns those numbers, so they are safe to
use as the sandbox's test phones and are accepted as GB mobiles although phonenumbers (rightly)
calls them invalid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

_FICTIONAL_GB = re.compile(r"^\+447700900\d{3}$")
_TEL_URI = re.compile(r"^tel:(?:\+\s*)?([1-9][\d\-\s]+)$")
_SIP_URI = re.compile(r"^sip:(.+@)?(.+?)(:\d+)?$")
_REJECTED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
}


class NumberRejected(ValueError):
    """A number the bridge will not use; the message says why, in words for the user."""


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    region: str | None

    @property
    def uri(self) -> str:
        return f"tel:{self.e164}"

    def __str__(self) -> str:
        return self.e164


def parse_number(text: str, default_region: str) -> PhoneNumber:
    """Parse a number as typed (`07700 900123`, `+44 7700 900123`, `tel:+447700900123`)."""
    raw = text.strip()
    if raw.lower().startswith("tel:"):
        match = _TEL_URI.match(raw)
        if not match:
            raise NumberRejected(f"`{raw}` is not a valid tel: URI (try tel:+447700900123)")
        raw = "+" + re.sub(r"[\s\-]", "", match.group(1))
    if not re.fullmatch(r"[+(\d][\d\s\-().]{2,30}", raw):
        raise NumberRejected(f"`{_shorten(raw)}` is not a phone number")
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except NumberParseException:
        raise NumberRejected(f"`{_shorten(raw)}` is not a phone number") from None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if _FICTIONAL_GB.match(e164):
        return PhoneNumber(e164, "GB")
    if not phonenumbers.is_valid_number(parsed):
        raise NumberRejected(f"`{_shorten(raw)}` is not a valid phone number")
    kind = phonenumbers.number_type(parsed)
    if kind in _REJECTED_TYPES:
        raise NumberRejected(
            f"{e164} is {_REJECTED_TYPES[kind]}; the bridge never calls or texts those"
        )
    return PhoneNumber(e164, phonenumbers.region_code_for_number(parsed))


def looks_like_number(text: str, default_region: str) -> bool:
    """True for text that is a phone number, usable or not (premium rate counts): how the
    command grammar tells where a number typed with spaces ends."""
    try:
        parse_number(text, default_region)
    except NumberRejected as error:
        return " is a " in str(error)  # a real number the policy refuses
    return True


def check_allowed(number: PhoneNumber, allowed_countries: frozenset[str]) -> None:
    """Raise NumberRejected unless the number's country is allowed."""
    if number.region not in allowed_countries:
        where = number.region or "an unknown country"
        allowed = ", ".join(sorted(allowed_countries))
        raise NumberRejected(f"{number.e164} is in {where}; this bridge only reaches {allowed}")


def is_sip_uri(text: str) -> bool:
    return bool(_SIP_URI.match(text.strip())) and text.strip().lower().startswith("sip:")


def display(uri_or_number: str) -> str:
    """How a party is shown to people: `+447700900123` for tel: URIs, the URI itself for SIP."""
    return uri_or_number[4:] if uri_or_number.lower().startswith("tel:") else uri_or_number


def number_from_uri(uri: str) -> str:
    """The E.164 number of a `tel:` URI (spaces and dashes removed), or the SIP URI unchanged."""
    match = _TEL_URI.match(uri.strip())
    if match:
        return "+" + re.sub(r"[\s\-]", "", match.group(1))
    return uri.strip()


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
