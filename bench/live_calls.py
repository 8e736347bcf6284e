"""Live tracking at scale: 500 calls live at once, one refresh cycle, and card updates.

    .venv/bin/python bench/live_calls.py [--quick] [--calls N]

500 calls (100 with --quick) are placed through the bridge's Calls service (wired by
bootstrap() with Slack configured: makeCall at the sandbox, a card posted to the fake Slack,
spread over 50 channels), on mock phones with scripted timings: a fifth each connect and end
after 30 s, connect and end after 90 s, fail busy, answer slowly after 20 s and end a minute
later, or stay up for the whole run. The sandbox clock is all but stopped (speed 0.001) and
moved by hand, so what each refresh sees is known exactly. (--quick: 50 calls, 15 s steps.)

Measured:
1. One refresh cycle (tracking.refresh_all()) with every call live and nothing changed, the
   median of three, beside the baseline: the same getCallInformation calls made one after
   another with the bare Web21CClient (no database, no cards, no threads).
2. Over a run where the clock moves 10 s at a time for 120 s, refreshing after each step:
   chat.update calls (counted by the fake Slack) against the visible changes, taken from the
   sandbox's own view of every call before and after each step (status, cause, start time,
   and the duration once ended: what a card shows). Goal: equal. Updates that left a card
   as it was are counted too.
The sandbox and the fake Slack run in a separate process. Exits 1 if the counts differ.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.web21c.client import Web21CClient  # noqa: E402
from bench.support.bridge import wired_bridge  # noqa: E402
from bench.support.standins import StandIns  # noqa: E402
from bot.core.commands import NumberTarget  # noqa: E402

CHANNELS = 50
MOCK = "mockphones.nat.bt.com:5660"
RUN_SECONDS = 120


def parties(i: int) -> tuple[str, str]:
    """The calling and called party of call i: rings 2 s, then the called party's script."""
    calling = f"sip:happy-600-2-a{i}@{MOCK}"
    called = [
        f"sip:happy-30-2-b{i}@{MOCK}",  # connects, ends after 30 s
        f"sip:happy-90-2-b{i}@{MOCK}",  # connects, ends after 90 s
        f"sip:busy-3-b{i}@{MOCK}",  # unavailable after 3 s
        f"sip:slowanswer-20-b{i}@{MOCK}",  # answers after 20 s, ends a minute later
        f"sip:b{i}@example.com",  # answers, stays up past the run
    ][i % 5]
    return calling, called


def visible(call: dict) -> tuple:
    """What a call's card shows, from the sandbox's view of the call."""
    ended = call["callStatus"] == "CallTerminated"
    return (
        call["callStatus"],
        call["callTerminationCause"] if ended else None,
        call["startTime"],
        call["duration"] if ended else None,
    )


def snapshot(stand_ins: StandIns) -> dict[str, tuple]:
    return {call["callId"]: visible(call) for call in stand_ins("calls")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 calls, 15 s steps")
    parser.add_argument("--calls", type=int, default=None)
    args = parser.parse_args()
    count = args.calls or (50 if args.quick else 500)
    step = 15 if args.quick else 10
    channels = [f"CCALL{c:02d}" for c in range(CHANNELS)]

    with StandIns(sandbox_speed=0.001) as stand_ins, tempfile.TemporaryDirectory() as tmp:
        stand_ins("add_channels", channels)
        with wired_bridge(stand_ins, Path(tmp) / "bridge.db") as bridge:
            calls, tracking = bridge.services.calls, bridge.services.tracking

            def place(i: int) -> None:
                calling, called = parties(i)
                targets = (NumberTarget(calling), NumberTarget(called))
                calls.place("UBENCH", channels[i % CHANNELS], targets)

            started = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(place, range(count)))
            placing = time.perf_counter() - started
            with bridge.services.db.transaction() as tx:
                call_ids = [c.call_id for c in tx.calls.live()]
            assert len(call_ids) == count, f"{len(call_ids)} live calls, not {count}"

            # 1. A refresh cycle with every call live and nothing to change.
            cycles = []
            for _ in range(3):
                started = time.perf_counter()
                changed = tracking.refresh_all()
                cycles.append(time.perf_counter() - started)
                assert changed == 0, f"{changed} cards changed with the clock stopped"
            client = Web21CClient(stand_ins.web21c_url)
            started = time.perf_counter()
            for call_id in call_ids:
                client.get_call_information(call_id)
            sequential = time.perf_counter() - started
            client.close()

            # 2. The clock moves; every visible change should be one chat.update, no more.
            before = snapshot(stand_ins)
            updates_before = stand_ins("call_count", "chat.update")
            expected = refreshed = 0
            step_times = []
            for _ in range(RUN_SECONDS // step):
                stand_ins("advance", step)
                after = snapshot(stand_ins)
                expected += sum(1 for c in after if after[c] != before.get(c))
                started = time.perf_counter()
                refreshed += tracking.refresh_all()
                step_times.append(time.perf_counter() - started)
                before = after
            updates = stand_ins("call_count", "chat.update") - updates_before
            posts = stand_ins("posts")
            with bridge.services.db.transaction() as tx:
                still_live = len(tx.calls.live())

    noop = sum(
        1
        for p in posts
        for old, new in zip([*p["edits"], p["now"]], [*p["edits"], p["now"]][1:], strict=False)
        if old == new
    )
    cycle = statistics.median(cycles)
    print(f"{count} calls placed through Calls.place in {placing:.1f} s (8 threads)")
    print(f"{'':52} {'seconds':>8}")
    print(f"{'refresh_all(), all live, nothing changed (median of 3)':52} {cycle:8.2f}")
    print(f"{'baseline: getCallInformation x N, sequential, bare':52} {sequential:8.2f}")
    print(f"ratio refresh cycle / sequential baseline: {cycle / sequential:.2f}x")
    print(
        f"run: {RUN_SECONDS} simulated s in {step} s steps; refresh cycles took "
        f"{min(step_times):.2f}..{max(step_times):.2f} s; {still_live} calls live at the end"
    )
    print(f"visible changes (sandbox view) {expected}; cards changed (refresh_all) {refreshed}")
    print(f"chat.update calls {updates}; of them leaving the card as it was {noop}")
    met = updates == expected and noop == 0
    print(f"goal (chat.update calls == visible changes): {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
