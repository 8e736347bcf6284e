"""The Bolt app: thin listeners that parse, queue the work and `ack()`, nothing more.

Usage errors and help are answered inside the ack (they need no I/O). Everything else is
committed to the work queue (bot.queue.work_queue) before the ack, then carried out by a
worker (bot.slack.work), whose answer reaches the user through the command's response_url.
If the queue cannot take it, the ack says so: the request is refused, not dropped, and
nothing was promised. One user's requests (one thread's replies) share an ordering key, so
they are carried out in the order they were made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import cards
from bot.core.commands import (
    COMMANDS,
    Help,
    ScheduleSms,
    SendIn,
    StartConference,
    UsageError,
    parse,
)
from bot.queue.work_queue import NotAccepted
from bot.services.scheduled import duration_words
from bot.slack import compose, work
from bot.slack.blocks import INVITE_BLOCK, INVITE_INPUT, INVITE_MODAL, invite_modal
from bot.slack.compose import (
    COMPOSE_MODAL,
    TEXT_THIS,
    compose_modal,
    read_submission,
    with_hint,
)
from bot.slack.home import CALL_MODAL, CALL_WHERE, CALL_WHO, HOME_CALL, HOME_TEXT, call_modal
from bot.slack.text import to_plain

if TYPE_CHECKING:
    from bot.slack.home import HomePublisher

log = logging.getLogger(__name__)

HANDLED_MESSAGE_SUBTYPES = {None, "file_share", "thread_broadcast"}
# What the app registers; slack-manifest.yml must declare the same (a test checks both ways).
BUTTON_ACTIONS = (
    cards.HANG_UP,
    cards.DROP_PARTICIPANT,
    cards.END_CONFERENCE,
    cards.TAKE_CONVERSATION,
    cards.RELEASE_CONVERSATION,
    cards.CALL_CONVERSATION,
    cards.CANCEL_SCHEDULED,
)
EVENTS = ("message", "app_home_opened")
NOT_QUEUED = (
    "The bridge can't take requests right now ({reason}), so this was not done. "
    "Try again in a minute."
)


class NotQueued(Exception):
    """The work queue could not take a request; the message is the answer for Slack."""


@dataclass
class SlackFrontEnd:
    """What the listeners need; bootstrap builds it."""

    # WorkQueue.put(kind, payload, event_id, ordering_key): committed when it returns;
    # raises NotAccepted when it cannot take it.
    queue: Callable[[str, dict, str | None, str | None], None]
    default_region: str
    # Why the policy refuses texting a number (None: it does not), for the compose modal's
    # field errors; the text is checked too (an opted-out number, a text too long).
    check_number: Callable[[str, str], str | None] = lambda number, text: None
    max_segments: int = 6
    user_name: Callable[[str], str | None] = lambda user: None  # for Slack markup as words
    home: HomePublisher | None = None  # the App Home tab, when the bridge has one

    def hand_off(self, kind: str, payload: dict, order: str, event_id: str | None = None) -> None:
        """Queue work (committed when this returns) in the order `order` names, or raise
        NotQueued with the sentence for the requester."""
        try:
            self.queue(kind, payload, event_id, order)
        except NotAccepted as refusal:
            log.warning("refused %s work: the bridge %s", kind, refusal)
            raise NotQueued(NOT_QUEUED.format(reason=refusal)) from None


class _NoTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when it is given a client, then
    warns on every start that the token goes unused: the client carries the same token, so
    the warning says nothing an operator can act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_BOLT_LOG = logging.getLogger("slack_bolt.App")
_BOLT_LOG.addFilter(_NoTokenWarning())


def create_bolt_app(client: WebClient, signing_secret: str | None, front: SlackFrontEnd) -> App:
    app = App(
        client=client,
        signing_secret=signing_secret or "socket-mode-needs-no-signing-secret",
        process_before_response=True,
        token_verification_enabled=False,
        request_verification_enabled=bool(signing_secret),
        ignoring_self_events_enabled=False,
    )

    @app.error
    def refuse_what_cannot_be_queued(error: Exception) -> BoltResponse | None:
        if isinstance(error, NotQueued):  # Slack retries an event it got a 5xx for
            return BoltResponse(status=503, body="the bridge cannot take requests right now")
        log.error("a Slack listener failed", exc_info=error)
        return None

    for name in COMMANDS:
        app.command(name)(_command_listener(front))
    for action_id in BUTTON_ACTIONS:
        app.action(action_id)(_button_listener(front))
    app.action(cards.INVITE_PARTICIPANT)(_invite_button_listener)
    app.view(INVITE_MODAL)(_invite_submission_listener(front))
    app.shortcut(TEXT_THIS)(_text_this_listener(front))
    app.action(compose.TEXT)(_compose_typing_listener(front))
    app.view(COMPOSE_MODAL)(_compose_submission_listener(front))
    app.event(EVENTS[0])(_thread_reply_listener(front))
    app.event(EVENTS[1])(_home_opened_listener(front))
    app.action(HOME_TEXT)(_home_compose_listener(front))
    app.action(HOME_CALL)(_home_call_listener)
    app.view(CALL_MODAL)(_call_submission_listener(front))
    return app


def _command_listener(front: SlackFrontEnd):
    def listener(ack, command: dict, client: WebClient) -> None:
        text = command.get("text") or ""
        if command["command"] == "/sms" and not text.strip():  # the compose modal instead
            ack()
            modal = compose_modal(command.get("channel_id"), max_segments=front.max_segments)
            _open(client, command.get("trigger_id"), modal)
            return
        try:
            parsed = parse(command["command"], text, front.default_region)
        except UsageError as error:
            ack(str(error))
            return
        if isinstance(parsed, Help):
            ack(str(UsageError(parsed.command)))
            return
        try:
            front.hand_off(
                work.COMMAND,
                {
                    "user": command["user_id"],
                    "channel": command["channel_id"],
                    "command": command["command"],
                    "text": text,
                    "response_url": command.get("response_url"),
                },
                by_user(command["user_id"]),
            )
        except NotQueued as refusal:
            ack(str(refusal))
            return
        if isinstance(parsed, ScheduleSms):
            ack(scheduling_words(parsed))
        else:
            ack()

    return listener


def scheduling_words(command: ScheduleSms) -> str:
    """The ack of a scheduled text, from the words alone (the exact time, in the requester's
    zone, follows once the worker has read their profile)."""
    when = command.when
    if isinstance(when, SendIn):
        return f"Scheduling your text to go in {duration_words(when.delay)}…"
    on = f"on {when.date:%Y-%m-%d} " if when.date else ""
    return f"Scheduling your text for {on}{when.time:%H:%M} in your Slack time zone…"


def _button_listener(front: SlackFrontEnd):
    def listener(ack, body: dict, action: dict, respond) -> None:
        try:
            front.hand_off(
                work.BUTTON,
                {
                    "user": body["user"]["id"],
                    "channel": (body.get("channel") or {}).get("id", ""),
                    "action_id": action["action_id"],
                    "value": action["value"],
                    "response_url": body.get("response_url"),
                },
                by_user(body["user"]["id"]),
            )
        except NotQueued as refusal:
            ack()  # a button's ack carries no words: they go through its response_url
            respond(text=str(refusal), response_type="ephemeral", replace_original=False)
            return
        ack()

    return listener


def _open(client: WebClient, trigger_id: str | None, view: dict) -> None:
    """Open a modal; a trigger that expired (more than 3 s) is logged, there is no one to tell."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        log.warning("could not open a modal: %s", error.response.get("error"))


def _text_this_listener(front: SlackFrontEnd):
    """The "Text this" message shortcut: the compose modal with that message's words."""

    def listener(ack, shortcut: dict, client: WebClient) -> None:
        ack()
        message = shortcut.get("message") or {}
        words = to_plain(message.get("text") or "", front.user_name)  # what people read
        channel = (shortcut.get("channel") or {}).get("id")
        modal = compose_modal(channel, words, max_segments=front.max_segments)
        _open(client, shortcut.get("trigger_id"), modal)

    return listener


def _compose_typing_listener(front: SlackFrontEnd):
    """Each character typed in the compose modal's text: its hint counts the segments."""

    def listener(ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        updated = with_hint(view, action.get("value") or "", front.max_segments)
        try:
            client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=updated)
        except SlackApiError as error:  # a newer keystroke's update won: nothing is lost
            log.debug("segment hint not updated: %s", error.response.get("error"))

    return listener


def _compose_submission_listener(front: SlackFrontEnd):
    def listener(ack, body: dict, view: dict) -> None:
        values = (view.get("state") or {}).get("values") or {}
        read = read_submission(values, front.default_region, front.check_number, front.max_segments)
        if isinstance(read, dict):
            ack(response_action="errors", errors=read)
            return
        user = body["user"]["id"]
        payload = {
            "user": user,
            "channel": read.channel,
            "command": "/sms",
            "text": read.typed,
            "response_url": None,
        }
        try:
            front.hand_off(work.COMMAND, payload, by_user(user))
        except NotQueued as refusal:
            ack(response_action="errors", errors={compose.TEXT: str(refusal)[:150]})
            return
        ack()

    return listener


def _invite_button_listener(ack, body: dict, action: dict, client: WebClient) -> None:
    ack()
    channel = (body.get("channel") or {}).get("id", "")
    client.views_open(trigger_id=body["trigger_id"], view=invite_modal(action["value"], channel))


def _invite_submission_listener(front: SlackFrontEnd):
    def listener(ack, body: dict, view: dict) -> None:
        typed = view["state"]["values"][INVITE_BLOCK][INVITE_INPUT].get("value") or ""
        try:
            parsed = parse("/conf", typed, front.default_region)
            if not isinstance(parsed, StartConference):
                raise UsageError("/conf", "Name a person or a phone number.")
        except UsageError as error:
            ack(response_action="errors", errors={INVITE_BLOCK: str(error).splitlines()[0]})
            return
        conference_id, _, channel = view.get("private_metadata", "").partition("|")
        payload = {
            "user": body["user"]["id"],
            "channel": channel,
            "conference_id": conference_id,
            "text": typed,
        }
        try:
            front.hand_off(work.INVITE, payload, by_user(payload["user"]))
        except NotQueued as refusal:
            ack(response_action="errors", errors={INVITE_BLOCK: str(refusal)})
            return
        ack()

    return listener


def _thread_reply_listener(front: SlackFrontEnd):
    def listener(event: dict, body: dict) -> None:
        thread_ts = event.get("thread_ts")
        if (
            event.get("subtype") not in HANDLED_MESSAGE_SUBTYPES
            or event.get("bot_id")
            or not thread_ts
            or thread_ts == event.get("ts")
            or not event.get("user")
        ):
            return
        front.hand_off(
            work.REPLY,
            {
                "user": event["user"],
                "channel": event["channel"],
                "thread_ts": thread_ts,
                "ts": event["ts"],
                "text": event.get("text") or "",
                "has_files": bool(event.get("files")),
            },
            in_thread(event["channel"], thread_ts),
            event_id=body.get("event_id"),  # Slack's retries of it are not queued again
        )

    return listener


def _home_opened_listener(front: SlackFrontEnd):
    def listener(event: dict) -> None:
        if event.get("tab", "home") == "home" and event.get("user") and front.home is not None:
            front.home.opened(event["user"])

    return listener


def _home_compose_listener(front: SlackFrontEnd):
    def listener(ack, body: dict, client: WebClient) -> None:
        ack()
        _open(client, body.get("trigger_id"), compose_modal(None, max_segments=front.max_segments))

    return listener


def _home_call_listener(ack, body: dict, client: WebClient) -> None:
    ack()
    _open(client, body.get("trigger_id"), call_modal(None))


def _call_submission_listener(front: SlackFrontEnd):
    """Call someone: the words typed become a `/call`, checked like one."""

    def listener(ack, body: dict, view: dict) -> None:
        values = (view.get("state") or {}).get("values") or {}
        typed = ((values.get(CALL_WHO) or {}).get(CALL_WHO) or {}).get("value") or ""
        channel = ((values.get(CALL_WHERE) or {}).get(CALL_WHERE) or {}).get(
            "selected_conversation"
        )
        try:
            parse("/call", typed, front.default_region)
        except UsageError as error:
            ack(response_action="errors", errors={CALL_WHO: str(error).splitlines()[0][:150]})
            return
        if not channel:
            ack(response_action="errors", errors={CALL_WHERE: "Choose where the card goes."})
            return
        user = body["user"]["id"]
        payload = {
            "user": user,
            "channel": channel,
            "command": "/call",
            "text": typed,
            "response_url": None,
        }
        try:
            front.hand_off(work.COMMAND, payload, by_user(user))
        except NotQueued as refusal:
            ack(response_action="errors", errors={CALL_WHO: str(refusal)[:150]})
            return
        ack()

    return listener


def by_user(user_id: str) -> str:
    """The ordering key of a user's commands, button presses and invitations."""
    return f"user:{user_id}"


def in_thread(channel: str, thread_ts: str) -> str:
    """The ordering key of the replies in one thread (texted to its number in order)."""
    return f"thread:{channel}:{thread_ts}"
