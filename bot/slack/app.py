"""The Bolt app: thin listeners that parse, `ack()` at once, and hand the work to a service.

Usage errors and help are answered inside the ack (they need no I/O); everything else runs on
bot.tasks after the ack, and its answer reaches the user through the command's response_url.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot import cards
from bot.commands import COMMANDS, Help, StartConference, UsageError, parse
from bot.services.dispatch import Dispatcher, Invocation, answer
from bot.services.messaging import Messaging
from bot.slack.blocks import INVITE_BLOCK, INVITE_INPUT, INVITE_MODAL, invite_modal
from bot.slack.text import to_plain
from bot.tasks import Tasks

log = logging.getLogger(__name__)

HANDLED_MESSAGE_SUBTYPES = {None, "file_share", "thread_broadcast"}
# What the app registers; slack-manifest.yml must declare the same (a test checks both ways).
BUTTON_ACTIONS = (cards.HANG_UP, cards.DROP_PARTICIPANT, cards.END_CONFERENCE)
EVENTS = ("message",)


@dataclass
class SlackFrontEnd:
    """What the listeners need; bootstrap builds it."""

    dispatcher: Dispatcher
    messaging: Messaging
    tasks: Tasks
    first_time: Callable[[str], bool]  # event id -> True when not handled before
    user_name: Callable[[str], str | None]
    default_region: str


def create_bolt_app(client: WebClient, signing_secret: str | None, front: SlackFrontEnd) -> App:
    app = App(
        client=client,
        signing_secret=signing_secret or "socket-mode-needs-no-signing-secret",
        process_before_response=True,
        token_verification_enabled=False,
        request_verification_enabled=bool(signing_secret),
        ignoring_self_events_enabled=False,
    )

    @app.middleware
    def handle_events_once(body: dict, next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id and not front.first_time(event_id):
            log.info("event %s was already handled; ignoring Slack's retry", event_id)
            return BoltResponse(status=200, body="")
        next()
        return None

    for name in COMMANDS:
        app.command(name)(_command_listener(front))
    for action_id in BUTTON_ACTIONS:
        app.action(action_id)(_button_listener(front))
    app.action(cards.INVITE_PARTICIPANT)(_invite_button_listener)
    app.view(INVITE_MODAL)(_invite_submission_listener(front))
    app.event(EVENTS[0])(_thread_reply_listener(front))
    return app


def _command_listener(front: SlackFrontEnd):
    def listener(ack, command: dict, respond) -> None:
        try:
            parsed = parse(command["command"], command.get("text") or "", front.default_region)
        except UsageError as error:
            ack(str(error))
            return
        if isinstance(parsed, Help):
            ack(str(UsageError(parsed.command)))
            return
        ack()
        who = Invocation(command["user_id"], command["channel_id"])
        front.tasks.submit(lambda: _respond(respond, front.dispatcher.run(who, parsed)))

    return listener


def _button_listener(front: SlackFrontEnd):
    def listener(ack, body: dict, action: dict, respond) -> None:
        ack()
        who = Invocation(body["user"]["id"], (body.get("channel") or {}).get("id", ""))
        front.tasks.submit(
            lambda: _respond(
                respond, front.dispatcher.press(who, action["action_id"], action["value"])
            )
        )

    return listener


def _invite_button_listener(ack, body: dict, action: dict, client: WebClient) -> None:
    ack()
    channel = (body.get("channel") or {}).get("id", "")
    client.views_open(trigger_id=body["trigger_id"], view=invite_modal(action["value"], channel))


def _invite_submission_listener(front: SlackFrontEnd):
    def listener(ack, body: dict, view: dict, client: WebClient) -> None:
        typed = view["state"]["values"][INVITE_BLOCK][INVITE_INPUT].get("value") or ""
        try:
            parsed = parse("/conf", typed, front.default_region)
            if not isinstance(parsed, StartConference):
                raise UsageError("/conf", "Name a person or a phone number.")
        except UsageError as error:
            ack(response_action="errors", errors={INVITE_BLOCK: str(error).splitlines()[0]})
            return
        ack()
        conference_id, _, channel = view.get("private_metadata", "").partition("|")
        who = Invocation(body["user"]["id"], channel)

        def invite_all() -> None:
            for target in parsed.parties:
                reply = front.dispatcher.invite(who, conference_id, target)
                if reply and channel:
                    answer(
                        lambda r=reply: client.chat_postEphemeral(
                            channel=channel, user=who.user_id, text=r
                        )
                    )

        front.tasks.submit(invite_all)

    return listener


def _thread_reply_listener(front: SlackFrontEnd):
    def listener(event: dict) -> None:
        thread_ts = event.get("thread_ts")
        if (
            event.get("subtype") not in HANDLED_MESSAGE_SUBTYPES
            or event.get("bot_id")
            or not thread_ts
            or thread_ts == event.get("ts")
            or not event.get("user")
        ):
            return
        text = to_plain(event.get("text") or "", front.user_name)
        has_files = bool(event.get("files"))
        front.tasks.submit(
            lambda: front.messaging.reply(
                event["user"], event["channel"], thread_ts, event["ts"], text, has_files
            )
        )

    return listener


def _respond(respond, text: str | None) -> None:
    if text:
        respond(text=text, response_type="ephemeral", replace_original=False)
