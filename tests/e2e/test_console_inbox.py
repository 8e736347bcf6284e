"""Notes, contacts, history, export, taking a conversation and group texts in the console, as
a person would type them (the same grammar and services as Slack; the export is a file whose
path is printed)."""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from pathlib import Path

import pytest

from tests.e2e.test_console_session import ConsoleSession

ECHO = "+447700900000"


@pytest.fixture
def session(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the console saves exports
    console = ConsoleSession(tmp_path)
    yield console
    if console.process.poll() is None:
        console.process.kill()
    console.process.wait(timeout=10)


def _wait_recorded(folder: Path, timeout: float = 10.0) -> None:
    """Until the bridge has stored the echo's reply as posted in its conversation."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(folder / "web21c-bridge.db") as db:
            found = db.execute(
                "SELECT 1 FROM messages WHERE direction = 'in' AND conversation_id IS NOT NULL"
            ).fetchone()
        if found:
            return
        time.sleep(0.05)
    raise AssertionError("the echo's reply was never recorded as posted")


def test_notes_contacts_history_and_export_in_the_console(session, tmp_path):
    session.expect(r"HTTP server listening on http://127\.0\.0\.1:\d+")
    session.type(f"/contact {ECHO} Echo <b>Phone</b>")
    session.expect(rf"\{ECHO} is now called Echo <b>Phone</b> for everyone")
    session.type(f"/sms {ECHO} hello")
    header = session.expect(
        rf"\[thread 1\] .*Texts with Echo <b>Phone</b> \(\{ECHO}\).*\[(\d+): Take it\]"
    )
    session.expect(rf"\[thread 1\] Echo <b>Phone</b> \(\{ECHO}\): bridge Echo: hello")
    _wait_recorded(tmp_path)  # shown, then recorded as in its conversation: wait for both
    session.type("reply 1 note: the echo phone answers everything")
    session.expect(r"📝 internal note, not texted")
    session.type(f"/sms history {ECHO}")
    session.expect(r"Texts and calls with Echo .* \(all, oldest first\)")
    session.type(f"/sms export {ECHO}")
    path = Path(session.expect(r"is saved to (\S+\.csv)\.").group(1))
    assert path.is_relative_to(tmp_path)
    rows = list(csv.reader(io.StringIO(path.read_text())))
    kinds = [(row[1], row[2], row[5]) for row in rows[1:]]
    assert kinds == [
        ("text", "out", "hello"),
        ("text", "in", "bridge Echo: hello"),
        ("note", "", "note: the echo phone answers everything"),
    ]  # the note was kept, and no text of it went out (its echo would be a row too)

    session.type(f"press {header.group(1)}")
    session.expect(r"The conversation with Echo .* is yours now")
    session.expect(r"^\[thread 1\] Taken by you  \[\d+: Release\]  \[\d+: Take over\]")
    session.type("/sms mine")
    session.expect(r"^Conversations you hold \(1\)$")
    session.expect(r"^• Echo <b>Phone</b> \(\+447700900000\) in #console, .*: bridge Echo: hello$")

    session.type(f"/sms {ECHO} 07700 900123 hello both")
    session.expect(
        r"^\[group text\] you: hello both · \+447700900000 ⏳ queued · \+447700900123 ⏳ queued$"
    )
    session.expect(r"^\[thread 1\] you sent this as a group text to 2: hello both$")
    session.expect(r"^\[group text\] .*\+447700900123 ✅ delivered.*: \"hello both\"$")
    session.expect(r"^\[thread 1\] Echo <b>Phone</b> \(\+447700900000\): bridge Echo: hello both$")

    session.type(f"/sms in 1s {ECHO} said a second later")
    session.expect(
        rf"^Scheduled: your text to \{ECHO} goes today at \d\d:\d\d \(.+\), in 1 second\."
    )
    session.expect(r"^\[thread 1\] you: said a second later · ⏳ queued$")
    session.expect(r'^\[thread 1\] ✅ delivered: "said a second later"$')  # sent, so not listed
    session.type(f"/sms in 1h {ECHO} never said")
    session.expect(r"^Scheduled: your text to .* in 1 hour\.")
    session.type("/sms scheduled")
    session.expect(r"^⏰ Scheduled texts \(1\)$")  # the console's user is its admin
    cancel = session.expect(r"^    today at .*: \+447700900000 never said  \[(\d+): Cancel\]$")
    session.type(f"press {cancel.group(1)}")
    session.expect(r"^Cancelled: \+447700900000 never said will not be sent\.$")
    session.type("quit")
    session.process.wait(timeout=15)
