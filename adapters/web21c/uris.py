"""Party URIs as Web21C accepted them: `tel:+<country code><number>` or `sip:...`.

The patterns are BT's own validator's (see the facts page). The bridge builds tel: URIs from
phonenumbers elsewhere; here we only refuse what Web21C would have refused.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.core.domain import InvalidArgument

TEL_URI = re.compile(r"^tel:(?:\+\s*)?([1-9][\d\-\s]+)$")
SIP_URI = re.compile(r"^sip:(.+@)?(.+?)(:\d+)?$")
MAX_URI_LENGTH = 256


def uri_problem(uri: object) -> str | None:
    """None when `uri` is an acceptable party URI, else why it is not."""
    if not isinstance(uri, str):
        return f"a party URI must be a string, got {type(uri).__name__}"
    if len(uri) > MAX_URI_LENGTH:
        return f"party URI longer than {MAX_URI_LENGTH} characters"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in uri):
        return f"party URI {uri!r} contains control characters"
    if TEL_URI.fullmatch(uri) or SIP_URI.fullmatch(uri):
        return None
    return f"malformed party URI {uri!r}: expected tel:+<country code><number> or sip:user@host"


def check_party_uri(uri: object, field: str = "uri") -> str:
    """`uri` unchanged, or InvalidArgument naming the field."""
    problem = uri_problem(uri)
    if problem:
        raise InvalidArgument(f"{field}: {problem}")
    return uri  # type: ignore[return-value]


def url_problem(url: object) -> str | None:
    """None when `url` is an absolute http(s) URL (where status events are POSTed)."""
    if not isinstance(url, str):
        return "an event url must be a string"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"malformed event url {url!r}: expected an absolute http:// or https:// URL"
    return None
