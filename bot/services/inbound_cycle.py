"""One inbound cycle: fetch what waits at Web21C, act on STOP/START/HELP, post, clear.

Web21C answers getReceivedMessages one keyword at a time, and the empty keyword reads every
waiting text (BT's own examples polled so). A cycle makes that one call, not one per routed
keyword, whatever the number of routes, and sorts what it gets:

- texts under a routed keyword, or every text when a catch-all route exists (`/sms route *
  #channel`), are recorded, posted to their channel and then cleared;
- a STOP, START or HELP under any other keyword is acted on and cleared;
- anything else is left waiting (a catch-all added later receives it) and counted: /healthz
  and the log say how many, so no text goes unnoticed.

The empty-keyword call is needed anyway to hear a STOP sent without a routed keyword. Should a
Web21C refuse the empty keyword (an invalid-argument fault), the cycle falls back to fetching
each routed keyword, concurrently in a bounded pool, for ten minutes before trying the empty
keyword again; texts under other keywords cannot be seen meanwhile, and the log says so.

Opt words are acted on when a text is first fetched (bot.services.opting), before Slack sees
it, so a Slack outage never delays a STOP. One under an unrouted keyword is cleared before it
is answered: should that clear fail, the opt-out holds but its confirmation is not sent (a
state change is confirmed once, and never twice).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bot.core.domain import ChatError, InboundMessage, InvalidArgument
from bot.core.numbers import number_from_uri
from bot.core.ports import Telephony
from bot.services.inbound import Inbound
from bot.services.opt_words import OptWord, opt_word
from bot.services.opting import Opting
from storage import Database
from storage.repositories.routes import CATCH_ALL, normalise_keyword

log = logging.getLogger(__name__)

FETCH_WORKERS = 8  # keyword fetches in flight at once, when the empty keyword is refused
PER_KEYWORD_SECONDS = 600  # after a refusal, how long before the empty keyword is tried again
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
        per_keyword: bool = False,
    ):
        self._db = db
        self._telephony = telephony
        self._inbound = inbound
        self._opting = opting
        self._pool = ThreadPoolExecutor(max_workers=fetch_workers, thread_name_prefix="fetch")
        self._lock = threading.Lock()
        self._unrouted: int | None = None  # texts waiting unrouted at the last look
        self._cycled = False  # this process runs cycles, so its count stays current
        # Until when to fetch per keyword (a Web21C that refused the empty keyword).
        self._per_keyword_until = float("inf") if per_keyword else float("-inf")
        self._looked_at = float("-inf")

    def run(self) -> None:
        self.fetch()
        self._inbound.post_pending()
        self._inbound.clear_posted(None)

    def fetch(self) -> None:
        """The cycle's Web21C side: fetch, record, act on opt words, count the unrouted."""
        self._cycled = True
        routed, catch_all = self._routes()
        if time.monotonic() >= self._per_keyword_until:
            try:
                waiting = self._telephony.get_received_messages("")
            except InvalidArgument as error:
                log.warning(
                    "Web21C refuses the empty keyword (%s): fetching each routed keyword "
                    "instead for %d s; texts under other keywords, STOP among them, cannot "
                    "be seen meanwhile",
                    error,
                    PER_KEYWORD_SECONDS,
                )
                self._per_keyword_until = time.monotonic() + PER_KEYWORD_SECONDS
            else:
                self._sort(waiting, routed, catch_all)
                return
        fetched = self._pool.map(self._telephony.get_received_messages, sorted(routed))
        self._take([m for batch in fetched for m in batch], routed)
        self._set_unrouted(None)  # not seen: not claimed to be none

    def unrouted_waiting(self) -> int | None:
        """How many texts wait at Web21C under keywords nothing routes (0 with a catch-all),
        as of the last look; None if not known. A process that runs no cycle (`web`) counts
        in the background, at most every 30 s, so /healthz never waits on Web21C."""
        with self._lock:
            stale = time.monotonic() - self._looked_at >= COUNT_FRESH_SECONDS
            if not self._cycled and stale:
                self._looked_at = time.monotonic()
                threading.Thread(
                    target=self._count_quietly, name="count-unrouted", daemon=True
                ).start()
            return self._unrouted

    def count_unrouted(self) -> int:
        """Look now (one empty-keyword call), without acting on or clearing anything."""
        routed, catch_all = self._routes()
        count = 0
        if not catch_all:
            count = sum(
                1
                for m in self._telephony.get_received_messages("")
                if _keyword(m) not in routed and opt_word(m.text, routed.__contains__) is None
            )
        self._set_unrouted(count)
        return count

    def problem(self) -> str | None:
        """The health check: texts nobody will see until a route takes them."""
        count = self.unrouted_waiting()
        if not count:
            return None
        return (
            f"{count} text(s) wait at Web21C under keywords no route takes; route them, or "
            "route everything else with `/sms route * #channel`"
        )

    def _count_quietly(self) -> None:
        try:
            self.count_unrouted()
        except Exception as error:  # Web21C down: the scheduler's own check reports that
            log.debug("could not count unrouted texts: %s", error)

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

    def _sort(self, waiting: list[InboundMessage], routed: set[str], catch_all: bool) -> None:
        """Take what a route wants; act on opt words in the rest; count what is left."""
        if catch_all:
            self._take(waiting, routed)
            self._set_unrouted(0)
            return
        wanted = [m for m in waiting if _keyword(m) in routed]
        self._take(wanted, routed)
        rest = [m for m in waiting if _keyword(m) not in routed]
        acted: list[tuple[str, OptWord, bool]] = []
        handled = []
        for message in rest:
            match = opt_word(message.text, routed.__contains__)
            if match is None:
                continue
            number = number_from_uri(message.sender_uri)
            acted.append((number, match, self._opting.record(number, match, message.message_id)))
            handled.append(message.message_id)
        if handled:  # cleared before answering: a lost clear must not make a second answer
            self._telephony.clear_received_messages(handled)
        for number, match, changed in acted:
            if changed:
                self._opting.reply(number, match)
                self._show(number, match)
        self._set_unrouted(len(rest) - len(handled))

    def _show(self, number: str, match: OptWord) -> None:
        try:
            self._opting.show_in_thread(number, match)
        except ChatError as error:
            log.warning("could not show %s's %s in Slack: %s", number, match.word, error.reason)

    def _set_unrouted(self, count: int | None) -> None:
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
