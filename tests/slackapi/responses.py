"""Response URLs: what a slash command's or a button's `response_url` does with a POST.

Up to five uses within 30 minutes; `ephemeral` (the default) shows only to the user,
`in_channel` posts to the channel, `replace_original` / `delete_original` act on the message
the interaction came from."""

from __future__ import annotations

import time
from typing import Any

from tests.slackapi.content import MAX_MESSAGE_BLOCKS, validate_blocks
from tests.slackapi.models import Edit, Ephemeral, Message, ResponsePost
from tests.slackapi.params import SlackError
from tests.slackapi.state import SlackState


def _refuse(state: SlackState, url_id: str, body: dict, error: str, status: int):
    state.response_post_log.append(ResponsePost(url_id, body, accepted=False, error=error))
    state.notify()
    return status, {"ok": False, "error": error}


def handle_response_post(state: SlackState, url_id: str, body: Any) -> tuple[int, dict]:
    """Apply one POST to a response URL; returns the HTTP status and JSON answer."""
    with state.lock:
        if not isinstance(body, dict):
            return _refuse(state, url_id, {"raw": body}, "invalid_payload", 400)
        hook = state.response_url_store.get(url_id)
        if hook is None or time.monotonic() - hook.created > hook.ttl_seconds:
            return _refuse(state, url_id, body, "expired_url", 404)
        if hook.uses >= hook.max_uses:
            return _refuse(state, url_id, body, "used_url", 404)
        try:
            _apply(state, hook, body)
        except SlackError as error:
            return _refuse(state, url_id, body, error.error, 400)
        hook.uses += 1
        state.response_post_log.append(ResponsePost(url_id, body, accepted=True))
        state.notify()
        return 200, {"ok": True}


def _apply(state: SlackState, hook, body: dict) -> None:
    text = body.get("text")
    blocks = body.get("blocks")
    if blocks is not None:
        validate_blocks(blocks, MAX_MESSAGE_BLOCKS)
    if _truthy(body.get("delete_original")):
        if hook.channel and hook.message_ts:
            state.find_message(hook.channel, hook.message_ts).deleted = True
        return
    if not text and not blocks and not body.get("attachments"):
        raise SlackError("no_text")
    if _truthy(body.get("replace_original")) and hook.channel and hook.message_ts:
        original = state.find_message(hook.channel, hook.message_ts)
        original.edits.append(Edit(original.text, original.blocks, original.metadata, time.time()))
        original.text, original.blocks = text or "", blocks
        original.extra["edited_ts"] = state.next_ts()
        return
    if body.get("response_type") == "in_channel" and hook.channel:
        message = Message(
            channel=hook.channel,
            ts=state.next_ts(),
            text=text or "",
            user=state.bot_user_id,
            bot_id=state.bot_id,
            blocks=blocks,
        )
        if body.get("thread_ts"):
            message.thread_ts = state.thread_root(hook.channel, body["thread_ts"]).ts
        state.store_message(message)
    elif hook.channel and hook.user:
        state.ephemeral_messages.append(
            Ephemeral(
                channel=hook.channel,
                user=hook.user,
                message_ts=state.next_ts(),
                text=text or "",
                blocks=blocks,
                source="response_url",
            )
        )


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")
