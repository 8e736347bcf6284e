"""ConsoleChat: the ChatSurface that prints to the terminal.

Every post gets a line tagged with what it belongs to (`[thread 1]`, `[card 2]`), so that a
later change can be shown as one short line naming it: a delivery state
(`[thread 1] ✅ delivered: "hello"`), a card's change (`[card 2] +447700900008: connected`).
Channels other than the console itself are known by name (`#support` is `CSUPPORT`), so that
`/sms route help #support` works as it does in Slack.
"""

from __future__ import annotations

import itertools
import re
import tempfile
import threading
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import tzlocal

from bot.console import cardview
from bot.console.markup import Names, plain, render
from bot.console.numbering import Numbering, Records
from bot.console.printer import Printer
from bot.core.cards import (
    CALL_CONVERSATION,
    RELEASE_CONVERSATION,
    TAKE_CONVERSATION,
    Button,
    Card,
)
from bot.core.mrkdwn import escape
from bot.services.messaging import GROUP_TEXT_METADATA, STATUS_REACTIONS, STATUS_WORDS

CONSOLE_USER = "UCONSOLE"
CONSOLE_CHANNEL = "CCONSOLE"
INBOUND_METADATA = "web21c_inbound"  # bot.services.inbound tags the texts it posts with it
HEADER_ACTIONS = {TAKE_CONVERSATION, RELEASE_CONVERSATION, CALL_CONVERSATION}
REACTION_WORDS = {name: STATUS_WORDS[status] for status, name in STATUS_REACTIONS.items()}
REACTION_WORDS["no_entry_sign"] = ":no_entry_sign: not sent"
REACTION_WORDS["memo"] = ":memo: internal note, not texted"
REACTION_WORDS["warning"] = ":warning: Web21C did not answer; it may have been sent"
_CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")
SNIPPET = 40  # characters of a message quoted on its state's line
GROUP_TAG = "[group text]"


def channel_id_for(name: str) -> str | None:
    """The console's id for `#name`: the console itself, or any other well-formed name."""
    name = name.lower().lstrip("#")
    if name in ("console", "here"):
        return CONSOLE_CHANNEL
    return "C" + name.upper() if _CHANNEL_NAME.match(name) else None


def channel_name(channel_id: str) -> str:
    return "#" + (channel_id[1:].lower() if channel_id.startswith("C") else channel_id)


class ConsoleChat:
    """Prints what the bridge shows; remembers this run's posts to describe their changes."""

    def __init__(
        self,
        printer: Printer,
        numbering: Numbering,
        records: Records | None = None,
        user_name: str = "you",
    ):
        self._printer = printer
        self.numbering = numbering
        self._records = records
        self._user_name = user_name
        self._lock = threading.RLock()
        self._posts: dict[str, tuple[str | None, str]] = {}  # ts -> (thread ts, its mrkdwn)
        self._cards: dict[str, Card] = {}  # card ts -> how it looks now
        self._reactions: set[tuple[str, str]] = set()
        self._groups: set[str] = set()  # the ts of each group text's post
        self._private_cards = itertools.count(-1_000_000, -1)  # button keys of ephemeral cards
        self.buttons = cardview.Buttons()
        self.names = Names(self.user_name, channel_name)

    # --- ChatSurface ---------------------------------------------------------------------

    def post(
        self,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        card: Card | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> str:
        with self._lock:
            ts = self.numbering.next_ts()
            if card is not None and _is_header(card):  # a thread's opening post, with buttons
                number = self.numbering.thread(ts, add=True)
                self._posts[ts] = (ts, text)
                self._cards[ts] = card
                line = f"{self._tag(channel, number)} {_reply_hint(text, number)}"
                self._show(line + self._header_hints(number, card), "thread")
            elif (metadata or {}).get("event_type") == GROUP_TEXT_METADATA:
                self._posts[ts] = (None, text)  # not a thread: no `reply` to offer
                self._groups.add(ts)
                self._show(f"{GROUP_TAG} {_one_line(text)}", "out")
            elif card is not None:
                number = self.numbering.card(ts, add=True)
                self._cards[ts] = card
                self._show("\n".join(cardview.whole(number, card, self.buttons)), "card")
            elif thread_ts is None:
                number = self.numbering.thread(ts, add=True)
                self._posts[ts] = (ts, text)
                self._show(f"{self._tag(channel, number)} {_reply_hint(text, number)}", "thread")
            else:
                number = self.numbering.thread(thread_ts, add=True)
                self._posts[ts] = (thread_ts, text)
                kind = "in" if (metadata or {}).get("event_type") == INBOUND_METADATA else "out"
                self._show(f"{self._tag(channel, number)} {_one_line(text)}", kind)
            return ts

    def turn(self, channel: str) -> AbstractContextManager[None]:
        return nullcontext()  # a terminal needs no pacing

    def update(self, channel: str, ts: str, text: str, *, card: Card | None = None) -> None:
        with self._lock:
            if card is not None and _is_header(card):
                self._header_change(channel, ts, text, card)
                return
            if card is not None:
                number = self.numbering.card(ts, add=True)
                before = self._cards.get(ts)
                self._cards[ts] = card
                self._show(cardview.change(number, before, card, self.buttons), "card")
                return
            thread_ts, before = self._known(channel, ts)
            self._posts[ts] = (thread_ts, text)
            old_lines = set(before.splitlines())
            new_lines = [line for line in text.splitlines() if line not in old_lines]
            what = " · ".join(new_lines) or _one_line(text)
            if ts in self._groups:
                self._show(f"{GROUP_TAG} {what}" + _quoted(self.to_plain(before)), "note")
                return
            self._state_line(channel, thread_ts, before, what)

    def post_ephemeral(
        self, channel: str, user: str, text: str, *, card: Card | None = None
    ) -> None:
        if card is None:
            self.say(text)
            return
        with self._lock:  # a card for one person: its buttons numbered, kept apart from cards
            key = next(self._private_cards)
            lines = [card.title]
            for row in card.rows:
                hint = self.buttons.hint(key, row.button)
                lines.append(f"    {row.text}  {hint}" if hint else f"    {row.text}")
            if card.buttons:
                lines.append("    " + "  ".join(self.buttons.hint(key, b) for b in card.buttons))
            if card.footer:
                lines.append(f"    {card.footer}")
            self._show("\n".join(lines), "answer")

    def react(self, channel: str, ts: str, name: str) -> None:
        with self._lock:
            if (ts, name) in self._reactions:
                return
            self._reactions.add((ts, name))
            thread_ts, before = self._known(channel, ts)
            self._state_line(channel, thread_ts, before, REACTION_WORDS.get(name, f":{name}:"))

    def unreact(self, channel: str, ts: str, name: str) -> None:
        with self._lock:
            self._reactions.discard((ts, name))  # the reaction that replaces it says the rest

    def user_phone(self, user_id: str) -> str | None:
        return None

    def user_name(self, user_id: str) -> str | None:
        return self._user_name if user_id == CONSOLE_USER else None

    def user_timezone(self, user_id: str) -> str | None:
        """The person at the terminal lives in this machine's zone."""
        try:
            return tzlocal.get_localzone_name()
        except Exception:  # no zone configured: the bridge falls back to UTC
            return None

    def find_user(self, name: str) -> str | None:
        return CONSOLE_USER if name.lower() in ("me", self._user_name.lower()) else None

    def find_channel(self, name: str) -> str | None:
        return channel_id_for(name)

    def channel_members(self, channel: str) -> frozenset[str]:
        """The person at the terminal is in every channel the console shows."""
        return frozenset({CONSOLE_USER})

    def send_file(self, user: str, filename: str, content: bytes, comment: str) -> str:
        """A terminal has no inbox: the file is saved, and its path is the answer."""
        folder = Path(tempfile.mkdtemp(prefix="web21c-export-"))
        path = folder / Path(filename).name
        path.write_bytes(content)
        return f"saved to {path}"

    # --- for the console's own commands --------------------------------------------------

    def say(self, text: str, kind: str = "answer") -> None:
        """A line from the bridge to the person at the terminal (mrkdwn)."""
        self._show(text, kind)

    def card(self, number: int) -> Card | None:
        ts = self.numbering.card_ts(number)
        with self._lock:
            return self._cards.get(ts) if ts else None

    def show_card(self, number: int) -> bool:
        card = self.card(number)
        if card is None:
            return False
        self._show("\n".join(cardview.whole(number, card, self.buttons)), "card")
        return True

    def button(self, number: int) -> Button | None:
        return self.buttons.get(number)

    def buttons_of_card(self, number: int) -> Sequence[Button]:
        return self.buttons.of_card(number)

    def to_plain(self, text: str) -> str:
        return plain(text, self.names)

    # --- rendering -----------------------------------------------------------------------

    def _state_line(self, channel: str, thread_ts: str | None, about: str, what: str) -> None:
        number = self.numbering.thread(thread_ts, add=True) if thread_ts else None
        tag = self._tag(channel, number) if number else channel_name(channel)
        self._show(f"{tag} {what}" + _quoted(self.to_plain(about)), "note")

    def _header_change(self, channel: str, ts: str, text: str, card: Card) -> None:
        """A thread header edited: renamed, taken, released; one line, with its buttons."""
        number = self.numbering.thread(ts, add=True)
        before = self._cards.get(ts)
        self._cards[ts] = card
        self._posts[ts] = (ts, text)
        parts = []
        if before is None or before.title != card.title:
            parts.append(_reply_hint(text, number))
        parts.extend(row.text for row in card.rows)
        if not card.rows:
            parts.append("no one has this conversation now")
        line = f"{self._tag(channel, number)} " + " · ".join(parts)
        self._show(line + self._header_hints(number, card), "note")

    def _header_hints(self, number: int, card: Card) -> str:
        """A header's buttons, numbered like a card's (`press 3`); kept apart from cards."""
        key = -number
        self.buttons.forget_card(key)
        hints = "  ".join(self.buttons.hint(key, b) for b in card.buttons)
        return f"  {hints}" if hints else ""

    def _known(self, channel: str, ts: str) -> tuple[str | None, str]:
        """The thread of the message at ts and its mrkdwn: as posted in this run, else (a
        message from an earlier run) as stored, so that its state's line can name it."""
        if ts in self._posts:
            return self._posts[ts]
        if self._records is None:
            return None, ""
        stored, thread_ts = self._records.message(channel, ts)
        return thread_ts, f"<@{CONSOLE_USER}>: {escape(stored)}" if stored else ""

    def _tag(self, channel: str, number: int) -> str:
        where = "" if channel == CONSOLE_CHANNEL else f" {channel_name(channel)}"
        return f"[thread {number}{where}]"

    def _show(self, text: str, kind: str) -> None:
        self._printer.line(render(text, self.names), kind)


def _is_header(card: Card) -> bool:
    return any(button.action_id in HEADER_ACTIONS for button in card.buttons)


def _reply_hint(text: str, number: int) -> str:
    """A thread's opening post, telling how to answer in the console rather than in Slack."""
    phrase = "Reply in this thread to text"
    if phrase in text:
        return text.replace(phrase, f"`reply {number} <text>` texts")
    return f"{text} (`reply {number} <text>` answers)"


def _quoted(about: str) -> str:
    """`: "hello"`, naming the message a state line is about (its first line, clipped)."""
    quoted = _snippet(about.splitlines()[0] if about else "")
    return f': "{escape(quoted)}"' if quoted else ""


def _one_line(text: str) -> str:
    """A post's lines joined (a text and its state: `you: hello · ⏳ queued`)."""
    return " · ".join(line for line in text.splitlines() if line.strip())


def _snippet(text: str) -> str:
    """What a state line quotes of its message: the words after `who: `, clipped."""
    _, sep, rest = text.partition(": ")
    words = rest if sep else text
    return words if len(words) <= SNIPPET else words[: SNIPPET - 1] + "…"
