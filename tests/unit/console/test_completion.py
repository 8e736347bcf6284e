"""Tab completes the command words, and then the numbers that exist for the word typed."""

from __future__ import annotations

from prompt_toolkit.document import Document

from bot.console.chat import CONSOLE_CHANNEL
from bot.console.line_editor import ConsoleCompleter, history_path
from bot.core.cards import HANG_UP, Button, Card, Row


def _complete(wired, text: str) -> list[str]:
    completer = ConsoleCompleter(wired.console)
    return [c.text for c in completer.get_completions(Document(text), None)]


def test_command_words_complete(wired):
    assert _complete(wired, "re") == ["reply"]
    assert set(_complete(wired, "/c")) == {"/call", "/conf", "/contact"}
    assert set(_complete(wired, "/sms rou")) == {"route", "routes"}


def test_numbers_complete_after_the_word_that_takes_them(wired):
    chat = wired.chat
    chat.post(CONSOLE_CHANNEL, "Texts with +447700900000.")
    chat.post(CONSOLE_CHANNEL, "Texts with +447700900001.")
    card = Card("Call", (Row("Ringing"),), (Button("Hang up", HANG_UP, "c1"),))
    chat.post(CONSOLE_CHANNEL, card.as_text(), card=card)
    assert _complete(wired, "reply ") == ["1", "2"]
    assert _complete(wired, "card ") == ["1"]
    assert _complete(wired, "press ") == ["1"]
    assert _complete(wired, "reply 1 ") == []  # then it is the text: nothing to guess


def test_the_history_lives_beside_an_sqlite_database(tmp_path):
    assert history_path(f"sqlite:///{tmp_path}/x/b.db") == tmp_path / "x" / "web21c-bridge.history"
    assert history_path("postgresql://u@127.0.0.1/db").name == "web21c-bridge.history"
