"""Services wired to hand-written fakes at the ports and a real SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.bootstrap import Services, wire_services
from bot.config import load_settings
from storage import Database
from tests.fakes import FakeChat, FakeClock, FakeTelephony

ADMIN = "UADMIN"
CHANNEL = "CGENERAL"


@pytest.fixture
def telephony() -> FakeTelephony:
    return FakeTelephony()


@pytest.fixture
def chat() -> FakeChat:
    chat = FakeChat()
    chat.add_user("UALICE", "alice", "07700 900001")
    chat.add_user("UBOB", "bob", "+44 7700 900006")
    chat.add_user("UNOPHONE", "carol", None)
    chat.add_user(ADMIN, "admin", None)
    chat.channels["ops"] = "COPS"
    return chat


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def services(tmp_path, telephony, chat, clock) -> Services:
    settings = load_settings({"ADMIN_USER_IDS": ADMIN, "SMS_MAX_SEGMENTS": "2"}, dotenv_path=None)
    db = Database(f"sqlite:///{tmp_path / 'bridge.db'}")
    db.create_schema()
    wired = wire_services(settings, db, telephony, chat, clock=clock)
    yield wired
    wired.close()
    db.close()


@contextmanager
def services_on_test_clock(tmp_path, telephony, chat, clock, **env: str) -> Iterator[Services]:
    """As `services`, but the database stamps times with the test's clock too, so texts,
    notes, calls and reminders can be put in order or made old; `env` adds settings."""
    settings = load_settings({"ADMIN_USER_IDS": ADMIN, **env}, dotenv_path=None)
    db = Database(f"sqlite:///{tmp_path / 'bridge.db'}", clock=clock.now)
    db.create_schema()
    wired = wire_services(settings, db, telephony, chat, clock=clock)
    try:
        yield wired
    finally:
        wired.close()
        db.close()
