"""ChannelPacer on a fake clock: bursts, the steady rate, late posts and 429s."""

from __future__ import annotations

import pytest

from bot.slack.pacing import SPACING_MARGIN, ChannelPacer

INTERVAL = 1.0 + SPACING_MARGIN


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


def pacer(time_: FakeTime, burst: int = 3) -> ChannelPacer:
    return ChannelPacer(1.0, burst, clock=time_.clock, sleep=time_.sleep)


def post(p: ChannelPacer, time_: FakeTime, channel: str = "C1", takes: float = 0.0) -> float:
    """One post as SlackChat makes it: hold the channel, wait, send (taking `takes`)."""
    with p.channel_lock(channel):
        p.wait_turn(channel)
        sent = time_.now
        time_.now += takes
    return sent - 100.0


def test_a_burst_then_one_a_second(time_):
    p = pacer(time_)
    sent = [post(p, time_) for _ in range(5)]
    assert sent == pytest.approx([0, 0, 0, INTERVAL, 2 * INTERVAL])


def test_channels_are_paced_apart(time_):
    p = pacer(time_, burst=1)
    assert [post(p, time_, "C1"), post(p, time_, "C2")] == [0, 0]


def test_a_slow_post_moves_the_next_slot_back(time_):
    """Slack counts a post when it arrives: one that took 0.3 s to go means the next waits
    0.3 s longer, or it would arrive early and draw a 429."""
    p = pacer(time_, burst=1)
    first = post(p, time_, takes=0.3)
    second = post(p, time_)
    assert second - first == pytest.approx(INTERVAL + 0.3)


def test_after_a_429_no_burst(time_):
    p = pacer(time_, burst=3)
    p.rate_limited("C1", 1.0)
    sent = [post(p, time_) for _ in range(3)]
    assert sent == pytest.approx([1.0, 1.0 + INTERVAL, 1.0 + 2 * INTERVAL])
    time_.now += 10  # even after a long pause the channel does not burst again
    later = [post(p, time_) for _ in range(2)]
    assert later[1] - later[0] == pytest.approx(INTERVAL)


def test_reentrant_turn(time_):
    """A caller holding its turn posts inside it (bot.slack.chat.SlackChat.turn)."""
    p = pacer(time_, burst=1)
    with p.channel_lock("C1"):
        p.wait_turn("C1")
        with p.channel_lock("C1"):
            pass
    assert post(p, time_) == pytest.approx(INTERVAL)
