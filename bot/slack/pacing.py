"""Per-channel pacing for Slack posts: about one a second per channel with short bursts, and a
429's Retry-After applied to that channel alone, so one busy channel never stalls the rest.

Slack counts a post when it arrives, and answers one that comes even a few milliseconds early
with a 429 whose Retry-After is a whole second. A slot is only when a post may leave; the
database write and the request after it take a varying while. So a post's token counts as
spent when the post is done (the channel lock is released), which pushes the next slot back by
however late it went; after a 429 the channel gets no burst until its allowance has had time to
refill. bench/paced_delivery.py measures the effect.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# Posts to a channel are spaced this much wider than the rate: room for Slack counting time a
# little differently from us (a 429 costs a whole second; this costs 20 ms a post).
SPACING_MARGIN = 0.02


class ChannelPacer:
    def __init__(
        self,
        rate_per_second: float = 1.0,
        burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._interval = (1.0 + SPACING_MARGIN) / rate_per_second
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_free: dict[str, float] = {}  # when the bucket is full again, per channel
        self._blocked_until: dict[str, float] = {}
        self._slots: dict[str, float] = {}  # the slot of the post under way, per channel
        self._limited: set[str] = set()  # channels that had a 429: no more bursts there
        self._channel_locks: dict[str, _ChannelLock] = {}

    def channel_lock(self, channel: str) -> _ChannelLock:
        """Held while posting to a channel, so posts to one channel keep their order
        (re-entrant: a caller holding its turn posts inside it). Releasing it ends the post."""
        with self._lock:
            if channel not in self._channel_locks:
                self._channel_locks[channel] = _ChannelLock(lambda: self._done(channel))
            return self._channel_locks[channel]

    def wait_turn(self, channel: str) -> None:
        """Block until a post to this channel fits the rate; take its slot."""
        slot, now = self._reserve(channel)
        if slot > now:
            self._sleep(slot - now)
        with self._lock:
            self._slots[channel] = slot

    def reserve(self, channel: str) -> float:
        """Take the next slot for this channel; seconds to wait before using it."""
        slot, now = self._reserve(channel)
        return slot - now

    def _reserve(self, channel: str) -> tuple[float, float]:
        with self._lock:
            now = self._clock()
            start = max(now, self._blocked_until.get(channel, 0.0))
            earliest_full = self._next_free.get(channel, now)
            # A bucket of `burst` slots refilling every interval: the slot this post takes is the
            # later of "now" and the time the bucket has room again.
            burst = 1 if channel in self._limited else self._burst
            slot = max(start, earliest_full - (burst - 1) * self._interval)
            self._next_free[channel] = max(earliest_full, slot) + self._interval
            return slot, now

    def _done(self, channel: str) -> None:
        """The post that took a slot is done (or given up): if that is later than its slot,
        its token was in effect spent later, so the next slot moves back as much."""
        with self._lock:
            slot = self._slots.pop(channel, None)
            late = self._clock() - slot if slot is not None else 0.0
            if late > 0:
                self._next_free[channel] = self._next_free.get(channel, slot) + late

    def rate_limited(self, channel: str, retry_after: float) -> None:
        """Slack said 429 for this channel: nothing more goes there for retry_after seconds,
        and from then on one post per interval, without bursts: Slack allows this channel less
        than we thought. (A burst after the block would draw a 429 per extra post, each with a
        whole-second Retry-After.)"""
        with self._lock:
            until = self._clock() + retry_after
            until = max(self._blocked_until.get(channel, 0.0), until)
            self._blocked_until[channel] = until
            self._limited.add(channel)
            self._next_free[channel] = max(self._next_free.get(channel, 0.0), until)


class _ChannelLock:
    """A re-entrant lock that calls `on_release` when its outermost holder lets go."""

    def __init__(self, on_release: Callable[[], None]):
        self._lock = threading.RLock()
        self._depth = 0  # changed only by the thread holding the lock
        self._on_release = on_release

    def __enter__(self) -> _ChannelLock:
        self._lock.acquire()
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0:
                self._on_release()
        finally:
            self._lock.release()
