"""Seeded generators of hostile input: slash-command texts and thread-reply texts.

A seeded `random.Random` rather than hypothesis: the soaks send thousands of texts through a
real HTTP server, where shrinking would be slow and a fixed seed already makes every failure
reproducible (the failing text is in the assertion message).
"""

from __future__ import annotations

import random

COMMANDS = ("/sms", "/call", "/conf", "/phone")
KEYWORDS = (
    "route",
    "unroute",
    "routes",
    "help",
    "ROUTE",
    "Help",
    "list",
    "stop",
    "START",
    "mine",
    "take",
    "RELEASE",
    "scheduled",
    "at",
    "in",
    "17:30",
    "2h",
)
MENTIONS = (
    "<@UALICE|alice>",
    "<@UBOB>",
    "<@UCAROL|carol>",
    "<@UMALLORY|mallory>",
    "<@UNOBODY9|ghost>",
    "<@W0ENTERPRISE>",
    "<@U>",
    "<@ualice|lower>",
    "<@UALICE|a|b>",
    "@alice",
    "@bob",
    "@nobody-here",
    "@",
    "<#COPS|ops>",
    "<#C0GENERAL>",
    "#ops",
    "#no-such-channel",
    "<!here>",
    "<!channel>",
    "<https://example.com|link>",
)
NUMBERS = (
    "07700 900123",
    "+447700900123",
    "+44 7700 900005",
    "07700900000",
    "09065 123456",  # premium rate
    "+44 906 512 3456",
    "0845 464 0000",  # shared cost / special
    "+33612345678",  # disallowed country
    "+1 202 555 0100",
    "tel:+447700900123",
    "tel:+449065123456",
    "tel:not-a-number",
    "sip:happy-2-1-x@mockphones.nat.bt.com:5660",
    "sip:",
    "999",
    "112",
    "+",
    "00447700900123",
    "(0)7700 900123",
    "0" * 40,
    "+4477009001234567890",
    "07700-900-123",
)
UNICODE = (
    "héllo",
    "日本語のテキスト",
    "emoji 😀🎉👍🏽",
    "zero\u200bwidth",
    "rtl \u202eevil",
    "combining e\u0301\u0301\u0301",
    "\ufeffbom",
    "fraktur \U0001d571\U0001d597\U0001d586",
    "plane-16 \U0010fffd",
    "nbsp\u00a0space",
)
CONTROL = ("\x00", "\x01", "\x07", "\x1b[31m", "\r\n", "\t", "\x7f", "\x0b\x0c")
WORDS = ("hi", "running late", "on my way", "&amp;", "<b>", "%s%s%n", "{}", "'; DROP TABLE--")


def _huge(rng: random.Random) -> str:
    size = rng.choice((500, 5_000, 40_000))
    return rng.choice("ab7 ☃@#+") * size


def _token(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.25:
        return rng.choice(MENTIONS)
    if kind < 0.5:
        return rng.choice(NUMBERS)
    if kind < 0.6:
        return rng.choice(KEYWORDS)
    if kind < 0.7:
        return rng.choice(UNICODE)
    if kind < 0.78:
        return rng.choice(CONTROL)
    if kind < 0.8:
        return _huge(rng)
    if kind < 0.9:
        return rng.choice(WORDS)
    return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(1, 12)))


def command_text(rng: random.Random) -> str:
    """One slash-command text: tokens mixed with odd separators, sometimes empty."""
    if rng.random() < 0.03:
        return rng.choice(("", " ", "\t\n", "help"))
    separators = (" ", " ", " ", "  ", "\t", "\n", "", "\u3000")
    parts = [_token(rng) for _ in range(rng.randrange(1, 8))]
    return "".join(part + rng.choice(separators) for part in parts).strip(" ")


def commands(seed: int, count: int) -> list[tuple[str, str]]:
    """`count` (command, text) pairs, the same for the same seed."""
    rng = random.Random(seed)  # test input, not security
    return [(rng.choice(COMMANDS), command_text(rng)) for _ in range(count)]


def reply_texts(seed: int, count: int) -> list[str]:
    """Texts typed into a conversation thread: mentions, markup, unicode, huge, control."""
    rng = random.Random(seed)  # test input, not security
    texts = []
    for _ in range(count):
        parts = [_token(rng) for _ in range(rng.randrange(1, 5))]
        texts.append(" ".join(parts))
    return texts
