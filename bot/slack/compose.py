"""The compose modal: `/sms` with nothing after it, the "Text this" message shortcut and the
App Home's Text someone button open it; its submission becomes the `/sms` a person would have
typed, queued like one.

Mistakes are shown on the field that caused them (`response_action: errors`): no recipient or
two, a number the policy refuses, an empty or over-long text, a time that is not one. The
text's field says how many SMS segments it takes, updated as it is typed (dispatch_action on
each character entered), since a long text costs several.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.core.commands import ScheduleSms, SendSms, UsageError, parse
from bot.core.mrkdwn import escape
from bot.core.sms_text import measure

COMPOSE_MODAL = "sms_compose_modal"
TEXT_THIS = "text_this_message"  # the message shortcut's callback id
# Each field's block_id and action_id (the same): TEXT is also the action each character
# typed in the text field sends, so its hint can count segments.
TO_USER, TO_NUMBER, TEXT = "compose_to_user", "compose_to_number", "compose_text"
WHEN, WHERE = "compose_when", "compose_where"
MAX_TEXT = 1600  # well past SMS_MAX_SEGMENTS; the check says what is too long


@dataclass(frozen=True)
class Composed:
    """A valid submission: the `/sms` words a person would have typed, and where."""

    typed: str
    channel: str


def compose_modal(channel: str | None, text: str = "", max_segments: int = 6) -> dict[str, Any]:
    """The modal, opened from `channel` (None: from the App Home, so a channel is asked)."""
    where: dict[str, Any] = {
        "type": "input",
        "block_id": WHERE,
        "label": {"type": "plain_text", "text": "Show it in"},
        "element": {
            "type": "conversations_select",
            "action_id": WHERE,
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        },
    }
    if channel:
        where["element"]["initial_conversation"] = channel
    return {
        "type": "modal",
        "callback_id": COMPOSE_MODAL,
        "private_metadata": channel or "",
        "title": {"type": "plain_text", "text": "Send a text"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": TO_USER,
                "optional": True,
                "label": {"type": "plain_text", "text": "To a person"},
                "element": {"type": "users_select", "action_id": TO_USER},
            },
            {
                "type": "input",
                "block_id": TO_NUMBER,
                "optional": True,
                "label": {"type": "plain_text", "text": "Or to a number"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": TO_NUMBER,
                    "placeholder": {"type": "plain_text", "text": "+447700900123"},
                },
            },
            text_block(text, max_segments),
            {
                "type": "input",
                "block_id": WHEN,
                "optional": True,
                "label": {"type": "plain_text", "text": "When (empty: now)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": WHEN,
                    "placeholder": {"type": "plain_text", "text": "17:00, 2026-12-24 09:00, in 2h"},
                },
                "hint": {"type": "plain_text", "text": "A time is in your Slack time zone."},
            },
            where,
        ],
    }


def text_block(text: str, max_segments: int) -> dict[str, Any]:
    """The text field, its hint counting segments (re-sent as the person types)."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": TEXT,
        "multiline": True,
        "max_length": MAX_TEXT,
        "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]},
    }
    if text:
        element["initial_value"] = text[:MAX_TEXT]
    return {
        "type": "input",
        "block_id": TEXT,
        "dispatch_action": True,
        "label": {"type": "plain_text", "text": "Text"},
        "element": element,
        "hint": {"type": "plain_text", "text": segment_hint(text, max_segments)},
    }


def segment_hint(text: str, max_segments: int) -> str:
    if not text:
        return f"One SMS segment is 160 characters (70 with emoji); at most {max_segments}."
    length = measure(text)
    over = (
        f" That is more than the {max_segments} allowed." if length.segments > max_segments else ""
    )
    return f"{len(text)} characters: {length.describe()}.{over}"


def read_submission(
    values: dict[str, dict[str, Any]],
    region: str,
    check_number: Callable[[str, str], str | None],
    max_segments: int,
) -> Composed | dict[str, str]:
    """The submission as `/sms` words, or the error to show on each field that is wrong.
    `check_number(number, text)` says why the policy refuses texting that number, if it does."""
    user = _value(values, TO_USER, "selected_user")
    number = (_value(values, TO_NUMBER, "value") or "").strip()
    text = (_value(values, TEXT, "value") or "").strip()
    when = (_value(values, WHEN, "value") or "").strip()
    channel = _value(values, WHERE, "selected_conversation") or ""
    errors: dict[str, str] = {}
    if bool(user) == bool(number):
        errors[TO_NUMBER] = "Choose a person, or type a number: one of the two."
    if not text:
        errors[TEXT] = "Type the text to send."
    elif measure(text).segments > max_segments:
        errors[TEXT] = f"{segment_hint(text, max_segments)} Shorten it."
    if not channel:
        errors[WHERE] = "Choose the channel whose thread shows the text."
    if number and TO_NUMBER not in errors and text:
        problem = check_number(number, text)
        if problem:
            errors[TO_NUMBER] = problem[:150]
    party = f"<@{user}>" if user else number
    typed = f"{party} {escape(text)}"
    if when:
        typed = f"{when if when.lower().startswith('in ') else 'at ' + when} {typed}"
    if not errors:
        try:
            parsed = parse("/sms", typed, region)
        except UsageError as error:
            field = WHEN if when else TO_NUMBER
            errors[field] = str(error).splitlines()[0][:150]
        else:
            send = parsed.send if isinstance(parsed, ScheduleSms) else parsed
            if not isinstance(send, SendSms):
                errors[TO_NUMBER] = "That is not one person or number."
    return errors or Composed(typed, channel)


def with_hint(view: dict[str, Any], text: str, max_segments: int) -> dict[str, Any]:
    """The open modal again (as views.update takes it) with the text field's hint redone."""
    keep = ("type", "callback_id", "private_metadata", "title", "submit", "close", "blocks")
    updated = {key: view[key] for key in keep if key in view}
    blocks = []
    for block in view.get("blocks", []):
        if block.get("block_id") == TEXT:
            block = {
                **block,
                "hint": {"type": "plain_text", "text": segment_hint(text, max_segments)},
            }
        blocks.append(block)
    updated["blocks"] = blocks
    return updated


def _value(values: dict, block: str, key: str) -> Any:
    return ((values.get(block) or {}).get(block) or {}).get(key)
