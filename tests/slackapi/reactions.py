"""reactions.* methods (the bot's own reactions; tests add others with state.add_reaction)."""

from __future__ import annotations

from tests.slackapi.models import Message
from tests.slackapi.params import Params, SlackError
from tests.slackapi.state import SlackState

MAX_REACTIONS_PER_MESSAGE = 23


def _target(state: SlackState, p: Params, *, writing: bool) -> Message:
    channel = state.readable_channel(p.require("channel", "channel_not_found"))
    if writing and channel.is_archived:
        raise SlackError("is_archived")
    message = state.find_message(channel.id, p.require("timestamp", "message_not_found"))
    if message.deleted:
        raise SlackError("message_not_found")
    return message


def _name(p: Params) -> str:
    name = (p.str("name") or "").strip(":")
    if not name or " " in name:
        raise SlackError("invalid_name")
    return name


def add(state: SlackState, p: Params) -> dict:
    message = _target(state, p, writing=True)
    name = _name(p)
    users = message.reactions.get(name, [])
    if state.bot_user_id in users:
        raise SlackError("already_reacted")
    if name not in message.reactions and len(message.reactions) >= MAX_REACTIONS_PER_MESSAGE:
        raise SlackError("too_many_reactions")
    message.reactions.setdefault(name, []).append(state.bot_user_id)
    state.notify()
    return {}


def remove(state: SlackState, p: Params) -> dict:
    message = _target(state, p, writing=True)
    name = _name(p)
    users = message.reactions.get(name, [])
    if state.bot_user_id not in users:
        raise SlackError("no_reaction")
    users.remove(state.bot_user_id)
    if not users:
        del message.reactions[name]
    state.notify()
    return {}


def get(state: SlackState, p: Params) -> dict:
    message = _target(state, p, writing=False)
    return {
        "type": "message",
        "channel": message.channel,
        "message": message.as_api(include_metadata=False),
    }


METHODS = {"reactions.add": add, "reactions.remove": remove, "reactions.get": get}
