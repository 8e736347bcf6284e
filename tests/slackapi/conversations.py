"""conversations.* methods: history, replies, info, join, list, open, members."""

from __future__ import annotations

from tests.slackapi.models import Channel
from tests.slackapi.pagination import in_window, paginate
from tests.slackapi.params import Params, SlackError
from tests.slackapi.state import SlackState


def _page(items: list, p: Params, *, default_limit: int, key: str = "messages") -> dict:
    page, next_cursor, more = paginate(items, p, default_limit=default_limit)
    return {key: page, "has_more": more, "response_metadata": {"next_cursor": next_cursor}}


def history(state: SlackState, p: Params) -> dict:
    """Top-level messages (and broadcast replies), newest first; metadata only on request."""
    channel = state.readable_channel(p.require("channel", "channel_not_found"))
    with_metadata = p.bool("include_all_metadata")
    shown = []
    for message in reversed(state.channel_messages.get(channel.id, [])):
        if message.is_reply and not message.reply_broadcast:
            continue
        replies = [] if message.is_reply else state.thread_replies(channel.id, message.ts)
        if message.deleted and not replies:
            continue
        if in_window(message.ts, p):
            shown.append(message.as_api(include_metadata=with_metadata, replies=replies))
    result = _page(shown, p, default_limit=100)
    result.update(pin_count=0, channel_actions_ts=None, channel_actions_count=0)
    return result


def replies(state: SlackState, p: Params) -> dict:
    """A thread, parent first, then replies oldest first."""
    channel = state.readable_channel(p.require("channel", "channel_not_found"))
    root = state.thread_root(channel.id, p.require("ts", "thread_not_found"))
    with_metadata = p.bool("include_all_metadata")
    thread = state.thread_replies(channel.id, root.ts)
    if root.deleted and not thread:
        raise SlackError("thread_not_found")
    shown = [root.as_api(include_metadata=with_metadata, replies=thread)]
    shown += [
        reply.as_api(include_metadata=with_metadata)
        for reply in thread
        if not reply.deleted and in_window(reply.ts, p)
    ]
    return _page(shown, p, default_limit=1000)


def _visible(state: SlackState, channel_id: str) -> Channel:
    channel = state.resolve_channel(channel_id)
    if channel.is_private and not channel.bot_is_member:
        raise SlackError("channel_not_found")
    return channel


def _members(state: SlackState, channel: Channel) -> list[str]:
    people = channel.members if channel.members is not None else set(state.users)
    members = [u for u in sorted(people) if u in state.users and u != state.bot_user_id]
    if channel.bot_is_member:
        members.append(state.bot_user_id)
    return members


def info(state: SlackState, p: Params) -> dict:
    channel = _visible(state, p.require("channel", "channel_not_found"))
    data = channel.as_api()
    if p.bool("include_num_members"):
        data["num_members"] = len(_members(state, channel))
    return {"channel": data}


def join(state: SlackState, p: Params) -> dict:
    channel = _visible(state, p.require("channel", "channel_not_found"))
    if channel.is_private or channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("is_archived")
    result: dict = {}
    if channel.bot_is_member:
        result["warning"] = "already_in_channel"
        result["response_metadata"] = {"warnings": ["already_in_channel"]}
    channel.bot_is_member = True
    state.notify()
    result["channel"] = channel.as_api()
    return result


_TYPE_OF = {False: "public_channel", True: "private_channel"}


def list_(state: SlackState, p: Params) -> dict:
    types = set((p.str("types") or "public_channel").split(","))
    exclude_archived = p.bool("exclude_archived")
    shown = []
    for channel in state.channels.values():
        kind = "im" if channel.is_im else _TYPE_OF[channel.is_private]
        if kind not in types or (exclude_archived and channel.is_archived):
            continue
        if channel.is_private and not channel.is_im and not channel.bot_is_member:
            continue
        shown.append(channel.as_api())
    return _page(shown, p, default_limit=100, key="channels")


def open_(state: SlackState, p: Params) -> dict:
    if "channel" in p:
        return {"channel": {"id": _visible(state, p.require("channel")).id}}
    users = [u for u in (p.str("users") or "").split(",") if u]
    if len(users) != 1:
        raise SlackError("users_list_not_supplied" if not users else "not_implemented")
    if users[0] not in state.users:
        raise SlackError("user_not_found")
    channel = state.open_im(users[0])
    return {"channel": {"id": channel.id}, "no_op": False, "already_open": False}


def members(state: SlackState, p: Params) -> dict:
    channel = _visible(state, p.require("channel", "channel_not_found"))
    return _page(_members(state, channel), p, default_limit=100, key="members")


METHODS = {
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.info": info,
    "conversations.join": join,
    "conversations.list": list_,
    "conversations.open": open_,
    "conversations.members": members,
}
