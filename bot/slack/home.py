"""The App Home tab: bot.services.home's summary as Block Kit, published when the person opens
the tab and again when something they did changes it (at most once every few seconds per
person; a change inside that window is published when it ends).

Its buttons: Text someone (the compose modal) and Call someone (a small modal for `/call`),
and the live cards' own buttons (Hang up, Drop, End), handled as they are in a channel.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.home import Home, HomeSummary
from bot.slack.blocks import card_blocks

log = logging.getLogger(__name__)

HOME_TEXT = "home_text_someone"
HOME_CALL = "home_call_someone"
CALL_MODAL = "call_modal"
CALL_WHO, CALL_WHERE = "call_who", "call_where"
REFRESH_SECONDS = 5.0
MAX_HOME_BLOCKS = 100  # Slack's limit for a Home view
WHO_LABEL = "Who? (one: you are rung first; two: they are connected)"


def home_view(summary: HomeSummary) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        _section(f"*Your number*\n{summary.number}"),
        {
            "type": "actions",
            "elements": [
                _button("Text someone", HOME_TEXT),
                _button("Call someone", HOME_CALL),
            ],
        },
        {"type": "divider"},
        _section("*Live calls and conferences you are in*"),
    ]
    for card in summary.live:
        blocks.extend(card_blocks(card))
    if not summary.live:
        blocks.append(_section("_None right now._"))
    blocks.append(_section("*Your recent texts*\n" + ("\n".join(summary.recent) or "_None yet._")))
    held = "\n".join(f"• {line}" for line in summary.held) or "_None: press Take it on one._"
    blocks.append(_section("*Conversations you hold*\n" + held))
    if summary.routes is not None:
        lines = [
            f"• `{r.keyword}` → <#{r.channel}>"
            + (f" · {r.waiting} waiting to be posted" if r.waiting else "")
            for r in summary.routes
        ]
        blocks.append({"type": "divider"})
        blocks.append(_section("*Routes* (admins)\n" + ("\n".join(lines) or "_No routes yet._")))
        health = (
            "\n".join(f":warning: {p}" for p in summary.health) or ":white_check_mark: All well."
        )
        blocks.append(_section("*The bridge's health*\n" + health))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def call_modal(channel: str | None) -> dict[str, Any]:
    where: dict[str, Any] = {
        "type": "input",
        "block_id": CALL_WHERE,
        "label": {"type": "plain_text", "text": "Show the call's card in"},
        "element": {"type": "conversations_select", "action_id": CALL_WHERE},
    }
    if channel:
        where["element"]["initial_conversation"] = channel
    return {
        "type": "modal",
        "callback_id": CALL_MODAL,
        "title": {"type": "plain_text", "text": "Call someone"},
        "submit": {"type": "plain_text", "text": "Call"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": CALL_WHO,
                "label": {"type": "plain_text", "text": WHO_LABEL},
                "element": {
                    "type": "plain_text_input",
                    "action_id": CALL_WHO,
                    "placeholder": {"type": "plain_text", "text": "@alice or +447700900123"},
                },
            },
            where,
        ],
    }


class HomePublisher:
    """Publishes people's Home tabs, each at most once every REFRESH_SECONDS."""

    def __init__(
        self,
        client: WebClient,
        home: Home,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._client, self._home, self._clock = client, home, clock
        self._db = home.db
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}  # user -> when their tab was last published
        self._pending: set[str] = set()  # users with a publish waiting for their window

    def opened(self, user: str) -> None:
        """They opened the tab: show it as it is now (and remember, for every process)."""
        try:
            with self._db.transaction() as tx:
                tx.home_tabs.opened(user)
        except Exception as error:  # the tab is still shown; later changes may not be
            log.warning("could not note %s's home tab (%s)", user, type(error).__name__)
        with self._lock:
            self._last[user] = self._clock()
        self._publish(user)

    def changed(self, user: str) -> None:
        """Something on their tab may have changed: publish, unless it was published a
        moment ago (then once that moment is over). Only for people who opened it."""
        if not self._has_opened(user):
            return
        with self._lock:
            if user in self._pending:
                return
            wait = self._last.get(user, -REFRESH_SECONDS) + REFRESH_SECONDS - self._clock()
            if wait > 0:
                self._pending.add(user)
                timer = threading.Timer(wait, self._publish_pending, args=(user,))
                timer.daemon = True
                timer.start()
                return
            self._last[user] = self._clock()
        self._publish(user)

    def changed_for(self, users) -> None:
        for user in users:
            self.changed(user)

    def _has_opened(self, user: str) -> bool:
        with self._lock:
            if user in self._last:
                return True
        try:
            with self._db.transaction() as tx:
                return tx.home_tabs.has_opened(user)
        except Exception:
            return False

    def _publish_pending(self, user: str) -> None:
        with self._lock:
            self._pending.discard(user)
            self._last[user] = self._clock()
        self._publish(user)

    def _publish(self, user: str) -> None:
        try:
            view = home_view(self._home.summary(user))
            self._client.views_publish(user_id=user, view=view)
        except SlackApiError as error:
            log.warning("home tab of %s not published: %s", user, error.response.get("error"))
        except Exception:  # a Home tab is never worth a listener's failure
            log.exception("home tab of %s not built", user)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _button(label: str, action_id: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": action_id,
    }
