"""Slack's message markup as plain text for an SMS: `<@U1>` becomes `@name`, links their
label or address, and the &amp; &lt; &gt; escapes their characters."""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(r"<([^<>]+)>")


def to_plain(text: str, user_name: Callable[[str], str | None]) -> str:
    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or user_name(target[1:]) or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        if target.startswith("mailto:"):
            return label or target[len("mailto:") :]
        return label or target

    plain = _TOKEN.sub(replace, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
