"""Slack mrkdwn rendered for a terminal, as rich Text.

Services speak mrkdwn to every front end. Here `*bold*`, `_italic_`, `~strike~` and `` `code` ``
become styles (their markers go), `:emoji:` shortcodes become emoji (rich's table), `<@U…>` the
person's name, `<#C…>` `#name`, `<url|label>` its label, and `&lt; &gt; &amp;` the characters
they stand for. The same Text has a `.plain` form with the same words, for pipes and NO_COLOR.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rich.emoji import Emoji
from rich.text import Text

from bot.core.mrkdwn import unescape

_TOKEN = re.compile(
    r"<(?P<angle>[^<>\n]+)>"
    r"|`(?P<code>[^`\n]+)`"
    r"|(?<![\w*])\*(?P<bold>\S(?:[^*\n]*?\S)?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic>\S(?:[^_\n]*?\S)?)_(?![\w_])"
    r"|(?<![\w~])~(?P<strike>\S(?:[^~\n]*?\S)?)~(?![\w~])"
)
_STYLES = {"bold": "bold", "italic": "italic", "strike": "strike"}
CODE_STYLE = "bold"


class Names:
    """How ids read in a terminal: people by name, channels as #name."""

    def __init__(self, user: Callable[[str], str | None], channel: Callable[[str], str]):
        self._user = user
        self._channel = channel

    def user(self, user_id: str) -> str:
        return self._user(user_id) or f"@{user_id}"

    def channel(self, channel_id: str) -> str:
        return self._channel(channel_id)


def render(text: str, names: Names, style: str = "") -> Text:
    """The mrkdwn `text` as styled terminal text (base `style` for the whole of it)."""
    out = Text(style=style)
    _append(out, text, names, "")
    return out


def plain(text: str, names: Names) -> str:
    """The same words without any styling."""
    return render(text, names).plain


def _append(out: Text, text: str, names: Names, style: str) -> None:
    position = 0
    for match in _TOKEN.finditer(text):
        _words(out, text[position : match.start()], style)
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "angle":
            _angle(out, value, names, style)
        elif kind == "code":
            out.append(unescape(value), _join(style, CODE_STYLE))
        else:
            _append(out, value, names, _join(style, _STYLES[kind]))
        position = match.end()
    _words(out, text[position:], style)


def _angle(out: Text, value: str, names: Names, style: str) -> None:
    target, _, label = value.partition("|")
    if target.startswith("@"):
        out.append(names.user(target[1:]), _join(style, "bold"))
    elif target.startswith("#"):
        out.append(names.channel(target[1:]) if not label else f"#{label}", _join(style, "bold"))
    elif target.startswith("!"):
        out.append("@" + (label or target[1:].split("^")[0]), _join(style, "bold"))
    else:  # a link: its label, else the address itself
        out.append(unescape(label or target), _join(style, "underline"))


def _words(out: Text, text: str, style: str) -> None:
    if text:
        out.append(Emoji.replace(unescape(text)), style or None)


def _join(base: str, extra: str) -> str:
    return f"{base} {extra}".strip()
