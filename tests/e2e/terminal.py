"""A person at a terminal: the bridge on a real pseudo-terminal (pexpect), its screen read
by a terminal emulator (pyte) that also answers the cursor-position requests a real terminal
answers, and keys typed one at a time."""

from __future__ import annotations

import os
import re
import sys
import threading
import time

import pexpect
import pyte

UP = "\x1b[A"
ENTER = "\r"
CLEAR_LINE = "\x15"  # Ctrl-U: the line editor forgets what was typed
COLUMNS, ROWS = 160, 40


class Terminal:
    def __init__(self, cwd, extra_env: dict[str, str] | None = None):
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB21C_"))}
        environ.pop("DATABASE_URL", None)
        environ.pop("NO_COLOR", None)
        environ.update(
            PORT="0",
            SANDBOX_PORT="0",
            SANDBOX_SPEED="10",
            POLL_INTERVAL_SECONDS="0.3",
            TERM="xterm-256color",
            # prompt_toolkit asks the terminal where its cursor is and lays the screen out
            # by the answer; this emulated terminal answers through two threads, late under
            # load, and a late answer misplaces a line. People's terminals answer at once.
            PROMPT_TOOLKIT_NO_CPR="1",
            **(extra_env or {}),
        )
        self.screen = pyte.HistoryScreen(COLUMNS, ROWS, history=5000)
        self._stream = pyte.ByteStream(self.screen)
        self._lock = threading.Lock()
        self.raw = bytearray()  # every byte the bridge wrote to the terminal
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "bot", "run"],
            cwd=str(cwd),
            env=environ,
            dimensions=(ROWS, COLUMNS),
        )
        self.screen.write_process_input = lambda data: self.child.send(data)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = self.child.read_nonblocking(4096, timeout=0.2)
            except pexpect.TIMEOUT:
                continue
            except (pexpect.EOF, OSError):
                return
            with self._lock:
                self.raw += data
                self._stream.feed(data)

    def type(self, keys: str, enter: bool = True) -> None:
        """Keys one at a time, as a person types them."""
        for key in re.findall(r"\x1b\[[A-D]|.", keys, re.S):
            self.child.send(key)
            time.sleep(0.01)
        if enter:
            self.child.send(ENTER)

    def lines(self) -> list[str]:
        """Everything shown so far, scrolled-off lines first, as plain text."""
        with self._lock:
            rows = [*self.screen.history.top, *(self.screen.buffer[y] for y in range(ROWS))]
            text = ["".join(row[x].data for x in range(COLUMNS)).rstrip() for row in rows]
        while text and not text[-1]:
            text.pop()
        return text

    def input_line(self) -> str:
        """The line the cursor is on: the prompt and what is being typed."""
        with self._lock:
            row = self.screen.buffer[self.screen.cursor.y]
            return "".join(row[x].data for x in range(COLUMNS)).rstrip()

    def wait_for(self, pattern: str, timeout: float = 30.0, after: int = 0) -> re.Match[str]:
        """The first line (from line index `after` on) matching pattern, once it is shown."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines()[after:]:
                if match := re.search(pattern, line):
                    return match
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"nothing on screen matches {pattern!r}; the screen:\n"
                    + "\n".join(self.lines())
                )
            time.sleep(0.05)

    def wait_input(self, text: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.input_line() != text.rstrip():
            if time.monotonic() > deadline:
                raise AssertionError(f"input line is {self.input_line()!r}, not {text!r}")
            time.sleep(0.05)

    def exit_status(self, timeout: float = 20.0) -> int:
        self._reader.join(timeout=timeout)  # it ends at the terminal's end of file
        if self._reader.is_alive():
            raise AssertionError("the bridge is still running:\n" + "\n".join(self.lines()))
        return self.child.wait()

    def kill(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
