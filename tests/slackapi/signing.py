"""Requests to the bridge's `POST /slack/events`, built and signed as Slack builds them:
slash commands and interactivity payloads form-encoded, events as JSON, each signed with
`v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}`."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlencode

from tests.slackapi.identity import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    VERIFICATION_TOKEN,
)
from tests.slackapi.models import Message

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def signature(signing_secret: str, body: bytes, timestamp: int | str) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    signing_secret: str,
    body: bytes,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
) -> dict[str, str]:
    """Headers Slack sends with `body`; the content type is guessed from the body unless given.
    `retry_num` adds X-Slack-Retry-Num / X-Slack-Retry-Reason, as on Slack's redeliveries."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    if content_type is None:
        content_type = JSON if body.lstrip().startswith(b"{") else FORM
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(signing_secret, body, timestamp),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    return headers


def slash_command_body(
    command: str,
    text: str,
    user_id: str,
    channel_id: str,
    response_url: str,
    trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
    *,
    team_id: str = TEAM_ID,
    user_name: str | None = None,
    channel_name: str = "general",
) -> bytes:
    """A slash command invocation, form-encoded like Slack's."""
    return urlencode(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command if command.startswith("/") else "/" + command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    ).encode()


def event_callback_body(
    event: dict[str, Any],
    event_id: str | None = None,
    *,
    team_id: str = TEAM_ID,
    event_time: int | None = None,
    bot_user_id: str = BOT_USER_ID,
) -> bytes:
    """An Events API delivery wrapping `event` (reuse `event_id` to model a redelivery)."""
    return json.dumps(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or "Ev" + uuid.uuid4().hex[:10].upper(),
            "event_time": event_time or int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + uuid.uuid4().hex,
        }
    ).encode()


def message_event(
    channel: str,
    user: str,
    text: str,
    ts: str,
    *,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    subtype: str | None = None,
    bot_id: str | None = None,
    files: list[dict] | None = None,
    team_id: str = TEAM_ID,
    parent_user_id: str = BOT_USER_ID,
) -> dict[str, Any]:
    """The `event` of a `message` delivery (message.channels / message.groups)."""
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
        "team": team_id,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = parent_user_id
    if subtype:
        event["subtype"] = subtype
    if bot_id:
        event["bot_id"] = bot_id
    if files:
        event["files"] = files
        event["upload"] = False
        event.setdefault("subtype", "file_share")
    return event


def event_for(message: Message, *, channel_type: str = "channel") -> dict[str, Any]:
    """The `message` event Slack sends for a message in the fake workspace (for example one
    made with `state.post_as_user`)."""
    return message_event(
        message.channel,
        message.user,
        message.text,
        message.ts,
        thread_ts=message.thread_ts if message.is_reply else None,
        channel_type=channel_type,
        subtype=message.subtype,
        bot_id=message.bot_id,
        files=message.files,
        parent_user_id=message.extra.get("parent_user_id") or BOT_USER_ID,
    )


def _user(user_id: str, team_id: str) -> dict[str, str]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _interactivity(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def block_actions_body(
    action_id: str,
    value: str,
    user_id: str,
    channel_id: str,
    message_ts: str,
    response_url: str,
    trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
    *,
    block_id: str = "actions",
    team_id: str = TEAM_ID,
    message: dict[str, Any] | None = None,
    action_type: str = "button",
) -> bytes:
    """A button click on a message, form-encoded as `payload=<json>` like Slack's."""
    action_ts = f"{time.time():.6f}"
    return _interactivity(
        {
            "type": "block_actions",
            "user": _user(user_id, team_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "trigger_id": trigger_id,
            "team": {"id": team_id, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": channel_id.lower()},
            "message": message
            or {"type": "message", "ts": message_ts, "user": BOT_USER_ID, "text": ""},
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": action_id, "emoji": True},
                    "value": value,
                    "type": action_type,
                    "action_ts": action_ts,
                }
            ],
        }
    )


def message_shortcut_body(
    callback_id: str,
    user_id: str,
    channel_id: str,
    message_ts: str,
    text: str,
    trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
    *,
    team_id: str = TEAM_ID,
) -> bytes:
    """A message shortcut chosen on a message, form-encoded as `payload=<json>` like Slack's."""
    return _interactivity(
        {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": trigger_id,
            "action_ts": f"{time.time():.6f}",
            "team": {"id": team_id, "domain": TEAM_DOMAIN},
            "user": _user(user_id, team_id),
            "channel": {"id": channel_id, "name": channel_id.lower()},
            "message_ts": message_ts,
            "message": {"type": "message", "ts": message_ts, "user": user_id, "text": text},
            "response_url": "http://127.0.0.1:9/shortcut",
            "token": VERIFICATION_TOKEN,
            "api_app_id": APP_ID,
        }
    )


def app_home_opened_body(user_id: str, *, team_id: str = TEAM_ID) -> bytes:
    """The `app_home_opened` event for the Home tab."""
    return event_callback_body(
        {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D0HOME0000",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
        team_id=team_id,
    )


def input_values(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`{block_id: {action_id: "text"}}` -> view state values; dict leaves pass unchanged."""
    return {
        block_id: {
            action_id: leaf
            if isinstance(leaf, dict)
            else {"type": "plain_text_input", "value": leaf}
            for action_id, leaf in actions.items()
        }
        for block_id, actions in values.items()
    }


def view_submission_body(
    callback_id: str,
    private_metadata: str,
    values: dict[str, dict[str, Any]],
    user_id: str,
    *,
    team_id: str = TEAM_ID,
    view_id: str = "V0SUBMIT0",
    trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
) -> bytes:
    """A modal submission; `values` as in `input_values` (plain strings become text inputs)."""
    return _interactivity(
        {
            "type": "view_submission",
            "team": {"id": team_id, "domain": TEAM_DOMAIN},
            "user": _user(user_id, team_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id,
            "view": {
                "id": view_id,
                "team_id": team_id,
                "type": "modal",
                "blocks": [],
                "private_metadata": private_metadata,
                "callback_id": callback_id,
                "state": {"values": input_values(values)},
                "hash": f"{int(time.time())}.abcdef12",
                "title": {"type": "plain_text", "text": "Form"},
                "clear_on_close": False,
                "notify_on_close": False,
                "close": None,
                "submit": {"type": "plain_text", "text": "Submit"},
                "previous_view_id": None,
                "root_view_id": view_id,
                "app_id": APP_ID,
                "external_id": "",
                "app_installed_team_id": team_id,
                "bot_id": BOT_ID,
            },
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
    )


def post_to_bridge(
    url: str, body: bytes, headers: dict[str, str], timeout: float = 10.0
) -> tuple[int, str]:
    """POST a signed request; returns (status, response text), error statuses included."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
