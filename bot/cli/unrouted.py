"""What `sandbox-text` says after a phone texted: where the text will go, and, when no route
takes it, that it waits unread and how many such texts wait now.

It reads the routes from the bridge's database (DATABASE_URL) and the waiting texts from the
sandbox's admin API, so the answer holds before the bridge's next poll.
"""

from __future__ import annotations

from pathlib import Path

import requests
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.services.opt_words import opt_word
from storage.engine import is_memory_sqlite, normalise_url
from storage.repositories.routes import CATCH_ALL, normalise_keyword


def routing_note(settings: Settings, sandbox_base: str, text: str) -> str:
    routes = _routes(settings)
    if routes is None:
        return "(the bridge's database is not readable from here: where the text goes is not known)"
    words = text.split()
    keyword = normalise_keyword(words[0]) if words else ""
    own = set(routes) - {CATCH_ALL}
    match = opt_word(text, own.__contains__)
    if match is not None and not (match.word == "HELP" and keyword in own):
        return f"{match.word} is an opt word: the bridge acts on it and texts the phone back."
    if keyword in own:
        return f"routed: `{keyword}` texts arrive in channel {routes[keyword]}."
    if CATCH_ALL in routes:
        return f"no route for `{keyword}`: it arrives in the catch-all channel {routes[CATCH_ALL]}."
    waiting = _waiting_unrouted(sandbox_base, own)
    count = "" if waiting is None else f"; {waiting} text(s) wait unrouted now"
    return (
        f"WARNING: no route takes `{keyword}` and there is no catch-all, so the bridge will not "
        f"fetch it: it waits at Web21C unread{count}. Route it (`/sms route {keyword or '*'} "
        "#channel`) or everything else (`/sms route * #channel`)."
    )


def _routes(settings: Settings) -> dict[str, str] | None:
    url = settings.database_url
    if is_memory_sqlite(url):
        return None
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return {}  # the bridge never ran here: nothing is routed
    from storage import Database

    try:
        db = Database(url)
        try:
            with db.transaction() as tx:
                return {r.keyword: r.channel_id for r in tx.routes.all()}
        finally:
            db.close()
    except SQLAlchemyError:
        return None


def _waiting_unrouted(sandbox_base: str, routed: set[str]) -> int | None:
    try:
        response = requests.get(sandbox_base.rstrip("/") + "/sandbox/inbound", timeout=10)
        keywords = response.json()["keywords"]
    except (requests.RequestException, ValueError, KeyError):
        return None
    return sum(len(texts) for keyword, texts in keywords.items() if keyword not in routed)
