"""What the bridge does, after the ack, with each kind of Slack request the listeners queued.

The listeners (bot.slack.app) put a small JSON payload on the work queue; a WorkRunner,
possibly in another process, hands it to one of these. Answers for the person who asked go
back through the slash command's or button's response_url (valid for 30 minutes), or as an
ephemeral message when Slack gave none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from slack_bolt.context.respond import Respond

from bot.core.commands import (
    SendGroupSms,
    SendSms,
    SetContact,
    StartConference,
    UsageError,
    parse,
)
from bot.core.ports import ChatSurface
from bot.queue.side_effects import write_withheld
from bot.queue.work_queue import WorkKind
from bot.services.dispatch import Dispatcher, Invocation, answer
from bot.services.messaging import Messaging
from bot.slack.text import to_plain

log = logging.getLogger(__name__)

COMMAND, BUTTON, INVITE, REPLY = "command", "button", "invite", "reply"


def slack_work(
    dispatcher: Dispatcher,
    messaging: Messaging,
    chat: ChatSurface,
    user_name: Callable[[str], str | None],
    default_region: str,
    home_changed: Callable[[str], None] = lambda user: None,
) -> dict[str, WorkKind]:
    """The work kinds Slack's listeners queue, wired to the services that do them."""

    def command(work: dict) -> None:
        who = Invocation(work["user"], work["channel"])
        try:
            parsed = parse(work["command"], work["text"], default_region)
        except UsageError as error:  # the ack checked it; a newer parser may disagree
            reply = str(error)
        else:
            if isinstance(parsed, SetContact):  # a name as typed, not as Slack escaped it
                parsed = replace(parsed, name=to_plain(parsed.name, user_name))
            if isinstance(parsed, SendSms | SendGroupSms):  # the SMS carries what was typed
                parsed = replace(parsed, text=to_plain(parsed.text, user_name))
            reply = dispatcher.run(who, parsed)
        if work.get("response_url") or not reply:
            _respond(work.get("response_url"), reply)
        elif not write_withheld():  # from a modal: no response_url, so an ephemeral
            answer(lambda: chat.post_ephemeral(who.channel_id, who.user_id, reply))
        home_changed(who.user_id)

    def button(work: dict) -> None:
        who = Invocation(work["user"], work["channel"])
        _respond(work.get("response_url"), dispatcher.press(who, work["action_id"], work["value"]))
        home_changed(who.user_id)

    def invite(work: dict) -> None:
        who = Invocation(work["user"], work["channel"])
        parsed = parse("/conf", work["text"], default_region)
        if not isinstance(parsed, StartConference):  # the modal's check let it through
            return
        for target in parsed.parties:
            reply = dispatcher.invite(who, work["conference_id"], target)
            if reply and who.channel_id:
                answer(lambda r=reply: chat.post_ephemeral(who.channel_id, who.user_id, r))

    def reply(work: dict) -> None:
        text = to_plain(work["text"], user_name)
        messaging.reply(
            work["user"], work["channel"], work["thread_ts"], work["ts"], text, work["has_files"]
        )

    def tell(work: dict, text: str) -> None:
        if work.get("response_url"):
            _respond(work["response_url"], text)
        elif work.get("channel"):
            chat.post_ephemeral(work["channel"], work["user"], text)
        else:
            log.warning("no way to reach %s: %s", work.get("user"), text)

    return {
        COMMAND: WorkKind(command, lambda w: f"`{w['command']} {w['text']}`", tell, _check),
        BUTTON: WorkKind(button, lambda w: "your button press", tell, _check_card),
        INVITE: WorkKind(invite, lambda w: f"the invitation of {w['text']}", tell, _check_card),
        REPLY: WorkKind(reply, lambda w: "your thread reply", tell, _check_reply),
    }


CHECKS = {
    "/sms": "Look at its thread in this channel, and ask whether it arrived, before you send "
    "it again: the bridge lost track of it, so its mark there may never change.",
    "/call": "Look for the call's card in this channel (and ask whether the phones rang) "
    "before you call again.",
    "/conf": "Look for the conference's card in this channel (and ask whether the phones "
    "rang) before you start it again.",
}


def _check(work: dict) -> str:
    return CHECKS.get(
        work.get("command", ""), "Look in this channel for what it did before you try again."
    )


def _check_card(work: dict) -> str:
    return "Look at the card in this channel: it shows what Web21C did before you press again."


def _check_reply(work: dict) -> str:
    return (
        "Ask whether it arrived before you reply again: the bridge lost track of it, so the "
        "mark on your reply may never change."
    )


def _respond(response_url: str | None, text: str | None) -> None:
    if not text or write_withheld():  # another attempt will carry it out and answer
        return
    if not response_url:
        log.warning("an answer with nowhere to go (no response_url): %s", text)
        return
    try:
        Respond(response_url=response_url)(
            text=text, response_type="ephemeral", replace_original=False
        )
    except Exception as error:  # an expired or refused response_url: worth a line, not more
        log.warning("could not answer through response_url (%s): %s", type(error).__name__, text)
