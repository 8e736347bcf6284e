"""Phone numbers: parse what people type, apply the toll-fraud policy, build Web21C URIs.

Numbers are kept as E.164 strings (`+447700900123`) everywhere inside the bridge and become
`tel:` URIs only at the Telephony port. The policy is deliberately strict: a number must be
valid, in an allowed country, of an allowed type (an allow list: mobile, fixed line and toll
free unless configured otherwise), and never premium rate or shared cost. A `sip:` address
must be at an allowed domain, and a numeric user part (`sip:+4490...@gw`) is a phone number
that passes the same policy, whatever the domain.

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
_SIP_NUMERIC_USER = re.compile(r"^\+?[\d\-.()]+$")
_REJECTED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
}
# Never allowed, whatever ALLOWED_NUMBER_TYPES says: they cost the caller by design.
NEVER_ALLOWED_TYPES = frozenset(_REJECTED_TYPES)

# What each phonenumbers type is called in sentences for people, and in ALLOWED_NUMBER_TYPES.
TYPE_WORDS = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed-line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed-line or mobile",
    PhoneNumberType.TOLL_FREE: "toll-free",
    PhoneNumberType.PREMIUM_RATE: "premium-rate",
    PhoneNumberType.SHARED_COST: "shared-cost",
    PhoneNumberType.VOIP: "VoIP",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "UAN (corporate)",
    PhoneNumberType.VOICEMAIL: "voicemail access",
    PhoneNumberType.UNKNOWN: "unknown-type",
}
TYPE_KEYS = {
    "mobile": PhoneNumberType.MOBILE,
    "fixed_line": PhoneNumberType.FIXED_LINE,
    "fixed_line_or_mobile": PhoneNumberType.FIXED_LINE_OR_MOBILE,
    "toll_free": PhoneNumberType.TOLL_FREE,
    "voip": PhoneNumberType.VOIP,
    "personal_number": PhoneNumberType.PERSONAL_NUMBER,
    "pager": PhoneNumberType.PAGER,
    "uan": PhoneNumberType.UAN,
    "voicemail": PhoneNumberType.VOICEMAIL,
}
DEFAULT_ALLOWED_TYPES = frozenset(
    {
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.TOLL_FREE,
    }
)


class NumberRejected(ValueError):
    """A number the bridge will not use; the message says why, in words for the user."""


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    region: str | None
    kind: int = PhoneNumberType.UNKNOWN  # a phonenumbers.PhoneNumberType

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
        return PhoneNumber(e164, "GB", PhoneNumberType.MOBILE)
    if not phonenumbers.is_valid_number(parsed):
        raise NumberRejected(f"`{_shorten(raw)}` is not a valid phone number")
    kind = phonenumbers.number_type(parsed)
    if kind in _REJECTED_TYPES:
        raise NumberRejected(
            f"{e164} is {_REJECTED_TYPES[kind]}; the bridge never calls or texts those"
        )
    return PhoneNumber(e164, phonenumbers.region_code_for_number(parsed), kind)


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


def check_type(number: PhoneNumber, allowed_types: frozenset[int], verb: str) -> None:
    """Raise NumberRejected unless the number's type is on the allow list; the sentence names
    the type and what the bridge does reach, e.g. "... texts only mobile, fixed-line and
    toll-free numbers". `verb` is what the bridge would do with it ("texts", "calls")."""
    if number.kind in allowed_types and number.kind not in NEVER_ALLOWED_TYPES:
        return
    word = TYPE_WORDS.get(number.kind, "unknown-type")
    article = "an" if word[0] in "aeiou" else "a"  # "a UAN", "an unknown-type"
    raise NumberRejected(
        f"{national(number)} is {article} {word} number; this bridge {verb} only "
        f"{describe_types(allowed_types)}"
    )


def describe_types(allowed_types: frozenset[int]) -> str:
    """`mobile, fixed-line and toll-free numbers`: the allow list in words."""
    words = [TYPE_WORDS[kind] for kind in TYPE_WORDS if kind in allowed_types]
    if "mobile" in words or "fixed-line" in words:
        words = [w for w in words if w != "fixed-line or mobile"]
    if not words:
        return "no numbers at all"
    if len(words) == 1:
        return f"{words[0]} numbers"
    return f"{', '.join(words[:-1])} and {words[-1]} numbers"


def national(number: PhoneNumber) -> str:
    """The number as people in its own country write it (`070 1234 5678`)."""
    try:
        parsed = phonenumbers.parse(number.e164, None)
    except NumberParseException:
        return number.e164
    if number.region is None or number.region == "001":
        return number.e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


@dataclass(frozen=True)
class SipAddress:
    """A `sip:` URI taken apart: the user part (may be None) and the host, lowercased."""

    uri: str
    user: str | None
    host: str

    @property
    def numeric_user(self) -> str | None:
        """The user part when it is a phone number (`+447700900123`, `0909...`), else None.
        URI parameters (`;user=phone`) are not part of the number."""
        if not self.user:
            return None
        user = self.user.split(";", 1)[0]
        return user if _SIP_NUMERIC_USER.match(user) and any(c.isdigit() for c in user) else None


def parse_sip(text: str) -> SipAddress:
    """Take a `sip:` URI apart; NumberRejected when it is not one."""
    raw = text.strip()
    match = _SIP_URI.match(raw)
    if not raw.lower().startswith("sip:") or not match:
        raise NumberRejected(f"`{_shorten(raw)}` is not a valid sip: URI")
    user = match.group(1)[:-1] if match.group(1) else None
    host = match.group(2).split(";", 1)[0].lower()  # parameters are not part of the host
    name, _, port = host.rpartition(":")
    if name and port.isdigit():
        host = name
    if not host:
        raise NumberRejected(f"`{_shorten(raw)}` is not a valid sip: URI")
    return SipAddress(raw, user, host)


def check_sip_domain(address: SipAddress, allowed_domains: frozenset[str]) -> None:
    """Raise NumberRejected unless the address's host is on the allow list."""
    if address.host in allowed_domains:
        return
    if not allowed_domains:
        raise NumberRejected(
            f"`{_shorten(address.uri)}` is a sip: address; this bridge reaches no sip: "
            "addresses (an admin can allow domains with SIP_ALLOWED_DOMAINS)"
        )
    allowed = ", ".join(sorted(allowed_domains))
    raise NumberRejected(
        f"`{_shorten(address.uri)}` is at {_shorten(address.host)}; this bridge reaches sip: "
        f"addresses only at {allowed}"
    )


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
