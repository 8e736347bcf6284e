"""What a person's home shows (Slack's App Home tab): their number and where it came from,
their recent texts and calls, the live calls and conferences they are in, the conversations
they hold; for an admin, the routes with how many texts wait unposted for each, and the
bridge's health. Front-end neutral: cards are the same cards the channels show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.cards import Card
from bot.core.mrkdwn import escape
from bot.core.numbers import display
from bot.services.calls import Calls
from bot.services.conferences import Conferences
from bot.services.parties import Directory
from storage import Database

RECENT = 5


@dataclass(frozen=True)
class RouteLine:
    keyword: str
    channel: str
    waiting: int  # texts fetched under it and not yet posted


@dataclass(frozen=True)
class HomeSummary:
    number: str  # a sentence: the number and where it came from
    recent: tuple[str, ...]  # lines, newest first
    live: tuple[Card, ...]  # the live calls and conferences they are in
    held: tuple[str, ...]  # the conversations they hold
    routes: tuple[RouteLine, ...] | None = None  # for admins only
    health: tuple[str, ...] = field(default=())  # problems, for admins only


@dataclass
class Home:
    db: Database
    directory: Directory
    calls: Calls
    conferences: Conferences
    problems: Callable[[], list[str]] = lambda: []  # the bridge's health checks that fail

    def summary(self, user: str) -> HomeSummary:
        number = self.directory.show(user, None)
        mine = self.directory.number_of(user)
        uri = mine.uri if mine is not None else None
        with self.db.transaction() as tx:
            texts = tx.history.recent_texts_by(user, RECENT)
            calls = [
                c
                for c in tx.calls.live()
                if c.started_by == user or uri in (c.calling_party, c.called_party)
            ]
            conferences = [
                c for c in tx.conferences.live() if c.started_by == user or self._in(tx, c, user)
            ]
            held = tx.ownership.held_by(user)
            routes = tx.routes.all() if self.directory.policy.is_admin(user) else None
            waiting = tx.messages.unposted_by_keyword() if routes is not None else {}
        recent = tuple(
            f"{m.created_at:%d %b %H:%M} UTC → "
            f"{escape(', '.join(display(r.destination_uri) for r in recipients))}: "
            f"{escape(m.text[:80])}"
            for m, recipients in texts
        )
        live = tuple(
            [self.calls.card_of(c) for c in calls]  # live(): none of them has ended
            + [self.conferences.card_of(c.conference_id) for c in conferences]
        )
        held_lines = tuple(
            f"{self.directory.known('tel:' + c.phone_number).label} in <#{c.channel_id}>"
            for c in held
        )
        route_lines = None
        if routes is not None:
            route_lines = tuple(
                RouteLine(r.keyword, r.channel_id, waiting.get(r.keyword, 0)) for r in routes
            )
        health = tuple(self.problems()) if routes is not None else ()
        return HomeSummary(number, recent, live, held_lines, route_lines, health)

    @staticmethod
    def _in(tx, conference, user: str) -> bool:
        participants = tx.conferences.participants(conference.conference_id)
        return any(p.slack_user_id == user for p in participants)
