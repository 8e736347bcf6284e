"""Block Kit for cards and the invite modal, within Slack's limits (50 blocks a message,
3,000 characters a section)."""

from __future__ import annotations

from typing import Any

from bot.core.cards import Button, Card

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
INVITE_MODAL = "conference_invite_modal"
INVITE_BLOCK = "invite_party"
INVITE_INPUT = "party"


def card_blocks(card: Card) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [_section(f"*{card.title}*")]
    reserved = 1 + (1 if card.buttons else 0) + (1 if card.footer else 0)
    room = MAX_BLOCKS - len(blocks) - reserved
    rows = list(card.rows)
    if len(rows) > room:
        hidden = len(rows) - (room - 1)
        rows = rows[: room - 1]
        blocks_tail = [_section(f"… and {hidden} more")]
    else:
        blocks_tail = []
    for row in rows:
        block = _section(row.text)
        if row.button is not None:
            block["accessory"] = _button(row.button)
        blocks.append(block)
    blocks.extend(blocks_tail)
    if card.buttons:
        blocks.append({"type": "actions", "elements": [_button(b) for b in card.buttons[:25]]})
    if card.footer:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": card.footer}]})
    return blocks


def invite_modal(conference_id: str, channel_id: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": INVITE_MODAL,
        "private_metadata": f"{conference_id}|{channel_id}",
        "title": {"type": "plain_text", "text": "Invite to conference"},
        "submit": {"type": "plain_text", "text": "Invite"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": INVITE_BLOCK,
                "label": {"type": "plain_text", "text": "Who? (@user or phone number)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": INVITE_INPUT,
                    "placeholder": {"type": "plain_text", "text": "@alice or +447700900123"},
                },
            }
        ],
    }


def _section(text: str) -> dict[str, Any]:
    if len(text) > MAX_SECTION_CHARS:
        text = text[: MAX_SECTION_CHARS - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": button.label},
        "action_id": button.action_id,
        "value": button.value,
    }
    if button.danger:
        element["style"] = "danger"
    return element
