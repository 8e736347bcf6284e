"""Paced delivery: a backlog of inbound texts over many channels, against Slack's limit of
about one chat.postMessage a second per channel, answered with 429 + Retry-After past it.

    .venv/bin/python bench/paced_delivery.py [--quick] [--burst B] [--fetch-first]

300 texts (40 with --quick) wait at the sandbox, spread over 20 keywords routed to 20
channels with a Zipf-like skew (channel k gets a share proportional to 1/k), each sender
texting up to 10 of them (so a channel with n texts has ceil(n/10) threads, each started by
a header post). The fake Slack enforces `limit_rate("chat.postMessage", per_second=1,
burst=B, per_channel=True)`, B = 1 unless --burst says otherwise. The bridge is wired by
bootstrap() and runs its scheduled jobs (poll interval 1 s), as `web21c-bridge run` does.

Measured: the time from starting the jobs to the last text's post in Slack (its ts), against
the theoretical minimum: the busiest channel's texts must go one a second after its first B,
so T_min = max(0, N_busiest - B) seconds (the issue's rounder figure N_busiest is printed
too, and the bound counting the busiest channel's thread headers as posts). Goal: within
15% of N_busiest, none lost, each thread's texts in the order they were sent. A run stops
at a deadline (2 x N_busiest + 10 s) and reports how far it got, so a slow bridge still
finishes in bounded time. Exits 1 if a text is lost, doubled or out of order.

--fetch-first drives the same services differently: fetch and record every keyword's texts,
then one post_pending() for all channels at once, then clear: what poll_inbound would do if
it did not post keyword by keyword.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support.bridge import add_routes, wired_bridge  # noqa: E402
from bench.support.standins import StandIns  # noqa: E402
from bot.bootstrap import Bridge  # noqa: E402

CHANNELS = 20
TEXTS_PER_SENDER = 10
GOAL = 1.15


def zipf_counts(total: int, channels: int) -> list[int]:
    """`total` split over `channels` in proportion to 1/k, largest remainders rounded up."""
    weights = [1 / k for k in range(1, channels + 1)]
    shares = [total * w / sum(weights) for w in weights]
    counts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(channels), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def workload(total: int) -> tuple[dict[str, str], list[tuple[str, str, str]], list[int]]:
    """Routes, texts (sender, keyword, text) in arrival order, and texts per channel."""
    counts = zipf_counts(total, CHANNELS)
    routes = {f"pace{c:02d}": f"CPACE{c:02d}" for c in range(CHANNELS)}
    per_channel = []
    sender_no = 0
    for (keyword, _), count in zip(routes.items(), counts, strict=True):
        senders = [f"tel:+4477009{sender_no + s:05d}" for s in range(math.ceil(count / 10))]
        sender_no += len(senders)
        per_channel.append(
            [(senders[i % len(senders)], keyword, f"{keyword} text {i}") for i in range(count)]
        )
    # Interleave the channels, as texts from many phones arrive.
    texts = [t for row in zip_longest_filled(per_channel) for t in row]
    return routes, texts, counts


def zip_longest_filled(rows: list[list]) -> list[list]:
    width = max(len(r) for r in rows)
    return [[r[i] for r in rows if i < len(r)] for i in range(width)]


def fetch_first(bridge: Bridge, keywords: list[str], stop_at: float) -> None:
    """Fetch and record all keywords, post everything at once, clear: a cycle at a time."""
    services = bridge.services
    while time.monotonic() < stop_at:
        for keyword in keywords:
            with services.db.transaction() as tx:
                for m in services.telephony.get_received_messages(keyword):
                    tx.messages.record_inbound(
                        m.message_id, m.keyword or keyword, m.sender_uri, m.text, m.receive_time
                    )
        services.inbound.post_pending()
        for keyword in keywords:
            services.inbound.clear_posted(keyword)
        with services.db.transaction() as tx:
            if not tx.messages.unposted_inbound(limit=1):
                return


def check_order(
    posts: list[dict], injected: dict[str, tuple[str, int]], waiting: set[str]
) -> tuple[int, int, int]:
    """(lost, doubled, out of order) among text posts: lost is neither in Slack nor still
    waiting at the sandbox; order is checked within each thread."""
    texts = [p for p in posts if p["message_id"] in injected]
    counts = Counter(p["message_id"] for p in texts)
    lost = sum(1 for m in injected if counts[m] == 0 and m not in waiting)
    doubled = sum(n - 1 for n in counts.values() if n > 1)
    threads: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p in sorted(texts, key=lambda p: float(p["ts"])):
        threads[(p["channel"], p["thread_ts"])].append(injected[p["message_id"]][1])
    disordered = sum(
        sum(1 for a, b in itertools.pairwise(seq) if b < a) for seq in threads.values()
    )
    return lost, doubled, disordered


def channel_spans(posts: list[dict], injected: dict, started: float) -> dict:
    times: dict[str, list[float]] = defaultdict(list)
    for p in posts:
        if p["message_id"] in injected:
            times[p["channel"]].append(float(p["ts"]) - started)
    return {channel: (min(ts), max(ts)) for channel, ts in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 texts instead of 300")
    parser.add_argument("--texts", type=int, default=None)
    parser.add_argument("--burst", type=int, default=1, help="Slack's burst per channel")
    parser.add_argument("--fetch-first", action="store_true", help="see the docstring")
    args = parser.parse_args()
    total = args.texts or (40 if args.quick else 300)
    routes, texts, counts = workload(total)
    busiest = max(counts)
    busiest_posts = busiest + math.ceil(busiest / TEXTS_PER_SENDER)
    deadline = 2 * busiest + 10

    with StandIns() as stand_ins, tempfile.TemporaryDirectory() as tmp:
        stand_ins("add_channels", list(routes.values()))
        stand_ins("limit_rate", 1.0, args.burst)
        ids = stand_ins("inject", texts)
        # message id -> (sender, its place among that sender's texts)
        seen: Counter[str] = Counter()
        injected = {}
        for message_id, (sender, _, _) in zip(ids, texts, strict=True):
            injected[message_id] = (sender, seen[sender])
            seen[sender] += 1

        with wired_bridge(stand_ins, Path(tmp) / "bridge.db") as bridge:
            add_routes(bridge, routes)
            started = time.time()
            stop_at = time.monotonic() + deadline
            if args.fetch_first:
                fetch_first(bridge, list(routes), stop_at)
            else:
                bridge.start_worker()
            while stand_ins("waiting") and time.monotonic() < stop_at:
                time.sleep(0.2)
            cleared_after = time.time() - started
            waiting = set(stand_ins("waiting_ids"))
            posts = stand_ins("posts")
            calls = stand_ins("call_count", "chat.postMessage")
            rejected = stand_ins("rejected", "chat.postMessage")
            busiest_calls = stand_ins("timeline", "chat.postMessage", next(iter(routes.values())))
            stand_ins("outage")  # what is still queued fails fast, so stopping is prompt
            bridge.jobs.stop()

    lost, doubled, disordered = check_order(posts, injected, waiting)
    print("the busiest channel's chat.postMessage calls, seconds from start (status if not 200):")
    print(
        "  "
        + " ".join(f"{at - started:.2f}" + ("" if s == 200 else f"/{s}") for at, s in busiest_calls)
    )
    spans = channel_spans(posts, injected, started)
    print("per channel, seconds from start to its first and last text post:")
    for channel, count in zip(routes.values(), counts, strict=True):
        first, end = spans.get(channel, (float("nan"), float("nan")))
        print(f"  {channel} {count:3d} texts  {first:6.1f} .. {end:6.1f}")
    text_posts = [float(p["ts"]) for p in posts if p["message_id"] in injected]
    last = (max(text_posts) - started) if text_posts else float("nan")
    t_min = max(0, busiest - args.burst)
    mode = "fetch-first driver" if args.fetch_first else "scheduled jobs (poll_inbound)"
    print(f"{total} texts over {CHANNELS} channels, per channel: {counts}")
    print(f"Slack limit: 1 post/s per channel, burst {args.burst}, 429 + Retry-After past it")
    print(f"bridge: {mode}; deadline {deadline} s")
    print(f"{'':44} {'seconds':>8}")
    print(f"{'theoretical minimum, max(0, N_busiest - B)':44} {t_min:8.1f}")
    print(f"{'the issue figure, N_busiest':44} {busiest:8.1f}")
    print(f"{'with the busiest thread headers as posts':44} {busiest_posts - args.burst:8.1f}")
    print(f"{'bridge: last text in Slack':44} {last:8.1f}")
    print(f"{'bridge: sandbox cleared (0.2 s polls)':44} {cleared_after:8.1f}")
    print(
        f"ratio to N_busiest: {last / busiest:.2f} (goal <= {GOAL}); to T_min: {last / t_min:.2f}"
    )
    print(
        f"posted {len(text_posts)} of {total} texts; still waiting at the sandbox {len(waiting)}; "
        f"chat.postMessage calls {calls}, of them 429 {rejected}"
    )
    print(f"lost {lost}, doubled {doubled}, out of order within a thread {disordered}")
    return 1 if (lost or doubled or disordered) else 0


if __name__ == "__main__":
    sys.exit(main())
