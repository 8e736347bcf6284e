"""One inbound cycle: fetch what waits at Web21C, act on STOP/START/HELP, post, clear.

Web21C is polled one keyword per call, so how a cycle fetches depends on the routes:

- With a catch-all route (`/sms route * #channel`) every text is wanted: one
  getReceivedMessages("") reads them all (BT's own examples polled so), each goes to its
  keyword's channel or else the catch-all's.
- Without one, each routed keyword is fetched, concurrently in a bounded pool, and one sweep
  with the empty keyword looks at the rest, without clearing them: a STOP, START or HELP among
  them is acted on and cleared; anything else is counted as waiting unrouted (shown by
  /healthz and logged), so no text goes unnoticed. The keyword fetches, not the sweep, carry
  routed texts, so unrouted texts piling up can never crowd routed ones out of a fetch.

Opt words are acted on when a text is first fetched (bot.services.opting), before Slack sees
it, so a Slack outage never delays a STOP.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bot.core.domain import ChatError, InboundMessage
from bot.core.numbers import number_from_uri
from bot.core.ports import Telephony
from bot.services.inbound import Inbound
from bot.services.opt_words import OptWord, opt_word
from bot.services.opting import Opting
from storage import Database
from storage.repositories.routes import CATCH_ALL, normalise_keyword

log = logging.getLogger(__name__)

FETCH_WORKERS = 8  # keyword fetches in flight at once: Web21C calls, not CPU, are the cost
COUNT_FRESH_SECONDS = 30.0  # how often a process that runs no cycle counts unrouted texts


class InboundCycle:
    def __init__(
        self,
        db: Database,
        telephony: Telephony,
        inbound: Inbound,
        opting: Opting,
        *,
        fetch_workers: int = FETCH_WORKERS,
    ):
        self._db = db
        self._telephony = telephony
        self._inbound = inbound
        self._opting = opting
        self._pool = ThreadPoolExecutor(max_workers=fetch_workers, thread_name_prefix="fetch")
        self._lock = threading.Lock()
        self._unrouted: int | None = None  # texts waiting unrouted at the last look
        self._cycled = False  # this process runs cycles, so its count stays current
        self._looked_at = float("-inf")

    def run(self) -> None:
        self._cycled = True
        routed, catch_all = self._routes()
        if catch_all:
            self._take(self._telephony.get_received_messages(""), routed)
            self._set_unrouted(0)
        else:
            fetched = self._pool.map(self._telephony.get_received_messages, sorted(routed))
            self._take([m for batch in fetched for m in batch], routed)
            self._sweep(routed)
        self._inbound.post_pending()
        self._inbound.clear_posted(None)

    def unrouted_waiting(self) -> int | None:
        """How many texts wait at Web21C under keywords nothing routes (0 with a catch-all),
        as of the last cycle; None if not known. A process that runs no cycle (`web`) looks
        for itself, at most every 30 s, so /healthz never waits on Web21C every time."""
        with self._lock:
            if self._cycled or time.monotonic() - self._looked_at < COUNT_FRESH_SECONDS:
                return self._unrouted
            self._looked_at = time.monotonic()
        routed, catch_all = self._routes()
        if catch_all:
            count = 0
        else:
            waiting = self._telephony.get_received_messages("")
            count = sum(1 for m in waiting if _keyword(m) not in routed)
        self._set_unrouted(count)
        return count

    def problem(self) -> str | None:
        """The health check: texts nobody will see until a route takes them."""
        try:
            count = self.unrouted_waiting()
        except Exception as error:  # Web21C down: the scheduler's own check reports that
            log.debug("could not count unrouted texts: %s", error)
            return None
        if not count:
            return None
        return (
            f"{count} text(s) wait at Web21C under keywords no route takes; route them, or "
            "route everything else with `/sms route * #channel`"
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    # --- steps ---------------------------------------------------------------------------

    def _routes(self) -> tuple[set[str], bool]:
        with self._db.transaction() as tx:
            keywords = {route.keyword for route in tx.routes.all()}
        return keywords - {CATCH_ALL}, CATCH_ALL in keywords

    def _take(self, messages: list[InboundMessage], routed: set[str]) -> None:
        """Record texts to be posted, acting on the opt words among those new to us."""
        for message in self._inbound.record(messages):
            match = opt_word(message.text, routed.__contains__)
            if match is not None:
                number = number_from_uri(message.sender_uri)
                if self._opting.record(number, match, message.message_id):
                    self._opting.reply(number, match)

    def _sweep(self, routed: set[str]) -> None:
        """Look at what waits under unrouted keywords: act on opt words, count the rest."""
        waiting = [
            m for m in self._telephony.get_received_messages("") if _keyword(m) not in routed
        ]
        acted: list[tuple[str, OptWord, bool]] = []
        for message in waiting:
            match = opt_word(message.text, routed.__contains__)
            if match is None:
                continue
            number = number_from_uri(message.sender_uri)
            acted.append((number, match, self._opting.record(number, match, message.message_id)))
        handled = {m.message_id for m in waiting if opt_word(m.text, routed.__contains__)}
        if handled:  # cleared before answering: a lost clear must not make a second answer
            self._telephony.clear_received_messages(sorted(handled))
        for number, match, changed in acted:
            if changed:
                self._opting.reply(number, match)
                self._show(number, match)
        self._set_unrouted(len(waiting) - len(handled))

    def _show(self, number: str, match: OptWord) -> None:
        try:
            self._opting.show_in_thread(number, match)
        except ChatError as error:
            log.warning("could not show %s's %s in Slack: %s", number, match.word, error.reason)

    def _set_unrouted(self, count: int) -> None:
        with self._lock:
            before, self._unrouted = self._unrouted, count
        if count and count != before:
            log.warning(
                "%d text(s) wait at Web21C under keywords no route takes (no catch-all route; "
                "`/sms route * #channel` would receive them)",
                count,
            )


def _keyword(message: InboundMessage) -> str:
    words = message.text.split()
    return normalise_keyword(message.keyword or (words[0] if words else ""))
