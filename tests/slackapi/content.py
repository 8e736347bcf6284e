"""Checks Slack makes on message content: text fallback, Block Kit limits and metadata shape."""

from __future__ import annotations

from typing import Any

from tests.slackapi.params import Params, SlackError

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_CHARS = 40_000
MAX_SECTION_TEXT_CHARS = 3_000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT_CHARS = 2_000
MAX_HEADER_TEXT_CHARS = 150
MAX_ACTIONS_ELEMENTS = 25


def validate_blocks(blocks: Any, limit: int, error: str = "invalid_blocks") -> list[dict]:
    if not isinstance(blocks, list):
        raise SlackError(error, detail="blocks must be a list")
    if len(blocks) > limit:
        raise SlackError(error, detail=f"no more than {limit} items allowed")
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        if not isinstance(block, dict) or not block.get("type"):
            raise SlackError(error, detail=f"block {index} has no type")
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen_ids:
                raise SlackError(error, detail=f"duplicate block_id {block_id!r}")
            seen_ids.add(block_id)
        _validate_block(block, index, error)
    return blocks


def _validate_block(block: dict, index: int, error: str) -> None:
    kind = block["type"]
    if kind == "section":
        text = (block.get("text") or {}).get("text", "")
        if len(text) > MAX_SECTION_TEXT_CHARS:
            raise SlackError(error, detail=f"block {index}: section text over 3000 characters")
        fields = block.get("fields") or []
        if len(fields) > MAX_SECTION_FIELDS:
            raise SlackError(error, detail=f"block {index}: more than 10 fields")
        if any(len(f.get("text", "")) > MAX_FIELD_TEXT_CHARS for f in fields):
            raise SlackError(error, detail=f"block {index}: field text over 2000 characters")
        if not text and not fields:
            raise SlackError(error, detail=f"block {index}: section needs text or fields")
    elif kind == "header":
        text = (block.get("text") or {}).get("text", "")
        if not text or len(text) > MAX_HEADER_TEXT_CHARS:
            raise SlackError(error, detail=f"block {index}: header text must be 1-150 chars")
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements or len(elements) > MAX_ACTIONS_ELEMENTS:
            raise SlackError(error, detail=f"block {index}: actions need 1-25 elements")


def message_content(p: Params, *, required: bool = True) -> tuple[str | None, list | None]:
    """The text and blocks of a post; Slack cuts text at 40,000 characters."""
    text = p.str("text")
    blocks = p.json("blocks", error="invalid_blocks")
    attachments = p.json("attachments", error="invalid_attachments")
    if blocks is not None:
        validate_blocks(blocks, MAX_MESSAGE_BLOCKS)
    if required and not text and not blocks and not attachments:
        raise SlackError("no_text")
    if text is not None and len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
    return text, blocks


def message_metadata(p: Params) -> dict | None:
    """`metadata={"event_type": str, "event_payload": dict}`, as a JSON value or JSON text."""
    metadata = p.json("metadata", error="invalid_metadata_format")
    if metadata is None:
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not metadata["event_type"]
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise SlackError("invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}
