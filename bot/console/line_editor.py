"""Reading what the person types: a prompt_toolkit line editor on a terminal, lines on a pipe.

On a terminal the prompt has line editing, a history kept across runs (a file beside the
database), completion of commands and of thread, card and button numbers, and the bridge's
output appears above the line being typed (patch_stdout) without disturbing it. On a pipe
(tests, scripts) each line read is one command, and nothing but the bridge's words is written.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from prompt_toolkit.patch_stdout import patch_stdout

from bot.console.handler import Console
from bot.console.usage import CONSOLE_WORDS
from bot.core.commands import COMMANDS

HISTORY_FILE = "web21c-bridge.history"
PROMPT = "> "
_NUMBERED = {"reply": "thread", "invite": "card", "card": "card", "press": "button"}
_SMS_WORDS = ("route", "unroute", "routes", "help")


def interactive(stdin: TextIO | None = None, stdout: TextIO | None = None) -> bool:
    """A person at a terminal (both ends a tty), rather than a pipe or a process manager."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    return bool(stdin.isatty() and stdout.isatty())


def history_path(database_url: str) -> Path:
    """Beside an SQLite database file; in the working folder for any other database."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and ":memory:" not in database_url:
        return Path(database_url[len(prefix) :].split("?")[0]).resolve().parent / HISTORY_FILE
    return Path.cwd() / HISTORY_FILE


class ConsoleCompleter(Completer):
    """Command words first; then the numbers that exist for the word typed."""

    def __init__(self, console: Console):
        self._console = console

    def get_completions(self, document: Document, complete_event) -> Iterable[Completion]:
        before = document.text_before_cursor
        words = before.split()
        current = "" if before.endswith(" ") or not words else words[-1]
        done = words if current == "" else words[:-1]
        if not done:
            candidates = [*COMMANDS, *CONSOLE_WORDS, "exit"]
        elif len(done) == 1 and done[0].lower() in _NUMBERED:
            candidates = [str(n) for n in self._numbers(_NUMBERED[done[0].lower()])]
        elif len(done) == 1 and done[0].lower() == "/sms":
            candidates = list(_SMS_WORDS)
        elif len(done) == 1 and done[0].lower() == "help":
            candidates = [w for w in (*CONSOLE_WORDS, *COMMANDS) if w != "help"]
        else:
            candidates = []
        for candidate in candidates:
            if candidate.startswith(current.lower()) and candidate != current:
                yield Completion(candidate, start_position=-len(current))

    def _numbers(self, kind: str) -> list[int]:
        chat = self._console.chat
        if kind == "thread":
            return chat.numbering.thread_numbers()
        if kind == "card":
            return chat.numbering.card_numbers()
        return chat.buttons.numbers()


class LineEditor:
    """The prompt for a person at a terminal; stop() ends it from another thread.

    One prompt stays up for the whole session: a line typed is echoed above it and handled
    there, and the prompt never closes between commands. (A prompt per line left a moment,
    after one closed and before the next was drawn, in which output from another thread
    was written beside the new prompt's `> ` instead of above it.)"""

    def __init__(self, console: Console, history: Path):
        self._console = console
        self._session = PromptSession(
            history=FileHistory(str(history)),
            completer=ConsoleCompleter(console),
            complete_while_typing=False,
            enable_history_search=False,
            erase_when_done=True,  # every line typed is echoed above: leave no empty prompt
        )
        self._session.default_buffer.accept_handler = self._accept
        self._stopping = threading.Event()

    def run(self) -> None:
        """Prompt until quit, Ctrl-D, Ctrl-C or stop()."""
        if self._stopping.is_set():
            return
        with patch_stdout(raw=True):
            try:
                self._session.prompt(PROMPT)
            except (EOFError, KeyboardInterrupt):
                return

    def _accept(self, buffer: Buffer) -> bool:
        """Enter: show the line above the prompt, handle it, and clear the prompt for the
        next one (False: the buffer is reset and the line goes into the history)."""
        line = buffer.text
        print(PROMPT + line, flush=True)  # through patch_stdout, ahead of what it causes
        if self._console.handle(line) is False or self._stopping.is_set():
            self._session.app.exit()
        return False

    def stop(self) -> None:
        self._stopping.set()
        app = self._session.app
        if app.is_running and app.loop is not None:
            app.loop.call_soon_threadsafe(lambda: app.exit(exception=EOFError()))


def read_lines(console: Console, lines: Iterable[str]) -> None:
    """Each line of a pipe is one command, until quit or the pipe's end."""
    for line in lines:
        if console.handle(line) is False:
            return
