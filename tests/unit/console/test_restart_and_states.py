"""Numbers derived from storage survive a restart, a new run never reuses a message ts, and
changes to what was shown are one short line that names it."""

from __future__ import annotations

from sqlalchemy import text

from bot.console.chat import CONSOLE_CHANNEL
from bot.core.cards import HANG_UP, Button, Card, Row
from tests.unit.console.conftest import wire


def test_a_restart_keeps_thread_numbers_and_never_reuses_a_ts(db_url):
    first = wire(db_url)
    first.console.handle("/sms +447700900000 hello")
    first.console.handle("/sms +447700900001 hi")
    first.settle()
    assert "[thread 2] you: hi · ⏳ queued" in first.lines()
    first.work.shutdown()

    second = wire(db_url, first.telephony)  # the same database, a new process's numbering
    second.console.handle("reply 2 still there?")
    second.console.handle("/sms +447700900002 someone new")
    second.settle()
    shown = second.lines()
    assert "[thread 2] you: still there?" in shown
    assert '[thread 2] ⏳ queued: "still there?"' in shown
    assert any(line.startswith("[thread 3] 💬 Texts with +447700900002.") for line in shown)
    assert "[thread 3] you: someone new · ⏳ queued" in shown
    assert not [line for line in shown if "went wrong" in line], shown
    sent = [text.text for text in second.telephony.sent]
    assert sent == ["hello", "hi", "still there?", "someone new"]
    second.work.shutdown()


def test_a_delivery_state_is_one_line_naming_its_message(wired):
    chat = wired.chat
    thread = chat.post(CONSOLE_CHANNEL, ":speech_balloon: Texts with +447700900000.")
    ts = chat.post(
        CONSOLE_CHANNEL, "<@UCONSOLE>: hello\n:hourglass_flowing_sand: queued", thread_ts=thread
    )
    chat.update(CONSOLE_CHANNEL, ts, "<@UCONSOLE>: hello\n:white_check_mark: delivered")
    chat.react(CONSOLE_CHANNEL, ts, "white_check_mark")
    chat.react(CONSOLE_CHANNEL, ts, "white_check_mark")  # the same reaction again: no news
    assert wired.lines()[1:] == [
        "[thread 1] you: hello · ⏳ queued",
        '[thread 1] ✅ delivered: "hello"',
        '[thread 1] ✅ delivered: "hello"',
    ]


def test_a_card_is_shown_whole_once_then_each_change_as_one_line(wired):
    chat = wired.chat
    hang_up = Button("Hang up", HANG_UP, "call-1", danger=True)
    ringing = Card(
        ":telephone_receiver: Call: you → +447700900006",
        (Row("Ringing you…"),),
        (hang_up,),
        "Started by <@UCONSOLE>",
    )
    ts = chat.post(CONSOLE_CHANNEL, ringing.as_text(), card=ringing)
    connected = Card(
        ringing.title, (Row("Connected since 10:00:00 UTC"),), (hang_up,), ringing.footer
    )
    chat.update(CONSOLE_CHANNEL, ts, connected.as_text(), card=connected)
    assert wired.lines() == [
        "[card 1] 📞 Call: you → +447700900006",
        "    Ringing you…",
        "    [1: Hang up]",
        "    Started by you",
        "[card 1] Connected since 10:00:00 UTC",
    ]
    wired.console.handle("card 1")
    assert wired.lines()[-3:] == [
        "    Connected since 10:00:00 UTC",
        "    [1: Hang up]",
        "    Started by you",
    ]
    assert chat.button(1) == hang_up


def test_the_state_of_a_text_sent_before_a_restart_names_it(db_url):
    first = wire(db_url)
    first.console.handle("/sms +447700900000 sent before")
    first.settle()
    first.work.shutdown()
    with first.db.transaction() as tx:
        (ts,) = tx.connection.execute(text("SELECT slack_ts FROM messages")).scalars()

    second = wire(db_url, first.telephony)
    second.chat.update(
        CONSOLE_CHANNEL, ts, "<@UCONSOLE>: sent before\n:white_check_mark: delivered"
    )
    assert second.lines() == ['[thread 1] ✅ delivered: "sent before"']
    second.work.shutdown()
