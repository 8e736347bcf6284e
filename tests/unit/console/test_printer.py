"""Colour only on a terminal and never with NO_COLOR; the words are the same either way."""

from __future__ import annotations

import io

from rich.text import Text

from bot.console.printer import Printer, wants_colour


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_colour_and_styles(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    out = _Tty()
    Printer(out).line(Text.assemble(("you", "bold"), ": hello"), "out")
    assert "\x1b[" in out.getvalue()
    assert "you" in out.getvalue() and "hello" in out.getvalue()


def test_no_color_gives_plain_words_on_a_terminal(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    out = _Tty()
    assert not wants_colour(out)
    Printer(out).line(Text.assemble(("you", "bold"), ": hello"), "out")
    assert out.getvalue() == "you: hello\n"


def test_a_pipe_gets_plain_words(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = io.StringIO()
    Printer(out).line(Text("[card 1] Connected", style="bold"), "card")
    assert out.getvalue() == "[card 1] Connected\n"
