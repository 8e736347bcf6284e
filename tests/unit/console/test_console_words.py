"""Each console word answers its own misuse with its own usage, not a generic refusal."""

from __future__ import annotations

import pytest

from bot.core.cards import INVITE_PARTICIPANT, Button

MISUSES = {
    "reply": "Usage: reply <thread> <text> texts the number of a conversation thread",
    "reply 1": "There is no text to send in thread 1.\nUsage: reply <thread> <text>",
    "reply x hi": "x is not a thread number.\nUsage: reply <thread> <text>",
    "press": "Usage: press <button> presses a card's button",
    "press abc": "abc is not a button number.\nUsage: press <button>",
    "invite": "Usage: invite <card> <@user or number> ...",
    "invite 2": "Say who to invite to the conference on card 2.\nUsage: invite <card>",
    "card": "Usage: card <card> shows a card whole",
    "/call": "Usage: /call <@user or number> [<@user or number>] rings the first party",
    "frobnicate": "frobnicate is not a console command. Type help for what the console accepts.",
    "/dial 123": (
        "/dial is not a command here; the console knows /sms, /call, /conf, /phone, /contact."
    ),
    "help reply": "Usage: reply <thread> <text>",
    "help /sms": "Usage: /sms <number or @user> <text>",
}


@pytest.mark.parametrize("line", MISUSES)
def test_a_misused_word_answers_with_its_usage(wired, line):
    assert wired.console.handle(line) is True
    wired.settle()
    shown = "\n".join(wired.lines())
    assert shown.startswith(MISUSES[line]), shown
    assert "Not understood" not in shown


def test_numbers_that_do_not_exist_are_named(wired):
    for line in ("reply 4 hello", "press 7", "card 3", "invite 2 +447700900001"):
        wired.console.handle(line)
    assert wired.lines() == [
        "There is no thread 4. threads lists them.",
        "There is no button 7. cards lists the live cards.",
        "There is no card 3. cards lists them.",
        "Card 2 is not a live conference. cards lists the live cards.",
    ]


def test_inviting_someone_unknown_names_them_with_invites_usage(wired):
    wired.chat.buttons.hint(1, Button("Invite", INVITE_PARTICIPANT, "conf-1"))
    wired.console.handle("invite 1 bob")
    assert wired.lines() == [
        "bob is neither a @mention nor a phone number.",
        "Usage: invite <card> <@user or number> ... rings more people into the conference on "
        "that card.",
        "Example: invite 2 +447700900001",
    ]


def test_quit_asks_to_leave(wired):
    assert wired.console.handle("quit") is False
    assert wired.console.quit_requested
    wired.console.farewell()
    assert wired.lines() == ["Bye; the bridge stopped."]


def test_help_alone_is_the_greeting_and_a_route_for_help_is_a_route(wired):
    wired.console.handle("help")
    assert wired.lines()[0].startswith("web21c-bridge console:")
    wired.out.truncate(0), wired.out.seek(0)
    wired.console.handle("/sms route help #support")
    wired.settle()
    assert wired.lines() == ["Texts starting with HELP now arrive in #support."]
    wired.console.handle("/sms routes")
    wired.settle()
    assert "HELP → #support" in wired.lines()[-1] or "HELP → #support" in "\n".join(wired.lines())
