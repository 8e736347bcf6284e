"""`web21c-bridge run` with no Slack: a scripted session on the console's stdin, as a person
would type it, against the built-in sandbox and SQLite."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time

import pytest
import requests


class ConsoleSession:
    def __init__(self, cwd):
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WEB21C_"))}
        environ.update(PORT="0", SANDBOX_PORT="0", SANDBOX_SPEED="10", POLL_INTERVAL_SECONDS="0.3")
        environ.pop("DATABASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=cwd,
            env=environ,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def everything(self) -> list[str]:
        """Every line not yet matched, to the end of the output (once the process ended)."""
        self._reader.join(timeout=10)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return self.seen

    def type(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def expect(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """Wait for an output line matching pattern (lines already read count too)."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.seen:
                if match := re.search(pattern, line):
                    self.seen.remove(line)
                    return match
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no line matching {pattern!r}; output so far:\n" + "\n".join(self.seen)
                )
            try:
                self.seen.append(self.lines.get(timeout=remaining))
            except queue.Empty:
                continue


@pytest.fixture
def console(tmp_path):
    session = ConsoleSession(tmp_path)
    yield session
    if session.process.poll() is None:
        session.process.kill()
    session.process.wait(timeout=10)


def test_a_scripted_console_session(console, tmp_path):
    console.expect(r"web21c-bridge console")
    console.expect(r"HTTP server listening on http://127\.0\.0\.1:\d+")

    console.type("/sms +447700900000 hello there")
    console.expect(
        r"^\[thread 1\] 💬 Texts with \+447700900000\. reply 1 <text> texts \+447700900000\."
        r"  \[\d+: Take it\]  \[\d+: Call\]$"
    )
    console.expect(r"^\[thread 1\] you: hello there · ⏳ queued$")
    console.expect(r'^\[thread 1\] ✅ delivered: "hello there"$')
    console.expect(r"^\[thread 1\] \+447700900000: bridge Echo: hello there$")  # the echo's reply

    console.type("reply 1 and again")
    console.expect(r"^\[thread 1\] you: and again$")
    console.expect(r'^\[thread 1\] ✅ delivered: "and again"$')
    console.expect(r"^\[thread 1\] \+447700900000: bridge Echo: and again$")

    console.type("/phone 07700 900001")
    console.expect(r"Your number is now \+447700900001\.")
    console.type("/call +447700900006")  # rings you first, then the hang-up test phone
    console.expect(r"^\[card 1\] 📞 Call: you → \+447700900006$")
    console.expect(r"^\[card 1\] Connected since")
    console.expect(r"^\[card 1\] Ended: \+447700900006 hung up after")

    console.type("/conf +447700900008 07700 900123")  # two ordinary phones: they stay up
    console.expect(r"^\[card 2\] 👥 Conference call")
    drop = console.expect(r"^\[card 2\] .*\+447700900008: connected  \[(\d+): Drop\]")
    console.type(f"press {drop.group(1)}")
    console.expect(r"^\[card 2\] .*\+447700900008: left")
    console.type("card 2")
    console.expect(r"^\[card 2\] 👥 Conference call: 1 of 2 connected$")

    console.type("/sms hello")
    console.expect(r"^hello is neither a @mention nor a phone number\.$")
    console.type("quit")
    console.expect(r"^Bye; the bridge stopped\.$")
    assert console.process.wait(timeout=15) == 0
    assert (tmp_path / "web21c-bridge.db").exists()
    log = (tmp_path / "web21c-bridge.log").read_text()
    assert "Traceback" not in log
    shown = "\n".join(console.seen)
    for markup in (":speech_balloon:", "<@", "<#", "*+44", "`"):
        assert markup not in shown, markup


def test_pasted_dependent_commands_run_in_the_order_typed(console):
    """#13.4: `/phone` then `/call`, pasted together, five times over with a different
    number each time: each call rings the number registered just before it."""
    console.expect(r"web21c-bridge console")
    sandbox = console.expect(r"Web21C sandbox on (http://127\.0\.0\.1:\d+)").group(1)
    numbers = ["07700 900001", "07700 900005", "07700 900008", "07700 900001", "07700 900008"]
    console.type("".join(f"/phone {n}\n/call +447700900006\n" for n in numbers).rstrip("\n"))
    for card, number in enumerate(numbers, start=1):
        console.expect(rf"Your number is now \+44{number[1:].replace(' ', '')}\.")
        console.expect(rf"^\[card {card}\] 📞 Call: you → \+447700900006$")
        console.expect(r"^    Ringing you, then \+447700900006")
    calls = requests.get(f"{sandbox}/sandbox/calls", timeout=10).json()["calls"]
    assert [c["callingParty"] for c in calls] == [
        f"tel:+44{n[1:].replace(' ', '')}" for n in numbers
    ]
    assert not [line for line in console.seen if "no known" in line]


def test_a_restart_on_the_same_database_goes_on_where_it_left_off(tmp_path):
    """The second run on web21c-bridge.db: thread 1 is still thread 1, a text to a new number
    is sent (no clash with the first run's message timestamps), and the first run's texts are
    not shown again."""
    first = ConsoleSession(tmp_path)
    try:
        first.expect(r"web21c-bridge console")
        first.type("/sms +447700900000 hello there")
        first.expect(r"\[thread 1\] .*Echo: hello there")
        first.type("quit")
        assert first.process.wait(timeout=15) == 0
    finally:
        first.process.kill()

    second = ConsoleSession(tmp_path)
    try:
        second.expect(r"web21c-bridge console")
        second.type("/sms +447700900001 a new number")
        second.type("reply 1 and again")
        second.expect(r"\[thread 2\] .*delivered")
        second.expect(r"\[thread 1\] .*Echo: and again")
        second.type("quit")
        assert second.process.wait(timeout=15) == 0
        shown = "\n".join(second.everything())
        assert "went wrong" not in shown and "There is no thread" not in shown, shown
        assert "Echo: hello there" not in shown, shown  # the first run's echo, not news now
        log = (tmp_path / "web21c-bridge.log").read_text()
        assert "IntegrityError" not in log
    finally:
        second.process.kill()
