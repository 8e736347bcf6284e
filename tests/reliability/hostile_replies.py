"""Hostile SOAP responses, made by mutating genuine sandbox answers (see hostile_web21c.py).

Each reply is (kind, operation, raw HTTP bytes, must_fail). `must_fail` is False only for
kinds that are still valid by the contract (odd but well-formed ids), which the client may
accept; every other kind must come out as a bot.core.domain.TelephonyError.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from adapters.web21c.contract import SOAP_ENV_NS
from adapters.web21c.faults import fault_envelope
from tests.reliability.hostile_web21c import chunked_response, http_response

# Elements whose values the contract enumerates (endCall's free-text <status> is not one).
ENUM_VALUES = re.compile(
    rb"(<(callStatus|callTerminationCause|conferenceStatus|participantStatus|messageStatus)>)"
    rb"[^<]*"
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
)
EXTERNAL = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
PARAMETER = (
    b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd">%p;]>\n'
)


@dataclass(frozen=True)
class Hostile:
    kind: str
    operation: str
    raw: bytes
    must_fail: bool = True


Mutation = Callable[[bytes, random.Random], tuple[bytes, bool]]


def _ok(body: bytes) -> bytes:
    return http_response(body)


def _not_xml(body, rng):
    return _ok(rng.choice([b"", b"hello", b"{json: true}", bytes(rng.randbytes(200))])), True


def _truncated(body, rng):
    return _ok(body[: rng.randrange(1, len(body) - 1)]), True


def _short_read(body, rng):
    return http_response(body[: len(body) // 2], length=len(body)), True


def _huge_declared(body, rng):
    return http_response(b"<x>" + b"a" * 1000, length=512 * 1024 * 1024)[:400], True


def _huge_chunked(body, rng):
    return chunked_response([b"<a>" + b"b" * 65536] * 8), True


def _huge_text(body, rng):
    """A big but in-limit text node inside the operation's response element."""
    junk = b"<junk>" + b"z" * 200_000 + b"</junk>"
    return _ok(re.sub(rb"(</(\w+:)?\w+Response>)", junk + rb"\1", body, count=1)), True


def _wrong_envelope_namespace(body, rng):
    other = rng.choice([b"http://www.w3.org/2003/05/soap-envelope", b"urn:evil", b""])
    return _ok(body.replace(SOAP_ENV_NS.encode(), other)), True


def _wrong_operation_namespace(body, rng):
    return _ok(body.replace(b"http://sdk.bt.com/2007/07/", b"http://evil.example/2007/07/")), True


def _laughs(body, rng):
    return _ok(LAUGHS + body.replace(b"?>", b"?><!-- &lol3; -->", 1)), True


def _dtd(body, rng):
    prefix = rng.choice([EXTERNAL, PARAMETER, b'<!DOCTYPE soap:Envelope SYSTEM "x.dtd">\n'])
    return _ok(prefix + re.sub(rb"^<\?xml[^>]*\?>", b"", body)), True


def _wrong_enum(body, rng):
    if not ENUM_VALUES.search(body):
        return _ok(body.replace(b"Response>", b"Reply>")), True
    value = rng.choice([b"Ringing", b"CALLCONNECTED", b"", b"Delivered ", b"\xe2\x98\x83"])
    return _ok(ENUM_VALUES.sub(rb"\1" + value, body, count=1)), True


def _wrong_types(body, rng):
    mutated = re.sub(rb">\d+<", b">-x1e9999<", body, count=1)
    if mutated == body:
        mutated = body.replace(b"Z<", b"not-a-time<", 1)
    if mutated == body:
        mutated = re.sub(rb"<(\w+:)?\w+Response ", b"<Unexpected ", body, count=1)
    return _ok(mutated), True


def _missing_children(body, rng):
    return _ok(re.sub(rb"(Response[^>]*>).*(</[^>]*Response>)", rb"\1\2", body, flags=re.S)), True


def _bad_encoding(body, rng):
    choice = rng.randrange(3)
    if choice == 0:
        return _ok(re.sub(rb"encoding=.UTF-8.", b"encoding='UTF-16'", body)), True
    if choice == 1:
        return _ok(body.replace(b"Envelope", b"Envel\xffope", 1)), True
    return _ok(body.replace(b"<soap:Body>", b"<soap:Body>\x00\x01", 1)), True


def _deep(body, rng):
    depth = rng.choice([300, 5000])
    return _ok(b"<a>" * depth + b"</a>" * depth), True


def _fault(body, rng):
    code = rng.choice(
        ["Client.NotFound", "Client", "Server", "Client.PermissionDeniedException", "", "x:y:z"]
    )
    text = rng.choice(["", "no such call", "\x07bell\x1b[31m", "<!channel> " + "w" * 200_000])
    status = rng.choice(["500 Internal Server Error", "200 OK", "400 Bad Request"])
    return http_response(fault_envelope(code, text), status), True


def _html_error(body, rng):
    status = rng.choice(["502 Bad Gateway", "404 Not Found", "503 Service Unavailable"])
    return http_response(b"<html><body>nginx</body></html>", status), True


def _not_http(body, rng):
    return rng.choice([b"", b"SSH-2.0-OpenSSH_9.0\r\n", b"HTTP/1.1 200\r\nbroken"]), True


def _unknown_ids(body, rng):
    """Still within the contract: ids the bridge never issued. May be accepted."""
    odd = rng.choice([b"ghost-id", b"x" * 200, b"id with spaces"])
    ids = rb"(<(\w+:)?(callId|messageId|conferenceId|participantId)>)[^<]*"
    mutated = re.sub(ids, rb"\1" + odd, body)
    return _ok(mutated), False


MUTATIONS: dict[str, Mutation] = {
    "not xml": _not_xml,
    "truncated": _truncated,
    "short read": _short_read,
    "huge declared length": _huge_declared,
    "huge chunked body": _huge_chunked,
    "huge text node": _huge_text,
    "wrong envelope namespace": _wrong_envelope_namespace,
    "wrong operation namespace": _wrong_operation_namespace,
    "billion laughs": _laughs,
    "DTD / external entity": _dtd,
    "wrong enum value": _wrong_enum,
    "wrong types": _wrong_types,
    "missing children": _missing_children,
    "bad encoding": _bad_encoding,
    "deep nesting": _deep,
    "SOAP fault": _fault,
    "HTML error page": _html_error,
    "not HTTP": _not_http,
    "unknown ids": _unknown_ids,
}


def hostile_replies(seeds: dict[str, bytes], count: int, seed: int) -> list[Hostile]:
    """`count` replies, cycling through every mutation over every recorded operation."""
    rng = random.Random(seed)  # test input, not security
    kinds = sorted(MUTATIONS)
    operations = sorted(seeds)
    replies = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        operation = operations[(index // len(kinds)) % len(operations)]
        raw, must_fail = MUTATIONS[kind](seeds[operation], rng)
        replies.append(Hostile(kind, operation, raw, must_fail))
    return replies
