"""Thread and card numbers, and the console's message timestamps, derived from storage.

Slack gives every message a `ts`; the console makes its own. They must never repeat across
runs on the same database (messages are unique by channel and ts), so the counter starts above
every ts stored. A thread's number is its place among the stored threads in ts order, a card's
among the stored cards: since every new ts is larger than all before it, a new thread or card
takes the next number and the old ones keep theirs after a restart.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from storage import Database


def _order(ts: str) -> tuple[float, str]:
    try:
        return float(ts), ts
    except ValueError:
        return float("inf"), ts


class Numbering:
    """Numbers people type (`reply 1`, `card 2`) for the ts the chat surface hands out."""

    def __init__(self, threads: list[str], cards: list[str], last_ts: int):
        self._lock = threading.Lock()
        self._threads = sorted(threads, key=_order)
        self._cards = sorted(cards, key=_order)
        self._last = last_ts

    @classmethod
    def load(cls, db: Database) -> Numbering:
        with db.transaction() as tx:
            view = tx.console_view
            threads = list(dict.fromkeys(thread.thread_ts for thread in view.threads()))
            cards = [card.card_ts for card in view.call_cards()]
            cards += [card.card_ts for card in view.conference_cards()]
            highest = view.highest_stamps()
        stamps = [ts for ts in (*threads, *cards, *highest) if ts]
        last = max(
            (int(_order(ts)[0]) for ts in stamps if _order(ts)[0] != float("inf")), default=0
        )
        return cls(threads, list(dict.fromkeys(cards)), last)

    def next_ts(self) -> str:
        with self._lock:
            self._last += 1
            return f"{self._last}.000000"

    def thread(self, ts: str, *, add: bool = False) -> int | None:
        return self._number(self._threads, ts, add)

    def card(self, ts: str, *, add: bool = False) -> int | None:
        return self._number(self._cards, ts, add)

    def thread_ts(self, number: int) -> str | None:
        return self._ts(self._threads, number)

    def card_ts(self, number: int) -> str | None:
        return self._ts(self._cards, number)

    def thread_numbers(self) -> list[int]:
        with self._lock:
            return list(range(1, len(self._threads) + 1))

    def card_numbers(self) -> list[int]:
        with self._lock:
            return list(range(1, len(self._cards) + 1))

    def _number(self, stamps: list[str], ts: str, add: bool) -> int | None:
        with self._lock:
            if ts in stamps:
                return stamps.index(ts) + 1
            if not add:
                return None
            stamps.append(ts)
            return len(stamps)

    def _ts(self, stamps: list[str], number: int) -> str | None:
        with self._lock:
            return stamps[number - 1] if 1 <= number <= len(stamps) else None


@dataclass(frozen=True)
class ThreadInfo:
    ts: str
    channel_id: str
    number: str  # the phone number the thread texts


@dataclass(frozen=True)
class CardInfo:
    ts: str
    kind: str  # "call" or "conference"
    live: bool
    parties: str


class Records:
    """What the console reads back from storage: its threads, cards and earlier messages."""

    def __init__(self, db: Database):
        self._db = db

    def threads(self) -> dict[str, ThreadInfo]:
        with self._db.transaction() as tx:
            threads = tx.console_view.threads()
        return {
            thread.thread_ts: ThreadInfo(thread.thread_ts, thread.channel_id, thread.phone_number)
            for thread in threads
        }

    def cards(self) -> dict[str, CardInfo]:
        with self._db.transaction() as tx:
            calls = tx.console_view.call_cards()
            conferences = tx.console_view.conference_cards()
        found = {
            call.card_ts: CardInfo(
                call.card_ts,
                "call",
                call.status != "CallTerminated",
                f"{_number(call.calling_party)} → {_number(call.called_party)}",
            )
            for call in calls
        }
        for conference in conferences:
            count = conference.number_of_participants or 0
            found[conference.card_ts] = CardInfo(
                conference.card_ts,
                "conference",
                conference.status != "Terminated",
                f"{count} connected",
            )
        return found

    def message(self, channel_id: str, ts: str) -> tuple[str | None, str | None]:
        """The stored text of the message at ts, and the ts of its thread, if known."""
        with self._db.transaction() as tx:
            stored = tx.console_view.text_at(channel_id, ts)
        return (stored.text, stored.thread_ts) if stored else (None, None)


def _number(uri: str | None) -> str:
    return (uri or "?").removeprefix("tel:")
