"""Hostile Web21C status callbacks to POST /web21c/events/<token>: bad JSON, huge or deeply
nested bodies, unknown tokens, wrong ids, wrong statuses. Each gets a 4xx with a clear text;
none changes a message, a recipient's state or what Slack shows. A genuine callback
afterwards still works, so the refusals were not a broken endpoint.

PUBLIC_URL points at a port nobody listens on, so the sandbox's own callbacks never arrive
and the message's state stays put unless one of ours changes it.
"""

from __future__ import annotations

import json
import random

import pytest
from sqlalchemy import select

from storage.models import MessageRow, RecipientRow
from tests.reliability.harness import GENERAL, populate_workspace, wired_bridge

RECIPIENT = "tel:+447700900123"


@pytest.fixture
def callback_bridge(tmp_path, slack, sandbox, logs):
    populate_workspace(slack)
    database = f"sqlite:///{tmp_path / 'bridge.db'}"
    with wired_bridge(slack, sandbox, database, PUBLIC_URL="http://127.0.0.1:9") as wired:
        yield wired


def _sent_text(wired) -> tuple[str, str]:
    """Send one text; its (event token, Web21C messageId) once recorded."""
    status, _, _ = wired.command("/sms", "07700 900123 callbacks please")
    assert status == 200
    db = wired.bridge.services.db

    def recorded(_state):
        with db.transaction() as tx:
            row = tx.connection.execute(
                select(MessageRow.event_token, MessageRow.web21c_message_id).where(
                    MessageRow.event_token.is_not(None)
                )
            ).first()
        # Recorded before it is sent: the Web21C id arrives with sendMessage's answer.
        return tuple(row) if row and row.web21c_message_id else None

    return wired.slack.state.wait_for(recorded, what="the text recorded with its Web21C id")


def _snapshot(wired) -> tuple:
    with wired.bridge.services.db.transaction() as tx:
        messages = tx.connection.execute(select(MessageRow)).all()
        recipients = tx.connection.execute(select(RecipientRow)).all()
    state = wired.slack.state
    slack = [
        (m.ts, m.text, tuple(sorted(state.reactions(GENERAL, m.ts))))
        for m in state.messages(GENERAL)
    ]
    replies = [
        (r.ts, r.text) for m in state.messages(GENERAL) for r in state.replies(GENERAL, m.ts)
    ]
    return [tuple(m) for m in messages], [tuple(r) for r in recipients], slack, replies


def _payload(message_id: str, uri: str = RECIPIENT, status: object = "Delivered") -> bytes:
    return json.dumps(
        {"messageId": message_id, "destinationUri": uri, "messageStatus": status, "time": "now"}
    ).encode()


def hostile_callbacks(token: str, message_id: str, count: int, seed: int):
    """(kind, token, body, expected status) tuples."""
    rng = random.Random(seed)  # test input, not security
    makers = [
        (
            "unknown token",
            lambda: (
                rng.choice(["x", token[:-1], token + "x", "é" * 30, "a" * 5000]),
                _payload(message_id),
                404,
            ),
        ),
        ("no token", lambda: ("", _payload(message_id), 404)),
        (
            "bad JSON",
            lambda: (token, rng.choice([b"", b"{", b"nul", b"\xff\xfe{}", b"{'a': 1}"]), 400),
        ),
        (
            "not an object",
            lambda: (token, rng.choice([b"null", b"[]", b"42", b'"Delivered"']), 400),
        ),
        ("deep nesting", lambda: (token, b"[" * rng.choice([2_000, 15_000]), 400)),
        (
            "huge body",
            lambda: (token, b'{"pad": "' + b"p" * rng.choice([20_000, 2_000_000]) + b'"}', 413),
        ),
        (
            "wrong messageId",
            lambda: (token, _payload(rng.choice(["msg-other", message_id + "0"])), 400),
        ),
        (
            "wrong status",
            lambda: (
                token,
                _payload(message_id, status=rng.choice(["delivered", "Lost", "", 5, None])),
                400,
            ),
        ),
        (
            "not a recipient",
            lambda: (
                token,
                _payload(message_id, uri=rng.choice(["tel:+447700900999", "sip:x@y", ""])),
                400,
            ),
        ),
        ("missing fields", lambda: (token, json.dumps({"messageId": message_id}).encode(), 400)),
    ]
    for index in range(count):
        kind, make = makers[index % len(makers)]
        yield (kind, *make())


def _throw(wired, logs, count: int, seed: int) -> dict[str, int]:
    token, message_id = _sent_text(wired)
    wired.drain_work()
    before = _snapshot(wired)
    tally: dict[str, int] = {}
    for kind, to, body, expected in hostile_callbacks(token, message_id, count, seed):
        status, text = wired.callback(to, body)
        assert status == expected, (kind, to[:40], body[:60], status, text)
        assert 0 < len(text) < 200 and "Traceback" not in text, (kind, text)
        tally[kind] = tally.get(kind, 0) + 1
    assert _snapshot(wired) == before
    assert logs.problems() == [], logs.summary()
    status, text = wired.callback(token, _payload(message_id))  # the genuine one still works
    assert (status, text) == (200, "ok")
    with wired.bridge.services.db.transaction() as tx:
        states = tx.connection.execute(select(RecipientRow.status)).scalars().all()
    assert [str(s) for s in states] == ["Delivered"]
    return tally


def test_hostile_callbacks_quick(callback_bridge, logs):
    tally = _throw(callback_bridge, logs, 50, seed=85)
    assert len(tally) == 10


@pytest.mark.slow
def test_hostile_callbacks_soak(callback_bridge, logs):
    tally = _throw(callback_bridge, logs, 1_000, seed=8)
    print(f"hostile callbacks: {tally}")
