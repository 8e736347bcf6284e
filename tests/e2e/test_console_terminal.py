"""The console as a person meets it: `web21c-bridge run` on a real pseudo-terminal, the
README's walkthrough typed key by key, a restart on the same database, and the walkthrough
again. What is on the screen is checked: no raw Slack markup, the Up arrow recalls the last
command (across the restart too), output never splits the line being typed, nothing is shown
twice, and nothing fails after the restart.

With WRITE_CONSOLE_TRANSCRIPT=<file> the screen of the whole session is written there (the
README's transcript comes from it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.e2e.terminal import CLEAR_LINE, UP, Terminal

RAW_MARKUP = (":speech_balloon:", ":white_check_mark:", "<@", "<#", "*+44", "`", "&lt;", "&gt;")

# The console user is its admin, so /phone sets the number without a code.
NUMBER_SET = (
    r"^Your number is now \+447700900001\. "
    r"As an admin you set it without a code; that is in the audit log\.$"
)


@pytest.fixture
def terminals():
    started: list[Terminal] = []
    yield started
    for terminal in started:
        terminal.kill()


def _text_in(cwd, sandbox: str, sender: str, text: str) -> None:
    """The README's second terminal: a phone texts the bridge."""
    subprocess.run(
        [sys.executable, "-m", "bot", "sandbox-text", sender, *text.split(), "--sandbox", sandbox],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=30,
    )


def _walkthrough(t: Terminal, cwd, start: int, sandbox: str, first_run: bool) -> None:
    """The README's walkthrough, typed; `start` is the first screen line of this run."""
    t.wait_input("> ")
    t.type("/sms +447700900000 hello")
    t.wait_for(r"^\[thread 1\] \+447700900000: bridge Echo: hello$", after=start)
    t.type("reply 1 are you there?")
    t.wait_for(r"^\[thread 1\] \+447700900000: bridge Echo: are you there\?$", after=start)
    t.type("/phone 07700 900001")
    t.wait_for(NUMBER_SET, after=start)
    t.type("/call +447700900006")
    card = t.wait_for(r"^\[card (\d+)\] 📞 Call: you → \+447700900006$", after=start).group(1)
    t.wait_for(rf"^\[card {card}\] Ended: \+447700900006 hung up after", after=start)
    # A phone texts in while a line is half typed: the text appears above that line, which
    # stays whole below it (the README's second terminal).
    t.type("/sms +447700900001 typed while the phones ring", enter=False)
    t.wait_input("> /sms +447700900001 typed while the phones ring")
    _text_in(cwd, sandbox, "+447700900123", "bridge hello from my phone")
    t.wait_for(r"^\[thread \d+\] \+447700900123: bridge hello from my phone$", after=start)
    t.wait_input("> /sms +447700900001 typed while the phones ring")  # redrawn whole, below
    split = [line for line in t.lines() if "typed while" in line and not line.startswith("> ")]
    assert not split, split
    t.type(CLEAR_LINE, enter=False)
    t.wait_input("> ")
    # The Up arrow recalls the last command.
    t.type(UP, enter=False)
    t.wait_input("> /call +447700900006")
    t.type(CLEAR_LINE, enter=False)

    t.type("/conf +447700900008 07700 900123")
    conf = t.wait_for(r"^\[card (\d+)\] 👥 Conference call: 0 of 2 connected$", after=start)
    conf = conf.group(1)
    drop = t.wait_for(
        rf"^\[card {conf}\] .*\+447700900008: connected  \[(\d+): Drop\]", after=start
    )
    t.type(f"press {drop.group(1)}")
    t.wait_for(rf"^\[card {conf}\] .*\+447700900008: left", after=start)

    t.type("/sms route help #support")
    t.wait_for(r"^Texts starting with HELP now arrive in #support\.$", after=start)
    _text_in(cwd, sandbox, "+447700900124", "help where is my parcel")
    t.wait_for(r"^\[thread \d+ #support\] \+447700900124: help where is my parcel$", after=start)
    t.type("threads")
    t.wait_for(r"^\[thread 1\] texts with \+447700900000$", after=start)
    t.type("cards")
    t.wait_for(rf"^\[card {conf}\] 👥 conference", after=start)
    if not first_run:
        t.type("/sms +447700900005 a number new after the restart")
        t.wait_for(r'^\[thread \d+\] ✅ delivered: "a number new after the restart"$', after=start)
    t.type("quit")
    t.wait_for(r"^Bye; the bridge stopped\.$", after=start)
    assert t.exit_status() == 0


def _check_run(lines: list[str]) -> None:
    shown = "\n".join(lines)
    for markup in RAW_MARKUP:
        assert markup not in shown, f"raw markup {markup!r} on screen:\n{shown}"
    assert "Something went wrong" not in shown, shown
    assert "There is no thread" not in shown, shown
    assert "[thread 0]" not in shown, shown
    typed = [line for line in lines if line.startswith("> ")]
    assert not [line for line in typed if "[thread " in line or "[card " in line], typed
    output = [line for line in lines if line.strip() and not line.startswith("> ")]
    twice = sorted({line for line in output if output.count(line) > 1})
    assert not twice, f"shown twice: {twice}\n{shown}"


def test_the_readme_walkthrough_on_a_terminal_twice_across_a_restart(terminals, tmp_path):
    first = Terminal(tmp_path)
    terminals.append(first)
    sandbox = first.wait_for(r"Web21C sandbox on (http://127\.0\.0\.1:\d+)").group(1)
    _walkthrough(first, tmp_path, 0, sandbox, first_run=True)
    run_one = first.lines()
    _check_run(run_one)
    assert (tmp_path / "web21c-bridge.history").exists()

    second = Terminal(tmp_path)
    terminals.append(second)
    sandbox = second.wait_for(r"Web21C sandbox on (http://127\.0\.0\.1:\d+)").group(1)
    second.wait_input("> ")
    second.type(UP, enter=False)  # the history was kept across the restart
    second.wait_input("> quit")
    second.type(CLEAR_LINE, enter=False)
    _walkthrough(second, tmp_path, 0, sandbox, first_run=False)
    run_two = second.lines()
    _check_run(run_two)

    shown = "\n".join(run_two)
    # Nothing of the first run is shown as new: no earlier text, no earlier card drawn whole.
    assert "hello from my phone" in shown  # texted again in this run...
    texted = r"^\[thread \d+\] \+447700900123: bridge hello from my phone$"
    assert len(re.findall(texted, shown, re.M)) == 1  # ...and shown once
    assert not re.search(r"^\[card [12]\] 📞 Call", shown, re.M)  # run one's call card
    assert "[thread 1] 💬" not in shown  # thread 1 goes on; it is not opened again
    log = (tmp_path / "web21c-bridge.log").read_text()
    assert "Traceback" not in log and "IntegrityError" not in log

    if path := os.environ.get("WRITE_CONSOLE_TRANSCRIPT"):
        with open(path, "w") as out:
            out.write("\n".join(run_one) + "\n\n(restarted on the same database)\n\n")
            out.write("\n".join(run_two) + "\n")


SGR = re.compile(rb"\x1b\[[0-9;]*m")  # Select Graphic Rendition: colours and styles


def _styled(raw: bytes) -> list[bytes]:
    """The colour and style codes written (a reset to plain, `ESC[0m`, is not one)."""
    return [code for code in SGR.findall(raw) if code not in (b"\x1b[0m", b"\x1b[m")]


def _a_short_session(terminal: Terminal) -> bytes:
    terminal.wait_input("> ")
    terminal.type("/phone 07700 900001")
    terminal.wait_for(NUMBER_SET)
    terminal.type("quit")
    terminal.wait_for(r"^Bye; the bridge stopped\.$")
    assert terminal.exit_status() == 0
    return bytes(terminal.raw)


def test_no_color_gives_the_same_words_without_styles(terminals, tmp_path):
    (tmp_path / "colour").mkdir()
    coloured = Terminal(tmp_path / "colour")
    terminals.append(coloured)
    assert _styled(_a_short_session(coloured))  # a terminal gets colour...
    plain = Terminal(tmp_path, {"NO_COLOR": "1"})
    terminals.append(plain)
    assert _styled(_a_short_session(plain)) == []  # ...unless NO_COLOR says otherwise
    assert (
        "Your number is now +447700900001. As an admin you set it without a code; "
        "that is in the audit log." in plain.lines()
    )
