"""chat.* methods: posting, ephemerals, edits, deletes and permalinks."""

from __future__ import annotations

import time
from typing import Any

from tests.slackapi.content import message_content, message_metadata
from tests.slackapi.identity import APP_ID, BOT_NAME, TEAM_DOMAIN, TEAM_ID
from tests.slackapi.models import Edit, Ephemeral, Message
from tests.slackapi.params import Params, SlackError
from tests.slackapi.state import SlackState

_IGNORED_POST_FLAGS = ("unfurl_links", "unfurl_media", "mrkdwn", "parse", "link_names")


def bot_message_api(state: SlackState, message: Message) -> dict[str, Any]:
    """A message the bot posted, as chat.* responses show it (metadata included)."""
    data = message.as_api(include_metadata=True)
    data.update(
        app_id=APP_ID,
        team=TEAM_ID,
        bot_profile={"id": state.bot_id, "app_id": APP_ID, "name": BOT_NAME, "team_id": TEAM_ID},
    )
    return data


def post_message(state: SlackState, p: Params) -> dict:
    channel = state.postable_channel(p.require("channel", "channel_not_found"))
    text, blocks = message_content(p)
    metadata = message_metadata(p)
    message = Message(
        channel=channel.id,
        ts=state.next_ts(),
        text=text or "",
        user=state.bot_user_id,
        bot_id=state.bot_id,
        blocks=blocks,
        metadata=metadata,
        reply_broadcast=p.bool("reply_broadcast"),
        extra={
            name: p.raw(name)
            for name in ("username", "icon_emoji", "icon_url", *_IGNORED_POST_FLAGS)
            if name in p
        },
    )
    thread_ts = p.str("thread_ts")
    if thread_ts:
        try:
            message.thread_ts = state.thread_root(channel.id, thread_ts).ts
        except SlackError:
            raise SlackError("invalid_thread_ts") from None
    state.store_message(message)
    return {"channel": channel.id, "ts": message.ts, "message": bot_message_api(state, message)}


def post_ephemeral(state: SlackState, p: Params) -> dict:
    channel = state.postable_channel(p.require("channel", "channel_not_found"))
    user_id = p.require("user", "user_not_found")
    if user_id not in state.users:
        raise SlackError("user_not_found")
    if not channel.has_member(user_id):
        raise SlackError("user_not_in_channel")
    text, blocks = message_content(p)
    ephemeral = Ephemeral(
        channel=channel.id,
        user=user_id,
        message_ts=state.next_ts(),
        text=text or "",
        blocks=blocks,
        thread_ts=p.str("thread_ts"),
    )
    state.ephemeral_messages.append(ephemeral)
    state.notify()
    return {"message_ts": ephemeral.message_ts}


def _own_message(state: SlackState, p: Params, refusal: str) -> Message:
    channel = state.resolve_channel(p.require("channel", "channel_not_found"))
    if channel.is_private and not channel.bot_is_member:
        raise SlackError("channel_not_found")
    message = state.find_message(channel.id, p.require("ts", "message_not_found"))
    if message.deleted:
        raise SlackError("message_not_found")
    if message.bot_id != state.bot_id:
        raise SlackError(refusal)
    if channel.is_archived:
        raise SlackError("is_archived")
    return message


def update(state: SlackState, p: Params) -> dict:
    """Replace text; blocks are kept unless given ([] removes them), as in Slack."""
    message = _own_message(state, p, "cant_update_message")
    text, blocks = message_content(p, required=False)
    metadata = message_metadata(p)
    if text is None and blocks is None and metadata is None and "attachments" not in p:
        raise SlackError("no_text")
    message.edits.append(Edit(message.text, message.blocks, message.metadata, time.time()))
    if text is not None:
        message.text = text
    if blocks is not None:
        message.blocks = blocks or None
    if metadata is not None:
        message.metadata = metadata
    message.extra["edited_ts"] = state.next_ts()
    state.notify()
    return {
        "channel": message.channel,
        "ts": message.ts,
        "text": message.text,
        "message": bot_message_api(state, message),
    }


def delete(state: SlackState, p: Params) -> dict:
    message = _own_message(state, p, "cant_delete_message")
    message.deleted = True
    state.notify()
    return {"channel": message.channel, "ts": message.ts}


def get_permalink(state: SlackState, p: Params) -> dict:
    channel = state.readable_channel(p.require("channel", "channel_not_found"))
    message = state.find_message(channel.id, p.require("message_ts", "message_not_found"))
    link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


METHODS = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
}
