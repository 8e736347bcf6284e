"""Per-channel pacing for Slack posts: about one a second per channel with short bursts, and a
429's Retry-After applied to that channel alone, so one busy channel never stalls the rest."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ChannelPacer:
    def __init__(
        self,
        rate_per_second: float = 1.0,
        burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._interval = 1.0 / rate_per_second
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_free: dict[str, float] = {}  # when the bucket is full again, per channel
        self._blocked_until: dict[str, float] = {}
        self._channel_locks: dict[str, threading.Lock] = {}

    def channel_lock(self, channel: str) -> threading.Lock:
        """Held while posting to a channel, so posts to one channel keep their order."""
        with self._lock:
            return self._channel_locks.setdefault(channel, threading.Lock())

    def wait_turn(self, channel: str) -> None:
        """Block until a post to this channel fits the rate; take its slot."""
        delay = self.reserve(channel)
        if delay > 0:
            self._sleep(delay)

    def reserve(self, channel: str) -> float:
        """Take the next slot for this channel; seconds to wait before using it."""
        with self._lock:
            now = self._clock()
            start = max(now, self._blocked_until.get(channel, 0.0))
            earliest_full = self._next_free.get(channel, now)
            # A bucket of `burst` slots refilling every interval: the slot this post takes is the
            # later of "now" and the time the bucket has room again.
            slot = max(start, earliest_full - (self._burst - 1) * self._interval)
            self._next_free[channel] = max(earliest_full, slot) + self._interval
            return slot - now

    def rate_limited(self, channel: str, retry_after: float) -> None:
        """Slack said 429 for this channel: nothing more goes there for retry_after seconds."""
        with self._lock:
            until = self._clock() + retry_after
            self._blocked_until[channel] = max(self._blocked_until.get(channel, 0.0), until)
