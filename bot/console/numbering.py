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

from sqlalchemy import func, select

from storage import Database
from storage.models import CallRow, ConferenceRow, ConversationRow, MessageRow

_conversations = ConversationRow.__table__
_messages = MessageRow.__table__
_calls = CallRow.__table__
_conferences = ConferenceRow.__table__


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
            conn = tx.connection
            threads = conn.execute(
                select(_conversations.c.thread_ts).where(_conversations.c.thread_ts.is_not(None))
            ).scalars()
            threads = list(dict.fromkeys(threads))
            cards = [
                ts
                for table in (_calls, _conferences)
                for ts in conn.execute(
                    select(table.c.card_ts).where(table.c.card_ts.is_not(None))
                ).scalars()
            ]
            highest = [
                conn.execute(select(func.max(column))).scalar()
                for column in (_messages.c.slack_ts, _calls.c.card_ts, _conferences.c.card_ts)
            ]
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
        c = _conversations.c
        with self._db.transaction() as tx:
            rows = tx.connection.execute(
                select(c.thread_ts, c.channel_id, c.phone_number).where(c.thread_ts.is_not(None))
            ).all()
        return {
            row.thread_ts: ThreadInfo(row.thread_ts, row.channel_id, row.phone_number)
            for row in rows
        }

    def cards(self) -> dict[str, CardInfo]:
        calls, conferences = _calls.c, _conferences.c
        with self._db.transaction() as tx:
            conn = tx.connection
            found = {
                row.card_ts: CardInfo(
                    row.card_ts,
                    "call",
                    row.status != "CallTerminated",
                    f"{_number(row.calling_party)} → {_number(row.called_party)}",
                )
                for row in conn.execute(
                    select(
                        calls.card_ts, calls.status, calls.calling_party, calls.called_party
                    ).where(calls.card_ts.is_not(None))
                )
            }
            for row in conn.execute(
                select(
                    conferences.card_ts, conferences.status, conferences.number_of_participants
                ).where(conferences.card_ts.is_not(None))
            ):
                count = row.number_of_participants or 0
                found[row.card_ts] = CardInfo(
                    row.card_ts, "conference", row.status != "Terminated", f"{count} connected"
                )
        return found

    def message(self, channel_id: str, ts: str) -> tuple[str | None, str | None]:
        """The stored text of the message at ts, and the ts of its thread, if known."""
        m, c = _messages.c, _conversations.c
        with self._db.transaction() as tx:
            row = tx.connection.execute(
                select(m.text, c.thread_ts)
                .select_from(_messages.outerjoin(_conversations, m.conversation_id == c.id))
                .where(m.channel_id == channel_id, m.slack_ts == ts)
            ).first()
        return (row.text, row.thread_ts) if row else (None, None)


def _number(uri: str | None) -> str:
    return (uri or "?").removeprefix("tel:")
