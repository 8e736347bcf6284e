"""Cursor pagination as Slack does it: an opaque `next_cursor`, empty on the last page."""

from __future__ import annotations

import base64
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from tests.slackapi.params import Params, SlackError

T = TypeVar("T")


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, _, offset = base64.b64decode(cursor.encode()).decode().partition(":")
        if kind != "offset":
            raise ValueError(cursor)
        return int(offset)
    except ValueError:
        raise SlackError("invalid_cursor") from None


def paginate(items: list[T], p: Params, *, default_limit: int, max_limit: int = 1000):
    """The page the request's `cursor` and `limit` select, and the cursor of the next one."""
    limit = p.int("limit", default_limit)
    if limit <= 0:
        limit = default_limit
    limit = min(limit, max_limit)
    start = decode_cursor(p.str("cursor"))
    page = items[start : start + limit]
    more = start + limit < len(items)
    return page, (encode_cursor(start + limit) if more else ""), more


def ts_value(ts: str | None, name: str) -> Decimal | None:
    if ts in (None, ""):
        return None
    try:
        return Decimal(ts)
    except InvalidOperation:
        raise SlackError("invalid_ts_" + name) from None


def in_window(ts: str, p: Params) -> bool:
    """Whether `ts` is within the request's oldest/latest (exclusive unless `inclusive`)."""
    value = Decimal(ts)
    oldest = ts_value(p.str("oldest"), "oldest")
    latest = ts_value(p.str("latest"), "latest")
    inclusive = p.bool("inclusive")
    if oldest is not None and (value < oldest or (value == oldest and not inclusive)):
        return False
    return not (latest is not None and (value > latest or (value == latest and not inclusive)))
