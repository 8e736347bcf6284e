"""A console wired to the real services, a real SQLite file and the fake Web21C."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot.bootstrap import wire_services
from bot.config import load_settings
from bot.console.chat import CONSOLE_USER, ConsoleChat
from bot.console.handler import Console
from bot.console.numbering import Numbering, Records
from bot.console.printer import Printer
from bot.queue.tasks import Tasks
from storage import Database
from storage.migrate import upgrade
from tests.fakes import FakeTelephony


@dataclass
class Wired:
    console: Console
    chat: ConsoleChat
    telephony: FakeTelephony
    db: Database
    out: io.StringIO
    work: Tasks

    def lines(self) -> list[str]:
        return self.out.getvalue().splitlines()

    def settle(self) -> None:
        """Wait for what was typed to be carried out (it runs in order, on one thread)."""
        self.work.submit(lambda: None).result(timeout=10)


def wire(url: str, telephony: FakeTelephony | None = None) -> Wired:
    db = Database(url)
    out = io.StringIO()
    records = Records(db)
    chat = ConsoleChat(Printer(out, colour=False), Numbering.load(db), records)
    settings = load_settings({"ADMIN_USER_IDS": CONSOLE_USER}, dotenv_path=None)
    telephony = telephony or FakeTelephony()  # Web21C outlives a restart of the bridge
    services = wire_services(settings, db, telephony, chat)
    work = Tasks(1, name="console-work")
    console = Console(chat, services.dispatcher, services.messaging, work, "GB", "bridge", records)
    return Wired(console, chat, telephony, db, out, work)


@pytest.fixture
def db_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'bridge.db'}"
    upgrade(url)
    return url


@pytest.fixture
def wired(db_url) -> Iterator[Wired]:
    made = wire(db_url)
    yield made
    made.work.shutdown()
    made.db.close()
