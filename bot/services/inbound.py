"""Inbound texts: fetched (bot.services.inbound_cycle), recorded, posted to Slack, and only then
cleared at Web21C, so a crash at any point loses nothing and doubles nothing.

Each text is posted with its Web21C messageId in Slack message metadata and claimed in the
database right before the request leaves (after any pacing wait); a text found claimed but not
posted (the process died mid-post, or Slack did not answer) is first looked for in Slack, so a
post that happened just before a crash is recognised, not repeated. A claim younger than
POST_IN_FLIGHT may still be on its way to Slack, so nobody posts that text again until it is
found or the claim is older; an error answer from Slack ends a claim at once.

Where a text goes: a routed keyword wins. A text that starts with a routed keyword (or, not
starting with one, was filed by Web21C under one) goes to that keyword's channel, into the
thread for its sender there, whoever texted that sender from elsewhere: a channel routed for
HELP gets every HELP. Only a reply, a text under the reply keyword (REPLY_KEYWORD, the word
people answer the bridge's texts with) and starting with no other routed keyword, follows the
sender's most recent conversation (say, the channel that texted them with /sms), else goes to
the reply keyword's own channel. Texts for one channel are posted in order by one worker;
channels proceed in parallel.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bot.core.commands import CATCH_ALL
from bot.core.domain import ChatError
from bot.core.mrkdwn import escape
from bot.core.numbers import number_from_uri
from bot.core.ports import ChatSurface, Clock, Telephony
from bot.observability.metrics import Metrics
from bot.services.messaging import THREAD_OPENING_STALE, Messaging
from bot.services.opt_words import opt_word
from bot.services.opting import note as opt_note
from bot.services.parties import Directory, Party
from storage import Database

log = logging.getLogger(__name__)

CONVERSATION_WINDOW = timedelta(days=7)
# How long a Slack post may still land after it was sent: slack_sdk's 30 s timeout, plus room.
POST_IN_FLIGHT = timedelta(seconds=20)  # longer than the Slack client waits for an answer
METADATA_TYPE = "web21c_inbound"
BATCH = 500
DEFAULT_REPLY_KEYWORD = "bridge"  # the sandbox's echo phone and the console use it
CYCLE_WAIT_SECONDS = 1.0  # how long a cycle waits for its channels before fetching on


class Inbound:
    def __init__(
        self,
        db: Database,
        telephony: Telephony,
        chat: ChatSurface,
        directory: Directory,
        messaging: Messaging,
        clock: Clock,
        metrics: Metrics,
        *,
        channel_workers: int = 16,
        find_posted: Callable[[str, str | None, str], str | None] | None = None,
        reply_keyword: str = DEFAULT_REPLY_KEYWORD,
    ):
        self._db = db
        self._telephony = telephony
        self._chat = chat
        self._directory = directory
        self._messaging = messaging
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=channel_workers, thread_name_prefix="inbound")
        self._find_posted = find_posted
        # A chat that paces posts lets us claim a text after its pacing wait, not before.
        self._turn = chat.turn
        self._reported: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._running: dict[str, futures.Future] = {}  # channel -> its worker's batch
        self._closing = threading.Event()
        self._metrics = metrics
        self._reply_keyword = reply_keyword.strip().lower()

    def poll(self, keyword: str) -> None:
        """One cycle for a keyword: fetch, record, post what is unposted, clear what is posted."""
        self.fetch(keyword)
        self.post_pending()
        self.clear_posted(keyword)

    def fetch(self, keyword: str) -> None:
        """Record what Web21C holds for a keyword (a cycle over many keywords can fetch each,
        post_pending() once, then clear_posted() each, instead of poll() per keyword)."""
        self.record(self._telephony.get_received_messages(keyword), keyword)

    def record(self, messages: list, keyword: str = "") -> list:
        """Record fetched texts (each once, however often fetched); those new to the bridge."""
        with self._db.transaction() as tx:
            created = tx.messages.record_inbound_many(
                [
                    (m.message_id, m.keyword or keyword, m.sender_uri, m.text, m.receive_time)
                    for m in messages
                ]
            )
        if created:
            self._metrics.inc("bridge_texts_in_total", len(created))
        new: dict[str, object] = {}
        for m in messages:  # each once, in the order fetched
            if m.message_id in created:
                new.setdefault(m.message_id, m)
        return list(new.values())

    def post_pending(self, wait: float = CYCLE_WAIT_SECONDS) -> None:
        """Post every recorded, unposted text: channels in parallel, each channel in order.
        Waits up to `wait` seconds; a channel still busy then (paced, rate limited, Slack
        slow) carries on in the background and is left alone until it is done, so one slow
        channel never holds up fetching and posting for the others."""
        with self._db.transaction() as tx:
            pending = tx.messages.unposted_inbound(limit=BATCH)
            routes = {route.keyword: route.channel_id for route in tx.routes.all()}
        by_channel: dict[str, list] = defaultdict(list)
        for message in pending:
            channel = self._channel_for(message, routes)
            if channel is None:
                continue  # its route was removed: it waits until a route exists again
            by_channel[channel].append(message)
        depth = {channel: len(items) for channel, items in by_channel.items()}
        self._metrics.replace("bridge_queue_depth", depth, label="channel")
        with self._lock:
            for channel, items in by_channel.items():
                running = self._running.get(channel)
                if running is None or running.done():
                    self._running[channel] = self._pool.submit(self._post_channel, channel, items)
            started = list(self._running.values())
        done, _ = futures.wait(started, timeout=wait)
        for future in done:
            future.result()  # a failure other than Slack's reaches the job's log

    def clear_posted(self, keyword: str | None = None) -> None:
        """Clear at Web21C what was posted: under `keyword`, or (None) under any keyword."""
        with self._db.transaction() as tx:
            posted = tx.messages.posted_uncleared(keyword, limit=BATCH)
        if not posted:
            return
        self._telephony.clear_received_messages([m.web21c_message_id for m in posted])
        with self._db.transaction() as tx:
            cleared = tx.messages.mark_cleared(m.id for m in posted)
        self._metrics.inc("bridge_texts_cleared_total", cleared)

    def close(self) -> None:
        self._closing.set()  # channel workers stop after the post in hand
        self._pool.shutdown(wait=True)

    # --- posting ---------------------------------------------------------------------------

    def _channel_for(self, message, routes: dict[str, str]) -> str | None:
        """The channel for a text: its routed keyword's, unless it is a reply or has no route
        of its own (the catch-all's texts) and its sender has a recent conversation."""
        keyword = routed_keyword(message.text, message.keyword, routes)
        if keyword in routes and keyword != self._reply_keyword:
            return routes[keyword]
        number = number_from_uri(message.sender)
        since = self._clock.now() - CONVERSATION_WINDOW
        with self._db.transaction() as tx:
            recent = tx.conversations.latest_for_number(number, since)
        if recent is not None and (recent.thread_ts or self._being_opened(recent)):
            return recent.channel_id  # a thread still being opened is waited for when posting
        # None: no route (nor catch-all) any more, so it waits for one
        return routes.get(keyword, routes.get(CATCH_ALL))

    def _being_opened(self, conversation) -> bool:
        """Whether someone is posting the conversation's thread header right now (a reply can
        arrive between Slack taking the header and the bridge recording its thread)."""
        opening = conversation.thread_opening_at
        return opening is not None and opening >= self._clock.now() - THREAD_OPENING_STALE

    def _post_channel(self, channel: str, messages: list) -> None:
        for message in messages:
            if self._closing.is_set():
                return
            try:
                posted = self._post(channel, message)
            except ChatError as error:
                self._metrics.inc("bridge_post_failures_total", reason=error.reason)
                self._report(channel, error)
                return  # keep the channel's order: the rest wait for the next cycle
            if not posted:
                return  # an earlier attempt may still land: wait for it, in order
            self._metrics.inc("bridge_texts_posted_total")
            self._recovered(channel)

    def _post(self, channel: str, message) -> bool:
        """Post one text (or recognise it as posted); False if an earlier attempt to post
        it may still be on its way to Slack."""
        number = number_from_uri(message.sender)
        party = self._directory.known(f"tel:{number}")
        conversation_id, thread_ts = self._messaging.thread_for(party, channel)
        ts = self._already_posted(channel, thread_ts, message)
        if ts is None:
            ts = self._post_claimed(channel, thread_ts, party, message)
            if ts is None:
                return False
        with self._db.transaction() as tx:  # a STOP already holds: it was acted on when fetched
            tx.messages.mark_posted(message.id, conversation_id, channel, ts)
            tx.conversations.touch(conversation_id, self._clock.now())
            note = self._opt_words(tx, number, message)
        if note:
            self._chat.post(channel, note, thread_ts=thread_ts)
        return True

    def _post_claimed(self, channel: str, thread_ts: str, party: Party, message) -> str | None:
        """Claim the text, then post it; None if another attempt holds the claim."""
        with self._turn(channel):
            now = self._clock.now()
            with self._db.transaction() as tx:
                if not tx.messages.claim_post(message.id, now - POST_IN_FLIGHT):
                    return None
            try:
                return self._chat.post(
                    channel,
                    f"*{party.label}*: {escape(message.text)}",
                    thread_ts=thread_ts,
                    metadata={
                        "event_type": METADATA_TYPE,
                        "event_payload": {"message_id": message.web21c_message_id},
                    },
                )
            except ChatError as error:
                if not error.unanswered:  # Slack answered: nothing is in flight
                    with self._db.transaction() as tx:
                        tx.messages.expire_post_claim(message.id, now - POST_IN_FLIGHT)
                raise

    def _already_posted(self, channel: str, thread_ts: str, message) -> str | None:
        if message.post_started_at is None or self._find_posted is None:
            return None
        ts = self._find_posted(channel, thread_ts, message.web21c_message_id)
        if ts:
            log.info(
                "text %s was posted by an earlier attempt (before a restart, or after a "
                "timeout); not posting it again",
                message.web21c_message_id,
            )
        return ts

    def _opt_words(self, tx, number: str, message) -> str | None:
        """The note on a STOP, START or HELP shown under its text (bot.services.opting acted
        on it when it was fetched)."""
        match = opt_word(message.text, tx.routes.has_own_route)
        return opt_note(number, match) if match else None

    def _report(self, channel: str, error: ChatError) -> None:
        key = (channel, error.reason)
        with self._lock:
            first = key not in self._reported
            self._reported.add(key)
        if first:
            log.error(
                "cannot post texts to channel %s (%s); they are kept and retried, not cleared",
                channel,
                error.reason,
            )

    def _recovered(self, channel: str) -> None:
        """A post went through: a later failure on this channel is reported afresh."""
        with self._lock:
            if not any(key[0] == channel for key in self._reported):
                return
            self._reported = {key for key in self._reported if key[0] != channel}
        log.info("posting texts to channel %s works again", channel)


def routed_keyword(text: str, filed_under: str | None, routes: dict[str, str]) -> str:
    """The keyword that decides where a text goes: the routed keyword it starts with, else
    the one Web21C filed it under (its text may lack it). Lower case, as routes are kept."""
    words = text.split(maxsplit=1)
    first = words[0].strip(".,:;!?").lower() if words else ""
    if first in routes:
        return first
    return (filed_under or "").strip().lower()
